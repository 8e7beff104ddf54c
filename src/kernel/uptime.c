/* Uptime, sleeping and the spin/scheduler locks, on the current instance. */
#include "kernel_internal.h"

int64_t k_uptime_ticks(void)
{
	struct zble_kernel *k = z_kernel();
	return k ? (int64_t)zble_kernel_now_us(k) : 0;
}

int64_t k_uptime_get(void)
{
	return k_uptime_ticks() / 1000;
}

uint32_t k_uptime_get_32(void)
{
	return (uint32_t)k_uptime_get();
}

uint64_t zble_kernel_clock_us(struct zble_kernel *k)
{
	return z_clock(k);
}

uint64_t zble_kernel_now_us(struct zble_kernel *k)
{
	return z_clock(k) - k->epoch_us;
}

int32_t k_sleep(k_timeout_t timeout)
{
	struct zble_kernel *k = z_kernel();
	uint64_t deadline = z_deadline(k, timeout);
	_wait_q_t nobody = { SYS_SLIST_STATIC_INIT(0) };
	int rc;

	z_key_t key = z_lock(k);
	do {
		rc = z_pend(k, &nobody, deadline, &key);
	} while (rc == 0);
	z_unlock(k, key);

	if (rc == -EDEADLK) {
		if (deadline == ZBLE_TIME_NEVER) {
			return INT32_MAX;
		}
		uint64_t now = z_clock(k);
		return now >= deadline ? 0 : (int32_t)((deadline - now + 999) / 1000);
	}
	return 0;
}

int32_t k_msleep(int32_t ms)
{
	return k_sleep(K_MSEC(ms));
}

int32_t k_usleep(int32_t us)
{
	int32_t left = k_sleep(K_USEC(us));
	return left * 1000;
}

k_spinlock_key_t k_spin_lock(struct k_spinlock *l)
{
	(void)l;
	return (k_spinlock_key_t){ .key = z_lock(z_kernel()) };
}

void k_spin_unlock(struct k_spinlock *l, k_spinlock_key_t key)
{
	(void)l;
	z_unlock(z_kernel(), key.key);
}

/* Host logic runs on one work queue, so the scheduler lock only has to keep
 * timers and other queues of the instance out: the instance lock does that.
 * Do not block while holding it. */
void k_sched_lock(void)
{
	(void)z_lock(z_kernel());
}

void k_sched_unlock(void)
{
	z_unlock(z_kernel(), 0);
}
