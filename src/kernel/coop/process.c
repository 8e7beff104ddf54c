/* The coop backend's single entry point for progress, and its life cycle. */
#include "kernel_internal.h"

int zble_kernel_init(struct zble_kernel *k, const struct zble_port *port, void *port_ctx)
{
	if (!k || !port || !port->now_us || !port->schedule || !port->irq_lock || !port->irq_unlock ||
	    !port->wait) {
		return -EINVAL;
	}
	*k = (struct zble_kernel){ 0 };
	k->port = port;
	k->port_ctx = port_ctx;
	k->epoch_us = port->now_us(port_ctx);
	k->sysq.name = "sysworkq";
	z_workq_attach(k, &k->sysq);
	k->initialized = true;
	if (!zble_port_current_kernel()) {
		zble_port_set_current_kernel(k);
	}
	return 0;
}

void zble_kernel_deinit(struct zble_kernel *k)
{
	if (!k || !k->initialized) {
		return;
	}
	z_key_t key = z_lock(k);
	z_timeouts_clear(k);
	sys_slist_init(&k->queues);
	k->initialized = false;
	z_unlock(k, key);
	if (zble_port_current_kernel() == k) {
		zble_port_set_current_kernel(NULL);
	}
}

uint64_t zble_kernel_process(struct zble_kernel *k)
{
	if (k->processing) {
		return z_clock(k);
	}
	struct zble_kernel *prev = zble_port_current_kernel();
	zble_port_set_current_kernel(k);
	k->processing = true;
	k->stats.process_calls++;

	z_timeouts_run(k);

	/* A bounded round: each queue runs what it held at the start, so a
	 * handler that resubmits itself cannot starve the caller. */
	bool ready = false;
	for (sys_snode_t *qn = sys_slist_peek_head(&k->queues); qn; qn = qn->next) {
		struct k_work_q *q = CONTAINER_OF(qn, struct k_work_q, qnode);
		z_key_t key = z_lock(k);
		size_t n = sys_slist_len(&q->pending);
		z_unlock(k, key);
		while (n-- > 0 && z_workq_run_one(q)) {
		}
	}

	z_key_t key = z_lock(k);
	for (sys_snode_t *qn = sys_slist_peek_head(&k->queues); qn; qn = qn->next) {
		if (!sys_slist_is_empty(&CONTAINER_OF(qn, struct k_work_q, qnode)->pending)) {
			ready = true;
		}
	}
	uint64_t next = ready ? z_clock(k) : z_timeouts_next(k);
	z_unlock(k, key);

	k->processing = false;
	zble_port_set_current_kernel(prev);
	return next;
}

int zble_kernel_run(struct zble_kernel *k, volatile bool *stop, uint64_t deadline_us)
{
	for (;;) {
		uint64_t next = zble_kernel_process(k);
		if (stop && *stop) {
			return 0;
		}
		uint64_t now = z_clock(k);
		if (now >= deadline_us) {
			return -EAGAIN;
		}
		if (next <= now) {
			continue;
		}
		k->stats.waits++;
		int rc = k->port->wait(k->port_ctx, next < deadline_us ? next : deadline_us);
		if (rc < 0) {
			return rc;
		}
	}
}
