/* What a runtime provides to run zble's coop kernel backend.
 *
 * The coop backend has no threads. A runtime (MicroPython's scheduler, a
 * bare-metal superloop, the simulator) calls zble_kernel_process() whenever
 * schedule() was requested or the deadline it returned has come, and otherwise
 * sleeps. Mapping onto MicroPython: now_us ~ mp_hal_ticks_us, schedule ~
 * mp_sched_schedule, irq_lock ~ MICROPY_BEGIN_ATOMIC_SECTION, wait ~ the
 * event-poll hook / __WFI. */
#ifndef ZBLE_PORT_H
#define ZBLE_PORT_H

#include <stdint.h>

#define ZBLE_TIME_NEVER UINT64_MAX

struct zble_kernel;

struct zble_port {
	/* Monotonic microseconds. */
	uint64_t (*now_us)(void *ctx);
	/* Ask for zble_kernel_process() to be called soon. Callable from
	 * interrupt context and from other threads. */
	void (*schedule)(void *ctx);
	/* Critical section against interrupt handlers; may nest (key-based). */
	uint32_t (*irq_lock)(void *ctx);
	void (*irq_unlock)(void *ctx, uint32_t key);
	/* Sleep until deadline_us or until schedule() is called; a schedule()
	 * that happened since the last wait makes it return at once. Returns 0,
	 * or a negative errno when nothing can ever wake it (-EDEADLK: a virtual
	 * clock asked to wait forever with nothing pending). */
	int (*wait)(void *ctx, uint64_t deadline_us);
};

/* The Zephyr-style calls take no instance argument. The runtime says which
 * kernel instance they act on from the calling context: this pointer is the
 * one piece of mutable state that belongs to the runtime and not to a
 * kernel (a TLS variable on POSIX, MP_STATE_PORT on MicroPython, a static on
 * a bare-metal board). Both backends call these. */
struct zble_kernel *zble_port_current_kernel(void);
void zble_port_set_current_kernel(struct zble_kernel *k);

#endif
