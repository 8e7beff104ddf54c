#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "l2cap_test_util.h"

struct env *g;

NET_BUF_POOL_DEFINE(rx_pool, RX_BUFS, RX_BUF_SIZE, 0, NULL);
NET_BUF_POOL_DEFINE(sdu_pool, SDU_BUFS, BT_L2CAP_SDU_BUF_SIZE(SDU_MAX), 0, NULL);
struct net_buf_pool *rx_pool_p = &rx_pool, *sdu_pool_p = &sdu_pool;

#define TC(ch) CONTAINER_OF(BT_L2CAP_LE_CHAN(ch), struct tchan, le)

static void t_connected(struct bt_l2cap_chan *chan)
{
	TC(chan)->connected++;
}

static void t_disconnected(struct bt_l2cap_chan *chan)
{
	TC(chan)->disconnected++;
}

static void t_released(struct bt_l2cap_chan *chan)
{
	TC(chan)->released++;
}

static void t_sent(struct bt_l2cap_chan *chan)
{
	TC(chan)->sent++;
}

static void t_status(struct bt_l2cap_chan *chan, atomic_t *status)
{
	TC(chan)->statuses++;
	TC(chan)->out = atomic_test_bit(status, BT_L2CAP_STATUS_OUT);
}

static struct net_buf *t_alloc_buf(struct bt_l2cap_chan *chan)
{
	struct tchan *tc = TC(chan);
	if (tc->no_buf) {
		return NULL;
	}
	struct net_buf *buf = net_buf_alloc(&rx_pool, K_NO_WAIT);
	if (buf && tc->small_buf) {
		net_buf_reserve(buf, RX_BUF_SIZE - 5); /* room for 5 bytes */
	}
	return buf;
}

static int t_recv(struct bt_l2cap_chan *chan, struct net_buf *buf)
{
	struct tchan *tc = TC(chan);
	tc->recvs++;
	tc->rx_len = buf->len;
	tc->rx_total += buf->len;
	memcpy(tc->rx, buf->data, MIN(buf->len, sizeof(tc->rx)));
	if (tc->recv_ret == -EINPROGRESS && tc->nheld < 8) {
		tc->held[tc->nheld++] = buf;
	}
	return tc->recv_ret;
}

int accept_cb(struct bt_conn *conn, struct bt_l2cap_server *server, struct bt_l2cap_chan **chan)
{
	(void)conn;
	(void)server;
	g->acc.calls++;
	if (g->acc.ret) {
		return g->acc.ret;
	}
	if (!g->acc.next) {
		return -ENOMEM;
	}
	*chan = &g->acc.next->le.chan;
	g->acc.next = NULL;
	return 0;
}

const struct bt_l2cap_chan_ops tchan_ops = {
	.connected = t_connected,
	.disconnected = t_disconnected,
	.released = t_released,
	.sent = t_sent,
	.status = t_status,
	.alloc_buf = t_alloc_buf,
	.recv = t_recv,
};

const struct bt_l2cap_chan_ops tchan_ops_noalloc = {
	.connected = t_connected,
	.disconnected = t_disconnected,
	.recv = t_recv,
};

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	if (!err) {
		g->conn = conn;
	}
	k_sem_give(&g->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	(void)reason;
	k_sem_give(&g->disconnected);
}

int env_setup(void **state)
{
	g = calloc(1, sizeof(*g));
	ktest_setup(&g->k);
	fake_ctrl_init(&g->ctrl);
	g->ctrl.acl_mtu = 251;
	g->ctrl.acl_pkts = 8;
	assert_int_equal(zble_host_init(&g->host, &g->k.k, &g->ctrl.drv), 0);
	k_sem_init(&g->connected, 0, 10);
	k_sem_init(&g->disconnected, 0, 10);
	g->cb.connected = on_connected;
	g->cb.disconnected = on_disconnected;
	bt_conn_cb_register(&g->cb);
	g->peer_ident = 0x80;
	for (size_t i = 0; i < ARRAY_SIZE(g->tch); i++) {
		g->tch[i].le.chan.ops = &tchan_ops;
	}
	*state = g;
	return 0;
}

int env_teardown(void **state)
{
	(void)state;
	zble_host_deinit(&g->host);
	ktest_teardown(&g->k);
	free(g);
	g = NULL;
	return 0;
}

void env_link(void)
{
	static const uint8_t peer[6] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6 };
	assert_int_equal(bt_enable(NULL), 0);
	bt_addr_le_t addr = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(addr.a.val, peer, 6);
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&addr, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, LINK, BT_HCI_ROLE_CENTRAL, peer);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	bt_conn_unref(conn); /* the host keeps its own reference while connected */
	run();
	/* The link-update commands were answered: start with an empty log. */
	g->ctrl.n_acl = 0;
	g->ctrl.acl_bytes = 0;
}

void run(void)
{
	ktest_run_ms(&g->k, 20);
	k_mutex_lock(&g->host.lock, K_FOREVER);
	k_mutex_unlock(&g->host.lock);
}

void out_reset(void)
{
	/* A PDU whose first fragments were taken may still have fragments in
	 * the host's queue (they go as controller credits allow): keep
	 * following it, or its continuations would look like orphans. */
	g->in_reset_pdu = g->frag_have && g->n_out;
	if (g->in_reset_pdu) {
		g->reset_pdu = g->out[g->n_out - 1];
	} else {
		g->frag_have = 0;
	}
	g->n_out = 0;
}

int take(void)
{
	run();
	int before = g->n_out;
	size_t off = 0;
	/* A PDU may span rounds: its fragments go as controller credits allow. */
	struct out_pdu *cur = !g->frag_have ? NULL : g->in_reset_pdu ? &g->reset_pdu : g->n_out ? &g->out[g->n_out - 1] : NULL;
	for (int i = 0; i < g->ctrl.n_acl; i++) {
		uint16_t hdr = g->ctrl.acl_hdr[i], n = g->ctrl.acl_len[i];
		const uint8_t *d = g->ctrl.acl_data + off;
		off += n;
		if (((hdr >> 12) & 3) != 1) {
			assert_true(g->n_out < OUT_MAX);
			cur = &g->out[g->n_out++];
			memset(cur, 0, sizeof(*cur));
			g->frag_have = 0;
			g->in_reset_pdu = false;
		}
		assert_non_null(cur);
		for (uint16_t j = 0; j < n; j++, g->frag_have++) {
			size_t have = g->frag_have;
			if (have < 4) {
				g->frag_hdr[have] = d[j];
				if (have == 3) {
					cur->len = sys_get_le16(g->frag_hdr);
					cur->cid = sys_get_le16(g->frag_hdr + 2);
				}
			} else if (have - 4 < sizeof(cur->d)) {
				cur->d[have - 4] = d[j];
			}
		}
		if (g->frag_have >= 4 && g->frag_have == 4u + cur->len) {
			g->frag_have = 0; /* complete */
		}
	}
	int frags = g->ctrl.n_acl;
	g->ctrl.n_acl = 0;
	g->ctrl.acl_bytes = 0;
	if (frags) {
		fake_ctrl_nocp(&g->ctrl, LINK, (uint16_t)frags);
		run();
	}
	return g->n_out - before + (frags && g->n_out == before);
}

int take_all(void)
{
	int total = 0, n;
	while ((n = take()) > 0) {
		total += n;
	}
	return total;
}

int find_sig(uint8_t code, int n)
{
	for (int i = 0; i < g->n_out; i++) {
		if (g->out[i].cid == BT_L2CAP_CID_LE_SIG && g->out[i].d[0] == code && n-- == 0) {
			return i;
		}
	}
	return -1;
}

int count_cid(uint16_t cid)
{
	int n = 0;
	for (int i = 0; i < g->n_out; i++) {
		n += g->out[i].cid == cid;
	}
	return n;
}

void l2cap_in(uint16_t cid, const uint8_t *payload, uint16_t len)
{
	uint8_t pdu[4 + 700];
	assert_true(len <= 700);
	sys_put_le16(len, pdu);
	sys_put_le16(cid, pdu + 2);
	memcpy(pdu + 4, payload, len);
	uint16_t total = (uint16_t)(4 + len), off = 0;
	while (off < total) {
		uint16_t n = (uint16_t)MIN(total - off, 251);
		fake_ctrl_acl(&g->ctrl, LINK, off == 0 ? 2 : 1, pdu + off, n);
		off = (uint16_t)(off + n);
		/* Paced as a controller would: the host's ACL RX pool is small. */
		ktest_run_ms(&g->k, 1);
	}
}

void sig_in_ident(uint8_t code, uint8_t ident, const uint8_t *d, uint16_t len)
{
	uint8_t p[4 + 64];
	p[0] = code;
	p[1] = ident;
	sys_put_le16(len, p + 2);
	if (len) {
		memcpy(p + 4, d, len);
	}
	l2cap_in(BT_L2CAP_CID_LE_SIG, p, (uint16_t)(4 + len));
}

uint8_t sig_in(uint8_t code, const uint8_t *d, uint16_t len)
{
	uint8_t ident = g->peer_ident;
	g->peer_ident = (uint8_t)(g->peer_ident == 0xff ? 0x80 : g->peer_ident + 1);
	sig_in_ident(code, ident, d, len);
	return ident;
}

void sdu_in(uint16_t cid, const uint8_t *data, uint16_t len, uint16_t mps)
{
	uint8_t frame[700];
	assert_true(mps <= sizeof(frame));
	sys_put_le16(len, frame);
	uint16_t n = (uint16_t)MIN(len, mps - 2);
	memcpy(frame + 2, data, n);
	l2cap_in(cid, frame, (uint16_t)(2 + n));
	for (uint16_t off = n; off < len; off = (uint16_t)(off + n)) {
		n = (uint16_t)MIN(len - off, mps);
		l2cap_in(cid, data + off, n);
	}
}

int peer_conn_req(uint16_t psm, uint16_t scid, uint16_t mtu, uint16_t mps, uint16_t credits)
{
	uint8_t req[10];
	sys_put_le16(psm, req);
	sys_put_le16(scid, req + 2);
	sys_put_le16(mtu, req + 4);
	sys_put_le16(mps, req + 6);
	sys_put_le16(credits, req + 8);
	out_reset();
	uint8_t ident = sig_in(0x14, req, sizeof(req));
	take();
	int idx = find_sig(0x15, 0);
	assert_true(idx >= 0);
	assert_int_equal(g->out[idx].d[1], ident);
	assert_int_equal(g->out[idx].len, 14);
	return idx;
}

uint16_t rsp_result(int idx)
{
	return sys_get_le16(g->out[idx].d + 4 + 8);
}

void peer_credits(uint16_t peer_cid, uint16_t credits)
{
	uint8_t ind[4];
	sys_put_le16(peer_cid, ind);
	sys_put_le16(credits, ind + 2);
	sig_in(0x16, ind, sizeof(ind));
}

void open_from_peer(struct tchan *tc, uint16_t psm, uint16_t scid, uint16_t mtu, uint16_t mps, uint16_t credits)
{
	g->acc.next = tc;
	int idx = peer_conn_req(psm, scid, mtu, mps, credits);
	assert_int_equal(rsp_result(idx), 0);
	assert_int_equal(tc->connected, 1);
	assert_int_equal(chan_state(tc), BT_L2CAP_CONNECTED);
	assert_int_equal(sys_get_le16(g->out[idx].d + 4), tc->le.rx.cid);
}

void open_to_peer(struct tchan *tc, uint16_t psm, uint16_t dcid, uint16_t mtu, uint16_t mps, uint16_t credits)
{
	out_reset();
	assert_int_equal(bt_l2cap_chan_connect(g->conn, &tc->le.chan, psm), 0);
	take();
	int idx = find_sig(0x14, 0);
	assert_true(idx >= 0);
	uint8_t rsp[10];
	sys_put_le16(dcid, rsp);
	sys_put_le16(mtu, rsp + 2);
	sys_put_le16(mps, rsp + 4);
	sys_put_le16(credits, rsp + 6);
	sys_put_le16(0, rsp + 8);
	sig_in_ident(0x15, g->out[idx].d[1], rsp, sizeof(rsp));
	run();
	assert_int_equal(tc->connected, 1);
	assert_int_equal(chan_state(tc), BT_L2CAP_CONNECTED);
}

void peer_disconn_rsp(struct tchan *tc)
{
	int idx = find_sig(0x06, 0);
	assert_true(idx >= 0);
	const uint8_t *req = g->out[idx].d;
	assert_int_equal(sys_get_le16(req + 4), tc->le.tx.cid);
	assert_int_equal(sys_get_le16(req + 6), tc->le.rx.cid);
	sig_in_ident(0x07, req[1], req + 4, 4);
	run();
}

struct net_buf *sdu_alloc(const uint8_t *data, uint16_t len)
{
	struct net_buf *buf = net_buf_alloc(&sdu_pool, K_NO_WAIT);
	assert_non_null(buf);
	net_buf_reserve(buf, BT_L2CAP_SDU_CHAN_SEND_RESERVE);
	net_buf_add_mem(buf, data, len);
	return buf;
}

void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
	}
}

void assert_pools_full(void)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&g->host.tx_pool, &st);
	assert_int_equal(st.free, CONFIG_BT_L2CAP_TX_BUF_COUNT);
	net_buf_pool_stats_get(&g->host.pdu_pool, &st);
	assert_int_equal(st.free, CONFIG_BT_MAX_CONN);
	net_buf_pool_stats_get(&rx_pool, &st);
	assert_int_equal(st.free, RX_BUFS);
	assert_int_equal(st.bad_unref, 0);
	net_buf_pool_stats_get(&sdu_pool, &st);
	assert_int_equal(st.free, SDU_BUFS);
	assert_int_equal(st.bad_unref, 0);
}

bt_l2cap_chan_state_t chan_state(struct tchan *tc)
{
	k_mutex_lock(&g->host.lock, K_FOREVER);
	bt_l2cap_chan_state_t s = tc->le.state;
	k_mutex_unlock(&g->host.lock);
	return s;
}
