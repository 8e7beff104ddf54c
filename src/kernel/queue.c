/* k_queue (and the k_fifo/k_lifo wrappers): intrusive lists of items whose
 * first word is reserved for the link. */
#include "kernel_internal.h"

void k_queue_init(struct k_queue *queue)
{
	*queue = (struct k_queue)Z_QUEUE_INITIALIZER(*queue);
	queue->wait.kernel = z_kernel();
}

static void insert(struct k_queue *queue, void *data, bool tail)
{
	struct zble_kernel *k = z_wq_kernel(&queue->wait);
	z_key_t key = z_lock(k);
	if (tail) {
		sys_slist_append(&queue->data, (sys_snode_t *)data);
	} else {
		sys_slist_prepend(&queue->data, (sys_snode_t *)data);
	}
	z_wake_all(k, &queue->wait);
	z_unlock(k, key);
}

void k_queue_append(struct k_queue *queue, void *data)
{
	insert(queue, data, true);
}

void k_queue_prepend(struct k_queue *queue, void *data)
{
	insert(queue, data, false);
}

void *k_queue_get(struct k_queue *queue, k_timeout_t timeout)
{
	struct zble_kernel *k = z_wq_kernel(&queue->wait);
	uint64_t deadline = z_deadline(k, timeout);
	z_key_t key = z_lock(k);
	void *item = NULL;
	uint32_t cancels = queue->cancels;

	for (;;) {
		item = sys_slist_get(&queue->data);
		if (item || K_TIMEOUT_EQ(timeout, K_NO_WAIT) || queue->cancels != cancels) {
			break;
		}
		if (z_pend(k, &queue->wait, deadline, &key)) {
			break;
		}
	}
	z_unlock(k, key);
	return item;
}

bool k_queue_remove(struct k_queue *queue, void *data)
{
	struct zble_kernel *k = z_wq_kernel(&queue->wait);
	z_key_t key = z_lock(k);
	bool found = sys_slist_find_and_remove(&queue->data, (sys_snode_t *)data);
	z_unlock(k, key);
	return found;
}

int k_queue_is_empty(struct k_queue *queue)
{
	struct zble_kernel *k = z_wq_kernel(&queue->wait);
	z_key_t key = z_lock(k);
	int empty = sys_slist_is_empty(&queue->data);
	z_unlock(k, key);
	return empty;
}

void *k_queue_peek_head(struct k_queue *queue)
{
	struct zble_kernel *k = z_wq_kernel(&queue->wait);
	z_key_t key = z_lock(k);
	void *item = sys_slist_peek_head(&queue->data);
	z_unlock(k, key);
	return item;
}

void *k_queue_peek_tail(struct k_queue *queue)
{
	struct zble_kernel *k = z_wq_kernel(&queue->wait);
	z_key_t key = z_lock(k);
	void *item = sys_slist_peek_tail(&queue->data);
	z_unlock(k, key);
	return item;
}

/* Every current waiter of k_queue_get() returns NULL. */
void k_queue_cancel_wait(struct k_queue *queue)
{
	struct zble_kernel *k = z_wq_kernel(&queue->wait);
	z_key_t key = z_lock(k);
	queue->cancels++;
	z_wake_all(k, &queue->wait);
	z_unlock(k, key);
}
