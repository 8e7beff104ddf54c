/* Controller faults at the HCI boundary on zble-sim (virtual time): the
 * duplicated event, the late and the stray command completion (faults.c),
 * a lost Disconnection Complete and a Hardware Error, each against zble
 * hosts: the fault reaches the controller's host as specified, the host
 * copes (no ghost link, no wedged command queue, no link held for good,
 * recovery after a Hardware Error) and every resource comes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>

#include "sim_test_util.h"

#define NPERIPH 2

struct env {
	struct zble_sim sim;
	struct zble_sim_device *p[NPERIPH], *c;
	int np;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected, recovered;
	struct bt_conn *c_conn[NPERIPH], *p_conn[NPERIPH];
	int c_disc, p_disc[NPERIPH];
	uint8_t c_reason, p_reason[NPERIPH];
	int hw_errors, recoveries, recovered_err;
};

static struct env *g;

/* Index of the peripheral whose host is current, or -1 (the central). */
static int periph_index(void)
{
	for (int i = 0; i < g->np; i++) {
		if (zble_host_current() == &g->p[i]->host) {
			return i;
		}
	}
	return -1;
}

/* The peripheral a central link goes to (addresses end in index + 1). */
static int peer_index(struct bt_conn *conn)
{
	return bt_conn_get_dst(conn)->a.val[0] - 1;
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	assert_int_equal(err, 0);
	int i = periph_index();
	if (i >= 0) {
		g->p_conn[i] = bt_conn_ref(conn);
		return;
	}
	g->c_conn[peer_index(conn)] = bt_conn_ref(conn);
	k_sem_give(&g->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	int i = periph_index();
	if (i >= 0) {
		g->p_disc[i]++;
		g->p_reason[i] = reason;
		bt_conn_unref(g->p_conn[i]);
		g->p_conn[i] = NULL;
		return;
	}
	int k = peer_index(conn);
	g->c_disc++;
	g->c_reason = reason;
	bt_conn_unref(g->c_conn[k]);
	g->c_conn[k] = NULL;
	k_sem_give(&g->disconnected);
}

static void on_error(struct zble_host *host, const struct zble_host_error *e, void *ctx)
{
	(void)ctx;
	assert_ptr_equal(host, &g->c->host);
	if (e->kind == ZBLE_HOST_ERROR_HW) {
		g->hw_errors++;
		assert_int_equal(g->c_disc, 0); /* told before the links are reported */
	} else {
		g->recoveries++;
		g->recovered_err = e->err;
		k_sem_give(&g->recovered);
	}
}

static void p_ready(int err)
{
	assert_int_equal(err, 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, NULL, 0, NULL, 0), 0);
}

static void setup_devices(int np)
{
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, 9090);
	zble_sim_set_stop_time(&g->sim, 300ull * 1000000); /* a hang fails, it does not spin */
	g->np = np;
	for (int i = 0; i < np; i++) {
		g->p[i] = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = i ? "p1" : "p0" });
		assert_int_equal(zble_sim_device_add_host(g->p[i]), 0);
	}
	g->c = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = "central" });
	assert_int_equal(zble_sim_device_add_host(g->c), 0);
	g->cb.connected = on_connected;
	g->cb.disconnected = on_disconnected;
	k_sem_init(&g->connected, 0, 4);
	k_sem_init(&g->disconnected, 0, 4);
	k_sem_init(&g->recovered, 0, 4);
	for (int i = 0; i < np; i++) {
		zble_sim_device_select(g->p[i]);
		bt_conn_cb_register(&g->cb);
		assert_int_equal(bt_enable(p_ready), 0);
	}
	zble_sim_device_select(g->c);
	bt_conn_cb_register(&g->cb);
	zble_host_set_error_cb(&g->c->host, on_error, NULL);
	assert_int_equal(bt_enable(NULL), 0);
	k_msleep(20);
}

/* The central connects to peripheral i (which advertises). */
static void connect_to(int i)
{
	zble_sim_device_select(g->c);
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC, .a = { { (uint8_t)(i + 1), 0x00, 0x5a, 0xee, 0xff, 0xc0 } } };
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM(6, 6, 0, 200), &conn), 0);
	bt_conn_unref(conn);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_non_null(g->c_conn[i]);
	k_msleep(300); /* the link updates (data length, PHY) are done */
	assert_non_null(g->p_conn[i]);
}

static void readvertise(int i)
{
	zble_sim_device_select(g->p[i]);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, NULL, 0, NULL, 0), 0);
	zble_sim_device_select(g->c);
}

static int setup_one(void **state)
{
	(void)state;
	setup_devices(1);
	connect_to(0);
	return 0;
}

static int setup_two(void **state)
{
	(void)state;
	setup_devices(2);
	connect_to(0);
	connect_to(1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NPERIPH; i++) {
		bt_conn_unref(g->c_conn[i]);
		bt_conn_unref(g->p_conn[i]);
	}
	zble_sim_deinit(&g->sim);
	free(g);
	return 0;
}

static int live_objects(const struct zble_sim_device *d)
{
	int n = 0;
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		n += atomic_get(&d->host.conns[i].ref) != 0;
	}
	return n;
}

static void assert_pool_full(struct net_buf_pool *pool, unsigned count)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(pool, &st);
	assert_int_equal(st.free, count);
	assert_int_equal(st.bad_unref, 0);
}

/* Everything of the device's host is back: buffers and connection objects. */
static void assert_released(const struct zble_sim_device *d)
{
	struct zble_host *h = (struct zble_host *)&d->host;
	assert_pool_full(&h->cmd_pool, CONFIG_BT_BUF_CMD_TX_COUNT);
	assert_pool_full(&h->evt_pool, CONFIG_BT_BUF_EVT_RX_COUNT);
	assert_pool_full(&h->acl_pool, CONFIG_BT_BUF_ACL_RX_COUNT);
	assert_pool_full(&h->tx_pool, CONFIG_BT_L2CAP_TX_BUF_COUNT);
	assert_pool_full(&h->pdu_pool, CONFIG_BT_MAX_CONN);
	assert_int_equal(live_objects(d), 0);
}

/* The LE Connection Complete subevent the controller sends this host. */
static uint16_t conn_complete_subevent(const struct zble_sim_device *d)
{
	return ((d->ctrl.le_event_mask >> 9) & 1) ? BT_HCI_EVT_LE_ENH_CONN_COMPLETE : BT_HCI_EVT_LE_CONN_COMPLETE;
}

static uint16_t adv_param_op(const struct zble_sim_device *d)
{
	return d->host.ext ? BT_HCI_OP_LE_SET_EXT_ADV_PARAM : BT_HCI_OP_LE_SET_ADV_PARAM;
}

static uint16_t scan_param_op(const struct zble_sim_device *d)
{
	return d->host.ext ? BT_HCI_OP_LE_SET_EXT_SCAN_PARAM : BT_HCI_OP_LE_SET_SCAN_PARAM;
}

/* ---- a duplicated event ---- */

/* Both controllers deliver their LE Connection Complete twice, later their
 * Disconnection Complete: one link per side, one disconnected callback,
 * nothing left behind. */
static void test_duplicated_events(void **state)
{
	(void)state;
	setup_devices(1);
	struct zble_sim_device *p = g->p[0], *c = g->c;
	zble_sim_fault_duplicate_next_event(p, BT_HCI_EVT_LE_META_EVENT, conn_complete_subevent(p), 1);
	zble_sim_fault_duplicate_next_event(c, BT_HCI_EVT_LE_META_EVENT, conn_complete_subevent(c), 1);
	uint32_t pm = p->host.stats.malformed, cm = c->host.stats.malformed;
	connect_to(0);
	assert_int_equal(p->ctrl.faults.stats.events_duplicated, 1);
	assert_int_equal(c->ctrl.faults.stats.events_duplicated, 1);
	assert_int_equal(live_objects(p), 1); /* no ghost */
	assert_int_equal(live_objects(c), 1);
	assert_int_equal(p->host.stats.malformed, pm + 1);
	assert_int_equal(c->host.stats.malformed, cm + 1);
	assert_int_equal(g->c_disc + g->p_disc[0], 0);

	zble_sim_fault_duplicate_next_event(p, BT_HCI_EVT_DISCONN_COMPLETE, 0, 1);
	zble_sim_fault_duplicate_next_event(c, BT_HCI_EVT_DISCONN_COMPLETE, 0, 1);
	assert_int_equal(bt_conn_disconnect(g->c_conn[0], BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	k_msleep(200);
	assert_int_equal(g->c_disc, 1);
	assert_int_equal(g->p_disc[0], 1);
	assert_int_equal(p->ctrl.faults.stats.events_duplicated, 2);
	assert_int_equal(c->ctrl.faults.stats.events_duplicated, 2);
	/* Neither side creates a connection now: the copies are dropped. */
	assert_int_equal(p->host.stats.unexpected_disconnects, 1);
	assert_int_equal(c->host.stats.unexpected_disconnects, 1);
	assert_released(p);
	assert_released(c);
	/* The next link on the same handles lives. */
	readvertise(0);
	connect_to(0);
	k_msleep(500);
	assert_int_equal(g->c_disc, 1);
	assert_int_equal(live_objects(p), 1);
}

/* ---- a stray command completion ---- */

/* A NOP credit, then a Command Status for an opcode never sent, arrive
 * while the advertising parameters are being processed: the synchronous
 * call still gets each of its commands' own answers and returns at once. */
static void test_stray_completion(void **state)
{
	(void)state;
	struct zble_sim_device *c = g->c;
	zble_sim_device_select(c);
	for (int i = 0; i < 2; i++) {
		if (i == 0) {
			zble_sim_fault_stray_completion(c, adv_param_op(c), 0x0000, false);
		} else {
			zble_sim_fault_stray_completion(c, 0, BT_HCI_OP_LE_READ_MAX_DATA_LEN, true);
		}
		uint64_t t0 = zble_sim_now_us(&g->sim);
		assert_int_equal(bt_le_adv_start(BT_LE_ADV_NCONN, NULL, 0, NULL, 0), 0);
		assert_true(zble_sim_now_us(&g->sim) - t0 < 100000);
		assert_int_equal(c->ctrl.faults.stats.strays_sent, (uint32_t)i + 1);
		assert_true(c->ctrl.adv.enabled || c->ctrl.sets[0].enabled || c->ctrl.sets[1].enabled);
		assert_int_equal(bt_le_adv_stop(), 0);
	}
	assert_int_equal(c->host.stats.unexpected_cmd_rsp, 1); /* the NOP is only a credit */
	assert_int_equal(c->host.stats.cmd_timeouts, 0);
	assert_int_equal(g->c_disc, 0);
	assert_int_equal(bt_conn_disconnect(g->c_conn[0], BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	k_msleep(100);
	assert_released(c);
}

/* ---- a late command completion ---- */

/* The scan parameters are answered 11 s late: the call fails after the
 * 10 s command timeout; the late answer is recognised and dropped, and the
 * next command with that opcode waits for it rather than take it. */
static void test_late_completion(void **state)
{
	(void)state;
	struct zble_sim_device *c = g->c;
	zble_sim_device_select(c);
	uint16_t op = scan_param_op(c);
	zble_sim_fault_late_completion(c, op, 11000000);
	uint64_t t0 = zble_sim_now_us(&g->sim);
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL), -ETIMEDOUT);
	uint64_t took = zble_sim_now_us(&g->sim) - t0;
	assert_true(took >= 10000000 && took < 10100000);
	assert_int_equal(c->host.stats.cmd_timeouts, 1);
	assert_int_equal(c->ctrl.faults.stats.completions_late, 1);
	/* Scanning was enabled after all (its own command was answered):
	 * stop, and start again before the late answer came. */
	assert_int_equal(bt_le_scan_stop(), 0);
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL), 0);
	assert_true(zble_sim_now_us(&g->sim) - t0 >= 11000000); /* held for the late answer */
	assert_int_equal(c->host.stats.late_cmd_rsp, 1);
	assert_int_equal(c->host.stats.unexpected_cmd_rsp, 0);
	assert_int_equal(c->host.stats.cmd_timeouts, 1);
	assert_true(c->ctrl.scan.enabled);
	assert_int_equal(bt_le_scan_stop(), 0);
	/* The link lived through it. */
	assert_int_equal(g->c_disc, 0);
	assert_int_equal(bt_conn_disconnect(g->c_conn[0], BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	k_msleep(100);
	assert_released(c);
}

/* ---- a lost Disconnection Complete ---- */

/* The central ends the link and its Disconnection Complete is lost: after
 * the bound the host asks again, the controller answers Unknown Connection
 * Identifier, the link is released; the peer can be connected again. */
static void test_lost_disconnection_complete(void **state)
{
	(void)state;
	struct zble_sim_device *c = g->c;
	zble_sim_device_select(c);
	zble_sim_fault_drop_next_event(c, BT_HCI_EVT_DISCONN_COMPLETE, 0, 1);
	struct bt_conn *conn = bt_conn_ref(g->c_conn[0]);
	uint64_t bound_us = ((uint64_t)conn->timeout * 10 + ZBLE_DISCONNECT_MARGIN_MS) * 1000;
	uint64_t t0 = zble_sim_now_us(&g->sim);
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(30)), 0);
	uint64_t took = zble_sim_now_us(&g->sim) - t0;
	assert_true(took >= bound_us && took < bound_us + 100000);
	assert_int_equal(g->c_reason, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	assert_int_equal(c->ctrl.faults.stats.events_dropped, 1);
	assert_int_equal(c->host.stats.disconnect_timeouts, 1);
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), -ENOTCONN);
	bt_conn_unref(conn);
	k_msleep(100);
	assert_int_equal(g->p_disc[0], 1);
	assert_released(c);
	assert_released(g->p[0]);

	readvertise(0);
	connect_to(0);
	assert_int_equal(bt_conn_disconnect(g->c_conn[0], BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(g->c_reason, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	k_msleep(100);
	assert_released(c);
}

/* ---- Hardware Error ---- */

/* Two links, then the central's controller reports a Hardware Error: the
 * application is told, both links are reported lost, the controller is
 * reset and brought up again, the peers see their links time out, and a
 * new connection works. */
static void test_hw_error_recovery(void **state)
{
	(void)state;
	struct zble_sim_device *c = g->c;
	zble_sim_device_select(c);
	uint32_t cmds0 = c->ctrl.stats.cmds;
	zble_sim_fault_hw_error(c, 0x33);
	assert_int_equal(k_sem_take(&g->recovered, K_SECONDS(5)), 0);
	assert_int_equal(g->hw_errors, 1);
	assert_int_equal(g->recoveries, 1);
	assert_int_equal(g->recovered_err, 0);
	assert_int_equal(g->c_disc, 2);
	assert_int_equal(g->c_reason, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	assert_null(g->c_conn[0]);
	assert_null(g->c_conn[1]);
	assert_true(bt_is_ready());
	assert_true(c->ctrl.stats.cmds > cmds0 + 5); /* the bring-up ran again */
	assert_int_equal(c->host.stats.hw_errors, 1);
	k_msleep(100);
	assert_released(c);
	/* The controller's reset ended its links: the peers time out. */
	k_msleep(2500);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(g->p_disc[i], 1);
		assert_int_equal(g->p_reason[i], BT_HCI_ERR_CONN_TIMEOUT);
		assert_released(g->p[i]);
	}
	/* Working again. */
	readvertise(1);
	connect_to(1);
	assert_int_equal(bt_conn_disconnect(g->c_conn[1], BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	k_msleep(100);
	assert_released(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_duplicated_events, teardown),
		cmocka_unit_test_setup_teardown(test_stray_completion, setup_one, teardown),
		cmocka_unit_test_setup_teardown(test_late_completion, setup_one, teardown),
		cmocka_unit_test_setup_teardown(test_lost_disconnection_complete, setup_one, teardown),
		cmocka_unit_test_setup_teardown(test_hw_error_recovery, setup_two, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
