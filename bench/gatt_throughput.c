/* GATT throughput between two zble hosts in zble-sim: notifications from
 * the peripheral, then writes without response from the central, as fast
 * as the buffers allow, for a span of virtual time each. The link is what
 * the hosts negotiate by themselves on zble-sim: 2M PHY (the central asks
 * on connection), data length 251 (both ask), ATT MTU 247 (the central
 * exchanges it), so one 244-byte value fills one LL packet. Printed beside
 * the link's capacity for the same payload: continuous (one packet each
 * way per exchange, back to back) and with this connection interval's
 * event boundaries (the limit the link can reach; the sim ends an event
 * when the next exchange would not fit before the interval ends).
 * Usage: gatt_throughput [seconds] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/uuid.h>

#include "sim_pair.h"
#include "zble/sim.h"

#define T_IFS 150

struct bench {
	struct zble_sim sim;
	struct zble_sim_device *p, *c;
	struct bt_conn_cb cb;
	struct bt_gatt_cb gatt_cb;
	struct k_sem connected, step;
	struct bt_conn *c_conn, *p_conn;
	struct bt_gatt_exchange_params mtu;
	struct bt_gatt_subscribe_params sub;
	uint8_t value[244];
	uint16_t len;
	bool notifying, writing, counting;
	uint64_t rx_bytes, rx_pdus, nomem;
};

static struct bench *cur; /* the callbacks' context (one run at a time) */

static ssize_t on_write(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			uint16_t offset, uint8_t flags)
{
	(void)conn;
	(void)attr;
	(void)buf;
	(void)offset;
	(void)flags;
	if (cur->counting) {
		cur->rx_bytes += len;
		cur->rx_pdus++;
	}
	return len;
}

static struct bt_gatt_attr attrs[] = {
	BT_GATT_PRIMARY_SERVICE(BT_UUID_DECLARE_16(0xfee0)),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xfee1), BT_GATT_CHRC_NOTIFY, BT_GATT_PERM_NONE, NULL, NULL, NULL),
	BT_GATT_CCC(NULL, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xfee2), BT_GATT_CHRC_WRITE_WITHOUT_RESP, BT_GATT_PERM_WRITE, NULL,
			       on_write, NULL),
};
static struct bt_gatt_service svc = BT_GATT_SERVICE(attrs);

static double real_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	if (err) {
		return;
	}
	if (zble_host_current() == &cur->c->host) {
		cur->c_conn = bt_conn_ref(conn);
		k_sem_give(&cur->connected);
	} else {
		cur->p_conn = bt_conn_ref(conn);
	}
}

static void p_ready(int err)
{
	if (!err) {
		bt_gatt_service_register(&svc);
		bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, NULL, 0, NULL, 0);
	}
}

static void mtu_done(struct bt_conn *conn, uint8_t err, struct bt_gatt_exchange_params *params)
{
	(void)conn;
	(void)params;
	(void)err;
	k_sem_give(&cur->step);
}

static uint8_t on_notify(struct bt_conn *conn, struct bt_gatt_subscribe_params *params, const void *data,
			 uint16_t length)
{
	(void)conn;
	(void)params;
	if (data && cur->counting) {
		cur->rx_bytes += length;
		cur->rx_pdus++;
	}
	return BT_GATT_ITER_CONTINUE;
}

static void subscribed(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *params)
{
	(void)conn;
	(void)params;
	(void)err;
	k_sem_give(&cur->step);
}

static void fill_notify(void);
static void fill_write(void);

/* Each completion refills: the controller's buffers never run dry. */
static void notified(struct bt_conn *conn, void *user_data)
{
	(void)conn;
	(void)user_data;
	fill_notify();
}

static void written(struct bt_conn *conn, void *user_data)
{
	(void)conn;
	(void)user_data;
	fill_write();
}

static void fill_notify(void)
{
	while (cur->notifying) {
		struct bt_gatt_notify_params np = { .attr = &attrs[2], .data = cur->value, .len = cur->len, .func = notified };
		int err = bt_gatt_notify_cb(cur->p_conn, &np);
		if (err) {
			cur->nomem += err == -ENOMEM;
			return;
		}
	}
}

static void fill_write(void)
{
	while (cur->writing) {
		int err = bt_gatt_write_without_response_cb(cur->c_conn, attrs[5].handle, cur->value, cur->len, false,
							    written, NULL);
		if (err) {
			cur->nomem += err == -ENOMEM;
			return;
		}
	}
}

static uint32_t exchange_us(uint8_t phy, uint16_t ll)
{
	return zble_sim_air_time_phy_us(phy, ll) + T_IFS + zble_sim_air_time_phy_us(phy, 0) + T_IFS;
}

/* kbit/s of ATT values: continuous, and within events of interval_us. */
static void capacity(uint8_t phy, uint16_t value_len, uint32_t interval_us, double *cont, double *evt)
{
	uint16_t ll = (uint16_t)(value_len + 3 + 4); /* ATT header, L2CAP header */
	uint32_t cycle = exchange_us(phy, ll);
	*cont = (double)value_len * 8 / cycle * 1e3;
	uint32_t per_event = (interval_us - T_IFS) / cycle;
	*evt = (double)per_event * value_len * 8 / interval_us * 1e3;
}

/* Counts what arrives for seconds of virtual time while fill() runs. */
static double measure(unsigned seconds, struct zble_sim_device *sender, void (*fill)(void))
{
	cur->rx_bytes = cur->rx_pdus = 0;
	cur->counting = true;
	uint64_t t0 = zble_sim_now_us(&cur->sim), end = t0 + seconds * 1000000ull;
	while (zble_sim_now_us(&cur->sim) < end) {
		zble_sim_device_select(sender);
		fill(); /* also from here: a refill refused inside a callback */
		zble_sim_device_select(cur->c);
		(void)k_sem_take(&cur->step, K_MSEC(50));
	}
	cur->counting = false;
	double virt = (double)(zble_sim_now_us(&cur->sim) - t0) / 1e6;
	return (double)cur->rx_bytes * 8 / virt / 1e3;
}

static int run(uint16_t interval, unsigned seconds)
{
	struct bench *b = calloc(1, sizeof(*b));
	if (!b) {
		return -1;
	}
	cur = b;
	memset(b->value, 0xa5, sizeof(b->value));
	b->cb.connected = on_connected;
	k_sem_init(&b->connected, 0, 1);
	k_sem_init(&b->step, 0, 1);
	if (bench_pair_connect(&b->sim, &b->p, &b->c, 4242, 2 * seconds + 60, 8, &b->cb, p_ready, interval, &b->connected)) {
		return -1;
	}
	zble_sim_device_select(b->c);
	b->mtu.func = mtu_done;
	if (bt_gatt_exchange_mtu(b->c_conn, &b->mtu) || k_sem_take(&b->step, K_SECONDS(5))) {
		return -1;
	}
	b->sub.notify = on_notify;
	b->sub.subscribe = subscribed;
	b->sub.value_handle = attrs[2].handle;
	b->sub.ccc_handle = attrs[3].handle;
	b->sub.value = BT_GATT_CCC_NOTIFY;
	if (bt_gatt_subscribe(b->c_conn, &b->sub) || k_sem_take(&b->step, K_SECONDS(5))) {
		return -1;
	}
	k_msleep(500); /* PHY and data length updates settle */
	struct bt_conn_info info;
	bt_conn_get_info(b->c_conn, &info);
	uint16_t mtu = bt_gatt_get_mtu(b->c_conn);
	b->len = (uint16_t)MIN((unsigned)(mtu - 3), sizeof(b->value));
	uint8_t phy = bench_link_phy(b->c_conn);

	double cont, evt;
	capacity(phy, b->len, interval * 1250u, &cont, &evt);
	const char *phy_name = phy == 2 ? "2M" : phy == 3 ? "Coded" : "1M";

	double r0 = real_s();
	b->notifying = true;
	double notify_kbps = measure(seconds, b->p, fill_notify);
	b->notifying = false;
	uint64_t notify_pdus = b->rx_pdus;
	k_msleep(200);
	b->writing = true;
	double write_kbps = measure(seconds, b->c, fill_write);
	b->writing = false;
	uint64_t write_pdus = b->rx_pdus;
	double real = real_s() - r0;

	printf("gatt throughput: %s PHY, data length %u/%u, ATT MTU %u, value %u bytes, interval %.1f ms | link capacity "
	       "%.1f kbit/s with this interval's events (%.1f continuous)\n",
	       phy_name, info.le.data_len->tx_max_len, info.le.data_len->rx_max_len, mtu, b->len, interval * 1.25, evt,
	       cont);
	printf("  notifications:          %7.1f kbit/s (%llu in %u s) = %.1f%% of capacity\n", notify_kbps,
	       (unsigned long long)notify_pdus, seconds, 100 * notify_kbps / evt);
	printf("  writes without response: %7.1f kbit/s (%llu in %u s) = %.1f%% of capacity | %.2f s real for both\n",
	       write_kbps, (unsigned long long)write_pdus, seconds, 100 * write_kbps / evt, real);
	bt_conn_unref(b->c_conn);
	bt_conn_unref(b->p_conn);
	zble_sim_deinit(&b->sim);
	free(b);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 10;
	static const uint16_t intervals[] = { 6, 40 }; /* 7.5 ms, 50 ms */
	for (unsigned i = 0; i < 2; i++) {
		if (run(intervals[i], seconds)) {
			fprintf(stderr, "gatt_throughput: set-up failed\n");
			return 1;
		}
	}
	return 0;
}
