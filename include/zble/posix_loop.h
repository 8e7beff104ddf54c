/* A real-time port for the coop backend on POSIX: sleeps in ppoll() on a wake
 * pipe and on registered descriptors (a transport's socket), so an idle
 * stack costs no CPU and wakes on data or its next deadline. Descriptor
 * callbacks play the role of interrupt handlers: they run inside wait(),
 * may fill rings and call schedule(), and must not block. */
#ifndef ZBLE_POSIX_LOOP_H
#define ZBLE_POSIX_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "zble/port.h"

#define ZBLE_POSIX_LOOP_MAX_FDS 8

struct zble_posix_loop_fd {
	int fd;
	void (*cb)(void *arg, int fd);
	void *arg;
};

struct zble_posix_loop {
	int wake_rd, wake_wr;
	pthread_mutex_t irq; /* recursive: stands in for masking interrupts */
	bool pending;        /* accessed atomically */
	struct zble_posix_loop_fd fds[ZBLE_POSIX_LOOP_MAX_FDS];
	unsigned nfds;
	uint32_t wakeups; /* waits that ended before their deadline */
};

extern const struct zble_port zble_posix_loop_port;

int zble_posix_loop_init(struct zble_posix_loop *l);
void zble_posix_loop_deinit(struct zble_posix_loop *l);
/* cb runs from wait() whenever fd is readable. 0, -ENOSPC or -EINVAL. */
int zble_posix_loop_add_fd(struct zble_posix_loop *l, int fd, void (*cb)(void *arg, int fd), void *arg);
int zble_posix_loop_remove_fd(struct zble_posix_loop *l, int fd);

#endif
