/* L2CAP on LE: incoming PDUs dispatched by channel; the LE signalling
 * channel (connection parameter update, Command Reject); until SMP and ATT
 * exists, its channel refuses politely (Pairing Not Supported) so a peer
 * never waits for a timeout. ATT goes to att.c, dynamic channels to
 * l2cap_coc.c; PDUs of other channels go to the host's raw PDU hook. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"

#define CID_ATT 0x0004
#define CID_LE_SIG 0x0005
#define CID_SMP 0x0006

#define SIG_CMD_REJECT 0x01
#define SIG_CONN_PARAM_REQ 0x12
#define SIG_CONN_PARAM_RSP 0x13
#define SIG_MTU 23 /* the LE signalling MTU (Core Vol 3 Part A 4) */

#define REJECT_NOT_UNDERSTOOD 0x0000
#define REJECT_MTU_EXCEEDED 0x0001

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

static void sig_send(struct bt_conn *conn, uint8_t code, uint8_t ident, const void *data, uint16_t len)
{
	uint8_t pdu[4 + 16];
	pdu[0] = code;
	pdu[1] = ident;
	sys_put_le16(len, pdu + 2);
	memcpy(pdu + 4, data, len);
	(void)zble_l2cap_send_fixed(conn, CID_LE_SIG, pdu, (uint16_t)(4 + len));
}

static void sig_reject(struct bt_conn *conn, uint8_t ident, uint16_t reason, uint16_t mtu)
{
	uint8_t data[4];
	sys_put_le16(reason, data);
	sys_put_le16(mtu, data + 2);
	sig_send(conn, SIG_CMD_REJECT, ident, data, reason == REJECT_MTU_EXCEEDED ? 4 : 2);
	conn->host->stats.l2cap_rejects++;
}

/* The peripheral asks us, the central, for new parameters. */
static void sig_conn_param_req(struct bt_conn *conn, uint8_t ident, const uint8_t *data, uint16_t len)
{
	if (conn->role != BT_CONN_ROLE_CENTRAL || len != 8) {
		sig_reject(conn, ident, REJECT_NOT_UNDERSTOOD, 0);
		return;
	}
	struct bt_le_conn_param param = { sys_get_le16(data), sys_get_le16(data + 2), sys_get_le16(data + 4),
					  sys_get_le16(data + 6) };
	bool accept = zble_conn_param_acceptable(conn, &param);
	uint8_t result[2];
	sys_put_le16(accept ? 0x0000 : 0x0001, result);
	sig_send(conn, SIG_CONN_PARAM_RSP, ident, result, 2);
	if (accept) {
		zble_conn_update(conn, &param, NULL);
	}
}

static void sig_recv(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	if (len > SIG_MTU) {
		/* Answer with the identifier of the first command, if any. */
		sig_reject(conn, len >= 2 ? p[1] : 0, REJECT_MTU_EXCEEDED, SIG_MTU);
		return;
	}
	if (len < 4 || sys_get_le16(p + 2) != len - 4u) {
		conn->host->stats.malformed++;
		if (len >= 2 && p[1] != 0) {
			sig_reject(conn, p[1], REJECT_NOT_UNDERSTOOD, 0);
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
	case SIG_CONN_PARAM_REQ:
		sig_conn_param_req(conn, ident, data, dlen);
		break;
	case SIG_CONN_PARAM_RSP:
		if (dlen == 2 && ident == conn->sig_ident && sys_get_le16(data) != 0) {
			conn->host->stats.async_errors++; /* the central refused */
		}
		break;
	case SIG_CMD_REJECT:
		break; /* the peer does not know a request of ours: nothing waits */
	default:
		if (!zble_l2cap_coc_sig(conn, code, ident, data, dlen)) {
			sig_reject(conn, ident, REJECT_NOT_UNDERSTOOD, 0);
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
	zble_att_connected(conn);
	zble_l2cap_coc_connected(conn);
}

void zble_l2cap_conn_disconnected(struct bt_conn *conn)
{
	zble_l2cap_coc_disconnected(conn);
	zble_att_disconnected(conn);
}

void zble_l2cap_host_init(struct zble_host *host)
{
	sys_slist_init(&host->l2cap.servers);
	sys_slist_init(&host->att.gatt_cbs);
	sys_slist_init(&host->gatts.services);
}

/* A peripheral whose controller cannot run the Connection Parameters
 * Request procedure asks the central over L2CAP. */
int zble_l2cap_conn_param_request(struct bt_conn *conn, const struct bt_le_conn_param *param)
{
	uint8_t data[8];
	sys_put_le16(param->interval_min, data);
	sys_put_le16(param->interval_max, data + 2);
	sys_put_le16(param->latency, data + 4);
	sys_put_le16(param->timeout, data + 6);
	conn->sig_ident = (uint8_t)(conn->sig_ident % 255 + 1);
	struct net_buf *pdu = zble_acl_alloc(conn->host, K_NO_WAIT);
	if (!pdu) {
		return -ENOBUFS;
	}
	net_buf_add_le16(pdu, 4 + sizeof(data));
	net_buf_add_le16(pdu, CID_LE_SIG);
	net_buf_add_u8(pdu, SIG_CONN_PARAM_REQ);
	net_buf_add_u8(pdu, conn->sig_ident);
	net_buf_add_le16(pdu, sizeof(data));
	net_buf_add_mem(pdu, data, sizeof(data));
	return zble_acl_send(conn, pdu, NULL, NULL);
}
