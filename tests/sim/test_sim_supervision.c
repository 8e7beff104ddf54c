/* Supervision timeout: when the peer vanishes (device removed) the
 * surviving side reports Disconnection Complete with Connection Timeout
 * (0x08) after the supervision timeout; with the peer's radio off, both
 * sides time out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>

#include "sim_test_util.h"

struct env {
	struct zble_sim sim;
	struct zble_sim_device *p, *c;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected;
	struct bt_conn *c_conn, *p_conn;
	uint8_t c_reason, p_reason;
	int p_disconnected;
	uint64_t p_disc_at;
};

static struct env *g;

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	assert_int_equal(err, 0);
	if (zble_host_current() == &g->p->host) {
		g->p_conn = bt_conn_ref(conn);
		return;
	}
	g->c_conn = bt_conn_ref(conn);
	k_sem_give(&g->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	if (zble_host_current() == &g->p->host) {
		g->p_reason = reason;
		g->p_disconnected++;
		g->p_disc_at = zble_sim_now_us(&g->sim);
		bt_conn_unref(g->p_conn);
		return;
	}
	g->c_reason = reason;
	bt_conn_unref(g->c_conn);
	k_sem_give(&g->disconnected);
}

static void p_ready(int err)
{
	assert_int_equal(err, 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, NULL, 0, NULL, 0), 0);
}

static int setup(void **state)
{
	(void)state;
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, 99);
	zble_sim_set_stop_time(&g->sim, 120ull * 1000000);
	g->p = zble_sim_add_device(&g->sim, NULL);
	g->c = zble_sim_add_device(&g->sim, NULL);
	assert_int_equal(zble_sim_device_add_host(g->p), 0);
	assert_int_equal(zble_sim_device_add_host(g->c), 0);
	g->cb.connected = on_connected;
	g->cb.disconnected = on_disconnected;
	zble_sim_device_select(g->p);
	bt_conn_cb_register(&g->cb);
	assert_int_equal(bt_enable(p_ready), 0);

	zble_sim_device_select(g->c);
	bt_conn_cb_register(&g->cb);
	k_sem_init(&g->connected, 0, 1);
	k_sem_init(&g->disconnected, 0, 1);
	assert_int_equal(bt_enable(NULL), 0);
	k_msleep(20); /* the peripheral is advertising by now */
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC, .a = { { 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 } } };
	struct bt_conn *conn = NULL;
	/* 50 ms interval, 1 s supervision timeout */
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM(40, 40, 0, 100), &conn), 0);
	bt_conn_unref(conn);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	k_msleep(500);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	zble_sim_deinit(&g->sim);
	free(g);
	return 0;
}

static void test_peer_removed(void **state)
{
	(void)state;
	uint64_t t0 = zble_sim_now_us(&g->sim);
	zble_sim_device_remove(g->p);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(10)), 0);
	uint64_t took = zble_sim_now_us(&g->sim) - t0;
	assert_int_equal(g->c_reason, BT_HCI_ERR_CONN_TIMEOUT);
	/* Detected at the first anchor 1 s after the last packet heard. */
	assert_true(took >= 1000000 - 50000 && took <= 1000000 + 50000);
	assert_int_equal(g->p_disconnected, 0); /* it vanished: no host runs there */
	assert_int_equal(g->sim.stats.supervision_timeouts, 1);
	for (int i = 0; i < ZBLE_SIM_MAX_LINKS; i++) {
		assert_false(g->sim.links[i].used);
	}
	print_message("supervision timeout after %.1f ms\n", took / 1e3);
}

static void test_peer_radio_off(void **state)
{
	(void)state;
	uint64_t t0 = zble_sim_now_us(&g->sim);
	zble_sim_device_set_radio(g->p, false);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(10)), 0);
	assert_int_equal(g->c_reason, BT_HCI_ERR_CONN_TIMEOUT);
	k_msleep(100);
	/* The peripheral's host still runs: it lost the link too. */
	assert_int_equal(g->p_disconnected, 1);
	assert_int_equal(g->p_reason, BT_HCI_ERR_CONN_TIMEOUT);
	assert_true(g->p_disc_at - t0 >= 1000000 - 50000 && g->p_disc_at - t0 <= 1000000 + 50000);
	assert_int_equal(g->sim.stats.supervision_timeouts, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_peer_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_radio_off, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
