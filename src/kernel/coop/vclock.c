/* Virtual clock port: see zble/vclock.h. */
#include <errno.h>

#include "zble/vclock.h"

static uint64_t vclock_now(void *ctx)
{
	return ((struct zble_vclock *)ctx)->now_us;
}

static void vclock_schedule(void *ctx)
{
	((struct zble_vclock *)ctx)->pending = true;
}

/* One context and no interrupts: nothing to mask. */
static uint32_t vclock_irq_lock(void *ctx)
{
	(void)ctx;
	return 0;
}

static void vclock_irq_unlock(void *ctx, uint32_t key)
{
	(void)ctx;
	(void)key;
}

static int vclock_wait(void *ctx, uint64_t deadline_us)
{
	struct zble_vclock *vc = ctx;

	if (vc->pending) {
		vc->pending = false;
		return 0;
	}
	if (deadline_us == ZBLE_TIME_NEVER) {
		/* Nothing is scheduled and nothing outside can wake a virtual
		 * clock: waiting would hang forever. */
		return -EDEADLK;
	}
	if (deadline_us > vc->now_us) {
		vc->now_us = deadline_us;
		vc->jumps++;
	}
	return 0;
}

const struct zble_port zble_vclock_port = {
	.now_us = vclock_now,
	.schedule = vclock_schedule,
	.irq_lock = vclock_irq_lock,
	.irq_unlock = vclock_irq_unlock,
	.wait = vclock_wait,
};

void zble_vclock_init(struct zble_vclock *vc, uint64_t start_us)
{
	vc->now_us = start_us;
	vc->pending = false;
	vc->jumps = 0;
}

void zble_vclock_advance(struct zble_vclock *vc, uint64_t us)
{
	vc->now_us += us;
}
