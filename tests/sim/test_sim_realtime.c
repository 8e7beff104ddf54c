/* Real-time mode: simulated time paced to a wall clock, outside input taken
 * while the scheduler sleeps. With a fake clock the pacing is checked
 * exactly; one test uses the real monotonic clock. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

/* A fake wall clock: wait() jumps it forward, or to the next scheduled
 * input. */
struct fake {
	uint64_t wall;
	uint64_t input_at;      /* wall time of the pending input, or NEVER */
	struct zble_sim *sim;
	struct raw_host *rh;
	unsigned waits, inputs;
	uint64_t last_timeout;
	uint64_t now_at_input;  /* simulated time input() saw */
	int stop;               /* returned from wait() when set */
};

static uint64_t fake_clock(void *ctx)
{
	return ((struct fake *)ctx)->wall;
}

static int fake_wait(void *ctx, uint64_t timeout_us)
{
	struct fake *f = ctx;
	f->waits++;
	f->last_timeout = timeout_us;
	if (f->stop) {
		return f->stop;
	}
	if (f->input_at != ZBLE_TIME_NEVER && (timeout_us == ZBLE_TIME_NEVER || f->input_at <= f->wall + timeout_us)) {
		if (f->input_at > f->wall) {
			f->wall = f->input_at;
		}
		return 1;
	}
	if (timeout_us == ZBLE_TIME_NEVER) {
		return -EDEADLK;
	}
	f->wall += timeout_us;
	return 0;
}

static int fake_input(void *ctx)
{
	struct fake *f = ctx;
	f->inputs++;
	f->input_at = ZBLE_TIME_NEVER;
	f->now_at_input = zble_sim_now_us(f->sim);
	/* An HCI Reset from an "outside host". */
	static const uint8_t reset[] = { 0x01, 0x03, 0x0c, 0x00 };
	return f->rh->drv->send(f->rh->drv, reset, sizeof(reset));
}

static void test_paced_to_fake_clock(void **state)
{
	(void)state;
	struct zble_sim *sim = calloc(1, sizeof(*sim));
	struct fake f = { .wall = 1000000, .input_at = ZBLE_TIME_NEVER, .sim = sim };
	zble_sim_init_realtime(sim, 3,
			       &(struct zble_sim_realtime){
				       .clock_us = fake_clock, .wait = fake_wait, .input = fake_input, .ctx = &f });
	assert_true(sim->realtime);
	struct raw_host rh;
	f.rh = &rh;
	raw_init(&rh, zble_sim_add_device(sim, NULL));
	assert_int_equal(zble_sim_now_us(sim), 0); /* time 0 is the wall clock at init */

	/* Nothing to do: run_for sleeps until the wall reaches the deadline. */
	assert_int_equal(zble_sim_run_for(sim, 20000), 0);
	assert_int_equal(zble_sim_now_us(sim), 20000);
	assert_int_equal(f.wall, 1020000);
	assert_int_equal(f.last_timeout, 20000);

	/* Input at wall +5 ms: taken at simulated 25 ms; the command completes
	 * 50 us later, before the deadline. */
	f.input_at = 1025000;
	unsigned before = rh.n;
	assert_int_equal(zble_sim_run_for(sim, 10000), 0);
	assert_int_equal(f.inputs, 1);
	assert_int_equal(f.now_at_input, 25000);
	int e = raw_find_evt(&rh, 0x0e, before);
	assert_true(e >= 0);
	assert_int_equal(rh.log[e].t, 25050);
	assert_int_equal(zble_sim_now_us(sim), 30000);
	assert_int_equal(f.wall, 1030000);

	/* Behind the wall clock (a stall): due events run at once, no sleep. */
	f.wall += 500000;
	unsigned waits = f.waits;
	raw_cmd(&rh, 0x1009, NULL, 0, NULL, 0); /* Read BD_ADDR; runs up to 1 s */
	assert_true(f.waits - waits <= 2);       /* input polls only, then stops at the event */
	assert_true(sim->rt_stats.max_lag_us >= 400000);

	/* wait() < 0 stops the run with that error. */
	f.stop = -EINTR;
	assert_int_equal(zble_sim_run_for(sim, 1000000), -EINTR);
	f.stop = 0;

	/* Nothing scheduled and no deadline: wait forever (here: -EDEADLK from
	 * the fake). */
	assert_int_equal(zble_sim_run_until(sim, ZBLE_TIME_NEVER), -EDEADLK);
	assert_int_equal(f.last_timeout, ZBLE_TIME_NEVER);
	raw_free(&rh);
	zble_sim_deinit(sim);
	free(sim);
}

/* The default: virtual time, no waiting at all. */
static void test_default_is_virtual(void **state)
{
	(void)state;
	struct zble_sim *sim = calloc(1, sizeof(*sim));
	zble_sim_init(sim, 3);
	assert_false(sim->realtime);
	double t0 = real_seconds();
	assert_int_equal(zble_sim_run_for(sim, 3600ull * 1000000u), 0);
	/* An hour of virtual time, not waited for: no sleep at all, and far
	 * less wall time than the hour (a bound only pacing could break). */
	assert_int_equal(sim->rt_stats.sleeps, 0);
	assert_true(real_seconds() - t0 < 600.0);
	assert_int_equal(zble_sim_wall_us(sim), zble_sim_now_us(sim));
	zble_sim_deinit(sim);
	free(sim);
}

/* The monotonic clock without hooks: 60 ms of simulated time take at least
 * 60 ms; advertising events in between keep their simulated times. */
static void test_monotonic_clock(void **state)
{
	(void)state;
	struct zble_sim *sim = calloc(1, sizeof(*sim));
	/* Before the simulator's epoch: a test descheduled between the two
	 * would otherwise find part of the 60 ms already behind it. */
	double t0 = real_seconds();
	zble_sim_init_realtime(sim, 3, NULL);
	struct raw_host rh;
	raw_init(&rh, zble_sim_add_device(sim, NULL));
	assert_int_equal(raw_cmd(&rh, 0x0c03, NULL, 0, NULL, 0), 0);
	uint8_t p[15] = { 0x20, 0x00, 0x20, 0x00 }; /* 20 ms, ADV_IND, all channels */
	p[13] = 7;
	assert_int_equal(raw_cmd(&rh, 0x2006, p, sizeof(p), NULL, 0), 0);
	assert_int_equal(raw_cmd(&rh, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	assert_int_equal(zble_sim_run_for(sim, 60000), 0);
	double dt = real_seconds() - t0;
	assert_true(dt >= 0.059);
	assert_true(dt < 60.0); /* a hang guard: normally 60 ms, however loaded */
	assert_true(zble_sim_wall_us(sim) >= zble_sim_now_us(sim));
	assert_true(sim->devices[0].ctrl.stats.adv_events >= 2);
	/* Without a wait hook a simulation with nothing ever to do cannot
	 * sleep forever. */
	assert_int_equal(raw_cmd(&rh, 0x200a, (uint8_t[]){ 0 }, 1, NULL, 0), 0);
	assert_int_equal(zble_sim_run_until(sim, ZBLE_TIME_NEVER), -EDEADLK);
	raw_free(&rh);
	zble_sim_deinit(sim);
	free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paced_to_fake_clock),
		cmocka_unit_test(test_default_is_virtual),
		cmocka_unit_test(test_monotonic_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
