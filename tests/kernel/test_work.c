/* Work items and queues: ordering, submit return codes, cancel and flush,
 * drain/plug. The same source runs on both backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ktest.h"

struct rec_work {
	struct k_work work;
	int id;
};

struct log {
	struct k_sem done;
	int order[64];
	int n;
	struct k_work *resubmit; /* resubmitted once from its own handler */
	int resubmit_rc;
	int block_ms;            /* a handler that takes time (real or virtual) */
};

static struct log g_log;

static void record(struct k_work *w)
{
	struct rec_work *rw = CONTAINER_OF(w, struct rec_work, work);
	g_log.order[g_log.n++] = rw->id;
	if (g_log.resubmit == w) {
		g_log.resubmit = NULL;
		g_log.resubmit_rc = k_work_submit(w);
	}
	k_sem_give(&g_log.done);
}

static int setup(void **state)
{
	g_log = (struct log){ 0 };
	int rc = ktest_group_setup(state);
	k_sem_init(&g_log.done, 0, 100);
	return rc;
}

static void wait_done(int count)
{
	for (int i = 0; i < count; i++) {
		assert_int_equal(k_sem_take(&g_log.done, K_SECONDS(5)), 0);
	}
}

static void test_fifo_order_and_return_codes(void **state)
{
	(void)state;
	struct rec_work w[5];
	for (int i = 0; i < 5; i++) {
		k_work_init(&w[i].work, record);
		w[i].id = i;
	}
	/* Hold the system queue with a plug so all five queue up first. */
	struct zble_kernel *k = zble_port_current_kernel();
	k_sched_lock();
	for (int i = 0; i < 5; i++) {
		assert_int_equal(k_work_submit(&w[i].work), 1);
	}
	assert_int_equal(k_work_submit(&w[2].work), 0); /* already queued */
	assert_true(k_work_busy_get(&w[2].work) & K_WORK_QUEUED);
	assert_true(k_work_is_pending(&w[4].work));
	k_sched_unlock();
	wait_done(5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(g_log.order[i], i);
	}
	assert_int_equal(k_work_busy_get(&w[0].work), 0);
	assert_true(k->sysq.runs >= 5);
}

static void test_resubmit_from_handler_runs_again(void **state)
{
	(void)state;
	struct rec_work w = { .id = 7 };
	k_work_init(&w.work, record);
	g_log.resubmit = &w.work;
	assert_int_equal(k_work_submit(&w.work), 1);
	wait_done(2);
	assert_int_equal(g_log.n, 2);
	/* Running and not queued: requeued to the queue running it. */
	assert_int_equal(g_log.resubmit_rc, 2);
}

static void test_cancel_pending(void **state)
{
	(void)state;
	struct rec_work w = { .id = 1 }, other = { .id = 2 };
	k_work_init(&w.work, record);
	k_work_init(&other.work, record);
	k_sched_lock();
	assert_int_equal(k_work_submit(&w.work), 1);
	assert_int_equal(k_work_submit(&other.work), 1);
	assert_int_equal(k_work_cancel(&w.work), 0); /* idle after cancel */
	k_sched_unlock();
	wait_done(1);
	ktest_run_ms(*state, 20);
	assert_int_equal(g_log.n, 1);
	assert_int_equal(g_log.order[0], 2);
	assert_false(k_work_cancel_sync(&w.work, NULL)); /* nothing was pending */
}

static void test_flush_waits_for_completion(void **state)
{
	(void)state;
	struct rec_work w = { .id = 3 };
	k_work_init(&w.work, record);
	assert_false(k_work_flush(&w.work, NULL)); /* idle: nothing to wait for */
	assert_int_equal(k_work_submit(&w.work), 1);
	(void)k_work_flush(&w.work, NULL);
	/* After a flush the handler has run, on either backend. */
	assert_int_equal(g_log.n, 1);
	assert_int_equal(k_work_busy_get(&w.work), 0);
}

static struct k_work_q g_q2;

static void test_own_queue_and_drain_plug(void **state)
{
	(void)state;
	struct rec_work w[3];
	k_work_queue_init(&g_q2);
	struct k_work_queue_config cfg = { .name = "q2" };
	k_work_queue_start(&g_q2, NULL, 0, K_PRIO_COOP(2), &cfg);
	for (int i = 0; i < 3; i++) {
		k_work_init(&w[i].work, record);
		w[i].id = 10 + i;
		assert_int_equal(k_work_submit_to_queue(&g_q2, &w[i].work), 1);
	}
	assert_int_equal(k_work_queue_drain(&g_q2, true), 0);
	assert_int_equal(g_log.n, 3);
	/* Plugged: refuses new work from outside. */
	assert_int_equal(k_work_submit_to_queue(&g_q2, &w[0].work), -EBUSY);
	assert_int_equal(k_work_queue_unplug(&g_q2), 0);
	assert_int_equal(k_work_queue_unplug(&g_q2), -EALREADY);
	assert_int_equal(k_work_submit_to_queue(&g_q2, &w[0].work), 1);
	wait_done(4);
	assert_int_equal(k_work_queue_stop(&g_q2, K_FOREVER), 0);
	assert_int_equal(k_work_submit_to_queue(&g_q2, &w[1].work), -EINVAL);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct k_work w;
	k_work_init(&w, record);
	assert_int_equal(k_work_submit_to_queue(NULL, &w), -EINVAL);
	struct k_work_q never_started;
	k_work_queue_init(&never_started);
	assert_int_equal(k_work_submit_to_queue(&never_started, &w), -EINVAL);
	assert_int_equal(k_work_queue_stop(&never_started, K_NO_WAIT), -EALREADY);
}

/* Many items from several queues all run exactly once. */
static void count_handler(struct k_work *w)
{
	(void)w;
	k_sem_give(&g_log.done);
}

static void test_many_items(void **state)
{
	(void)state;
	static struct k_work items[50];
	for (int i = 0; i < 50; i++) {
		k_work_init(&items[i], count_handler);
		assert_int_equal(k_work_submit(&items[i]), 1);
	}
	wait_done(50);
	assert_int_equal(k_sem_take(&g_log.done, K_MSEC(20)), -EAGAIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fifo_order_and_return_codes, setup, ktest_group_teardown),
		cmocka_unit_test_setup_teardown(test_resubmit_from_handler_runs_again, setup, ktest_group_teardown),
		cmocka_unit_test_setup_teardown(test_cancel_pending, setup, ktest_group_teardown),
		cmocka_unit_test_setup_teardown(test_flush_waits_for_completion, setup, ktest_group_teardown),
		cmocka_unit_test_setup_teardown(test_own_queue_and_drain_plug, setup, ktest_group_teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, ktest_group_teardown),
		cmocka_unit_test_setup_teardown(test_many_items, setup, ktest_group_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
