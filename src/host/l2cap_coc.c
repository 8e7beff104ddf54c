/* LE credit-based channels, their life cycle (Core Vol 3 Part A 4.22-4.24,
 * 4.6-4.7): servers, connection requests both ways with every refusal the
 * spec names, disconnection both ways, the RTX timer of our requests, and
 * link loss. K-frames and credits are in l2cap_coc_data.c. */
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "l2cap_internal.h"

#define LE_OF(ch) BT_L2CAP_LE_CHAN(ch)
#define CHAN_OF(nd) CONTAINER_OF(nd, struct bt_l2cap_le_chan, chan.node)

static void rtx_handler(struct k_work *work);

void zble_l2cap_coc_conn_init(struct bt_conn *conn)
{
	sys_slist_init(&conn->l2cap.chans);
	k_work_init_delayable(&conn->l2cap.tx_work, zble_coc_tx_work);
	k_work_init_delayable(&conn->l2cap.rtx_work, rtx_handler);
	conn->l2cap.next_tag = 0;
	conn->l2cap.param_ident = 0;
}

/* ---- lookups ---- */

static struct bt_l2cap_le_chan *by_rx_cid(struct bt_conn *conn, uint16_t cid)
{
	SYS_SLIST_FOR_EACH_NODE(&conn->l2cap.chans, n) {
		if (CHAN_OF(n)->rx.cid == cid) {
			return CHAN_OF(n);
		}
	}
	return NULL;
}

static struct bt_l2cap_le_chan *by_tx_cid(struct bt_conn *conn, uint16_t cid)
{
	SYS_SLIST_FOR_EACH_NODE(&conn->l2cap.chans, n) {
		struct bt_l2cap_le_chan *le = CHAN_OF(n);
		if (le->state != BT_L2CAP_CONNECTING && le->tx.cid == cid) {
			return le;
		}
	}
	return NULL;
}

static struct bt_l2cap_le_chan *by_ident(struct bt_conn *conn, uint8_t ident)
{
	SYS_SLIST_FOR_EACH_NODE(&conn->l2cap.chans, n) {
		if (CHAN_OF(n)->ident == ident) {
			return CHAN_OF(n);
		}
	}
	return NULL;
}

bool zble_l2cap_coc_ident_pending(struct bt_conn *conn, uint8_t ident)
{
	return ident != 0 && by_ident(conn, ident) != NULL;
}

static struct bt_l2cap_server *server_by_psm(struct zble_host *host, uint16_t psm)
{
	SYS_SLIST_FOR_EACH_NODE(&host->l2cap.servers, n) {
		struct bt_l2cap_server *s = CONTAINER_OF(n, struct bt_l2cap_server, node);
		if (s->psm == psm) {
			return s;
		}
	}
	return NULL;
}

/* The lowest dynamic CID no channel of the link uses, 0 when all are. */
static uint16_t free_cid(struct bt_conn *conn)
{
	for (uint16_t cid = BT_L2CAP_CID_LE_DYN_START; cid <= BT_L2CAP_CID_LE_DYN_END; cid++) {
		if (!by_rx_cid(conn, cid)) {
			return cid;
		}
	}
	return 0;
}

static bool valid_dyn_cid(uint16_t cid)
{
	return cid >= BT_L2CAP_CID_LE_DYN_START && cid <= BT_L2CAP_CID_LE_DYN_END;
}

/* ---- RTX: one timer per link, at the earliest deadline of its requests ---- */

static void rtx_update(struct bt_conn *conn)
{
	int64_t next = INT64_MAX;
	SYS_SLIST_FOR_EACH_NODE(&conn->l2cap.chans, n) {
		struct bt_l2cap_le_chan *le = CHAN_OF(n);
		if (le->ident && le->_rtx_deadline < next) {
			next = le->_rtx_deadline;
		}
	}
	if (next == INT64_MAX) {
		k_work_cancel_delayable(&conn->l2cap.rtx_work);
		return;
	}
	int64_t delay = next - k_uptime_get();
	k_work_reschedule_for_queue(&conn->host->wq, &conn->l2cap.rtx_work, K_MSEC(delay > 0 ? delay : 0));
}

static void rtx_arm(struct bt_l2cap_le_chan *le, uint8_t ident)
{
	struct bt_conn *conn = le->chan.conn;
	le->ident = ident;
	le->_rtx_deadline = k_uptime_get() + conn->host->l2cap.rtx_ms;
	rtx_update(conn);
}

/* ---- attach and close ---- */

static void chan_reset(struct bt_l2cap_le_chan *le)
{
	memset(&le->tx, 0, sizeof(le->tx));
	le->ident = 0;
	le->err = 0;
	le->result = 0;
	sys_slist_init(&le->_tx_queue);
	le->_tx_queued = 0;
	le->_tx_started = false;
	le->_tx_inflight = 0;
	le->_sdu = NULL;
	le->_sdu_len = 0;
	le->_sdu_frames = 0;
	le->_rx_owed = 0;
	le->_deferred_n = 0;
	le->_deferred_merged = 0;
	for (size_t i = 0; i < ARRAY_SIZE(le->chan.status); i++) {
		atomic_clear(&le->chan.status[i]);
	}
}

/* Our receiving endpoint from what the application set (0: defaults). */
static int rx_setup(struct bt_l2cap_le_chan *le)
{
	if (!le->rx.mtu) {
		le->rx.mtu = BT_L2CAP_SDU_RX_MTU;
	}
	if (!le->rx.mps) {
		le->rx.mps = BT_L2CAP_RX_MTU;
	}
	le->rx.mps = MIN(le->rx.mps, (uint16_t)BT_L2CAP_RX_MTU); /* a K-frame fits a PDU buffer */
	if (le->rx.mtu < BT_L2CAP_LE_MIN_MTU || le->rx.mps < BT_L2CAP_LE_MIN_MTU) {
		return -EINVAL;
	}
	/* What the application set is kept for the channel's next use. */
	atomic_val_t set = atomic_get(&le->rx.credits);
	le->_rx_init_credits = set > 0 && set <= UINT16_MAX ? (uint16_t)set : 0;
	if (!le->_rx_init_credits) {
		atomic_set(&le->rx.credits, zble_coc_init_credits(le));
	}
	return 0;
}

static void attach(struct bt_conn *conn, struct bt_l2cap_le_chan *le, uint16_t cid)
{
	le->chan.conn = conn;
	le->rx.cid = cid;
	conn->l2cap.next_tag = (uint16_t)(conn->l2cap.next_tag % 0x7fff + 1);
	le->_tag = conn->l2cap.next_tag;
	sys_slist_append(&conn->l2cap.chans, &le->chan.node);
}

static void detach(struct bt_l2cap_le_chan *le)
{
	struct bt_conn *conn = le->chan.conn;
	sys_slist_find_and_remove(&conn->l2cap.chans, &le->chan.node);
	zble_coc_flush(le);
	le->state = BT_L2CAP_DISCONNECTED;
	/* Not what the peer held at the end: the initial credits again. */
	atomic_set(&le->rx.credits, le->_rx_init_credits);
	bool had_request = le->ident != 0;
	le->ident = 0;
	if (had_request) {
		rtx_update(conn);
	}
	atomic_clear_bit(le->chan.status, BT_L2CAP_STATUS_OUT);
}

/* The channel is gone: the application hears it, then may reuse it. */
static void chan_close(struct bt_l2cap_le_chan *le, int err)
{
	if (!le->err) {
		le->err = err;
	}
	detach(le);
	if (le->chan.ops->disconnected) {
		le->chan.ops->disconnected(&le->chan);
	}
	if (le->state == BT_L2CAP_DISCONNECTED) { /* not connected again from the callback */
		le->chan.conn = NULL;
		if (le->chan.ops->released) {
			le->chan.ops->released(&le->chan);
		}
	}
}

/* Disconnection Request for a connected channel; it closes on the
 * response or when the RTX timer expires (also when no buffer let the
 * request out). */
static void start_disconnect(struct bt_l2cap_le_chan *le)
{
	struct bt_conn *conn = le->chan.conn;
	le->state = BT_L2CAP_DISCONNECTING;
	atomic_set_bit(le->chan.status, BT_L2CAP_STATUS_SHUTDOWN);
	if (atomic_test_and_clear_bit(le->chan.status, BT_L2CAP_STATUS_OUT) && le->chan.ops->status) {
		le->chan.ops->status(&le->chan, le->chan.status);
	}
	uint8_t req[4];
	sys_put_le16(le->tx.cid, req);
	sys_put_le16(le->rx.cid, req + 2);
	uint8_t ident = zble_l2cap_next_ident(conn);
	(void)zble_l2cap_sig_send(conn, ZBLE_SIG_DISCONN_REQ, ident, req, sizeof(req));
	rtx_arm(le, ident);
}

void zble_coc_protocol_error(struct bt_l2cap_le_chan *le)
{
	if (le->state != BT_L2CAP_CONNECTED) {
		return;
	}
	if (!le->err) {
		le->err = -EPROTO;
	}
	le->chan.conn->host->l2cap.stats.chan_protocol_errors++;
	start_disconnect(le);
}

/* ---- the peer asks for a channel ---- */

static uint16_t security_result(const struct bt_conn *conn, bt_security_t required)
{
	if (required <= BT_SECURITY_L1 || conn->sec_level >= required) {
		return 0;
	}
	if (conn->enc_key_size == 0 && required == BT_SECURITY_L2 && conn->has_ltk) {
		return BT_L2CAP_LE_ERR_ENCRYPTION; /* encrypting with the existing key would do */
	}
	return BT_L2CAP_LE_ERR_AUTHENTICATION;
}

static uint16_t accept_result(int err)
{
	switch (err) {
	case -EACCES:
		return BT_L2CAP_LE_ERR_AUTHORIZATION;
	case -EPERM:
		return BT_L2CAP_LE_ERR_KEY_SIZE;
	default:
		return BT_L2CAP_LE_ERR_NO_RESOURCES;
	}
}

/* Decides on a request; on success *out is attached and configured. */
static uint16_t accept_chan(struct bt_conn *conn, const uint8_t *d, struct bt_l2cap_le_chan **out)
{
	uint16_t psm = sys_get_le16(d), scid = sys_get_le16(d + 2);
	uint16_t mtu = sys_get_le16(d + 4), mps = sys_get_le16(d + 6), credits = sys_get_le16(d + 8);
	if (mtu < BT_L2CAP_LE_MIN_MTU || mps < BT_L2CAP_LE_MIN_MTU || mps > BT_L2CAP_MAX_MPS) {
		return BT_L2CAP_LE_ERR_UNACCEPT_PARAMS;
	}
	struct bt_l2cap_server *server = server_by_psm(conn->host, psm);
	if (!server) {
		return BT_L2CAP_LE_ERR_PSM_NOT_SUPP;
	}
	uint16_t sec = security_result(conn, server->sec_level);
	if (sec) {
		return sec;
	}
	if (!valid_dyn_cid(scid)) {
		return BT_L2CAP_LE_ERR_INVALID_SCID;
	}
	if (by_tx_cid(conn, scid)) {
		return BT_L2CAP_LE_ERR_SCID_IN_USE;
	}
	uint16_t cid = free_cid(conn);
	if (sys_slist_len(&conn->l2cap.chans) >= CONFIG_BT_L2CAP_MAX_CHAN || !cid) {
		return BT_L2CAP_LE_ERR_NO_RESOURCES;
	}
	struct bt_l2cap_chan *chan = NULL;
	const struct zble_l2cap_accept_req req = {
		.psm = psm, .cid = cid, .peer_cid = scid, .peer_mtu = mtu, .peer_mps = mps, .peer_credits = credits
	};
	conn->l2cap.accept_req = &req;
	int err = server->accept(conn, server, &chan);
	conn->l2cap.accept_req = NULL;
	if (err) {
		return accept_result(err);
	}
	/* Receiving needs the application's SDU buffers. */
	if (!chan || !chan->ops || !chan->ops->alloc_buf || !chan->ops->recv) {
		return BT_L2CAP_LE_ERR_NO_RESOURCES;
	}
	struct bt_l2cap_le_chan *le = LE_OF(chan);
	if (le->state != BT_L2CAP_DISCONNECTED || rx_setup(le)) {
		return BT_L2CAP_LE_ERR_NO_RESOURCES;
	}
	chan_reset(le);
	attach(conn, le, cid);
	le->psm = psm;
	le->required_sec_level = server->sec_level;
	le->tx.cid = scid;
	le->tx.mtu = mtu;
	le->tx.mps = mps;
	atomic_set(&le->tx.credits, credits);
	*out = le;
	return 0;
}

static void le_conn_req(struct bt_conn *conn, uint8_t ident, const uint8_t *d)
{
	struct bt_l2cap_le_chan *le = NULL;
	uint16_t result = accept_chan(conn, d, &le);
	uint8_t rsp[10] = { 0 };
	sys_put_le16(result, rsp + 8);
	if (result) {
		conn->host->l2cap.stats.refused++;
		(void)zble_l2cap_sig_send(conn, ZBLE_SIG_LE_CONN_RSP, ident, rsp, sizeof(rsp));
		return;
	}
	sys_put_le16(le->rx.cid, rsp);
	sys_put_le16(le->rx.mtu, rsp + 2);
	sys_put_le16(le->rx.mps, rsp + 4);
	sys_put_le16((uint16_t)atomic_get(&le->rx.credits), rsp + 6);
	if (zble_l2cap_sig_send(conn, ZBLE_SIG_LE_CONN_RSP, ident, rsp, sizeof(rsp))) {
		chan_close(le, -ENOBUFS); /* the peer times out */
		return;
	}
	le->state = BT_L2CAP_CONNECTED;
	if (le->chan.ops->connected) {
		le->chan.ops->connected(&le->chan);
	}
	if (le->state == BT_L2CAP_CONNECTED) {
		zble_coc_opened(le);
	}
}

/* ---- answers to our requests ---- */

static void le_conn_rsp(struct bt_conn *conn, uint8_t ident, const uint8_t *d)
{
	struct bt_l2cap_le_chan *le = by_ident(conn, ident);
	/* Disconnected by the application while connecting: no peer CID yet. */
	bool abandoned = le && le->state == BT_L2CAP_DISCONNECTING && le->tx.cid == 0;
	if (!le || (le->state != BT_L2CAP_CONNECTING && !abandoned)) {
		return; /* not ours, or too late: ignored */
	}
	uint16_t dcid = sys_get_le16(d), mtu = sys_get_le16(d + 2), mps = sys_get_le16(d + 4);
	uint16_t credits = sys_get_le16(d + 6), result = sys_get_le16(d + 8);
	le->ident = 0;
	rtx_update(conn);
	if (abandoned) {
		/* Accepted: the peer holds a channel, which it must hear is gone
		 * (or our CID, used again, would clash with it there). */
		if (result == BT_L2CAP_LE_SUCCESS && valid_dyn_cid(dcid) && !by_tx_cid(conn, dcid)) {
			le->tx.cid = dcid;
			start_disconnect(le);
		} else {
			chan_close(le, 0);
		}
		return;
	}
	if (result != BT_L2CAP_LE_SUCCESS) {
		le->result = result;
		chan_close(le, -ECONNREFUSED);
		return;
	}
	if (!valid_dyn_cid(dcid) || by_tx_cid(conn, dcid)) {
		conn->host->l2cap.stats.chan_protocol_errors++;
		chan_close(le, -EPROTO);
		return;
	}
	le->tx.cid = dcid;
	le->tx.mtu = mtu;
	le->tx.mps = mps;
	atomic_set(&le->tx.credits, credits);
	le->state = BT_L2CAP_CONNECTED;
	if (mtu < BT_L2CAP_LE_MIN_MTU || mps < BT_L2CAP_LE_MIN_MTU) {
		zble_coc_protocol_error(le); /* the peer holds a channel: close it properly */
		return;
	}
	if (le->chan.ops->connected) {
		le->chan.ops->connected(&le->chan);
	}
	if (le->state == BT_L2CAP_CONNECTED) {
		zble_coc_opened(le);
	}
}

static void disconn_req(struct bt_conn *conn, uint8_t ident, const uint8_t *d)
{
	uint16_t dcid = sys_get_le16(d), scid = sys_get_le16(d + 2);
	struct bt_l2cap_le_chan *le = by_rx_cid(conn, dcid);
	if (!le) {
		zble_l2cap_sig_reject(conn, ident, ZBLE_SIG_REJECT_INVALID_CID, d, 4);
		return;
	}
	if (le->state == BT_L2CAP_CONNECTING || le->tx.cid != scid) {
		return; /* not the peer's channel: silently discarded */
	}
	(void)zble_l2cap_sig_send(conn, ZBLE_SIG_DISCONN_RSP, ident, d, 4);
	chan_close(le, 0);
}

static void disconn_rsp(struct bt_conn *conn, uint8_t ident, const uint8_t *d)
{
	struct bt_l2cap_le_chan *le = by_ident(conn, ident);
	if (!le || le->state != BT_L2CAP_DISCONNECTING || sys_get_le16(d) != le->tx.cid ||
	    sys_get_le16(d + 2) != le->rx.cid) {
		return;
	}
	chan_close(le, 0);
}

static void credits_ind(struct bt_conn *conn, const uint8_t *d)
{
	struct bt_l2cap_le_chan *le = by_tx_cid(conn, sys_get_le16(d));
	if (le && le->state == BT_L2CAP_CONNECTED) {
		zble_coc_credits(le, sys_get_le16(d + 2));
	}
}

void zble_l2cap_coc_rejected(struct bt_conn *conn, uint8_t ident)
{
	struct bt_l2cap_le_chan *le = by_ident(conn, ident);
	if (!le) {
		return;
	}
	/* Connecting: the peer has no credit-based channels. Disconnecting:
	 * it does not know the channel, so it is gone. */
	chan_close(le, le->state == BT_L2CAP_CONNECTING ? -EOPNOTSUPP : 0);
}

/* Each command's length is fixed (10 or 4); requests of another length are
 * rejected, responses of another length ignored. */
bool zble_l2cap_coc_sig(struct bt_conn *conn, uint8_t code, uint8_t ident, const uint8_t *data, uint16_t len)
{
	uint16_t want;
	switch (code) {
	case ZBLE_SIG_LE_CONN_REQ:
	case ZBLE_SIG_LE_CONN_RSP:
		want = 10;
		break;
	case ZBLE_SIG_LE_CREDITS:
	case ZBLE_SIG_DISCONN_REQ:
	case ZBLE_SIG_DISCONN_RSP:
		want = 4;
		break;
	default:
		return false; /* enhanced credit based and BR/EDR commands: rejected */
	}
	if (len != want) {
		conn->host->l2cap.stats.sig_malformed++;
		if (code == ZBLE_SIG_LE_CONN_REQ || code == ZBLE_SIG_DISCONN_REQ) {
			zble_l2cap_sig_reject(conn, ident, ZBLE_SIG_REJECT_NOT_UNDERSTOOD, NULL, 0);
		}
		return true;
	}
	switch (code) {
	case ZBLE_SIG_LE_CONN_REQ:
		le_conn_req(conn, ident, data);
		break;
	case ZBLE_SIG_LE_CONN_RSP:
		le_conn_rsp(conn, ident, data);
		break;
	case ZBLE_SIG_LE_CREDITS:
		credits_ind(conn, data);
		break;
	case ZBLE_SIG_DISCONN_REQ:
		disconn_req(conn, ident, data);
		break;
	default:
		disconn_rsp(conn, ident, data);
		break;
	}
	return true;
}

bool zble_l2cap_coc_recv(struct bt_conn *conn, uint16_t cid, struct net_buf *pdu)
{
	struct bt_l2cap_le_chan *le = by_rx_cid(conn, cid);
	if (!le) {
		return false;
	}
	if (le->state == BT_L2CAP_CONNECTED) {
		zble_coc_rx(le, pdu);
	} else {
		conn->host->l2cap.stats.rx_dropped++; /* not open yet, or closing */
	}
	return true;
}

/* ---- timers and the link ---- */

static void rtx_handler(struct k_work *work)
{
	struct zble_l2cap_conn *lc = CONTAINER_OF(k_work_delayable_from_work(work), struct zble_l2cap_conn, rtx_work);
	struct bt_conn *conn = CONTAINER_OF(lc, struct bt_conn, l2cap);
	struct zble_host *host = conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	bool again = true;
	while (again) { /* a callback may change the list: look again after each */
		again = false;
		int64_t now = k_uptime_get();
		SYS_SLIST_FOR_EACH_NODE(&conn->l2cap.chans, n) {
			struct bt_l2cap_le_chan *le = CHAN_OF(n);
			if (le->ident && le->_rtx_deadline <= now) {
				host->l2cap.stats.rtx_timeouts++;
				chan_close(le, -ETIMEDOUT);
				again = true;
				break;
			}
		}
	}
	rtx_update(conn);
	k_mutex_unlock(&host->lock);
}

void zble_l2cap_coc_connected(struct bt_conn *conn)
{
	sys_slist_init(&conn->l2cap.chans);
	conn->l2cap.param_ident = 0;
	k_work_cancel_delayable(&conn->l2cap.tx_work);
	k_work_cancel_delayable(&conn->l2cap.rtx_work);
}

/* Link loss: every channel closes (-ENOTCONN) and frees what it queued;
 * K-frames already in the ACL queue are freed by the ACL layer. */
void zble_l2cap_coc_disconnected(struct bt_conn *conn)
{
	k_work_cancel_delayable(&conn->l2cap.tx_work);
	k_work_cancel_delayable(&conn->l2cap.rtx_work);
	sys_snode_t *n;
	while ((n = sys_slist_peek_head(&conn->l2cap.chans)) != NULL) {
		chan_close(CHAN_OF(n), -ENOTCONN);
	}
	conn->l2cap.param_ident = 0;
}

/* ---- the API ---- */

int bt_l2cap_server_register(struct bt_l2cap_server *server)
{
	if (!server || !server->accept || server->psm > BT_L2CAP_PSM_LE_DYN_END ||
	    server->sec_level > BT_SECURITY_L4) {
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	int err = 0;
	if (server->psm == 0) {
		err = -EADDRNOTAVAIL;
		for (uint16_t psm = BT_L2CAP_PSM_LE_DYN_START; psm <= BT_L2CAP_PSM_LE_DYN_END; psm++) {
			if (!server_by_psm(host, psm)) {
				server->psm = psm;
				err = 0;
				break;
			}
		}
	} else if (server_by_psm(host, server->psm)) {
		err = -EADDRINUSE;
	}
	if (!err) {
		if (server->sec_level < BT_SECURITY_L1) {
			server->sec_level = BT_SECURITY_L1;
		}
		sys_slist_append(&host->l2cap.servers, &server->node);
	}
	zble_api_exit(host);
	return err;
}

int bt_l2cap_chan_connect(struct bt_conn *conn, struct bt_l2cap_chan *chan, uint16_t psm)
{
	if (!conn || !chan || !chan->ops || !chan->ops->alloc_buf || !chan->ops->recv || psm == 0 ||
	    psm > BT_L2CAP_PSM_LE_DYN_END) {
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	struct bt_l2cap_le_chan *le = LE_OF(chan);
	int err = 0;
	uint16_t cid = 0;
	if (conn->host != host) {
		err = -EINVAL;
	} else if (conn->state != BT_CONN_STATE_CONNECTED || !__atomic_load_n(&host->ready, __ATOMIC_SEQ_CST)) {
		err = -ENOTCONN; /* also while bt_disable drops the links */
	} else if (le->state != BT_L2CAP_DISCONNECTED) {
		err = -EBUSY;
	} else if (sys_slist_len(&conn->l2cap.chans) >= CONFIG_BT_L2CAP_MAX_CHAN || !(cid = free_cid(conn))) {
		err = -ENOMEM;
	} else if (rx_setup(le)) {
		err = -EINVAL;
	}
	if (!err) {
		chan_reset(le);
		attach(conn, le, cid);
		le->psm = psm;
		le->state = BT_L2CAP_CONNECTING;
		uint8_t req[10];
		sys_put_le16(psm, req);
		sys_put_le16(le->rx.cid, req + 2);
		sys_put_le16(le->rx.mtu, req + 4);
		sys_put_le16(le->rx.mps, req + 6);
		sys_put_le16((uint16_t)atomic_get(&le->rx.credits), req + 8);
		uint8_t ident = zble_l2cap_next_ident(conn);
		err = zble_l2cap_sig_send(conn, ZBLE_SIG_LE_CONN_REQ, ident, req, sizeof(req));
		if (err) {
			detach(le); /* never started: no callback */
			le->chan.conn = NULL;
		} else {
			rtx_arm(le, ident);
		}
	}
	zble_api_exit(host);
	return err;
}

int bt_l2cap_chan_disconnect(struct bt_l2cap_chan *chan)
{
	if (!chan) {
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	struct bt_l2cap_le_chan *le = LE_OF(chan);
	int err = 0;
	if (!chan->conn || chan->conn->host != host) {
		err = -ENOTCONN;
	} else if (le->state == BT_L2CAP_CONNECTING) {
		/* The peer may be accepting: its answer is awaited (RTX runs on),
		 * then the channel closes, after a Disconnection Request if
		 * it was accepted. */
		le->state = BT_L2CAP_DISCONNECTING;
		atomic_set_bit(le->chan.status, BT_L2CAP_STATUS_SHUTDOWN);
	} else if (le->state == BT_L2CAP_CONNECTED) {
		start_disconnect(le);
	} else {
		err = -ENOTCONN;
	}
	zble_api_exit(host);
	return err;
}
