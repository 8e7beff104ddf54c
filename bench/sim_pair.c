#include "sim_pair.h"

int bench_pair_connect(struct zble_sim *sim, struct zble_sim_device **p, struct zble_sim_device **c, uint64_t seed,
		       unsigned stop_s, uint16_t acl_num, struct bt_conn_cb *cb, bt_ready_cb_t p_ready, uint16_t interval,
		       struct k_sem *connected)
{
	zble_sim_init(sim, seed);
	zble_sim_set_stop_time(sim, stop_s * 1000000ull);
	*p = zble_sim_add_device(sim, &(struct zble_sim_device_config){ .name = "periph", .acl_num = acl_num });
	*c = zble_sim_add_device(sim, &(struct zble_sim_device_config){ .name = "central", .acl_num = acl_num });
	if (!(*p) || !(*c) || zble_sim_device_add_host((*p)) || zble_sim_device_add_host((*c))) {
		return -1;
	}
	zble_sim_device_select((*p));
	bt_conn_cb_register(cb);
	if (bt_enable(p_ready)) {
		return -1;
	}
	zble_sim_device_select((*c));
	bt_conn_cb_register(cb);
	if (bt_enable(NULL)) {
		return -1;
	}
	k_msleep(20);
	/* The peripheral is device 0: C0:FF:EE:5A:00:01. */
	bt_addr_le_t peer = { .type = BT_ADDR_LE_PUBLIC, .a = { { 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 } } };
	struct bt_conn *conn = NULL;
	if (bt_conn_le_create(&peer, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM(interval, interval, 0, 400), &conn)) {
		return -1;
	}
	bt_conn_unref(conn);
	return k_sem_take(connected, K_SECONDS(5)) ? -1 : 0;
}

uint8_t bench_link_phy(struct bt_conn *conn)
{
	struct bt_conn_info info;
	bt_conn_get_info(conn, &info);
	return info.le.phy->tx_phy == BT_GAP_LE_PHY_2M ? 2 : info.le.phy->tx_phy == BT_GAP_LE_PHY_CODED ? 3 : 1;
}
