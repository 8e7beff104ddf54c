/* HCI core and GAP against a scripted controller: bring-up (with the
 * optional commands a controller may refuse), command timeouts, malformed
 * and out-of-order events, both connection roles from both event forms,
 * connect timeout and refusal, and a fuzz of random events. Both backends. */
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
#include "fuzz_seed.h"
#include "ktest.h"
#include "zble/host.h"

struct env {
	struct ktest_env k;
	struct fake_ctrl ctrl;
	struct zble_host host;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected, ready;
	struct bt_conn *last_conn;
	uint8_t last_err, last_reason;
	int connected_count, disconnected_count;
	int ready_err;
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

static int setup(void **state)
{
	g = calloc(1, sizeof(*g));
	ktest_setup(&g->k);
	fake_ctrl_init(&g->ctrl);
	assert_int_equal(zble_host_init(&g->host, &g->k.k, &g->ctrl.drv), 0);
	k_sem_init(&g->connected, 0, 10);
	k_sem_init(&g->disconnected, 0, 10);
	k_sem_init(&g->ready, 0, 1);
	g->cb.connected = on_connected;
	g->cb.disconnected = on_disconnected;
	bt_conn_cb_register(&g->cb);
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	zble_host_deinit(&g->host);
	ktest_teardown(&g->k);
	free(g);
	return 0;
}

static const uint8_t peer_a[6] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6 };

static struct bt_conn *connect_central(uint16_t handle);

static void test_bring_up(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	assert_true(bt_is_ready());
	assert_int_equal(g->ctrl.log[0], BT_HCI_OP_RESET);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_EVENT_MASK), 1);
	/* Not listed by the controller: never sent (P5). */
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_SET_EVENT_MASK_PAGE_2), 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_READ_BUFFER_SIZE_V2), 0);
	assert_int_equal(g->host.acl_mtu, 27);
	assert_int_equal(g->host.acl_pkts, 4);
	bt_addr_le_t id;
	size_t n = 1;
	bt_id_get(&id, &n);
	assert_int_equal(n, 1);
	assert_int_equal(id.type, BT_ADDR_LE_PUBLIC);
	assert_memory_equal(id.a.val, g->ctrl.bd_addr, 6);
	assert_int_equal(bt_enable(NULL), -EALREADY);
}

/* btvirt's LE controller lists Set Event Mask Page 2 and then rejects it. */
static void test_page2_rejected_is_tolerated(void **state)
{
	(void)state;
	g->ctrl.page2_listed = true;
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_SET_EVENT_MASK_PAGE_2, FAKE_STATUS, BT_HCI_ERR_UNKNOWN_CMD);
	assert_int_equal(bt_enable(NULL), 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_SET_EVENT_MASK_PAGE_2), 1);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_RESET), 1); /* no reset loop */
}

static void test_static_random_identity(void **state)
{
	(void)state;
	memset(g->ctrl.bd_addr, 0, 6);
	assert_int_equal(bt_enable(NULL), 0);
	bt_addr_le_t id;
	size_t n = 1;
	bt_id_get(&id, &n);
	assert_int_equal(id.type, BT_ADDR_LE_RANDOM);
	assert_true(BT_ADDR_IS_STATIC(&id.a));
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_RANDOM_ADDRESS), 1);
	assert_memory_equal(g->ctrl.last_params, id.a.val, 6);
}

static void test_mandatory_failure(void **state)
{
	(void)state;
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_LE_SET_EVENT_MASK, FAKE_STATUS, BT_HCI_ERR_INVALID_PARAM);
	assert_int_equal(bt_enable(NULL), -EINVAL);
	assert_false(bt_is_ready());
}

static void ready_cb(int err)
{
	g->ready_err = err;
	k_sem_give(&g->ready);
}

static void test_enable_with_callback(void **state)
{
	(void)state;
	g->ready_err = 99;
	assert_int_equal(bt_enable(ready_cb), 0);
	assert_int_equal(k_sem_take(&g->ready, K_SECONDS(5)), 0);
	assert_int_equal(g->ready_err, 0);
	assert_true(bt_is_ready());
}

/* A command that is never answered fails after the command timeout instead
 * of wedging the host (virtual time: instant on coop). */
static void test_command_timeout(void **state)
{
	(void)state;
	if (!ktest_is_coop()) {
		skip(); /* 10 s of real time */
	}
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_READ_BD_ADDR, FAKE_SILENT, 0);
	int64_t t0 = k_uptime_get();
	/* Optional step: bring-up continues after the timeout. */
	assert_int_equal(bt_enable(NULL), 0);
	assert_true(k_uptime_get() - t0 >= ZBLE_HCI_CMD_TIMEOUT_MS);
	assert_int_equal(g->host.stats.cmd_timeouts, 1);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
}

/* A Command Status that withholds the credit, and no NOP after it. */
static void test_credit_watchdog(void **state)
{
	(void)state;
	if (!ktest_is_coop()) {
		skip(); /* 10 s of real time */
	}
	assert_int_equal(bt_enable(NULL), 0);
	uint8_t cs[] = { 0, 0, 0x06, 0x20 }; /* status 0, ncmd 0 */
	fake_ctrl_event(&g->ctrl, BT_HCI_EVT_CMD_STATUS, cs, sizeof(cs));
	ktest_run_ms(*state, 1);
	assert_int_equal(g->host.ncmd, 0);
	int64_t t0 = k_uptime_get();
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	/* The watchdog was armed by the Command Status, 1 ms earlier. */
	assert_true(k_uptime_get() - t0 >= ZBLE_HCI_CMD_TIMEOUT_MS - 1);
	assert_int_equal(g->host.stats.cmd_timeouts, 1);
}

static void test_peripheral_legacy_and_enhanced(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	for (int enhanced = 0; enhanced < 2; enhanced++) {
		assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
		assert_true(g->host.adv.enabled);
		uint16_t handle = (uint16_t)(0x40 + enhanced);
		fake_ctrl_conn_complete(&g->ctrl, enhanced, 0, handle, BT_HCI_ROLE_PERIPHERAL, peer_a);
		assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
		assert_int_equal(g->last_err, 0);
		struct bt_conn_info info;
		assert_int_equal(bt_conn_get_info(g->last_conn, &info), 0);
		assert_int_equal(info.role, BT_CONN_ROLE_PERIPHERAL);
		assert_memory_equal(info.le.dst->a.val, peer_a, 6);
		assert_int_equal(info.le.interval, 0x28);
		assert_false(g->host.adv.enabled); /* the connection ended advertising */
		/* The remote disconnects. */
		fake_ctrl_disconn_complete(&g->ctrl, handle, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
		assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
		assert_int_equal(g->last_reason, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	}
	assert_int_equal(g->connected_count, 2);
}

static void test_central_connect_and_disconnect(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(peer.a.val, peer_a, 6);
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	assert_non_null(conn);
	/* A second create while one is pending is refused. */
	struct bt_conn *other = NULL;
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &other), -EALREADY);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x11, BT_HCI_ROLE_CENTRAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_ptr_equal(g->last_conn, conn);
	assert_int_equal(g->last_err, 0);
	struct bt_conn *found = bt_conn_lookup_addr_le(BT_ID_DEFAULT, &peer);
	assert_ptr_equal(found, conn);
	bt_conn_unref(found);
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(g->last_reason, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), -ENOTCONN);
	bt_conn_unref(conn);
	/* Every object is free again. */
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		assert_int_equal(atomic_get(&g->host.conns[i].ref), 0);
	}
}

static void test_connect_timeout_and_cancel(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	bt_addr_le_t peer = { .type = BT_ADDR_LE_RANDOM };
	memcpy(peer.a.val, peer_a, 6);
	struct bt_conn_le_create_param cp = BT_CONN_LE_CREATE_PARAM_INIT(0, 0x60, 0x30);
	cp.timeout = 20; /* 200 ms */
	struct bt_conn *conn = NULL;
	int64_t t0 = k_uptime_get();
	assert_int_equal(bt_conn_le_create(&peer, &cp, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_int_equal(g->last_err, BT_HCI_ERR_UNKNOWN_CONN_ID);
	assert_true(k_uptime_get() - t0 >= 200);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_CREATE_CONN_CANCEL), 1);
	bt_conn_unref(conn);

	/* Cancel by the application through bt_conn_disconnect. */
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	assert_int_equal(bt_conn_disconnect(conn, 0), 0);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_int_equal(g->last_err, BT_HCI_ERR_UNKNOWN_CONN_ID);
	bt_conn_unref(conn);
}

/* The controller refuses at once: an error and a callback, never a hang. */
static void test_connect_refused(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_LE_CREATE_CONN, FAKE_STATUS, BT_HCI_ERR_CMD_DISALLOWED);
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(peer.a.val, peer_a, 6);
	struct bt_conn *conn = (struct bt_conn *)1;
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), -EACCES);
	assert_null(conn);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_int_equal(g->last_err, BT_HCI_ERR_CMD_DISALLOWED);
}

static void test_disconnect_overtakes_connect(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	fake_ctrl_disconn_complete(&g->ctrl, 0x22, BT_HCI_ERR_CONN_TIMEOUT);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x22, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(g->last_reason, BT_HCI_ERR_CONN_TIMEOUT);
}

static void test_disable_and_enable_again(void **state)
{
	(void)state;
	assert_int_equal(bt_disable(), -EALREADY);
	assert_int_equal(bt_enable(NULL), 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x21, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_int_equal(bt_disable(), 0);
	assert_false(bt_is_ready());
	assert_false(g->ctrl.open);
	/* Links are dropped without callbacks; objects and buffers come back. */
	assert_int_equal(g->disconnected_count, 0);
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		assert_int_equal(atomic_get(&g->host.conns[i].ref), 0);
	}
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), -EAGAIN);
	int resets = fake_ctrl_count(&g->ctrl, BT_HCI_OP_RESET);
	assert_int_equal(bt_enable(NULL), 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_RESET), resets + 1);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&g->host.cmd_pool, &st);
	assert_int_equal(st.free, CONFIG_BT_BUF_CMD_TX_COUNT);
}

/* The controller no longer knows the link (its Disconnection Complete
 * was lost): the host ends it when Disconnect says so. */
static void test_lost_disconnection_complete(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	struct bt_conn *conn = connect_central(0x33);
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_DISCONNECT, FAKE_STATUS, BT_HCI_ERR_UNKNOWN_CONN_ID);
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), -ENOTCONN);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(g->last_reason, BT_HCI_ERR_UNKNOWN_CONN_ID);
	bt_conn_unref(conn);
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		assert_int_equal(atomic_get(&g->host.conns[i].ref), 0);
	}
}

/* Scan Enable never answered: the host assumes it took effect, so stop
 * sends the disable and scanning can start again (virtual time). */
static void test_unanswered_scan_enable(void **state)
{
	(void)state;
	if (!ktest_is_coop()) {
		skip(); /* 10 s of real time */
	}
	assert_int_equal(bt_enable(NULL), 0);
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_LE_SET_SCAN_ENABLE, FAKE_SILENT, 0);
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL), -ETIMEDOUT);
	g->ctrl.n_rules = 0;
	/* The controller refuses to disable what it is not doing: fine. */
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_LE_SET_SCAN_ENABLE, FAKE_STATUS, BT_HCI_ERR_CMD_DISALLOWED);
	assert_int_equal(bt_le_scan_stop(), 0);
	g->ctrl.n_rules = 0;
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL), 0);
	assert_int_equal(bt_le_scan_stop(), 0);
}

/* The create timeout's Cancel is refused (the Connection Complete was
 * lost): the connect still ends in the callback and frees the object. */
static void test_refused_create_cancel(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_LE_CREATE_CONN_CANCEL, FAKE_STATUS, BT_HCI_ERR_CMD_DISALLOWED);
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(peer.a.val, peer_a, 6);
	struct bt_conn_le_create_param cp = BT_CONN_LE_CREATE_PARAM_INIT(0, 0x60, 0x30);
	cp.timeout = 10;
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&peer, &cp, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_int_equal(g->last_err, BT_HCI_ERR_UNKNOWN_CONN_ID);
	bt_conn_unref(conn);
	/* A new connect is possible: nothing is left initiating. */
	g->ctrl.n_rules = 0;
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	bt_conn_unref(conn);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), -EAGAIN); /* not enabled */
	assert_int_equal(bt_enable(NULL), 0);
	assert_int_equal(bt_le_adv_start(NULL, NULL, 0, NULL, 0), -EINVAL);
	struct bt_le_adv_param bad = BT_LE_ADV_PARAM_INIT(BT_LE_ADV_OPT_CONNECTABLE, 0x100, 0x20, NULL);
	assert_int_equal(bt_le_adv_start(&bad, NULL, 0, NULL, 0), -EINVAL);
	uint8_t big[40] = { 0 };
	struct bt_data ad[] = { BT_DATA(BT_DATA_MANUFACTURER_DATA, big, sizeof(big)) };
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, ad, 1, NULL, 0), -EINVAL);
	assert_int_equal(bt_le_scan_start(NULL, NULL), -EINVAL);
	struct bt_le_scan_param sp = BT_LE_SCAN_PARAM_INIT(BT_GAP_SCAN_TYPE_ACTIVE, 0, 0x10, 0x20);
	assert_int_equal(bt_le_scan_start(&sp, NULL), -EINVAL); /* window > interval */
	bt_addr_le_t peer = { .type = 7 };
	struct bt_conn *conn;
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), -EINVAL);
	assert_int_equal(bt_conn_le_create(NULL, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), -EINVAL);
	assert_int_equal(bt_conn_disconnect(NULL, 0x13), -EINVAL);
	assert_int_equal(bt_le_adv_stop(), 0);
	assert_int_equal(bt_le_scan_stop(), -EALREADY);
}

static int reports;

static void scan_cb(const bt_addr_le_t *addr, int8_t rssi, uint8_t adv_type, struct net_buf_simple *buf)
{
	(void)addr;
	(void)adv_type;
	assert_int_equal(rssi, -40);
	assert_int_equal(buf->len, 3);
	reports++;
}

/* Malformed events are counted and dropped; the host keeps working. */
static void test_malformed_events(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_PASSIVE, scan_cb), 0);
	uint32_t malformed0 = g->host.stats.malformed;
	static const uint8_t bad[][8] = {
		{ 4, BT_HCI_EVT_CMD_COMPLETE, 1, 1 },          /* too short */
		{ 4, BT_HCI_EVT_CMD_STATUS, 5, 0, 1, 0 },      /* length beyond packet */
		{ 4, BT_HCI_EVT_LE_META_EVENT, 0 },            /* no subevent */
		{ 4, BT_HCI_EVT_LE_META_EVENT, 3, 0x01, 0, 1 },/* truncated conn complete */
		{ 4, BT_HCI_EVT_LE_META_EVENT, 4, 0x02, 1, 0, 0 }, /* truncated report */
		{ 4, BT_HCI_EVT_DISCONN_COMPLETE, 1, 0 },
		{ 4 },                                          /* no header */
		{ 9, 1, 2 },                                    /* unknown packet type */
	};
	static const size_t lens[] = { 4, 6, 3, 6, 7, 4, 1, 3 };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		fake_ctrl_raw(&g->ctrl, bad[i], lens[i]);
	}
	/* Command Complete for a command never sent: ignored. */
	uint8_t stray[] = { 1, 0x06, 0x20, 0 };
	fake_ctrl_event(&g->ctrl, BT_HCI_EVT_CMD_COMPLETE, stray, sizeof(stray));
	/* A valid report after the garbage still arrives. */
	uint8_t rep[] = { 0x02, 1, 0x00, 0, 1, 2, 3, 4, 5, 6, 3, 2, 1, 0xff, (uint8_t)-40 };
	fake_ctrl_event(&g->ctrl, BT_HCI_EVT_LE_META_EVENT, rep, sizeof(rep));
	assert_int_equal(bt_le_scan_stop(), 0);
	assert_int_equal(reports, 1);
	assert_true(g->host.stats.malformed >= malformed0 + 6);
	assert_int_equal(__atomic_load_n(&g->host.stats.rx_rejected, __ATOMIC_SEQ_CST), 1); /* the unknown packet type */
	assert_int_equal(g->host.stats.unexpected_cmd_rsp, 1);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_NCONN, NULL, 0, NULL, 0), 0);
}

/* Random events never crash the host (run under the sanitizers). */
static void test_fuzz_random_events(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	uint32_t seed = (uint32_t)zble_fuzz_seed("hci_core random events", 12345);
	uint8_t pkt[3 + 255];
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		size_t len = 1 + (seed >> 8) % 40;
		pkt[0] = ZBLE_H4_EVT;
		for (size_t j = 1; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			pkt[j] = (uint8_t)(seed >> 16);
		}
		/* Mostly well-framed, with LE meta and small codes favoured. */
		if (len >= 3 && (seed & 3)) {
			pkt[2] = (uint8_t)(len - 3);
			if (seed & 4) {
				pkt[1] = BT_HCI_EVT_LE_META_EVENT;
				pkt[3] = (uint8_t)((seed >> 20) % 0x14);
			}
		}
		fake_ctrl_raw(&g->ctrl, pkt, len);
		/* Paced so the controller's own answers find event buffers
		 * (a flood that drops them is the mailbox tests' subject). */
		while (i % 8 == 0 && !k_fifo_is_empty(&g->host.rx_queue)) {
			ktest_run_ms(*state, 1);
		}
	}
	ktest_run_ms(*state, 50);
	/* A real controller returns a withheld credit with a NOP; without it
	 * the credit watchdog would after the command timeout. */
	uint8_t nop[] = { 1, 0, 0 };
	fake_ctrl_event(&g->ctrl, BT_HCI_EVT_CMD_COMPLETE, nop, sizeof(nop));
	ktest_run_ms(*state, 50);
	/* Whatever the garbage did, the host still completes commands. */
	struct bt_le_adv_param p = BT_LE_ADV_PARAM_INIT(0, 0x100, 0x200, NULL);
	int err = bt_le_adv_start(&p, NULL, 0, NULL, 0);
	if (err != 0 && err != -EALREADY) {
		print_message("adv_start after fuzz: %d\n", err);
	}
	assert_true(err == 0 || err == -EALREADY);
}

/* Both roles at once, up to CONFIG_BT_MAX_CONN links; teardown by handle. */
static void count_links(struct bt_conn *conn, void *data)
{
	(void)conn;
	(*(int *)data)++;
}

static void test_several_links(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	uint8_t peer[6] = { 1, 2, 3, 4, 5, 0 };
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		peer[5] = (uint8_t)i;
		if (i % 2) {
			bt_addr_le_t a = { .type = BT_ADDR_LE_PUBLIC };
			memcpy(a.a.val, peer, 6);
			struct bt_conn *c;
			assert_int_equal(bt_conn_le_create(&a, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &c), 0);
			bt_conn_unref(c);
			fake_ctrl_conn_complete(&g->ctrl, false, 0, (uint16_t)(0x100 + i), BT_HCI_ROLE_CENTRAL, peer);
		} else {
			assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
			fake_ctrl_conn_complete(&g->ctrl, false, 0, (uint16_t)(0x100 + i), BT_HCI_ROLE_PERIPHERAL, peer);
		}
		assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
		assert_int_equal(g->last_err, 0);
	}
	int n = 0;
	bt_conn_foreach(BT_CONN_TYPE_LE, count_links, &n);
	assert_int_equal(n, CONFIG_BT_MAX_CONN);
	/* No object left for one more: the controller's link is refused. */
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	peer[5] = 0x77;
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x1ff, BT_HCI_ROLE_PERIPHERAL, peer);
	ktest_run_ms(*state, 10);
	assert_int_equal(g->connected_count, CONFIG_BT_MAX_CONN);
	int disc = fake_ctrl_find(&g->ctrl, BT_HCI_OP_DISCONNECT, 0);
	assert_true(disc >= 0);
	/* Tear down in reverse order, each by its own handle. */
	for (int i = CONFIG_BT_MAX_CONN - 1; i >= 0; i--) {
		fake_ctrl_disconn_complete(&g->ctrl, (uint16_t)(0x100 + i), BT_HCI_ERR_REMOTE_USER_TERM_CONN);
		assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
		n = 0;
		bt_conn_foreach(BT_CONN_TYPE_LE, count_links, &n);
		assert_int_equal(n, i);
	}
}

/* ---- ACL data ---- */

static struct {
	int done_ok, done_err;
	struct net_buf *last; /* a copy of the last received PDU */
	uint8_t data[300];
	size_t len;
	int pdus;
} acl;

static void acl_done(struct bt_conn *conn, int err, void *user_data)
{
	(void)conn;
	(void)user_data;
	if (err) {
		acl.done_err++;
	} else {
		acl.done_ok++;
	}
}

static void acl_recv(struct bt_conn *conn, struct net_buf *pdu)
{
	(void)conn;
	acl.pdus++;
	acl.len = pdu->len;
	memcpy(acl.data, pdu->data, MIN(pdu->len, sizeof(acl.data)));
}

static struct bt_conn *connect_central(uint16_t handle)
{
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(peer.a.val, peer_a, 6);
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, handle, BT_HCI_ROLE_CENTRAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	return conn;
}

static struct net_buf *make_pdu(uint16_t cid, uint16_t payload, uint8_t seed)
{
	struct net_buf *pdu = zble_acl_alloc(&g->host, K_NO_WAIT);
	assert_non_null(pdu);
	net_buf_add_le16(pdu, payload);
	net_buf_add_le16(pdu, cid);
	for (uint16_t i = 0; i < payload; i++) {
		net_buf_add_u8(pdu, (uint8_t)(seed + i));
	}
	return pdu;
}

static void test_acl_tx_fragments_and_credits(void **state)
{
	memset(&acl, 0, sizeof(acl));
	assert_int_equal(bt_enable(NULL), 0);
	struct bt_conn *conn = connect_central(0x0a);
	/* Three PDUs of 4 + 96 bytes: 4 fragments of at most 27 each. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(zble_acl_send(conn, make_pdu(0x0040, 96, (uint8_t)(i * 50)), acl_done, NULL), 0);
	}
	ktest_run_ms(*state, 10);
	/* The only link may fill every controller buffer (4 here). */
	assert_int_equal(g->host.acl_pkts, 4);
	assert_int_equal(g->ctrl.n_acl, 4);
	assert_int_equal(g->ctrl.acl_hdr[0], 0x000a);            /* first, non-flushable */
	assert_int_equal(g->ctrl.acl_hdr[1], 0x000a | (1 << 12)); /* continuation */
	assert_int_equal(g->ctrl.acl_len[0], 27);
	/* Each completion lets the next fragments go. */
	while (g->ctrl.n_acl < 12) {
		int before = g->ctrl.n_acl;
		fake_ctrl_nocp(&g->ctrl, 0x0a, 4);
		ktest_run_ms(*state, 10);
		assert_true(g->ctrl.n_acl > before);
	}
	fake_ctrl_nocp(&g->ctrl, 0x0a, 4);
	ktest_run_ms(*state, 10);
	assert_int_equal(g->ctrl.n_acl, 12);
	assert_int_equal(acl.done_ok, 3);
	assert_int_equal(g->host.stats.acl_tx_pdus, 3);
	/* The bytes on the wire are the three PDUs, in order. */
	assert_int_equal(g->ctrl.acl_bytes, 300);
	assert_int_equal(g->ctrl.acl_data[4], 0);
	assert_int_equal(g->ctrl.acl_data[104], 50);
	assert_int_equal(g->ctrl.acl_data[299], (uint8_t)(100 + 95));
	assert_int_equal(g->host.acl_credits, 4);

	/* Bad PDUs are refused and freed. */
	struct net_buf *bad = zble_acl_alloc(&g->host, K_NO_WAIT);
	net_buf_add_le16(bad, 10); /* claims 10 bytes, carries none */
	net_buf_add_le16(bad, 0x40);
	assert_int_equal(zble_acl_send(conn, bad, NULL, NULL), -EINVAL);

	/* A disconnection fails what is queued and returns the credits. */
	assert_int_equal(zble_acl_send(conn, make_pdu(0x0040, 96, 1), acl_done, NULL), 0);
	assert_int_equal(zble_acl_send(conn, make_pdu(0x0040, 96, 2), acl_done, NULL), 0);
	ktest_run_ms(*state, 10);
	assert_int_equal(g->host.acl_credits, 0);
	fake_ctrl_disconn_complete(&g->ctrl, 0x0a, BT_HCI_ERR_CONN_TIMEOUT);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	/* The data fails right after the callback, in the same host run:
	 * the lock waits for its end (threads). */
	k_mutex_lock(&g->host.lock, K_FOREVER);
	k_mutex_unlock(&g->host.lock);
	assert_int_equal(acl.done_err, 2);
	assert_int_equal(g->host.acl_credits, 4);
	assert_int_equal(zble_acl_send(conn, make_pdu(0x0040, 4, 0), NULL, NULL), -ENOTCONN);
	bt_conn_unref(conn);
	/* Every TX buffer is back. */
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&g->host.tx_pool, &st);
	assert_int_equal(st.free, CONFIG_BT_L2CAP_TX_BUF_COUNT);
}

static void test_acl_rx_reassembly(void **state)
{
	memset(&acl, 0, sizeof(acl));
	assert_int_equal(bt_enable(NULL), 0);
	zble_host_set_l2cap_recv(&g->host, acl_recv);
	struct bt_conn *conn = connect_central(0x0b);
	uint8_t pdu[4 + 60];
	pdu[0] = 60;
	pdu[1] = 0;
	pdu[2] = 0x40; /* a dynamic CID no channel owns: the raw hook */
	pdu[3] = 0;
	for (int i = 0; i < 60; i++) {
		pdu[4 + i] = (uint8_t)i;
	}
	/* 64 bytes in three fragments. */
	fake_ctrl_acl(&g->ctrl, 0x0b, 2, pdu, 27);
	fake_ctrl_acl(&g->ctrl, 0x0b, 1, pdu + 27, 27);
	fake_ctrl_acl(&g->ctrl, 0x0b, 1, pdu + 54, 10);
	ktest_run_ms(*state, 10);
	assert_int_equal(acl.pdus, 1);
	assert_int_equal(acl.len, 64);
	assert_memory_equal(acl.data, pdu, 64);

	uint32_t malformed = g->host.stats.malformed;
	/* A continuation of nothing. */
	fake_ctrl_acl(&g->ctrl, 0x0b, 1, pdu, 10);
	/* A new start while one is incomplete: the old one is dropped. */
	fake_ctrl_acl(&g->ctrl, 0x0b, 2, pdu, 27);
	fake_ctrl_acl(&g->ctrl, 0x0b, 2, pdu, 27);
	fake_ctrl_acl(&g->ctrl, 0x0b, 1, pdu + 27, 37);
	/* More than the header announces. */
	uint8_t over[8] = { 2, 0, 0x40, 0, 1, 2, 3, 4 };
	fake_ctrl_acl(&g->ctrl, 0x0b, 2, over, 8);
	/* Larger than our MTU: dropped, and its continuation silently. */
	uint8_t huge[27] = { 0xe8, 0x03, 0x40, 0 };
	fake_ctrl_acl(&g->ctrl, 0x0b, 2, huge, 27);
	fake_ctrl_acl(&g->ctrl, 0x0b, 1, huge, 27);
	/* A handle nobody has, a truncated header. */
	fake_ctrl_acl(&g->ctrl, 0x0c, 2, pdu, 10);
	uint8_t trunc[3] = { ZBLE_H4_ACL, 0x0b, 0x20 };
	fake_ctrl_raw(&g->ctrl, trunc, sizeof(trunc));
	ktest_run_ms(*state, 10);
	assert_int_equal(acl.pdus, 2);
	assert_int_equal(acl.len, 64);
	assert_true(g->host.stats.malformed >= malformed + 4);
	/* Still working afterwards. */
	fake_ctrl_acl(&g->ctrl, 0x0b, 2, pdu, 64);
	ktest_run_ms(*state, 10);
	assert_int_equal(acl.pdus, 3);
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&g->host.pdu_pool, &st);
	assert_int_equal(st.free, CONFIG_BT_MAX_CONN);
	bt_conn_unref(conn);
}

/* ---- L2CAP fixed channels ---- */

/* Sends one L2CAP PDU to the host and returns what it answered (the
 * concatenated ACL payloads it sent meanwhile). */
static size_t l2cap_exchange(void **state, uint16_t handle, uint16_t cid, const uint8_t *payload, uint16_t len,
			     uint8_t *out)
{
	uint8_t pdu[4 + 64];
	sys_put_le16(len, pdu);
	sys_put_le16(cid, pdu + 2);
	memcpy(pdu + 4, payload, len);
	g->ctrl.acl_bytes = 0;
	g->ctrl.n_acl = 0;
	fake_ctrl_acl(&g->ctrl, handle, 2, pdu, (uint16_t)(4 + len));
	ktest_run_ms(*state, 10);
	fake_ctrl_nocp(&g->ctrl, handle, (uint16_t)g->ctrl.n_acl);
	ktest_run_ms(*state, 10);
	memcpy(out, g->ctrl.acl_data, g->ctrl.acl_bytes);
	return g->ctrl.acl_bytes;
}

static void test_l2cap_signalling(void **state)
{
	assert_int_equal(bt_enable(NULL), 0);
	struct bt_conn *conn = connect_central(0x0d);
	uint8_t rsp[64];
	/* A peripheral's parameter request: accepted, applied. */
	uint8_t req[] = { 0x12, 5, 8, 0, 24, 0, 40, 0, 0, 0, 0x90, 0x01 };
	assert_int_equal(l2cap_exchange(state, 0x0d, 5, req, sizeof(req), rsp), 10);
	static const uint8_t accepted[] = { 6, 0, 5, 0, 0x13, 5, 2, 0, 0, 0 };
	assert_memory_equal(rsp, accepted, sizeof(accepted));
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_CONN_UPDATE), 1);
	/* Invalid parameters: refused, nothing applied. */
	uint8_t bad[] = { 0x12, 6, 8, 0, 2, 0, 40, 0, 0, 0, 0x90, 0x01 };
	assert_int_equal(l2cap_exchange(state, 0x0d, 5, bad, sizeof(bad), rsp), 10);
	assert_int_equal(rsp[5], 6);
	assert_int_equal(rsp[8], 1); /* result: rejected */
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_CONN_UPDATE), 1);
	/* Unknown command: Command Reject, not understood, same identifier. */
	uint8_t unknown[] = { 0x7f, 7, 0, 0 };
	assert_int_equal(l2cap_exchange(state, 0x0d, 5, unknown, sizeof(unknown), rsp), 10);
	static const uint8_t rejected[] = { 6, 0, 5, 0, 0x01, 7, 2, 0, 0, 0 };
	assert_memory_equal(rsp, rejected, sizeof(rejected));
	/* Beyond the signalling MTU: rejected with the MTU. */
	uint8_t big[30] = { 0x12, 8, 26, 0 };
	assert_int_equal(l2cap_exchange(state, 0x0d, 5, big, sizeof(big), rsp), 12);
	assert_int_equal(rsp[4], 0x01);
	assert_int_equal(sys_get_le16(rsp + 8), 0x0001);
	assert_int_equal(sys_get_le16(rsp + 10), 23);
	/* Identifier 0 and a wrong length field: no answer to the first. */
	uint8_t zero[] = { 0x12, 0, 8, 0, 24, 0, 40, 0, 0, 0, 0x90, 0x01 };
	assert_int_equal(l2cap_exchange(state, 0x0d, 5, zero, sizeof(zero), rsp), 0);
	uint8_t wrong_len[] = { 0x12, 9, 9, 0, 24, 0 };
	assert_int_equal(l2cap_exchange(state, 0x0d, 5, wrong_len, sizeof(wrong_len), rsp), 10);
	assert_int_equal(rsp[4], 0x01);
	assert_true(g->host.stats.l2cap_rejects >= 3);
	bt_conn_unref(conn);
}

static void test_l2cap_peripheral_param_update(void **state)
{
	assert_int_equal(bt_enable(NULL), 0); /* the fake lacks the LL procedure */
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x0e, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	g->ctrl.acl_bytes = 0;
	assert_int_equal(bt_conn_le_param_update(g->last_conn, BT_LE_CONN_PARAM(80, 80, 0, 400)), 0);
	ktest_run_ms(*state, 10);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_CONN_UPDATE), 0);
	assert_int_equal(g->ctrl.acl_bytes, 16);
	assert_int_equal(sys_get_le16(g->ctrl.acl_data + 2), 5);
	assert_int_equal(g->ctrl.acl_data[4], 0x12);
	assert_int_equal(sys_get_le16(g->ctrl.acl_data + 8), 80);
	/* A peripheral is not asked for parameters: Command Reject. */
	uint8_t rsp[64];
	uint8_t req[] = { 0x12, 5, 8, 0, 24, 0, 40, 0, 0, 0, 0x90, 0x01 };
	fake_ctrl_nocp(&g->ctrl, 0x0e, 1);
	assert_int_equal(l2cap_exchange(state, 0x0e, 5, req, sizeof(req), rsp), 10);
	assert_int_equal(rsp[4], 0x01);
}

static void test_smp_and_att_refusals(void **state)
{
	assert_int_equal(bt_enable(NULL), 0);
	struct bt_conn *conn = connect_central(0x0f);
	uint8_t rsp[64];
	uint8_t pairing_req[] = { 0x01, 0x03, 0x00, 0x01, 0x10, 0x07, 0x07 };
	assert_int_equal(l2cap_exchange(state, 0x0f, 6, pairing_req, sizeof(pairing_req), rsp), 6);
	static const uint8_t not_supported[] = { 2, 0, 6, 0, 0x05, 0x05 };
	assert_memory_equal(rsp, not_supported, sizeof(not_supported));
	uint8_t failed[] = { 0x05, 0x08 };
	assert_int_equal(l2cap_exchange(state, 0x0f, 6, failed, sizeof(failed), rsp), 0);
	/* ATT reaches the GATT server: a handle it lacks is refused. */
	uint8_t read_req[] = { 0x0a, 0xf0, 0x00 };
	assert_int_equal(l2cap_exchange(state, 0x0f, 4, read_req, sizeof(read_req), rsp), 9);
	static const uint8_t att_err[] = { 5, 0, 4, 0, 0x01, 0x0a, 0xf0, 0x00, 0x01 };
	assert_memory_equal(rsp, att_err, sizeof(att_err));
	uint8_t write_cmd[] = { 0x52, 0x03, 0x00, 0xaa };
	assert_int_equal(l2cap_exchange(state, 0x0f, 4, write_cmd, sizeof(write_cmd), rsp), 0);
	bt_conn_unref(conn);
}

/* ---- extended advertising controllers ---- */

static struct {
	int connected, sent;
	uint8_t num_sent;
	struct bt_conn *conn;
	struct k_sem done;
} ext;

static void ext_connected(struct bt_le_ext_adv *adv, struct bt_le_ext_adv_connected_info *info)
{
	(void)adv;
	ext.connected++;
	ext.conn = info->conn;
	k_sem_give(&ext.done);
}

static void ext_sent(struct bt_le_ext_adv *adv, struct bt_le_ext_adv_sent_info *info)
{
	(void)adv;
	ext.sent++;
	ext.num_sent = info->num_sent;
	k_sem_give(&ext.done);
}

static const struct bt_le_ext_adv_cb ext_cb = { .sent = ext_sent, .connected = ext_connected };

static void enable_ext(void)
{
	g->ctrl.le_features1 = BIT(BT_LE_FEAT_BIT_EXT_ADV - 8);
	assert_int_equal(bt_enable(NULL), 0);
	assert_true(g->host.ext);
	memset(&ext, 0, sizeof(ext));
	k_sem_init(&ext.done, 0, 4);
}

static void test_ext_peripheral(void **state)
{
	(void)state;
	enable_ext();
	/* bt_le_adv_start runs an advertising set with legacy PDUs. */
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_ADV_PARAM), 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_EXT_ADV_PARAM), 1);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_EXT_ADV_ENABLE), 1);
	assert_true(g->host.adv.enabled);
	/* Enhanced connection complete, then the set's termination. */
	fake_ctrl_conn_complete(&g->ctrl, true, 0, 0x31, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_false(g->host.adv.enabled); /* the connection stopped the set */
	fake_ctrl_set_terminated(&g->ctrl, 0, g->host.adv.set->handle, 0x31, 0);
	ktest_run_ms(*state, 10);
	assert_false(g->host.adv.enabled);
	/* Restart from a callback-free context reuses the set. */
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_EXT_ADV_PARAM), 2);
	assert_int_equal(bt_le_adv_stop(), 0);
	assert_false(g->host.adv.enabled);
}

/* Restarting advertising from the connected callback, as an application
 * serving several centrals does. */
static struct {
	bool legacy_api;             /* bt_le_adv_start, else bt_le_ext_adv_start(set) */
	struct bt_le_ext_adv *set;
	int calls, err;
	struct bt_conn_cb cb;
} readv;

static void readv_connected(struct bt_conn *conn, uint8_t err)
{
	(void)conn;
	if (err) {
		return;
	}
	readv.calls++;
	readv.err = readv.legacy_api ? bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0)
				     : bt_le_ext_adv_start(readv.set, BT_LE_EXT_ADV_START_DEFAULT);
}

static void readv_register(void)
{
	memset(&readv, 0, sizeof(readv));
	readv.cb.connected = readv_connected;
	bt_conn_cb_register(&readv.cb);
}

static void test_ext_readvertise_from_connected(void **state)
{
	enable_ext();
	readv_register();
	readv.legacy_api = true;
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	uint8_t set = g->host.adv.set->handle;
	fake_ctrl_conn_complete(&g->ctrl, true, 0, 0x31, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	ktest_run_ms(*state, 10);
	assert_int_equal(readv.calls, 1);
	assert_int_equal(readv.err, 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_EXT_ADV_ENABLE), 2);
	assert_true(g->host.adv.enabled);
	/* The old instance's Terminated comes afterwards: the restart runs on. */
	fake_ctrl_set_terminated(&g->ctrl, 0, set, 0x31, 0);
	ktest_run_ms(*state, 10);
	assert_true(g->host.adv.enabled);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), -EALREADY);
	/* The restarted instance makes a second link and stops in turn; its
	 * own Terminated (another link) is no stale one. */
	readv.legacy_api = false;
	readv.cb.connected = NULL;
	fake_ctrl_conn_complete(&g->ctrl, true, 0, 0x32, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_false(g->host.adv.enabled);
	fake_ctrl_set_terminated(&g->ctrl, 0, set, 0x32, 0);
	ktest_run_ms(*state, 10);
	assert_false(g->host.adv.enabled);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	assert_true(g->host.adv.enabled);
	/* A timeout's Terminated always ends the running instance. */
	fake_ctrl_set_terminated(&g->ctrl, BT_HCI_ERR_ADV_TIMEOUT, set, 0, 0);
	ktest_run_ms(*state, 10);
	assert_false(g->host.adv.enabled);
}

static void test_ext_set_readvertise_from_connected(void **state)
{
	enable_ext();
	readv_register();
	struct bt_le_adv_param p = BT_LE_ADV_PARAM_INIT(BT_LE_ADV_OPT_CONNECTABLE, 0x100, 0x100, NULL);
	struct bt_le_ext_adv *a = NULL;
	assert_int_equal(bt_le_ext_adv_create(&p, &ext_cb, &a), 0);
	readv.set = a;
	assert_int_equal(bt_le_ext_adv_start(a, BT_LE_EXT_ADV_START_DEFAULT), 0);
	fake_ctrl_conn_complete(&g->ctrl, false, 0, 0x44, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	ktest_run_ms(*state, 10);
	assert_int_equal(readv.calls, 1);
	assert_int_equal(readv.err, 0);
	assert_true(a->enabled);
	/* The set's connected callback still comes with its Terminated. */
	fake_ctrl_set_terminated(&g->ctrl, 0, bt_le_ext_adv_get_index(a), 0x44, 0);
	assert_int_equal(k_sem_take(&ext.done, K_SECONDS(5)), 0);
	assert_int_equal(ext.connected, 1);
	assert_ptr_equal(ext.conn, g->last_conn);
	assert_true(a->enabled);
	assert_int_equal(bt_le_ext_adv_start(a, BT_LE_EXT_ADV_START_DEFAULT), -EALREADY);
	assert_int_equal(bt_le_ext_adv_stop(a), 0);
	assert_false(a->enabled);
}

/* Two connectable sets: a v2 connection complete names the set it came
 * from; the other runs on. */
static void test_ext_conn_complete_v2_names_set(void **state)
{
	(void)state;
	enable_ext();
	struct bt_le_adv_param p = BT_LE_ADV_PARAM_INIT(BT_LE_ADV_OPT_CONNECTABLE, 0x100, 0x100, NULL);
	struct bt_le_ext_adv *a = NULL, *b = NULL;
	assert_int_equal(bt_le_ext_adv_create(&p, &ext_cb, &a), 0);
	assert_int_equal(bt_le_ext_adv_create(&p, &ext_cb, &b), 0);
	assert_int_equal(bt_le_ext_adv_start(a, BT_LE_EXT_ADV_START_DEFAULT), 0);
	assert_int_equal(bt_le_ext_adv_start(b, BT_LE_EXT_ADV_START_DEFAULT), 0);
	uint8_t ev[34] = { BT_HCI_EVT_LE_ENH_CONN_COMPLETE_V2, 0 };
	sys_put_le16(0x45, ev + 2);
	ev[4] = BT_HCI_ROLE_PERIPHERAL;
	memcpy(ev + 6, peer_a, 6);
	sys_put_le16(0x28, ev + 24);
	sys_put_le16(400, ev + 28);
	ev[31] = bt_le_ext_adv_get_index(b);
	sys_put_le16(0xffff, ev + 32);
	fake_ctrl_event(&g->ctrl, BT_HCI_EVT_LE_META_EVENT, ev, sizeof(ev));
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_int_equal(g->last_err, 0);
	assert_true(a->enabled);
	assert_false(b->enabled);
	/* Without the handle (v1) and two sets running, the link's set is
	 * unknown: both run until a Terminated tells. */
	assert_int_equal(bt_le_ext_adv_start(b, BT_LE_EXT_ADV_START_DEFAULT), 0);
	fake_ctrl_conn_complete(&g->ctrl, true, 0, 0x46, BT_HCI_ROLE_PERIPHERAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_true(a->enabled);
	assert_true(b->enabled);
	fake_ctrl_set_terminated(&g->ctrl, 0, bt_le_ext_adv_get_index(a), 0x46, 0);
	assert_int_equal(k_sem_take(&ext.done, K_SECONDS(5)), 0);
	assert_false(a->enabled);
	assert_true(b->enabled);
}

static void test_ext_adv_sets(void **state)
{
	(void)state;
	enable_ext();
	struct bt_le_ext_adv *a = NULL, *b = NULL;
	struct bt_le_adv_param p = BT_LE_ADV_PARAM_INIT(BT_LE_ADV_OPT_EXT_ADV | BT_LE_ADV_OPT_CONNECTABLE, 0x100,
							0x100, NULL);
	assert_int_equal(bt_le_ext_adv_create(&p, &ext_cb, &a), 0);
	assert_int_equal(bt_le_ext_adv_create(&p, &ext_cb, &b), 0);
	assert_int_not_equal(bt_le_ext_adv_get_index(a), bt_le_ext_adv_get_index(b));
	struct bt_le_ext_adv_info info;
	assert_int_equal(bt_le_ext_adv_get_info(a, &info), 0);
	assert_int_equal(info.tx_power, 5);
	/* Beyond the 31 bytes of legacy advertising. */
	uint8_t big[120];
	memset(big, 0x5a, sizeof(big));
	struct bt_data ad[] = { BT_DATA(BT_DATA_MANUFACTURER_DATA, big, sizeof(big)) };
	assert_int_equal(bt_le_ext_adv_set_data(a, ad, 1, NULL, 0), 0);
	assert_int_equal(g->ctrl.last_len, 4 + 2 + sizeof(big));
	assert_int_equal(bt_le_ext_adv_start(a, BT_LE_EXT_ADV_START_PARAM(100, 0)), 0);
	assert_int_equal(bt_le_ext_adv_start(a, BT_LE_EXT_ADV_START_DEFAULT), -EALREADY);
	assert_int_equal(bt_le_ext_adv_delete(a), -EBUSY);
	/* Its timeout ends it: the sent callback. */
	fake_ctrl_set_terminated(&g->ctrl, BT_HCI_ERR_ADV_TIMEOUT, bt_le_ext_adv_get_index(a), 0, 7);
	assert_int_equal(k_sem_take(&ext.done, K_SECONDS(5)), 0);
	assert_int_equal(ext.sent, 1);
	assert_int_equal(ext.num_sent, 7);
	/* The other set produces a connection. */
	assert_int_equal(bt_le_ext_adv_start(b, BT_LE_EXT_ADV_START_DEFAULT), 0);
	fake_ctrl_conn_complete(&g->ctrl, true, 0, 0x44, BT_HCI_ROLE_PERIPHERAL, peer_a);
	fake_ctrl_set_terminated(&g->ctrl, 0, bt_le_ext_adv_get_index(b), 0x44, 0);
	assert_int_equal(k_sem_take(&ext.done, K_SECONDS(5)), 0);
	assert_int_equal(ext.connected, 1);
	assert_ptr_equal(ext.conn, g->last_conn);
	assert_int_equal(bt_le_ext_adv_delete(a), 0);
	assert_int_equal(bt_le_ext_adv_delete(a), -EINVAL);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_REMOVE_ADV_SET), 1);
}

static int ext_reports;
static uint8_t ext_last_type;
static uint8_t ext_last_data[16];
static uint16_t ext_last_len;

static void ext_scan_cb(const bt_addr_le_t *addr, int8_t rssi, uint8_t adv_type, struct net_buf_simple *buf)
{
	(void)addr;
	assert_int_equal(rssi, -50);
	assert_true(buf->len <= sizeof(ext_last_data));
	memcpy(ext_last_data, buf->data, buf->len);
	ext_last_len = buf->len;
	ext_last_type = adv_type;
	ext_reports++;
}

static void test_ext_scan_and_connect(void **state)
{
	(void)state;
	enable_ext();
	ext_reports = 0;
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_ACTIVE, ext_scan_cb), 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_EXT_SCAN_PARAM), 1);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_SCAN_PARAM), 0);
	static const uint8_t data[3] = { 2, 1, 6 };
	static const uint8_t more[3] = { 5, 0xff, 1 };
	fake_ctrl_ext_report(&g->ctrl, 0x13, peer_a, data, 3); /* legacy ADV_IND */
	ktest_run_ms(*state, 10);
	assert_int_equal(ext_reports, 1);
	assert_int_equal(ext_last_type, BT_GAP_ADV_TYPE_ADV_IND);
	/* A chain: "more to come", then the complete tail -- one report. */
	fake_ctrl_ext_report(&g->ctrl, 0x01 | (1 << 5), peer_a, more, 3);
	fake_ctrl_ext_report(&g->ctrl, 0x01, peer_a, data, 3);
	ktest_run_ms(*state, 10);
	assert_int_equal(ext_reports, 2);
	assert_int_equal(ext_last_type, BT_GAP_ADV_TYPE_EXT_ADV);
	assert_int_equal(ext_last_len, 6);
	assert_memory_equal(ext_last_data, more, 3);
	assert_memory_equal(ext_last_data + 3, data, 3);
	/* Truncated by the controller (status 2): nothing delivered. */
	fake_ctrl_ext_report(&g->ctrl, 0x01 | (1 << 5), peer_a, more, 3);
	fake_ctrl_ext_report(&g->ctrl, 0x01 | (2 << 5), peer_a, data, 3);
	ktest_run_ms(*state, 10);
	assert_int_equal(ext_reports, 2);
	assert_int_equal(g->host.stats.ext_reports_dropped, 1);
	/* A chain never finished, then a whole one of the same set. */
	fake_ctrl_ext_report(&g->ctrl, 0x01 | (1 << 5), peer_a, more, 3);
	ktest_run_ms(*state, 10);
	assert_int_equal(bt_le_scan_stop(), 0);
	assert_int_equal(ext_reports, 2);

	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(peer.a.val, peer_a, 6);
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_EXT_CREATE_CONN), 1);
	assert_int_equal(g->ctrl.last_len, 26);
	fake_ctrl_conn_complete(&g->ctrl, true, 0, 0x12, BT_HCI_ROLE_CENTRAL, peer_a);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	assert_ptr_equal(g->last_conn, conn);
	bt_conn_unref(conn);
}

static void test_forced_legacy_commands(void **state)
{
	(void)state;
	g->ctrl.le_features1 = BIT(BT_LE_FEAT_BIT_EXT_ADV - 8);
	zble_host_use_legacy_commands(&g->host, true);
	assert_int_equal(bt_enable(NULL), 0);
	assert_false(g->host.ext);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_ADV_PARAM), 1);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_SET_EXT_ADV_PARAM), 0);
	struct bt_le_ext_adv *a;
	assert_int_equal(bt_le_ext_adv_create(BT_LE_ADV_CONN, NULL, &a), -ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bring_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page2_rejected_is_tolerated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_static_random_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mandatory_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_with_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credit_watchdog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peripheral_legacy_and_enhanced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_central_connect_and_disconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_timeout_and_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_overtakes_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_and_enable_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_disconnection_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unanswered_scan_enable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_create_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_random_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl_tx_fragments_and_credits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl_rx_reassembly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_l2cap_signalling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_l2cap_peripheral_param_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smp_and_att_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_peripheral, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_adv_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_readvertise_from_connected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_set_readvertise_from_connected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_conn_complete_v2_names_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext_scan_and_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forced_legacy_commands, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
