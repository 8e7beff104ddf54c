/* zble/os.h on POSIX threads. Priorities use SCHED_FIFO when the process may
 * (root or CAP_SYS_NICE) and fall back to the default policy otherwise, where
 * Linux gives every thread the same share: see docs/porting.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <time.h>

#include "zble/os.h"

/* The zble_os_thread running on this thread, or NULL for outside threads,
 * whose identity is the address of this variable itself. */
static _Thread_local struct zble_os_thread *self_thread;

static void *trampoline(void *arg)
{
	struct zble_os_thread *t = arg;
	self_thread = t;
	t->fn(t->arg);
	return NULL;
}

int zble_os_thread_start(struct zble_os_thread *t, const char *name, int prio, void (*fn)(void *arg), void *arg)
{
	pthread_attr_t attr;
	t->fn = fn;
	t->arg = arg;
	pthread_attr_init(&attr);

	int max = sched_get_priority_max(SCHED_FIFO);
	struct sched_param sp = { .sched_priority = max - (ZBLE_OS_PRIO_TIMER - prio) };
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &sp);
	int rc = pthread_create(&t->tid, &attr, trampoline, t);
	if (rc != 0) { /* EPERM without CAP_SYS_NICE; some sandboxes say EINVAL */
		pthread_attr_setinheritsched(&attr, PTHREAD_INHERIT_SCHED);
		rc = pthread_create(&t->tid, &attr, trampoline, t);
	}
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		return -rc;
	}
	t->started = true;
#if defined(__GLIBC__)
	if (name) {
		char short_name[16] = { 0 };
		for (int i = 0; i < 15 && name[i]; i++) {
			short_name[i] = name[i];
		}
		pthread_setname_np(t->tid, short_name);
	}
#else
	(void)name;
#endif
	return 0;
}

void zble_os_thread_join(struct zble_os_thread *t)
{
	if (t->started) {
		pthread_join(t->tid, NULL);
		t->started = false;
	}
}

void *zble_os_thread_self(void)
{
	return self_thread ? (void *)self_thread : (void *)&self_thread;
}

void zble_os_mutex_init(struct zble_os_mutex *m)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&m->m, &a);
	pthread_mutexattr_destroy(&a);
}

void zble_os_mutex_lock(struct zble_os_mutex *m)
{
	pthread_mutex_lock(&m->m);
}

void zble_os_mutex_unlock(struct zble_os_mutex *m)
{
	pthread_mutex_unlock(&m->m);
}

void zble_os_mutex_destroy(struct zble_os_mutex *m)
{
	pthread_mutex_destroy(&m->m);
}

void zble_os_sem_init(struct zble_os_sem *s, unsigned initial)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&s->c, &a);
	pthread_condattr_destroy(&a);
	pthread_mutex_init(&s->m, NULL);
	s->count = initial;
}

void zble_os_sem_give(struct zble_os_sem *s)
{
	pthread_mutex_lock(&s->m);
	s->count++;
	pthread_cond_signal(&s->c);
	pthread_mutex_unlock(&s->m);
}

int zble_os_sem_take(struct zble_os_sem *s, uint64_t deadline_us)
{
	struct timespec ts = { .tv_sec = (time_t)(deadline_us / 1000000), .tv_nsec = (long)(deadline_us % 1000000) * 1000 };
	int rc = 0;
	pthread_mutex_lock(&s->m);
	while (s->count == 0 && rc == 0) {
		if (deadline_us == ZBLE_OS_FOREVER) {
			pthread_cond_wait(&s->c, &s->m);
		} else {
			rc = pthread_cond_timedwait(&s->c, &s->m, &ts);
		}
	}
	if (s->count > 0) {
		s->count--;
		rc = 0;
	}
	pthread_mutex_unlock(&s->m);
	return rc == 0 ? 0 : -1;
}

void zble_os_sem_destroy(struct zble_os_sem *s)
{
	pthread_cond_destroy(&s->c);
	pthread_mutex_destroy(&s->m);
}

uint64_t zble_os_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
