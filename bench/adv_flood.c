/* Advertising flood: N background advertisers (a zble-sim population, legacy
 * connectable/scannable/non-connectable mix, 20-100 ms intervals) and one
 * zble scanner (continuous window, no duplicate filter) for 5 s of virtual
 * time. Prints reports delivered to the application, distinct devices seen,
 * reports the host discarded (discardable pool empty) and the real time
 * taken. Numbers, not assertions. Usage: adv_flood [seconds] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zephyr/bluetooth/bluetooth.h>

#include "zble/sim.h"

struct flood {
	struct zble_sim sim;
	struct zble_sim_population pop;
	struct zble_sim_beacon beacons[500];
	bool seen[500];
	unsigned distinct;
	uint64_t reports;
};

static struct flood *cur; /* the callback's context (one run at a time) */

static double real_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_scan(const bt_addr_le_t *addr, int8_t rssi, uint8_t type, struct net_buf_simple *buf)
{
	(void)rssi;
	(void)type;
	(void)buf;
	cur->reports++;
	for (unsigned i = 0; i < cur->pop.n; i++) {
		if (!memcmp(cur->beacons[i].addr, addr->a.val, 6)) {
			if (!cur->seen[i]) {
				cur->seen[i] = true;
				cur->distinct++;
			}
			return;
		}
	}
}

static int run(unsigned n, bool active, unsigned seconds)
{
	struct flood *f = calloc(1, sizeof(*f));
	if (!f) {
		return -1;
	}
	cur = f;
	zble_sim_init(&f->sim, 2024 + n);
	struct zble_sim_device *s = zble_sim_add_device(&f->sim, &(struct zble_sim_device_config){ .name = "scanner" });
	if (!s || zble_sim_device_add_host(s)) {
		return -1;
	}
	zble_sim_device_select(s);
	if (bt_enable(NULL)) {
		return -1;
	}
	struct zble_sim_population_config cfg = { .interval_min_ms = 20, .interval_max_ms = 100 };
	if (zble_sim_add_population(&f->sim, &f->pop, f->beacons, n, &cfg)) {
		return -1;
	}
	struct bt_le_scan_param sp = {
		.type = active ? BT_GAP_SCAN_TYPE_ACTIVE : BT_GAP_SCAN_TYPE_PASSIVE,
		.options = 0,
		.interval = 0x30,
		.window = 0x30,
	};
	if (bt_le_scan_start(&sp, on_scan)) {
		return -1;
	}
	uint64_t t0 = zble_sim_now_us(&f->sim);
	double r0 = real_s();
	k_msleep((int32_t)(seconds * 1000));
	double real = real_s() - r0;
	double virt = (double)(zble_sim_now_us(&f->sim) - t0) / 1e6;
	bt_le_scan_stop();
	struct zble_host *h = &s->host;
	uint32_t discarded = __atomic_load_n(&h->stats.rx_discarded, __ATOMIC_RELAXED);
	printf("adv_flood: %3u advertisers, %-7s %.0f s virtual: %7llu reports delivered (%6.0f/s), %3u/%u devices "
	       "seen, %6u discarded by the host, %6u dropped by the controller, %llu advertising events, "
	       "%.3f s real (%.0fx)\n",
	       n, active ? "active," : "passive,", virt, (unsigned long long)f->reports, (double)f->reports / virt,
	       f->distinct, n, discarded, s->ctrl.stats.to_host_dropped, (unsigned long long)f->pop.adv_events, real,
	       virt / real);
	zble_sim_deinit(&f->sim);
	free(f);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 5;
	static const unsigned sizes[] = { 50, 200, 500 };
	for (unsigned i = 0; i < 3; i++) {
		for (int active = 0; active < 2; active++) {
			if (run(sizes[i], active, seconds)) {
				fprintf(stderr, "adv_flood: set-up failed for %u\n", sizes[i]);
				return 1;
			}
		}
	}
	return 0;
}
