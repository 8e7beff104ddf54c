/* The ATT bearer's send path: PDUs handed to the ACL layer with their
 * completions tracked in send order (they wake whatever waits for a TX
 * buffer), notifications and Write Commands many at a time, indications
 * one at a time with the rest queued, and the client's one request. */
#include <zephyr/bluetooth/gatt.h>
#include <zephyr/sys/byteorder.h>

#include "att_bearer.h"

_Static_assert(ZBLE_ATT_TX_TRACK >= CONFIG_BT_L2CAP_TX_BUF_COUNT + ZBLE_ACL_IN_FLIGHT_MAX,
	       "ATT completion tracking smaller than what can be in flight");

bool zble_att_waiting(const struct bt_conn *conn)
{
	const struct zble_att_conn *att = &conn->att;
	return att->deferred || att->err_pending || att->confirm_pending || conn->gattc.wait_buf;
}

void zble_att_kick(struct bt_conn *conn, bool now)
{
	if (now) {
		k_work_reschedule_for_queue(&conn->host->wq, &conn->att.retry, K_NO_WAIT);
	} else {
		k_work_schedule_for_queue(&conn->host->wq, &conn->att.retry, K_MSEC(ZBLE_ATT_RETRY_MS));
	}
}

/* The ACL layer completed an ATT PDU of conn: completions come in send
 * order, so the oldest tracked one is this one. Its buffer is free by now. */
static void tx_done(struct bt_conn *conn, int err, void *user_data)
{
	(void)user_data;
	struct zble_att_conn *att = &conn->att;
	if (att->tx_count == 0) {
		return;
	}
	struct zble_att_tx_done d = att->tx[att->tx_head];
	att->tx_head = (uint8_t)((att->tx_head + 1) % ZBLE_ATT_TX_TRACK);
	att->tx_count--;
	if (d.done) {
		d.done(conn, err, d.user_data);
	}
	if (d.complete && !err) {
		d.complete(conn, d.user_data);
	}
	if (att->up && zble_att_waiting(conn)) {
		zble_att_kick(conn, true);
	}
}

/* Adds the basic header and queues the PDU. Takes buf. */
int zble_att_tx(struct bt_conn *conn, struct net_buf *buf, const struct zble_att_tx_done *d)
{
	struct zble_att_conn *att = &conn->att;
	if (att->tx_count >= ZBLE_ATT_TX_TRACK) {
		net_buf_unref(buf); /* cannot happen (checked at build time) */
		return -ENOMEM;
	}
	uint16_t len = buf->len;
	net_buf_push_le16(buf, ZBLE_CID_ATT);
	net_buf_push_le16(buf, len);
	uint8_t slot = (uint8_t)((att->tx_head + att->tx_count) % ZBLE_ATT_TX_TRACK);
	att->tx[slot] = d ? *d : (struct zble_att_tx_done){ 0 };
	int err = zble_acl_send(conn, buf, tx_done, NULL);
	if (!err) {
		att->tx_count++;
		conn->host->att.stats.tx_pdus++;
	}
	return err;
}

struct net_buf *zble_att_alloc(struct bt_conn *conn, uint8_t op)
{
	struct net_buf *buf = zble_acl_alloc(conn->host, K_NO_WAIT);
	if (buf) {
		net_buf_reserve(buf, ZBLE_ACL_HEADROOM + ZBLE_L2CAP_HDR);
		net_buf_add_u8(buf, op);
	}
	return buf;
}

struct net_buf *zble_att_pdu_alloc(struct bt_conn *conn, uint8_t op)
{
	if (!conn) {
		return NULL;
	}
	/* The answer to the peer's request takes the buffer kept for it. */
	if (zble_att_is_response(op) && conn->att.rsp_buf) {
		struct net_buf *buf = conn->att.rsp_buf;
		conn->att.rsp_buf = NULL;
		net_buf_reserve(buf, ZBLE_ACL_HEADROOM + ZBLE_L2CAP_HDR);
		net_buf_add_u8(buf, op);
		return buf;
	}
	return zble_att_alloc(conn, op);
}

/* 0 if conn can send buf now; otherwise frees buf and says why. */
static int drop_unsendable(struct bt_conn *conn, struct net_buf *buf)
{
	int err = 0;
	if (!conn || !buf) {
		err = -EINVAL;
	} else if (!conn->att.up) {
		err = -ENOTCONN;
	} else if (buf->len > conn->att.mtu) {
		err = -EMSGSIZE;
	}
	if (err) {
		net_buf_unref(buf);
	}
	return err;
}

/* Queues buf with d to run on its completion, if conn can take it now.
 * Takes buf. */
static int send_checked(struct bt_conn *conn, struct net_buf *buf, const struct zble_att_tx_done *d)
{
	int err = drop_unsendable(conn, buf);
	return err ? err : zble_att_tx(conn, buf, d);
}

int zble_att_send_notify(struct bt_conn *conn, struct net_buf *buf, zble_att_done_t done, void *user_data)
{
	struct zble_att_tx_done d = { .done = done, .user_data = user_data };
	return send_checked(conn, buf, &d);
}

int zble_att_send_cmd(struct bt_conn *conn, struct net_buf *buf, void (*complete)(struct bt_conn *conn, void *user_data),
		      void *user_data)
{
	struct zble_att_tx_done d = { .complete = complete, .user_data = user_data };
	return send_checked(conn, buf, &d);
}

/* ---- indications we send ---- */

static int ind_send(struct bt_conn *conn, struct net_buf *buf, zble_att_done_t done, void *user_data)
{
	int err = zble_att_tx(conn, buf, NULL);
	if (err) {
		return err;
	}
	struct zble_att_conn *att = &conn->att;
	att->ind_out = true;
	att->ind_done = done;
	att->ind_user_data = user_data;
	k_work_reschedule_for_queue(&conn->host->wq, &att->ind_timeout, K_MSEC(ZBLE_ATT_TIMEOUT_MS));
	return 0;
}

/* The next queued indication, if any, becomes the outstanding one. */
static void ind_next(struct bt_conn *conn)
{
	struct zble_att_conn *att = &conn->att;
	sys_snode_t *n;
	while (!att->ind_out && (n = sys_slist_get(&att->ind_queue)) != NULL) {
		att->ind_queued--;
		struct net_buf *buf = CONTAINER_OF(n, struct net_buf, node);
		struct zble_acl_tx_meta *meta = net_buf_user_data(buf);
		zble_att_done_t done = meta->done;
		void *user_data = meta->user_data;
		int err = ind_send(conn, buf, done, user_data);
		if (err && done) {
			done(conn, err, user_data);
		}
	}
}

int zble_att_send_indicate(struct bt_conn *conn, struct net_buf *buf, zble_att_done_t done, void *user_data)
{
	int err = drop_unsendable(conn, buf);
	if (err) {
		return err;
	}
	struct zble_att_conn *att = &conn->att;
	if (!att->ind_out && sys_slist_is_empty(&att->ind_queue)) {
		return ind_send(conn, buf, done, user_data);
	}
	if (att->ind_queued >= CONFIG_BT_ATT_IND_QUEUE) {
		net_buf_unref(buf);
		return -ENOMEM;
	}
	/* The buffer's ACL user data is unused until it is sent. */
	struct zble_acl_tx_meta *meta = net_buf_user_data(buf);
	meta->done = done;
	meta->user_data = user_data;
	sys_slist_append(&att->ind_queue, &buf->node);
	att->ind_queued++;
	return 0;
}

void zble_att_ind_confirmed(struct bt_conn *conn)
{
	struct zble_att_conn *att = &conn->att;
	if (!att->ind_out) {
		conn->host->att.stats.unexpected_confirm++;
		return;
	}
	k_work_cancel_delayable(&att->ind_timeout);
	zble_att_done_t done = att->ind_done;
	void *user_data = att->ind_user_data;
	att->ind_out = false;
	att->ind_done = NULL;
	if (done) {
		done(conn, 0, user_data);
	}
	ind_next(conn);
}

/* Fails the outstanding indication with err_out and the queued ones with
 * -ENOTCONN. */
void zble_att_ind_fail_all(struct bt_conn *conn, int err_out)
{
	struct zble_att_conn *att = &conn->att;
	k_work_cancel_delayable(&att->ind_timeout);
	if (att->ind_out) {
		zble_att_done_t done = att->ind_done;
		att->ind_out = false;
		att->ind_done = NULL;
		if (done) {
			done(conn, err_out, att->ind_user_data);
		}
	}
	sys_snode_t *n;
	while ((n = sys_slist_get(&att->ind_queue)) != NULL) {
		att->ind_queued--;
		struct net_buf *buf = CONTAINER_OF(n, struct net_buf, node);
		struct zble_acl_tx_meta *meta = net_buf_user_data(buf);
		zble_att_done_t done = meta->done;
		void *user_data = meta->user_data;
		net_buf_unref(buf);
		if (done) {
			done(conn, -ENOTCONN, user_data);
		}
	}
}

/* ---- the client's requests ---- */

int zble_att_send_req(struct bt_conn *conn, struct net_buf *buf)
{
	if (!conn || !buf) {
		net_buf_unref(buf);
		return -EINVAL;
	}
	struct zble_att_conn *att = &conn->att;
	int err = 0;
	if (!att->up) {
		err = -ENOTCONN;
	} else if (att->req_op) {
		err = -EBUSY;
	} else if (buf->len < 1 || buf->len > att->mtu) {
		err = -EMSGSIZE;
	}
	if (err) {
		net_buf_unref(buf);
		return err;
	}
	uint8_t op = buf->data[0];
	err = zble_att_tx(conn, buf, NULL);
	if (!err) {
		att->req_op = op;
		k_work_reschedule_for_queue(&conn->host->wq, &att->req_timeout, K_MSEC(ZBLE_ATT_TIMEOUT_MS));
	}
	return err;
}
