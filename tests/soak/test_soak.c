/* Soak in virtual time: a zble central and a zble peripheral on zble-sim go
 * through N connect / GATT (MTU, discovery, subscribe, read, write,
 * notification) / disconnect cycles, each with a fault drawn from a seeded
 * RNG striking at a random point of the chain (soak_faults.c). After every
 * cycle:
 *  - it completed, or failed with an error reported to the application
 *    (a callback's error or disconnection reason, a call's return value);
 *    a cycle without a fault, or with one that only slows the link (loss,
 *    CRC errors, delayed events, held completions), must complete;
 *  - it ended within CYCLE_LIMIT_US of virtual time (no hang);
 *  - both hosts and controllers are back at their start (soak_check.c).
 *
 *   soak_coop [CYCLES]      (default $ZBLE_SOAK_CYCLES, else 10000)
 * The seed is $ZBLE_SOAK_SEED, else $ZBLE_FUZZ_SEED, else 1; it is
 * printed, and a failure names it and the cycle, so a run replays exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <zephyr/bluetooth/hci.h>

#include "soak.h"

#define SLICE_US 1000ull             /* the loop looks at the chain this often */
#define CYCLE_LIMIT_US 120000000ull  /* well above every host timeout (ATT: 30 s) */
#define SETTLE_US 50000ull           /* after both sides report the link gone */
#define CONN_INTERVAL 12             /* 15 ms */
#define CONN_TIMEOUT 50              /* 500 ms supervision timeout */

struct soak *soak;
static unsigned long cycles = 10000;

static const bt_addr_le_t periph_addr = { .type = BT_ADDR_LE_PUBLIC,
					  .a = { .val = { 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 } } };

static uint64_t env_u64(const char *name, bool *found)
{
	const char *v = getenv(name);
	*found = v && *v;
	return *found ? strtoull(v, NULL, 0) : 0;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now(void)
{
	return zble_sim_now_us(&soak->sim);
}

static int setup(void **state)
{
	(void)state;
	soak = calloc(1, sizeof(*soak));
	assert_non_null(soak);
	bool found;
	soak->seed = env_u64("ZBLE_SOAK_SEED", &found);
	if (!found) {
		soak->seed = env_u64("ZBLE_FUZZ_SEED", &found);
	}
	if (!found) {
		soak->seed = 1;
	}
	soak->rng = soak->seed;
	printf("soak: seed %llu, %lu cycles (replay: ZBLE_SOAK_SEED=%llu)\n", (unsigned long long)soak->seed, cycles,
	       (unsigned long long)soak->seed);
	zble_sim_init(&soak->sim, soak->seed);
	soak->p = zble_sim_add_device(&soak->sim, &(struct zble_sim_device_config){ .name = "periph" });
	soak->c = zble_sim_add_device(&soak->sim, &(struct zble_sim_device_config){ .name = "central" });
	assert_non_null(soak->p);
	assert_non_null(soak->c);
	assert_int_equal(zble_sim_device_add_host(soak->p), 0);
	assert_int_equal(zble_sim_device_add_host(soak->c), 0);

	zble_sim_device_select(soak->p);
	soak_conn_cb_register(false);
	assert_int_equal(bt_enable(NULL), 0);
	soak_gatt_register();
	zble_sim_device_select(soak->c);
	soak_conn_cb_register(true);
	assert_int_equal(bt_enable(NULL), 0);
	zble_sim_run_for(&soak->sim, SETTLE_US);
	soak_baseline_take();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	zble_sim_deinit(&soak->sim);
	free(soak);
	soak = NULL;
	return 0;
}

static void describe(const char *what)
{
	const struct soak_plan *pl = &soak->plan;
	fprintf(stderr,
		"soak: cycle %u (seed %llu, replay: ZBLE_SOAK_SEED=%llu): %s\n"
		"  fault %s on %s at step %s +%u us (p %.2f, %u us, drop 0x%02x/0x%04x*%u), read %u, write %u, "
		"background loss %.2f delay %u us\n"
		"  client step %s, error %d at %s, reason 0x%02x, peripheral error %d, links: central %s, "
		"peripheral %s, t %.3f s\n",
		soak->cycle, (unsigned long long)soak->seed, (unsigned long long)soak->seed, what,
		soak_fault_name(pl->fault), pl->on_central ? "central" : "peripheral", soak_step_name(pl->at_step),
		pl->after_us, pl->p, pl->us, pl->drop_code, pl->drop_detail, pl->drop_count, pl->read_len,
		pl->write_len, pl->bg_loss, pl->bg_delay_us,
		soak_step_name(soak->step), soak->err, soak_step_name(soak->err_step), soak->reason, soak->p_err,
		soak->c_conn ? "up" : "none", soak->p_conn ? "up" : "none", (double)now() / 1e6);
}

static void begin_cycle(uint32_t k)
{
	soak->cycle = k;
	soak_plan_draw(&soak->plan);
	soak->fault_armed = soak->fault_fired = false;
	soak->step = STEP_IDLE;
	soak->step_at = now();
	soak->c_done = false;
	soak->err = soak->p_err = 0;
	soak->err_step = STEP_IDLE;
	soak->reason = 0;
	soak->notified = soak->read_ok = soak->write_ok = false;
	soak->notes = 0;
	soak->value_handle = soak->ccc_handle = soak->svc_start = soak->svc_end = 0;
	soak->written_len = 0;
	soak->value_len = soak->plan.read_len;
	for (uint16_t i = 0; i < soak->value_len; i++) {
		soak->value[i] = (uint8_t)(k * 3u + i);
	}
	soak_background_faults();
	if (soak->plan.at_step == STEP_IDLE) {
		soak_fault_fire();
		soak->fault_fired = true;
		soak->fault_at = now();
	}

	zble_sim_device_select(soak->p);
	int err = bt_le_adv_start(BT_LE_ADV_PARAM(BT_LE_ADV_OPT_CONNECTABLE, 32, 48, NULL), NULL, 0, NULL, 0);
	if (err && err != -EALREADY) {
		/* Not advertising: the connect below times out (reported). */
		soak->p_err = err;
	}
	zble_sim_device_select(soak->c);
	soak->step = STEP_CONNECTING;
	soak->step_at = now();
	struct bt_conn *conn = NULL;
	err = bt_conn_le_create(&periph_addr, BT_CONN_LE_CREATE_PARAM(BT_CONN_LE_OPT_NONE, 0x30, 0x30),
				BT_LE_CONN_PARAM(CONN_INTERVAL, CONN_INTERVAL, 0, CONN_TIMEOUT), &conn);
	if (err) {
		if (soak->step == STEP_CONNECTING) {
			soak->err = err;
			soak->err_step = STEP_CONNECTING;
			soak->step = STEP_FAILED;
			soak->c_done = true;
		}
		return;
	}
	bt_conn_unref(conn); /* the connected callback keeps its own */
}

/* Whether a device still holds a link, in its host or its controller:
 * the application's view can lag (a peripheral whose delayed connection
 * complete is still on its way when the central's controller resets and
 * the link is left to the supervision timeout). */
static bool holds_link(const struct zble_sim_device *d)
{
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		if (atomic_get((atomic_t *)&d->host.conns[i].ref)) {
			return true;
		}
	}
	for (int i = 0; i < ZBLE_SIM_MAX_CONN; i++) {
		if (d->ctrl.conn_link[i] != 0xff) {
			return true;
		}
	}
	return false;
}

/* Runs the cycle until both sides let go of the link; false on a hang. */
static bool run_cycle(uint64_t start)
{
	bool radio_back = false;
	for (;;) {
		uint64_t t = now();
		const struct soak_plan *pl = &soak->plan;
		if (!soak->fault_fired && soak->step >= pl->at_step) {
			uint64_t at = soak->step_at + pl->after_us;
			if (t >= at) {
				soak_fault_fire();
				soak->fault_fired = true;
				soak->fault_at = t;
			}
		}
		bool vanished = soak->fault_fired && pl->fault == F_VANISH;
		if (vanished && !radio_back && t >= soak->fault_at + pl->us) {
			zble_sim_device_set_radio(pl->on_central ? soak->c : soak->p, true);
			radio_back = true;
		}
		if (soak->c_done && !soak->p_conn && (!vanished || radio_back) && !holds_link(soak->c) &&
		    !holds_link(soak->p)) {
			return true;
		}
		if (t - start > CYCLE_LIMIT_US) {
			return false;
		}
		if (zble_sim_run_until(&soak->sim, t + SLICE_US)) {
			return false;
		}
	}
}

static bool cmd_idle(const struct zble_host *h)
{
	return !h->sent_cmd && k_fifo_is_empty((struct k_fifo *)&h->cmd_queue);
}

static void end_cycle(uint64_t start)
{
	const struct soak_plan *pl = &soak->plan;
	soak_faults_clear();
	zble_sim_run_for(&soak->sim, SETTLE_US);
	/* A command whose completion was lost still waits for the host's
	 * command timeout: that bounds it, so wait for it (within the cycle's
	 * bound) before comparing with the start. */
	while (!(cmd_idle(&soak->c->host) && cmd_idle(&soak->p->host)) && now() - start < CYCLE_LIMIT_US) {
		zble_sim_run_for(&soak->sim, 10000);
	}
	uint64_t took = now() - start;
	if (took > soak->virt_us_max) {
		soak->virt_us_max = took;
	}
	soak->by_fault[pl->fault]++;
	bool ok = soak->step == STEP_DONE && !soak->err && !soak->p_err;
	if (ok) {
		/* Done means every part of it worked, and the write landed. */
		if (!soak->read_ok || !soak->write_ok || !soak->notified || soak->written_len != pl->write_len ||
		    memcmp(soak->value, soak->wbuf, pl->write_len)) {
			describe("done without every step's result");
			fail();
		}
		soak->ok++;
	} else {
		if (!soak->err && !soak->p_err) {
			describe("failed without a reported error");
			fail();
		}
		/* Loss and CRC errors can end a link in the link layer (a
		 * procedure's instant passed, supervision timeout): the
		 * controllers' doing, not the hosts'. */
		bool ll_end = (pl->fault == F_LOSS || pl->fault == F_CRC || pl->bg_loss > 0) &&
			      (soak->reason == BT_HCI_ERR_CONN_TIMEOUT || soak->reason == 0x28 /* Instant Passed */ ||
			       soak->reason == BT_HCI_ERR_LL_RESP_TIMEOUT ||
			       soak->reason == BT_HCI_ERR_CONN_FAIL_TO_ESTAB);
		if (!soak_fault_may_fail(pl->fault) && !ll_end) {
			describe("failed under a fault that must not fail a cycle");
			fail();
		}
		soak->failed++;
		soak->failed_by_fault[pl->fault]++;
		soak->failed_at_step[soak->err_step]++;
	}
	if (soak_check_released()) {
		describe("not everything came back");
		fail();
	}
}

static void test_soak(void **state)
{
	(void)state;
	double w0 = wall_s();
	uint64_t v0 = now();
	for (uint32_t k = 1; k <= cycles; k++) {
		uint64_t start = now();
		begin_cycle(k);
		if (!run_cycle(start)) {
			describe("no outcome within the cycle's bound (hang)");
			fail();
		}
		end_cycle(start);
		if (k % 1000 == 0) {
			printf("soak: %u cycles, %u completed, %u failed with an error, %.1f s virtual, %.1f s real\n", k,
			       soak->ok, soak->failed, (double)(now() - v0) / 1e6, wall_s() - w0);
		}
	}
	printf("soak: %lu cycles in %.1f s virtual (longest %.2f s), %.1f s real: %u completed, %u failed with an "
	       "error\n",
	       cycles, (double)(now() - v0) / 1e6, (double)soak->virt_us_max / 1e6, wall_s() - w0, soak->ok,
	       soak->failed);
	const struct zble_sim_stats *ss = &soak->sim.stats;
	printf("  radio: %u connections, %u disconnections, %u supervision timeouts, %llu steps; "
	       "ATT timeouts: central %u, peripheral %u; HCI command timeouts: central %u, peripheral %u\n",
	       ss->connections, ss->disconnections, ss->supervision_timeouts, (unsigned long long)ss->steps,
	       soak->c->host.att.stats.timeouts, soak->p->host.att.stats.timeouts, soak->c->host.stats.cmd_timeouts,
	       soak->p->host.stats.cmd_timeouts);
	for (int f = 0; f < F_COUNT; f++) {
		printf("  %-22s %5u cycles, %5u failed\n", soak_fault_name((enum soak_fault)f), soak->by_fault[f],
		       soak->failed_by_fault[f]);
	}
	for (int s = 0; s < STEP_COUNT; s++) {
		if (soak->failed_at_step[s]) {
			printf("  failed at %-22s %5u\n", soak_step_name((enum soak_step)s), soak->failed_at_step[s]);
		}
	}
	assert_int_equal(soak->ok + soak->failed, cycles);
	/* A soak where nothing gets through proves nothing. */
	assert_true(soak->ok >= cycles / 2);
}

int main(int argc, char **argv)
{
	bool found;
	unsigned long n = (unsigned long)env_u64("ZBLE_SOAK_CYCLES", &found);
	if (found) {
		cycles = n;
	}
	if (argc > 1) {
		cycles = strtoul(argv[1], NULL, 0);
	}
	if (!cycles) {
		fprintf(stderr, "usage: %s [CYCLES]\n", argv[0]);
		return 2;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_soak, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
