/* A short tour of the kernel layer, printed as it happens: a periodic
 * timer, a debounced delayable work item, a work item handing a result to
 * an application that waits for it, and the refusal of a blocking call
 * inside a handler (coop). Built for both backends. */
#include <stdio.h>

#include "zble/kernel.h"
#if !defined(ZBLE_KERNEL_THREADS)
#include "zble/posix_loop.h"
#define BACKEND "coop"
#else
#define BACKEND "threads"
#endif

struct demo {
	struct zble_kernel k;
#if !defined(ZBLE_KERNEL_THREADS)
	struct zble_posix_loop loop;
#endif
	struct k_timer tick;
	struct k_work_delayable debounce;
	struct k_work compute;
	struct k_sem result_ready;
	struct k_sem never_given;
	int ticks;
	int result;
};

static struct demo *demo_of_timer(struct k_timer *t)
{
	return k_timer_user_data_get(t);
}

static void say(const char *what)
{
	printf("[%s %7.1f ms] %s\n", BACKEND, (double)k_uptime_ticks() / 1000.0, what);
	fflush(stdout);
}

static void on_tick(struct k_timer *t)
{
	struct demo *d = demo_of_timer(t);
	d->ticks++;
	char line[64];
	snprintf(line, sizeof(line), "timer tick %d (period 100 ms)", d->ticks);
	say(line);
	/* Ticks 1-3 each push the debounced work 150 ms further. */
	if (d->ticks <= 3) {
		k_work_reschedule(&d->debounce, K_MSEC(150));
	}
}

static void on_debounced(struct k_work *w)
{
	struct demo *d = CONTAINER_OF(k_work_delayable_from_work(w), struct demo, debounce);
	(void)d;
	say("debounced work ran once, 150 ms after the last bounce");
}

static void on_compute(struct k_work *w)
{
	struct demo *d = CONTAINER_OF(w, struct demo, compute);
	int rc = k_sem_take(&d->never_given, K_MSEC(50));
	char line[96];
	snprintf(line, sizeof(line), "work handler: k_sem_take(50 ms) -> %d (%s)", rc,
		 rc == -EDEADLK ? "refused at once: coop never blocks in a handler" : "timed out: threads block");
	say(line);
	d->result = 42;
	k_sem_give(&d->result_ready);
}

int main(void)
{
	static struct demo d;
#if !defined(ZBLE_KERNEL_THREADS)
	zble_posix_loop_init(&d.loop);
	zble_kernel_init(&d.k, &zble_posix_loop_port, &d.loop);
#else
	zble_kernel_init(&d.k, NULL, NULL);
#endif
	zble_port_set_current_kernel(&d.k);
	k_sem_init(&d.result_ready, 0, 1);
	k_sem_init(&d.never_given, 0, 1);
	k_timer_init(&d.tick, on_tick, NULL);
	k_timer_user_data_set(&d.tick, &d);
	k_work_init_delayable(&d.debounce, on_debounced);
	k_work_init(&d.compute, on_compute);

	say("start: periodic timer 100 ms, work item submitted");
	k_timer_start(&d.tick, K_MSEC(100), K_MSEC(100));
	k_work_submit(&d.compute);

	int rc = k_sem_take(&d.result_ready, K_SECONDS(1));
	char line[64];
	snprintf(line, sizeof(line), "application: result %d (k_sem_take -> %d)", d.result, rc);
	say(line);

	k_msleep(650);
	k_timer_stop(&d.tick);
	snprintf(line, sizeof(line), "stopped after %d ticks; work items run: %u", d.ticks, d.k.stats.work_runs);
	say(line);
	zble_kernel_deinit(&d.k);
	return 0;
}
