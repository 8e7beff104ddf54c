/* Fault injection: for each fault, two zble hosts in the simulator (a
 * connected central and peripheral) and proof that the host survives it:
 * the error reaches the application (errno, callback or counter), every
 * resource comes back (net_buf pools full, no connection object held) and
 * nothing hangs (bounded virtual time; a stop time ends a run that would).
 * Each checks that the host copes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "sim_test_util.h"

#define PAYLOAD 251 /* L2CAP payload: a 255-byte PDU, two fragments */
#define CID 0x0040

struct env {
	struct zble_sim sim;
	struct zble_sim_device *p, *c;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected, progress;
	struct bt_conn *c_conn, *p_conn;
	int c_disc, p_disc;
	uint8_t c_reason, p_reason;
	/* ACL flow central -> peripheral */
	unsigned queued, done_ok, done_enotconn, done_other;
	unsigned rx, rx_bad;
};

static struct env *g;

/* The host uses the extended commands where the controller has them. */
static uint16_t adv_enable_op(const struct zble_sim_device *d)
{
	return d->host.ext ? BT_HCI_OP_LE_SET_EXT_ADV_ENABLE : BT_HCI_OP_LE_SET_ADV_ENABLE;
}

static uint16_t scan_enable_op(const struct zble_sim_device *d)
{
	return d->host.ext ? BT_HCI_OP_LE_SET_EXT_SCAN_ENABLE : BT_HCI_OP_LE_SET_SCAN_ENABLE;
}

static bool ctrl_advertising(const struct zble_sim_device *d)
{
	bool on = d->ctrl.adv.enabled;
	for (int i = 0; i < ZBLE_SIM_ADV_SETS; i++) {
		on |= d->ctrl.sets[i].used && d->ctrl.sets[i].enabled;
	}
	return on;
}

static bool on_periph(void)
{
	return zble_host_current() == &g->p->host;
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	assert_int_equal(err, 0);
	if (on_periph()) {
		g->p_conn = bt_conn_ref(conn);
		return;
	}
	g->c_conn = bt_conn_ref(conn);
	k_sem_give(&g->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	if (on_periph()) {
		g->p_disc++;
		g->p_reason = reason;
		bt_conn_unref(g->p_conn);
		g->p_conn = NULL;
		return;
	}
	g->c_disc++;
	g->c_reason = reason;
	bt_conn_unref(g->c_conn);
	g->c_conn = NULL;
	k_sem_give(&g->disconnected);
}

static void p_ready(int err)
{
	assert_int_equal(err, 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, NULL, 0, NULL, 0), 0);
}

/* Receiver: PDUs numbered 0, 1, 2... in their first 4 payload bytes. */
static void p_recv(struct bt_conn *conn, struct net_buf *pdu)
{
	(void)conn;
	uint32_t seq;
	if (pdu->len != 4 + PAYLOAD || sys_get_le16(pdu->data) != PAYLOAD || sys_get_le16(pdu->data + 2) != CID) {
		g->rx_bad++;
		return;
	}
	memcpy(&seq, pdu->data + 4, 4);
	for (unsigned i = 4; i < PAYLOAD; i++) {
		if (pdu->data[4 + i] != (uint8_t)(seq + i)) {
			g->rx_bad++;
			return;
		}
	}
	if (seq != g->rx) {
		g->rx_bad++;
	}
	g->rx++;
}

static void tx_done(struct bt_conn *conn, int err, void *user_data)
{
	(void)conn;
	(void)user_data;
	if (err == 0) {
		g->done_ok++;
	} else if (err == -ENOTCONN) {
		g->done_enotconn++;
	} else {
		g->done_other++;
	}
	k_sem_give(&g->progress);
}

/* Central context: queues PDUs until total are queued or the pool is empty. */
static void fill(unsigned total)
{
	while (g->queued < total && g->c_conn) {
		struct net_buf *pdu = zble_acl_alloc(&g->c->host, K_NO_WAIT);
		if (!pdu) {
			return;
		}
		net_buf_add_le16(pdu, PAYLOAD);
		net_buf_add_le16(pdu, CID);
		uint32_t seq = g->queued;
		net_buf_add_mem(pdu, &seq, 4);
		for (unsigned i = 4; i < PAYLOAD; i++) {
			net_buf_add_u8(pdu, (uint8_t)(seq + i));
		}
		assert_int_equal(zble_acl_send(g->c_conn, pdu, tx_done, NULL), 0);
		g->queued++;
	}
}

/* Sends total PDUs as the pool allows; true when all completed within limit. */
static bool transfer(unsigned total, uint64_t limit_us)
{
	uint64_t until = zble_sim_now_us(&g->sim) + limit_us;
	while (g->done_ok + g->done_enotconn + g->done_other < total && zble_sim_now_us(&g->sim) < until) {
		fill(total);
		(void)k_sem_take(&g->progress, K_MSEC(100));
		if (!g->c_conn && g->queued == g->done_ok + g->done_enotconn + g->done_other) {
			break;
		}
	}
	return g->done_ok + g->done_enotconn + g->done_other == total;
}

static void assert_pool_full(struct net_buf_pool *pool, unsigned count)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(pool, &st);
	if (st.free != count) {
		print_message("pool %s: %u of %u free\n", pool->name, st.free, count);
	}
	assert_int_equal(st.free, count);
	assert_int_equal(st.bad_unref, 0);
}

/* Everything of host h is back: buffers and connection objects. */
static void assert_released(struct zble_sim_device *d)
{
	struct zble_host *h = &d->host;
	assert_pool_full(&h->cmd_pool, CONFIG_BT_BUF_CMD_TX_COUNT);
	assert_pool_full(&h->evt_pool, CONFIG_BT_BUF_EVT_RX_COUNT);
	assert_pool_full(&h->disc_pool, CONFIG_BT_BUF_EVT_DISCARDABLE_COUNT);
	assert_pool_full(&h->acl_pool, CONFIG_BT_BUF_ACL_RX_COUNT);
	assert_pool_full(&h->tx_pool, CONFIG_BT_L2CAP_TX_BUF_COUNT);
	assert_pool_full(&h->pdu_pool, CONFIG_BT_MAX_CONN);
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		assert_int_equal(atomic_get(&h->conns[i].ref), 0);
	}
}

/* Both sides let go of their links (callbacks hold one reference each). */
static void drop_refs(void)
{
	if (g->c_conn) {
		bt_conn_unref(g->c_conn);
		g->c_conn = NULL;
	}
	if (g->p_conn) {
		bt_conn_unref(g->p_conn);
		g->p_conn = NULL;
	}
}

/* Disconnects from the central and checks both hosts released everything. */
static void disconnect_and_check(void)
{
	zble_sim_device_select(g->c);
	assert_non_null(g->c_conn);
	assert_int_equal(bt_conn_disconnect(g->c_conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	k_msleep(200);
	assert_int_equal(g->p_disc, 1);
	assert_released(g->c);
	assert_released(g->p);
}

static int setup_link(uint64_t seed, uint16_t interval, uint16_t timeout)
{
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, seed);
	zble_sim_set_stop_time(&g->sim, 300ull * 1000000); /* a hang fails, it does not spin */
	g->p = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = "periph" });
	g->c = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = "central" });
	assert_int_equal(zble_sim_device_add_host(g->p), 0);
	assert_int_equal(zble_sim_device_add_host(g->c), 0);
	g->cb.connected = on_connected;
	g->cb.disconnected = on_disconnected;
	k_sem_init(&g->connected, 0, 1);
	k_sem_init(&g->disconnected, 0, 1);
	k_sem_init(&g->progress, 0, 1000);

	zble_sim_device_select(g->p);
	bt_conn_cb_register(&g->cb);
	zble_host_set_l2cap_recv(&g->p->host, p_recv);
	assert_int_equal(bt_enable(p_ready), 0);

	zble_sim_device_select(g->c);
	bt_conn_cb_register(&g->cb);
	assert_int_equal(bt_enable(NULL), 0);
	k_msleep(20);
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC, .a = { { 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 } } };
	struct bt_conn *conn = NULL;
	assert_int_equal(
		bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM(interval, interval, 0, timeout), &conn), 0);
	bt_conn_unref(conn);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	k_msleep(300); /* data length update done */
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_link(4242, 6, 200); /* 7.5 ms, 2 s supervision timeout */
}

static int teardown(void **state)
{
	(void)state;
	drop_refs();
	zble_sim_deinit(&g->sim);
	free(g);
	return 0;
}

/* ---- a command that never completes ---- */

static void test_cmd_never_completes(void **state)
{
	(void)state;
	zble_sim_device_select(g->c);
	zble_sim_fault_swallow_cmd(g->c, adv_enable_op(g->c), 1);
	uint64_t t0 = zble_sim_now_us(&g->sim);
	double r0 = real_seconds();
	int err = bt_le_adv_start(BT_LE_ADV_NCONN, NULL, 0, NULL, 0);
	uint64_t took = zble_sim_now_us(&g->sim) - t0;
	assert_int_equal(err, -ETIMEDOUT);
	assert_true(took >= 10000000 && took < 10100000); /* the 10 s command timeout */
	assert_int_equal(g->c->host.stats.cmd_timeouts, 1);
	assert_int_equal(g->c->ctrl.faults.stats.cmds_swallowed, 1);
	print_message("swallowed LE Set Advertising Enable: -ETIMEDOUT after %.3f s virtual, %.3f s real\n",
		      took / 1e6, real_seconds() - r0);
	/* The link lived through it (7.5 ms events for 10 s) and the host works.
	 * It assumes the unanswered enable took effect: start again only
	 * after a stop (which sends the disable, harmless if not advertising). */
	assert_int_equal(g->c_disc, 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_NCONN, NULL, 0, NULL, 0), -EALREADY);
	assert_int_equal(bt_le_adv_stop(), 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_NCONN, NULL, 0, NULL, 0), 0);
	assert_true(ctrl_advertising(g->c));
	assert_int_equal(bt_le_adv_stop(), 0);
	assert_true(transfer(10, 5000000));
	assert_int_equal(g->done_ok, 10);
	k_msleep(50);
	assert_int_equal(g->rx, 10);
	assert_int_equal(g->rx_bad, 0);
	disconnect_and_check();
}

/* ---- dropped events ---- */

/* The Command Complete of LE Set Scan Enable is lost: the controller scans,
 * the host's call times out. A robust host lets the application recover:
 * stop, then start again, and reports arrive. */
static void test_dropped_cmd_complete(void **state)
{
	(void)state;
	zble_sim_device_select(g->c);
	zble_sim_fault_drop_next_event(g->c, BT_HCI_EVT_CMD_COMPLETE, scan_enable_op(g->c), 1);
	uint64_t t0 = zble_sim_now_us(&g->sim);
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL), -ETIMEDOUT);
	assert_true(zble_sim_now_us(&g->sim) - t0 < 10100000);
	assert_int_equal(g->c->host.stats.cmd_timeouts, 1);
	assert_int_equal(g->c->ctrl.faults.stats.events_dropped, 1);
	assert_true(g->c->ctrl.scan.enabled); /* it did take effect */
	int stop = bt_le_scan_stop();
	int start = bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL);
	print_message("after the lost Command Complete: bt_le_scan_stop() = %d, bt_le_scan_start() = %d, "
		      "controller scanning: %d\n", stop, start, g->c->ctrl.scan.enabled);
	/* The link and the data path are unaffected either way. */
	assert_true(transfer(5, 5000000));
	assert_int_equal(g->done_ok, 5);
	/* The host assumes an unanswered enable took effect: stop sends the
	 * disable, and scanning can start again. */
	assert_int_equal(stop, 0);
	assert_int_equal(start, 0);
	assert_true(g->c->ctrl.scan.enabled);
	assert_int_equal(bt_le_scan_stop(), 0);
	disconnect_and_check();
}

/* The central's Disconnection Complete is lost when the peripheral ends the
 * link. A robust host notices the link is gone at the latest when the
 * controller answers Unknown Connection Identifier for it (bt_conn_disconnect
 * or anything else on the handle), reports it through the disconnected
 * callback and frees the object. */
static void test_dropped_disconn_complete(void **state)
{
	(void)state;
	zble_sim_fault_drop_next_event(g->c, BT_HCI_EVT_DISCONN_COMPLETE, 0, 1);
	zble_sim_device_select(g->p);
	assert_int_equal(bt_conn_disconnect(g->p_conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	k_msleep(200);
	assert_int_equal(g->p_disc, 1);
	assert_int_equal(g->c->ctrl.faults.stats.events_dropped, 1);
	assert_int_equal(g->c_disc, 0); /* never told */

	zble_sim_device_select(g->c);
	struct bt_conn_info info;
	bt_conn_get_info(g->c_conn, &info);
	/* Data on the dead handle: the controller rejects it, no completion. */
	uint32_t rejected0 = g->c->ctrl.stats.acl_rejected;
	uint16_t credits0 = g->c->host.acl_credits;
	fill(1);
	k_msleep(200);
	uint32_t rejected = g->c->ctrl.stats.acl_rejected - rejected0;
	int err = bt_conn_disconnect(g->c_conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	k_msleep(100);
	print_message("lost Disconnection Complete: state %d, ACL fragments rejected %u, credits %u -> %u, "
		      "bt_conn_disconnect() = %d, disconnected callbacks %d\n",
		      info.state, rejected, credits0, g->c->host.acl_credits, err, g->c_disc);
	assert_true(err != 0); /* the error reaches the application */
	/* Unknown Connection Identifier ends the link in the host: the
	 * disconnected callback, credits and completions come back. */
	assert_int_equal(g->c_disc, 1);
	assert_int_equal(g->c->host.acl_credits, credits0);
	assert_int_equal(g->done_enotconn, 1);
	k_msleep(100);
	assert_released(g->c);
	assert_released(g->p);
}

/* ---- Hardware Error ---- */

/* The host resets the controller and runs the bring-up again
 * (docs/hardware-error.md): the link is reported lost on this side and
 * times out on the peer's; afterwards the host works and connects again
 * (tests/sim/test_sim_hci_faults.c has the whole policy). */
static void test_hw_error(void **state)
{
	(void)state;
	zble_sim_device_select(g->c);
	zble_sim_fault_hw_error(g->c, 0x42);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(g->c_reason, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	k_msleep(100);
	assert_true(bt_is_ready());
	assert_int_equal(g->c->host.stats.hw_errors, 1);
	assert_int_equal(g->c->ctrl.faults.stats.hw_errors, 1);
	assert_released(g->c);
	k_msleep(2500); /* the peer's supervision timeout */
	assert_int_equal(g->p_disc, 1);
	assert_int_equal(g->p_reason, BT_HCI_ERR_CONN_TIMEOUT);
	/* The host keeps working: advertising, and a new link with data. */
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_NCONN, NULL, 0, NULL, 0), 0);
	assert_int_equal(bt_le_adv_stop(), 0);
	zble_sim_device_select(g->p);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, NULL, 0, NULL, 0), 0);
	zble_sim_device_select(g->c);
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC, .a = { { 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 } } };
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM(6, 6, 0, 200), &conn), 0);
	bt_conn_unref(conn);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	k_msleep(300);
	g->p_disc = 0;
	assert_true(transfer(10, 5000000));
	assert_int_equal(g->done_ok, 10);
	disconnect_and_check();
}

/* ---- controller buffer exhaustion ---- */

static void test_buffer_exhaustion(void **state)
{
	(void)state;
	zble_sim_device_select(g->c);
	struct zble_host *h = &g->c->host;
	const unsigned total = 20;
	zble_sim_fault_hold_completions(g->c, 2000000);
	fill(total);
	k_msleep(1000);
	/* No completions for a second: what the controller took is all that
	 * went (at most ZBLE_ACL_IN_FLIGHT_MAX per link), the rest waits queued. */
	uint32_t frags = h->stats.acl_tx_frags;
	assert_true(frags > 0 && frags <= ZBLE_ACL_IN_FLIGHT_MAX);
	assert_int_equal(h->acl_credits + frags, h->acl_pkts);
	assert_int_equal(g->done_ok, 0);
	assert_int_equal(g->queued, CONFIG_BT_L2CAP_TX_BUF_COUNT);
	k_msleep(500);
	assert_int_equal(h->stats.acl_tx_frags, frags);
	assert_int_equal(g->c->ctrl.stats.acl_overflow, 0);
	unsigned rx_during = g->rx;
	uint64_t t0 = zble_sim_now_us(&g->sim);
	assert_true(transfer(total, 5000000));
	uint64_t t1 = zble_sim_now_us(&g->sim);
	k_msleep(50);
	print_message("completions held 2 s: %u PDUs through meanwhile, %u held completions, then all %u done "
		      "%.0f ms later\n",
		      rx_during, g->c->ctrl.faults.stats.nocp_held, total, (t1 - t0) / 1e3);
	assert_int_equal(g->done_ok, total);
	assert_int_equal(g->rx, total);
	assert_int_equal(g->rx_bad, 0);
	assert_true(g->c->ctrl.faults.stats.nocp_held >= frags);
	assert_int_equal(h->acl_credits, h->acl_pkts);
	disconnect_and_check();
}

/* ---- lossy links ---- */

static void lossy(bool crc, double p)
{
	zble_sim_device_select(g->c);
	if (crc) {
		zble_sim_set_crc_errors(&g->sim, g->c, g->p, p);
	} else {
		zble_sim_set_loss(&g->sim, g->c, g->p, p);
	}
	const unsigned total = 60;
	uint64_t t0 = zble_sim_now_us(&g->sim);
	assert_true(transfer(total, 30000000));
	uint64_t took = zble_sim_now_us(&g->sim) - t0;
	k_msleep(100);
	uint32_t retx = g->c->ctrl.stats.retransmissions + g->p->ctrl.stats.retransmissions;
	print_message("%s %.0f%%: %u PDUs in order in %.0f ms, %u retransmissions\n", crc ? "CRC errors" : "loss",
		      p * 100, g->rx, took / 1e3, retx);
	assert_int_equal(g->done_ok, total);
	assert_int_equal(g->rx, total);
	assert_int_equal(g->rx_bad, 0);
	assert_true(retx > 0);
	assert_int_equal(g->c_disc, 0);
	if (crc) {
		zble_sim_set_crc_errors(&g->sim, g->c, g->p, 0);
	} else {
		zble_sim_set_loss(&g->sim, g->c, g->p, 0);
	}
	disconnect_and_check();
}

static void test_lossy_link(void **state)
{
	(void)state;
	lossy(false, 0.3);
}

static void test_crc_errors(void **state)
{
	(void)state;
	lossy(true, 0.3);
}

/* ---- the peer vanishes during a transfer ---- */

static void test_peer_vanishes(void **state)
{
	(void)state;
	zble_sim_device_select(g->c);
	const unsigned total = 200;
	fill(total);
	k_msleep(30);
	assert_true(g->done_ok > 0 && g->done_ok < total);
	zble_sim_device_remove(g->p);
	uint64_t t0 = zble_sim_now_us(&g->sim);
	while (g->c_disc == 0 && zble_sim_now_us(&g->sim) - t0 < 5000000) {
		fill(total);
		(void)k_sem_take(&g->disconnected, K_MSEC(100));
	}
	uint64_t took = zble_sim_now_us(&g->sim) - t0;
	assert_int_equal(g->c_disc, 1);
	assert_int_equal(g->c_reason, BT_HCI_ERR_CONN_TIMEOUT);
	/* Counted from the last packet heard, up to an interval before. */
	assert_true(took >= 2000000 - 7500 && took < 2200000);
	k_msleep(10);
	print_message("peer gone: disconnected (0x%02x) after %.0f ms; %u PDUs done, %u failed with -ENOTCONN\n",
		      g->c_reason, took / 1e3, g->done_ok, g->done_enotconn);
	assert_true(g->done_enotconn > 0);
	assert_int_equal(g->done_other, 0);
	assert_int_equal(g->done_ok + g->done_enotconn, g->queued);
	assert_int_equal(g->c->host.acl_credits, g->c->host.acl_pkts);
	/* The vanished peripheral's host no longer runs: only the central. */
	g->p_conn = NULL;
	assert_released(g->c);
}

/* ---- delayed events ---- */

static void test_delayed_events(void **state)
{
	(void)state;
	zble_sim_device_select(g->c);
	zble_sim_fault_event_delay(g->c, 5000);
	uint64_t t0 = zble_sim_now_us(&g->sim);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_NCONN, NULL, 0, NULL, 0), 0);
	uint64_t took = zble_sim_now_us(&g->sim) - t0;
	assert_true(took >= 4 * 5000); /* parameters, data, scan response, enable: one at a time */
	assert_int_equal(bt_le_adv_stop(), 0);
	assert_true(transfer(20, 10000000));
	k_msleep(50);
	print_message("5 ms extra event latency: bt_le_adv_start took %.1f ms, %u packets delayed, 20 PDUs done\n",
		      took / 1e3, g->c->ctrl.faults.stats.pkts_delayed);
	assert_int_equal(g->done_ok, 20);
	assert_int_equal(g->rx, 20);
	assert_int_equal(g->rx_bad, 0);
	assert_true(g->c->ctrl.faults.stats.pkts_delayed > 20);
	disconnect_and_check(); /* Disconnection Complete comes late too */
	zble_sim_fault_clear(g->c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cmd_never_completes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_cmd_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_disconn_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hw_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lossy_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crc_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_vanishes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delayed_events, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
