/* A zble kernel instance: all mutable state behind the Zephyr-style kernel
 * API. A host context embeds one; the simulator runs many in one process.
 *
 * coop backend:    zble_kernel_init(k, &port, port_ctx), then the runtime calls
 *                  zble_kernel_process(k) when scheduled or at the deadline it
 *                  returned (or simply runs zble_kernel_run()).
 * threads backend: zble_kernel_init(k, NULL, NULL) starts the timer thread and
 *                  the system work queue thread; zble_kernel_deinit() stops
 *                  them. */
#ifndef ZBLE_KERNEL_H
#define ZBLE_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/kernel.h>

#include "zble/port.h"

#if defined(ZBLE_KERNEL_THREADS)
#include "zble/os.h"
#endif

struct zble_kernel_stats {
	uint32_t process_calls; /* coop: zble_kernel_process() runs */
	uint32_t work_runs;     /* work handlers run, all queues */
	uint32_t timeouts_fired;
	uint32_t waits;         /* times a wait slept (port wait or OS block) */
	uint32_t deadlocks_refused; /* coop: would-block calls refused in callbacks */
};

struct zble_kernel {
	sys_slist_t timeouts; /* sorted by deadline */
	sys_slist_t queues;   /* started work queues */
	struct k_work_q sysq; /* the target of k_work_submit() */
	uint64_t epoch_us;    /* clock value at init: uptime starts at 0 */
	struct zble_kernel_stats stats;
	void *bt_host; /* the Bluetooth host running on this instance, if any */
	bool initialized;
#if defined(ZBLE_KERNEL_THREADS)
	struct zble_os_mutex lock;
	struct zble_os_thread timer_thread;
	struct zble_os_sem timer_kick;
	bool stopping;
#else
	const struct zble_port *port;
	void *port_ctx;
	uint32_t callback_depth; /* >0 inside a work handler or timer callback */
	bool processing;
	bool schedule_requested;
#endif
};

/* coop: port and port_ctx are required. threads: pass NULL (the OS layer is
 * the port). Makes k the current kernel if none is. 0 or -EINVAL. */
int zble_kernel_init(struct zble_kernel *k, const struct zble_port *port, void *port_ctx);
/* Cancels timers, stops queues (threads: joins the threads). */
void zble_kernel_deinit(struct zble_kernel *k);

/* False where a blocking call would be refused (coop: inside a callback) or
 * could deadlock (threads: on one of the instance's own queue or timer
 * threads, which must keep running for the wait to end). */
bool zble_kernel_may_block(struct zble_kernel *k);

/* Microseconds since zble_kernel_init(), on the instance's clock. */
uint64_t zble_kernel_now_us(struct zble_kernel *k);
/* Absolute clock value (port/OS time base). */
uint64_t zble_kernel_clock_us(struct zble_kernel *k);

#if !defined(ZBLE_KERNEL_THREADS)
/* Runs due timers and the work that is ready (a bounded round: work queued
 * by the handlers themselves waits for the next call). Returns the absolute
 * clock time when it must run again: the current time if work is still ready,
 * ZBLE_TIME_NEVER if nothing is scheduled. Re-entrant calls return at once. */
uint64_t zble_kernel_process(struct zble_kernel *k);
/* Processes and sleeps through the port until *stop becomes true (checked
 * after every round) or deadline_us passes (absolute; ZBLE_TIME_NEVER for
 * none). Returns 0, -EAGAIN at the deadline, or the port's wait error. */
int zble_kernel_run(struct zble_kernel *k, volatile bool *stop, uint64_t deadline_us);
#endif

#endif
