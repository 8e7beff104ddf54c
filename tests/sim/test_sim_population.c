/* Populations of background advertisers: a zble scanner sees nearly all of
 * them within a few seconds of virtual time; a burst (every beacon in one
 * simulation step, the host not running in between) overflows the host's
 * discardable event pool, counted in stats.rx_discarded, and nothing else
 * suffers; dropped events (probability) only cost reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/hci.h>

#include "sim_test_util.h"

#define N_BEACONS 120

struct env {
	struct zble_sim sim;
	struct zble_sim_device *s;
	struct zble_sim_population pop;
	struct zble_sim_beacon beacons[N_BEACONS];
	bt_addr_le_t seen[N_BEACONS];
	unsigned n_seen, reports, by_type[5], unknown;
};

static struct env *g;

static void on_scan(const bt_addr_le_t *addr, int8_t rssi, uint8_t type, struct net_buf_simple *buf)
{
	(void)rssi;
	(void)buf;
	g->reports++;
	if (type <= 4) {
		g->by_type[type]++;
	}
	for (unsigned i = 0; i < g->n_seen; i++) {
		if (bt_addr_le_eq(&g->seen[i], addr)) {
			return;
		}
	}
	bool known = false;
	for (unsigned i = 0; i < g->pop.n; i++) {
		known |= addr->type == BT_ADDR_LE_RANDOM && !memcmp(addr->a.val, g->beacons[i].addr, 6);
	}
	if (!known || g->n_seen >= N_BEACONS) {
		g->unknown++;
		return;
	}
	bt_addr_le_copy(&g->seen[g->n_seen++], addr);
}

static int setup(void **state)
{
	(void)state;
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, 777);
	zble_sim_set_stop_time(&g->sim, 120ull * 1000000);
	g->s = zble_sim_add_device(&g->sim, &(struct zble_sim_device_config){ .name = "scanner" });
	assert_int_equal(zble_sim_device_add_host(g->s), 0);
	zble_sim_device_select(g->s);
	assert_int_equal(bt_enable(NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	zble_sim_deinit(&g->sim);
	free(g);
	return 0;
}

static void assert_pools_full(struct zble_host *h)
{
	struct net_buf_pool *pools[] = { &h->cmd_pool, &h->evt_pool, &h->disc_pool };
	const unsigned counts[] = { CONFIG_BT_BUF_CMD_TX_COUNT, CONFIG_BT_BUF_EVT_RX_COUNT,
				    CONFIG_BT_BUF_EVT_DISCARDABLE_COUNT };
	for (int i = 0; i < 3; i++) {
		struct net_buf_pool_stats st;
		net_buf_pool_stats_get(pools[i], &st);
		assert_int_equal(st.free, counts[i]);
	}
}

/* Continuous active scanning, every report (no duplicate filter). */
static const struct bt_le_scan_param scan_all = {
	.type = BT_GAP_SCAN_TYPE_ACTIVE, .options = 0, .interval = 0x30, .window = 0x30,
};

static void test_api(void **state)
{
	(void)state;
	struct zble_sim_population other;
	struct zble_sim_population_config bad = { .interval_min_ms = 10 };
	assert_int_equal(zble_sim_add_population(&g->sim, &other, g->beacons, 4, &bad), -EINVAL);
	bad = (struct zble_sim_population_config){ .connectable_pct = 80, .scannable_pct = 30 };
	assert_int_equal(zble_sim_add_population(&g->sim, &other, g->beacons, 4, &bad), -EINVAL);
	assert_int_equal(zble_sim_add_population(&g->sim, &g->pop, g->beacons, N_BEACONS, NULL), 0);
	assert_int_equal(zble_sim_add_population(&g->sim, &g->pop, g->beacons, N_BEACONS, NULL), -EINVAL);
	unsigned types[4] = { 0 };
	for (unsigned i = 0; i < N_BEACONS; i++) {
		const struct zble_sim_beacon *b = &g->beacons[i];
		assert_true(b->interval_us >= 20000 && b->interval_us <= 100000);
		assert_int_equal(b->addr[5] & 0xc0, 0xc0);
		assert_true(b->data_len >= 7 && b->data_len <= 31);
		types[b->adv_type]++;
	}
	assert_true(types[0] > 20 && types[2] > 20 && types[3] > 20);
	/* Deterministic: the same seed, the same beacons. */
	struct zble_sim *sim2 = calloc(1, sizeof(*sim2));
	struct zble_sim_beacon *b2 = calloc(N_BEACONS, sizeof(*b2));
	zble_sim_init(sim2, 777);
	assert_int_equal(zble_sim_add_population(sim2, &other, b2, N_BEACONS, NULL), 0);
	for (unsigned i = 0; i < N_BEACONS; i++) {
		assert_memory_equal(b2[i].addr, g->beacons[i].addr, 6);
		assert_memory_equal(b2[i].data, g->beacons[i].data, 31);
		assert_int_equal(b2[i].interval_us, g->beacons[i].interval_us);
		assert_int_equal(b2[i].adv_type, g->beacons[i].adv_type);
	}
	zble_sim_deinit(sim2);
	free(sim2);
	free(b2);
}

static void test_scanner_sees_most(void **state)
{
	(void)state;
	assert_int_equal(zble_sim_add_population(&g->sim, &g->pop, g->beacons, N_BEACONS, NULL), 0);
	assert_int_equal(bt_le_scan_start(&scan_all, on_scan), 0);
	uint64_t t0 = zble_sim_now_us(&g->sim);
	double r0 = real_seconds();
	uint64_t all_at = 0;
	for (int i = 0; i < 30 && !all_at; i++) {
		k_msleep(100);
		if (g->n_seen == N_BEACONS) {
			all_at = zble_sim_now_us(&g->sim) - t0;
		}
	}
	k_msleep(3000 - (zble_sim_now_us(&g->sim) - t0) / 1000);
	assert_int_equal(bt_le_scan_stop(), 0);
	struct zble_host *h = &g->s->host;
	print_message("%u beacons: %u seen (all after %.1f s), %u reports in 3 s (%u ADV_IND, %u ADV_SCAN_IND, "
		      "%u ADV_NONCONN_IND, %u SCAN_RSP), %u discarded by the host, %.3f s real\n",
		      N_BEACONS, g->n_seen, all_at / 1e6, g->reports, g->by_type[0], g->by_type[2], g->by_type[3],
		      g->by_type[4], h->stats.rx_discarded, real_seconds() - r0);
	assert_true(g->n_seen >= N_BEACONS * 9 / 10);
	assert_int_equal(g->unknown, 0);
	assert_true(g->by_type[0] && g->by_type[2] && g->by_type[3] && g->by_type[4]);
	assert_true(g->reports > 3 * N_BEACONS * 10); /* ~1 per 60 ms each, plus scan responses */
	assert_int_equal(h->stats.rx_dropped, 0);
	k_msleep(10);
	assert_pools_full(h);
}

static void test_burst_discards(void **state)
{
	(void)state;
	/* Passive scanning: one report per beacon per advertising event. */
	struct zble_sim_population_config cfg = { .interval_min_ms = 1000, .interval_max_ms = 1000 };
	assert_int_equal(zble_sim_add_population(&g->sim, &g->pop, g->beacons, N_BEACONS, &cfg), 0);
	static const struct bt_le_scan_param passive_dup = {
		.type = BT_GAP_SCAN_TYPE_PASSIVE, .options = BT_LE_SCAN_OPT_FILTER_DUPLICATE, .interval = 0x30,
		.window = 0x30,
	};
	assert_int_equal(bt_le_scan_start(&passive_dup, on_scan), 0);
	k_msleep(1500); /* every beacon seen once */
	struct zble_host *h = &g->s->host;
	unsigned seen_before = g->n_seen;
	assert_int_equal(h->stats.rx_discarded, 0);
	assert_int_equal(bt_le_scan_stop(), 0);
	/* Without the duplicate filter, then all at once. */
	static const struct bt_le_scan_param passive_all = {
		.type = BT_GAP_SCAN_TYPE_PASSIVE, .options = 0, .interval = 0x30, .window = 0x30,
	};
	assert_int_equal(bt_le_scan_start(&passive_all, on_scan), 0);
	unsigned r0 = g->reports;
	zble_sim_population_burst(&g->pop, zble_sim_now_us(&g->sim) + 1000);
	k_msleep(20);
	unsigned burst_reports = g->reports - r0;
	uint32_t discarded = h->stats.rx_discarded;
	print_message("burst of %u reports in one step: %u delivered, %u discarded (pool of %u), controller dropped %u\n",
		      N_BEACONS, burst_reports, discarded, CONFIG_BT_BUF_EVT_DISCARDABLE_COUNT,
		      g->s->ctrl.stats.to_host_dropped);
	assert_int_equal(seen_before, N_BEACONS);
	assert_true(discarded >= N_BEACONS - CONFIG_BT_BUF_EVT_DISCARDABLE_COUNT - 1);
	assert_int_equal(burst_reports + discarded, N_BEACONS);
	assert_int_equal(h->stats.rx_dropped, 0); /* never an essential event */
	/* The host is fine: scanning continues, the API works, pools refill. */
	k_msleep(1100);
	assert_true(g->reports - r0 >= burst_reports + N_BEACONS * 9 / 10);
	assert_int_equal(bt_le_scan_stop(), 0);
	k_msleep(10);
	assert_pools_full(h);
}

static void test_dropped_events(void **state)
{
	(void)state;
	assert_int_equal(zble_sim_add_population(&g->sim, &g->pop, g->beacons, 20, NULL), 0);
	assert_int_equal(bt_le_scan_start(&scan_all, on_scan), 0);
	zble_sim_fault_drop_events(g->s, 0.5);
	k_msleep(3000);
	zble_sim_fault_drop_events(g->s, 0);
	uint32_t dropped = g->s->ctrl.faults.stats.events_dropped;
	print_message("half the events dropped: %u dropped, %u reports, %u of 20 beacons seen\n", dropped, g->reports,
		      g->n_seen);
	assert_true(dropped > 100);
	assert_int_equal(g->n_seen, 20);
	assert_int_equal(bt_le_scan_stop(), 0);
	k_msleep(10);
	assert_pools_full(&g->s->host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_api, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scanner_sees_most, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_events, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
