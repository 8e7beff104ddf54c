/* k_timer on the instance's timeout list. Expiry functions run in the timer
 * service context (coop: zble_kernel_process; threads: the timer thread). */
#include "kernel_internal.h"

void k_timer_init(struct k_timer *timer, k_timer_expiry_t expiry_fn, k_timer_stop_t stop_fn)
{
	*timer = (struct k_timer)Z_TIMER_INITIALIZER(*timer, expiry_fn, stop_fn);
}

static void timer_expired(struct _timeout *t)
{
	struct k_timer *timer = CONTAINER_OF(t, struct k_timer, timeout);
	struct zble_kernel *k = t->kernel;
	z_key_t key = z_lock(k);
	/* The timer service took t off the list and dropped the lock before
	 * calling here: a k_timer_stop() in between made this expiry void, a
	 * k_timer_start() in between re-linked t for its new deadline. */
	if (!timer->running || t->linked) {
		z_unlock(k, key);
		return;
	}
	if (timer->period > 0) {
		/* From the previous deadline, not from now: no drift. */
		z_timeout_add(k, &timer->timeout, t->deadline + (uint64_t)timer->period, timer_expired);
	} else {
		timer->running = false;
	}
	timer->status++;
	z_wake_all(k, &timer->wait);
	k_timer_expiry_t fn = timer->expiry_fn;
	z_unlock(k, key);
	if (fn) {
		fn(timer);
	}
}

void k_timer_start(struct k_timer *timer, k_timeout_t duration, k_timeout_t period)
{
	struct zble_kernel *k = z_kernel();
	if (!k || K_TIMEOUT_EQ(duration, K_FOREVER)) {
		return;
	}
	z_key_t key = z_lock(k);
	timer->period = (K_TIMEOUT_EQ(period, K_FOREVER) || period.ticks < 0) ? 0 : period.ticks;
	timer->status = 0;
	timer->running = true;
	z_timeout_add(k, &timer->timeout, z_deadline(k, duration), timer_expired);
	z_unlock(k, key);
}

void k_timer_stop(struct k_timer *timer)
{
	struct zble_kernel *k = timer->timeout.kernel;
	if (!k) {
		return;
	}
	z_key_t key = z_lock(k);
	bool was_running = timer->running;
	timer->running = false;
	(void)z_timeout_abort(k, &timer->timeout);
	if (was_running) {
		z_wake_all(k, &timer->wait);
	}
	z_unlock(k, key);
	if (was_running && timer->stop_fn) {
		timer->stop_fn(timer);
	}
}

uint32_t k_timer_status_get(struct k_timer *timer)
{
	struct zble_kernel *k = timer->timeout.kernel;
	z_key_t key = z_lock(k);
	uint32_t status = timer->status;
	timer->status = 0;
	z_unlock(k, key);
	return status;
}

uint32_t k_timer_status_sync(struct k_timer *timer)
{
	struct zble_kernel *k = timer->timeout.kernel;
	if (!k) {
		return 0;
	}
	z_key_t key = z_lock(k);
	while (timer->status == 0 && timer->running) {
		if (z_pend(k, &timer->wait, ZBLE_TIME_NEVER, &key)) {
			break;
		}
	}
	uint32_t status = timer->status;
	timer->status = 0;
	z_unlock(k, key);
	return status;
}

k_ticks_t k_timer_expires_ticks(const struct k_timer *timer)
{
	struct zble_kernel *k = timer->timeout.kernel;
	if (!k) {
		return 0;
	}
	z_key_t key = z_lock(k);
	k_ticks_t at = timer->timeout.linked ? (k_ticks_t)(timer->timeout.deadline - k->epoch_us) : 0;
	z_unlock(k, key);
	return at;
}

k_ticks_t k_timer_remaining_ticks(const struct k_timer *timer)
{
	struct zble_kernel *k = timer->timeout.kernel;
	if (!k) {
		return 0;
	}
	z_key_t key = z_lock(k);
	uint64_t now = z_clock(k);
	k_ticks_t left = 0;
	if (timer->timeout.linked && timer->timeout.deadline > now) {
		left = (k_ticks_t)(timer->timeout.deadline - now);
	}
	z_unlock(k, key);
	return left;
}
