/* The set-up the zble-sim benchmarks share: two hosts on one simulated
 * radio, the central connected to the peripheral. */
#ifndef BENCH_SIM_PAIR_H
#define BENCH_SIM_PAIR_H

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>

#include "zble/sim.h"

/* Initialises sim (seed, hard stop after stop_s simulated seconds), adds
 * a peripheral and a central with acl_num controller buffers (0: the
 * default), registers cb on both and enables them (p_ready must start
 * connectable advertising), then has the central connect at interval
 * (1.25 ms units) and waits for connected, which cb's connected callback
 * gives for the central's link. *p and *c are set as soon as the devices
 * exist, so the callbacks can tell them apart. 0 or -1. */
int bench_pair_connect(struct zble_sim *sim, struct zble_sim_device **p, struct zble_sim_device **c, uint64_t seed,
		       unsigned stop_s, uint16_t acl_num, struct bt_conn_cb *cb, bt_ready_cb_t p_ready, uint16_t interval,
		       struct k_sem *connected);

/* The HCI value (1 1M, 2 2M, 3 Coded) of the PHY conn transmits on, as
 * zble_sim_air_time_phy_us() takes it. */
uint8_t bench_link_phy(struct bt_conn *conn);

#endif
