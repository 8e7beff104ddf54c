/* Singly linked list with O(1) append (Zephyr's sys/slist.h subset). Nodes are
 * embedded in the objects; the list never allocates. */
#ifndef ZEPHYR_SYS_SLIST_H
#define ZEPHYR_SYS_SLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <zephyr/sys/util.h>

typedef struct _snode {
	struct _snode *next;
} sys_snode_t;

typedef struct {
	sys_snode_t *head;
	sys_snode_t *tail;
} sys_slist_t;

#define SYS_SLIST_STATIC_INIT(l) { NULL, NULL }

static inline void sys_slist_init(sys_slist_t *l) { l->head = l->tail = NULL; }
static inline bool sys_slist_is_empty(const sys_slist_t *l) { return l->head == NULL; }
static inline sys_snode_t *sys_slist_peek_head(const sys_slist_t *l) { return l->head; }
static inline sys_snode_t *sys_slist_peek_tail(const sys_slist_t *l) { return l->tail; }
static inline sys_snode_t *sys_slist_peek_next(const sys_snode_t *n) { return n ? n->next : NULL; }

static inline void sys_slist_append(sys_slist_t *l, sys_snode_t *n)
{
	n->next = NULL;
	if (l->tail) {
		l->tail->next = n;
	} else {
		l->head = n;
	}
	l->tail = n;
}

static inline void sys_slist_prepend(sys_slist_t *l, sys_snode_t *n)
{
	n->next = l->head;
	l->head = n;
	if (!l->tail) {
		l->tail = n;
	}
}

static inline sys_snode_t *sys_slist_get(sys_slist_t *l)
{
	sys_snode_t *n = l->head;
	if (n) {
		l->head = n->next;
		if (!l->head) {
			l->tail = NULL;
		}
		n->next = NULL;
	}
	return n;
}

/* Removes n; prev must be the node before it (NULL when n is the head). */
static inline void sys_slist_remove(sys_slist_t *l, sys_snode_t *prev, sys_snode_t *n)
{
	if (prev) {
		prev->next = n->next;
	} else {
		l->head = n->next;
	}
	if (l->tail == n) {
		l->tail = prev;
	}
	n->next = NULL;
}

static inline bool sys_slist_find_and_remove(sys_slist_t *l, sys_snode_t *n)
{
	sys_snode_t *prev = NULL;
	for (sys_snode_t *it = l->head; it; prev = it, it = it->next) {
		if (it == n) {
			sys_slist_remove(l, prev, n);
			return true;
		}
	}
	return false;
}

static inline size_t sys_slist_len(const sys_slist_t *l)
{
	size_t len = 0;
	for (sys_snode_t *it = l->head; it; it = it->next) {
		len++;
	}
	return len;
}

#define SYS_SLIST_FOR_EACH_NODE(l, n) for (sys_snode_t *n = (l)->head; n; n = n->next)
#define SYS_SLIST_FOR_EACH_NODE_SAFE(l, n, s) \
	for (sys_snode_t *n = (l)->head, *s = n ? n->next : NULL; n; n = s, s = n ? n->next : NULL)
#define SYS_SLIST_CONTAINER(n, c, f) ((n) ? CONTAINER_OF(n, __typeof__(*(c)), f) : NULL)

#endif
