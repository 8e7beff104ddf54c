/* Fixed-pool network buffers (zephyr/net_buf.h). Pool state changes under
 * the kernel lock; a pool allocator waits with the kernel's generic "try,
 * pend, recheck" loop on the pool's wait queue, which net_buf_destroy() wakes.
 * Bounds violations are refused and counted rather than asserted: a bad
 * length from the air must not become a memory corruption. */
#include <string.h>

#include <zephyr/net_buf.h>
#include <zephyr/sys/byteorder.h>

#include "kernel_internal.h"

/* ---- refusals ---- */

static void nb_violation(struct net_buf_pool *pool, const char *what)
{
	if (pool) {
		struct zble_kernel *k = z_wq_kernel(&pool->wait);
		z_key_t key = z_lock(k);
		pool->stats.violations++;
		z_unlock(k, key);
	}
	ZBLE_NET_BUF_VIOLATION(pool, what);
	(void)what;
}

/* ---- byte order helpers byteorder.h lacks ---- */

static inline void nb_put_be24(uint32_t v, uint8_t *p)
{
	p[0] = (uint8_t)(v >> 16);
	sys_put_be16((uint16_t)v, p + 1);
}
static inline uint32_t nb_get_be24(const uint8_t *p) { return ((uint32_t)p[0] << 16) | sys_get_be16(p + 1); }
static inline void nb_put_le48(uint64_t v, uint8_t *p)
{
	sys_put_le32((uint32_t)v, p);
	sys_put_le16((uint16_t)(v >> 32), p + 4);
}
static inline uint64_t nb_get_le48(const uint8_t *p) { return sys_get_le32(p) | ((uint64_t)sys_get_le16(p + 4) << 32); }
static inline void nb_put_be48(uint64_t v, uint8_t *p)
{
	sys_put_be16((uint16_t)(v >> 32), p);
	sys_put_be32((uint32_t)v, p + 2);
}
static inline uint64_t nb_get_be48(const uint8_t *p) { return ((uint64_t)sys_get_be16(p) << 32) | sys_get_be32(p + 2); }
static inline void nb_put_be64(uint64_t v, uint8_t *p)
{
	sys_put_be32((uint32_t)(v >> 32), p);
	sys_put_be32((uint32_t)v, p + 4);
}
static inline uint64_t nb_get_be64(const uint8_t *p) { return ((uint64_t)sys_get_be32(p) << 32) | sys_get_be32(p + 4); }

/* ---- the four primitive moves, checked; pool is NULL for net_buf_simple ---- */

static uint8_t *nb_add(struct net_buf_simple *b, struct net_buf_pool *pool, size_t len)
{
	if (len > net_buf_simple_tailroom(b)) {
		nb_violation(pool, "add beyond tailroom");
		return NULL;
	}
	uint8_t *tail = net_buf_simple_tail(b);
	b->len = (uint16_t)(b->len + len);
	return tail;
}

static uint8_t *nb_push(struct net_buf_simple *b, struct net_buf_pool *pool, size_t len)
{
	if (len > net_buf_simple_headroom(b)) {
		nb_violation(pool, "push beyond headroom");
		return NULL;
	}
	b->data -= len;
	b->len = (uint16_t)(b->len + len);
	return b->data;
}

/* Returns the bytes consumed (the old data pointer). */
static uint8_t *nb_pull(struct net_buf_simple *b, struct net_buf_pool *pool, size_t len)
{
	if (len > b->len) {
		nb_violation(pool, "pull beyond len");
		return NULL;
	}
	uint8_t *old = b->data;
	b->data += len;
	b->len = (uint16_t)(b->len - len);
	return old;
}

/* Returns the bytes removed from the tail. */
static uint8_t *nb_remove(struct net_buf_simple *b, struct net_buf_pool *pool, size_t len)
{
	if (len > b->len) {
		nb_violation(pool, "remove beyond len");
		return NULL;
	}
	b->len = (uint16_t)(b->len - len);
	return net_buf_simple_tail(b);
}

static uint8_t *nb_add_mem(struct net_buf_simple *b, struct net_buf_pool *pool, const void *mem, size_t len)
{
	uint8_t *p = nb_add(b, pool, len);
	if (p && len) {
		memcpy(p, mem, len);
	}
	return p;
}

static uint8_t *nb_push_mem(struct net_buf_simple *b, struct net_buf_pool *pool, const void *mem, size_t len)
{
	uint8_t *p = nb_push(b, pool, len);
	if (p && len) {
		memcpy(p, mem, len);
	}
	return p;
}

static void nb_reserve(struct net_buf_simple *b, struct net_buf_pool *pool, size_t reserve)
{
	if (b->len != 0 || reserve > b->size) {
		nb_violation(pool, "reserve on a non-empty buffer or beyond size");
		return;
	}
	b->data = b->__buf + reserve;
}

/* ---- net_buf_simple ---- */

void net_buf_simple_init(struct net_buf_simple *buf, size_t reserve_head)
{
	if (!buf->__buf) {
		/* NET_BUF_SIMPLE(): the storage follows the struct. */
		buf->__buf = (uint8_t *)buf + sizeof(*buf);
	}
	buf->len = 0;
	buf->data = buf->__buf;
	nb_reserve(buf, NULL, reserve_head);
}

void net_buf_simple_init_with_data(struct net_buf_simple *buf, void *data, size_t size)
{
	if (size > UINT16_MAX) {
		nb_violation(NULL, "init_with_data beyond 64 KiB");
		size = UINT16_MAX;
	}
	buf->__buf = data;
	buf->data = data;
	buf->size = (uint16_t)size;
	buf->len = (uint16_t)size;
}

void net_buf_simple_reset(struct net_buf_simple *buf)
{
	buf->len = 0;
	buf->data = buf->__buf;
}

void net_buf_simple_clone(const struct net_buf_simple *original, struct net_buf_simple *clone)
{
	*clone = *original;
}

void net_buf_simple_reserve(struct net_buf_simple *buf, size_t reserve)
{
	nb_reserve(buf, NULL, reserve);
}

void net_buf_simple_restore(struct net_buf_simple *buf, const struct net_buf_simple_state *state)
{
	if ((size_t)state->offset + state->len > buf->size) {
		nb_violation(NULL, "restore beyond size");
		return;
	}
	buf->data = buf->__buf + state->offset;
	buf->len = state->len;
}

void *net_buf_simple_add(struct net_buf_simple *buf, size_t len) { return nb_add(buf, NULL, len); }
void *net_buf_simple_add_mem(struct net_buf_simple *buf, const void *mem, size_t len)
{
	return nb_add_mem(buf, NULL, mem, len);
}
uint8_t *net_buf_simple_add_u8(struct net_buf_simple *buf, uint8_t val) { return nb_add_mem(buf, NULL, &val, 1); }
void *net_buf_simple_push(struct net_buf_simple *buf, size_t len) { return nb_push(buf, NULL, len); }
void *net_buf_simple_push_mem(struct net_buf_simple *buf, const void *mem, size_t len)
{
	return nb_push_mem(buf, NULL, mem, len);
}
void net_buf_simple_push_u8(struct net_buf_simple *buf, uint8_t val) { (void)nb_push_mem(buf, NULL, &val, 1); }
void *net_buf_simple_pull(struct net_buf_simple *buf, size_t len)
{
	return nb_pull(buf, NULL, len) ? buf->data : NULL;
}
void *net_buf_simple_pull_mem(struct net_buf_simple *buf, size_t len) { return nb_pull(buf, NULL, len); }
uint8_t net_buf_simple_pull_u8(struct net_buf_simple *buf)
{
	uint8_t *p = nb_pull(buf, NULL, 1);
	return p ? *p : 0;
}
void *net_buf_simple_remove_mem(struct net_buf_simple *buf, size_t len) { return nb_remove(buf, NULL, len); }
uint8_t net_buf_simple_remove_u8(struct net_buf_simple *buf)
{
	uint8_t *p = nb_remove(buf, NULL, 1);
	return p ? *p : 0;
}

/* ---- net_buf data operations: the same moves, counted on the pool ---- */

void *net_buf_add(struct net_buf *buf, size_t len) { return nb_add(&buf->b, buf->pool, len); }
void *net_buf_add_mem(struct net_buf *buf, const void *mem, size_t len)
{
	return nb_add_mem(&buf->b, buf->pool, mem, len);
}
uint8_t *net_buf_add_u8(struct net_buf *buf, uint8_t val) { return nb_add_mem(&buf->b, buf->pool, &val, 1); }
void *net_buf_push(struct net_buf *buf, size_t len) { return nb_push(&buf->b, buf->pool, len); }
void *net_buf_push_mem(struct net_buf *buf, const void *mem, size_t len)
{
	return nb_push_mem(&buf->b, buf->pool, mem, len);
}
void net_buf_push_u8(struct net_buf *buf, uint8_t val) { (void)nb_push_mem(&buf->b, buf->pool, &val, 1); }
void *net_buf_pull(struct net_buf *buf, size_t len) { return nb_pull(&buf->b, buf->pool, len) ? buf->data : NULL; }
void *net_buf_pull_mem(struct net_buf *buf, size_t len) { return nb_pull(&buf->b, buf->pool, len); }
uint8_t net_buf_pull_u8(struct net_buf *buf)
{
	uint8_t *p = nb_pull(&buf->b, buf->pool, 1);
	return p ? *p : 0;
}
void *net_buf_remove_mem(struct net_buf *buf, size_t len) { return nb_remove(&buf->b, buf->pool, len); }
uint8_t net_buf_remove_u8(struct net_buf *buf)
{
	uint8_t *p = nb_remove(&buf->b, buf->pool, 1);
	return p ? *p : 0;
}

/* The fixed-width integer variants of add/push/pull/remove for both buffer
 * kinds. A refused move writes or reads nothing (values read as 0). */
#define NB_INT_OPS(sfx, type, n, put, get)                                                    \
	void net_buf_simple_add_##sfx(struct net_buf_simple *buf, type val)                    \
	{                                                                                     \
		uint8_t *p = nb_add(buf, NULL, n);                                            \
		if (p) {                                                                      \
			put(val, p);                                                          \
		}                                                                             \
	}                                                                                     \
	void net_buf_simple_push_##sfx(struct net_buf_simple *buf, type val)                   \
	{                                                                                     \
		uint8_t *p = nb_push(buf, NULL, n);                                           \
		if (p) {                                                                      \
			put(val, p);                                                          \
		}                                                                             \
	}                                                                                     \
	type net_buf_simple_pull_##sfx(struct net_buf_simple *buf)                             \
	{                                                                                     \
		uint8_t *p = nb_pull(buf, NULL, n);                                           \
		return p ? (type)get(p) : 0;                                                  \
	}                                                                                     \
	type net_buf_simple_remove_##sfx(struct net_buf_simple *buf)                           \
	{                                                                                     \
		uint8_t *p = nb_remove(buf, NULL, n);                                         \
		return p ? (type)get(p) : 0;                                                  \
	}                                                                                     \
	void net_buf_add_##sfx(struct net_buf *buf, type val)                                  \
	{                                                                                     \
		uint8_t *p = nb_add(&buf->b, buf->pool, n);                                   \
		if (p) {                                                                      \
			put(val, p);                                                          \
		}                                                                             \
	}                                                                                     \
	void net_buf_push_##sfx(struct net_buf *buf, type val)                                 \
	{                                                                                     \
		uint8_t *p = nb_push(&buf->b, buf->pool, n);                                  \
		if (p) {                                                                      \
			put(val, p);                                                          \
		}                                                                             \
	}                                                                                     \
	type net_buf_pull_##sfx(struct net_buf *buf)                                           \
	{                                                                                     \
		uint8_t *p = nb_pull(&buf->b, buf->pool, n);                                  \
		return p ? (type)get(p) : 0;                                                  \
	}                                                                                     \
	type net_buf_remove_##sfx(struct net_buf *buf)                                         \
	{                                                                                     \
		uint8_t *p = nb_remove(&buf->b, buf->pool, n);                                \
		return p ? (type)get(p) : 0;                                                  \
	}

NB_INT_OPS(le16, uint16_t, 2, sys_put_le16, sys_get_le16)
NB_INT_OPS(be16, uint16_t, 2, sys_put_be16, sys_get_be16)
NB_INT_OPS(le24, uint32_t, 3, sys_put_le24, sys_get_le24)
NB_INT_OPS(be24, uint32_t, 3, nb_put_be24, nb_get_be24)
NB_INT_OPS(le32, uint32_t, 4, sys_put_le32, sys_get_le32)
NB_INT_OPS(be32, uint32_t, 4, sys_put_be32, sys_get_be32)
NB_INT_OPS(le48, uint64_t, 6, nb_put_le48, nb_get_le48)
NB_INT_OPS(be48, uint64_t, 6, nb_put_be48, nb_get_be48)
NB_INT_OPS(le64, uint64_t, 8, sys_put_le64, sys_get_le64)
NB_INT_OPS(be64, uint64_t, 8, nb_put_be64, nb_get_be64)

void net_buf_reset(struct net_buf *buf) { net_buf_simple_reset(&buf->b); }
void net_buf_reserve(struct net_buf *buf, size_t reserve) { nb_reserve(&buf->b, buf->pool, reserve); }

int net_buf_user_data_copy(struct net_buf *dst, const struct net_buf *src)
{
	if (dst == src) {
		return 0;
	}
	if (dst->user_data_size < src->user_data_size) {
		return -EINVAL;
	}
	memcpy(dst->user_data, src->user_data, src->user_data_size);
	return 0;
}

/* ---- pools ---- */

static size_t nb_stride(const struct net_buf_pool *pool) { return NET_BUF_STRIDE(pool->user_data_size); }

static struct net_buf *nb_slot(const struct net_buf_pool *pool, uint16_t idx)
{
	return (struct net_buf *)(void *)(pool->bufs + (size_t)idx * nb_stride(pool));
}

void net_buf_pool_init(struct net_buf_pool *pool, void *buf_storage, uint8_t *data_storage, uint16_t count,
		       uint16_t data_size, uint16_t ud_size, void (*destroy)(struct net_buf *buf))
{
	bool ok = buf_storage && data_storage && count > 0 && data_size > 0 &&
		  ((uintptr_t)buf_storage % _Alignof(struct net_buf)) == 0;

	memset(pool, 0, sizeof(*pool));
	sys_slist_init(&pool->free);
	sys_slist_init(&pool->wait.waiters);
	pool->wait.kernel = z_kernel();
	pool->bufs = ok ? buf_storage : NULL;
	pool->data = ok ? data_storage : NULL;
	pool->destroy = destroy;
	pool->buf_count = ok ? count : 0;
	pool->uninit_count = pool->buf_count;
	pool->data_size = data_size;
	pool->user_data_size = ud_size;
	pool->stats.free = pool->buf_count;
	pool->stats.min_free = pool->buf_count;
	if (!ok) {
		nb_violation(pool, "pool storage missing or misaligned");
	}
}

void net_buf_pool_stats_get(struct net_buf_pool *pool, struct net_buf_pool_stats *out)
{
	struct zble_kernel *k = z_wq_kernel(&pool->wait);
	z_key_t key = z_lock(k);
	*out = pool->stats;
	z_unlock(k, key);
}

int net_buf_id(const struct net_buf *buf)
{
	const struct net_buf_pool *pool = buf->pool;
	return (int)((size_t)((const uint8_t *)buf - pool->bufs) / nb_stride(pool));
}

/* Lock held. A free buffer or NULL; buffers never handed out are set up here,
 * which is what lets a statically initialised pool work without an init call. */
static struct net_buf *nb_take(struct net_buf_pool *pool)
{
	struct net_buf *buf;
	sys_snode_t *n = sys_slist_get(&pool->free);

	if (n) {
		buf = CONTAINER_OF(n, struct net_buf, node);
	} else if (pool->uninit_count > 0) {
		uint16_t idx = (uint16_t)(pool->buf_count - pool->uninit_count);
		pool->uninit_count--;
		buf = nb_slot(pool, idx);
		buf->pool = pool;
		buf->user_data_size = pool->user_data_size;
		buf->__buf = pool->data + (size_t)idx * pool->data_size;
	} else {
		return NULL;
	}

	buf->node.next = NULL;
	buf->frags = NULL;
	buf->ref = 1;
	buf->flags = 0;
	buf->size = pool->data_size;
	buf->data = buf->__buf;
	buf->len = 0;

	pool->stats.free--;
	if (pool->stats.free < pool->stats.min_free) {
		pool->stats.min_free = pool->stats.free;
	}
	pool->stats.allocs++;
	return buf;
}

struct net_buf *net_buf_alloc_len(struct net_buf_pool *pool, size_t size, k_timeout_t timeout)
{
	struct zble_kernel *k = z_wq_kernel(&pool->wait);
	bool may_wait = k && !K_TIMEOUT_EQ(timeout, K_NO_WAIT);
	/* Fixed from the start: wake-ups that lose the race do not extend it. */
	uint64_t deadline = may_wait ? z_deadline(k, timeout) : 0;
	struct net_buf *buf = NULL;

	if (size > pool->data_size) {
		nb_violation(pool, "alloc_len beyond the pool's data size");
	}

	z_key_t key = z_lock(k);
	if (size <= pool->data_size) {
		for (;;) {
			buf = nb_take(pool);
			if (buf || !may_wait) {
				break;
			}
			if (z_pend(k, &pool->wait, deadline, &key) != 0) {
				break;
			}
		}
	}
	if (!buf) {
		pool->stats.alloc_failures++;
	}
	z_unlock(k, key);
	return buf;
}

struct net_buf *net_buf_alloc_fixed(struct net_buf_pool *pool, k_timeout_t timeout)
{
	return net_buf_alloc_len(pool, pool->data_size, timeout);
}

struct net_buf *net_buf_ref(struct net_buf *buf)
{
	struct zble_kernel *k = z_wq_kernel(&buf->pool->wait);
	z_key_t key = z_lock(k);
	bool ok = buf->ref > 0 && buf->ref < UINT8_MAX;
	if (ok) {
		buf->ref++;
	}
	z_unlock(k, key);
	if (!ok) {
		nb_violation(buf->pool, "ref of a free buffer or count overflow");
		return NULL;
	}
	return buf;
}

void net_buf_destroy(struct net_buf *buf)
{
	struct net_buf_pool *pool = buf->pool;
	struct zble_kernel *k = z_wq_kernel(&pool->wait);
	z_key_t key = z_lock(k);

	if (buf->flags & NET_BUF_FLAG_FREE_) {
		pool->stats.bad_unref++;
		z_unlock(k, key);
		ZBLE_NET_BUF_VIOLATION(pool, "destroy of a free buffer");
		return;
	}
	if (buf->ref != 0) {
		z_unlock(k, key);
		nb_violation(pool, "destroy of a referenced buffer");
		return;
	}
	buf->flags = NET_BUF_FLAG_FREE_;
	buf->frags = NULL;
	sys_slist_prepend(&pool->free, &buf->node);
	pool->stats.free++;
	if (k) {
		z_wake_all(k, &pool->wait);
	}
	z_unlock(k, key);
}

void net_buf_unref(struct net_buf *buf)
{
	while (buf) {
		struct net_buf_pool *pool = buf->pool;
		struct zble_kernel *k = z_wq_kernel(&pool->wait);
		z_key_t key = z_lock(k);

		if (buf->ref == 0) {
			pool->stats.bad_unref++;
			z_unlock(k, key);
			ZBLE_NET_BUF_VIOLATION(pool, "unref of a free buffer");
			return;
		}
		if (--buf->ref > 0) {
			z_unlock(k, key);
			return;
		}
		/* The chain's reference to the next fragment goes with buf. */
		struct net_buf *next = buf->frags;
		buf->frags = NULL;
		z_unlock(k, key);

		if (pool->destroy) {
			pool->destroy(buf);
		} else {
			net_buf_destroy(buf);
		}
		buf = next;
	}
}

struct net_buf *net_buf_clone(struct net_buf *buf, k_timeout_t timeout)
{
	struct net_buf *clone = net_buf_alloc_len(buf->pool, buf->size, timeout);

	if (!clone) {
		return NULL;
	}
	/* Same pool: same size and user data size, so the copy always fits. */
	clone->data = clone->__buf + net_buf_headroom(buf);
	if (buf->len) {
		memcpy(clone->data, buf->data, buf->len);
	}
	clone->len = buf->len;
	(void)net_buf_user_data_copy(clone, buf);
	return clone;
}

/* ---- fragments ---- */

struct net_buf *net_buf_frag_last(struct net_buf *frags)
{
	while (frags && frags->frags) {
		frags = frags->frags;
	}
	return frags;
}

void net_buf_frag_insert(struct net_buf *parent, struct net_buf *frag)
{
	if (!parent || !frag || parent == frag) {
		nb_violation(parent ? parent->pool : NULL, "bad frag_insert");
		return;
	}
	if (parent->frags) {
		net_buf_frag_last(frag)->frags = parent->frags;
	}
	parent->frags = frag;
}

struct net_buf *net_buf_frag_add(struct net_buf *head, struct net_buf *frag)
{
	if (!head) {
		return frag;
	}
	net_buf_frag_insert(net_buf_frag_last(head), frag);
	return head;
}

struct net_buf *net_buf_frag_del(struct net_buf *parent, struct net_buf *frag)
{
	if (!frag || (parent && parent->frags != frag)) {
		nb_violation(parent ? parent->pool : NULL, "frag_del of a fragment not after parent");
		return NULL;
	}
	struct net_buf *next = frag->frags;
	if (parent) {
		parent->frags = next;
	}
	frag->frags = NULL;
	net_buf_unref(frag);
	return next;
}

size_t net_buf_linearize(void *dst, size_t dst_len, const struct net_buf *src, size_t offset, size_t len)
{
	uint8_t *out = dst;
	size_t copied = 0;

	len = MIN(len, dst_len);
	for (; src && offset >= src->len; src = src->frags) {
		offset -= src->len;
	}
	for (; src && copied < len; src = src->frags) {
		size_t n = MIN((size_t)src->len - offset, len - copied);
		memcpy(out + copied, src->data + offset, n);
		copied += n;
		offset = 0;
	}
	return copied;
}

struct net_buf *net_buf_skip(struct net_buf *buf, size_t len)
{
	while (buf && len) {
		size_t n = MIN(len, (size_t)buf->len);
		(void)net_buf_pull(buf, n);
		len -= n;
		if (buf->len == 0) {
			buf = net_buf_frag_del(NULL, buf);
		}
	}
	return buf;
}

/* ---- queueing ---- */

void net_buf_slist_put(sys_slist_t *list, struct net_buf *buf)
{
	struct zble_kernel *k = z_kernel();
	z_key_t key = z_lock(k);
	sys_slist_append(list, &buf->node);
	z_unlock(k, key);
}

struct net_buf *net_buf_slist_get(sys_slist_t *list)
{
	struct zble_kernel *k = z_kernel();
	z_key_t key = z_lock(k);
	sys_snode_t *n = sys_slist_get(list);
	z_unlock(k, key);
	return n ? CONTAINER_OF(n, struct net_buf, node) : NULL;
}
