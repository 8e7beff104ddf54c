/* Determinism: the same scenario with the same seed gives byte-identical
 * btsnoop captures on both devices; another seed changes the timing. The
 * scenario is fully event-driven (both devices work from callbacks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>

#include "sim_test_util.h"

static const uint8_t magic[] = { 0xff, 0xff, 'd', 'e', 't' };
static const struct bt_data ad[] = {
	BT_DATA_BYTES(BT_DATA_FLAGS, BT_LE_AD_GENERAL | BT_LE_AD_NO_BREDR),
	BT_DATA(BT_DATA_MANUFACTURER_DATA, magic, sizeof(magic)),
};

struct run {
	struct zble_sim sim;
	struct zble_sim_device *p, *c;
	struct bt_conn_cb cb;
	struct k_work_delayable disc;
	struct bt_conn *conn;
	bool connecting;
	int connected, disconnected;
};

static struct run *r;

static bool is_central(void)
{
	return zble_host_current() == &r->c->host;
}

static void disc_handler(struct k_work *w)
{
	(void)w;
	bt_conn_disconnect(r->conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
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
	(void)rssi;
	bool match = false;
	bt_data_parse(buf, find_magic, &match);
	if (!match || type != BT_GAP_ADV_TYPE_ADV_IND || r->connecting) {
		return;
	}
	r->connecting = true;
	bt_le_scan_stop();
	struct bt_conn *conn = NULL;
	bt_conn_le_create(addr, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn);
	bt_conn_unref(conn);
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	assert_int_equal(err, 0);
	r->connected++;
	if (is_central()) {
		r->conn = bt_conn_ref(conn);
		k_work_schedule(&r->disc, K_MSEC(250));
	}
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	(void)reason;
	r->disconnected++;
	if (is_central()) {
		bt_conn_unref(r->conn);
		r->conn = NULL;
	}
}

static void p_ready(int err)
{
	assert_int_equal(err, 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_CONN_FAST_1, ad, ARRAY_SIZE(ad), NULL, 0), 0);
}

static void c_ready(int err)
{
	assert_int_equal(err, 0);
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_ACTIVE, on_scan), 0);
}

static void run_scenario(uint64_t seed, const char *p_path, const char *c_path, uint64_t *conn_time)
{
	r = calloc(1, sizeof(*r));
	zble_sim_init(&r->sim, seed);
	r->p = zble_sim_add_device(&r->sim, NULL);
	r->c = zble_sim_add_device(&r->sim, &(struct zble_sim_device_config){ .no_public_addr = true });
	assert_int_equal(zble_sim_device_add_host(r->p), 0);
	assert_int_equal(zble_sim_device_add_host(r->c), 0);
	assert_int_equal(zble_sim_device_capture(r->p, p_path), 0);
	assert_int_equal(zble_sim_device_capture(r->c, c_path), 0);
	r->cb.connected = on_connected;
	r->cb.disconnected = on_disconnected;

	zble_sim_device_select(r->p);
	bt_conn_cb_register(&r->cb);
	assert_int_equal(bt_enable(p_ready), 0);
	zble_sim_device_select(r->c);
	bt_conn_cb_register(&r->cb);
	k_work_init_delayable(&r->disc, disc_handler);
	assert_int_equal(bt_enable(c_ready), 0);

	uint64_t t_conn = 0;
	while (zble_sim_now_us(&r->sim) < 3000000) {
		zble_sim_run_for(&r->sim, 1000);
		if (!t_conn && r->connected == 2) {
			t_conn = zble_sim_now_us(&r->sim);
		}
	}
	assert_int_equal(r->connected, 2);
	assert_int_equal(r->disconnected, 2);
	*conn_time = t_conn;
	zble_sim_deinit(&r->sim);
	free(r);
	r = NULL;
}

static long read_file(const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, max, f);
	fclose(f);
	return (long)n;
}

static void test_same_seed_same_bytes(void **state)
{
	(void)state;
	static uint8_t a[1 << 20], b[1 << 20];
	uint64_t t1, t2, t3;
	run_scenario(42, "sim_det_p1.btsnoop", "sim_det_c1.btsnoop", &t1);
	run_scenario(42, "sim_det_p2.btsnoop", "sim_det_c2.btsnoop", &t2);
	run_scenario(43, "sim_det_p3.btsnoop", "sim_det_c3.btsnoop", &t3);
	assert_int_equal(t1, t2);

	const char *pairs[2][2] = { { "sim_det_p1.btsnoop", "sim_det_p2.btsnoop" },
				    { "sim_det_c1.btsnoop", "sim_det_c2.btsnoop" } };
	for (int i = 0; i < 2; i++) {
		long na = read_file(pairs[i][0], a, sizeof(a));
		long nb = read_file(pairs[i][1], b, sizeof(b));
		assert_true(na > 16 + 24 * 20);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, (size_t)na);
	}
	/* Another seed: other advDelay draws, another static random identity
	 * (LE Rand), so other bytes and another connection time. */
	long na = read_file("sim_det_c1.btsnoop", a, sizeof(a));
	long nb = read_file("sim_det_c3.btsnoop", b, sizeof(b));
	assert_true(na != nb || memcmp(a, b, (size_t)na) != 0);
	assert_true(t1 != t3);
	print_message("connected at %.3f ms (seed 42, twice) and %.3f ms (seed 43); capture %ld bytes\n", t1 / 1e3,
		      t3 / 1e3, na);
	for (int i = 1; i <= 3; i++) {
		char p[64];
		snprintf(p, sizeof(p), "sim_det_p%d.btsnoop", i);
		remove(p);
		snprintf(p, sizeof(p), "sim_det_c%d.btsnoop", i);
		remove(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
