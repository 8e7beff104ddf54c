/* How a public call waits for the controller: only from a context that may
 * block (P1). Elsewhere the commands are queued and the call returns. */
#include "host_internal.h"

struct zble_host *zble_api_enter(void)
{
	struct zble_host *host = zble_host_current();
	if (host) {
		k_mutex_lock(&host->lock, K_FOREVER);
	}
	return host;
}

void zble_api_exit(struct zble_host *host)
{
	k_mutex_unlock(&host->lock);
}

void zble_sync_init(struct zble_sync *s)
{
	k_sem_init(&s->sem, 0, 1);
	s->err = 0;
	s->pending = 0;
}

struct zble_sync *zble_sync_or_null(struct zble_host *host, struct zble_sync *s)
{
	return zble_kernel_may_block(host->kernel) ? s : NULL;
}

int zble_sync_wait(struct zble_host *host, struct zble_sync *s)
{
	if (!s || s->pending == 0) {
		return s ? s->err : 0;
	}
	/* The lock is recursive: release every level this caller holds so the
	 * host context can complete the commands. */
	uint32_t depth = host->lock.lock_count;
	for (uint32_t i = 0; i < depth; i++) {
		k_mutex_unlock(&host->lock);
	}
	/* Bounded without a timeout here: every queued command completes, by
	 * its answer, its own command timeout, or bt_disable() flushing it. */
	int rc = k_sem_take(&s->sem, K_FOREVER);
	for (uint32_t i = 0; i < depth; i++) {
		k_mutex_lock(&host->lock, K_FOREVER);
	}
	if (rc) {
		return -ETIMEDOUT;
	}
	return s->err;
}

struct zble_sync *zble_sync_begin(struct zble_host *host, struct zble_sync *storage)
{
	zble_sync_init(storage);
	return zble_sync_or_null(host, storage);
}

int zble_api_finish(struct zble_host *host, struct zble_sync *s, int err)
{
	int werr = zble_sync_wait(host, s);
	zble_api_exit(host);
	return err ? err : werr;
}
