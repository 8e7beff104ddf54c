/* One test source, two kernel backends: what a conformance test needs to set
 * up a kernel and let time pass without caring which backend it runs on.
 * coop runs on the virtual clock (time jumps, results are exact); threads runs
 * on the real clock (results carry ktest_slack_us() of jitter). */
#ifndef ZBLE_KTEST_H
#define ZBLE_KTEST_H

#include <stdint.h>

#include "zble/kernel.h"
#if !defined(ZBLE_KERNEL_THREADS)
#include "zble/vclock.h"
#endif

struct ktest_env {
	struct zble_kernel k;
#if !defined(ZBLE_KERNEL_THREADS)
	struct zble_vclock vc;
#endif
};

/* Initialises the kernel (coop: on a virtual clock starting at 1 s) and makes
 * it current. */
void ktest_setup(struct ktest_env *e);
void ktest_teardown(struct ktest_env *e);
/* Lets ms milliseconds pass while the kernel runs timers and work. On
 * threads with a host on the kernel, it then also waits until everything
 * due by then has run (timers fired, the host's queue idle), as coop's
 * virtual clock guarantees: a test never depends on how fast a loaded
 * machine schedules the host's thread. */
void ktest_run_ms(struct ktest_env *e, uint32_t ms);
/* Holds the kernel's lock (threads; nothing on coop): the timer service
 * and the work queues wait meanwhile, so a test can start a timer and read
 * its deadline before a late-scheduled test thread lets it expire. Only
 * around calls that never wait. */
void ktest_lock(struct ktest_env *e);
void ktest_unlock(struct ktest_env *e);
/* Timing tolerance: 0 on the virtual clock, generous on real threads. */
uint64_t ktest_slack_us(void);
/* True on the coop backend. */
int ktest_is_coop(void);

/* cmocka group fixtures around a static env. */
int ktest_group_setup(void **state);
int ktest_group_teardown(void **state);
#define KTEST_ENV(state) ((struct ktest_env *)*(state))

#endif
