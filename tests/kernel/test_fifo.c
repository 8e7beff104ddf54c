/* k_queue, k_fifo and k_lifo: ordering, prepend, peek, remove, is_empty,
 * K_NO_WAIT and timeouts, wake-up by a put from delayable work, cancel_wait,
 * and (threads) a producer thread feeding the main thread. The same source
 * runs on both backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#if defined(ZBLE_KERNEL_THREADS)
#include <pthread.h>
#endif

#include "ktest.h"

/* The first word of an item is the queue's. */
struct item {
	sys_snode_t node;
	int id;
};

static struct ktest_env g_env;
static struct k_fifo g_fifo;
static struct item g_items[8];
/* Timers and work items are static, not on a test's stack: a failed
 * assertion leaves the test function while one may still be linked into
 * the kernel. */
static struct k_work g_work;
static struct k_work_delayable g_dw;

/* What the handlers did (threads: on the work queue thread). */
struct cb_log {
	struct k_sem done;
	struct item *got[2];
	int64_t got_dt; /* uptime spent inside the blocking get */
};
static struct cb_log g_cb;

static int setup(void **state)
{
	ktest_setup(&g_env);
	*state = &g_env;
	k_fifo_init(&g_fifo);
	for (int i = 0; i < 8; i++) {
		g_items[i] = (struct item){ .id = i };
	}
	g_cb = (struct cb_log){ 0 };
	k_sem_init(&g_cb.done, 0, 1);
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

static int item_id(void *p)
{
	assert_non_null(p);
	return ((struct item *)p)->id;
}

static void put_handler(struct k_work *w)
{
	(void)w;
	k_fifo_put(&g_fifo, &g_items[5]);
}

static void cancel_handler(struct k_work *w)
{
	(void)w;
	k_fifo_cancel_wait(&g_fifo);
}

static void get_in_handler(struct k_work *w)
{
	(void)w;
	int64_t t0 = k_uptime_ticks();
	g_cb.got[0] = k_fifo_get(&g_fifo, K_MSEC(10));
	g_cb.got_dt = k_uptime_ticks() - t0;
	k_fifo_put(&g_fifo, &g_items[1]);
	g_cb.got[1] = k_fifo_get(&g_fifo, K_MSEC(10));
	k_sem_give(&g_cb.done);
}

static void test_fifo_order(void **state)
{
	(void)state;
	assert_true(k_fifo_is_empty(&g_fifo));
	assert_null(k_fifo_peek_head(&g_fifo));
	assert_null(k_fifo_peek_tail(&g_fifo));

	for (int i = 0; i < 5; i++) {
		k_fifo_put(&g_fifo, &g_items[i]);
		assert_false(k_fifo_is_empty(&g_fifo));
		assert_ptr_equal(k_fifo_peek_head(&g_fifo), &g_items[0]);
		assert_ptr_equal(k_fifo_peek_tail(&g_fifo), &g_items[i]);
	}
	for (int i = 0; i < 5; i++) {
		assert_int_equal(item_id(k_fifo_get(&g_fifo, K_NO_WAIT)), i);
	}
	assert_null(k_fifo_get(&g_fifo, K_NO_WAIT));
	assert_true(k_fifo_is_empty(&g_fifo));

	/* Items can go round again; a statically defined FIFO works alike. */
	K_FIFO_DEFINE(sf);
	assert_true(k_fifo_is_empty(&sf));
	k_fifo_put(&sf, &g_items[3]);
	k_fifo_put(&sf, &g_items[1]);
	k_fifo_put(&sf, &g_items[2]);
	assert_int_equal(item_id(k_fifo_get(&sf, K_FOREVER)), 3);
	assert_int_equal(item_id(k_fifo_get(&sf, K_MSEC(10))), 1);
	assert_int_equal(item_id(k_fifo_get(&sf, K_NO_WAIT)), 2);
	assert_true(k_fifo_is_empty(&sf));
}

static void test_lifo_order(void **state)
{
	(void)state;
	struct k_lifo l;
	k_lifo_init(&l);
	for (int i = 0; i < 5; i++) {
		k_lifo_put(&l, &g_items[i]);
		assert_ptr_equal(k_queue_peek_head(&l._queue), &g_items[i]);
		assert_ptr_equal(k_queue_peek_tail(&l._queue), &g_items[0]);
	}
	for (int i = 4; i >= 0; i--) {
		assert_int_equal(item_id(k_lifo_get(&l, K_NO_WAIT)), i);
	}
	assert_null(k_lifo_get(&l, K_NO_WAIT));
	assert_true(k_queue_is_empty(&l._queue));
}

static void test_queue_prepend_and_peek(void **state)
{
	(void)state;
	struct k_queue q;
	k_queue_init(&q);

	k_queue_append(&q, &g_items[2]);
	assert_ptr_equal(k_queue_peek_head(&q), &g_items[2]);
	assert_ptr_equal(k_queue_peek_tail(&q), &g_items[2]);
	k_queue_prepend(&q, &g_items[1]);
	k_queue_append(&q, &g_items[3]);
	k_queue_prepend(&q, &g_items[0]);
	assert_ptr_equal(k_queue_peek_head(&q), &g_items[0]);
	assert_ptr_equal(k_queue_peek_tail(&q), &g_items[3]);
	/* Peeking takes nothing. */
	assert_ptr_equal(k_queue_peek_head(&q), &g_items[0]);

	for (int i = 0; i < 4; i++) {
		assert_int_equal(item_id(k_queue_get(&q, K_NO_WAIT)), i);
	}
	assert_true(k_queue_is_empty(&q));
	assert_null(k_queue_peek_head(&q));
	assert_null(k_queue_peek_tail(&q));

	/* Prepend into an empty queue sets the tail too. */
	k_queue_prepend(&q, &g_items[4]);
	assert_ptr_equal(k_queue_peek_tail(&q), &g_items[4]);
	k_queue_append(&q, &g_items[5]);
	assert_int_equal(item_id(k_queue_get(&q, K_NO_WAIT)), 4);
	assert_int_equal(item_id(k_queue_get(&q, K_NO_WAIT)), 5);
	assert_null(k_queue_get(&q, K_NO_WAIT));
}

static void test_queue_remove(void **state)
{
	(void)state;
	struct k_queue q;
	k_queue_init(&q);
	assert_false(k_queue_remove(&q, &g_items[0]));

	for (int i = 0; i < 5; i++) {
		k_queue_append(&q, &g_items[i]);
	}
	assert_true(k_queue_remove(&q, &g_items[2])); /* middle */
	assert_false(k_queue_remove(&q, &g_items[2]));
	assert_true(k_queue_remove(&q, &g_items[0])); /* head */
	assert_ptr_equal(k_queue_peek_head(&q), &g_items[1]);
	assert_true(k_queue_remove(&q, &g_items[4])); /* tail */
	assert_ptr_equal(k_queue_peek_tail(&q), &g_items[3]);
	assert_false(k_queue_remove(&q, &g_items[7])); /* never queued */

	/* The list is still well formed: appending goes after the new tail. */
	k_queue_append(&q, &g_items[6]);
	assert_ptr_equal(k_queue_peek_tail(&q), &g_items[6]);
	assert_int_equal(item_id(k_queue_get(&q, K_NO_WAIT)), 1);
	assert_int_equal(item_id(k_queue_get(&q, K_NO_WAIT)), 3);
	assert_int_equal(item_id(k_queue_get(&q, K_NO_WAIT)), 6);
	assert_null(k_queue_get(&q, K_NO_WAIT));

	/* Removing the only item empties it. */
	k_queue_append(&q, &g_items[1]);
	assert_true(k_queue_remove(&q, &g_items[1]));
	assert_true(k_queue_is_empty(&q));
	assert_null(k_queue_peek_head(&q));
	assert_null(k_queue_peek_tail(&q));
	k_queue_append(&q, &g_items[2]);
	assert_ptr_equal(k_queue_peek_head(&q), &g_items[2]);
	assert_ptr_equal(k_queue_peek_tail(&q), &g_items[2]);
}

static void test_get_no_wait_and_timeout_on_empty(void **state)
{
	(void)state;
	int64_t t0 = k_uptime_ticks();
	for (int i = 0; i < 100; i++) {
		assert_null(k_fifo_get(&g_fifo, K_NO_WAIT));
	}
	if (ktest_is_coop()) {
		assert_int_equal(k_uptime_ticks(), t0);
	} else {
		assert_true(k_uptime_ticks() - t0 < (int64_t)ktest_slack_us());
	}

	t0 = k_uptime_ticks();
	assert_null(k_fifo_get(&g_fifo, K_MSEC(40)));
	assert_time_near(k_uptime_ticks() - t0, 40000);
	assert_true(k_fifo_is_empty(&g_fifo));

	/* An item present: no wait even with a timeout. */
	k_fifo_put(&g_fifo, &g_items[0]);
	t0 = k_uptime_ticks();
	assert_ptr_equal(k_fifo_get(&g_fifo, K_SECONDS(5)), &g_items[0]);
	assert_time_near(k_uptime_ticks() - t0, 0);
}

static void test_put_from_delayable_wakes_get(void **state)
{
	(void)state;
	struct k_work_delayable *dw = &g_dw;
	k_work_init_delayable(dw, put_handler);

	int64_t t0 = k_uptime_ticks();
	assert_int_equal(k_work_schedule(dw, K_MSEC(30)), 1);
	void *got = k_fifo_get(&g_fifo, K_SECONDS(5));
	int64_t dt = k_uptime_ticks() - t0;
	assert_ptr_equal(got, &g_items[5]);
	assert_time_near(dt, 30000);
	assert_true(k_fifo_is_empty(&g_fifo));

	/* The waiter only gets what was put, in order: an item already queued
	 * comes first. */
	k_fifo_put(&g_fifo, &g_items[2]);
	assert_int_equal(k_work_schedule(dw, K_MSEC(10)), 1);
	assert_ptr_equal(k_fifo_get(&g_fifo, K_SECONDS(5)), &g_items[2]);
	assert_ptr_equal(k_fifo_get(&g_fifo, K_SECONDS(5)), &g_items[5]);
}

static void test_get_inside_handler(void **state)
{
	(void)state;
	struct k_work *w = &g_work;
	k_work_init(w, get_in_handler);
	assert_int_equal(k_work_submit(w), 1);
	assert_int_equal(k_sem_take(&g_cb.done, K_SECONDS(5)), 0);
	/* Empty: NULL either way (coop: at once, it may not block; threads:
	 * after the timeout). */
	assert_null(g_cb.got[0]);
	if (ktest_is_coop()) {
		assert_int_equal(g_cb.got_dt, 0);
	} else {
		assert_time_near(g_cb.got_dt, 10000);
	}
	assert_ptr_equal(g_cb.got[1], &g_items[1]);
}

static void test_cancel_wait_from_delayable(void **state)
{
	(void)state;
	struct k_work_delayable *dw = &g_dw;
	k_work_init_delayable(dw, cancel_handler);

	int64_t t0 = k_uptime_ticks();
	assert_int_equal(k_work_schedule(dw, K_MSEC(20)), 1);
	assert_null(k_fifo_get(&g_fifo, K_SECONDS(5)));
	assert_time_near(k_uptime_ticks() - t0, 20000);

	/* A cancel with nobody waiting does not affect a later get. */
	k_fifo_cancel_wait(&g_fifo);
	t0 = k_uptime_ticks();
	assert_null(k_fifo_get(&g_fifo, K_MSEC(20)));
	assert_time_near(k_uptime_ticks() - t0, 20000);

	/* Still a working FIFO. */
	k_fifo_put(&g_fifo, &g_items[3]);
	assert_ptr_equal(k_fifo_get(&g_fifo, K_NO_WAIT), &g_items[3]);
}

#if defined(ZBLE_KERNEL_THREADS)

#define PRODUCED 1000

struct producer {
	struct zble_kernel *k;
	struct item items[PRODUCED];
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	zble_port_set_current_kernel(p->k);
	for (int i = 0; i < PRODUCED; i++) {
		p->items[i].id = i;
		k_fifo_put(&g_fifo, &p->items[i]);
		if ((i & 31) == 0) {
			k_yield();
		}
	}
	return NULL;
}

static void test_threads_producer_consumer_in_order(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	static struct producer p;
	p.k = &e->k;

	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, produce, &p), 0);
	int next = 0;
	while (next < PRODUCED) {
		struct item *it = k_fifo_get(&g_fifo, K_SECONDS(5));
		if (!it) {
			break;
		}
		if (it->id != next || it != &p.items[next]) {
			break;
		}
		next++;
	}
	pthread_join(th, NULL);
	assert_int_equal(next, PRODUCED);
	assert_true(k_fifo_is_empty(&g_fifo));
	assert_null(k_fifo_get(&g_fifo, K_NO_WAIT));
}

struct getter {
	struct zble_kernel *k;
	void *got;
	int64_t returned_at;
	int done; /* atomic */
};

static void *get_thread(void *arg)
{
	struct getter *g = arg;
	zble_port_set_current_kernel(g->k);
	g->got = k_fifo_get(&g_fifo, K_SECONDS(3));
	g->returned_at = k_uptime_ticks();
	__atomic_store_n(&g->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static size_t fifo_waiters(void)
{
	k_sched_lock();
	size_t n = sys_slist_len(&g_fifo._queue.wait.waiters);
	k_sched_unlock();
	return n;
}

/* Measured first, asserted after the joins: no thread may outlive a failed
 * assertion (each waits at most 3 s). */
static void test_threads_cancel_wait_wakes_waiting_thread(void **state)
{
	struct ktest_env *e = KTEST_ENV(state);
	struct getter g[2] = { { .k = &e->k }, { .k = &e->k } };
	pthread_t th[2];

	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_create(&th[i], NULL, get_thread, &g[i]), 0);
	}
	for (int i = 0; i < 1000 && fifo_waiters() < 2; i++) {
		k_msleep(1);
	}
	size_t blocked = fifo_waiters();
	int done_before = __atomic_load_n(&g[0].done, __ATOMIC_ACQUIRE) + __atomic_load_n(&g[1].done, __ATOMIC_ACQUIRE);

	/* One cancel releases every current waiter with NULL. */
	int64_t t_cancel = k_uptime_ticks();
	k_fifo_cancel_wait(&g_fifo);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
	}
	assert_int_equal(blocked, 2);
	assert_int_equal(done_before, 0);
	for (int i = 0; i < 2; i++) {
		assert_null(g[i].got);
		assert_time_near(g[i].returned_at, t_cancel);
	}

	/* A new waiter is not affected and gets the next item. */
	g[0] = (struct getter){ .k = &e->k };
	assert_int_equal(pthread_create(&th[0], NULL, get_thread, &g[0]), 0);
	for (int i = 0; i < 1000 && fifo_waiters() < 1; i++) {
		k_msleep(1);
	}
	int64_t t_put = k_uptime_ticks();
	k_fifo_put(&g_fifo, &g_items[4]);
	pthread_join(th[0], NULL);
	assert_ptr_equal(g[0].got, &g_items[4]);
	assert_time_near(g[0].returned_at, t_put);
}

#endif /* ZBLE_KERNEL_THREADS */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fifo_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifo_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_prepend_and_peek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_no_wait_and_timeout_on_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_from_delayable_wakes_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_inside_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_wait_from_delayable, setup, teardown),
#if defined(ZBLE_KERNEL_THREADS)
		cmocka_unit_test_setup_teardown(test_threads_producer_consumer_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_cancel_wait_wakes_waiting_thread, setup, teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
