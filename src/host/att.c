/* ATT bearer on the LE fixed channel (Core Vol 3 Part F): one outstanding
 * request per direction under a 30 s transaction timer, Exchange MTU from
 * either side. This file takes PDUs in: requests from the peer go to the
 * GATT server, answers to our requests and values for subscriptions to
 * the GATT client. The send path (notifications, commands, indications one
 * at a time) is att_tx.c.
 *
 * An answer is never dropped for want of a TX buffer: a request is taken
 * only with a buffer set aside for its answer; without one the request
 * waits here (copied) and is served when a buffer frees, as a late answer
 * is allowed within the peer's 30 s. Error Responses and confirmations
 * that find no buffer wait the same way.
 *
 * A transaction timeout ends the bearer: everything pending fails, no
 * further ATT PDU goes out or is taken in, and the link is disconnected
 * (as Zephyr does), so an application sees one familiar failure. */
#include <string.h>

#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "att_bearer.h"


/* An ATT PDU is one L2CAP PDU; acl.c fragments and reassembles it across
 * the controller's buffers. 517 is ATT's own limit (a 512-byte value). */
_Static_assert(CONFIG_BT_ATT_MTU >= ZBLE_ATT_DEFAULT_MTU && CONFIG_BT_ATT_MTU <= 517 &&
		       CONFIG_BT_ATT_MTU <= CONFIG_BT_L2CAP_RX_MTU && CONFIG_BT_ATT_MTU <= CONFIG_BT_L2CAP_TX_MTU,
	       "CONFIG_BT_ATT_MTU must be 23..517 and fit the L2CAP MTUs");

static bool is_request(uint8_t op)
{
	switch (op) {
	case BT_ATT_OP_MTU_REQ:
	case BT_ATT_OP_FIND_INFO_REQ:
	case BT_ATT_OP_FIND_TYPE_REQ:
	case BT_ATT_OP_READ_TYPE_REQ:
	case BT_ATT_OP_READ_REQ:
	case BT_ATT_OP_READ_BLOB_REQ:
	case BT_ATT_OP_READ_MULT_REQ:
	case BT_ATT_OP_READ_GROUP_REQ:
	case BT_ATT_OP_WRITE_REQ:
	case BT_ATT_OP_PREPARE_WRITE_REQ:
	case BT_ATT_OP_EXEC_WRITE_REQ:
	case BT_ATT_OP_READ_MULT_VL_REQ:
		return true;
	default:
		return false;
	}
}

/* Every response is its request's opcode plus one. */
bool zble_att_is_response(uint8_t op)
{
	return op == BT_ATT_OP_ERROR_RSP || is_request((uint8_t)(op - 1));
}

uint16_t zble_att_mtu(const struct bt_conn *conn)
{
	return conn->att.mtu;
}

bool zble_att_usable(const struct bt_conn *conn)
{
	return conn && conn->att.up;
}

bool zble_att_req_pending(const struct bt_conn *conn)
{
	return conn->att.req_op != 0;
}

static void release_rsp_buf(struct bt_conn *conn)
{
	if (conn->att.rsp_buf) {
		net_buf_unref(conn->att.rsp_buf);
		conn->att.rsp_buf = NULL;
	}
}

int zble_att_send_rsp(struct bt_conn *conn, struct net_buf *buf)
{
	if (!conn || !buf) {
		net_buf_unref(buf);
		return -EINVAL;
	}
	struct zble_att_conn *att = &conn->att;
	if (!att->peer_req) {
		net_buf_unref(buf); /* nothing to answer */
		return -EALREADY;
	}
	att->peer_req = 0;
	release_rsp_buf(conn);
	if (!att->up) {
		net_buf_unref(buf);
		return -ENOTCONN;
	}
	if (buf->len > att->mtu) {
		buf->len = att->mtu; /* never beyond the MTU */
	}
	return zble_att_tx(conn, buf, NULL);
}

static void put_error(uint8_t *pdu4, uint8_t req_op, uint16_t handle, uint8_t att_err)
{
	pdu4[0] = req_op;
	sys_put_le16(handle, pdu4 + 1);
	pdu4[3] = att_err;
}

/* Answers the outstanding request with an error, now or when a buffer frees. */
static void answer_error(struct bt_conn *conn, uint8_t req_op, uint16_t handle, uint8_t att_err)
{
	struct zble_att_conn *att = &conn->att;
	att->peer_req = 0;
	struct net_buf *buf = zble_att_pdu_alloc(conn, BT_ATT_OP_ERROR_RSP);
	release_rsp_buf(conn);
	if (!buf) {
		put_error(att->err_pdu, req_op, handle, att_err);
		att->err_pending = true;
		zble_att_kick(conn, false);
		return;
	}
	put_error(net_buf_add(buf, 4), req_op, handle, att_err);
	(void)zble_att_tx(conn, buf, NULL);
}

int zble_att_send_error(struct bt_conn *conn, uint8_t req_op, uint16_t handle, uint8_t att_err)
{
	if (!conn) {
		return -EINVAL;
	}
	if (!conn->att.peer_req) {
		return -EALREADY;
	}
	if (!conn->att.up) {
		conn->att.peer_req = 0;
		release_rsp_buf(conn);
		return -ENOTCONN;
	}
	answer_error(conn, req_op, handle, att_err);
	return 0;
}

/* ---- the client's requests ---- */

void zble_att_want_buf(struct bt_conn *conn)
{
	conn->gattc.wait_buf = true;
	zble_att_kick(conn, false);
}

static void mtu_updated(struct bt_conn *conn)
{
	SYS_SLIST_FOR_EACH_NODE_SAFE(&conn->host->att.gatt_cbs, n, s) {
		struct bt_gatt_cb *cb = CONTAINER_OF(n, struct bt_gatt_cb, node);
		if (cb->att_mtu_updated) {
			cb->att_mtu_updated(conn, conn->att.mtu, conn->att.mtu);
		}
	}
}

/* Our ATT_MTU: CONFIG_BT_ATT_MTU, or less when a binding asked for it. */
uint16_t zble_att_local_mtu(const struct zble_host *host)
{
	uint16_t pref = host->gatts.att_mtu;
	return pref >= ZBLE_ATT_DEFAULT_MTU && pref < CONFIG_BT_ATT_MTU ? pref : (uint16_t)CONFIG_BT_ATT_MTU;
}

/* Both directions: the first exchange sets the MTU; a crossing second one
 * only counts if it changes nothing. */
static void mtu_set(struct bt_conn *conn, uint16_t peer_mtu)
{
	struct zble_att_conn *att = &conn->att;
	uint16_t mtu = MIN(peer_mtu, zble_att_local_mtu(conn->host));
	if (att->mtu_exchanged && mtu == att->mtu) {
		return;
	}
	att->mtu_exchanged = true;
	att->mtu = mtu;
	mtu_updated(conn);
}

static void on_response(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	struct zble_att_conn *att = &conn->att;
	struct zble_att_stats *st = &conn->host->att.stats;
	if (!att->req_op) {
		st->unexpected_rsp++;
		return;
	}
	uint8_t req = att->req_op;
	uint8_t err = 0;
	if (p[0] == BT_ATT_OP_ERROR_RSP) {
		if (len != 5 || p[1] != req || p[4] == 0) {
			conn->host->stats.malformed += len != 5;
			st->unexpected_rsp++;
			err = BT_ATT_ERR_UNLIKELY;
		} else {
			err = p[4];
		}
	} else if (p[0] != req + 1) {
		st->unexpected_rsp++;
		err = BT_ATT_ERR_UNLIKELY;
	} else if (p[0] == BT_ATT_OP_MTU_RSP) {
		if (len != 3 || sys_get_le16(p + 1) < ZBLE_ATT_DEFAULT_MTU) {
			conn->host->stats.malformed++;
			err = BT_ATT_ERR_UNLIKELY;
		}
	}
	att->req_op = 0;
	k_work_cancel_delayable(&att->req_timeout);
	if (!err && p[0] == BT_ATT_OP_MTU_RSP) {
		mtu_set(conn, sys_get_le16(p + 1));
	}
	zble_gatt_client_rsp(conn, err, err ? NULL : p, err ? 0 : len);
}

/* ---- the peer's requests ---- */

static void mtu_req(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	if (len != 3 || sys_get_le16(p + 1) < ZBLE_ATT_DEFAULT_MTU) {
		conn->host->stats.malformed++;
		conn->host->att.stats.rejected++;
		answer_error(conn, p[0], 0, BT_ATT_ERR_INVALID_PDU);
		return;
	}
	struct net_buf *buf = zble_att_pdu_alloc(conn, BT_ATT_OP_MTU_RSP); /* the one set aside */
	net_buf_add_le16(buf, zble_att_local_mtu(conn->host));
	(void)zble_att_send_rsp(conn, buf);
	if (conn->att.mtu_exchanged) {
		conn->host->att.stats.mtu_repeats++;
		return; /* answered, but the MTU stays for the connection */
	}
	mtu_set(conn, sys_get_le16(p + 1));
}

/* With a buffer set aside for the answer, or the request waits. */
static void serve(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	struct zble_att_conn *att = &conn->att;
	struct net_buf *buf = zble_acl_alloc(conn->host, K_NO_WAIT);
	if (!buf) {
		if (p != att->deferred_pdu) {
			memcpy(att->deferred_pdu, p, MIN(len, (uint16_t)sizeof(att->deferred_pdu)));
			att->deferred_len = len;
			conn->host->att.stats.deferred++;
		}
		att->deferred = true;
		zble_att_kick(conn, false);
		return;
	}
	att->deferred = false;
	release_rsp_buf(conn);
	att->rsp_buf = buf;
	uint8_t op = p[0];
	if (len > att->mtu) {
		conn->host->att.stats.rejected++;
		answer_error(conn, op, 0, BT_ATT_ERR_INVALID_PDU);
	} else if (op == BT_ATT_OP_MTU_REQ) {
		mtu_req(conn, p, len);
	} else if (is_request(op)) {
		zble_gatt_server_recv(conn, p, len);
	} else {
		conn->host->att.stats.rejected++;
		answer_error(conn, op, 0, BT_ATT_ERR_NOT_SUPPORTED);
	}
}

static void on_request(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	struct zble_att_conn *att = &conn->att;
	if (att->peer_req || att->deferred || att->err_pending) {
		/* A second request before our answer: the peer broke the
		 * protocol; the first one is still answered. */
		conn->host->stats.malformed++;
		conn->host->att.stats.dropped++;
		return;
	}
	att->peer_req = p[0];
	serve(conn, p, len);
}

/* ---- values for the client ---- */

static void send_confirm(struct bt_conn *conn)
{
	struct net_buf *buf = zble_att_alloc(conn, BT_ATT_OP_CONFIRM);
	if (!buf) {
		conn->att.confirm_pending = true;
		zble_att_kick(conn, false);
		return;
	}
	conn->att.confirm_pending = false;
	(void)zble_att_tx(conn, buf, NULL);
}

static void on_notify_mult(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	p++;
	len--;
	while (len >= 4) {
		uint16_t handle = sys_get_le16(p);
		uint16_t vlen = sys_get_le16(p + 2);
		if (vlen > len - 4u) {
			break;
		}
		if (conn->host->gatts.value_hook) {
			conn->host->gatts.value_hook(conn, handle, false, p + 4, vlen);
		}
		zble_gatt_client_value(conn, handle, p + 4, vlen);
		p += 4u + vlen;
		len = (uint16_t)(len - 4u - vlen);
	}
	if (len) {
		conn->host->stats.malformed++;
	}
}

void zble_att_recv(struct bt_conn *conn, struct net_buf *pdu)
{
	const uint8_t *p = pdu->data;
	uint16_t len = pdu->len;
	struct zble_att_conn *att = &conn->att;
	conn->host->att.stats.rx_pdus++;
	if (len < 1) {
		conn->host->stats.malformed++;
		return;
	}
	if (!att->up) {
		conn->host->att.stats.dropped++; /* after a timeout: nothing more */
		return;
	}
	uint8_t op = p[0];
	bool request = is_request(op) || (!(op & 0x40) && !zble_att_is_response(op) && op != BT_ATT_OP_NOTIFY &&
					   op != BT_ATT_OP_INDICATE && op != BT_ATT_OP_CONFIRM &&
					   op != BT_ATT_OP_NOTIFY_MULT);
	if (request) {
		on_request(conn, p, len); /* unknown ones: Request Not Supported */
		return;
	}
	if (len > att->mtu) {
		conn->host->att.stats.dropped++;
		return;
	}
	switch (op) {
	case BT_ATT_OP_WRITE_CMD:
	case BT_ATT_OP_SIGNED_WRITE_CMD:
		zble_gatt_server_recv(conn, p, len);
		break;
	case BT_ATT_OP_NOTIFY:
	case BT_ATT_OP_INDICATE:
		if (len < 3) {
			conn->host->stats.malformed++;
			break;
		}
		if (conn->host->gatts.value_hook) {
			conn->host->gatts.value_hook(conn, sys_get_le16(p + 1), op == BT_ATT_OP_INDICATE, p + 3,
						     (uint16_t)(len - 3));
		}
		zble_gatt_client_value(conn, sys_get_le16(p + 1), p + 3, (uint16_t)(len - 3));
		if (op == BT_ATT_OP_INDICATE && att->up) {
			send_confirm(conn);
		}
		break;
	case BT_ATT_OP_NOTIFY_MULT:
		on_notify_mult(conn, p, len);
		break;
	case BT_ATT_OP_CONFIRM:
		zble_att_ind_confirmed(conn);
		break;
	default:
		if (zble_att_is_response(op)) {
			on_response(conn, p, len);
		} else {
			conn->host->att.stats.dropped++; /* an unknown command */
		}
		break;
	}
}

/* ---- timers, retries, link life cycle ---- */

static void retry_handler(struct k_work *work)
{
	struct bt_conn *conn = CONTAINER_OF(k_work_delayable_from_work(work), struct bt_conn, att.retry);
	struct zble_host *host = conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	struct zble_att_conn *att = &conn->att;
	if (!att->up) {
		goto out;
	}
	if (att->err_pending) {
		struct net_buf *buf = zble_att_alloc(conn, BT_ATT_OP_ERROR_RSP);
		if (buf) {
			att->err_pending = false;
			net_buf_add_mem(buf, att->err_pdu, sizeof(att->err_pdu));
			(void)zble_att_tx(conn, buf, NULL);
		}
	}
	if (att->confirm_pending) {
		send_confirm(conn);
	}
	if (att->deferred && !att->err_pending) {
		serve(conn, att->deferred_pdu, att->deferred_len);
	}
	if (conn->gattc.wait_buf) {
		conn->gattc.wait_buf = false;
		zble_gatt_client_pump(conn);
	}
	if (att->up && zble_att_waiting(conn)) {
		zble_att_kick(conn, false);
	}
out:
	k_mutex_unlock(&host->lock);
}

/* Resets what was pending for the peer's requests. */
static void server_side_reset(struct bt_conn *conn)
{
	struct zble_att_conn *att = &conn->att;
	release_rsp_buf(conn);
	att->peer_req = 0;
	att->deferred = false;
	att->err_pending = false;
	att->confirm_pending = false;
}

static void bearer_down(struct bt_conn *conn, int ind_err)
{
	struct zble_att_conn *att = &conn->att;
	att->up = false;
	att->req_op = 0;
	k_work_cancel_delayable(&att->req_timeout);
	k_work_cancel_delayable(&att->retry);
	server_side_reset(conn);
	zble_att_ind_fail_all(conn, ind_err);
}

static void timed_out(struct bt_conn *conn, bool indication)
{
	conn->host->att.stats.timeouts++;
	bearer_down(conn, indication ? -ETIMEDOUT : -ENOTCONN);
	zble_gatt_client_abort(conn);
	(void)bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
}

static void req_timeout_handler(struct k_work *work)
{
	struct bt_conn *conn = CONTAINER_OF(k_work_delayable_from_work(work), struct bt_conn, att.req_timeout);
	k_mutex_lock(&conn->host->lock, K_FOREVER);
	if (conn->att.up && conn->att.req_op) {
		timed_out(conn, false);
	}
	k_mutex_unlock(&conn->host->lock);
}

static void ind_timeout_handler(struct k_work *work)
{
	struct bt_conn *conn = CONTAINER_OF(k_work_delayable_from_work(work), struct bt_conn, att.ind_timeout);
	k_mutex_lock(&conn->host->lock, K_FOREVER);
	if (conn->att.up && conn->att.ind_out) {
		timed_out(conn, true);
	}
	k_mutex_unlock(&conn->host->lock);
}

void zble_att_connected(struct bt_conn *conn)
{
	struct zble_att_conn *att = &conn->att;
	if (!att->inited) {
		k_work_init_delayable(&att->req_timeout, req_timeout_handler);
		k_work_init_delayable(&att->ind_timeout, ind_timeout_handler);
		k_work_init_delayable(&att->retry, retry_handler);
		att->inited = true;
	}
	/* Leftovers of a link dropped without its end (bt_disable). */
	bearer_down(conn, -ENOTCONN);
	att->mtu = ZBLE_ATT_DEFAULT_MTU;
	att->mtu_exchanged = false;
	sys_slist_init(&att->ind_queue);
	att->ind_queued = 0;
	att->tx_head = att->tx_count = 0;
	att->up = true;
	zble_gatt_server_connected(conn);
	zble_gatt_client_connected(conn);
}

void zble_att_disconnected(struct bt_conn *conn)
{
	if (!conn->att.inited) {
		return;
	}
	bearer_down(conn, -ENOTCONN);
	zble_gatt_client_disconnected(conn);
	zble_gatt_server_disconnected(conn);
}

/* ---- public calls ---- */

void bt_gatt_cb_register(struct bt_gatt_cb *cb)
{
	struct zble_host *host = zble_api_enter();
	if (!host || !cb) {
		if (host) {
			zble_api_exit(host);
		}
		return;
	}
	(void)sys_slist_find_and_remove(&host->att.gatt_cbs, &cb->node);
	sys_slist_append(&host->att.gatt_cbs, &cb->node);
	zble_api_exit(host);
}

uint16_t bt_gatt_get_mtu(struct bt_conn *conn)
{
	if (!conn) {
		return 0;
	}
	k_mutex_lock(&conn->host->lock, K_FOREVER);
	uint16_t mtu = conn->att.up ? conn->att.mtu : 0;
	k_mutex_unlock(&conn->host->lock);
	return mtu;
}
