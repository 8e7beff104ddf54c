/* zble/posix_loop.h: the coop backend's real-time POSIX port. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "zble/posix_loop.h"

static uint64_t loop_now(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void loop_schedule(void *ctx)
{
	struct zble_posix_loop *l = ctx;
	/* One byte per idle->pending edge keeps the pipe from filling. */
	if (!__atomic_exchange_n(&l->pending, true, __ATOMIC_SEQ_CST)) {
		char b = 1;
		ssize_t n = write(l->wake_wr, &b, 1);
		(void)n; /* a full pipe already wakes the loop */
	}
}

static uint32_t loop_irq_lock(void *ctx)
{
	pthread_mutex_lock(&((struct zble_posix_loop *)ctx)->irq);
	return 0;
}

static void loop_irq_unlock(void *ctx, uint32_t key)
{
	(void)key;
	pthread_mutex_unlock(&((struct zble_posix_loop *)ctx)->irq);
}

static void drain_wake_pipe(struct zble_posix_loop *l)
{
	char buf[64];
	while (read(l->wake_rd, buf, sizeof(buf)) > 0) {
	}
}

/* An earlier callback of this round may have removed it. */
static bool still_registered(const struct zble_posix_loop *l, const struct zble_posix_loop_fd *e)
{
	for (unsigned i = 0; i < l->nfds; i++) {
		if (l->fds[i].fd == e->fd && l->fds[i].cb == e->cb && l->fds[i].arg == e->arg) {
			return true;
		}
	}
	return false;
}

static int loop_wait(void *ctx, uint64_t deadline_us)
{
	struct zble_posix_loop *l = ctx;
	struct pollfd pfd[1 + ZBLE_POSIX_LOOP_MAX_FDS];
	struct timespec ts, *tsp = NULL;

	if (__atomic_exchange_n(&l->pending, false, __ATOMIC_SEQ_CST)) {
		drain_wake_pipe(l);
		return 0;
	}
	if (deadline_us != ZBLE_TIME_NEVER) {
		uint64_t now = loop_now(l);
		uint64_t left = deadline_us > now ? deadline_us - now : 0;
		ts.tv_sec = (time_t)(left / 1000000);
		ts.tv_nsec = (long)(left % 1000000) * 1000;
		tsp = &ts;
	}
	pfd[0] = (struct pollfd){ .fd = l->wake_rd, .events = POLLIN };
	/* A snapshot: callbacks may add or remove descriptors while we run them. */
	struct zble_posix_loop_fd snap[ZBLE_POSIX_LOOP_MAX_FDS];
	unsigned n = l->nfds;
	for (unsigned i = 0; i < n; i++) {
		snap[i] = l->fds[i];
		pfd[1 + i] = (struct pollfd){ .fd = snap[i].fd, .events = POLLIN };
	}
	int rc = ppoll(pfd, 1 + n, tsp, NULL);
	if (rc < 0) {
		return errno == EINTR ? 0 : -errno;
	}
	if (rc > 0) {
		l->wakeups++;
	}
	if (pfd[0].revents) {
		__atomic_store_n(&l->pending, false, __ATOMIC_SEQ_CST);
		drain_wake_pipe(l);
	}
	for (unsigned i = 0; i < n; i++) {
		if ((pfd[1 + i].revents & (POLLIN | POLLHUP | POLLERR)) && still_registered(l, &snap[i])) {
			snap[i].cb(snap[i].arg, snap[i].fd);
		}
	}
	return 0;
}

const struct zble_port zble_posix_loop_port = {
	.now_us = loop_now,
	.schedule = loop_schedule,
	.irq_lock = loop_irq_lock,
	.irq_unlock = loop_irq_unlock,
	.wait = loop_wait,
};

int zble_posix_loop_init(struct zble_posix_loop *l)
{
	int p[2];
	if (pipe(p) < 0) {
		return -errno;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
		fcntl(p[i], F_SETFD, FD_CLOEXEC);
	}
	*l = (struct zble_posix_loop){ .wake_rd = p[0], .wake_wr = p[1] };
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&l->irq, &a);
	pthread_mutexattr_destroy(&a);
	return 0;
}

void zble_posix_loop_deinit(struct zble_posix_loop *l)
{
	close(l->wake_rd);
	close(l->wake_wr);
	pthread_mutex_destroy(&l->irq);
	l->nfds = 0;
}

int zble_posix_loop_add_fd(struct zble_posix_loop *l, int fd, void (*cb)(void *arg, int fd), void *arg)
{
	if (fd < 0 || !cb) {
		return -EINVAL;
	}
	if (l->nfds >= ZBLE_POSIX_LOOP_MAX_FDS) {
		return -ENOSPC;
	}
	l->fds[l->nfds++] = (struct zble_posix_loop_fd){ .fd = fd, .cb = cb, .arg = arg };
	return 0;
}

int zble_posix_loop_remove_fd(struct zble_posix_loop *l, int fd)
{
	for (unsigned i = 0; i < l->nfds; i++) {
		if (l->fds[i].fd == fd) {
			l->fds[i] = l->fds[--l->nfds];
			return 0;
		}
	}
	return -EINVAL;
}
