/* Counting semaphores over the backend's wait primitive. */
#include "kernel_internal.h"

int k_sem_init(struct k_sem *sem, unsigned int initial_count, unsigned int limit)
{
	if (limit == 0 || initial_count > limit) {
		return -EINVAL;
	}
	*sem = (struct k_sem)Z_SEM_INITIALIZER(*sem, initial_count, limit);
	sem->wait.kernel = z_kernel();
	return 0;
}

int k_sem_take(struct k_sem *sem, k_timeout_t timeout)
{
	struct zble_kernel *k = z_wq_kernel(&sem->wait);
	uint64_t deadline = z_deadline(k, timeout);
	z_key_t key = z_lock(k);
	uint32_t resets = sem->resets;
	int rc;

	for (;;) {
		if (sem->resets != resets) {
			rc = -EAGAIN; /* aborted by k_sem_reset() */
			break;
		}
		if (sem->count > 0) {
			sem->count--;
			rc = 0;
			break;
		}
		if (K_TIMEOUT_EQ(timeout, K_NO_WAIT)) {
			rc = -EBUSY;
			break;
		}
		rc = z_pend(k, &sem->wait, deadline, &key);
		if (rc) {
			break;
		}
	}
	z_unlock(k, key);
	return rc;
}

void k_sem_give(struct k_sem *sem)
{
	struct zble_kernel *k = z_wq_kernel(&sem->wait);
	z_key_t key = z_lock(k);
	if (sem->count < sem->limit) {
		sem->count++;
	}
	z_wake_all(k, &sem->wait);
	z_unlock(k, key);
}

void k_sem_reset(struct k_sem *sem)
{
	struct zble_kernel *k = z_wq_kernel(&sem->wait);
	z_key_t key = z_lock(k);
	sem->count = 0;
	sem->resets++;
	z_wake_all(k, &sem->wait);
	z_unlock(k, key);
}

unsigned int k_sem_count_get(struct k_sem *sem)
{
	return __atomic_load_n(&sem->count, __ATOMIC_SEQ_CST);
}
