/* The coop backend's rules: a would-block call inside a callback fails at
 * once with -EDEADLK, an application-level wait pumps the kernel and sleeps
 * instead of spinning, and one process() round is bounded. On the threads
 * backend the same calls block for real, which is checked instead. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "ktest.h"
#if !defined(ZBLE_KERNEL_THREADS)
#include "zble/posix_loop.h"
#endif

static struct {
	struct k_sem sem;
	struct k_sem done;
	struct k_mutex mutex;
	struct k_work work;
	struct k_work_delayable dw;
	int take_rc;
	int lock_rc;
	int32_t sleep_left;
	int forever_runs;
} g;

static int setup(void **state)
{
	g = (__typeof__(g)){ 0 };
	int rc = ktest_group_setup(state);
	k_sem_init(&g.sem, 0, 1);
	k_sem_init(&g.done, 0, 1);
	k_mutex_init(&g.mutex);
	return rc;
}

static uint64_t cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void blocking_handler(struct k_work *w)
{
	(void)w;
	g.take_rc = k_sem_take(&g.sem, ktest_is_coop() ? K_FOREVER : K_MSEC(30));
	g.lock_rc = k_mutex_lock(&g.mutex, ktest_is_coop() ? K_FOREVER : K_MSEC(30));
	g.sleep_left = k_msleep(ktest_is_coop() ? 1000 : 1);
	k_sem_give(&g.done);
}

static void test_would_block_in_work_handler(void **state)
{
	(void)state;
	assert_int_equal(k_mutex_lock(&g.mutex, K_NO_WAIT), 0); /* held by the application */
	k_work_init(&g.work, blocking_handler);
	assert_int_equal(k_work_submit(&g.work), 1);
	assert_int_equal(k_sem_take(&g.done, K_SECONDS(5)), 0);
	if (ktest_is_coop()) {
		assert_int_equal(g.take_rc, -EDEADLK);
		assert_int_equal(g.lock_rc, -EDEADLK);
		assert_int_equal(g.sleep_left, 1000);
		assert_true(zble_port_current_kernel()->stats.deadlocks_refused >= 3);
	} else {
		/* Real threads: it really waited and timed out. */
		assert_int_equal(g.take_rc, -EAGAIN);
		assert_int_equal(g.lock_rc, -EAGAIN);
		assert_int_equal(g.sleep_left, 0);
	}
	assert_int_equal(k_mutex_unlock(&g.mutex), 0);
}

static void give_handler(struct k_work *w)
{
	(void)w;
	k_sem_give(&g.sem);
}

static void test_wait_pumps_without_spinning(void **state)
{
	(void)state;
	struct zble_kernel *k = zble_port_current_kernel();
	k_work_init_delayable(&g.dw, give_handler);
	/* 20 s of virtual time on coop; a short real wait on threads. */
	assert_int_equal(k_work_schedule(&g.dw, ktest_is_coop() ? K_SECONDS(20) : K_MSEC(200)), 1);
	uint32_t calls = k->stats.process_calls;
	int64_t t0 = k_uptime_ticks();
	uint64_t w0 = wall_us();
	assert_int_equal(k_sem_take(&g.sem, K_SECONDS(30)), 0);
	int64_t waited = k_uptime_ticks() - t0;
	if (ktest_is_coop()) {
		/* Virtual time: exactly 20 s, in a handful of rounds, instantly. */
		assert_int_equal(waited, 20000000);
		assert_true(k->stats.process_calls - calls <= 4);
		/* Not paced to the wall clock: far less than the 20 s (a bound
		 * that only a real wait could break, however loaded the machine). */
		assert_true(wall_us() - w0 < 10000000);
		/* Nothing is left that could wake a virtual clock. */
		assert_int_equal(k_sem_take(&g.sem, K_FOREVER), -EDEADLK);
		/* A 30-second timeout also takes no real time. */
		w0 = wall_us();
		assert_int_equal(k_sem_take(&g.sem, K_SECONDS(30)), -EAGAIN);
		assert_true(wall_us() - w0 < 10000000);
	} else {
		assert_true(waited >= 199000);
	}
}

static void test_wait_with_nothing_to_do(void **state)
{
	(void)state;
	/* Real clock on threads; on coop the posix-loop test covers it. */
	uint64_t c0 = cpu_us(), w0 = wall_us();
	assert_int_equal(k_sem_take(&g.sem, ktest_is_coop() ? K_SECONDS(2) : K_MSEC(300)), -EAGAIN);
	uint64_t wall = wall_us() - w0, cpu = cpu_us() - c0;
	if (!ktest_is_coop()) {
		assert_true(wall >= 290000);
	}
	assert_true(cpu < 50000);
}

#if !defined(ZBLE_KERNEL_THREADS)
static void forever_handler(struct k_work *w)
{
	g.forever_runs++;
	(void)k_work_submit(w);
}
#endif

static void test_process_round_is_bounded(void **state)
{
	(void)state;
	if (!ktest_is_coop()) {
		skip();
	}
#if !defined(ZBLE_KERNEL_THREADS)
	struct zble_kernel *k = zble_port_current_kernel();
	k_work_init(&g.work, forever_handler);
	assert_int_equal(k_work_submit(&g.work), 1);
	uint64_t next = zble_kernel_process(k);
	assert_int_equal(g.forever_runs, 1);
	assert_true(next <= zble_kernel_clock_us(k)); /* still ready: call again */
	(void)zble_kernel_process(k);
	assert_int_equal(g.forever_runs, 2);
	assert_int_equal(k_work_cancel(&g.work), 0);
	assert_int_equal(zble_kernel_process(k), ZBLE_TIME_NEVER);
	assert_int_equal(g.forever_runs, 2);
#endif
}

#if !defined(ZBLE_KERNEL_THREADS)
/* The real-time POSIX port: waits sleep in ppoll, and a give from another
 * thread (an interrupt handler's role) wakes the sleeper at once. */
struct loop_env {
	struct zble_posix_loop loop;
	struct zble_kernel k;
};

static void *give_from_irq(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	k_sem_give(&g.sem);
	return NULL;
}

static void test_posix_loop_sleeps_and_wakes(void **state)
{
	(void)state;
	static struct loop_env e;
	struct zble_kernel *prev = zble_port_current_kernel();
	assert_int_equal(zble_posix_loop_init(&e.loop), 0);
	assert_int_equal(zble_kernel_init(&e.k, &zble_posix_loop_port, &e.loop), 0);
	zble_port_set_current_kernel(&e.k);
	k_sem_init(&g.sem, 0, 1); /* bound to this kernel from now on */

	uint64_t c0 = cpu_us(), w0 = wall_us();
	assert_int_equal(k_sem_take(&g.sem, K_MSEC(300)), -EAGAIN);
	uint64_t wall = wall_us() - w0, cpu = cpu_us() - c0;
	assert_true(wall >= 299000);
	assert_true(cpu < 30000);

	pthread_t t;
	w0 = wall_us(); /* before the thread starts its 100 ms: this one may be late */
	pthread_create(&t, NULL, give_from_irq, NULL);
	assert_int_equal(k_sem_take(&g.sem, K_SECONDS(10)), 0);
	wall = wall_us() - w0;
	pthread_join(t, NULL);
	/* Woken by the give (0, not the 10 s timeout), never before it; the
	 * upper bound is only a guard, far above the usual ~100 ms. */
	assert_true(wall >= 99000 && wall < 9000000);

	zble_kernel_deinit(&e.k);
	zble_posix_loop_deinit(&e.loop);
	zble_port_set_current_kernel(prev);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_would_block_in_work_handler, setup, ktest_group_teardown),
		cmocka_unit_test_setup_teardown(test_wait_pumps_without_spinning, setup, ktest_group_teardown),
		cmocka_unit_test_setup_teardown(test_wait_with_nothing_to_do, setup, ktest_group_teardown),
		cmocka_unit_test_setup_teardown(test_process_round_is_bounded, setup, ktest_group_teardown),
#if !defined(ZBLE_KERNEL_THREADS)
		cmocka_unit_test_setup_teardown(test_posix_loop_sleeps_and_wakes, setup, ktest_group_teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
