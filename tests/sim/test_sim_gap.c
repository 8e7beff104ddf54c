/* The GAP scenario of apps/gap_demo.c with both devices in the simulator:
 * the peripheral runs event-driven (ready callback, re-advertising from the
 * disconnected callback, a delayed work item that disconnects), the central
 * runs in blocking style from the test's main code through the sim port's
 * wait. Every step is checked, with simulated timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>

#include "sim_test_util.h"

static const uint8_t magic[] = { 0xff, 0xff, 'z', 'b', 'l', 'e' };
static const struct bt_data ad[] = {
	BT_DATA_BYTES(BT_DATA_FLAGS, BT_LE_AD_GENERAL | BT_LE_AD_NO_BREDR),
	BT_DATA(BT_DATA_MANUFACTURER_DATA, magic, sizeof(magic)),
};

struct periph {
	struct zble_sim_device *dev;
	struct bt_conn_cb cb;
	struct bt_conn *conn;
	struct k_work_delayable disc_work;
	int ready_err, adv_err, restart_err, disc_err;
	int connected, disconnected;
	uint8_t reasons[4];
	uint8_t roles[4];
	uint64_t connected_at[4];
};

struct central {
	struct zble_sim_device *dev;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected, found;
	struct bt_conn *conn;
	uint8_t err, reason, role;
	int8_t rssi;
	bt_addr_le_t peer;
	int connected_n, disconnected_n;
};

struct env {
	struct zble_sim sim;
	struct periph p;
	struct central c;
};

static struct env *g;

static bool on_periph(void)
{
	return zble_host_current() == &g->p.dev->host;
}

static void p_disc_work(struct k_work *w)
{
	(void)w;
	g->p.disc_err = g->p.conn ? bt_conn_disconnect(g->p.conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN) : -ENOTCONN;
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	struct bt_conn_info info;
	bt_conn_get_info(conn, &info);
	if (on_periph()) {
		struct periph *p = &g->p;
		assert_int_equal(err, 0);
		if (p->connected < 4) {
			p->roles[p->connected] = info.role;
			p->connected_at[p->connected] = zble_sim_now_us(&g->sim);
		}
		p->connected++;
		p->conn = bt_conn_ref(conn);
		if (p->connected == 2) {
			/* The second link the peripheral ends itself, 300 ms later. */
			k_work_schedule(&p->disc_work, K_MSEC(300));
		}
		return;
	}
	struct central *c = &g->c;
	c->err = err;
	c->role = info.role;
	c->connected_n++;
	if (!err && !c->conn) {
		c->conn = bt_conn_ref(conn);
	}
	k_sem_give(&c->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	if (on_periph()) {
		struct periph *p = &g->p;
		if (p->disconnected < 4) {
			p->reasons[p->disconnected] = reason;
		}
		p->disconnected++;
		bt_conn_unref(p->conn);
		p->conn = NULL;
		if (p->disconnected == 1) {
			/* From the callback: queued, not waited for (P1). */
			p->restart_err = bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, ad, ARRAY_SIZE(ad), NULL, 0);
		}
		return;
	}
	struct central *c = &g->c;
	c->reason = reason;
	c->disconnected_n++;
	if (c->conn) {
		bt_conn_unref(c->conn);
		c->conn = NULL;
	}
	k_sem_give(&c->disconnected);
}

static void p_ready(int err)
{
	g->p.ready_err = err;
	g->p.adv_err = bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, ad, ARRAY_SIZE(ad), NULL, 0);
}

static bool find_magic(struct bt_data *data, void *user)
{
	bool *match = user;
	if (data->type == BT_DATA_MANUFACTURER_DATA && data->data_len == sizeof(magic) &&
	    !memcmp(data->data, magic, sizeof(magic))) {
		*match = true;
		return false;
	}
	return true;
}

static void on_scan(const bt_addr_le_t *addr, int8_t rssi, uint8_t type, struct net_buf_simple *buf)
{
	bool match = false;
	bt_data_parse(buf, find_magic, &match);
	if (match && type == BT_GAP_ADV_TYPE_ADV_IND) {
		bt_addr_le_copy(&g->c.peer, addr);
		g->c.rssi = rssi;
		k_sem_give(&g->c.found);
	}
}

static int setup(void **state)
{
	(void)state;
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, 1234);
	g->p.dev = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = "periph" });
	g->c.dev = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = "central", .x = 4 });
	assert_non_null(g->p.dev);
	assert_non_null(g->c.dev);
	assert_int_equal(zble_sim_device_add_host(g->p.dev), 0);
	assert_int_equal(zble_sim_device_add_host(g->c.dev), 0);
	/* Ends a run that would hang (a bug) instead of spinning forever. */
	zble_sim_set_stop_time(&g->sim, 600ull * 1000000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	zble_sim_deinit(&g->sim);
	free(g);
	return 0;
}

static int connect_to(const bt_addr_le_t *peer, uint16_t timeout_10ms, struct bt_conn **out)
{
	struct bt_conn_le_create_param cp = BT_CONN_LE_CREATE_PARAM_INIT(0, BT_GAP_SCAN_FAST_INTERVAL, BT_GAP_SCAN_FAST_WINDOW);
	cp.timeout = timeout_10ms;
	struct bt_conn *conn = NULL;
	int err = bt_conn_le_create(peer, &cp, BT_LE_CONN_PARAM_DEFAULT, &conn);
	if (out) {
		*out = conn;
	} else if (conn) {
		bt_conn_unref(conn);
	}
	return err;
}

static void scan_and_connect(struct central *c)
{
	k_sem_reset(&c->found);
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_ACTIVE, on_scan), 0);
	assert_int_equal(k_sem_take(&c->found, K_SECONDS(30)), 0);
	assert_int_equal(bt_le_scan_stop(), 0);
	assert_int_equal(connect_to(&c->peer, 0, NULL), 0);
	assert_int_equal(k_sem_take(&c->connected, K_SECONDS(10)), 0);
	assert_int_equal(c->err, 0);
	assert_int_equal(c->role, BT_CONN_ROLE_CENTRAL);
	assert_non_null(c->conn);
}

static void test_gap_scenario(void **state)
{
	(void)state;
	struct periph *p = &g->p;
	struct central *c = &g->c;

	/* Peripheral: everything from callbacks. */
	zble_sim_device_select(p->dev);
	p->cb.connected = on_connected;
	p->cb.disconnected = on_disconnected;
	bt_conn_cb_register(&p->cb);
	k_work_init_delayable(&p->disc_work, p_disc_work);
	assert_int_equal(bt_enable(p_ready), 0);

	/* Central: blocking calls from here. */
	zble_sim_device_select(c->dev);
	k_sem_init(&c->connected, 0, 4);
	k_sem_init(&c->disconnected, 0, 4);
	k_sem_init(&c->found, 0, 1);
	c->cb.connected = on_connected;
	c->cb.disconnected = on_disconnected;
	bt_conn_cb_register(&c->cb);
	assert_int_equal(bt_enable(NULL), 0);
	/* The peripheral comes up meanwhile, on its own. */
	k_msleep(10);
	assert_true(p->dev->host.ready);
	assert_int_equal(p->ready_err, 0);
	assert_int_equal(p->adv_err, 0);

	bt_addr_le_t id;
	size_t n = 1;
	bt_id_get(&id, &n);
	assert_int_equal(n, 1);
	assert_int_equal(id.type, BT_ADDR_LE_PUBLIC);
	assert_memory_equal(id.a.val, ((uint8_t[]){ 0x02, 0x00, 0x5a, 0xee, 0xff, 0xc0 }), 6);

	/* 1: scan, find, connect. */
	scan_and_connect(c);
	assert_int_equal(c->peer.type, BT_ADDR_LE_PUBLIC);
	assert_memory_equal(c->peer.a.val, ((uint8_t[]){ 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 }), 6);
	assert_int_equal(c->rssi, -52); /* 0 dBm - (40 + 20 log10(4 m)) */
	assert_int_equal(p->connected, 1);
	assert_int_equal(p->roles[0], BT_CONN_ROLE_PERIPHERAL);
	assert_false(p->dev->host.adv.enabled);

	/* 2: the central disconnects. */
	k_msleep(300);
	struct bt_conn *conn = bt_conn_ref(c->conn);
	uint64_t t0 = zble_sim_now_us(&g->sim);
	assert_int_equal(bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
	bt_conn_unref(conn);
	assert_int_equal(k_sem_take(&c->disconnected, K_SECONDS(10)), 0);
	/* LL_TERMINATE_IND at the next connection event: within one interval. */
	assert_true(zble_sim_now_us(&g->sim) - t0 <= 50000 + 1000);
	assert_int_equal(c->reason, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	assert_int_equal(p->disconnected, 1);
	assert_int_equal(p->reasons[0], BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	assert_int_equal(p->restart_err, 0);

	/* 3: the peripheral advertises again from its callback; reconnect,
	 * and it disconnects 300 ms later. */
	k_msleep(200);
	assert_true(p->dev->host.adv.enabled);
	scan_and_connect(c);
	assert_int_equal(p->connected, 2);
	assert_int_equal(k_sem_take(&c->disconnected, K_SECONDS(10)), 0);
	assert_int_equal(c->reason, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	assert_int_equal(p->disc_err, 0);
	assert_int_equal(p->disconnected, 2);
	assert_int_equal(p->reasons[1], BT_HCI_ERR_LOCALHOST_TERM_CONN);
	uint64_t held = zble_sim_now_us(&g->sim) - p->connected_at[1];
	assert_true(held >= 300000 && held <= 300000 + 50000 + 1000);

	/* 4: an absent peer: the 500 ms create timeout cancels. */
	bt_addr_le_t ghost = { .type = BT_ADDR_LE_RANDOM, .a = { { 0x55, 0x44, 0x33, 0x22, 0x11, 0xc0 } } };
	t0 = zble_sim_now_us(&g->sim);
	int before = c->connected_n;
	assert_int_equal(connect_to(&ghost, 50, NULL), 0);
	assert_int_equal(k_sem_take(&c->connected, K_SECONDS(10)), 0);
	assert_int_equal(c->connected_n, before + 1);
	assert_int_equal(c->err, BT_HCI_ERR_UNKNOWN_CONN_ID);
	uint64_t took = zble_sim_now_us(&g->sim) - t0;
	assert_true(took >= 500000 && took < 502000);

	/* 5: another absent peer, cancelled by the application. */
	bt_addr_le_t ghost2 = { .type = BT_ADDR_LE_RANDOM, .a = { { 0x66, 0x44, 0x33, 0x22, 0x11, 0xc0 } } };
	struct bt_conn *pending = NULL;
	assert_int_equal(connect_to(&ghost2, 0, &pending), 0);
	assert_non_null(pending);
	k_msleep(100);
	assert_int_equal(bt_conn_disconnect(pending, 0), 0);
	bt_conn_unref(pending);
	assert_int_equal(k_sem_take(&c->connected, K_SECONDS(10)), 0);
	assert_int_equal(c->err, BT_HCI_ERR_UNKNOWN_CONN_ID);

	/* Nothing was lost or malformed on either side. */
	assert_int_equal(c->dev->host.stats.malformed, 0);
	assert_int_equal(p->dev->host.stats.malformed, 0);
	assert_int_equal(c->dev->host.stats.rx_dropped, 0);
	assert_int_equal(p->dev->host.stats.rx_dropped, 0);
	assert_int_equal(c->dev->host.stats.cmd_timeouts, 0);
	assert_int_equal(p->dev->host.stats.cmd_timeouts, 0);
	assert_int_equal(g->sim.stats.connections, 2);
	assert_int_equal(g->sim.stats.supervision_timeouts, 0);
	print_message("GAP scenario done at %.3f s simulated, %llu radio events, %llu kernel runs\n",
		      (double)zble_sim_now_us(&g->sim) / 1e6, (unsigned long long)g->sim.stats.steps,
		      (unsigned long long)g->sim.stats.kernel_runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gap_scenario, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
