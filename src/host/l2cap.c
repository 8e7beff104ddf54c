/* L2CAP on LE: incoming PDUs dispatched by channel; the LE signalling
 * channel (Command Reject, and the length checks of every command before it
 * reaches a handler; connection parameter update: l2cap_param.c); until SMP exists,
 * its channel refuses politely (Pairing Not Supported) so a peer never
 * waits for a timeout. ATT goes to att.c, credit-based channels to
 * l2cap_coc.c; PDUs of other channels go to the host's raw PDU hook. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"
#include "l2cap_internal.h"

#define CID_ATT 0x0004
#define CID_LE_SIG 0x0005
#define CID_SMP 0x0006

#define SIG_MTU 23 /* the LE signalling MTU (Core Vol 3 Part A 4) */

#define SMP_PAIRING_FAILED 0x05
#define SMP_PAIRING_NOT_SUPPORTED 0x05

int zble_l2cap_send_fixed(struct bt_conn *conn, uint16_t cid, const void *payload, uint16_t len)
{
	struct net_buf *pdu = zble_acl_alloc(conn->host, K_NO_WAIT);
	if (!pdu) {
		conn->host->stats.acl_dropped++;
		return -ENOBUFS;
	}
	net_buf_add_le16(pdu, len);
	net_buf_add_le16(pdu, cid);
	net_buf_add_mem(pdu, payload, len);
	return zble_acl_send(conn, pdu, NULL, NULL);
}

int zble_l2cap_sig_send(struct bt_conn *conn, uint8_t code, uint8_t ident, const void *data, uint16_t len)
{
	uint8_t pdu[SIG_MTU];
	if (len > SIG_MTU - 4) {
		return -EINVAL;
	}
	pdu[0] = code;
	pdu[1] = ident;
	sys_put_le16(len, pdu + 2);
	if (len) {
		memcpy(pdu + 4, data, len);
	}
	return zble_l2cap_send_fixed(conn, CID_LE_SIG, pdu, (uint16_t)(4 + len));
}

void zble_l2cap_sig_reject(struct bt_conn *conn, uint8_t ident, uint16_t reason, const void *data, uint16_t len)
{
	uint8_t rej[2 + 4];
	sys_put_le16(reason, rej);
	len = MIN(len, (uint16_t)4);
	if (len) {
		memcpy(rej + 2, data, len);
	}
	(void)zble_l2cap_sig_send(conn, ZBLE_SIG_CMD_REJECT, ident, rej, (uint16_t)(2 + len));
	conn->host->stats.l2cap_rejects++;
}

/* Identifiers of our commands: 1..255 in turn (0 is never valid), passing
 * over those of requests still waiting for their response (at most
 * CONFIG_BT_L2CAP_MAX_CHAN + 1 of them, so one is always free). */
uint8_t zble_l2cap_next_ident(struct bt_conn *conn)
{
	do {
		conn->sig_ident = (uint8_t)(conn->sig_ident % 255 + 1);
	} while (conn->sig_ident == conn->l2cap.param_ident || zble_l2cap_coc_ident_pending(conn, conn->sig_ident));
	return conn->sig_ident;
}

static void sig_reject_simple(struct bt_conn *conn, uint8_t ident, uint16_t reason)
{
	zble_l2cap_sig_reject(conn, ident, reason, NULL, 0);
}

static void sig_recv(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	if (len > SIG_MTU) {
		/* Answer with the identifier of the first command, if any. */
		uint8_t mtu[2];
		sys_put_le16(SIG_MTU, mtu);
		if (p[1] != 0) { /* identifier 0 is never valid, not even in a reject */
			zble_l2cap_sig_reject(conn, p[1], ZBLE_SIG_REJECT_MTU_EXCEEDED, mtu, 2);
		} else {
			conn->host->stats.malformed++;
		}
		return;
	}
	if (len < 4 || sys_get_le16(p + 2) != len - 4u) {
		conn->host->stats.malformed++;
		if (len >= 2 && p[1] != 0) {
			sig_reject_simple(conn, p[1], ZBLE_SIG_REJECT_NOT_UNDERSTOOD);
		}
		return;
	}
	uint8_t code = p[0], ident = p[1];
	const uint8_t *data = p + 4;
	uint16_t dlen = (uint16_t)(len - 4u);
	if (ident == 0) {
		conn->host->stats.malformed++; /* identifier 0 is never valid */
		return;
	}
	switch (code) {
	case ZBLE_SIG_CONN_PARAM_REQ:
		zble_l2cap_param_req(conn, ident, data, dlen);
		break;
	case ZBLE_SIG_CONN_PARAM_RSP:
		zble_l2cap_param_rsp(conn, ident, data, dlen);
		break;
	case ZBLE_SIG_CMD_REJECT:
		/* Never answered with a reject; a request of ours may be waiting. */
		if (dlen < 2) {
			conn->host->l2cap.stats.sig_malformed++;
		} else if (ident == conn->l2cap.param_ident) {
			conn->l2cap.param_ident = 0;
		} else {
			zble_l2cap_coc_rejected(conn, ident);
		}
		break;
	default:
		if (!zble_l2cap_coc_sig(conn, code, ident, data, dlen)) {
			sig_reject_simple(conn, ident, ZBLE_SIG_REJECT_NOT_UNDERSTOOD);
		}
		break;
	}
}

static void smp_recv(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	if (len >= 1 && p[0] != SMP_PAIRING_FAILED) {
		uint8_t rsp[2] = { SMP_PAIRING_FAILED, SMP_PAIRING_NOT_SUPPORTED };
		(void)zble_l2cap_send_fixed(conn, CID_SMP, rsp, sizeof(rsp));
	}
}

/* The ACL layer's receiver: one whole PDU, basic header included. */
void zble_l2cap_recv(struct zble_host *host, struct bt_conn *conn, struct net_buf *pdu)
{
	uint16_t len = sys_get_le16(pdu->data);
	uint16_t cid = sys_get_le16(pdu->data + 2);
	const uint8_t *payload = pdu->data + 4;
	switch (cid) {
	case CID_LE_SIG:
		sig_recv(conn, payload, len);
		break;
	case CID_SMP:
		smp_recv(conn, payload, len);
		break;
	case CID_ATT:
		net_buf_pull(pdu, 4);
		zble_att_recv(conn, pdu);
		net_buf_push(pdu, 4);
		break;
	default:
		if (cid >= 0x0040 && cid <= 0x007f) {
			net_buf_pull(pdu, 4);
			bool taken = zble_l2cap_coc_recv(conn, cid, pdu);
			net_buf_push(pdu, 4);
			if (taken) {
				break;
			}
		}
		if (host->l2cap_recv) {
			host->l2cap_recv(conn, pdu);
		} else {
			host->stats.acl_dropped++;
		}
		break;
	}
}

void zble_l2cap_conn_connected(struct bt_conn *conn)
{
	zble_l2cap_param_conn_reset(conn);
	zble_att_connected(conn);
	zble_l2cap_coc_connected(conn);
}

void zble_l2cap_conn_disconnected(struct bt_conn *conn)
{
	zble_l2cap_param_conn_reset(conn);
	zble_l2cap_coc_disconnected(conn);
	zble_att_disconnected(conn);
}

void zble_l2cap_host_init(struct zble_host *host)
{
	sys_slist_init(&host->l2cap.servers);
	host->l2cap.rtx_ms = CONFIG_BT_L2CAP_RTX_TIMEOUT_MS;
	memset(&host->l2cap.stats, 0, sizeof(host->l2cap.stats));
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		zble_l2cap_coc_conn_init(&host->conns[i]);
	}
	sys_slist_init(&host->att.gatt_cbs);
	sys_slist_init(&host->gatts.services);
}
