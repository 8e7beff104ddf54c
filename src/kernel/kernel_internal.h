/* What the backend-neutral kernel objects need from a backend, and the
 * shared timeout and work-queue machinery the backends drive. */
#ifndef ZBLE_KERNEL_INTERNAL_H
#define ZBLE_KERNEL_INTERNAL_H

#include <zephyr/kernel.h>

#include "zble/kernel.h"

typedef uint32_t z_key_t;

/* Private work-queue flags (k_work_q.flags). */
#define Z_WORKQ_DRAINING BIT(0)
#define Z_WORKQ_PLUGGED BIT(1)
#define Z_WORKQ_STARTED BIT(2)

static inline struct zble_kernel *z_kernel(void) { return zble_port_current_kernel(); }
/* The instance an object belongs to: bound at init, else the current one. */
static inline struct zble_kernel *z_wq_kernel(const _wait_q_t *wq)
{
	return wq->kernel ? wq->kernel : z_kernel();
}

/* ---- provided by the backend (coop/backend.c or threads/backend.c) ---- */

/* The instance lock. Nests. NULL k: no-op (no kernel yet, nothing to race). */
z_key_t z_lock(struct zble_kernel *k);
void z_unlock(struct zble_kernel *k, z_key_t key);
/* Absolute clock in microseconds. */
uint64_t z_clock(struct zble_kernel *k);
/* Blocks the caller until woken through wq, or until deadline (absolute).
 * Called with the lock held (key); holds it again on return. Returns 0 when
 * the caller should re-check its condition (woken, or coop: the kernel made
 * progress), -EAGAIN if the deadline had passed on entry, -EDEADLK when the
 * caller may not block (coop: inside a callback; or no kernel). */
int z_pend(struct zble_kernel *k, _wait_q_t *wq, uint64_t deadline, z_key_t *key);
/* Wakes every waiter of wq (they re-check). Lock held. */
void z_wake_all(struct zble_kernel *k, _wait_q_t *wq);
/* The head of the timeout list changed: the timer service must look again. */
void z_timeouts_changed(struct zble_kernel *k);
/* Work was queued on q: its runner must look again. */
void z_workq_kick(struct k_work_q *q);
/* True when called from q's own handler context. */
bool z_workq_is_self(struct k_work_q *q);
/* Callback bracket: coop counts the depth; threads does nothing. */
void z_callback_enter(struct zble_kernel *k);
void z_callback_exit(struct zble_kernel *k);
/* Identity of the caller for mutex ownership. */
void *z_caller_id(struct zble_kernel *k);
/* Backend part of starting/stopping a queue (threads: the thread). */
void z_workq_backend_start(struct k_work_q *q, int prio);
void z_workq_backend_stop(struct k_work_q *q);

/* ---- shared (timeout.c, work.c) ---- */

/* Absolute deadline for a relative timeout; ZBLE_TIME_NEVER for K_FOREVER. */
uint64_t z_deadline(struct zble_kernel *k, k_timeout_t t);
/* Lock held. Inserts (re-inserts) t to fire fn at deadline. */
void z_timeout_add(struct zble_kernel *k, struct _timeout *t, uint64_t deadline, _timeout_func_t fn);
/* Lock held. True if it was pending. */
bool z_timeout_abort(struct zble_kernel *k, struct _timeout *t);
/* Lock held. Deadline of the earliest timeout, or ZBLE_TIME_NEVER. */
uint64_t z_timeouts_next(struct zble_kernel *k);
/* Lock held. Drops every timeout (kernel deinit). */
void z_timeouts_clear(struct zble_kernel *k);
/* Fires every timeout due now; returns how many fired. Takes the lock. */
uint32_t z_timeouts_run(struct zble_kernel *k);
/* Runs one queued item of q; false if q was empty. Takes the lock. */
bool z_workq_run_one(struct k_work_q *q);
/* Lock held. Adds q to its kernel and marks it started. */
void z_workq_attach(struct zble_kernel *k, struct k_work_q *q);

#endif
