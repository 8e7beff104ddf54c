/* Idle CPU of a kernel that has nothing to do but a few periodic timers.
 * Runs 3 s of wall time on the real clock and prints the process CPU time.
 * Built for both backends (idle_cpu_coop on the POSIX loop port,
 * idle_cpu_threads on POSIX threads). Usage: idle_cpu [seconds] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "zble/kernel.h"
#if !defined(ZBLE_KERNEL_THREADS)
#include "zble/posix_loop.h"
#define BACKEND "coop"
#else
#define BACKEND "threads"
#endif

static uint64_t cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static uint64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct bench {
	struct zble_kernel k;
#if !defined(ZBLE_KERNEL_THREADS)
	struct zble_posix_loop loop;
#endif
	struct k_timer timers[3];
	uint32_t fires;
};

static void on_expiry(struct k_timer *t)
{
	struct bench *b = k_timer_user_data_get(t);
	__atomic_fetch_add(&b->fires, 1, __ATOMIC_RELAXED);
}

int main(int argc, char **argv)
{
	static struct bench b;
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	static const int period_ms[3] = { 20, 250, 1000 };

#if !defined(ZBLE_KERNEL_THREADS)
	zble_posix_loop_init(&b.loop);
	zble_kernel_init(&b.k, &zble_posix_loop_port, &b.loop);
#else
	zble_kernel_init(&b.k, NULL, NULL);
#endif
	zble_port_set_current_kernel(&b.k);
	for (int i = 0; i < 3; i++) {
		k_timer_init(&b.timers[i], on_expiry, NULL);
		k_timer_user_data_set(&b.timers[i], &b);
		k_timer_start(&b.timers[i], K_MSEC(period_ms[i]), K_MSEC(period_ms[i]));
	}

	uint64_t c0 = cpu_us(), w0 = wall_us();
#if !defined(ZBLE_KERNEL_THREADS)
	zble_kernel_run(&b.k, NULL, zble_kernel_clock_us(&b.k) + (uint64_t)(seconds * 1e6));
#else
	k_sleep(K_USEC((int64_t)(seconds * 1e6)));
#endif
	uint64_t cpu = cpu_us() - c0, wall = wall_us() - w0;

	for (int i = 0; i < 3; i++) {
		k_timer_stop(&b.timers[i]);
	}
	uint32_t expected = 0;
	for (int i = 0; i < 3; i++) {
		expected += (uint32_t)(seconds * 1000 / period_ms[i]);
	}
	printf("idle_cpu backend=%s wall_ms=%.1f cpu_ms=%.2f cpu_pct=%.3f timer_fires=%u expected=%u "
	       "process_calls=%u\n",
	       BACKEND, wall / 1000.0, cpu / 1000.0, 100.0 * (double)cpu / (double)wall, b.fires, expected,
	       b.k.stats.process_calls);
	zble_kernel_deinit(&b.k);
	return 0;
}
