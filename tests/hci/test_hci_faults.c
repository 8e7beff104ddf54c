/* A misbehaving controller, scripted: stray and late command completions
 * (Vol 4 Part E 4.4), duplicated and unexpected LE Connection Complete
 * events, Disconnection Complete events for unknown handles or never sent,
 * and HCI Hardware Error. Each test fails on a host that lets the fault
 * wedge it, duplicate a link, kill an unrelated link or keep a dead one.
 * Both backends; real-time waits on threads are short (the command timeout
 * is shortened there) and every wait ends on an event. */
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

#include "fake_ctrl.h"
#include "ktest.h"
#include "zble/host.h"

#define OP_A BT_HCI_OP_LE_SET_SCAN_PARAM
#define OP_B BT_HCI_OP_LE_SET_ADV_DATA
#define OP_C BT_HCI_OP_LE_SET_SCAN_RSP_DATA
#define OP_NEVER_SENT BT_HCI_OP_LE_READ_MAX_DATA_LEN

struct env {
	struct ktest_env k;
	struct fake_ctrl ctrl;
	struct zble_host host;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected, recovered;
	struct bt_conn *last_conn;
	uint8_t last_err, last_reason;
	int connected_count, disconnected_count;
	/* completions of the commands the test queued, in order */
	int done;
	uint16_t done_op[16];
	uint8_t done_status[16];
	/* error callback */
	int hw_errors, recoveries, recovered_err, disc_before_hw_cb;
	uint8_t hw_code;
};

static struct env *g;

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	g->last_conn = conn;
	g->last_err = err;
	g->connected_count++;
	k_sem_give(&g->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	g->last_reason = reason;
	g->disconnected_count++;
	k_sem_give(&g->disconnected);
}

static void on_error(struct zble_host *host, const struct zble_host_error *e, void *ctx)
{
	assert_ptr_equal(host, &g->host);
	assert_ptr_equal(ctx, g);
	if (e->kind == ZBLE_HOST_ERROR_HW) {
		g->hw_errors++;
		g->hw_code = e->hw_code;
		g->disc_before_hw_cb = g->disconnected_count;
	} else {
		g->recoveries++;
		g->recovered_err = e->err;
		k_sem_give(&g->recovered);
	}
}

static int setup(void **state)
{
	g = calloc(1, sizeof(*g));
	ktest_setup(&g->k);
	fake_ctrl_init(&g->ctrl);
	assert_int_equal(zble_host_init(&g->host, &g->k.k, &g->ctrl.drv), 0);
	k_sem_init(&g->connected, 0, 10);
	k_sem_init(&g->disconnected, 0, 10);
	k_sem_init(&g->recovered, 0, 10);
	g->cb.connected = on_connected;
	g->cb.disconnected = on_disconnected;
	bt_conn_cb_register(&g->cb);
	zble_host_set_error_cb(&g->host, on_error, g);
	/* Real time on threads: a short command timeout keeps tests short. */
	if (!ktest_is_coop()) {
		zble_host_set_cmd_timeout(&g->host, 300);
		g->ctrl.conn_timeout = 10; /* 100 ms supervision timeout */
	}
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (g->ctrl.delay.timer_ready) {
		k_timer_stop(&g->ctrl.delay.timer);
	}
	zble_host_deinit(&g->host);
	ktest_teardown(&g->k);
	free(g);
	return 0;
}

static const uint8_t peer_a[6] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6 };
static const uint8_t peer_b[6] = { 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6 };

static uint32_t cmd_timeout_ms(void)
{
	return g->host.cmd_timeout_ms;
}

/* Lets the host take everything delivered so far: returns when no packet
 * waits and neither its receive nor its transmit work is queued or running
 * (a packet in flight always keeps one of them busy). */
static void settle(void)
{
	for (int i = 0; i < 5000; i++) {
		ktest_run_ms(&g->k, 1);
		k_mutex_lock(&g->host.lock, K_FOREVER);
		bool idle = k_fifo_is_empty(&g->host.rx_queue) && !k_work_busy_get(&g->host.rx_work) &&
			    !k_work_busy_get(&g->host.tx_work);
		k_mutex_unlock(&g->host.lock);
		if (idle) {
			return;
		}
	}
	fail_msg("the host never settled");
}

static void cmd_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)host;
	(void)rp;
	(void)len;
	if (g->done < 16) {
		g->done_op[g->done] = (uint16_t)(uintptr_t)arg;
		g->done_status[g->done] = status;
	}
	g->done++;
}

/* Queues a command whose completion is recorded (fire and forget). */
static void queue_cmd(uint16_t op)
{
	uint8_t param = 0;
	k_mutex_lock(&g->host.lock, K_FOREVER);
	assert_int_equal(zble_hci_cmd_send(&g->host, op, &param, 1, cmd_done, (void *)(uintptr_t)op, NULL), 0);
	k_mutex_unlock(&g->host.lock);
}

/* Read under the host lock: the completions run on the host's thread. */
static int done_count(void)
{
	k_mutex_lock(&g->host.lock, K_FOREVER);
	int n = g->done;
	k_mutex_unlock(&g->host.lock);
	return n;
}

static int sent(uint16_t op)
{
	k_mutex_lock(&g->host.lock, K_FOREVER);
	int n = fake_ctrl_count(&g->ctrl, op);
	k_mutex_unlock(&g->host.lock);
	return n;
}

static void set_rule(uint16_t op, enum fake_action action, uint8_t status)
{
	k_mutex_lock(&g->host.lock, K_FOREVER);
	g->ctrl.n_rules = 0;
	fake_ctrl_rule(&g->ctrl, op, action, status);
	k_mutex_unlock(&g->host.lock);
}

static void clear_rules(void)
{
	k_mutex_lock(&g->host.lock, K_FOREVER);
	g->ctrl.n_rules = 0;
	k_mutex_unlock(&g->host.lock);
}

static int live_objects(void)
{
	int n = 0;
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		n += atomic_get(&g->host.conns[i].ref) != 0;
	}
	return n;
}

static void assert_cmd_pool_full(void)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&g->host.cmd_pool, &st);
	assert_int_equal(st.free, CONFIG_BT_BUF_CMD_TX_COUNT);
}

/* ---- fault 1: the command flow of Vol 4 Part E 4.4 ---- */

/* A credit from a NOP, a stray Command Complete and a stray Command Status
 * while a command is in flight: none of them finishes it, none lets a
 * second command out; its own answer finishes it, and then the queue moves. */
static void test_stray_completions_keep_one_in_flight(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	set_rule(OP_A, FAKE_SILENT, 0);
	queue_cmd(OP_A);
	queue_cmd(OP_B);
	queue_cmd(OP_C);
	settle();
	assert_int_equal(sent(OP_A), 1);
	assert_int_equal(sent(OP_B), 0);

	fake_ctrl_cmd_complete(&g->ctrl, 1, 0x0000, 0); /* NOP */
	settle();
	fake_ctrl_cmd_complete(&g->ctrl, 1, OP_NEVER_SENT, 0);
	settle();
	fake_ctrl_cmd_status(&g->ctrl, 1, OP_NEVER_SENT, 0);
	settle();
	assert_int_equal(sent(OP_B), 0); /* still one in flight */
	assert_int_equal(done_count(), 0);
	assert_int_equal(g->host.stats.unexpected_cmd_rsp, 2);

	/* Its answer finishes it: status as given, exactly once. */
	clear_rules();
	fake_ctrl_cmd_complete(&g->ctrl, 1, OP_A, BT_HCI_ERR_INVALID_PARAM);
	settle();
	assert_int_equal(done_count(), 3);
	assert_int_equal(g->done_op[0], OP_A);
	assert_int_equal(g->done_status[0], BT_HCI_ERR_INVALID_PARAM);
	assert_int_equal(g->done_op[1], OP_B);
	assert_int_equal(g->done_status[1], 0);
	assert_int_equal(g->done_op[2], OP_C);
	assert_int_equal(g->host.stats.cmd_timeouts, 0);
	assert_cmd_pool_full();
}

/* A synchronous call whose first command is answered late, with a NOP
 * credit (or a stray Command Status) arriving meanwhile, returns. */
static void test_sync_call_returns_despite_stray(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	for (int status = 0; status < 2; status++) {
		fake_ctrl_delay_answer(&g->ctrl, BT_HCI_OP_LE_SET_ADV_PARAM, 50, true, status, status ? OP_NEVER_SENT : 0);
		int params0 = sent(BT_HCI_OP_LE_SET_ADV_PARAM);
		assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
		assert_int_equal(sent(BT_HCI_OP_LE_SET_ADV_PARAM), params0 + 1);
		assert_true(g->host.adv.enabled);
		assert_int_equal(bt_le_adv_stop(), 0);
	}
	assert_int_equal(g->host.stats.cmd_timeouts, 0);
	assert_cmd_pool_full();
}

/* A completion after the command timed out is recognised and dropped; the
 * next command with the same opcode waits for it, so the late answer is
 * never taken for the new command. */
static void test_late_completion_dropped(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	set_rule(OP_A, FAKE_SILENT, 0);
	queue_cmd(OP_A);
	queue_cmd(OP_A);
	queue_cmd(OP_B);
	settle();
	int64_t t0 = k_uptime_get();
	while (done_count() == 0) {
		assert_true(k_uptime_get() - t0 < 10 * (int64_t)cmd_timeout_ms());
		ktest_run_ms(&g->k, 10);
	}
	settle();
	assert_int_equal(done_count(), 1);
	assert_int_equal(g->done_op[0], OP_A);
	assert_int_equal(g->done_status[0], 0xff); /* timed out */
	assert_int_equal(g->host.stats.cmd_timeouts, 1);
	/* The second OP_A waits for the first one's late answer. */
	assert_int_equal(sent(OP_A), 1);

	fake_ctrl_cmd_complete(&g->ctrl, 1, OP_A, BT_HCI_ERR_CMD_DISALLOWED); /* the late answer */
	settle();
	assert_int_equal(g->host.stats.late_cmd_rsp, 1);
	assert_int_equal(sent(OP_A), 2);
	assert_int_equal(done_count(), 1); /* not taken for the second OP_A */

	clear_rules();
	fake_ctrl_cmd_complete(&g->ctrl, 1, OP_A, 0); /* the second one's answer */
	settle();
	assert_int_equal(done_count(), 3);
	assert_int_equal(g->done_op[1], OP_A);
	assert_int_equal(g->done_status[1], 0);
	assert_int_equal(g->done_op[2], OP_B);
	assert_int_equal(g->host.stats.unexpected_cmd_rsp, 0);
	assert_cmd_pool_full();
}

/* No late answer at all: the held command goes out after one more timeout
 * period, and a completion of that opcode after that is unexpected. */
static void test_late_completion_never_comes(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	set_rule(OP_A, FAKE_SILENT, 0);
	queue_cmd(OP_A);
	queue_cmd(OP_A);
	settle();
	k_mutex_lock(&g->host.lock, K_FOREVER);
	g->ctrl.n_rules = 0; /* the second one is answered */
	k_mutex_unlock(&g->host.lock);
	int64_t t0 = k_uptime_get();
	while (done_count() < 2) {
		assert_true(k_uptime_get() - t0 < 10 * (int64_t)cmd_timeout_ms());
		ktest_run_ms(&g->k, 10);
	}
	/* Both periods passed, the second command got its own answer. */
	assert_true(k_uptime_get() - t0 >= 2 * (int64_t)cmd_timeout_ms() - 20);
	assert_int_equal(g->done_status[0], 0xff);
	assert_int_equal(g->done_status[1], 0);
	assert_int_equal(g->host.stats.cmd_timeouts, 1);
	assert_cmd_pool_full();
}

/* bt_disable finishes every queued command exactly once. */
static void test_disable_finishes_every_command(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	set_rule(OP_A, FAKE_SILENT, 0);
	queue_cmd(OP_A);
	queue_cmd(OP_B);
	queue_cmd(OP_C);
	settle();
	fake_ctrl_cmd_complete(&g->ctrl, 1, 0x0000, 0);
	settle();
	assert_int_equal(bt_disable(), 0);
	settle();
	assert_int_equal(done_count(), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(g->done_status[i], 0xff);
	}
	assert_int_equal(g->done_op[0], OP_A);
	assert_int_equal(g->done_op[2], OP_C);
	assert_int_equal(sent(OP_B), 0);
	assert_cmd_pool_full();
}

/* The create timeout fires while the command pool is empty (a controller
 * that withholds its answer, the application's commands queued behind it):
 * the LE Create Connection Cancel cannot be queued then. It is tried again
 * once there is room, so the connect still ends in its callback and the
 * object is released (found by fuzz_hci_scan: it used to stay initiating). */
static void test_create_cancel_with_empty_command_pool(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	if (!ktest_is_coop()) {
		zble_host_set_cmd_timeout(&g->host, 2000); /* well past the create timeout */
	}
	set_rule(OP_A, FAKE_SILENT, 0);
	queue_cmd(OP_A);
	/* Fill the pool, leaving one buffer for the Create Connection. */
	struct net_buf_pool_stats st;
	for (;;) {
		net_buf_pool_stats_get(&g->host.cmd_pool, &st);
		if (st.free <= 1) {
			break;
		}
		queue_cmd(OP_B);
	}
	assert_int_equal(st.free, 1);
	bt_addr_le_t a = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(a.a.val, peer_a, 6);
	struct bt_conn_le_create_param cp = *BT_CONN_LE_CREATE_CONN;
	cp.timeout = 20; /* 200 ms: long before the withheld command times out */
	struct bt_conn *conn = NULL;
	/* Returns once the queue moves again (the withheld command times out). */
	assert_int_equal(bt_conn_le_create(&a, &cp, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	assert_non_null(conn);
	int64_t t0 = k_uptime_get();
	while (k_sem_take(&g->connected, K_NO_WAIT) != 0) {
		assert_true(k_uptime_get() - t0 < 10 * (int64_t)cmd_timeout_ms());
		ktest_run_ms(&g->k, 10);
	}
	assert_ptr_equal(g->last_conn, conn);
	assert_int_equal(g->last_err, BT_HCI_ERR_UNKNOWN_CONN_ID);
	assert_true(sent(BT_HCI_OP_LE_CREATE_CONN_CANCEL) >= 1);
	bt_conn_unref(conn);
	settle();
	assert_int_equal(live_objects(), 0);
	assert_cmd_pool_full();
}

/* ---- fault 2: duplicated and unexpected LE Connection Complete ---- */

static void test_duplicate_conn_complete(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	for (int enhanced = 0; enhanced < 2; enhanced++) {
		uint16_t handle = (uint16_t)(0x20 + enhanced);
		assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
		fake_ctrl_conn_complete(&g->ctrl, enhanced, 0, handle, BT_HCI_ROLE_PERIPHERAL, peer_a);
		fake_ctrl_conn_complete(&g->ctrl, enhanced, 0, handle, BT_HCI_ROLE_PERIPHERAL, peer_a);
		assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
		settle();
		assert_int_equal(g->connected_count, 1 + enhanced);
		assert_int_equal(live_objects(), 1); /* no ghost */
		fake_ctrl_disconn_complete(&g->ctrl, handle, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
		assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
		settle();
		assert_int_equal(live_objects(), 0);
	}
	assert_int_equal(g->disconnected_count, 2);
	assert_int_equal(g->host.stats.malformed, 2);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_DISCONNECT), 0);
}

/* A central-role complete while not initiating, for the handle of a live
 * link: the live link is left alone (no Disconnect for its handle). A
 * duplicate while a new connection is being created does not claim it. */
static void test_central_complete_not_initiating(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x0000, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	struct bt_conn *live = g->last_conn;

	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x0000, BT_HCI_ROLE_CENTRAL, peer_b);
	settle();
	assert_int_equal(sent(BT_HCI_OP_DISCONNECT), 0);
	assert_int_equal(g->disconnected_count, 0);
	assert_int_equal(g->connected_count, 1);

	/* Creating a link to peer_b: a central complete with the live handle
	 * is not it; the one with a new handle is. */
	bt_addr_le_t b = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(b.a.val, peer_b, 6);
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&b, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	fake_ctrl_conn_complete(&g->ctrl, true, 0, 0x0000, BT_HCI_ROLE_CENTRAL, peer_b);
	settle();
	assert_int_equal(g->connected_count, 1);
	fake_ctrl_conn_complete(&g->ctrl, true, 0, 0x0001, BT_HCI_ROLE_CENTRAL, peer_b);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_ptr_equal(g->last_conn, conn);
	assert_int_equal(g->last_err, 0);
	assert_int_equal(sent(BT_HCI_OP_DISCONNECT), 0);
	assert_int_equal(live_objects(), 2);

	/* A central complete for a handle no link has, nobody initiating:
	 * the cancelled-too-late case, ended with a Disconnect. */
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x0005, BT_HCI_ROLE_CENTRAL, peer_b);
	settle();
	assert_int_equal(sent(BT_HCI_OP_DISCONNECT), 1);
	assert_int_equal(g->disconnected_count, 0);
	assert_int_equal(g->host.stats.malformed, 2);

	/* Both live links still end normally. */
	assert_int_equal(bt_conn_disconnect(live, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	bt_conn_unref(conn);
	settle();
	assert_int_equal(live_objects(), 0);
}

/* ---- fault 3: a Disconnection Complete for an unknown handle ---- */

static void test_unknown_disconnect_is_not_remembered(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	/* Nothing being created: dropped at once. */
	fake_ctrl_disconn_complete(&g->ctrl, 0x0000, BT_HCI_ERR_CONN_TIMEOUT);
	settle();
	assert_int_equal(g->host.stats.unexpected_disconnects, 1);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x0000, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	settle();
	assert_int_equal(g->disconnected_count, 0);
	struct bt_conn *first = g->last_conn;
	assert_int_equal(first->state, BT_CONN_STATE_CONNECTED);

	/* While advertising, but long before the link that reuses the handle:
	 * forgotten after its short bound. */
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	fake_ctrl_disconn_complete(&g->ctrl, 0x0001, BT_HCI_ERR_CONN_TIMEOUT);
	settle();
	ktest_run_ms(&g->k, ZBLE_EARLY_DISCONNECT_MS + 100);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x0001, BT_HCI_ROLE_PERIPHERAL, peer_b);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	settle();
	assert_int_equal(g->disconnected_count, 0);
	assert_int_equal(live_objects(), 2);

	/* The case it exists for still works: overtaken by its disconnect. */
	fake_ctrl_disconn_complete(&g->ctrl, 0x0000, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	fake_ctrl_disconn_complete(&g->ctrl, 0x0002, BT_HCI_ERR_CONN_TIMEOUT);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x0002, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(g->last_reason, BT_HCI_ERR_CONN_TIMEOUT);
	settle();
	assert_int_equal(live_objects(), 1);
}

/* ---- fault 4: the Disconnection Complete never comes ---- */

static struct bt_conn *connect_central(const uint8_t peer[6], uint16_t handle)
{
	bt_addr_le_t a = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(a.a.val, peer, 6);
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&a, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, handle, BT_HCI_ROLE_CENTRAL, peer);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_ptr_equal(g->last_conn, conn);
	return conn;
}

static void lost_disconnection(bool retry_answered_unknown)
{
	assert_int_equal(bt_enable(NULL), 0);
	struct bt_conn *conn = connect_central(peer_a, 0x33);
	/* Disconnect accepted, its Disconnection Complete lost. */
	set_rule(BT_HCI_OP_DISCONNECT, FAKE_STATUS, 0);
	int64_t t0 = k_uptime_get();
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), -EALREADY);
	if (retry_answered_unknown) {
		/* The controller no longer knows the handle. */
		set_rule(BT_HCI_OP_DISCONNECT, FAKE_STATUS, BT_HCI_ERR_UNKNOWN_CONN_ID);
	}
	uint32_t bound = (uint32_t)conn->timeout * 10u + ZBLE_DISCONNECT_MARGIN_MS;
	assert_int_equal(k_sem_take(&g->disconnected, K_MSEC(4 * bound)), 0);
	int64_t took = k_uptime_get() - t0;
	assert_int_equal(g->last_reason, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	assert_int_equal(sent(BT_HCI_OP_DISCONNECT), 2); /* asked again once */
	assert_int_equal(g->host.stats.disconnect_timeouts, retry_answered_unknown ? 1 : 2);
	assert_true(took >= (int64_t)bound * (retry_answered_unknown ? 1 : 2));
	assert_int_equal(conn->state, BT_CONN_STATE_DISCONNECTED);
	bt_conn_unref(conn);
	settle();
	assert_int_equal(live_objects(), 0);

	/* The peer can be connected and disconnected again. */
	clear_rules();
	conn = connect_central(peer_a, 0x34);
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(g->disconnected_count, 2);
	bt_conn_unref(conn);
	settle();
	assert_int_equal(live_objects(), 0);
}

static void test_lost_disconnection_retry_unknown(void **state)
{
	(void)state;
	lost_disconnection(true);
}

static void test_lost_disconnection_released_locally(void **state)
{
	(void)state;
	lost_disconnection(false);
}

/* ---- fault 7: HCI Hardware Error ---- */

static int acl_failed; /* PDUs completed with -ENOTCONN */

static void acl_done(struct bt_conn *conn, int err, void *user_data)
{
	(void)conn;
	(void)user_data;
	acl_failed += err == -ENOTCONN;
}

/* More PDUs than the controller takes: some in it, some queued. */
static void queue_acl(struct bt_conn *conn, int n)
{
	for (int i = 0; i < n; i++) {
		k_mutex_lock(&g->host.lock, K_FOREVER);
		struct net_buf *pdu = zble_acl_alloc(&g->host, K_NO_WAIT);
		assert_non_null(pdu);
		net_buf_add_le16(pdu, 60);
		net_buf_add_le16(pdu, 0x0040);
		memset(net_buf_add(pdu, 60), i, 60);
		assert_int_equal(zble_acl_send(conn, pdu, acl_done, NULL), 0);
		k_mutex_unlock(&g->host.lock);
	}
}

static void test_hardware_error_recovery(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	struct bt_conn *central = connect_central(peer_a, 0x40);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x41, BT_HCI_ROLE_PERIPHERAL, peer_b);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL), 0);
	/* Pending work: data on a link, a command in flight, one queued. */
	acl_failed = 0;
	queue_acl(central, 4);
	set_rule(OP_A, FAKE_SILENT, 0);
	int b0 = sent(OP_B);
	queue_cmd(OP_A);
	queue_cmd(OP_B);
	settle();
	int resets = sent(BT_HCI_OP_RESET);

	clear_rules();
	uint8_t code = 0x42;
	fake_ctrl_event(&g->ctrl, BT_HCI_EVT_HARDWARE_ERROR, &code, 1);
	assert_int_equal(k_sem_take(&g->recovered, K_SECONDS(5)), 0);
	settle();
	/* Told first, then every link lost, every command failed once. */
	assert_int_equal(g->hw_errors, 1);
	assert_int_equal(g->hw_code, 0x42);
	assert_int_equal(g->disc_before_hw_cb, 0);
	assert_int_equal(g->disconnected_count, 2);
	assert_int_equal(g->last_reason, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	assert_int_equal(done_count(), 2);
	assert_int_equal(g->done_status[0], BT_HCI_ERR_HW_FAILURE);
	assert_int_equal(g->done_status[1], BT_HCI_ERR_HW_FAILURE);
	assert_int_equal(sent(OP_B), b0);
	assert_int_equal(acl_failed, 4);
	assert_int_equal(g->host.acl_credits, g->host.acl_pkts);
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&g->host.tx_pool, &st);
	assert_int_equal(st.free, CONFIG_BT_L2CAP_TX_BUF_COUNT);
	/* Reset and bring-up again: ready. */
	assert_int_equal(g->recoveries, 1);
	assert_int_equal(g->recovered_err, 0);
	assert_int_equal(sent(BT_HCI_OP_RESET), resets + 1);
	assert_true(bt_is_ready());
	assert_false(g->host.scan.enabled);
	assert_false(g->host.adv.enabled);
	assert_int_equal(g->host.stats.hw_errors, 1);
	assert_int_equal(central->state, BT_CONN_STATE_DISCONNECTED);
	bt_conn_unref(central);
	assert_int_equal(live_objects(), 0);
	assert_cmd_pool_full();

	/* New links work. */
	central = connect_central(peer_a, 0x40);
	assert_int_equal(g->last_err, 0);
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL), 0);
	assert_int_equal(bt_le_scan_stop(), 0);
	assert_int_equal(bt_conn_disconnect(central, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	bt_conn_unref(central);
	settle();
	assert_int_equal(live_objects(), 0);
}

/* A Hardware Error during the application's bring-up restarts it; the
 * ready callback gets the outcome of the new one. */
static int ready_err = 99;

static void ready_cb(int err)
{
	ready_err = err;
	k_sem_give(&g->recovered);
}

static void test_hardware_error_during_bring_up(void **state)
{
	(void)state;
	ready_err = 99;
	set_rule(BT_HCI_OP_READ_BD_ADDR, FAKE_SILENT, 0);
	assert_int_equal(bt_enable(ready_cb), 0);
	settle();
	assert_int_equal(sent(BT_HCI_OP_READ_BD_ADDR), 1);
	assert_false(bt_is_ready());
	clear_rules();
	uint8_t code = 1;
	fake_ctrl_event(&g->ctrl, BT_HCI_EVT_HARDWARE_ERROR, &code, 1);
	assert_int_equal(k_sem_take(&g->recovered, K_SECONDS(5)), 0); /* ready_cb */
	assert_int_equal(k_sem_take(&g->recovered, K_SECONDS(5)), 0); /* the error callback */
	assert_int_equal(ready_err, 0);
	assert_int_equal(g->hw_errors, 1);
	assert_int_equal(g->recoveries, 1);
	assert_true(bt_is_ready());
	assert_int_equal(sent(BT_HCI_OP_RESET), 2);
	assert_int_equal(sent(BT_HCI_OP_READ_BD_ADDR), 2);
	assert_int_equal(g->host.stats.cmd_timeouts, 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stray_completions_keep_one_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_call_returns_despite_stray, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_completion_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_completion_never_comes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_finishes_every_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_cancel_with_empty_command_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_conn_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_central_complete_not_initiating, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_disconnect_is_not_remembered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_disconnection_retry_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_disconnection_released_locally, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardware_error_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardware_error_during_bring_up, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
