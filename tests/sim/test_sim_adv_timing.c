/* Advertising timing: events at the advertising interval plus a random
 * 0..10 ms advDelay, seen by a scanner whose window is always open; over
 * 10 simulated seconds the count is within the bounds that implies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

static void start_adv(struct raw_host *adv, uint16_t interval, uint8_t type)
{
	uint8_t p[15] = { 0 };
	p[0] = (uint8_t)interval;
	p[1] = (uint8_t)(interval >> 8);
	p[2] = (uint8_t)interval;
	p[3] = (uint8_t)(interval >> 8);
	p[4] = type;
	p[13] = 7;
	assert_int_equal(raw_cmd(adv, 0x2006, p, 15, NULL, 0), 0);
	uint8_t data[32] = { 3, 2, 1, 6 };
	assert_int_equal(raw_cmd(adv, 0x2008, data, 32, NULL, 0), 0);
	assert_int_equal(raw_cmd(adv, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
}

static void start_scan(struct raw_host *scan, uint16_t interval, uint16_t window)
{
	uint8_t p[7] = { 0, (uint8_t)interval, (uint8_t)(interval >> 8), (uint8_t)window, (uint8_t)(window >> 8), 0, 0 };
	assert_int_equal(raw_cmd(scan, 0x200b, p, 7, NULL, 0), 0);
	assert_int_equal(raw_cmd(scan, 0x200c, (uint8_t[]){ 1, 0 }, 2, NULL, 0), 0);
}

static unsigned reports_from(const struct raw_host *rh, uint8_t addr_lsb, uint64_t *times, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < rh->n && n < max; i++) {
		const uint8_t *e = rh->log[i].data;
		if (e[0] == 0x04 && e[1] == 0x3e && e[3] == 0x02 && e[7] == addr_lsb) {
			times[n++] = rh->log[i].t;
		}
	}
	return n;
}

static void test_interval_plus_adv_delay(void **state)
{
	(void)state;
	struct zble_sim *sim = calloc(1, sizeof(*sim));
	zble_sim_init(sim, 5);
	struct raw_host adv, scan;
	raw_init(&adv, zble_sim_add_device(sim, NULL));
	raw_init(&scan, zble_sim_add_device(sim, NULL));
	scan.keep_reports = true;
	raw_setup(&adv, 0x1f);
	raw_setup(&scan, 0x1f);
	start_scan(&scan, 0x0010, 0x0010); /* window == interval: always listening */
	start_adv(&adv, 160, 0x03);        /* 100 ms, ADV_NONCONN_IND */
	uint64_t t0 = zble_sim_now_us(sim);
	zble_sim_run_for(sim, 10000000);

	static uint64_t t[RAW_LOG_MAX];
	unsigned n = reports_from(&scan, 0x01, t, RAW_LOG_MAX);
	/* 10 s / (100..110 ms), +1 for the first event */
	assert_true(n >= 10000000 / 110000 && n <= 10000000 / 100000 + 1);
	uint64_t min = UINT64_MAX, max = 0, sum = 0;
	for (unsigned i = 1; i < n; i++) {
		uint64_t d = t[i] - t[i - 1];
		min = d < min ? d : min;
		max = d > max ? d : max;
		sum += d;
	}
	assert_true(min >= 100000);
	assert_true(max <= 110000);
	/* advDelay is spread over its range, not constant. */
	assert_true(max - min > 5000);
	uint64_t mean = sum / (n - 1);
	assert_true(mean > 102000 && mean < 108000);
	assert_true(t[0] - t0 <= 10000 + 50);
	/* RSSI at the default 1 m spacing, 0 dBm: -40 dBm */
	int r0 = raw_find_le(&scan, 0x02, 0);
	assert_true(r0 >= 0);
	assert_int_equal((int8_t)scan.log[r0].data[scan.log[r0].len - 1], -40);
	print_message("%u reports in 10 s; gaps %.1f..%.1f ms, mean %.2f ms\n", n, min / 1e3, max / 1e3, mean / 1e3);
	raw_free(&adv);
	raw_free(&scan);
	zble_sim_deinit(sim);
	free(sim);
}

/* A scan window half the interval: about half the events are heard. */
static void test_scan_window(void **state)
{
	(void)state;
	struct zble_sim *sim = calloc(1, sizeof(*sim));
	zble_sim_init(sim, 6);
	struct raw_host adv, scan;
	raw_init(&adv, zble_sim_add_device(sim, NULL));
	raw_init(&scan, zble_sim_add_device(sim, NULL));
	scan.keep_reports = true;
	raw_setup(&adv, 0x1f);
	raw_setup(&scan, 0x1f);
	start_scan(&scan, 0x0060, 0x0030); /* 60 ms interval, 30 ms window */
	start_adv(&adv, 160, 0x03);
	zble_sim_run_for(sim, 10000000);
	static uint64_t t[RAW_LOG_MAX];
	unsigned n = reports_from(&scan, 0x01, t, RAW_LOG_MAX);
	assert_true(n > 25 && n < 70);
	print_message("%u reports with a 50%% scan duty cycle\n", n);
	raw_free(&adv);
	raw_free(&scan);
	zble_sim_deinit(sim);
	free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_plus_adv_delay),
		cmocka_unit_test(test_scan_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
