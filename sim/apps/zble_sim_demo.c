/* zble-sim demo: the GAP demo (apps/gap_demo.c) with a peripheral and a
 * central in one process on the simulated radio, in virtual time. The
 * peripheral runs from callbacks; the central calls blocking APIs, and each
 * wait runs the whole simulation. One line per event, simulated timestamps.
 *
 *   zble_sim_demo [--seed N] [--btsnoop PREFIX] [--hci]
 *
 * --btsnoop writes PREFIX-peripheral.btsnoop and PREFIX-central.btsnoop;
 * --hci prints every HCI packet as well. Exit status 0 when every step went
 * as it must. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>

#include "zble/sim.h"

static const uint8_t magic[] = { 0xff, 0xff, 'z', 'b', 'l', 'e' };
static const struct bt_data ad[] = {
	BT_DATA_BYTES(BT_DATA_FLAGS, BT_LE_AD_GENERAL | BT_LE_AD_NO_BREDR),
	BT_DATA(BT_DATA_MANUFACTURER_DATA, magic, sizeof(magic)),
};

struct demo {
	struct zble_sim sim;
	struct zble_sim_device *p, *c;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected, found;
	struct k_work_delayable p_disc;
	struct bt_conn *c_conn, *p_conn;
	uint8_t err, reason;
	bt_addr_le_t peer;
	int p_connections, p_disconnections;
	int failures;
};

static struct demo *d;

static const char *who(void)
{
	return zble_host_current() == &d->p->host ? "peripheral" : "central";
}

static void say(const char *role, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("[%10.3f ms] %-10s ", (double)zble_sim_now_us(&d->sim) / 1000.0, role);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		d->failures++;
		say("demo", "CHECK FAILED: %s", what);
	}
}

static void trace(void *ctx, struct zble_sim_device *dev, bool to_host, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	printf("[%10.3f ms] %-10s %s", (double)zble_sim_now_us(&d->sim) / 1000.0, dev->name, to_host ? "<- " : "-> ");
	for (size_t i = 0; i < len && i < 24; i++) {
		printf("%02x", pkt[i]);
	}
	printf("%s\n", len > 24 ? "..." : "");
}

static void p_disc_handler(struct k_work *w)
{
	(void)w;
	int err = d->p_conn ? bt_conn_disconnect(d->p_conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN) : -ENOTCONN;
	say("peripheral", "disconnecting (%d)", err);
	check(err == 0, "peripheral disconnect");
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	char addr[BT_ADDR_LE_STR_LEN];
	struct bt_conn_info info;
	bt_conn_get_info(conn, &info);
	bt_addr_le_to_str(info.le.dst, addr, sizeof(addr));
	bool periph = zble_host_current() == &d->p->host;
	if (err) {
		say(who(), "connection failed: %s err 0x%02x", addr, err);
	} else {
		say(who(), "connected: %s role=%s interval=%u", addr,
		    info.role == BT_CONN_ROLE_CENTRAL ? "central" : "peripheral", info.le.interval);
		check(info.role == (periph ? BT_CONN_ROLE_PERIPHERAL : BT_CONN_ROLE_CENTRAL), "role");
	}
	if (periph) {
		d->p_connections++;
		d->p_conn = bt_conn_ref(conn);
		if (d->p_connections == 2) {
			k_work_schedule(&d->p_disc, K_MSEC(300));
		}
		return;
	}
	if (!err && !d->c_conn) {
		d->c_conn = bt_conn_ref(conn);
	}
	d->err = err;
	k_sem_give(&d->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	say(who(), "disconnected: reason 0x%02x", reason);
	if (zble_host_current() == &d->p->host) {
		d->p_disconnections++;
		bt_conn_unref(d->p_conn);
		d->p_conn = NULL;
		if (d->p_disconnections == 1) {
			check(reason == BT_HCI_ERR_REMOTE_USER_TERM_CONN, "peripheral: remote user terminated");
			int err = bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, ad, ARRAY_SIZE(ad), NULL, 0);
			say("peripheral", "advertising restarted from the disconnected callback (%d)", err);
			check(err == 0, "restart advertising");
		} else {
			check(reason == BT_HCI_ERR_LOCALHOST_TERM_CONN, "peripheral: local host terminated");
		}
		return;
	}
	d->reason = reason;
	if (d->c_conn) {
		bt_conn_unref(d->c_conn);
		d->c_conn = NULL;
	}
	k_sem_give(&d->disconnected);
}

static void p_ready(int err)
{
	say("peripheral", "bt_enable done (%d)", err);
	err = bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, ad, ARRAY_SIZE(ad), NULL, 0);
	say("peripheral", "advertising (%d)", err);
	check(err == 0, "advertise");
}

static bool find_magic(struct bt_data *data, void *user)
{
	if (data->type == BT_DATA_MANUFACTURER_DATA && data->data_len == sizeof(magic) &&
	    !memcmp(data->data, magic, sizeof(magic))) {
		*(bool *)user = true;
		return false;
	}
	return true;
}

static void on_scan(const bt_addr_le_t *addr, int8_t rssi, uint8_t type, struct net_buf_simple *buf)
{
	bool match = false;
	bt_data_parse(buf, find_magic, &match);
	if (match && type == BT_GAP_ADV_TYPE_ADV_IND) {
		char s[BT_ADDR_LE_STR_LEN];
		bt_addr_le_to_str(addr, s, sizeof(s));
		say("central", "found the zble peripheral: %s rssi %d", s, rssi);
		bt_addr_le_copy(&d->peer, addr);
		k_sem_give(&d->found);
	}
}

static bool wait_sem(struct k_sem *s, int seconds, const char *what)
{
	bool ok = k_sem_take(s, K_SECONDS(seconds)) == 0;
	check(ok, what);
	return ok;
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

static bool scan_and_connect(void)
{
	k_sem_reset(&d->found);
	int err = bt_le_scan_start(BT_LE_SCAN_ACTIVE, on_scan);
	say("central", "scanning (%d)", err);
	check(err == 0, "scan start");
	if (!wait_sem(&d->found, 30, "peripheral found")) {
		return false;
	}
	check(bt_le_scan_stop() == 0, "scan stop");
	err = connect_to(&d->peer, 0, NULL);
	say("central", "connecting (%d)", err);
	check(err == 0, "connect");
	if (!wait_sem(&d->connected, 10, "connected")) {
		return false;
	}
	return d->err == 0;
}

static int run_central(void)
{
	if (!scan_and_connect()) {
		return 1;
	}
	k_msleep(300);
	int err = bt_conn_disconnect(d->c_conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	say("central", "disconnecting (%d)", err);
	check(err == 0, "disconnect");
	wait_sem(&d->disconnected, 10, "disconnected");
	check(d->reason == BT_HCI_ERR_LOCALHOST_TERM_CONN, "central: local host terminated");

	k_msleep(200);
	if (!scan_and_connect()) {
		return 1;
	}
	wait_sem(&d->disconnected, 10, "disconnected by the peripheral");
	check(d->reason == BT_HCI_ERR_REMOTE_USER_TERM_CONN, "central: remote user terminated");

	bt_addr_le_t ghost = { .type = BT_ADDR_LE_RANDOM, .a = { { 0x55, 0x44, 0x33, 0x22, 0x11, 0xc0 } } };
	err = connect_to(&ghost, 50, NULL);
	say("central", "connecting to an absent peer with a 500 ms timeout (%d)", err);
	wait_sem(&d->connected, 10, "timeout reported");
	check(d->err == BT_HCI_ERR_UNKNOWN_CONN_ID, "absent peer: error");

	bt_addr_le_t ghost2 = { .type = BT_ADDR_LE_RANDOM, .a = { { 0x66, 0x44, 0x33, 0x22, 0x11, 0xc0 } } };
	struct bt_conn *pending = NULL;
	err = connect_to(&ghost2, 0, &pending);
	say("central", "connecting to another absent peer, then cancelling (%d)", err);
	if (err == 0) {
		k_msleep(100);
		err = bt_conn_disconnect(pending, 0);
		say("central", "cancel (%d)", err);
		bt_conn_unref(pending);
	}
	wait_sem(&d->connected, 10, "cancel reported");
	check(d->err != 0, "cancelled connect: error");
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	const char *snoop = NULL;
	bool hci = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--btsnoop") && i + 1 < argc) {
			snoop = argv[++i];
		} else if (!strcmp(argv[i], "--hci")) {
			hci = true;
		} else {
			fprintf(stderr, "usage: zble_sim_demo [--seed N] [--btsnoop PREFIX] [--hci]\n");
			return 2;
		}
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	d = calloc(1, sizeof(*d));
	if (!d) {
		return 2;
	}
	zble_sim_init(&d->sim, seed);
	zble_sim_set_stop_time(&d->sim, 600ull * 1000000);
	if (hci) {
		d->sim.trace = trace;
	}
	d->p = zble_sim_add_device(&d->sim, &(struct zble_sim_device_config){ .name = "peripheral" });
	d->c = zble_sim_add_device(&d->sim, &(struct zble_sim_device_config){ .name = "central", .x = 3 });
	zble_sim_device_add_host(d->p);
	zble_sim_device_add_host(d->c);
	if (snoop) {
		char path[512];
		snprintf(path, sizeof(path), "%s-peripheral.btsnoop", snoop);
		check(zble_sim_device_capture(d->p, path) == 0, "btsnoop capture");
		snprintf(path, sizeof(path), "%s-central.btsnoop", snoop);
		check(zble_sim_device_capture(d->c, path) == 0, "btsnoop capture");
	}
	d->cb.connected = on_connected;
	d->cb.disconnected = on_disconnected;

	zble_sim_device_select(d->p);
	bt_conn_cb_register(&d->cb);
	k_work_init_delayable(&d->p_disc, p_disc_handler);
	check(bt_enable(p_ready) == 0, "peripheral bt_enable");

	zble_sim_device_select(d->c);
	bt_conn_cb_register(&d->cb);
	k_sem_init(&d->connected, 0, 4);
	k_sem_init(&d->disconnected, 0, 4);
	k_sem_init(&d->found, 0, 1);
	int err = bt_enable(NULL);
	bt_addr_le_t id;
	size_t n = 1;
	bt_id_get(&id, &n);
	char s[BT_ADDR_LE_STR_LEN];
	bt_addr_le_to_str(&id, s, sizeof(s));
	say("central", "bt_enable: %d, identity %s", err, s);
	int rc = err ? 1 : run_central();
	k_msleep(100);
	check(d->p_connections == 2 && d->p_disconnections == 2, "peripheral saw both links");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	say("demo", "done: %s (%d failed checks); %.3f s simulated in %.3f s real", rc || d->failures ? "FAIL" : "ok",
	    d->failures, (double)zble_sim_now_us(&d->sim) / 1e6,
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	zble_sim_deinit(&d->sim);
	int failures = d->failures;
	free(d);
	return rc || failures ? 1 : 0;
}
