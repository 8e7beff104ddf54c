/* Two zble hosts on zble-sim: the central opens a credit-based channel to
 * the peripheral's server and both send 20 SDUs of 2000 bytes at once,
 * each side refilling its queue from the sent callback (back-pressure
 * from the queue limit, flow control from the peer's credits, K-frames of
 * the data length the link negotiated). Every byte is checked; then the
 * channel and the link are closed and every buffer is back. coop only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/bluetooth/l2cap.h>

#include "zble/sim.h"

#define SDUS 20
#define SDU_LEN 2000

NET_BUF_POOL_DEFINE(p_tx, 5, BT_L2CAP_SDU_BUF_SIZE(SDU_LEN), 0, NULL);
NET_BUF_POOL_DEFINE(c_tx, 5, BT_L2CAP_SDU_BUF_SIZE(SDU_LEN), 0, NULL);
NET_BUF_POOL_DEFINE(p_rx, 3, SDU_LEN, 0, NULL);
NET_BUF_POOL_DEFINE(c_rx, 3, SDU_LEN, 0, NULL);

struct side {
	struct zble_sim_device *dev;
	struct bt_conn_cb cb;
	struct bt_conn *conn;
	struct bt_l2cap_le_chan le;
	struct net_buf_pool *tx_pool, *rx_pool;
	uint8_t dir; /* pattern seed of what it sends */
	int queued, sent, received, bad, refused;
	int connected, disconnected, chan_connected, chan_disconnected;
	uint64_t first_rx, last_rx;
};

struct env {
	struct zble_sim sim;
	struct side p, c;
	struct bt_l2cap_server server;
};

static struct env *g;

static struct side *side_of_chan(struct bt_l2cap_chan *chan)
{
	return chan == &g->p.le.chan ? &g->p : &g->c;
}

static struct side *side_now(void)
{
	return zble_host_current() == &g->p.dev->host ? &g->p : &g->c;
}

static uint8_t pattern(uint8_t dir, int sdu, int i)
{
	return (uint8_t)(dir * 101 + sdu * 7 + i + (i >> 8) * 13);
}

/* Queues SDUs until the queue refuses or all are queued. */
static void pump(struct side *s)
{
	while (s->queued < SDUS && s->le.state == BT_L2CAP_CONNECTED) {
		struct net_buf *buf = net_buf_alloc(s->tx_pool, K_NO_WAIT);
		if (!buf) {
			return;
		}
		net_buf_reserve(buf, BT_L2CAP_SDU_CHAN_SEND_RESERVE);
		uint8_t *d = net_buf_add(buf, SDU_LEN);
		for (int i = 0; i < SDU_LEN; i++) {
			d[i] = pattern(s->dir, s->queued, i);
		}
		int err = bt_l2cap_chan_send(&s->le.chan, buf);
		if (err) {
			assert_int_equal(err, -EAGAIN);
			s->refused++;
			net_buf_unref(buf);
			return;
		}
		s->queued++;
	}
}

static void ch_connected(struct bt_l2cap_chan *chan)
{
	struct side *s = side_of_chan(chan);
	s->chan_connected++;
	pump(s);
}

static void ch_disconnected(struct bt_l2cap_chan *chan)
{
	side_of_chan(chan)->chan_disconnected++;
}

static void ch_sent(struct bt_l2cap_chan *chan)
{
	struct side *s = side_of_chan(chan);
	s->sent++;
	pump(s);
}

static struct net_buf *ch_alloc(struct bt_l2cap_chan *chan)
{
	return net_buf_alloc(side_of_chan(chan)->rx_pool, K_NO_WAIT);
}

static int ch_recv(struct bt_l2cap_chan *chan, struct net_buf *buf)
{
	struct side *s = side_of_chan(chan);
	struct side *peer = s == &g->p ? &g->c : &g->p;
	if (buf->len != SDU_LEN) {
		s->bad++;
	} else {
		for (int i = 0; i < SDU_LEN; i++) {
			if (buf->data[i] != pattern(peer->dir, s->received, i)) {
				s->bad++;
				break;
			}
		}
	}
	if (!s->first_rx) {
		s->first_rx = zble_sim_now_us(&g->sim);
	}
	s->last_rx = zble_sim_now_us(&g->sim);
	s->received++;
	return 0;
}

static const struct bt_l2cap_chan_ops ops = {
	.connected = ch_connected,
	.disconnected = ch_disconnected,
	.sent = ch_sent,
	.alloc_buf = ch_alloc,
	.recv = ch_recv,
};

static int accept(struct bt_conn *conn, struct bt_l2cap_server *server, struct bt_l2cap_chan **chan)
{
	(void)conn;
	(void)server;
	*chan = &g->p.le.chan;
	return 0;
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	struct side *s = side_now();
	assert_int_equal(err, 0);
	s->connected++;
	s->conn = bt_conn_ref(conn);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	(void)reason;
	struct side *s = side_now();
	s->disconnected++;
	bt_conn_unref(s->conn);
	s->conn = NULL;
}

static void side_init(struct side *s, const char *name, double x, struct net_buf_pool *tx, struct net_buf_pool *rx,
		      uint8_t dir)
{
	s->dev = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = name, .x = x });
	assert_non_null(s->dev);
	assert_int_equal(zble_sim_device_add_host(s->dev), 0);
	s->tx_pool = tx;
	s->rx_pool = rx;
	s->dir = dir;
	s->le.chan.ops = &ops;
	s->le.rx.mtu = SDU_LEN;
	s->cb.connected = on_connected;
	s->cb.disconnected = on_disconnected;
	zble_sim_device_select(s->dev);
	bt_conn_cb_register(&s->cb);
	assert_int_equal(bt_enable(NULL), 0);
}

static void wait_for(bool (*cond)(void), uint32_t limit_ms)
{
	for (uint32_t t = 0; t < limit_ms && !cond(); t += 10) {
		k_msleep(10);
	}
	assert_true(cond());
}

static bool chans_up(void)
{
	return g->c.chan_connected == 1 && g->p.chan_connected == 1;
}

static bool all_received(void)
{
	return g->c.received == SDUS && g->p.received == SDUS && g->c.sent == SDUS && g->p.sent == SDUS;
}

static bool chans_down(void)
{
	return g->c.chan_disconnected == 1 && g->p.chan_disconnected == 1;
}

static bool links_down(void)
{
	return g->c.disconnected == 1 && g->p.disconnected == 1;
}

static void assert_pool_full(struct net_buf_pool *pool, uint16_t count)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(pool, &st);
	assert_int_equal(st.free, count);
	assert_int_equal(st.bad_unref, 0);
}

static void test_transfer_both_ways(void **state)
{
	(void)state;
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, 77);
	zble_sim_set_stop_time(&g->sim, 600ull * 1000000);
	side_init(&g->p, "periph", 0, &p_tx, &p_rx, 1);
	side_init(&g->c, "central", 3, &c_tx, &c_rx, 2);

	zble_sim_device_select(g->p.dev);
	g->server.psm = 0; /* a dynamic one */
	g->server.accept = accept;
	assert_int_equal(bt_l2cap_server_register(&g->server), 0);
	assert_int_equal(g->server.psm, 0x0080);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, NULL, 0, NULL, 0), 0);
	bt_addr_le_t p_addr;
	size_t n = 1;
	bt_id_get(&p_addr, &n);

	zble_sim_device_select(g->c.dev);
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&p_addr, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM(24, 24, 0, 400), &conn), 0);
	bt_conn_unref(conn);
	for (int t = 0; t < 500 && !(g->c.conn && g->p.conn); t++) {
		k_msleep(10);
	}
	assert_non_null(g->c.conn);
	assert_non_null(g->p.conn);
	k_msleep(500); /* data length and PHY updates */

	uint64_t t0 = zble_sim_now_us(&g->sim);
	assert_int_equal(bt_l2cap_chan_connect(g->c.conn, &g->c.le.chan, g->server.psm), 0);
	wait_for(chans_up, 5000);
	assert_int_equal(g->c.le.tx.mtu, SDU_LEN);
	assert_int_equal(g->c.le.tx.mps, BT_L2CAP_RX_MTU);
	wait_for(all_received, 120000);
	double secs = (double)(zble_sim_now_us(&g->sim) - t0) / 1e6;
	print_message("%d x %d bytes each way in %.2f s simulated (%.1f kbit/s each way); queue refusals %d/%d\n",
		      SDUS, SDU_LEN, secs, SDUS * SDU_LEN * 8 / secs / 1000, g->c.refused, g->p.refused);
	assert_int_equal(g->c.bad, 0);
	assert_int_equal(g->p.bad, 0);
	assert_true(g->c.refused > 0); /* the queue limit was reached and recovered from */

	/* The central closes the channel; both sides hear it. */
	assert_int_equal(bt_l2cap_chan_disconnect(&g->c.le.chan), 0);
	wait_for(chans_down, 5000);
	assert_int_equal(g->c.le.err, 0);
	assert_int_equal(g->p.le.err, 0);
	assert_int_equal(bt_conn_disconnect(g->c.conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	wait_for(links_down, 5000);

	struct side *sides[2] = { &g->p, &g->c };
	for (int i = 0; i < 2; i++) {
		struct zble_host *h = &sides[i]->dev->host;
		zble_sim_device_select(sides[i]->dev);
		assert_pool_full(sides[i]->tx_pool, 5);
		assert_pool_full(sides[i]->rx_pool, 3);
		assert_pool_full(&h->tx_pool, CONFIG_BT_L2CAP_TX_BUF_COUNT);
		assert_pool_full(&h->pdu_pool, CONFIG_BT_MAX_CONN);
		assert_int_equal(h->stats.malformed, 0);
		assert_int_equal(h->stats.acl_dropped, 0);
		assert_int_equal(h->l2cap.stats.chan_protocol_errors, 0);
		assert_int_equal(h->l2cap.stats.rtx_timeouts, 0);
	}
	zble_sim_deinit(&g->sim);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transfer_both_ways),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
