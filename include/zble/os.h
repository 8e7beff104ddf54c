/* The threads backend's view of the operating system: the whole of it.
 *
 * A port of the threads backend to another OS implements exactly these
 * functions and defines the four types in its own header (os_posix.h is the
 * in-tree one; docs/porting.md sketches the FreeRTOS file). Queues and timers
 * are built by the kernel on top of these, so they are not part of the port. */
#ifndef ZBLE_OS_H
#define ZBLE_OS_H

#include <stdint.h>

#if defined(ZBLE_OS_FREERTOS)
#include "zble/os_freertos.h"
#else
#include "zble/os_posix.h"
#endif

#define ZBLE_OS_FOREVER UINT64_MAX

/* Priorities of the FreeRTOS design; larger is more urgent. */
enum zble_os_prio {
	ZBLE_OS_PRIO_APP = 1,     /* application threads, the interpreter */
	ZBLE_OS_PRIO_WORK = 2,    /* BT work queue: all host logic */
	ZBLE_OS_PRIO_RX = 3,      /* HCI receive: drains the transport */
	ZBLE_OS_PRIO_TIMER = 4,   /* kernel timer service */
};

int zble_os_thread_start(struct zble_os_thread *t, const char *name, int prio,
			 void (*fn)(void *arg), void *arg);
void zble_os_thread_join(struct zble_os_thread *t);
/* An identity for the calling thread, never NULL: for a thread started
 * with zble_os_thread_start() it is that struct zble_os_thread. */
void *zble_os_thread_self(void);

void zble_os_mutex_init(struct zble_os_mutex *m);
void zble_os_mutex_lock(struct zble_os_mutex *m);
void zble_os_mutex_unlock(struct zble_os_mutex *m);
void zble_os_mutex_destroy(struct zble_os_mutex *m);

void zble_os_sem_init(struct zble_os_sem *s, unsigned initial);
void zble_os_sem_give(struct zble_os_sem *s);
/* 0 when taken, -1 when deadline_us (absolute, zble_os_now_us() time base) passed. */
int zble_os_sem_take(struct zble_os_sem *s, uint64_t deadline_us);
void zble_os_sem_destroy(struct zble_os_sem *s);

/* Monotonic microseconds. */
uint64_t zble_os_now_us(void);

#endif
