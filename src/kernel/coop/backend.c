/* coop backend: one context. The lock is the port's interrupt mask; a wait
 * pumps the kernel (zble_kernel_process) and sleeps through the port, and is
 * refused inside callbacks so it can never deadlock or recurse. */
#include "kernel_internal.h"

z_key_t z_lock(struct zble_kernel *k)
{
	return (k && k->port) ? k->port->irq_lock(k->port_ctx) : 0;
}

void z_unlock(struct zble_kernel *k, z_key_t key)
{
	if (k && k->port) {
		k->port->irq_unlock(k->port_ctx, key);
	}
}

uint64_t z_clock(struct zble_kernel *k)
{
	return (k && k->port) ? k->port->now_us(k->port_ctx) : 0;
}

int z_pend(struct zble_kernel *k, _wait_q_t *wq, uint64_t deadline, z_key_t *key)
{
	(void)wq; /* conditions are re-checked after every pump */
	if (!k) {
		return -EDEADLK;
	}
	if (z_clock(k) >= deadline) {
		return -EAGAIN;
	}
	if (k->callback_depth > 0 || k->processing) {
		k->stats.deadlocks_refused++;
		return -EDEADLK;
	}
	z_unlock(k, *key);

	uint32_t before = k->stats.work_runs + k->stats.timeouts_fired;
	uint64_t next = zble_kernel_process(k);
	int rc = 0;
	bool progressed = k->stats.work_runs + k->stats.timeouts_fired != before;
	uint64_t now = z_clock(k);
	if (!progressed && next > now) {
		/* Nothing to do until the next deadline or an event. */
		k->stats.waits++;
		rc = k->port->wait(k->port_ctx, next < deadline ? next : deadline);
	}

	*key = z_lock(k);
	return rc;
}

void z_wake_all(struct zble_kernel *k, _wait_q_t *wq)
{
	(void)wq; /* the waiter re-checks after its pump... */
	if (k) {
		/* ...but may be asleep in the port when an interrupt handler
		 * (or another thread) gives: wake the port. */
		k->port->schedule(k->port_ctx);
	}
}

void z_timeouts_changed(struct zble_kernel *k)
{
	k->port->schedule(k->port_ctx);
}

void z_workq_kick(struct k_work_q *q)
{
	struct zble_kernel *k = q->kernel;
	k->port->schedule(k->port_ctx);
}

bool z_workq_is_self(struct k_work_q *q)
{
	return q->running != NULL;
}

void z_callback_enter(struct zble_kernel *k)
{
	k->callback_depth++;
}

void z_callback_exit(struct zble_kernel *k)
{
	k->callback_depth--;
}

void *z_caller_id(struct zble_kernel *k)
{
	/* Application level is 1, each nested callback level one more. */
	return (void *)(uintptr_t)(k ? k->callback_depth + 1 : 1);
}

void z_workq_backend_start(struct k_work_q *q, int prio)
{
	(void)q;
	(void)prio;
}

void z_workq_backend_stop(struct k_work_q *q)
{
	(void)q;
}

bool k_is_in_callback(void)
{
	struct zble_kernel *k = z_kernel();
	return k && k->callback_depth > 0;
}

void k_yield(void)
{
	struct zble_kernel *k = z_kernel();
	if (k && k->callback_depth == 0) {
		(void)zble_kernel_process(k);
	}
}

bool zble_kernel_may_block(struct zble_kernel *k)
{
	return k && k->callback_depth == 0 && !k->processing;
}
