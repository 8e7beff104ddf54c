/* zble hosts on the extended path of zble-sim (the controller lists the
 * extended commands, so the host uses them): two advertising sets with
 * their SIDs and data seen by an extended scanner, one ending after its
 * event count (sent callback), an extended connection to the other (the
 * set's connected callback), and a PHY update to 2M (the host's own) and
 * then to Coded through bt_conn_le_phy_update with le_phy_updated on both
 * sides. */
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
	struct bt_le_scan_cb scan_cb;
	struct bt_le_ext_adv_cb adv_cb;
	struct bt_le_ext_adv *conn_set, *beacon_set;
	struct k_sem connected;
	struct bt_conn *c_conn, *set_conn;
	unsigned seen[16];     /* reports per SID */
	uint16_t props[16];
	uint8_t data_len[16];
	int sent_num, set_connected;
	uint8_t phy_tx[2], phy_rx[2];
	int phy_updates[2];
};

static struct env *g;

static int side(void)
{
	return zble_host_current() == &g->p->host ? 1 : 0;
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	assert_int_equal(err, 0);
	if (side() == 0) {
		g->c_conn = bt_conn_ref(conn);
		k_sem_give(&g->connected);
	}
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	(void)reason;
}

static void on_phy(struct bt_conn *conn, struct bt_conn_le_phy_info *info)
{
	(void)conn;
	int s = side();
	g->phy_tx[s] = info->tx_phy;
	g->phy_rx[s] = info->rx_phy;
	g->phy_updates[s]++;
}

static void on_recv(const struct bt_le_scan_recv_info *info, struct net_buf_simple *buf)
{
	if (info->sid < 16) {
		g->seen[info->sid]++;
		g->props[info->sid] = info->adv_props;
		g->data_len[info->sid] = (uint8_t)buf->len;
	}
}

static void on_sent(struct bt_le_ext_adv *adv, struct bt_le_ext_adv_sent_info *info)
{
	assert_ptr_equal(adv, g->beacon_set);
	g->sent_num = info->num_sent;
}

static void on_set_connected(struct bt_le_ext_adv *adv, struct bt_le_ext_adv_connected_info *info)
{
	assert_ptr_equal(adv, g->conn_set);
	g->set_connected++;
	g->set_conn = bt_conn_ref(info->conn);
}

static void test_ext_host(void **state)
{
	(void)state;
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, 71);
	zble_sim_set_stop_time(&g->sim, 60ull * 1000000);
	g->p = zble_sim_add_device(&g->sim, NULL);
	g->c = zble_sim_add_device(&g->sim, NULL);
	assert_int_equal(zble_sim_device_add_host(g->p), 0);
	assert_int_equal(zble_sim_device_add_host(g->c), 0);
	k_sem_init(&g->connected, 0, 1);
	g->cb = (struct bt_conn_cb){ .connected = on_connected, .disconnected = on_disconnected, .le_phy_updated = on_phy };
	g->scan_cb.recv = on_recv;
	g->adv_cb = (struct bt_le_ext_adv_cb){ .sent = on_sent, .connected = on_set_connected };

	/* Peripheral: two sets. Its own 2M request is off so that it keeps
	 * accepting every PHY (a request's preferences stay with the link). */
	zble_sim_device_select(g->p);
	bt_conn_cb_register(&g->cb);
	assert_int_equal(bt_enable(NULL), 0);
	assert_true(g->p->host.ext);
	zble_host_set_auto_link_update(&g->p->host, false);
	struct bt_le_adv_param cp = *BT_LE_ADV_PARAM(BT_LE_ADV_OPT_CONNECTABLE | BT_LE_ADV_OPT_EXT_ADV, 0x30, 0x30, NULL);
	cp.sid = 4;
	assert_int_equal(bt_le_ext_adv_create(&cp, &g->adv_cb, &g->conn_set), 0);
	static const uint8_t name[] = { 'z', 'b', 'l', 'e' };
	const struct bt_data ad1[] = { BT_DATA(BT_DATA_NAME_COMPLETE, name, sizeof(name)) };
	assert_int_equal(bt_le_ext_adv_set_data(g->conn_set, ad1, 1, NULL, 0), 0);
	struct bt_le_adv_param bp = *BT_LE_ADV_PARAM(BT_LE_ADV_OPT_EXT_ADV, 0x40, 0x40, NULL);
	bp.sid = 6;
	assert_int_equal(bt_le_ext_adv_create(&bp, &g->adv_cb, &g->beacon_set), 0);
	uint8_t big[200];
	memset(big, 0x5a, sizeof(big));
	const struct bt_data ad2[] = { BT_DATA(BT_DATA_MANUFACTURER_DATA, big, sizeof(big)) };
	assert_int_equal(bt_le_ext_adv_set_data(g->beacon_set, ad2, 1, NULL, 0), 0);

	/* Central: extended scanning sees both sets. */
	zble_sim_device_select(g->c);
	bt_conn_cb_register(&g->cb);
	assert_int_equal(bt_enable(NULL), 0);
	assert_true(g->c->host.ext);
	bt_le_scan_cb_register(&g->scan_cb);
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL), 0);

	zble_sim_device_select(g->p);
	assert_int_equal(bt_le_ext_adv_start(g->conn_set, BT_LE_EXT_ADV_START_DEFAULT), 0);
	assert_int_equal(bt_le_ext_adv_start(g->beacon_set, BT_LE_EXT_ADV_START_PARAM(0, 3)), 0);
	zble_sim_device_select(g->c);
	k_msleep(500);
	assert_int_equal(g->seen[4], 1); /* duplicates filtered */
	assert_true(g->props[4] & BT_GAP_ADV_PROP_CONNECTABLE);
	assert_true(g->props[4] & BT_GAP_ADV_PROP_EXT_ADV);
	assert_int_equal(g->data_len[4], 2 + sizeof(name));
	assert_int_equal(g->seen[6], 1);
	assert_false(g->props[6] & BT_GAP_ADV_PROP_CONNECTABLE);
	assert_int_equal(g->data_len[6], 2 + sizeof(big));
	assert_int_equal(g->sent_num, 3); /* the beacon set ended after 3 events */
	assert_int_equal(bt_le_scan_stop(), 0);

	/* Extended connection to the connectable set. */
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC, .a = { { 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 } } };
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM(40, 40, 0, 400), &conn), 0);
	bt_conn_unref(conn);
	assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	k_msleep(1000);
	assert_int_equal(g->set_connected, 1);
	assert_non_null(g->set_conn);
	/* The central's own request: 2M both ways, both hosts told. */
	for (int s = 0; s < 2; s++) {
		assert_int_equal(g->phy_updates[s], 1);
		assert_int_equal(g->phy_tx[s], BT_GAP_LE_PHY_2M);
		assert_int_equal(g->phy_rx[s], BT_GAP_LE_PHY_2M);
	}
	assert_int_equal(bt_conn_le_phy_update(g->c_conn, BT_CONN_LE_PHY_PARAM_CODED), 0);
	k_msleep(1000);
	for (int s = 0; s < 2; s++) {
		assert_int_equal(g->phy_updates[s], 2);
		assert_int_equal(g->phy_tx[s], BT_GAP_LE_PHY_CODED);
		assert_int_equal(g->phy_rx[s], BT_GAP_LE_PHY_CODED);
	}
	struct bt_conn_info info;
	assert_int_equal(bt_conn_get_info(g->c_conn, &info), 0);
	assert_int_equal(info.le.phy->tx_phy, BT_GAP_LE_PHY_CODED);

	bt_conn_unref(g->c_conn);
	zble_sim_device_select(g->p);
	bt_conn_unref(g->set_conn);
	zble_sim_deinit(&g->sim);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ext_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
