/* threads backend: real blocking over zble/os.h. One recursive lock per
 * instance guards every kernel object; a waiter parks on a semaphore of its
 * own (on its stack) and re-checks its condition when woken. */
#include "kernel_internal.h"

struct waiter {
	sys_snode_t node;
	struct zble_os_sem sem;
};

z_key_t z_lock(struct zble_kernel *k)
{
	if (k) {
		zble_os_mutex_lock(&k->lock);
	}
	return 0;
}

void z_unlock(struct zble_kernel *k, z_key_t key)
{
	(void)key;
	if (k) {
		zble_os_mutex_unlock(&k->lock);
	}
}

uint64_t z_clock(struct zble_kernel *k)
{
	(void)k;
	return zble_os_now_us();
}

int z_pend(struct zble_kernel *k, _wait_q_t *wq, uint64_t deadline, z_key_t *key)
{
	if (!k) {
		return -EDEADLK;
	}
	if (zble_os_now_us() >= deadline) {
		return -EAGAIN;
	}
	struct waiter w;
	zble_os_sem_init(&w.sem, 0);
	sys_slist_append(&wq->waiters, &w.node);
	k->stats.waits++;
	z_unlock(k, *key);

	(void)zble_os_sem_take(&w.sem, deadline);

	*key = z_lock(k);
	/* Still listed: timed out (or woken spuriously) rather than woken. */
	sys_slist_find_and_remove(&wq->waiters, &w.node);
	zble_os_sem_destroy(&w.sem);
	return 0;
}

void z_wake_all(struct zble_kernel *k, _wait_q_t *wq)
{
	(void)k;
	sys_snode_t *n;
	while ((n = sys_slist_get(&wq->waiters)) != NULL) {
		zble_os_sem_give(&CONTAINER_OF(n, struct waiter, node)->sem);
	}
}

void z_timeouts_changed(struct zble_kernel *k)
{
	zble_os_sem_give(&k->timer_kick);
}

void z_workq_kick(struct k_work_q *q)
{
	zble_os_sem_give(&q->kick);
}

bool z_workq_is_self(struct k_work_q *q)
{
	return zble_os_thread_self() == (void *)&q->thread;
}

void z_callback_enter(struct zble_kernel *k)
{
	(void)k;
}

void z_callback_exit(struct zble_kernel *k)
{
	(void)k;
}

void *z_caller_id(struct zble_kernel *k)
{
	(void)k;
	return zble_os_thread_self();
}

bool k_is_in_callback(void)
{
	return false;
}

void k_yield(void)
{
	k_sleep(K_USEC(1));
}

bool zble_kernel_may_block(struct zble_kernel *k)
{
	if (!k) {
		return false;
	}
	void *me = zble_os_thread_self();
	if (me == (void *)&k->timer_thread) {
		return false;
	}
	bool ok = true;
	z_key_t key = z_lock(k);
	for (sys_snode_t *n = sys_slist_peek_head(&k->queues); n; n = n->next) {
		if (me == (void *)&CONTAINER_OF(n, struct k_work_q, qnode)->thread) {
			ok = false;
		}
	}
	z_unlock(k, key);
	return ok;
}

static void workq_thread(void *arg)
{
	struct k_work_q *q = arg;
	struct zble_kernel *k = q->kernel;
	zble_port_set_current_kernel(k);
	for (;;) {
		while (z_workq_run_one(q)) {
		}
		z_key_t key = z_lock(k);
		bool stop = q->stop && sys_slist_is_empty(&q->pending);
		z_unlock(k, key);
		if (stop) {
			break;
		}
		(void)zble_os_sem_take(&q->kick, ZBLE_OS_FOREVER);
	}
}

void z_workq_backend_start(struct k_work_q *q, int prio)
{
	zble_os_sem_init(&q->kick, 0);
	q->stop = false;
	/* Zephyr's cooperative priorities are the BT work level here. */
	int os_prio = prio < 0 ? ZBLE_OS_PRIO_WORK : ZBLE_OS_PRIO_APP;
	zble_os_thread_start(&q->thread, q->name, os_prio, workq_thread, q);
}

void z_workq_backend_stop(struct k_work_q *q)
{
	z_key_t key = z_lock(q->kernel);
	q->stop = true;
	z_unlock(q->kernel, key);
	zble_os_sem_give(&q->kick);
	zble_os_thread_join(&q->thread);
	zble_os_sem_destroy(&q->kick);
}

static void timer_thread(void *arg)
{
	struct zble_kernel *k = arg;
	zble_port_set_current_kernel(k);
	for (;;) {
		z_timeouts_run(k);
		z_key_t key = z_lock(k);
		bool stop = k->stopping;
		uint64_t next = z_timeouts_next(k);
		z_unlock(k, key);
		if (stop) {
			break;
		}
		(void)zble_os_sem_take(&k->timer_kick, next);
	}
}

int zble_kernel_init(struct zble_kernel *k, const struct zble_port *port, void *port_ctx)
{
	(void)port_ctx;
	if (!k || port) {
		return -EINVAL;
	}
	*k = (struct zble_kernel){ 0 };
	zble_os_mutex_init(&k->lock);
	zble_os_sem_init(&k->timer_kick, 0);
	k->epoch_us = zble_os_now_us();
	k->initialized = true;
	if (!zble_port_current_kernel()) {
		zble_port_set_current_kernel(k);
	}
	zble_os_thread_start(&k->timer_thread, "ktimer", ZBLE_OS_PRIO_TIMER, timer_thread, k);

	k->sysq.name = "sysworkq";
	z_key_t key = z_lock(k);
	z_workq_attach(k, &k->sysq);
	z_unlock(k, key);
	z_workq_backend_start(&k->sysq, K_PRIO_COOP(1));
	return 0;
}

void zble_kernel_deinit(struct zble_kernel *k)
{
	if (!k || !k->initialized) {
		return;
	}
	/* Stop every queue (pending items are dropped), then the timers. */
	for (;;) {
		z_key_t key = z_lock(k);
		sys_snode_t *qn = sys_slist_get(&k->queues);
		if (qn) {
			struct k_work_q *q = CONTAINER_OF(qn, struct k_work_q, qnode);
			sys_slist_init(&q->pending);
			z_unlock(k, key);
			z_workq_backend_stop(q);
			q->flags = 0;
			continue;
		}
		k->stopping = true;
		while (sys_slist_get(&k->timeouts)) {
		}
		z_unlock(k, key);
		break;
	}
	zble_os_sem_give(&k->timer_kick);
	zble_os_thread_join(&k->timer_thread);
	zble_os_sem_destroy(&k->timer_kick);
	zble_os_mutex_destroy(&k->lock);
	k->initialized = false;
	if (zble_port_current_kernel() == k) {
		zble_port_set_current_kernel(NULL);
	}
}
