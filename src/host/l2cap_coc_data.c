/* K-frames of the credit-based channels (Core Vol 3 Part A 3.4, 10.1):
 * SDUs segmented to the peer's MPS and sent as its credits allow, incoming
 * K-frames checked (MPS, credits, MTU, SDU length) and reassembled into the
 * application's buffers, credits given back as SDUs are consumed. */
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "l2cap_internal.h"

#define CHAN_OF(nd) CONTAINER_OF(nd, struct bt_l2cap_le_chan, chan.node)
#define RETRY_MS 5 /* TX buffers ran short: look again this much later */

uint16_t zble_coc_init_credits(const struct bt_l2cap_le_chan *le)
{
	uint32_t per_sdu = (le->rx.mtu + (uint32_t)BT_L2CAP_SDU_HDR_SIZE + le->rx.mps - 1u) / le->rx.mps;
	return (uint16_t)CLAMP(per_sdu * CONFIG_BT_L2CAP_RX_INIT_SDUS, 1u, (uint32_t)UINT16_MAX);
}

void zble_coc_tx_kick(struct bt_conn *conn)
{
	k_work_reschedule_for_queue(&conn->host->wq, &conn->l2cap.tx_work, K_NO_WAIT);
}

static void retry_later(struct bt_conn *conn)
{
	conn->host->l2cap.stats.tx_retries++;
	k_work_schedule_for_queue(&conn->host->wq, &conn->l2cap.tx_work, K_MSEC(RETRY_MS));
}

static void set_out(struct bt_l2cap_le_chan *le, bool out)
{
	if (atomic_test_bit(le->chan.status, BT_L2CAP_STATUS_OUT) == out) {
		return;
	}
	atomic_set_bit_to(le->chan.status, BT_L2CAP_STATUS_OUT, out);
	if (le->chan.ops->status) {
		le->chan.ops->status(&le->chan, le->chan.status);
	}
}

void zble_coc_opened(struct bt_l2cap_le_chan *le)
{
	if (atomic_get(&le->tx.credits) > 0) {
		set_out(le, true);
	}
	zble_coc_tx_kick(le->chan.conn);
}

void zble_coc_flush(struct bt_l2cap_le_chan *le)
{
	sys_snode_t *n;
	while ((n = sys_slist_get(&le->_tx_queue)) != NULL) {
		net_buf_unref(CONTAINER_OF(n, struct net_buf, node));
	}
	le->_tx_queued = 0;
	le->_tx_started = false;
	if (le->_sdu) {
		net_buf_unref(le->_sdu);
		le->_sdu = NULL;
	}
	le->_rx_owed = 0;
	le->_deferred_n = 0;
	le->_deferred_merged = 0;
}

/* ---- sending ---- */

void zble_coc_credits(struct bt_l2cap_le_chan *le, uint16_t credits)
{
	if (credits == 0) {
		return; /* not a valid value: nothing to add */
	}
	if (atomic_get(&le->tx.credits) + credits > UINT16_MAX) {
		zble_coc_protocol_error(le); /* credit overflow (Vol 3 Part A 10.1) */
		return;
	}
	atomic_add(&le->tx.credits, credits);
	set_out(le, true);
	zble_coc_tx_kick(le->chan.conn);
}

/* ACL completion of one K-frame; user_data names the channel (its tag) and
 * whether the frame ended an SDU. A closed channel is not looked at: after
 * link loss (err) or when its tag is gone. */
static void kframe_done(struct bt_conn *conn, int err, void *user_data)
{
	if (err) {
		return;
	}
	uintptr_t v = (uintptr_t)user_data;
	SYS_SLIST_FOR_EACH_NODE(&conn->l2cap.chans, n) {
		struct bt_l2cap_le_chan *le = CHAN_OF(n);
		if (le->_tag == (uint16_t)(v >> 1)) {
			if (le->_tx_inflight) {
				le->_tx_inflight--;
			}
			if ((v & 1) && le->chan.ops->sent) {
				le->chan.ops->sent(&le->chan);
			}
			break;
		}
	}
	zble_coc_tx_kick(conn);
}

static bool tx_buffer_available(struct zble_host *host)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&host->tx_pool, &st);
	return st.free > CONFIG_BT_L2CAP_TX_RESERVE;
}

/* One K-frame of the channel's head SDU, if credits, the in-flight limit
 * and the TX pool allow. true when one went out. */
static bool send_kframe(struct bt_l2cap_le_chan *le)
{
	struct bt_conn *conn = le->chan.conn;
	if (le->state != BT_L2CAP_CONNECTED || sys_slist_is_empty(&le->_tx_queue) ||
	    atomic_get(&le->tx.credits) <= 0 || le->_tx_inflight >= CONFIG_BT_L2CAP_CHAN_TX_INFLIGHT) {
		return false;
	}
	struct net_buf *pdu = tx_buffer_available(conn->host) ? zble_acl_alloc(conn->host, K_NO_WAIT) : NULL;
	if (!pdu) {
		retry_later(conn);
		return false;
	}
	struct net_buf *sdu = CONTAINER_OF(sys_slist_peek_head(&le->_tx_queue), struct net_buf, node);
	uint16_t room = MIN(le->tx.mps, (uint16_t)BT_L2CAP_TX_MTU);
	net_buf_add(pdu, BT_L2CAP_HDR_SIZE);
	if (!le->_tx_started) {
		net_buf_add_le16(pdu, sdu->len); /* the SDU length leads its first K-frame */
		room = (uint16_t)(room - BT_L2CAP_SDU_HDR_SIZE);
		le->_tx_started = true;
	}
	uint16_t n = MIN(room, sdu->len);
	net_buf_add_mem(pdu, sdu->data, n);
	net_buf_pull(sdu, n);
	bool last = sdu->len == 0;
	sys_put_le16((uint16_t)(pdu->len - BT_L2CAP_HDR_SIZE), pdu->data);
	sys_put_le16(le->tx.cid, pdu->data + 2);
	if (last) {
		sys_slist_get(&le->_tx_queue);
		le->_tx_queued--;
		le->_tx_started = false;
		net_buf_unref(sdu); /* its bytes are in K-frames now */
	}
	atomic_dec(&le->tx.credits);
	le->_tx_inflight++;
	uintptr_t tag = ((uintptr_t)le->_tag << 1) | (last ? 1u : 0u);
	int err = zble_acl_send(conn, pdu, kframe_done, (void *)tag);
	if (atomic_get(&le->tx.credits) == 0) {
		set_out(le, false);
	}
	return err == 0;
}

static void send_owed(struct bt_l2cap_le_chan *le)
{
	if (!le->_rx_owed || le->state != BT_L2CAP_CONNECTED) {
		return;
	}
	struct bt_conn *conn = le->chan.conn;
	uint8_t ind[4];
	sys_put_le16(le->rx.cid, ind);
	sys_put_le16(le->_rx_owed, ind + 2);
	if (zble_l2cap_sig_send(conn, ZBLE_SIG_LE_CREDITS, zble_l2cap_next_ident(conn), ind, sizeof(ind))) {
		retry_later(conn); /* kept: the peer must get them eventually */
		return;
	}
	atomic_add(&le->rx.credits, le->_rx_owed);
	le->_rx_owed = 0;
}

void zble_coc_return_credits(struct bt_l2cap_le_chan *le, uint16_t n)
{
	/* The peer may never hold more than 65535 (it would disconnect). */
	uint32_t room = UINT16_MAX - (uint32_t)atomic_get(&le->rx.credits) - le->_rx_owed;
	le->_rx_owed = (uint16_t)(le->_rx_owed + MIN((uint32_t)n, room));
	send_owed(le);
}

/* The i-th channel of the link, or NULL (callbacks may change the list
 * while the TX work runs, so it never holds on to a node). */
static struct bt_l2cap_le_chan *chan_at(struct bt_conn *conn, unsigned i)
{
	SYS_SLIST_FOR_EACH_NODE(&conn->l2cap.chans, n) {
		if (i-- == 0) {
			return CHAN_OF(n);
		}
	}
	return NULL;
}

void zble_coc_tx_work(struct k_work *work)
{
	struct zble_l2cap_conn *lc = CONTAINER_OF(k_work_delayable_from_work(work), struct zble_l2cap_conn, tx_work);
	struct bt_conn *conn = CONTAINER_OF(lc, struct bt_conn, l2cap);
	struct zble_host *host = conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	if (conn->state == BT_CONN_STATE_CONNECTED) {
		struct bt_l2cap_le_chan *le;
		for (unsigned i = 0; (le = chan_at(conn, i)) != NULL; i++) {
			send_owed(le);
		}
		/* One K-frame per channel in turn, while any can send. */
		bool progress = true;
		while (progress) {
			progress = false;
			for (unsigned i = 0; (le = chan_at(conn, i)) != NULL; i++) {
				progress |= send_kframe(le);
			}
		}
	}
	k_mutex_unlock(&host->lock);
}

/* ---- receiving ---- */

static void drop_sdu(struct bt_l2cap_le_chan *le)
{
	if (le->_sdu) {
		net_buf_unref(le->_sdu);
		le->_sdu = NULL;
	}
}

static void fail(struct bt_l2cap_le_chan *le, int err)
{
	drop_sdu(le);
	if (!le->err) {
		le->err = err;
	}
	zble_coc_protocol_error(le);
}

static void deliver(struct bt_l2cap_le_chan *le)
{
	struct net_buf *buf = le->_sdu;
	uint16_t frames = le->_sdu_frames;
	le->_sdu = NULL;
	le->_sdu_frames = 0;
	if (le->chan.ops->recv(&le->chan, buf) == -EINPROGRESS) {
		/* The application holds it: its credits come back on completion. */
		if (le->_deferred_n < CONFIG_BT_L2CAP_DEFERRED_MAX) {
			le->_deferred[le->_deferred_n++] = frames;
		} else {
			/* Table full: the last entry returns these frames too, and
			 * one later completion returns nothing in exchange. */
			uint16_t *lastd = &le->_deferred[CONFIG_BT_L2CAP_DEFERRED_MAX - 1];
			*lastd = (uint16_t)MIN((uint32_t)*lastd + frames, (uint32_t)UINT16_MAX);
			le->_deferred_merged++;
		}
		return;
	}
	net_buf_unref(buf);
	if (le->state == BT_L2CAP_CONNECTED) {
		zble_coc_return_credits(le, frames);
	}
}

void zble_coc_rx(struct bt_l2cap_le_chan *le, struct net_buf *pdu)
{
	const uint8_t *p = pdu->data;
	uint16_t len = pdu->len;
	if (len > le->rx.mps || atomic_get(&le->rx.credits) <= 0) {
		fail(le, -EPROTO); /* larger than our MPS, or sent without a credit */
		return;
	}
	atomic_dec(&le->rx.credits);
	if (!le->_sdu) {
		if (len < BT_L2CAP_SDU_HDR_SIZE || sys_get_le16(p) > le->rx.mtu) {
			fail(le, -EPROTO);
			return;
		}
		uint16_t sdu_len = sys_get_le16(p);
		struct net_buf *buf = le->chan.ops->alloc_buf(&le->chan);
		if (!buf || net_buf_tailroom(buf) < sdu_len) {
			if (buf) {
				net_buf_unref(buf);
			}
			fail(le, -ENOMEM); /* nowhere to put the peer's data */
			return;
		}
		le->_sdu = buf;
		le->_sdu_len = sdu_len;
		le->_sdu_frames = 0;
		p += BT_L2CAP_SDU_HDR_SIZE;
		len = (uint16_t)(len - BT_L2CAP_SDU_HDR_SIZE);
	}
	le->_sdu_frames++;
	if ((uint32_t)le->_sdu->len + len > le->_sdu_len) {
		fail(le, -EPROTO); /* more than the SDU length announced */
		return;
	}
	net_buf_add_mem(le->_sdu, p, len);
	if (le->_sdu->len == le->_sdu_len) {
		deliver(le);
	}
}

/* ---- the API ---- */

/* The channel's link when it belongs to host and is attached, else NULL. */
static struct bt_conn *chan_conn(struct zble_host *host, struct bt_l2cap_chan *chan)
{
	struct bt_conn *conn = chan->conn;
	return conn && conn->host == host && BT_L2CAP_LE_CHAN(chan)->state != BT_L2CAP_DISCONNECTED ? conn : NULL;
}

int bt_l2cap_chan_send(struct bt_l2cap_chan *chan, struct net_buf *buf)
{
	if (!chan || !buf || buf->frags || net_buf_headroom(buf) < BT_L2CAP_SDU_CHAN_SEND_RESERVE) {
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	struct bt_l2cap_le_chan *le = BT_L2CAP_LE_CHAN(chan);
	struct bt_conn *conn = chan_conn(host, chan);
	int err = 0;
	if (!conn || conn->state != BT_CONN_STATE_CONNECTED) {
		err = -ENOTCONN;
	} else if (le->state != BT_L2CAP_CONNECTED) {
		err = -ESHUTDOWN;
	} else if (buf->len > le->tx.mtu) {
		err = -EMSGSIZE;
	} else if (le->_tx_queued >= CONFIG_BT_L2CAP_CHAN_TX_QUEUE) {
		err = -EAGAIN; /* back-pressure: the caller keeps buf */
	} else {
		sys_slist_append(&le->_tx_queue, &buf->node);
		le->_tx_queued++;
		zble_coc_tx_kick(conn);
	}
	zble_api_exit(host);
	return err;
}

int bt_l2cap_chan_give_credits(struct bt_l2cap_chan *chan, uint16_t additional_credits)
{
	if (!chan || additional_credits == 0) {
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	struct bt_l2cap_le_chan *le = BT_L2CAP_LE_CHAN(chan);
	int err = 0;
	if (!chan_conn(host, chan) || le->state == BT_L2CAP_DISCONNECTING) {
		err = -ENOTCONN;
	} else {
		/* Connecting: held until the channel opens. */
		zble_coc_return_credits(le, additional_credits);
	}
	zble_api_exit(host);
	return err;
}

int bt_l2cap_chan_recv_complete(struct bt_l2cap_chan *chan, struct net_buf *buf)
{
	if (!chan || !buf) {
		if (buf) {
			net_buf_unref(buf);
		}
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		net_buf_unref(buf);
		return -ENODEV;
	}
	struct bt_l2cap_le_chan *le = BT_L2CAP_LE_CHAN(chan);
	int err = 0;
	if (!chan_conn(host, chan) || le->state != BT_L2CAP_CONNECTED) {
		err = -ENOTCONN; /* closed meanwhile: nothing to give back */
	} else {
		uint16_t frames;
		if (le->_deferred_n) {
			frames = le->_deferred[0];
			le->_deferred_n--;
			memmove(le->_deferred, le->_deferred + 1, le->_deferred_n * sizeof(le->_deferred[0]));
		} else if (le->_deferred_merged) {
			le->_deferred_merged--;
			frames = 0; /* its credits went back with a merged entry */
		} else {
			/* More completions than deferrals: the fewest frames it could be. */
			frames = (uint16_t)((buf->len + BT_L2CAP_SDU_HDR_SIZE + le->rx.mps - 1u) / le->rx.mps);
		}
		zble_coc_return_credits(le, frames);
	}
	net_buf_unref(buf);
	zble_api_exit(host);
	return err;
}
