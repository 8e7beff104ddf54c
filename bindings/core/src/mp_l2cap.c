/* L2CAP LE credit-based channels, one in all (as NimBLE): listen or
 * connect, SDUs sent with back-pressure (SEND_READY) and received one at a
 * time, the peer's credits given back once the application drained it. */
#include <string.h>

#include "mp_internal.h"

static struct zble_mp_l2cap *l2_of(struct bt_l2cap_chan *chan)
{
	return CONTAINER_OF(BT_L2CAP_LE_CHAN(chan), struct zble_mp_l2cap, chan);
}

static uint16_t conn_handle_of(struct bt_l2cap_chan *chan)
{
	return chan->conn ? mp_conn_handle(chan->conn) : ZBLE_MP_CONN_NONE;
}

static void l2_event(struct zble_mp_l2cap *l2, uint8_t code, uint16_t status)
{
	struct bt_l2cap_le_chan *le = &l2->chan;
	struct zble_mp_event ev = { .code = code,
				    .conn_handle = l2->conn_handle,
				    .cid = le->rx.cid,
				    .psm = le->psm,
				    .our_mtu = le->rx.mtu,
				    .peer_mtu = le->tx.mtu,
				    .status = status };
	(void)mp_emit(l2->mp, &ev, 0);
}

static void drop_rx(struct zble_mp_l2cap *l2)
{
	if (l2->rx) {
		net_buf_unref(l2->rx);
		l2->rx = NULL;
	}
}

static void on_connected(struct bt_l2cap_chan *chan)
{
	struct zble_mp_l2cap *l2 = l2_of(chan);
	struct zble_host *host = chan->conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	l2->conn_handle = conn_handle_of(chan);
	l2->connected = true;
	l2_event(l2, ZBLE_MP_IRQ_L2CAP_CONNECT, 0);
	k_mutex_unlock(&host->lock);
}

static void on_disconnected(struct bt_l2cap_chan *chan)
{
	struct zble_mp_l2cap *l2 = l2_of(chan);
	struct zble_host *host = l2->mp->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	bool report = l2->connected || !l2->accepted;
	struct bt_l2cap_le_chan *le = &l2->chan;
	uint16_t status = le->err == 0 ? 0 : le->err == -ECONNREFUSED ? le->result : 0xffff;
	drop_rx(l2);
	l2->in_use = l2->connected = l2->accepted = l2->stalled = false;
	l2->tx_out = 0;
	if (report) {
		l2_event(l2, ZBLE_MP_IRQ_L2CAP_DISCONNECT, status);
	}
	k_mutex_unlock(&host->lock);
}

static struct net_buf *on_alloc(struct bt_l2cap_chan *chan)
{
	return net_buf_alloc(&l2_of(chan)->rx_pool, K_NO_WAIT);
}

static int on_recv(struct bt_l2cap_chan *chan, struct net_buf *buf)
{
	struct zble_mp_l2cap *l2 = l2_of(chan);
	struct zble_host *host = chan->conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	l2->rx = buf;
	l2->rx_off = 0;
	l2->in_recv = true;
	l2_event(l2, ZBLE_MP_IRQ_L2CAP_RECV, 0);
	l2->in_recv = false;
	bool drained = l2->rx == NULL;
	k_mutex_unlock(&host->lock);
	/* Drained by the handler: the host frees it and gives the credits
	 * back; otherwise kept until drained, the credits go back then. */
	return drained ? 0 : -EINPROGRESS;
}

static void on_sent(struct bt_l2cap_chan *chan)
{
	struct zble_mp_l2cap *l2 = l2_of(chan);
	struct zble_host *host = chan->conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	if (l2->tx_out) {
		l2->tx_out--;
	}
	if (l2->stalled && l2->tx_out < ZBLE_MP_L2CAP_TX_BUFS) {
		l2->stalled = false;
		l2_event(l2, ZBLE_MP_IRQ_L2CAP_SEND_READY, 0);
	}
	k_mutex_unlock(&host->lock);
}

static const struct bt_l2cap_chan_ops chan_ops = {
	.connected = on_connected,
	.disconnected = on_disconnected,
	.alloc_buf = on_alloc,
	.recv = on_recv,
	.sent = on_sent,
};

/* The channel set up for a new use with our MTU; one SDU of credits, so
 * the peer waits for the application to drain each one. */
static void chan_setup(struct zble_mp_l2cap *l2, uint16_t mtu)
{
	memset(&l2->chan, 0, sizeof(l2->chan));
	l2->chan.chan.ops = &chan_ops;
	l2->mtu = (uint16_t)CLAMP(mtu, (uint16_t)BT_L2CAP_LE_MIN_MTU, (uint16_t)ZBLE_MP_L2CAP_MTU_MAX);
	l2->chan.rx.mtu = l2->mtu;
	l2->chan.rx.mps = BT_L2CAP_RX_MTU;
	atomic_set(&l2->chan.rx.credits, (l2->mtu + 2 + BT_L2CAP_RX_MTU - 1) / BT_L2CAP_RX_MTU);
	l2->in_use = true;
	l2->connected = l2->accepted = l2->stalled = false;
	l2->tx_out = 0;
	l2->rx = NULL;
}

/* The peer's connection request: the application decides now, as NimBLE
 * asks it, and a refusal answers the request ("no resources"). */
static int on_accept(struct bt_conn *conn, struct bt_l2cap_server *server, struct bt_l2cap_chan **chan)
{
	struct zble_mp_l2cap *l2 = CONTAINER_OF(server, struct zble_mp_l2cap, server);
	const struct zble_l2cap_accept_req *req = conn->l2cap.accept_req;
	if (l2->in_use || !req) {
		return -ENOMEM; /* one channel in all */
	}
	k_mutex_lock(&conn->host->lock, K_FOREVER);
	chan_setup(l2, l2->mtu);
	l2->conn_handle = mp_conn_handle(conn);
	struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_L2CAP_ACCEPT,
				    .conn_handle = l2->conn_handle,
				    .cid = req->cid,
				    .psm = req->psm,
				    .our_mtu = l2->chan.rx.mtu,
				    .peer_mtu = req->peer_mtu };
	int refused = mp_emit(l2->mp, &ev, 0);
	if (refused || !l2->in_use || !l2->listening) {
		/* Refused, or the handler closed the server meanwhile. */
		l2->in_use = false;
		k_mutex_unlock(&conn->host->lock);
		return -ENOMEM;
	}
	l2->accepted = true;
	*chan = &l2->chan.chan;
	k_mutex_unlock(&conn->host->lock);
	return 0;
}

int zble_mp_l2cap_listen(struct zble_mp *mp, uint16_t psm, uint16_t mtu)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct zble_mp_l2cap *l2 = &mp->l2cap;
	if (l2->listening || l2->in_use) {
		err = ZBLE_MP_EALREADY;
	} else {
		l2->mtu = (uint16_t)CLAMP(mtu, (uint16_t)BT_L2CAP_LE_MIN_MTU, (uint16_t)ZBLE_MP_L2CAP_MTU_MAX);
		l2->server = (struct bt_l2cap_server){ .psm = psm, .sec_level = BT_SECURITY_L1, .accept = on_accept };
		err = mp_errno(bt_l2cap_server_register(&l2->server));
		l2->listening = !err;
	}
	mp_exit(&c);
	return err;
}

int zble_mp_l2cap_connect(struct zble_mp *mp, uint16_t conn_handle, uint16_t psm, uint16_t mtu)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct zble_mp_l2cap *l2 = &mp->l2cap;
	struct zble_mp_conn *mc = mp_conn_find(mp, conn_handle);
	if (l2->in_use) {
		err = ZBLE_MP_EALREADY;
	} else if (!mc) {
		err = ZBLE_MP_ENOTCONN;
	} else {
		chan_setup(l2, mtu);
		l2->conn_handle = conn_handle;
		int e = bt_l2cap_chan_connect(mc->conn, &l2->chan.chan, psm);
		if (e) {
			l2->in_use = false;
			err = mp_errno(e);
		}
	}
	mp_exit(&c);
	return err;
}

/* The open channel named (conn_handle, cid), or NULL. */
static struct zble_mp_l2cap *chan_find(struct zble_mp *mp, uint16_t conn_handle, uint16_t cid)
{
	struct zble_mp_l2cap *l2 = &mp->l2cap;
	return l2->in_use && l2->connected && l2->conn_handle == conn_handle && l2->chan.rx.cid == cid ? l2 : NULL;
}

int zble_mp_l2cap_disconnect(struct zble_mp *mp, uint16_t conn_handle, uint16_t cid)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct zble_mp_l2cap *l2 = chan_find(mp, conn_handle, cid);
	err = l2 ? mp_errno(bt_l2cap_chan_disconnect(&l2->chan.chan)) : ZBLE_MP_EINVAL;
	mp_exit(&c);
	return err;
}

int zble_mp_l2cap_send(struct zble_mp *mp, uint16_t conn_handle, uint16_t cid, const uint8_t *buf, size_t len,
		       bool *stalled)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct zble_mp_l2cap *l2 = chan_find(mp, conn_handle, cid);
	*stalled = false;
	struct net_buf *sdu = NULL;
	if (!l2 || (len && !buf)) {
		err = ZBLE_MP_EINVAL;
	} else if (len > l2->chan.tx.mtu || len > ZBLE_MP_L2CAP_MTU_MAX || len > 2u * l2->mtu) {
		err = ZBLE_MP_EINVAL;
	} else if (l2->tx_out >= ZBLE_MP_L2CAP_TX_BUFS || !(sdu = net_buf_alloc(&l2->tx_pool, K_NO_WAIT))) {
		l2->stalled = true;
		*stalled = true;
		err = ZBLE_MP_ENOMEM;
	} else {
		net_buf_reserve(sdu, BT_L2CAP_SDU_CHAN_SEND_RESERVE);
		net_buf_add_mem(sdu, buf, len);
		int e = bt_l2cap_chan_send(&l2->chan.chan, sdu);
		if (e) {
			net_buf_unref(sdu);
			err = e == -EAGAIN ? ZBLE_MP_ENOMEM : mp_errno(e);
		} else {
			l2->tx_out++;
			if (l2->tx_out >= ZBLE_MP_L2CAP_TX_BUFS) {
				l2->stalled = true;
				*stalled = true;
			}
		}
	}
	mp_exit(&c);
	return err;
}

int zble_mp_l2cap_recvinto(struct zble_mp *mp, uint16_t conn_handle, uint16_t cid, uint8_t *buf, size_t *len)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct zble_mp_l2cap *l2 = chan_find(mp, conn_handle, cid);
	if (!l2) {
		err = ZBLE_MP_EINVAL;
	} else {
		size_t avail = l2->rx ? (size_t)(l2->rx->len - l2->rx_off) : 0;
		if (!buf) {
			*len = avail;
		} else {
			size_t n = MIN(*len, avail);
			if (n) {
				memcpy(buf, l2->rx->data + l2->rx_off, n);
			}
			l2->rx_off = (uint16_t)(l2->rx_off + n);
			*len = n;
			if (l2->rx && l2->rx_off >= l2->rx->len) {
				struct net_buf *done = l2->rx;
				l2->rx = NULL;
				if (!l2->in_recv) {
					(void)bt_l2cap_chan_recv_complete(&l2->chan.chan, done); /* credits back */
				}
			}
		}
	}
	mp_exit(&c);
	return err;
}

void mp_l2cap_start(struct zble_mp *mp)
{
	struct zble_mp_l2cap *l2 = &mp->l2cap;
	memset(&l2->chan, 0, sizeof(l2->chan));
	l2->mp = mp;
	l2->listening = l2->in_use = l2->connected = l2->accepted = l2->stalled = false;
	l2->tx_out = 0;
	l2->rx = NULL;
	NET_BUF_POOL_STORAGE_INIT(&l2->rx_pool, l2->rx_mem, 0, NULL);
	NET_BUF_POOL_STORAGE_INIT(&l2->tx_pool, l2->tx_mem, 0, NULL);
}

void mp_l2cap_stop(struct zble_mp *mp)
{
	struct zble_mp_l2cap *l2 = &mp->l2cap;
	drop_rx(l2);
	l2->listening = l2->in_use = l2->connected = false;
}
