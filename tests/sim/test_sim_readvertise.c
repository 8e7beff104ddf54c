/* A zble peripheral on an extended-advertising controller of zble-sim
 * restarts advertising from its connected callback (as an application
 * serving several centrals does); a second central then connects to the
 * restarted advertiser. The old set instance's Advertising Set Terminated
 * arrives after the restart and must not stop it. Virtual time. */
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
	struct zble_sim_device *p, *c[2];
	struct bt_conn_cb cb;
	struct k_sem connected;
	int p_links, restarts, restart_err;
	int c_links;
};

static struct env *g;

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	(void)conn;
	assert_int_equal(err, 0);
	if (zble_host_current() == &g->p->host) {
		g->p_links++;
		int rc = bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0);
		g->restarts++;
		if (rc) {
			g->restart_err = rc;
		}
	} else {
		g->c_links++;
		k_sem_give(&g->connected);
	}
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	(void)reason;
}

static void connect_from(struct zble_sim_device *dev)
{
	/* Device 0's public address in zble-sim. */
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC, .a = { { 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 } } };
	struct bt_conn *conn = NULL;
	zble_sim_device_select(dev);
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM(40, 40, 0, 400), &conn), 0);
	bt_conn_unref(conn);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
}

static void test_readvertise_from_connected(void **state)
{
	(void)state;
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, 83);
	zble_sim_set_stop_time(&g->sim, 60ull * 1000000);
	g->p = zble_sim_add_device(&g->sim, NULL);
	for (int i = 0; i < 2; i++) {
		g->c[i] = zble_sim_add_device(&g->sim, NULL);
	}
	k_sem_init(&g->connected, 0, 2);
	g->cb = (struct bt_conn_cb){ .connected = on_connected, .disconnected = on_disconnected };
	struct zble_sim_device *all[3] = { g->p, g->c[0], g->c[1] };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(zble_sim_device_add_host(all[i]), 0);
		zble_sim_device_select(all[i]);
		bt_conn_cb_register(&g->cb);
		assert_int_equal(bt_enable(NULL), 0);
	}
	zble_sim_device_select(g->p);
	assert_true(g->p->host.ext); /* the case: advertising sets */
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN, NULL, 0, NULL, 0), 0);

	connect_from(g->c[0]);
	k_msleep(100); /* the old instance's Terminated, the restart's completion */
	assert_int_equal(g->restarts, 1);
	assert_int_equal(g->restart_err, 0);
	assert_true(g->p->host.adv.enabled);

	connect_from(g->c[1]);
	k_msleep(100);
	assert_int_equal(g->p_links, 2);
	assert_int_equal(g->c_links, 2);
	assert_int_equal(g->restarts, 2);
	assert_int_equal(g->restart_err, 0);
	assert_true(g->p->host.adv.enabled);

	zble_sim_deinit(&g->sim);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readvertise_from_connected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
