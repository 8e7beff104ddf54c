/* The part of Zephyr's kernel API a Bluetooth host needs, reimplemented.
 *
 * Semantics follow Zephyr's documentation. Where zble differs it says so here:
 *
 * - Every object acts on a kernel instance (struct zble_kernel, zble/kernel.h).
 *   The calls take no instance argument, so the runtime says which one is
 *   current for the calling context (zble/port.h). Work queues and timers
 *   remember the instance they were started on.
 * - The clock counts microseconds (1 tick = 1 us).
 * - coop backend: there is one context. A call that would block pumps the
 *   kernel (runs due timers and ready work) and sleeps through the port until
 *   it can complete or its timeout passes. From inside a work handler or timer
 *   callback such a call returns -EDEADLK at once instead of blocking
 *   (k_sleep returns its whole duration, k_work_flush/cancel_sync return
 *   without waiting).
 * - threads backend: real blocking; timers fire on a kernel timer thread
 *   (Zephyr runs them in interrupt context).
 * - Timeouts are relative only (no K_TIMEOUT_ABS_*); no k_poll, no k_thread
 *   creation (the OS does that: zble/os.h).
 */
#ifndef ZEPHYR_KERNEL_H
#define ZEPHYR_KERNEL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zephyr/sys/atomic.h>
#include <zephyr/sys/slist.h>
#include <zephyr/sys/util.h>

#ifndef EDEADLK
#define EDEADLK 45
#endif

struct zble_kernel;

/* ---- time ---- */

typedef int64_t k_ticks_t;
typedef struct {
	k_ticks_t ticks; /* microseconds; -1 = forever */
} k_timeout_t;

#define CONFIG_SYS_CLOCK_TICKS_PER_SEC 1000000
#define K_TICKS_FOREVER ((k_ticks_t)-1)
#define Z_TIMEOUT_TICKS(t) ((k_timeout_t){ .ticks = (t) })
#define K_NO_WAIT Z_TIMEOUT_TICKS(0)
#define K_FOREVER Z_TIMEOUT_TICKS(K_TICKS_FOREVER)
#define K_TICKS(t) Z_TIMEOUT_TICKS((k_ticks_t)(t))
#define K_USEC(us) Z_TIMEOUT_TICKS((k_ticks_t)(us))
#define K_MSEC(ms) Z_TIMEOUT_TICKS((k_ticks_t)(ms) * 1000)
#define K_SECONDS(s) K_MSEC((k_ticks_t)(s) * 1000)
#define K_MINUTES(m) K_SECONDS((k_ticks_t)(m) * 60)
#define K_HOURS(h) K_MINUTES((k_ticks_t)(h) * 60)
#define K_TIMEOUT_EQ(a, b) ((a).ticks == (b).ticks)

static inline k_ticks_t k_ms_to_ticks_ceil64(int64_t ms) { return ms * 1000; }
static inline int64_t k_ticks_to_ms_floor64(k_ticks_t t) { return t / 1000; }
static inline int64_t k_ticks_to_us_floor64(k_ticks_t t) { return t; }

int64_t k_uptime_get(void);
uint32_t k_uptime_get_32(void);
int64_t k_uptime_ticks(void);
static inline int64_t k_uptime_delta(int64_t *reftime)
{
	int64_t now = k_uptime_get(), d = now - *reftime;
	*reftime = now;
	return d;
}

/* Sleeps; returns 0, or the milliseconds left when it could not sleep (coop:
 * called from a callback). */
int32_t k_sleep(k_timeout_t timeout);
int32_t k_msleep(int32_t ms);
int32_t k_usleep(int32_t us);
/* coop: runs one round of ready work; threads: yields the CPU. */
void k_yield(void);
/* True inside a work handler or timer callback (where coop forbids blocking). */
bool k_is_in_callback(void);

/* ---- internal building blocks (fields are private) ---- */

/* Every waitable object embeds one; it also remembers the kernel instance
 * that was current when the object was initialised (statically defined
 * objects use the current one at each call). */
typedef struct {
	sys_slist_t waiters;
	struct zble_kernel *kernel;
} _wait_q_t;

struct _timeout;
typedef void (*_timeout_func_t)(struct _timeout *t);

struct _timeout {
	sys_snode_t node;
	uint64_t deadline; /* absolute us */
	_timeout_func_t fn;
	struct zble_kernel *kernel;
	bool linked;
};

/* ---- semaphores ---- */

struct k_sem {
	unsigned int count;
	unsigned int limit;
	_wait_q_t wait;
	uint32_t resets; /* bumped by k_sem_reset(): waiters return -EAGAIN */
};

#define K_SEM_MAX_LIMIT UINT32_MAX
#define Z_SEM_INITIALIZER(obj, initial, max) { .count = (initial), .limit = (max), .wait = { SYS_SLIST_STATIC_INIT(0) } }
#define K_SEM_DEFINE(name, initial, max) struct k_sem name = Z_SEM_INITIALIZER(name, initial, max)

int k_sem_init(struct k_sem *sem, unsigned int initial_count, unsigned int limit);
/* 0; -EBUSY with K_NO_WAIT and no count; -EAGAIN on timeout; coop: -EDEADLK. */
int k_sem_take(struct k_sem *sem, k_timeout_t timeout);
void k_sem_give(struct k_sem *sem);
void k_sem_reset(struct k_sem *sem);
unsigned int k_sem_count_get(struct k_sem *sem);

/* ---- mutexes (recursive, owner-checked) ---- */

struct k_mutex {
	void *owner;
	uint32_t lock_count;
	_wait_q_t wait;
};

#define Z_MUTEX_INITIALIZER(obj) { .owner = NULL, .lock_count = 0, .wait = { SYS_SLIST_STATIC_INIT(0) } }
#define K_MUTEX_DEFINE(name) struct k_mutex name = Z_MUTEX_INITIALIZER(name)

int k_mutex_init(struct k_mutex *mutex);
/* 0; -EBUSY with K_NO_WAIT; -EAGAIN on timeout; coop: -EDEADLK. */
int k_mutex_lock(struct k_mutex *mutex, k_timeout_t timeout);
/* 0; -EINVAL if not locked; -EPERM if the caller does not own it. */
int k_mutex_unlock(struct k_mutex *mutex);

/* ---- queues and FIFOs: the first word of every item is reserved ---- */

struct k_queue {
	sys_slist_t data;
	_wait_q_t wait;
	uint32_t cancels; /* bumped by k_queue_cancel_wait(): waiters return NULL */
};

#define Z_QUEUE_INITIALIZER(obj) { .data = SYS_SLIST_STATIC_INIT(0), .wait = { SYS_SLIST_STATIC_INIT(0) } }
#define K_QUEUE_DEFINE(name) struct k_queue name = Z_QUEUE_INITIALIZER(name)

void k_queue_init(struct k_queue *queue);
void k_queue_append(struct k_queue *queue, void *data);
void k_queue_prepend(struct k_queue *queue, void *data);
/* Item, or NULL on timeout (coop: also NULL where it would block in a callback). */
void *k_queue_get(struct k_queue *queue, k_timeout_t timeout);
bool k_queue_remove(struct k_queue *queue, void *data);
int k_queue_is_empty(struct k_queue *queue);
void *k_queue_peek_head(struct k_queue *queue);
void *k_queue_peek_tail(struct k_queue *queue);
void k_queue_cancel_wait(struct k_queue *queue);

struct k_fifo {
	struct k_queue _queue;
};

#define K_FIFO_DEFINE(name) struct k_fifo name = { Z_QUEUE_INITIALIZER(name._queue) }
#define k_fifo_init(fifo) k_queue_init(&(fifo)->_queue)
#define k_fifo_put(fifo, data) k_queue_append(&(fifo)->_queue, data)
#define k_fifo_get(fifo, timeout) k_queue_get(&(fifo)->_queue, timeout)
#define k_fifo_is_empty(fifo) k_queue_is_empty(&(fifo)->_queue)
#define k_fifo_peek_head(fifo) k_queue_peek_head(&(fifo)->_queue)
#define k_fifo_peek_tail(fifo) k_queue_peek_tail(&(fifo)->_queue)
#define k_fifo_cancel_wait(fifo) k_queue_cancel_wait(&(fifo)->_queue)

struct k_lifo {
	struct k_queue _queue;
};

#define k_lifo_init(lifo) k_queue_init(&(lifo)->_queue)
#define k_lifo_put(lifo, data) k_queue_prepend(&(lifo)->_queue, data)
#define k_lifo_get(lifo, timeout) k_queue_get(&(lifo)->_queue, timeout)

/* ---- work items and work queues ---- */

struct k_work;
struct k_work_q;
typedef void (*k_work_handler_t)(struct k_work *work);

/* Busy-state bits, as k_work_busy_get() reports them. */
enum {
	K_WORK_RUNNING_BIT = 0,
	K_WORK_CANCELING_BIT = 1,
	K_WORK_QUEUED_BIT = 2,
	K_WORK_DELAYED_BIT = 3,
	K_WORK_FLUSHING_BIT = 4,
	K_WORK_DELAYABLE_BIT = 8, /* private: the item is a k_work_delayable */
};

enum {
	K_WORK_RUNNING = BIT(K_WORK_RUNNING_BIT),
	K_WORK_CANCELING = BIT(K_WORK_CANCELING_BIT),
	K_WORK_QUEUED = BIT(K_WORK_QUEUED_BIT),
	K_WORK_DELAYED = BIT(K_WORK_DELAYED_BIT),
	K_WORK_FLUSHING = BIT(K_WORK_FLUSHING_BIT),
};

struct k_work {
	sys_snode_t node;
	k_work_handler_t handler;
	struct k_work_q *queue; /* where it is queued, running or last ran */
	uint32_t flags;
};

#define Z_WORK_INITIALIZER(work_handler) { .node = { NULL }, .handler = (work_handler), .queue = NULL, .flags = 0 }
#define K_WORK_DEFINE(work, work_handler) struct k_work work = Z_WORK_INITIALIZER(work_handler)

struct k_work_delayable {
	struct k_work work;
	struct _timeout timeout;
	struct k_work_q *queue; /* where it goes when the delay ends */
};

#define Z_WORK_DELAYABLE_INITIALIZER(work_handler) \
	{ .work = { .node = { NULL }, .handler = (work_handler), .queue = NULL, .flags = BIT(K_WORK_DELAYABLE_BIT) } }
#define K_WORK_DELAYABLE_DEFINE(work, work_handler) struct k_work_delayable work = Z_WORK_DELAYABLE_INITIALIZER(work_handler)

struct k_work_sync {
	int unused; /* kept for signature compatibility; zble keeps no per-call state */
};

struct k_work_queue_config {
	const char *name;
	bool no_yield;
	bool essential;
};

#if defined(ZBLE_KERNEL_THREADS)
#include "zble/os.h"
#endif

struct k_work_q {
	sys_slist_t pending;
	sys_snode_t qnode; /* in the kernel's list of queues */
	struct zble_kernel *kernel;
	_wait_q_t idle_wait; /* flush, cancel_sync and drain wait here */
	const char *name;
	struct k_work *running;
	uint32_t flags;
	uint32_t runs; /* handlers run (observability) */
#if defined(ZBLE_KERNEL_THREADS)
	struct zble_os_thread thread;
	struct zble_os_sem kick;
	bool stop;
#endif
};

typedef uint8_t k_thread_stack_t;
#define K_THREAD_STACK_DEFINE(sym, size) k_thread_stack_t sym[1]
#define K_KERNEL_STACK_DEFINE(sym, size) k_thread_stack_t sym[1]
#define K_THREAD_STACK_SIZEOF(sym) sizeof(sym)
#define K_PRIO_COOP(x) (-16 + (x))
#define K_PRIO_PREEMPT(x) (x)
#define K_HIGHEST_THREAD_PRIO (-16)
#define K_LOWEST_APPLICATION_THREAD_PRIO 14

void k_work_init(struct k_work *work, k_work_handler_t handler);
int k_work_busy_get(const struct k_work *work);
static inline bool k_work_is_pending(const struct k_work *work)
{
	return (k_work_busy_get(work) & ~(int)K_WORK_CANCELING & ~(int)K_WORK_FLUSHING) != 0;
}
/* 0 already queued; 1 queued; 2 queued again to the queue running it;
 * -EBUSY cancelling or queue draining; -EINVAL no queue. */
int k_work_submit_to_queue(struct k_work_q *queue, struct k_work *work);
int k_work_submit(struct k_work *work);
/* Remaining busy state after the cancel (RUNNING when the handler runs). */
int k_work_cancel(struct k_work *work);
/* Waits until the handler is not running; true if the item was busy. */
bool k_work_cancel_sync(struct k_work *work, struct k_work_sync *sync);
/* Waits for a queued or running item to finish; true if it had to wait. */
bool k_work_flush(struct k_work *work, struct k_work_sync *sync);

void k_work_queue_init(struct k_work_q *queue);
/* Starts a queue on the current kernel. coop: stack and prio are ignored.
 * threads: a thread per queue; a negative (cooperative) Zephyr priority maps
 * to the BT work priority, others to the application priority. */
void k_work_queue_start(struct k_work_q *queue, k_thread_stack_t *stack, size_t stack_size, int prio,
			const struct k_work_queue_config *cfg);
/* Stops accepting work (unless from its own handlers), waits until empty.
 * 0, or -EBUSY with a coop callback caller. */
int k_work_queue_drain(struct k_work_q *queue, bool plug);
int k_work_queue_unplug(struct k_work_q *queue);
/* threads: joins the thread; coop: detaches the queue. The queue must be empty. */
int k_work_queue_stop(struct k_work_q *queue, k_timeout_t timeout);

void k_work_init_delayable(struct k_work_delayable *dwork, k_work_handler_t handler);
static inline struct k_work_delayable *k_work_delayable_from_work(struct k_work *work)
{
	return CONTAINER_OF(work, struct k_work_delayable, work);
}
int k_work_delayable_busy_get(const struct k_work_delayable *dwork);
static inline bool k_work_delayable_is_pending(const struct k_work_delayable *dwork)
{
	return k_work_delayable_busy_get(dwork) != 0;
}
/* No-op (returns 0) if already delayed or queued; 1 scheduled; K_NO_WAIT submits. */
int k_work_schedule_for_queue(struct k_work_q *queue, struct k_work_delayable *dwork, k_timeout_t delay);
int k_work_schedule(struct k_work_delayable *dwork, k_timeout_t delay);
/* Replaces any pending delay; a queued item stays queued. */
int k_work_reschedule_for_queue(struct k_work_q *queue, struct k_work_delayable *dwork, k_timeout_t delay);
int k_work_reschedule(struct k_work_delayable *dwork, k_timeout_t delay);
int k_work_cancel_delayable(struct k_work_delayable *dwork);
bool k_work_cancel_delayable_sync(struct k_work_delayable *dwork, struct k_work_sync *sync);
bool k_work_flush_delayable(struct k_work_delayable *dwork, struct k_work_sync *sync);
/* Microseconds (ticks) until the delay ends; 0 if not delayed. */
k_ticks_t k_work_delayable_remaining_get(const struct k_work_delayable *dwork);

/* ---- timers ---- */

struct k_timer;
typedef void (*k_timer_expiry_t)(struct k_timer *timer);
typedef void (*k_timer_stop_t)(struct k_timer *timer);

struct k_timer {
	struct _timeout timeout;
	k_timer_expiry_t expiry_fn;
	k_timer_stop_t stop_fn;
	k_ticks_t period;
	uint32_t status;
	_wait_q_t wait;
	void *user_data;
	bool running; /* started and neither stopped nor (one-shot) expired */
};

#define Z_TIMER_INITIALIZER(obj, expiry, stop) { .expiry_fn = (expiry), .stop_fn = (stop) }
#define K_TIMER_DEFINE(name, expiry, stop) struct k_timer name = Z_TIMER_INITIALIZER(name, expiry, stop)

void k_timer_init(struct k_timer *timer, k_timer_expiry_t expiry_fn, k_timer_stop_t stop_fn);
/* Restarts a running timer. period K_NO_WAIT or K_FOREVER: one-shot. Periodic
 * deadlines advance by the period from the previous deadline (no drift). */
void k_timer_start(struct k_timer *timer, k_timeout_t duration, k_timeout_t period);
void k_timer_stop(struct k_timer *timer);
/* Expiries since the last read; resets the count. */
uint32_t k_timer_status_get(struct k_timer *timer);
/* Waits for the next expiry or a stop; returns the expiries and resets. coop
 * from a callback: returns the current count without waiting. */
uint32_t k_timer_status_sync(struct k_timer *timer);
k_ticks_t k_timer_remaining_ticks(const struct k_timer *timer);
static inline uint32_t k_timer_remaining_get(const struct k_timer *timer)
{
	return (uint32_t)(k_timer_remaining_ticks(timer) / 1000);
}
k_ticks_t k_timer_expires_ticks(const struct k_timer *timer);
static inline void k_timer_user_data_set(struct k_timer *timer, void *user_data) { timer->user_data = user_data; }
static inline void *k_timer_user_data_get(const struct k_timer *timer) { return timer->user_data; }

/* ---- spin locks and scheduler locks: the kernel lock of the instance ---- */

struct k_spinlock {
	int unused;
};
typedef struct {
	uint32_t key;
} k_spinlock_key_t;
k_spinlock_key_t k_spin_lock(struct k_spinlock *l);
void k_spin_unlock(struct k_spinlock *l, k_spinlock_key_t key);
void k_sched_lock(void);
void k_sched_unlock(void);

#endif
