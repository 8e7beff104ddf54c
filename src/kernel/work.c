/* Work items, delayable work and work queues, shared by both backends. The
 * backend decides who runs a queue (coop: zble_kernel_process(); threads: a
 * thread per queue) through z_workq_kick() and z_workq_run_one(). */
#include "kernel_internal.h"

#define BUSY_MASK (K_WORK_RUNNING | K_WORK_CANCELING | K_WORK_QUEUED | K_WORK_DELAYED | K_WORK_FLUSHING)

void k_work_init(struct k_work *work, k_work_handler_t handler)
{
	*work = (struct k_work)Z_WORK_INITIALIZER(handler);
}

int k_work_busy_get(const struct k_work *work)
{
	struct zble_kernel *k = work->queue ? work->queue->kernel : z_kernel();
	z_key_t key = z_lock(k);
	int busy = (int)(work->flags & BUSY_MASK);
	z_unlock(k, key);
	return busy;
}

/* Lock held. Zephyr's submit rules, with q the requested queue. */
static int submit_locked(struct k_work_q *q, struct k_work *work)
{
	int ret = 1;

	if (work->flags & K_WORK_CANCELING) {
		return -EBUSY;
	}
	if (work->flags & K_WORK_QUEUED) {
		return 0;
	}
	if (work->flags & K_WORK_RUNNING) {
		/* Keep one item on one queue: requeue where it runs. */
		q = work->queue;
		ret = 2;
	}
	if (!q || !(q->flags & Z_WORKQ_STARTED)) {
		return -EINVAL;
	}
	if ((q->flags & (Z_WORKQ_DRAINING | Z_WORKQ_PLUGGED)) && !z_workq_is_self(q)) {
		return -EBUSY;
	}
	sys_slist_append(&q->pending, &work->node);
	work->flags |= K_WORK_QUEUED;
	work->queue = q;
	z_workq_kick(q);
	return ret;
}

int k_work_submit_to_queue(struct k_work_q *queue, struct k_work *work)
{
	if (!queue || !work) {
		return -EINVAL;
	}
	struct zble_kernel *k = queue->kernel;
	z_key_t key = z_lock(k);
	int ret = submit_locked(queue, work);
	z_unlock(k, key);
	return ret;
}

int k_work_submit(struct k_work *work)
{
	struct zble_kernel *k = z_kernel();
	return k ? k_work_submit_to_queue(&k->sysq, work) : -EINVAL;
}

bool z_workq_run_one(struct k_work_q *q)
{
	struct zble_kernel *k = q->kernel;
	z_key_t key = z_lock(k);
	sys_snode_t *n = sys_slist_get(&q->pending);
	if (!n) {
		z_unlock(k, key);
		return false;
	}
	struct k_work *work = CONTAINER_OF(n, struct k_work, node);
	k_work_handler_t handler = work->handler;
	work->flags = (work->flags & ~(uint32_t)K_WORK_QUEUED) | K_WORK_RUNNING;
	q->running = work;
	z_unlock(k, key);

	z_callback_enter(k);
	handler(work);
	z_callback_exit(k);

	key = z_lock(k);
	work->flags &= ~(uint32_t)(K_WORK_RUNNING | K_WORK_CANCELING);
	q->running = NULL;
	q->runs++;
	k->stats.work_runs++;
	z_wake_all(k, &q->idle_wait);
	z_unlock(k, key);
	return true;
}

/* Lock held. Takes a queued or delayed item back; returns the busy state. */
static int cancel_locked(struct zble_kernel *k, struct k_work *work)
{
	if (work->flags & K_WORK_DELAYED) {
		struct k_work_delayable *dw = k_work_delayable_from_work(work);
		z_timeout_abort(k, &dw->timeout);
		work->flags &= ~(uint32_t)K_WORK_DELAYED;
	}
	if ((work->flags & K_WORK_QUEUED) && work->queue) {
		sys_slist_find_and_remove(&work->queue->pending, &work->node);
		work->flags &= ~(uint32_t)K_WORK_QUEUED;
	}
	if (work->flags & K_WORK_RUNNING) {
		/* Refuse resubmission until the handler returns. */
		work->flags |= K_WORK_CANCELING;
	}
	return (int)(work->flags & BUSY_MASK);
}

int k_work_cancel(struct k_work *work)
{
	struct zble_kernel *k = work->queue ? work->queue->kernel : z_kernel();
	z_key_t key = z_lock(k);
	int busy = cancel_locked(k, work);
	z_unlock(k, key);
	return busy;
}

/* Lock held. Waits on the item's queue until none of mask is set. */
static int wait_idle_locked(struct zble_kernel *k, struct k_work *work, uint32_t mask, z_key_t *key)
{
	while ((work->flags & mask) && work->queue) {
		int rc = z_pend(k, &work->queue->idle_wait, ZBLE_TIME_NEVER, key);
		if (rc) {
			return rc;
		}
	}
	return 0;
}

bool k_work_cancel_sync(struct k_work *work, struct k_work_sync *sync)
{
	(void)sync;
	struct zble_kernel *k = work->queue ? work->queue->kernel : z_kernel();
	z_key_t key = z_lock(k);
	bool was_busy = (work->flags & BUSY_MASK) != 0;
	cancel_locked(k, work);
	/* Waiting on ourselves would never end. */
	if (!(work->queue && work->queue->running == work && z_workq_is_self(work->queue))) {
		wait_idle_locked(k, work, K_WORK_RUNNING, &key);
	}
	z_unlock(k, key);
	return was_busy;
}

/* Lock held. Waits for a queued or running item; true if it was busy. */
static bool flush_locked(struct zble_kernel *k, struct k_work *work, z_key_t *key)
{
	if (!(work->flags & (K_WORK_QUEUED | K_WORK_RUNNING))) {
		return false;
	}
	if (!(work->queue->running == work && z_workq_is_self(work->queue))) {
		(void)wait_idle_locked(k, work, K_WORK_QUEUED | K_WORK_RUNNING, key);
	}
	return true;
}

bool k_work_flush(struct k_work *work, struct k_work_sync *sync)
{
	(void)sync;
	struct zble_kernel *k = work->queue ? work->queue->kernel : z_kernel();
	z_key_t key = z_lock(k);
	bool waited = flush_locked(k, work, &key);
	z_unlock(k, key);
	return waited;
}

/* ---- queues ---- */

void k_work_queue_init(struct k_work_q *queue)
{
	*queue = (struct k_work_q){ 0 };
}

void z_workq_attach(struct zble_kernel *k, struct k_work_q *q)
{
	q->kernel = k;
	q->flags = Z_WORKQ_STARTED;
	sys_slist_append(&k->queues, &q->qnode);
}

void k_work_queue_start(struct k_work_q *queue, k_thread_stack_t *stack, size_t stack_size, int prio,
			const struct k_work_queue_config *cfg)
{
	(void)stack;
	(void)stack_size;
	struct zble_kernel *k = z_kernel();
	if (!k || (queue->flags & Z_WORKQ_STARTED)) {
		return;
	}
	queue->name = cfg && cfg->name ? cfg->name : "workq";
	z_key_t key = z_lock(k);
	z_workq_attach(k, queue);
	z_unlock(k, key);
	z_workq_backend_start(queue, prio);
}

int k_work_queue_drain(struct k_work_q *queue, bool plug)
{
	struct zble_kernel *k = queue->kernel;
	if (!k) {
		return -EINVAL;
	}
	z_key_t key = z_lock(k);
	int rc = 0;
	queue->flags |= Z_WORKQ_DRAINING | (plug ? Z_WORKQ_PLUGGED : 0);
	while (!sys_slist_is_empty(&queue->pending) || queue->running) {
		rc = z_pend(k, &queue->idle_wait, ZBLE_TIME_NEVER, &key);
		if (rc) {
			rc = -EBUSY;
			break;
		}
	}
	queue->flags &= ~(uint32_t)Z_WORKQ_DRAINING;
	z_unlock(k, key);
	return rc;
}

int k_work_queue_unplug(struct k_work_q *queue)
{
	struct zble_kernel *k = queue->kernel;
	z_key_t key = z_lock(k);
	int rc = (queue->flags & Z_WORKQ_PLUGGED) ? 0 : -EALREADY;
	queue->flags &= ~(uint32_t)Z_WORKQ_PLUGGED;
	z_unlock(k, key);
	return rc;
}

int k_work_queue_stop(struct k_work_q *queue, k_timeout_t timeout)
{
	(void)timeout;
	struct zble_kernel *k = queue->kernel;
	if (!k || !(queue->flags & Z_WORKQ_STARTED)) {
		return -EALREADY;
	}
	z_key_t key = z_lock(k);
	bool busy = !sys_slist_is_empty(&queue->pending) || queue->running;
	z_unlock(k, key);
	if (busy) {
		return -EBUSY;
	}
	z_workq_backend_stop(queue);
	key = z_lock(k);
	sys_slist_find_and_remove(&k->queues, &queue->qnode);
	queue->flags = 0;
	z_unlock(k, key);
	return 0;
}

/* ---- delayable work ---- */

void k_work_init_delayable(struct k_work_delayable *dwork, k_work_handler_t handler)
{
	*dwork = (struct k_work_delayable)Z_WORK_DELAYABLE_INITIALIZER(handler);
}

int k_work_delayable_busy_get(const struct k_work_delayable *dwork)
{
	return k_work_busy_get(&dwork->work);
}

static void delay_expired(struct _timeout *t)
{
	struct k_work_delayable *dw = CONTAINER_OF(t, struct k_work_delayable, timeout);
	struct zble_kernel *k = t->kernel;
	z_key_t key = z_lock(k);
	/* Rescheduled after the timer service took t off the list: t is linked
	 * again for the new deadline and this expiry is void. */
	if ((dw->work.flags & K_WORK_DELAYED) && !t->linked) {
		dw->work.flags &= ~(uint32_t)K_WORK_DELAYED;
		(void)submit_locked(dw->queue, &dw->work);
	}
	z_unlock(k, key);
}

/* Lock held. */
static int schedule_locked(struct zble_kernel *k, struct k_work_q *q, struct k_work_delayable *dw, k_timeout_t delay)
{
	if (delay.ticks == 0 || (delay.ticks < 0 && delay.ticks != K_TICKS_FOREVER)) {
		return submit_locked(q, &dw->work);
	}
	if (!q || !(q->flags & Z_WORKQ_STARTED)) {
		return -EINVAL;
	}
	dw->queue = q;
	dw->work.flags |= K_WORK_DELAYED;
	z_timeout_add(k, &dw->timeout, z_deadline(k, delay), delay_expired);
	return 1;
}

int k_work_schedule_for_queue(struct k_work_q *queue, struct k_work_delayable *dwork, k_timeout_t delay)
{
	if (!queue) {
		return -EINVAL;
	}
	struct zble_kernel *k = queue->kernel;
	z_key_t key = z_lock(k);
	int ret = 0;
	if (!(dwork->work.flags & (K_WORK_QUEUED | K_WORK_DELAYED))) {
		ret = schedule_locked(k, queue, dwork, delay);
	}
	z_unlock(k, key);
	return ret;
}

int k_work_schedule(struct k_work_delayable *dwork, k_timeout_t delay)
{
	struct zble_kernel *k = z_kernel();
	return k ? k_work_schedule_for_queue(&k->sysq, dwork, delay) : -EINVAL;
}

int k_work_reschedule_for_queue(struct k_work_q *queue, struct k_work_delayable *dwork, k_timeout_t delay)
{
	if (!queue) {
		return -EINVAL;
	}
	struct zble_kernel *k = queue->kernel;
	z_key_t key = z_lock(k);
	if (dwork->work.flags & K_WORK_DELAYED) {
		z_timeout_abort(k, &dwork->timeout);
		dwork->work.flags &= ~(uint32_t)K_WORK_DELAYED;
	}
	int ret = schedule_locked(k, queue, dwork, delay);
	z_unlock(k, key);
	return ret;
}

int k_work_reschedule(struct k_work_delayable *dwork, k_timeout_t delay)
{
	struct zble_kernel *k = z_kernel();
	return k ? k_work_reschedule_for_queue(&k->sysq, dwork, delay) : -EINVAL;
}

int k_work_cancel_delayable(struct k_work_delayable *dwork)
{
	return k_work_cancel(&dwork->work);
}

bool k_work_cancel_delayable_sync(struct k_work_delayable *dwork, struct k_work_sync *sync)
{
	return k_work_cancel_sync(&dwork->work, sync);
}

bool k_work_flush_delayable(struct k_work_delayable *dwork, struct k_work_sync *sync)
{
	(void)sync;
	struct k_work *work = &dwork->work;
	struct zble_kernel *k = dwork->queue ? dwork->queue->kernel : z_kernel();
	z_key_t key = z_lock(k);
	if (work->flags & K_WORK_DELAYED) {
		/* Flushing means "run it now and wait". */
		z_timeout_abort(k, &dwork->timeout);
		work->flags &= ~(uint32_t)K_WORK_DELAYED;
		(void)submit_locked(dwork->queue, work);
	}
	bool waited = flush_locked(k, work, &key);
	z_unlock(k, key);
	return waited;
}

k_ticks_t k_work_delayable_remaining_get(const struct k_work_delayable *dwork)
{
	struct zble_kernel *k = dwork->timeout.kernel;
	if (!k) {
		return 0;
	}
	z_key_t key = z_lock(k);
	uint64_t now = z_clock(k);
	k_ticks_t left = 0;
	if ((dwork->work.flags & K_WORK_DELAYED) && dwork->timeout.deadline > now) {
		left = (k_ticks_t)(dwork->timeout.deadline - now);
	}
	z_unlock(k, key);
	return left;
}
