/* Scale: 60 simulated seconds with 1 central, 3 peripherals and 50
 * background non-connectable advertisers, every device a full zble host.
 * Must run in well under 60 s of real time (printed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>

#include "sim_test_util.h"

#define N_PERIPH 3
#define N_BACKGROUND 50

static const uint8_t magic[] = { 0xff, 0xff, 'p', 'e', 'r' };
static const struct bt_data ad_periph[] = {
	BT_DATA_BYTES(BT_DATA_FLAGS, BT_LE_AD_GENERAL | BT_LE_AD_NO_BREDR),
	BT_DATA(BT_DATA_MANUFACTURER_DATA, magic, sizeof(magic)),
};
static const struct bt_data ad_beacon[] = {
	BT_DATA_BYTES(BT_DATA_FLAGS, BT_LE_AD_NO_BREDR),
	BT_DATA_BYTES(BT_DATA_MANUFACTURER_DATA, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08),
};

struct env {
	struct zble_sim sim;
	struct zble_sim_device *central, *periph[N_PERIPH], *bg[N_BACKGROUND];
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected;
	struct bt_conn *conns[N_PERIPH];
	int n_conns;
	bt_addr_le_t seen[80];
	int n_seen;
	bt_addr_le_t periph_addr[N_PERIPH];
	int n_periph_found;
	unsigned reports;
	int p_connected[N_PERIPH], p_disconnected[N_PERIPH], p_adv_err[N_PERIPH];
	int ready_errs;
};

static struct env *g;

static int periph_index(void)
{
	for (int i = 0; i < N_PERIPH; i++) {
		if (zble_host_current() == &g->periph[i]->host) {
			return i;
		}
	}
	return -1;
}

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	assert_int_equal(err, 0);
	int p = periph_index();
	if (p >= 0) {
		g->p_connected[p]++;
		return;
	}
	g->conns[g->n_conns++] = bt_conn_ref(conn);
	k_sem_give(&g->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	int p = periph_index();
	if (p >= 0) {
		assert_int_equal(reason, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
		g->p_disconnected[p]++;
		g->p_adv_err[p] = bt_le_adv_start(BT_LE_ADV_CONN, ad_periph, ARRAY_SIZE(ad_periph), NULL, 0);
		return;
	}
	assert_int_equal(reason, BT_HCI_ERR_LOCALHOST_TERM_CONN);
	k_sem_give(&g->disconnected);
}

static void periph_ready(int err)
{
	g->ready_errs += err != 0;
	g->p_adv_err[periph_index()] = bt_le_adv_start(BT_LE_ADV_CONN, ad_periph, ARRAY_SIZE(ad_periph), NULL, 0);
}

static void beacon_ready(int err)
{
	g->ready_errs += err != 0;
	if (bt_le_adv_start(BT_LE_ADV_NCONN, ad_beacon, ARRAY_SIZE(ad_beacon), NULL, 0)) {
		g->ready_errs++;
	}
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
	(void)type;
	g->reports++;
	for (int i = 0; i < g->n_seen; i++) {
		if (bt_addr_le_eq(&g->seen[i], addr)) {
			return;
		}
	}
	if (g->n_seen < 80) {
		bt_addr_le_copy(&g->seen[g->n_seen++], addr);
	}
	bool match = false;
	bt_data_parse(buf, find_magic, &match);
	if (match && g->n_periph_found < N_PERIPH) {
		bt_addr_le_copy(&g->periph_addr[g->n_periph_found++], addr);
	}
}

static void test_sixty_seconds(void **state)
{
	(void)state;
	double t0 = real_seconds(), c0 = cpu_seconds();
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, 2024);
	zble_sim_set_stop_time(&g->sim, 120ull * 1000000);
	g->central = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = "central" });
	g->cb.connected = on_connected;
	g->cb.disconnected = on_disconnected;
	for (int i = 0; i < N_PERIPH; i++) {
		g->periph[i] = zble_sim_add_device(&g->sim, NULL);
		assert_int_equal(zble_sim_device_add_host(g->periph[i]), 0);
		zble_sim_device_select(g->periph[i]);
		bt_conn_cb_register(&g->cb);
		assert_int_equal(bt_enable(periph_ready), 0);
	}
	for (int i = 0; i < N_BACKGROUND; i++) {
		/* Spread over a 20 m x 10 m room; static random identities. */
		g->bg[i] = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){
								.no_public_addr = true, .x = 1 + i % 10 * 2, .y = 1 + i / 10 * 2 });
		assert_non_null(g->bg[i]);
		assert_int_equal(zble_sim_device_add_host(g->bg[i]), 0);
		zble_sim_device_select(g->bg[i]);
		assert_int_equal(bt_enable(beacon_ready), 0);
	}
	assert_int_equal(zble_sim_device_add_host(g->central), 0);
	zble_sim_device_select(g->central);
	bt_conn_cb_register(&g->cb);
	k_sem_init(&g->connected, 0, N_PERIPH);
	k_sem_init(&g->disconnected, 0, N_PERIPH);
	assert_int_equal(bt_enable(NULL), 0);

	/* Scan 3 s without duplicate filtering: a report burst. */
	struct bt_le_scan_param sp = { .type = BT_GAP_SCAN_TYPE_PASSIVE, .interval = 0x60, .window = 0x60 };
	assert_int_equal(bt_le_scan_start(&sp, on_scan), 0);
	k_sleep(K_SECONDS(3));
	assert_int_equal(bt_le_scan_stop(), 0);
	assert_int_equal(g->ready_errs, 0);
	assert_int_equal(g->n_seen, N_PERIPH + N_BACKGROUND);
	assert_int_equal(g->n_periph_found, N_PERIPH);

	for (int i = 0; i < N_PERIPH; i++) {
		struct bt_conn *conn = NULL;
		assert_int_equal(bt_conn_le_create(&g->periph_addr[i], BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT,
						   &conn),
				 0);
		bt_conn_unref(conn);
		assert_int_equal(k_sem_take(&g->connected, K_SECONDS(5)), 0);
	}
	assert_int_equal(g->n_conns, N_PERIPH);
	for (int i = 0; i < N_PERIPH; i++) {
		assert_int_equal(g->p_connected[i], 1);
	}

	/* Hold the links while 50 beacons keep advertising. */
	k_sleep(K_MSEC(50000 - (int32_t)(zble_sim_now_us(&g->sim) / 1000)));
	for (int i = 0; i < N_PERIPH; i++) {
		assert_int_equal(bt_conn_disconnect(g->conns[i], BT_HCI_ERR_REMOTE_USER_TERM_CONN), 0);
		bt_conn_unref(g->conns[i]);
		assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	}
	k_sleep(K_MSEC(60000 - (int32_t)(zble_sim_now_us(&g->sim) / 1000)));
	assert_true(zble_sim_now_us(&g->sim) >= 60000000);
	for (int i = 0; i < N_PERIPH; i++) {
		assert_int_equal(g->p_disconnected[i], 1);
		assert_int_equal(g->p_adv_err[i], 0);
		assert_true(g->periph[i]->host.adv.enabled); /* advertising again */
	}
	assert_int_equal(g->sim.stats.supervision_timeouts, 0);
	assert_int_equal(g->central->host.stats.rx_dropped, 0);

	uint64_t adv_events = 0;
	for (int i = 0; i < N_BACKGROUND; i++) {
		adv_events += g->bg[i]->ctrl.stats.adv_events;
	}
	double real = real_seconds() - t0, cpu = cpu_seconds() - c0;
	print_message("60 s simulated with %d devices in %.2f s real (%.2f s CPU): %u reports (%u discarded by the host), "
		      "%llu beacon adv events, %llu radio events, %llu kernel runs\n",
		      1 + N_PERIPH + N_BACKGROUND, real, cpu, g->reports, g->central->host.stats.rx_discarded,
		      (unsigned long long)adv_events, (unsigned long long)g->sim.stats.steps,
		      (unsigned long long)g->sim.stats.kernel_runs);
	assert_true(adv_events > 50ull * 500);
	assert_true(cpu < 30.0); /* CPU, not wall time: the machine's load does not count */
	zble_sim_deinit(&g->sim);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sixty_seconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
