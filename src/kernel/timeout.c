/* The deadline-sorted timeout list behind k_timer and k_work_delayable. One
 * list per kernel instance; the backend's timer service (coop: process(),
 * threads: the timer thread) calls z_timeouts_run(). */
#include "kernel_internal.h"

uint64_t z_deadline(struct zble_kernel *k, k_timeout_t t)
{
	if (K_TIMEOUT_EQ(t, K_FOREVER)) {
		return ZBLE_TIME_NEVER;
	}
	uint64_t now = z_clock(k);
	return t.ticks <= 0 ? now : now + (uint64_t)t.ticks;
}

void z_timeout_add(struct zble_kernel *k, struct _timeout *t, uint64_t deadline, _timeout_func_t fn)
{
	if (t->linked) {
		z_timeout_abort(k, t);
	}
	t->deadline = deadline;
	t->fn = fn;
	t->kernel = k;

	/* Insert after every entry with deadline <= ours: equal deadlines fire
	 * in the order they were set. */
	sys_snode_t *prev = NULL;
	for (sys_snode_t *it = sys_slist_peek_head(&k->timeouts); it; it = it->next) {
		struct _timeout *o = CONTAINER_OF(it, struct _timeout, node);
		if (o->deadline > deadline) {
			break;
		}
		prev = it;
	}
	if (prev) {
		t->node.next = prev->next;
		prev->next = &t->node;
		if (k->timeouts.tail == prev) {
			k->timeouts.tail = &t->node;
		}
	} else {
		sys_slist_prepend(&k->timeouts, &t->node);
		z_timeouts_changed(k);
	}
	t->linked = true;
}

bool z_timeout_abort(struct zble_kernel *k, struct _timeout *t)
{
	if (!t->linked) {
		return false;
	}
	sys_slist_find_and_remove(&k->timeouts, &t->node);
	t->linked = false;
	return true;
}

uint64_t z_timeouts_next(struct zble_kernel *k)
{
	sys_snode_t *head = sys_slist_peek_head(&k->timeouts);
	return head ? CONTAINER_OF(head, struct _timeout, node)->deadline : ZBLE_TIME_NEVER;
}

uint32_t z_timeouts_run(struct zble_kernel *k)
{
	uint32_t fired = 0;
	z_key_t key = z_lock(k);
	/* One reading of the clock bounds the round: a periodic timer re-armed
	 * for later than "now" waits for the next round. */
	uint64_t now = z_clock(k);

	for (;;) {
		sys_snode_t *head = sys_slist_peek_head(&k->timeouts);
		if (!head) {
			break;
		}
		struct _timeout *t = CONTAINER_OF(head, struct _timeout, node);
		if (t->deadline > now) {
			break;
		}
		sys_slist_get(&k->timeouts);
		t->linked = false;
		_timeout_func_t fn = t->fn;
		z_unlock(k, key);
		z_callback_enter(k);
		fn(t);
		z_callback_exit(k);
		fired++;
		key = z_lock(k);
	}
	k->stats.timeouts_fired += fired;
	z_unlock(k, key);
	return fired;
}

void z_timeouts_clear(struct zble_kernel *k)
{
	sys_snode_t *n;
	while ((n = sys_slist_get(&k->timeouts)) != NULL) {
		/* Leave no object believing it is still scheduled. */
		CONTAINER_OF(n, struct _timeout, node)->linked = false;
	}
}
