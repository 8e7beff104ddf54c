/* k_sem: init validation, counting and limit, K_NO_WAIT and timeouts, wake-up
 * by a give from a timer or delayable work, reset, and (threads) real
 * concurrency between application threads. The same source runs on both
 * backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>
#if defined(ZBLE_KERNEL_THREADS)
#include <pthread.h>
#endif

#include "ktest.h"

static struct ktest_env g_env;
static struct k_sem g_sem;
/* Timers and work items are static, not on a test's stack: a failed
 * assertion leaves the test function while one may still be linked into
 * the kernel. */
static struct k_timer g_tm;
static struct k_work g_work;
static struct k_work_delayable g_dw;

/* What the callbacks did; written in callbacks (threads: other threads). */
struct cb_log {
	int take_rc[3];
	unsigned calls;
};
static struct cb_log g_cb;

static int setup(void **state)
{
	g_cb = (struct cb_log){ 0 };
	ktest_setup(&g_env);
	*state = &g_env;
	return 0;
}

static int teardown(void **state)
{
	ktest_teardown(KTEST_ENV(state));
	return 0;
}

#define assert_time_near(actual, expected) check_time_near((actual), (expected), __FILE__, __LINE__)
static void check_time_near(int64_t actual, int64_t expected, const char *file, int line)
{
	int64_t hi = expected + (int64_t)ktest_slack_us();
	if (actual < expected || actual > hi) {
		fail_msg("%s:%d: time %lld not in [%lld, %lld] (off by %lld us)", file, line, (long long)actual,
			 (long long)expected, (long long)hi, (long long)(actual - expected));
	}
}

static uint64_t real_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void give_from_timer(struct k_timer *timer)
{
	(void)timer;
	k_sem_give(&g_sem);
}

static void give_from_work(struct k_work *work)
{
	(void)work;
	k_sem_give(&g_sem);
}

static void reset_from_timer(struct k_timer *timer)
{
	(void)timer;
	k_sem_reset(&g_sem);
}

static void test_init_validates_arguments(void **state)
{
	(void)state;
	struct k_sem s;

	assert_int_equal(k_sem_init(&s, 0, 0), -EINVAL);
	assert_int_equal(k_sem_init(&s, 1, 0), -EINVAL);
	assert_int_equal(k_sem_init(&s, 2, 1), -EINVAL);
	assert_int_equal(k_sem_init(&s, 11, 10), -EINVAL);

	assert_int_equal(k_sem_init(&s, 1, 1), 0);
	assert_int_equal(k_sem_count_get(&s), 1);
	assert_int_equal(k_sem_init(&s, 5, 10), 0);
	assert_int_equal(k_sem_count_get(&s), 5);
	assert_int_equal(k_sem_init(&s, 0, K_SEM_MAX_LIMIT), 0);
	assert_int_equal(k_sem_count_get(&s), 0);
	assert_int_equal(k_sem_init(&s, K_SEM_MAX_LIMIT, K_SEM_MAX_LIMIT), 0);
	assert_int_equal(k_sem_count_get(&s), K_SEM_MAX_LIMIT);

	/* The static initializer makes the same object. */
	K_SEM_DEFINE(st, 2, 4);
	assert_int_equal(k_sem_count_get(&st), 2);
	assert_int_equal(k_sem_take(&st, K_NO_WAIT), 0);
	assert_int_equal(k_sem_take(&st, K_NO_WAIT), 0);
	assert_int_equal(k_sem_take(&st, K_NO_WAIT), -EBUSY);
	for (int i = 0; i < 6; i++) {
		k_sem_give(&st);
	}
	assert_int_equal(k_sem_count_get(&st), 4);
}

static void test_give_take_count_and_limit(void **state)
{
	(void)state;
	struct k_sem s;

	assert_int_equal(k_sem_init(&s, 0, 3), 0);
	for (unsigned i = 1; i <= 5; i++) {
		k_sem_give(&s);
		/* Saturates at the limit. */
		assert_int_equal(k_sem_count_get(&s), i < 3 ? i : 3);
	}
	for (unsigned i = 3; i > 0; i--) {
		assert_int_equal(k_sem_take(&s, K_NO_WAIT), 0);
		assert_int_equal(k_sem_count_get(&s), i - 1);
	}
	assert_int_equal(k_sem_take(&s, K_NO_WAIT), -EBUSY);
	assert_int_equal(k_sem_count_get(&s), 0);

	/* A binary semaphore. */
	assert_int_equal(k_sem_init(&s, 0, 1), 0);
	k_sem_give(&s);
	k_sem_give(&s);
	assert_int_equal(k_sem_count_get(&s), 1);
	assert_int_equal(k_sem_take(&s, K_MSEC(10)), 0);
	assert_int_equal(k_sem_take(&s, K_NO_WAIT), -EBUSY);
}

static void test_no_wait_on_empty_is_busy_at_once(void **state)
{
	(void)state;
	struct k_sem s;
	k_sem_init(&s, 0, 1);

	int64_t t0 = k_uptime_ticks();
	for (int i = 0; i < 100; i++) {
		assert_int_equal(k_sem_take(&s, K_NO_WAIT), -EBUSY);
	}
	int64_t dt = k_uptime_ticks() - t0;
	if (ktest_is_coop()) {
		assert_int_equal(dt, 0);
	} else {
		assert_true(dt < (int64_t)ktest_slack_us());
	}
	assert_int_equal(k_sem_count_get(&s), 0);
}

static void test_take_times_out(void **state)
{
	(void)state;
	struct k_sem s;
	k_sem_init(&s, 0, 1);

	const k_ticks_t timeouts[] = { 50000, 1500, 20000 };
	for (unsigned i = 0; i < 3; i++) {
		int64_t t0 = k_uptime_ticks();
		assert_int_equal(k_sem_take(&s, K_USEC(timeouts[i])), -EAGAIN);
		assert_time_near(k_uptime_ticks() - t0, timeouts[i]);
	}
	assert_int_equal(k_sem_count_get(&s), 0);
	/* Still usable. */
	k_sem_give(&s);
	assert_int_equal(k_sem_take(&s, K_MSEC(10)), 0);
}

static void test_long_timeout_instant_on_virtual_clock(void **state)
{
	(void)state;
	if (!ktest_is_coop()) {
		skip(); /* 30 s of real time */
	}
	struct k_sem s;
	k_sem_init(&s, 0, 1);

	uint64_t real0 = real_now_us();
	int64_t t0 = k_uptime_ticks();
	assert_int_equal(k_sem_take(&s, K_SECONDS(30)), -EAGAIN);
	assert_int_equal(k_uptime_ticks() - t0, 30000000);
	assert_true(real_now_us() - real0 < 10000000); /* not waited for: far less than 30 s, even loaded */
}

/* Starts tm and reads its first deadline in one step (the kernel lock
 * holds the timer service): on real threads a test thread scheduled late
 * could otherwise find a short timer expired, its deadline gone or moved
 * a period on, before it reads it. */
static int64_t start_timer(void **state, struct k_timer *tm, k_timeout_t duration, k_timeout_t period)
{
	ktest_lock(KTEST_ENV(state));
	k_timer_start(tm, duration, period);
	int64_t dl = k_timer_expires_ticks(tm);
	ktest_unlock(KTEST_ENV(state));
	return dl;
}

static void test_give_from_timer_wakes_take(void **state)
{
	(void)state;
	struct k_timer *tm = &g_tm;
	k_sem_init(&g_sem, 0, 1);
	k_timer_init(tm, give_from_timer, NULL);

	int64_t t0 = k_uptime_ticks();
	int64_t dl = start_timer(state, tm, K_MSEC(20), K_NO_WAIT);
	assert_int_equal(k_sem_take(&g_sem, K_SECONDS(5)), 0);
	int64_t woke = k_uptime_ticks();
	assert_time_near(woke, dl);
	assert_true(woke - t0 >= 20000);
	assert_int_equal(k_sem_count_get(&g_sem), 0);

	/* Periodic gives: each take gets one. */
	int64_t d1 = start_timer(state, tm, K_MSEC(10), K_MSEC(10));
	for (int i = 0; i < 5; i++) {
		assert_int_equal(k_sem_take(&g_sem, K_SECONDS(5)), 0);
		assert_true(k_uptime_ticks() >= d1 + i * 10000);
		if (ktest_is_coop()) {
			assert_int_equal(k_uptime_ticks(), d1 + i * 10000);
		}
	}
	k_timer_stop(tm);
}

static void test_give_from_delayable_wakes_take(void **state)
{
	(void)state;
	struct k_work_delayable *dw = &g_dw;
	k_sem_init(&g_sem, 0, 1);
	k_work_init_delayable(dw, give_from_work);

	int64_t t0 = k_uptime_ticks();
	assert_int_equal(k_work_schedule(dw, K_MSEC(30)), 1);
	assert_int_equal(k_sem_take(&g_sem, K_SECONDS(5)), 0);
	int64_t dt = k_uptime_ticks() - t0;
	assert_time_near(dt, 30000);

	/* An immediate submit from the application wakes it too. */
	struct k_work *w = &g_work;
	k_work_init(w, give_from_work);
	t0 = k_uptime_ticks();
	assert_int_equal(k_work_submit(w), 1);
	assert_int_equal(k_sem_take(&g_sem, K_SECONDS(5)), 0);
	assert_time_near(k_uptime_ticks() - t0, 0);
}

static void take_in_handler(struct k_work *work)
{
	(void)work;
	g_cb.take_rc[0] = k_sem_take(&g_sem, K_NO_WAIT);
	g_cb.take_rc[1] = k_sem_take(&g_sem, K_MSEC(10));
	k_sem_give(&g_sem);
	g_cb.take_rc[2] = k_sem_take(&g_sem, K_MSEC(10));
	__atomic_fetch_add(&g_cb.calls, 1, __ATOMIC_RELEASE);
}

static void test_take_inside_handler(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct k_work *w = &g_work;
	k_sem_init(&g_sem, 0, 1);
	k_work_init(w, take_in_handler);

	assert_int_equal(k_work_submit(w), 1);
	for (int i = 0; i < 1000 && __atomic_load_n(&g_cb.calls, __ATOMIC_ACQUIRE) == 0; i++) {
		ktest_run_ms(e, 1);
	}
	assert_int_equal(__atomic_load_n(&g_cb.calls, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(g_cb.take_rc[0], -EBUSY);
	/* coop may not block in a callback; threads blocks and times out. */
	assert_int_equal(g_cb.take_rc[1], ktest_is_coop() ? -EDEADLK : -EAGAIN);
	/* Available: taken without blocking on both. */
	assert_int_equal(g_cb.take_rc[2], 0);
}

static void test_reset_and_count_get(void **state)
{
	(void)state;
	struct k_sem s;
	k_sem_init(&s, 0, 10);

	k_sem_give(&s);
	k_sem_give(&s);
	k_sem_give(&s);
	assert_int_equal(k_sem_count_get(&s), 3);
	k_sem_reset(&s);
	assert_int_equal(k_sem_count_get(&s), 0);
	assert_int_equal(k_sem_take(&s, K_NO_WAIT), -EBUSY);
	/* Reset of an empty semaphore is harmless. */
	k_sem_reset(&s);
	assert_int_equal(k_sem_count_get(&s), 0);

	/* Still counts, with the same limit. */
	for (int i = 0; i < 20; i++) {
		k_sem_give(&s);
	}
	assert_int_equal(k_sem_count_get(&s), 10);
	assert_int_equal(k_sem_take(&s, K_NO_WAIT), 0);
	assert_int_equal(k_sem_count_get(&s), 9);
}

/* Zephyr: "any outstanding semaphore takes will be aborted with -EAGAIN". */
static void test_reset_aborts_waiting_take(void **state)
{
	(void)state;
	struct k_timer *tm = &g_tm;
	k_sem_init(&g_sem, 0, 1);
	k_timer_init(tm, reset_from_timer, NULL);

	int64_t t0 = k_uptime_ticks();
	int64_t dl = start_timer(state, tm, K_MSEC(20), K_NO_WAIT);
	assert_int_equal(k_sem_take(&g_sem, K_SECONDS(1)), -EAGAIN);
	int64_t woke = k_uptime_ticks();
	assert_true(woke - t0 >= 20000);
	assert_time_near(woke, dl);
}

#if defined(ZBLE_KERNEL_THREADS)

#define PINGPONG_ROUNDS 1000

struct pingpong {
	struct zble_kernel *k;
	struct k_sem ping, pong;
	int counter;      /* written by the ponger only, under the ping/pong handoff */
	int bad_rounds;   /* pinger saw counter != its round */
	int ping_errors, pong_errors;
	int done_ping, done_pong;
};

static void *pinger(void *arg)
{
	struct pingpong *p = arg;
	zble_port_set_current_kernel(p->k);
	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		k_sem_give(&p->ping);
		if (k_sem_take(&p->pong, K_SECONDS(5)) != 0) {
			p->ping_errors++;
			break;
		}
		if (p->counter != i + 1) {
			p->bad_rounds++;
		}
	}
	p->done_ping = 1;
	return NULL;
}

static void *ponger(void *arg)
{
	struct pingpong *p = arg;
	zble_port_set_current_kernel(p->k);
	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		if (k_sem_take(&p->ping, K_SECONDS(5)) != 0) {
			p->pong_errors++;
			break;
		}
		p->counter++;
		k_sem_give(&p->pong);
	}
	p->done_pong = 1;
	return NULL;
}

static void test_threads_ping_pong(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	static struct pingpong p;
	p = (struct pingpong){ .k = &e->k };
	k_sem_init(&p.ping, 0, 1);
	k_sem_init(&p.pong, 0, 1);

	pthread_t a, b;
	assert_int_equal(pthread_create(&b, NULL, ponger, &p), 0);
	assert_int_equal(pthread_create(&a, NULL, pinger, &p), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);

	assert_int_equal(p.ping_errors, 0);
	assert_int_equal(p.pong_errors, 0);
	assert_int_equal(p.bad_rounds, 0);
	assert_int_equal(p.counter, PINGPONG_ROUNDS);
	assert_true(p.done_ping && p.done_pong);
	assert_int_equal(k_sem_count_get(&p.ping), 0);
	assert_int_equal(k_sem_count_get(&p.pong), 0);
}

struct waiter_arg {
	struct zble_kernel *k;
	int rc;
	int64_t woke;
	int done; /* atomic */
};

static void *sem_waiter(void *arg)
{
	struct waiter_arg *w = arg;
	zble_port_set_current_kernel(w->k);
	w->rc = k_sem_take(&g_sem, K_SECONDS(3));
	w->woke = k_uptime_ticks();
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int waiters_done(struct waiter_arg *w, int n)
{
	int d = 0;
	for (int i = 0; i < n; i++) {
		d += __atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE);
	}
	return d;
}

/* Two threads wait; each give lets exactly one through. Measured first,
 * asserted after the joins (no thread may outlive a failed assertion). */
static void test_threads_give_releases_one_waiter(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct waiter_arg w[2] = { { .k = &e->k }, { .k = &e->k } };
	pthread_t th[2];
	k_sem_init(&g_sem, 0, 10);

	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_create(&th[i], NULL, sem_waiter, &w[i]), 0);
	}
	size_t blocked = 0;
	for (int i = 0; i < 1000 && blocked < 2; i++) {
		k_msleep(1);
		k_sched_lock();
		blocked = sys_slist_len(&g_sem.wait.waiters);
		k_sched_unlock();
	}
	int done_before = waiters_done(w, 2);

	int64_t t_give = k_uptime_ticks();
	k_sem_give(&g_sem);
	for (int i = 0; i < 1000 && waiters_done(w, 2) == 0; i++) {
		k_msleep(1);
	}
	k_msleep(30);
	int done_after_one = waiters_done(w, 2);
	unsigned count_after_one = k_sem_count_get(&g_sem);

	k_sem_give(&g_sem);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
	}

	assert_int_equal(blocked, 2);
	assert_int_equal(done_before, 0);
	assert_int_equal(done_after_one, 1);
	assert_int_equal(count_after_one, 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w[i].rc, 0);
		/* Woken by the gives, long before the 3 s timeout. */
		assert_true(w[i].woke - t_give < 1000000);
	}
	assert_int_equal(k_sem_count_get(&g_sem), 0);
}

#endif /* ZBLE_KERNEL_THREADS */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_validates_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_give_take_count_and_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_wait_on_empty_is_busy_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_timeout_instant_on_virtual_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_give_from_timer_wakes_take, setup, teardown),
		cmocka_unit_test_setup_teardown(test_give_from_delayable_wakes_take, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take_inside_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_and_count_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_aborts_waiting_take, setup, teardown),
#if defined(ZBLE_KERNEL_THREADS)
		cmocka_unit_test_setup_teardown(test_threads_ping_pong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_give_releases_one_waiter, setup, teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
