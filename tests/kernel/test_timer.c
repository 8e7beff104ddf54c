/* k_timer: one-shot and periodic expiry times, drift, stop and stop_fn,
 * status get/sync, restart, remaining ticks, user data, stopping from the
 * expiry function. The same source runs on both backends: coop on the virtual
 * clock (times are exact), threads on real time (within ktest_slack_us()). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "ktest.h"

#define MAX_REC 128
#define PERIOD_US 10000
#define STALL_US 80000

/* What the expiry and stop functions saw. Written by the timer service
 * (threads: the timer thread), read by the test: counters are atomics and
 * a recorded time is published by the release-store of the count. */
struct trec {
	int64_t at[MAX_REC];      /* k_uptime_ticks() at each expiry */
	unsigned n;               /* expiries seen by expiry_rec */
	unsigned stops;           /* stop_rec calls */
	unsigned stop_self_at;    /* expiry_rec stops its timer at this count (0: never) */
	unsigned stall_at;        /* expiry_rec takes STALL_US at this count (0: never) */
	unsigned restart_left;    /* expiry_rec restarts its one-shot timer this often */
	k_ticks_t restart_us;
	struct k_timer *seen_timer;
	void *seen_user_data;
	struct k_timer *stop_other; /* expiry_stop_other stops this timer */
	uint32_t sync_in_callback;  /* expiry_sync_other: what status_sync returned */
};

static struct trec g;
static struct ktest_env g_env;
/* Static, not on a test's stack: a failed assertion leaves the test
 * function while a timer may still be linked into the kernel. */
static struct k_timer g_tm[2];

/* An expiry function that takes long: the timer service falls behind. */
static void stall(void)
{
#if defined(ZBLE_KERNEL_THREADS)
	struct timespec ts = { .tv_sec = 0, .tv_nsec = STALL_US * 1000L };
	while (nanosleep(&ts, &ts) != 0) {
	}
#else
	zble_vclock_advance(&g_env.vc, STALL_US);
#endif
}

static unsigned rec_n(void)
{
	return __atomic_load_n(&g.n, __ATOMIC_ACQUIRE);
}

static unsigned rec_stops(void)
{
	return __atomic_load_n(&g.stops, __ATOMIC_ACQUIRE);
}

static void expiry_rec(struct k_timer *timer)
{
	unsigned i = __atomic_load_n(&g.n, __ATOMIC_RELAXED);
	if (i < MAX_REC) {
		g.at[i] = k_uptime_ticks();
	}
	g.seen_timer = timer;
	g.seen_user_data = k_timer_user_data_get(timer);
	__atomic_store_n(&g.n, i + 1, __ATOMIC_RELEASE);
	if (g.stall_at && i + 1 == g.stall_at) {
		stall();
	}
	if (g.stop_self_at && i + 1 == g.stop_self_at) {
		k_timer_stop(timer);
	}
	if (g.restart_left > 0) {
		g.restart_left--;
		k_timer_start(timer, K_USEC(g.restart_us), K_NO_WAIT);
	}
}

static void stop_rec(struct k_timer *timer)
{
	(void)timer;
	__atomic_fetch_add(&g.stops, 1, __ATOMIC_RELEASE);
}

static void expiry_stop_other(struct k_timer *timer)
{
	(void)timer;
	k_timer_stop(g.stop_other);
	__atomic_fetch_add(&g.n, 1, __ATOMIC_RELEASE);
}

static void expiry_sync_other(struct k_timer *timer)
{
	(void)timer;
	g.sync_in_callback = k_timer_status_sync(g.stop_other);
	__atomic_fetch_add(&g.n, 1, __ATOMIC_RELEASE);
}

static int setup(void **state)
{
	g = (struct trec){ 0 };
	g_tm[0] = g_tm[1] = (struct k_timer){ 0 };
	ktest_setup(&g_env);
	*state = &g_env;
	return 0;
}

static int teardown(void **state)
{
	ktest_teardown(KTEST_ENV(state));
	return 0;
}

/* actual must be expected exactly on coop, within [expected, expected+slack]
 * on threads. */
#define assert_time_near(actual, expected) check_time_near((actual), (expected), __FILE__, __LINE__)
static void check_time_near(int64_t actual, int64_t expected, const char *file, int line)
{
	int64_t hi = expected + (int64_t)ktest_slack_us();
	if (actual < expected || actual > hi) {
		fail_msg("%s:%d: time %lld not in [%lld, %lld] (off by %lld us)", file, line, (long long)actual,
			 (long long)expected, (long long)hi, (long long)(actual - expected));
	}
}

/* Lets time pass in 1 ms steps until expiry_rec has seen n expiries. */
static void wait_expiries(struct ktest_env *e, unsigned n, unsigned max_ms)
{
	for (unsigned ms = 0; rec_n() < n && ms < max_ms; ms++) {
		ktest_run_ms(e, 1);
	}
	assert_true(rec_n() >= n);
}

/* Starts tm and reads its first deadline in one step: on real threads a
 * test thread scheduled late could otherwise find a short timer expired
 * (and its deadline gone, or moved a period on) before it reads it. */
static int64_t start_timer(struct ktest_env *e, struct k_timer *tm, k_timeout_t duration, k_timeout_t period)
{
	ktest_lock(e);
	k_timer_start(tm, duration, period);
	int64_t dl = k_timer_expires_ticks(tm);
	ktest_unlock(e);
	return dl;
}

static void test_one_shot_fires_once_at_deadline(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];
	const k_timeout_t one_shot_periods[] = { K_NO_WAIT, K_FOREVER };

	for (unsigned r = 0; r < 2; r++) {
		g = (struct trec){ 0 };
		k_timer_init(tm, expiry_rec, stop_rec);
		int64_t t0 = k_uptime_ticks();
		int64_t dl = start_timer(e, tm, K_MSEC(20), one_shot_periods[r]);
		assert_time_near(dl, t0 + 20000);
		if (ktest_is_coop()) {
			/* Nothing fires before the deadline. */
			ktest_run_ms(e, 19);
			assert_int_equal(rec_n(), 0);
		}

		wait_expiries(e, 1, 1000);
		assert_time_near(g.at[0], dl);

		/* One-shot: never again. */
		ktest_run_ms(e, 60);
		assert_int_equal(rec_n(), 1);
		assert_int_equal(rec_stops(), 0);
		assert_int_equal(k_timer_status_get(tm), 1);
		assert_int_equal(k_timer_remaining_ticks(tm), 0);
		assert_int_equal(k_timer_expires_ticks(tm), 0);
	}
}

static void test_periodic_fires_without_drift(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];
	const unsigned periods = 50;

	k_timer_init(tm, expiry_rec, stop_rec);
	int64_t t0 = k_uptime_ticks();
	int64_t d1 = start_timer(e, tm, K_USEC(PERIOD_US), K_USEC(PERIOD_US));
	assert_time_near(d1, t0 + PERIOD_US);

	wait_expiries(e, periods, 3000);
	int64_t now = k_uptime_ticks();
	k_timer_stop(tm);
	unsigned n = rec_n();
	if (ktest_is_coop()) {
		/* Stopped at the instant of the 50th expiry, none more. */
		assert_int_equal(now, d1 + (int64_t)(periods - 1) * PERIOD_US);
		assert_int_equal(n, periods);
	} else {
		/* Expiries due by now at most (a late one may catch up). */
		assert_true(n <= (unsigned)((now - d1) / PERIOD_US) + 1);
	}
	/* The k-th expiry is at d1 + k*period: deadlines advance from the
	 * previous deadline, so lateness does not accumulate. */
	for (unsigned k = 0; k < periods; k++) {
		assert_time_near(g.at[k], d1 + (int64_t)k * PERIOD_US);
	}
	assert_int_equal(rec_stops(), 1);

	/* Stopped: nothing more. */
	ktest_run_ms(e, 5);
	n = rec_n();
	ktest_run_ms(e, 40);
	assert_int_equal(rec_n(), n);
}

static void test_periodic_catches_up_after_late_expiry(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];
	const unsigned late = STALL_US / PERIOD_US; /* deadlines missed in the stall */

	k_timer_init(tm, expiry_rec, NULL);
	g.stall_at = 1;
	int64_t d1 = start_timer(e, tm, K_USEC(PERIOD_US), K_USEC(PERIOD_US));
	wait_expiries(e, late + 10, 3000);
	k_timer_stop(tm);

	assert_time_near(g.at[0], d1);
	/* The deadlines that passed during the stall fire late, at once... */
	for (unsigned k = 1; k < late; k++) {
		assert_time_near(g.at[k], d1 + STALL_US);
	}
	/* ...and from then on the timer is back on its grid: the next deadline
	 * came from the previous deadline, not from when the expiry ran. */
	for (unsigned k = late; k < late + 10; k++) {
		assert_time_near(g.at[k], d1 + (int64_t)k * PERIOD_US);
	}
}

static void test_stop_fn_only_when_running(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];

	k_timer_init(tm, expiry_rec, stop_rec);
	/* Never started. */
	k_timer_stop(tm);
	assert_int_equal(rec_stops(), 0);

	/* Running one-shot: stop_fn once, no expiry. */
	k_timer_start(tm, K_MSEC(100), K_NO_WAIT);
	ktest_run_ms(e, 10);
	k_timer_stop(tm);
	assert_int_equal(rec_stops(), 1);
	assert_int_equal(k_timer_remaining_ticks(tm), 0);
	ktest_run_ms(e, 150);
	assert_int_equal(rec_n(), 0);
	assert_int_equal(k_timer_status_get(tm), 0);
	/* Already stopped. */
	k_timer_stop(tm);
	assert_int_equal(rec_stops(), 1);

	/* Expired one-shot is no longer running. */
	k_timer_start(tm, K_MSEC(10), K_NO_WAIT);
	wait_expiries(e, 1, 1000);
	ktest_run_ms(e, 5);
	k_timer_stop(tm);
	assert_int_equal(rec_stops(), 1);

	/* Running periodic. */
	k_timer_start(tm, K_MSEC(10), K_MSEC(10));
	wait_expiries(e, 2, 1000);
	k_timer_stop(tm);
	assert_int_equal(rec_stops(), 2);
	k_timer_stop(tm);
	assert_int_equal(rec_stops(), 2);

	/* A timer without stop_fn stops quietly. */
	k_timer_init(tm, expiry_rec, NULL);
	k_timer_start(tm, K_MSEC(100), K_NO_WAIT);
	k_timer_stop(tm);
	assert_int_equal(rec_stops(), 2);
}

static void test_status_get_counts_and_resets(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];

	k_timer_init(tm, expiry_rec, NULL);
	assert_int_equal(k_timer_status_get(tm), 0);

	int64_t d1 = start_timer(e, tm, K_USEC(PERIOD_US), K_USEC(PERIOD_US));
	ktest_run_ms(e, 100);
	k_timer_stop(tm);
	int64_t t_stop = k_uptime_ticks();
	uint32_t s = k_timer_status_get(tm);
	int64_t due = (t_stop - d1) / PERIOD_US + 1; /* deadlines <= t_stop */
	if (ktest_is_coop()) {
		assert_int_equal(s, 10);
		assert_int_equal(due, 10);
	} else {
		int64_t slack_periods = (int64_t)ktest_slack_us() / PERIOD_US + 1;
		assert_true((int64_t)s <= due);
		assert_true((int64_t)s >= due - slack_periods);
	}
	/* Read resets. */
	assert_int_equal(k_timer_status_get(tm), 0);
	ktest_run_ms(e, 2); /* an in-flight expiry_rec finishes */
	assert_int_equal(rec_n(), s);

	/* An unread expiry is counted once, then cleared by a restart. */
	g = (struct trec){ 0 };
	k_timer_start(tm, K_MSEC(10), K_NO_WAIT);
	wait_expiries(e, 1, 1000);
	k_timer_start(tm, K_MSEC(10), K_NO_WAIT);
	assert_int_equal(k_timer_status_get(tm), 0);
	wait_expiries(e, 2, 1000);
	assert_int_equal(k_timer_status_get(tm), 1);
	assert_int_equal(k_timer_status_get(tm), 0);
}

static void test_status_sync_waits_for_next_expiry(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];

	k_timer_init(tm, expiry_rec, NULL);
	/* Not running, nothing counted: returns at once. */
	int64_t t0 = k_uptime_ticks();
	assert_int_equal(k_timer_status_sync(tm), 0);
	if (ktest_is_coop()) {
		assert_int_equal(k_uptime_ticks(), t0);
	}

	/* One-shot: blocks (coop: pumps) until the expiry. */
	t0 = k_uptime_ticks();
	int64_t dl = start_timer(e, tm, K_MSEC(30), K_NO_WAIT);
	assert_int_equal(k_timer_status_sync(tm), 1);
	int64_t woke = k_uptime_ticks();
	assert_time_near(woke, dl);
	assert_true(woke - t0 >= 30000);
	assert_int_equal(k_timer_status_get(tm), 0);

	/* Periodic: each call waits for the next one. */
	int64_t d1 = start_timer(e, tm, K_MSEC(20), K_MSEC(20));
	uint32_t total = 0;
	for (int i = 0; i < 3; i++) {
		uint32_t s = k_timer_status_sync(tm);
		assert_true(s >= 1);
		total += s;
		woke = k_uptime_ticks();
		assert_true(woke >= d1 + (int64_t)(total - 1) * 20000);
		if (ktest_is_coop()) {
			assert_int_equal(s, 1);
			assert_int_equal(woke, d1 + i * 20000);
		}
	}
	k_timer_stop(tm);

	/* Expired with an unread expiry: returns it without waiting. */
	unsigned n0 = rec_n();
	k_timer_start(tm, K_MSEC(10), K_NO_WAIT);
	wait_expiries(e, n0 + 1, 1000);
	t0 = k_uptime_ticks();
	assert_int_equal(k_timer_status_sync(tm), 1);
	if (ktest_is_coop()) {
		assert_int_equal(k_uptime_ticks(), t0);
	}
}

static void test_status_sync_woken_by_stop(void **state)
{
	(void)state;
	struct k_timer *long_tm = &g_tm[0], *stopper = &g_tm[1];

	k_timer_init(long_tm, NULL, stop_rec);
	k_timer_init(stopper, expiry_stop_other, NULL);
	g.stop_other = long_tm;

	int64_t t0 = k_uptime_ticks();
	k_timer_start(long_tm, K_SECONDS(2), K_NO_WAIT);
	k_timer_start(stopper, K_MSEC(20), K_NO_WAIT);
	int64_t stop_at = k_timer_expires_ticks(stopper);
	/* The stop ends the wait: 0 expiries, long before 2 s. */
	assert_int_equal(k_timer_status_sync(long_tm), 0);
	assert_time_near(k_uptime_ticks(), stop_at);
	assert_true(k_uptime_ticks() - t0 < 1000000);
	assert_int_equal(rec_stops(), 1);
	assert_int_equal(k_timer_remaining_ticks(long_tm), 0);
}

static void test_status_sync_in_callback_does_not_block(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	if (!ktest_is_coop()) {
		/* threads: it would block the timer thread on a timer that needs it. */
		skip();
	}
	struct k_timer *long_tm = &g_tm[0], *cb_tm = &g_tm[1];
	k_timer_init(long_tm, NULL, NULL);
	k_timer_init(cb_tm, expiry_sync_other, NULL);
	g.stop_other = long_tm;
	g.sync_in_callback = 99;

	k_timer_start(long_tm, K_SECONDS(1), K_NO_WAIT);
	k_timer_start(cb_tm, K_MSEC(10), K_NO_WAIT);
	int64_t long_dl = k_timer_expires_ticks(long_tm);
	uint32_t refused = e->k.stats.deadlocks_refused;
	ktest_run_ms(e, 20);
	assert_int_equal(rec_n(), 1);
	/* Returned the current count (0) at once; the long timer still runs. */
	assert_int_equal(g.sync_in_callback, 0);
	assert_int_equal(e->k.stats.deadlocks_refused, refused + 1);
	assert_int_equal(k_timer_expires_ticks(long_tm), long_dl);
	k_timer_stop(long_tm);
}

static void test_restart_replaces_deadline(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];

	k_timer_init(tm, expiry_rec, stop_rec);
	int64_t t0 = k_uptime_ticks();
	k_timer_start(tm, K_MSEC(100), K_NO_WAIT);
	ktest_run_ms(e, 30);
	int64_t t_restart = k_uptime_ticks();
	int64_t dl = start_timer(e, tm, K_MSEC(50), K_NO_WAIT);
	assert_time_near(dl, t_restart + 50000);
	if (ktest_is_coop()) {
		assert_int_equal(dl, t0 + 80000);
	}
	/* A restart is not a stop. */
	assert_int_equal(rec_stops(), 0);

	wait_expiries(e, 1, 1000);
	assert_time_near(g.at[0], dl);
	/* The old deadline (t0 + 100 ms) is gone. */
	while (k_uptime_ticks() < t0 + 150000) {
		ktest_run_ms(e, 10);
	}
	assert_int_equal(rec_n(), 1);

	/* A running periodic timer restarted with a new period. */
	g = (struct trec){ 0 };
	k_timer_start(tm, K_MSEC(10), K_MSEC(10));
	wait_expiries(e, 2, 1000);
	unsigned before = rec_n();
	int64_t d1 = start_timer(e, tm, K_MSEC(30), K_MSEC(30));
	wait_expiries(e, before + 3, 2000);
	if (g.at[before] < d1) {
		/* threads: an expiry of the old period was under way during
		 * the restart; the new ones follow it. */
		assert_false(ktest_is_coop());
		before++;
		wait_expiries(e, before + 3, 2000);
	}
	k_timer_stop(tm);
	for (unsigned k = 0; k < 3; k++) {
		assert_time_near(g.at[before + k], d1 + (int64_t)k * 30000);
	}
	assert_int_equal(rec_stops(), 1);

	/* Restarted from its own expiry function (a self-rearming one-shot). */
	g = (struct trec){ 0 };
	g.restart_left = 2;
	g.restart_us = 15000;
	dl = start_timer(e, tm, K_MSEC(10), K_NO_WAIT);
	wait_expiries(e, 3, 2000);
	ktest_run_ms(e, 40);
	assert_int_equal(rec_n(), 3);
	assert_time_near(g.at[0], dl);
	/* Each restart is relative to when the expiry function ran. */
	assert_time_near(g.at[1], g.at[0] + 15000);
	assert_time_near(g.at[2], g.at[1] + 15000);
	assert_int_equal(rec_stops(), 0);
}

static void test_remaining_ticks(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];

	k_timer_init(tm, expiry_rec, NULL);
	assert_int_equal(k_timer_remaining_ticks(tm), 0);
	assert_int_equal(k_timer_remaining_get(tm), 0);
	assert_int_equal(k_timer_expires_ticks(tm), 0);

	/* On real threads the steps below may take far longer than their
	 * 90 ms on a loaded machine: the timer must not expire meanwhile. */
	int64_t span = ktest_is_coop() ? 100000 : 60000000;
	int64_t t0 = k_uptime_ticks();
	int64_t dl = start_timer(e, tm, K_USEC(span), K_NO_WAIT);
	assert_time_near(dl, t0 + span);

	for (int step = 0; step < 3; step++) {
		int64_t before = k_uptime_ticks();
		k_ticks_t left = k_timer_remaining_ticks(tm);
		int64_t after = k_uptime_ticks();
		/* remaining = deadline - now, with now read in between. */
		assert_true(left <= dl - before);
		assert_true(left >= dl - after);
		if (ktest_is_coop()) {
			assert_int_equal(left, 100000 - step * 30000);
			assert_int_equal(k_timer_remaining_get(tm), 100 - step * 30);
		}
		/* The deadline does not move while time passes. */
		assert_int_equal(k_timer_expires_ticks(tm), dl);
		ktest_run_ms(e, 30);
	}

	k_timer_stop(tm);
	assert_int_equal(k_timer_remaining_ticks(tm), 0);
	assert_int_equal(k_timer_expires_ticks(tm), 0);

	/* Periodic: after an expiry, the time to the next one. */
	g = (struct trec){ 0 };
	int64_t d1 = start_timer(e, tm, K_MSEC(20), K_MSEC(50));
	wait_expiries(e, 1, 1000);
	/* On real time this thread may wake after further expiries: the
	 * deadline is then a later period's, never anything else. */
	int64_t dn = k_timer_expires_ticks(tm);
	assert_true(dn >= d1 + 50000 && (dn - d1) % 50000 == 0);
	int64_t before = k_uptime_ticks();
	k_ticks_t left = k_timer_remaining_ticks(tm);
	int64_t dl_after = k_timer_expires_ticks(tm); /* deadlines only move on */
	assert_true(left >= 0);
	assert_true(left <= dl_after - before);
	if (ktest_is_coop()) {
		assert_int_equal(dn, d1 + 50000);
		assert_int_equal(left, 50000);
	}
	k_timer_stop(tm);

	/* After a one-shot expired (waited for by its own status: the
	 * periodic one may have fired more than once before it stopped). */
	k_timer_start(tm, K_MSEC(5), K_NO_WAIT);
	assert_int_equal(k_timer_status_sync(tm), 1);
	ktest_run_ms(e, 1);
	assert_int_equal(k_timer_remaining_ticks(tm), 0);
}

static void test_user_data(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];
	int cookie = 42;

	k_timer_init(tm, expiry_rec, NULL);
	assert_null(k_timer_user_data_get(tm));
	k_timer_user_data_set(tm, &cookie);
	assert_ptr_equal(k_timer_user_data_get(tm), &cookie);

	k_timer_start(tm, K_MSEC(10), K_NO_WAIT);
	wait_expiries(e, 1, 1000);
	assert_ptr_equal(g.seen_timer, tm);
	assert_ptr_equal(g.seen_user_data, &cookie);
	/* Starting and expiring keep it. */
	assert_ptr_equal(k_timer_user_data_get(tm), &cookie);

	/* Re-initialisation clears it. */
	k_timer_init(tm, expiry_rec, NULL);
	assert_null(k_timer_user_data_get(tm));
}

static void test_stopped_from_own_expiry_does_not_fire_again(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];

	/* Periodic, stops itself on its 3rd expiry. */
	k_timer_init(tm, expiry_rec, stop_rec);
	g.stop_self_at = 3;
	int64_t d1 = start_timer(e, tm, K_MSEC(10), K_MSEC(10));
	wait_expiries(e, 3, 1000);
	ktest_run_ms(e, 100);
	assert_int_equal(rec_n(), 3);
	assert_time_near(g.at[2], d1 + 20000);
	/* It had been re-armed for the next period, so it was running. */
	assert_int_equal(rec_stops(), 1);
	assert_int_equal(k_timer_remaining_ticks(tm), 0);
	assert_int_equal(k_timer_status_get(tm), 3);

	/* One-shot stopping itself: no longer running, no stop_fn. */
	g = (struct trec){ 0 };
	g.stop_self_at = 1;
	k_timer_start(tm, K_MSEC(10), K_NO_WAIT);
	wait_expiries(e, 1, 1000);
	ktest_run_ms(e, 50);
	assert_int_equal(rec_n(), 1);
	assert_int_equal(rec_stops(), 0);
}

/* A stop from the application, whatever the timer service is doing at that
 * moment, leaves the timer stopped: at most an expiry already under way
 * completes, then nothing more. */
static void test_stop_races_with_expiry(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_timer *tm = &g_tm[0];

	k_timer_init(tm, expiry_rec, stop_rec);
	for (unsigned i = 0; i < 60; i++) {
		k_timer_start(tm, K_USEC(500), K_USEC(500));
		ktest_run_ms(e, 1 + i % 3);
		k_timer_stop(tm);
		unsigned n = rec_n();
		assert_int_equal(k_timer_remaining_ticks(tm), 0);
		ktest_run_ms(e, 3);
		unsigned n2 = rec_n();
		assert_true(n2 <= n + 1);
		ktest_run_ms(e, 5);
		assert_int_equal(rec_n(), n2);
		assert_int_equal(rec_stops(), i + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_shot_fires_once_at_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_periodic_fires_without_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_periodic_catches_up_after_late_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_fn_only_when_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_get_counts_and_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_sync_waits_for_next_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_sync_woken_by_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_sync_in_callback_does_not_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_replaces_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remaining_ticks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stopped_from_own_expiry_does_not_fire_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_races_with_expiry, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
