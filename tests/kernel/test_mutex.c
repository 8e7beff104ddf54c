/* k_mutex: recursion, ownership (-EPERM), -EINVAL when not locked, -EBUSY and
 * -EAGAIN when held by another owner, wake-up on release, and (threads) real
 * contention between application threads. "Another owner" is a work handler
 * on both backends (coop: the callback context level; threads: the system
 * work queue thread), and an application pthread on threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#if defined(ZBLE_KERNEL_THREADS)
#include <pthread.h>
#endif

#include "ktest.h"

enum op {
	OP_LOCK_NO_WAIT,
	OP_LOCK_10MS,
	OP_UNLOCK,
};

/* A work handler runs the ops listed, on g_mutex, and records the results. */
struct handler_ops {
	enum op ops[4];
	int n;
	int rc[4];
	struct k_sem done;
};

static struct ktest_env g_env;
static struct k_mutex g_mutex;
static struct handler_ops g_h;
/* Timers and work items are static, not on a test's stack: a failed
 * assertion leaves the test function while one may still be linked into
 * the kernel. */
static struct k_work g_work;
static struct k_work_delayable g_dw;

static void ops_handler(struct k_work *w);

static int setup(void **state)
{
	ktest_setup(&g_env);
	*state = &g_env;
	k_mutex_init(&g_mutex);
	g_h = (struct handler_ops){ 0 };
	k_sem_init(&g_h.done, 0, 1);
	k_work_init(&g_work, ops_handler);
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

static int do_op(enum op op)
{
	switch (op) {
	case OP_LOCK_NO_WAIT:
		return k_mutex_lock(&g_mutex, K_NO_WAIT);
	case OP_LOCK_10MS:
		return k_mutex_lock(&g_mutex, K_MSEC(10));
	case OP_UNLOCK:
		return k_mutex_unlock(&g_mutex);
	}
	return -1;
}

static void ops_handler(struct k_work *w)
{
	(void)w;
	for (int i = 0; i < g_h.n; i++) {
		g_h.rc[i] = do_op(g_h.ops[i]);
	}
	k_sem_give(&g_h.done);
}

static void unlock_handler(struct k_work *w)
{
	(void)w;
	g_h.rc[0] = k_mutex_unlock(&g_mutex);
	k_sem_give(&g_h.done);
}

/* Runs one op in a work handler and returns its result. */
static int op_in_handler(enum op op)
{
	struct k_work_sync sync;
	/* The previous run may still be finishing (threads). */
	(void)k_work_flush(&g_work, &sync);
	g_h.ops[0] = op;
	g_h.n = 1;
	g_h.rc[0] = 12345;
	assert_int_equal(k_work_submit(&g_work), 1);
	assert_int_equal(k_sem_take(&g_h.done, K_SECONDS(5)), 0);
	return g_h.rc[0];
}

static void test_recursive_lock_counts(void **state)
{
	(void)state;
	struct k_mutex m;
	assert_int_equal(k_mutex_init(&m), 0);

	for (uint32_t i = 1; i <= 3; i++) {
		assert_int_equal(k_mutex_lock(&m, i == 2 ? K_SECONDS(1) : K_NO_WAIT), 0);
		assert_int_equal(m.lock_count, i);
	}
	/* Two of three unlocks: still held. */
	assert_int_equal(k_mutex_unlock(&m), 0);
	assert_int_equal(k_mutex_unlock(&m), 0);
	assert_int_equal(m.lock_count, 1);
	assert_non_null(m.owner);
	assert_int_equal(k_mutex_unlock(&m), 0);
	assert_int_equal(m.lock_count, 0);
	assert_null(m.owner);
	/* One unlock too many. */
	assert_int_equal(k_mutex_unlock(&m), -EINVAL);

	/* The same on g_mutex, seen from another owner. */
	assert_int_equal(k_mutex_lock(&g_mutex, K_NO_WAIT), 0);
	assert_int_equal(k_mutex_lock(&g_mutex, K_NO_WAIT), 0);
	assert_int_equal(k_mutex_unlock(&g_mutex), 0);
	assert_int_equal(op_in_handler(OP_LOCK_NO_WAIT), -EBUSY);
	assert_int_equal(k_mutex_unlock(&g_mutex), 0);
	/* Free now: the handler gets it (and keeps it). */
	assert_int_equal(op_in_handler(OP_LOCK_NO_WAIT), 0);
	assert_int_equal(k_mutex_lock(&g_mutex, K_NO_WAIT), -EBUSY);
	assert_int_equal(op_in_handler(OP_UNLOCK), 0);

	/* Statically defined. */
	K_MUTEX_DEFINE(sm);
	assert_int_equal(k_mutex_unlock(&sm), -EINVAL);
	assert_int_equal(k_mutex_lock(&sm, K_NO_WAIT), 0);
	assert_int_equal(k_mutex_lock(&sm, K_NO_WAIT), 0);
	assert_int_equal(k_mutex_unlock(&sm), 0);
	assert_int_equal(k_mutex_unlock(&sm), 0);
	assert_int_equal(k_mutex_unlock(&sm), -EINVAL);
}

static void test_unlock_by_non_owner_is_eperm(void **state)
{
	(void)state;
	assert_int_equal(k_mutex_lock(&g_mutex, K_NO_WAIT), 0);
	assert_int_equal(k_mutex_lock(&g_mutex, K_NO_WAIT), 0);

	assert_int_equal(op_in_handler(OP_UNLOCK), -EPERM);
	/* Nothing changed: still held twice by the application. */
	assert_int_equal(g_mutex.lock_count, 2);
	assert_int_equal(op_in_handler(OP_LOCK_NO_WAIT), -EBUSY);
	assert_int_equal(k_mutex_unlock(&g_mutex), 0);
	assert_int_equal(op_in_handler(OP_UNLOCK), -EPERM);
	assert_int_equal(k_mutex_unlock(&g_mutex), 0);
	assert_int_equal(k_mutex_unlock(&g_mutex), -EINVAL);

	/* And the other way round: held by a handler, the application may not
	 * unlock it. */
	assert_int_equal(op_in_handler(OP_LOCK_NO_WAIT), 0);
	assert_int_equal(k_mutex_unlock(&g_mutex), -EPERM);
	assert_int_equal(g_mutex.lock_count, 1);
	assert_int_equal(op_in_handler(OP_UNLOCK), 0);
	assert_int_equal(k_mutex_unlock(&g_mutex), -EINVAL);
}

static void test_unlock_not_locked_is_einval(void **state)
{
	(void)state;
	struct k_mutex m;
	k_mutex_init(&m);
	assert_int_equal(k_mutex_unlock(&m), -EINVAL);
	assert_int_equal(k_mutex_lock(&m, K_NO_WAIT), 0);
	assert_int_equal(k_mutex_unlock(&m), 0);
	assert_int_equal(k_mutex_unlock(&m), -EINVAL);
	/* Not locked beats not owned. */
	assert_int_equal(op_in_handler(OP_UNLOCK), -EINVAL);
	/* A failed unlock left it usable. */
	assert_int_equal(k_mutex_lock(&m, K_NO_WAIT), 0);
	assert_int_equal(k_mutex_unlock(&m), 0);
}

static void test_held_by_other_owner_busy_then_timeout(void **state)
{
	(void)state;
	assert_int_equal(op_in_handler(OP_LOCK_NO_WAIT), 0); /* the handler keeps it */

	int64_t t0 = k_uptime_ticks();
	assert_int_equal(k_mutex_lock(&g_mutex, K_NO_WAIT), -EBUSY);
	if (ktest_is_coop()) {
		assert_int_equal(k_uptime_ticks(), t0);
	}
	t0 = k_uptime_ticks();
	assert_int_equal(k_mutex_lock(&g_mutex, K_MSEC(30)), -EAGAIN);
	assert_time_near(k_uptime_ticks() - t0, 30000);
	/* Failed attempts changed nothing. */
	assert_int_equal(g_mutex.lock_count, 1);

	assert_int_equal(op_in_handler(OP_UNLOCK), 0);
	assert_int_equal(k_mutex_lock(&g_mutex, K_NO_WAIT), 0);
	assert_int_equal(k_mutex_unlock(&g_mutex), 0);
}

static void test_release_by_delayable_wakes_waiting_lock(void **state)
{
	(void)state;
	struct k_work_delayable *dw = &g_dw;
	assert_int_equal(op_in_handler(OP_LOCK_NO_WAIT), 0);

	k_work_init_delayable(dw, unlock_handler);
	g_h.rc[0] = 12345;
	int64_t t0 = k_uptime_ticks();
	assert_int_equal(k_work_schedule(dw, K_MSEC(30)), 1);
	/* Woken by the release, long before its own timeout. */
	assert_int_equal(k_mutex_lock(&g_mutex, K_SECONDS(5)), 0);
	int64_t dt = k_uptime_ticks() - t0;
	assert_time_near(dt, 30000);
	assert_int_equal(k_sem_take(&g_h.done, K_SECONDS(5)), 0);
	assert_int_equal(g_h.rc[0], 0);
	assert_int_equal(g_mutex.lock_count, 1);
	/* Now the application's. */
	assert_int_equal(op_in_handler(OP_UNLOCK), -EPERM);
	assert_int_equal(k_mutex_unlock(&g_mutex), 0);
}

static void test_lock_in_handler_while_held(void **state)
{
	(void)state;
	assert_int_equal(k_mutex_lock(&g_mutex, K_NO_WAIT), 0);
	g_h.ops[0] = OP_LOCK_NO_WAIT;
	g_h.ops[1] = OP_LOCK_10MS;
	g_h.n = 2;
	assert_int_equal(k_work_submit(&g_work), 1);
	assert_int_equal(k_sem_take(&g_h.done, K_SECONDS(5)), 0);
	assert_int_equal(g_h.rc[0], -EBUSY);
	/* coop refuses to block in a callback; threads waits and times out. */
	assert_int_equal(g_h.rc[1], ktest_is_coop() ? -EDEADLK : -EAGAIN);
	assert_int_equal(k_mutex_unlock(&g_mutex), 0);
	assert_int_equal(k_mutex_unlock(&g_mutex), -EINVAL);
}

#if defined(ZBLE_KERNEL_THREADS)

#define CONTENTION_ROUNDS 10000

struct contender {
	struct zble_kernel *k;
	struct k_mutex *m;
	long *counter;
	int *inside;
	int lock_errors, unlock_errors, overlaps;
};

static void *contend(void *arg)
{
	struct contender *c = arg;
	zble_port_set_current_kernel(c->k);
	for (int i = 0; i < CONTENTION_ROUNDS; i++) {
		if (k_mutex_lock(c->m, K_SECONDS(5)) != 0) {
			c->lock_errors++;
			continue;
		}
		/* Recursion inside the critical section, too. */
		if ((i & 7) == 0 && k_mutex_lock(c->m, K_NO_WAIT) != 0) {
			c->lock_errors++;
		}
		if (*c->inside) {
			c->overlaps++;
		}
		*c->inside = 1;
		long v = *c->counter;
		if ((i & 63) == 0) {
			k_yield(); /* let the other one try while we hold it */
		}
		*c->counter = v + 1;
		*c->inside = 0;
		if ((i & 7) == 0 && k_mutex_unlock(c->m) != 0) {
			c->unlock_errors++;
		}
		if (k_mutex_unlock(c->m) != 0) {
			c->unlock_errors++;
		}
	}
	return NULL;
}

static void test_threads_contention_exact_total(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	static long counter;
	static int inside;
	counter = 0;
	inside = 0;
	struct contender c[2];
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		c[i] = (struct contender){ .k = &e->k, .m = &g_mutex, .counter = &counter, .inside = &inside };
		assert_int_equal(pthread_create(&th[i], NULL, contend, &c[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(c[i].lock_errors, 0);
		assert_int_equal(c[i].unlock_errors, 0);
		assert_int_equal(c[i].overlaps, 0);
	}
	assert_int_equal(counter, 2 * CONTENTION_ROUNDS);
	assert_int_equal(g_mutex.lock_count, 0);
	assert_int_equal(k_mutex_unlock(&g_mutex), -EINVAL);
}

/* An application thread that takes g_mutex, reports, and releases it when
 * told to (or tries to unlock a mutex it does not own). */
struct holder {
	struct zble_kernel *k;
	struct k_sem locked, release;
	int lock_rc, unlock_rc;
	int foreign_unlock_rc;
	int64_t released_at;
};

static void *hold_thread(void *arg)
{
	struct holder *h = arg;
	zble_port_set_current_kernel(h->k);
	h->lock_rc = k_mutex_lock(&g_mutex, K_NO_WAIT);
	k_sem_give(&h->locked);
	(void)k_sem_take(&h->release, K_SECONDS(5));
	h->released_at = k_uptime_ticks();
	h->unlock_rc = k_mutex_unlock(&g_mutex);
	return NULL;
}

static void *foreign_unlock_thread(void *arg)
{
	struct holder *h = arg;
	zble_port_set_current_kernel(h->k);
	h->foreign_unlock_rc = k_mutex_unlock(&g_mutex);
	return NULL;
}

static void test_threads_lock_times_out_while_other_thread_holds(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	static struct holder h;
	h = (struct holder){ .k = &e->k };
	k_sem_init(&h.locked, 0, 1);
	k_sem_init(&h.release, 0, 1);

	/* Everything the holder thread is involved in is measured first and
	 * asserted after the join: a failed assertion must not leave it
	 * running into the teardown. */
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, hold_thread, &h), 0);
	int locked_rc = k_sem_take(&h.locked, K_SECONDS(5));
	int busy_rc = k_mutex_lock(&g_mutex, K_NO_WAIT);
	int64_t t0 = k_uptime_ticks();
	int timeout_rc = k_mutex_lock(&g_mutex, K_MSEC(50));
	int64_t waited = k_uptime_ticks() - t0;
	int not_owner_rc = k_mutex_unlock(&g_mutex);
	/* Released while we wait: we get it then, not at the timeout. */
	k_sem_give(&h.release);
	int got_rc = k_mutex_lock(&g_mutex, K_SECONDS(5));
	int64_t got = k_uptime_ticks();
	pthread_join(th, NULL);

	assert_int_equal(locked_rc, 0);
	assert_int_equal(h.lock_rc, 0);
	assert_int_equal(busy_rc, -EBUSY);
	assert_int_equal(timeout_rc, -EAGAIN);
	assert_time_near(waited, 50000);
	assert_int_equal(not_owner_rc, -EPERM);
	assert_int_equal(h.unlock_rc, 0);
	assert_int_equal(got_rc, 0);
	assert_true(got >= h.released_at);
	assert_true(got - h.released_at < 1000000);

	/* Held by the main thread now: another thread may not unlock it. */
	assert_int_equal(pthread_create(&th, NULL, foreign_unlock_thread, &h), 0);
	pthread_join(th, NULL);
	assert_int_equal(h.foreign_unlock_rc, -EPERM);
	assert_int_equal(g_mutex.lock_count, 1);
	assert_int_equal(k_mutex_unlock(&g_mutex), 0);
}

#endif /* ZBLE_KERNEL_THREADS */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recursive_lock_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_by_non_owner_is_eperm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_not_locked_is_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_by_other_owner_busy_then_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_by_delayable_wakes_waiting_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_in_handler_while_held, setup, teardown),
#if defined(ZBLE_KERNEL_THREADS)
		cmocka_unit_test_setup_teardown(test_threads_contention_exact_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_lock_times_out_while_other_thread_holds, setup, teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
