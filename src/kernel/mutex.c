/* Recursive, owner-checked mutexes. The owner is the calling thread
 * (threads) or the calling context level (coop: application or callback). */
#include "kernel_internal.h"

int k_mutex_init(struct k_mutex *mutex)
{
	*mutex = (struct k_mutex)Z_MUTEX_INITIALIZER(*mutex);
	mutex->wait.kernel = z_kernel();
	return 0;
}

int k_mutex_lock(struct k_mutex *mutex, k_timeout_t timeout)
{
	struct zble_kernel *k = z_wq_kernel(&mutex->wait);
	void *me = z_caller_id(k);
	uint64_t deadline = z_deadline(k, timeout);
	z_key_t key = z_lock(k);
	int rc;

	for (;;) {
		if (mutex->lock_count == 0 || mutex->owner == me) {
			mutex->owner = me;
			mutex->lock_count++;
			rc = 0;
			break;
		}
		if (K_TIMEOUT_EQ(timeout, K_NO_WAIT)) {
			rc = -EBUSY;
			break;
		}
		rc = z_pend(k, &mutex->wait, deadline, &key);
		if (rc) {
			break;
		}
	}
	z_unlock(k, key);
	return rc;
}

int k_mutex_unlock(struct k_mutex *mutex)
{
	struct zble_kernel *k = z_wq_kernel(&mutex->wait);
	z_key_t key = z_lock(k);
	int rc = 0;

	if (mutex->lock_count == 0) {
		rc = -EINVAL;
	} else if (mutex->owner != z_caller_id(k)) {
		rc = -EPERM;
	} else if (--mutex->lock_count == 0) {
		mutex->owner = NULL;
		z_wake_all(k, &mutex->wait);
	}
	z_unlock(k, key);
	return rc;
}
