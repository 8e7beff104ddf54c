#include <stdlib.h>

#include "ktest.h"

#if defined(ZBLE_KERNEL_THREADS)
#include "kernel_internal.h" /* z_lock: the settle check reads kernel state */
#include "zble/host.h"
#endif

void ktest_setup(struct ktest_env *e)
{
#if defined(ZBLE_KERNEL_THREADS)
	zble_kernel_init(&e->k, NULL, NULL);
#else
	zble_vclock_init(&e->vc, 1000000);
	zble_kernel_init(&e->k, &zble_vclock_port, &e->vc);
#endif
	zble_port_set_current_kernel(&e->k);
}

void ktest_teardown(struct ktest_env *e)
{
	zble_kernel_deinit(&e->k);
	zble_port_set_current_kernel(NULL);
}

#if defined(ZBLE_KERNEL_THREADS)
/* Nothing due by until is left undone: no timeout of the kernel at or
 * before it, and the host's work queue (if a host runs on it) idle. */
static bool settled(struct zble_kernel *k, uint64_t until)
{
	struct zble_host *host = k->bt_host;
	z_key_t key = z_lock(k);
	sys_snode_t *n = sys_slist_peek_head(&k->timeouts);
	bool due = n && CONTAINER_OF(n, struct _timeout, node)->deadline <= until;
	bool busy = !sys_slist_is_empty(&host->wq.pending) || host->wq.running;
	z_unlock(k, key);
	return !due && !busy;
}
#endif

void ktest_run_ms(struct ktest_env *e, uint32_t ms)
{
#if defined(ZBLE_KERNEL_THREADS)
	uint64_t until = zble_kernel_clock_us(&e->k) + (uint64_t)ms * 1000u;
	k_msleep((int32_t)ms);
	if (!e->k.bt_host) {
		return; /* kernel tests: exactly a sleep */
	}
	/* What coop's run does by construction: everything due by then has
	 * run. On real threads the host's thread may be late (a loaded
	 * machine), so wait for it -- not for a fixed time. 10 s: a guard
	 * against a queue that never idles, far above normal. */
	for (int i = 0; i < 10000 && !settled(&e->k, until); i++) {
		k_msleep(1);
	}
#else
	uint64_t until = zble_kernel_clock_us(&e->k) + (uint64_t)ms * 1000;
	zble_kernel_run(&e->k, NULL, until);
#endif
}

void ktest_lock(struct ktest_env *e)
{
#if defined(ZBLE_KERNEL_THREADS)
	(void)z_lock(&e->k);
#else
	(void)e;
#endif
}

void ktest_unlock(struct ktest_env *e)
{
#if defined(ZBLE_KERNEL_THREADS)
	z_unlock(&e->k, 0);
#else
	(void)e;
#endif
}

uint64_t ktest_slack_us(void)
{
#if defined(ZBLE_KERNEL_THREADS)
	/* Real threads on a loaded machine (CI, sanitizers, other jobs) wake
	 * late by whatever the scheduler decides: how late is no property of
	 * the kernel, so the bound is only a guard against a hang or a lost
	 * wake-up, far above the usual lateness (well under a millisecond).
	 * Early is never allowed. ZBLE_KTEST_SLACK_US tightens it for a
	 * precision check on a quiet machine. */
	const char *v = getenv("ZBLE_KTEST_SLACK_US");
	return v && *v ? strtoull(v, NULL, 0) : 1000000;
#else
	return 0;
#endif
}

int ktest_is_coop(void)
{
#if defined(ZBLE_KERNEL_THREADS)
	return 0;
#else
	return 1;
#endif
}

int ktest_group_setup(void **state)
{
	struct ktest_env *e = calloc(1, sizeof(*e));
	if (!e) {
		return -1;
	}
	ktest_setup(e);
	*state = e;
	return 0;
}

int ktest_group_teardown(void **state)
{
	struct ktest_env *e = *state;
	ktest_teardown(e);
	free(e);
	return 0;
}
