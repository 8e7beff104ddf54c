/* POSIX types behind zble/os.h (threads backend only). */
#ifndef ZBLE_OS_POSIX_H
#define ZBLE_OS_POSIX_H

#include <pthread.h>
#include <stdbool.h>

struct zble_os_thread {
	pthread_t tid;
	void (*fn)(void *arg);
	void *arg;
	bool started;
};

struct zble_os_mutex {
	pthread_mutex_t m;
};

struct zble_os_sem {
	pthread_mutex_t m;
	pthread_cond_t c;
	unsigned count;
};

#endif
