/* The GAP demo: a peripheral and a central, one per process, printing a
 * line per event. It is also the interop scenario runner: every step is
 * checked and the exit status says whether all went as it must.
 *
 *   zble-demo --role peripheral --hci unix:/tmp/bt/bt-server-le
 *   zble-demo --role central    --hci unix:/tmp/bt/bt-server-le [--btsnoop f]
 *
 * Peripheral: advertise; on each disconnect advertise again (restart from
 * the disconnected callback); the second connection it ends itself.
 * Central: scan, connect, disconnect; reconnect and be disconnected by the
 * peripheral; then a connect that times out, one that is cancelled, and
 * (on a second address) one the controller may refuse at once.
 * --scenario multi: peripherals stay connected until the central ends the
 * link; the central advertises while it scans (the identity address never
 * changes), connects to two peripherals at once, updates the parameters
 * of one link and disconnects it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "demo_gatt.h"
#include "zble/btsnoop.h"
#include "zble/h4_posix.h"
#include "zble/host.h"
#include "zble/kernel.h"
#if !defined(ZBLE_KERNEL_THREADS)
#include "zble/posix_loop.h"
#define BACKEND "coop"
#else
#define BACKEND "threads"
#endif

static const uint8_t magic[] = { 0xff, 0xff, 'z', 'b', 'l', 'e' };

struct demo {
	struct zble_kernel k;
#if !defined(ZBLE_KERNEL_THREADS)
	struct zble_posix_loop loop;
#endif
	struct zble_h4_posix hci;
	struct zble_host host;
	struct zble_btsnoop_file snoop;
	bool snooping;
	const char *role;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected, found;
	struct bt_conn *conn;
	uint8_t err, reason;
	bt_addr_le_t peer;
	bool peripheral, restart_adv, multi, no_gatt;
	int failures;
	struct bt_conn *links[2];
	bt_addr_le_t peers[2];
	int n_peers;
	struct k_sem updated;
	uint16_t updated_interval;
	struct k_sem sent;
	int pdus_sent, pdus_received, pdus_bad;
};

/* ACL data between the two: L2CAP PDUs on a test channel (no L2CAP layer
 * yet, so the host's PDU hook takes them). */
#define TEST_CID 0x0040
static const uint16_t pdu_sizes[] = { 20, 180, 251 };

static struct demo d;

void demo_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("[%-10s %s %8.1f ms] ", d.role, BACKEND, (double)k_uptime_ticks() / 1000.0);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

void demo_check(bool ok, const char *what)
{
	if (!ok) {
		d.failures++;
		demo_say("CHECK FAILED: %s", what);
	}
}

#define say demo_say
#define check demo_check

static void monitor(void *ctx, bool received, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	zble_btsnoop_file_record(&d.snoop, received, pkt, len, zble_btsnoop_unix_us());
}

static const struct bt_data ad[] = {
	BT_DATA_BYTES(BT_DATA_FLAGS, BT_LE_AD_GENERAL | BT_LE_AD_NO_BREDR),
	BT_DATA(BT_DATA_MANUFACTURER_DATA, magic, sizeof(magic)),
};

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	char addr[BT_ADDR_LE_STR_LEN];
	struct bt_conn_info info;
	bt_conn_get_info(conn, &info);
	bt_addr_le_to_str(info.le.dst, addr, sizeof(addr));
	if (err) {
		say("connection failed: %s err 0x%02x", addr, err);
	} else {
		say("connected: %s role=%s interval=%u", addr,
		    info.role == BT_CONN_ROLE_CENTRAL ? "central" : "peripheral", info.le.interval);
		check(info.role == (d.peripheral ? BT_CONN_ROLE_PERIPHERAL : BT_CONN_ROLE_CENTRAL), "role");
		if (!d.conn) {
			d.conn = bt_conn_ref(conn);
		}
	}
	d.err = err;
	k_sem_give(&d.connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	say("disconnected: reason 0x%02x", reason);
	d.reason = reason;
	if (d.conn) {
		bt_conn_unref(d.conn);
		d.conn = NULL;
	}
	if (d.restart_adv) {
		/* From the callback: queued, not waited for (P1). */
		int err = bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, ad, ARRAY_SIZE(ad), NULL, 0);
		say("advertising restarted from the disconnected callback (%d)", err);
		check(err == 0, "restart advertising");
	}
	k_sem_give(&d.disconnected);
}

static bool wait_sem(struct k_sem *s, int seconds, const char *what);

static void on_pdu(struct bt_conn *conn, struct net_buf *pdu)
{
	(void)conn;
	uint16_t len = sys_get_le16(pdu->data);
	bool ok = sys_get_le16(pdu->data + 2) == TEST_CID && d.pdus_received < (int)ARRAY_SIZE(pdu_sizes) &&
		  len == pdu_sizes[d.pdus_received];
	for (uint16_t i = 0; ok && i < len; i++) {
		ok = pdu->data[4 + i] == (uint8_t)(i * 7 + len);
	}
	if (!ok) {
		d.pdus_bad++;
	}
	d.pdus_received++;
	say("received a %u-byte PDU on CID 0x%04x%s", len, sys_get_le16(pdu->data + 2), ok ? "" : " (unexpected)");
}

static void on_pdu_sent(struct bt_conn *conn, int err, void *user_data)
{
	(void)conn;
	(void)user_data;
	if (!err) {
		d.pdus_sent++;
	}
	k_sem_give(&d.sent);
}

static void send_pdus(struct bt_conn *conn)
{
	for (size_t i = 0; i < ARRAY_SIZE(pdu_sizes); i++) {
		struct net_buf *pdu = zble_acl_alloc(&d.host, K_SECONDS(1));
		if (!pdu) {
			check(false, "PDU buffer");
			return;
		}
		net_buf_add_le16(pdu, pdu_sizes[i]);
		net_buf_add_le16(pdu, TEST_CID);
		for (uint16_t j = 0; j < pdu_sizes[i]; j++) {
			net_buf_add_u8(pdu, (uint8_t)(j * 7 + pdu_sizes[i]));
		}
		check(zble_acl_send(conn, pdu, on_pdu_sent, NULL) == 0, "send PDU");
	}
	for (size_t i = 0; i < ARRAY_SIZE(pdu_sizes); i++) {
		wait_sem(&d.sent, 10, "PDU sent");
	}
	say("sent %d PDUs (%u fragments so far)", d.pdus_sent, d.host.stats.acl_tx_frags);
	check(d.pdus_sent == (int)ARRAY_SIZE(pdu_sizes), "every PDU acknowledged");
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
	if (match && type == BT_GAP_ADV_TYPE_ADV_IND && d.multi) {
		for (int i = 0; i < d.n_peers; i++) {
			if (bt_addr_le_eq(&d.peers[i], addr)) {
				return;
			}
		}
		if (d.n_peers < 2) {
			char s[BT_ADDR_LE_STR_LEN];
			bt_addr_le_to_str(addr, s, sizeof(s));
			say("found peripheral %d: %s", d.n_peers + 1, s);
			bt_addr_le_copy(&d.peers[d.n_peers++], addr);
			k_sem_give(&d.found);
		}
		return;
	}
	if (match && type == BT_GAP_ADV_TYPE_ADV_IND) {
		char s[BT_ADDR_LE_STR_LEN];
		bt_addr_le_to_str(addr, s, sizeof(s));
		say("found the zble peripheral: %s rssi %d", s, rssi);
		bt_addr_le_copy(&d.peer, addr);
		k_sem_give(&d.found);
	}
}

static bool wait_sem(struct k_sem *s, int seconds, const char *what)
{
	bool ok = k_sem_take(s, K_SECONDS(seconds)) == 0;
	check(ok, what);
	return ok;
}

/* The spec gives the side that disconnects "terminated by local host";
 * BlueZ's emulator echoes the reason it was sent instead. */
static bool local_reason(uint8_t reason)
{
	return reason == BT_HCI_ERR_LOCALHOST_TERM_CONN || reason == BT_HCI_ERR_REMOTE_USER_TERM_CONN;
}

static int run_peripheral(void)
{
	check(demo_gatt_peripheral_init() == 0, "GATT service registered");
	say("advertising");
	int err = bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, ad, ARRAY_SIZE(ad), NULL, 0);
	check(err == 0, "advertise");
	d.restart_adv = true;
	/* First connection: the central disconnects; we advertise again. */
	if (!wait_sem(&d.connected, 30, "first connection") || !wait_sem(&d.disconnected, 30, "first disconnect")) {
		return 1;
	}
	d.restart_adv = false;
	check(d.reason == BT_HCI_ERR_REMOTE_USER_TERM_CONN, "remote user terminated");
	check(d.pdus_received == (int)ARRAY_SIZE(pdu_sizes) && d.pdus_bad == 0, "every PDU received intact");
	demo_gatt_peripheral_verify();
	/* Second connection: we ask for other parameters, then disconnect.
	 * Without the LL procedure the request goes over L2CAP signalling. */
	if (!wait_sem(&d.connected, 30, "second connection")) {
		return 1;
	}
	say("asking the central for a 100 ms interval");
	err = bt_conn_le_param_update(d.conn, BT_LE_CONN_PARAM(80, 80, 0, 400));
	check(err == 0, "parameter update request");
	if (wait_sem(&d.updated, 10, "parameters updated")) {
		check(d.updated_interval == 80, "new interval");
	}
	k_msleep(300);
	struct bt_conn *conn = d.conn ? bt_conn_ref(d.conn) : NULL;
	say("disconnecting");
	err = conn ? bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN) : -ENOTCONN;
	check(err == 0, "disconnect");
	bt_conn_unref(conn);
	wait_sem(&d.disconnected, 10, "second disconnect");
	check(local_reason(d.reason), "local host terminated");
	return 0;
}

static int connect_to(const bt_addr_le_t *peer, uint16_t timeout_10ms)
{
	struct bt_conn_le_create_param cp = BT_CONN_LE_CREATE_PARAM_INIT(0, BT_GAP_SCAN_FAST_INTERVAL, BT_GAP_SCAN_FAST_WINDOW);
	cp.timeout = timeout_10ms;
	struct bt_conn *conn = NULL;
	int err = bt_conn_le_create(peer, &cp, BT_LE_CONN_PARAM_DEFAULT, &conn);
	if (conn) {
		bt_conn_unref(conn); /* the callbacks keep their own */
	}
	return err;
}

static bool scan_and_connect(void)
{
	say("scanning");
	int err = bt_le_scan_start(BT_LE_SCAN_ACTIVE, on_scan);
	check(err == 0, "scan start");
	if (!wait_sem(&d.found, 30, "peripheral found")) {
		return false;
	}
	err = bt_le_scan_stop();
	check(err == 0, "scan stop");
	say("connecting");
	err = connect_to(&d.peer, 0);
	check(err == 0, "connect");
	if (!wait_sem(&d.connected, 10, "connected")) {
		return false;
	}
	check(d.err == 0, "connected without error");
	return d.err == 0;
}

/* Everything the host sent on conn has reached the peer's link layer:
 * nothing queued or owed (an indication's confirmation), every fragment
 * reported complete by the controller. A Disconnect sent earlier may
 * overtake data still in the controller (its LL control PDU goes first),
 * so this waits for that state, not for a fixed time (10 s: a guard far
 * above normal). */
static void wait_link_drained(struct bt_conn *conn)
{
	for (int i = 0; i < 1000; i++) {
		k_mutex_lock(&d.host.lock, K_FOREVER);
		bool drained = sys_slist_is_empty(&conn->tx_queue) && conn->in_flight_count == 0 &&
			       !conn->att.confirm_pending;
		k_mutex_unlock(&d.host.lock);
		if (drained) {
			return;
		}
		k_msleep(10);
	}
	check(false, "everything sent before disconnecting");
}

static int run_central(void)
{
	if (!scan_and_connect()) {
		return 1;
	}
	send_pdus(d.conn);
	if (!d.no_gatt) {
		say("GATT: discover, read, write, subscribe");
		check(demo_gatt_central_run(d.conn), "GATT exchange");
	}
	wait_link_drained(d.conn);
	struct bt_conn *conn = bt_conn_ref(d.conn);
	say("disconnecting");
	int err = bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	bt_conn_unref(conn);
	check(err == 0, "disconnect");
	wait_sem(&d.disconnected, 10, "disconnected");
	check(local_reason(d.reason), "local host terminated");

	/* The peripheral advertises again from its callback. */
	k_msleep(200);
	if (!scan_and_connect()) {
		return 1;
	}
	/* It asks for new parameters; we accept and the link changes. */
	if (wait_sem(&d.updated, 10, "parameters updated at the peripheral's request")) {
		check(d.updated_interval == 80, "new interval");
	}
	wait_sem(&d.disconnected, 10, "disconnected by the peripheral");
	check(d.reason == BT_HCI_ERR_REMOTE_USER_TERM_CONN, "remote user terminated");

	/* Nobody advertises at these addresses. */
	bt_addr_le_t ghost = { .type = BT_ADDR_LE_RANDOM, .a = { { 0x55, 0x44, 0x33, 0x22, 0x11, 0xc0 } } };
	say("connecting to an absent peer with a 500 ms timeout");
	err = connect_to(&ghost, 50);
	wait_sem(&d.connected, 10, "timeout reported");
	check(err != 0 || d.err != 0, "absent peer: error");

	bt_addr_le_t ghost2 = { .type = BT_ADDR_LE_RANDOM, .a = { { 0x66, 0x44, 0x33, 0x22, 0x11, 0xc0 } } };
	struct bt_conn *pending = NULL;
	struct bt_conn_le_create_param cp = BT_CONN_LE_CREATE_PARAM_INIT(0, BT_GAP_SCAN_FAST_INTERVAL, BT_GAP_SCAN_FAST_WINDOW);
	say("connecting to another absent peer, then cancelling");
	err = bt_conn_le_create(&ghost2, &cp, BT_LE_CONN_PARAM_DEFAULT, &pending);
	if (err == 0) {
		k_msleep(100);
		err = bt_conn_disconnect(pending, 0);
		say("cancel: %s", err == -ENOTCONN ? "nothing left to cancel (the controller refused at once)" : err ? "failed" : "sent");
		bt_conn_unref(pending);
	}
	wait_sem(&d.connected, 10, "cancel reported");
	check(d.err != 0, "cancelled connect: error");
	return 0;
}

static void on_param_updated(struct bt_conn *conn, uint16_t interval, uint16_t latency, uint16_t timeout)
{
	(void)conn;
	say("parameters updated: interval %u latency %u timeout %u", interval, latency, timeout);
	d.updated_interval = interval;
	k_sem_give(&d.updated);
}

static int run_multi_peripheral(void)
{
	int err = bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, ad, ARRAY_SIZE(ad), NULL, 0);
	say("advertising (%d)", err);
	check(err == 0, "advertise");
	if (!wait_sem(&d.connected, 30, "connection")) {
		return 1;
	}
	/* BlueZ's emulator (5.66) reports the disconnection of the second of
	 * two links with the other link's handle, in either direction, so
	 * only the central's first disconnection is checked on both sides. */
	if (k_sem_take(&d.disconnected, K_SECONDS(5)) != 0) {
		say("no disconnection seen (expected on btvirt for the second link)");
	}
	return 0;
}

static void count_conn(struct bt_conn *conn, void *data)
{
	(void)conn;
	(*(int *)data)++;
}

static int run_multi_central(void)
{
	bt_addr_le_t id_before, id_after;
	size_t n = 1;
	bt_id_get(&id_before, &n);
	/* Advertise and scan at once, without any address change. */
	struct bt_le_adv_param nconn = BT_LE_ADV_PARAM_INIT(BT_LE_ADV_OPT_USE_NAME, 0x100, 0x140, NULL);
	int err = bt_le_adv_start(&nconn, NULL, 0, NULL, 0);
	say("advertising (non-connectable) while scanning (%d)", err);
	check(err == 0, "advertise");
	err = bt_le_scan_start(BT_LE_SCAN_ACTIVE, on_scan);
	check(err == 0, "scan while advertising");
	if (!wait_sem(&d.found, 30, "first peripheral") || !wait_sem(&d.found, 30, "second peripheral")) {
		return 1;
	}
	check(bt_le_scan_stop() == 0, "scan stop");
	for (int i = 0; i < 2; i++) {
		err = connect_to(&d.peers[i], 0);
		say("connecting to peripheral %d (%d)", i + 1, err);
		check(err == 0, "connect");
		if (!wait_sem(&d.connected, 10, "connected")) {
			return 1;
		}
		check(d.err == 0, "connected without error");
		d.links[i] = bt_conn_lookup_addr_le(BT_ID_DEFAULT, &d.peers[i]);
		check(d.links[i] != NULL, "lookup by address");
	}
	int count = 0;
	bt_conn_foreach(BT_CONN_TYPE_LE, count_conn, &count);
	say("%d simultaneous connections", count);
	check(count == 2, "two connections");
	bt_id_get(&id_after, &n);
	check(bt_addr_le_eq(&id_before, &id_after), "identity unchanged");

	err = bt_conn_le_param_update(d.links[0], BT_LE_CONN_PARAM(80, 80, 0, 400));
	say("updating link 1 to a 100 ms interval (%d)", err);
	check(err == 0, "parameter update");
	if (wait_sem(&d.updated, 10, "parameters updated")) {
		check(d.updated_interval == 80, "new interval");
	}
	err = bt_le_adv_stop();
	say("advertising stop (%d)", err);
	check(err == 0, "advertising stop");
	err = bt_conn_disconnect(d.links[0], BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	say("disconnecting link 1 (%d)", err);
	check(err == 0, "disconnect");
	wait_sem(&d.disconnected, 10, "disconnected");
	check(local_reason(d.reason), "local host terminated");
	count = 0;
	bt_conn_foreach(BT_CONN_TYPE_LE, count_conn, &count);
	check(count == 1, "one connection left");
	/* Link 2 ends with bt_disable() (see run_multi_peripheral). */
	for (int i = 0; i < 2; i++) {
		bt_conn_unref(d.links[i]);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: zble-demo --role peripheral|central --hci SPEC [--btsnoop FILE] [--legacy] [--no-gatt] [--scenario basic|multi]\n"
			"  --no-gatt: the central skips the GATT exchange (a peer without a GATT server)\n"
			"  SPEC: unix:PATH | tcp:HOST:PORT | tty:PATH[,baud] | userchan:N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *hci = NULL, *snoop = NULL;
	bool legacy = false;
	d.role = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--role") && i + 1 < argc) {
			d.role = argv[++i];
		} else if (!strcmp(argv[i], "--hci") && i + 1 < argc) {
			hci = argv[++i];
		} else if (!strcmp(argv[i], "--btsnoop") && i + 1 < argc) {
			snoop = argv[++i];
		} else if (!strcmp(argv[i], "--legacy")) {
			legacy = true;
		} else if (!strcmp(argv[i], "--no-gatt")) {
			d.no_gatt = true;
		} else if (!strcmp(argv[i], "--scenario") && i + 1 < argc) {
			d.multi = !strcmp(argv[++i], "multi");
		} else {
			usage();
		}
	}
	if (!d.role || !hci || (strcmp(d.role, "peripheral") && strcmp(d.role, "central"))) {
		usage();
	}
	d.peripheral = !strcmp(d.role, "peripheral");

#if !defined(ZBLE_KERNEL_THREADS)
	zble_posix_loop_init(&d.loop);
	zble_kernel_init(&d.k, &zble_posix_loop_port, &d.loop);
#else
	zble_kernel_init(&d.k, NULL, NULL);
#endif
	zble_port_set_current_kernel(&d.k);
	struct zble_h4_posix_config cfg = { .spec = hci };
#if !defined(ZBLE_KERNEL_THREADS)
	cfg.loop = &d.loop;
#endif
	int err = zble_h4_posix_init(&d.hci, &cfg);
	if (err) {
		fprintf(stderr, "zble-demo: bad --hci %s (%d)\n", hci, err);
		return 2;
	}
	zble_host_init(&d.host, &d.k, &d.hci.drv);
	zble_host_use_legacy_commands(&d.host, legacy);
	if (snoop) {
		err = zble_btsnoop_file_open(&d.snoop, snoop);
		if (err) {
			fprintf(stderr, "zble-demo: cannot write %s (%d)\n", snoop, err);
			return 2;
		}
		zble_host_set_monitor(&d.host, monitor, NULL);
		d.snooping = true;
	}
	k_sem_init(&d.connected, 0, 4);
	k_sem_init(&d.disconnected, 0, 4);
	k_sem_init(&d.found, 0, 1);
	d.cb.connected = on_connected;
	d.cb.disconnected = on_disconnected;
	d.cb.le_param_updated = on_param_updated;
	k_sem_init(&d.updated, 0, 2);
	k_sem_init(&d.sent, 0, 8);
	zble_host_set_l2cap_recv(&d.host, on_pdu);
	if (d.multi) {
		k_sem_init(&d.found, 0, 2);
	}
	bt_conn_cb_register(&d.cb);

	err = bt_enable(NULL);
	bt_addr_le_t id;
	size_t n = 1;
	bt_id_get(&id, &n);
	char s[BT_ADDR_LE_STR_LEN];
	bt_addr_le_to_str(&id, s, sizeof(s));
	say("bt_enable: %d, identity %s, HCI version %u, %s commands", err, s, d.host.hci_version,
	    d.host.ext ? "extended" : "legacy");
	if (err) {
		return 1;
	}
	int rc = d.multi ? (d.peripheral ? run_multi_peripheral() : run_multi_central())
			 : (d.peripheral ? run_peripheral() : run_central());
	say("done: %s (%d failed checks; discarded reports %u, malformed %u)", rc || d.failures ? "FAIL" : "ok",
	    d.failures, d.host.stats.rx_discarded, d.host.stats.malformed);
	bt_disable();
	zble_host_deinit(&d.host);
	if (d.snooping) {
		zble_btsnoop_file_close(&d.snoop);
	}
	zble_kernel_deinit(&d.k);
	return rc || d.failures ? 1 : 0;
}
