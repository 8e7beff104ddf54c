/* Connection parameter update over LE signalling (Core Vol 3 Part A 4.20,
 * 4.21). As peripheral we ask the central; as central we answer the peer's
 * requests. A request is answered "accepted" only once the HCI LE Connection
 * Update it asked for has started (a Command Status of success), and a
 * peer's requests can neither pile up commands nor take the command buffers
 * the application needs: one command per link in flight, one request
 * waiting behind it (the newest; a replaced one is refused), and none sent
 * when the command pool is down to its reserve. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"
#include "l2cap_internal.h"

#define PARAM_ACCEPTED 0x0000
#define PARAM_REJECTED 0x0001

static void param_respond(struct bt_conn *conn, uint8_t ident, bool accepted)
{
	uint8_t result[2];
	sys_put_le16(accepted ? PARAM_ACCEPTED : PARAM_REJECTED, result);
	if (accepted) {
		conn->host->l2cap.stats.param_started++;
	} else {
		conn->host->l2cap.stats.param_refused++;
	}
	(void)zble_l2cap_sig_send(conn, ZBLE_SIG_CONN_PARAM_RSP, ident, result, sizeof(result));
}

static bool cmd_reserve_reached(struct zble_host *host)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&host->cmd_pool, &st);
	return st.free <= ZBLE_L2CAP_PARAM_CMD_RESERVE;
}

static void param_start(struct bt_conn *conn, uint8_t ident, const struct bt_le_conn_param *param);

/* Command Status (or failure) of the LE Connection Update we sent for a
 * peer's request. arg holds a reference, so conn is not reused meanwhile. */
static void param_update_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t rp_len, void *arg)
{
	(void)rp;
	(void)rp_len;
	struct bt_conn *conn = arg;
	conn->l2cap.param_busy = false;
	/* Not after bt_disable() flushed the command: nothing may be queued
	 * behind the flush. */
	if (conn->state == BT_CONN_STATE_CONNECTED && host->opened) {
		param_respond(conn, conn->l2cap.param_rsp_ident, status == 0);
		uint8_t next = conn->l2cap.param_queued_ident;
		if (next) {
			conn->l2cap.param_queued_ident = 0;
			param_start(conn, next, &conn->l2cap.param_queued);
		}
	} else {
		conn->l2cap.param_queued_ident = 0; /* the link or the host went: nobody to answer */
	}
	conn->l2cap.param_rsp_ident = 0;
	bt_conn_unref(conn);
}

static void param_start(struct bt_conn *conn, uint8_t ident, const struct bt_le_conn_param *param)
{
	struct zble_host *host = conn->host;
	if (cmd_reserve_reached(host)) {
		param_respond(conn, ident, false);
		return;
	}
	uint8_t cp[14] = { 0 }; /* CE length range 0..0 */
	sys_put_le16(conn->handle, cp);
	sys_put_le16(param->interval_min, cp + 2);
	sys_put_le16(param->interval_max, cp + 4);
	sys_put_le16(param->latency, cp + 6);
	sys_put_le16(param->timeout, cp + 8);
	struct bt_conn *ref = bt_conn_ref(conn);
	int err = zble_hci_cmd_send(host, BT_HCI_OP_LE_CONN_UPDATE, cp, sizeof(cp), param_update_done, ref, NULL);
	if (err) {
		bt_conn_unref(ref);
		param_respond(conn, ident, false);
		return;
	}
	conn->l2cap.param_busy = true;
	conn->l2cap.param_rsp_ident = ident;
}

/* The peripheral asks us, the central, for new parameters. */
void zble_l2cap_param_req(struct bt_conn *conn, uint8_t ident, const uint8_t *data, uint16_t len)
{
	if (conn->role != BT_CONN_ROLE_CENTRAL || len != 8) {
		zble_l2cap_sig_reject(conn, ident, ZBLE_SIG_REJECT_NOT_UNDERSTOOD, NULL, 0);
		return;
	}
	struct bt_le_conn_param param = { sys_get_le16(data), sys_get_le16(data + 2), sys_get_le16(data + 4),
					  sys_get_le16(data + 6) };
	if (!zble_conn_param_acceptable(conn, &param)) {
		param_respond(conn, ident, false);
		return;
	}
	if (!conn->l2cap.param_busy) {
		param_start(conn, ident, &param);
		return;
	}
	/* Coalesced: only the newest waiting request can still matter. */
	if (conn->l2cap.param_queued_ident) {
		param_respond(conn, conn->l2cap.param_queued_ident, false);
	}
	conn->l2cap.param_queued_ident = ident;
	conn->l2cap.param_queued = param;
}

/* The central answered our request. */
void zble_l2cap_param_rsp(struct bt_conn *conn, uint8_t ident, const uint8_t *data, uint16_t len)
{
	if (len != 2) {
		conn->host->l2cap.stats.sig_malformed++;
	} else if (ident == conn->l2cap.param_ident) {
		conn->l2cap.param_ident = 0;
		if (sys_get_le16(data) != PARAM_ACCEPTED) {
			conn->host->stats.async_errors++; /* the central refused */
		}
	}
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
	uint8_t ident = zble_l2cap_next_ident(conn);
	int err = zble_l2cap_sig_send(conn, ZBLE_SIG_CONN_PARAM_REQ, ident, data, sizeof(data));
	if (!err) {
		conn->l2cap.param_ident = ident;
	}
	return err;
}

void zble_l2cap_param_conn_reset(struct bt_conn *conn)
{
	conn->l2cap.param_ident = 0;
	conn->l2cap.param_queued_ident = 0;
}
