/* Network buffers (Zephyr's net_buf API), reimplemented from its documentation
 * over fixed pools. No malloc: every byte lives in storage the caller owns.
 *
 * Where zble differs from Zephyr:
 *
 * - Only fixed pools (NET_BUF_POOL_DEFINE = NET_BUF_POOL_FIXED_DEFINE). No heap
 *   or variable-size pools, no net_buf_alloc_with_data, no external data.
 *   net_buf_alloc_len() takes any size up to the pool's data size and always
 *   hands out the whole fixed data area; a larger size fails (NULL).
 * - A pool can also live inside a larger struct (P2: no file-scope state in
 *   the host): NET_BUF_POOL_STORAGE() declares its memory as a member and
 *   net_buf_pool_init() / NET_BUF_POOL_STORAGE_INIT() sets it up at run time.
 * - A buffer points at its pool (buf->pool, net_buf_pool_from_buf()) instead
 *   of carrying a pool id: there is no global pool table (net_buf_pool_get(id)
 *   does not exist).
 * - Misuse is refused, not asserted: an add/push beyond the room, a pull or
 *   remove beyond len, a reserve on a non-empty buffer leave the buffer
 *   unchanged. Pointer-returning calls return NULL, value-returning pulls
 *   return 0, void calls do nothing. It is counted in the pool's
 *   stats.violations (buffers from a pool) and reported to the build-time hook
 *   ZBLE_NET_BUF_VIOLATION (below). An unref of a buffer whose count is
 *   already 0 is ignored and counted in stats.bad_unref: no double free.
 * - Pools keep counters (struct net_buf_pool_stats): free now, low-water
 *   mark, allocation failures, bad unrefs, violations (P7).
 * - Allocation with a timeout waits like the kernel objects do (zephyr/
 *   kernel.h): coop pumps the kernel while waiting and returns NULL at once
 *   from inside a work handler or timer callback; threads blocks.
 * - A pool belongs to one kernel instance: the one current at
 *   net_buf_pool_init(), or for a static pool (or none current at init) the
 *   one current at each call.
 * - net_buf_clone() copies the data and the user data of one buffer (not its
 *   fragments), into a buffer of the same pool.
 *
 * As in Zephyr, the data operations (add, pull, ...) are not locked: one
 * owner at a time. Pool operations, ref and unref are.
 */
#ifndef ZEPHYR_NET_BUF_H
#define ZEPHYR_NET_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zephyr/kernel.h>
#include <zephyr/sys/slist.h>
#include <zephyr/sys/util.h>

struct net_buf_pool;

/* Build-time hook for refused operations, run after the counter is bumped.
 * Default: nothing, the safe fallback is the whole handling. A debug build can
 * stop at the first misuse, e.g. -D'ZBLE_NET_BUF_VIOLATION(pool,what)=__builtin_trap()'.
 * pool is NULL for a net_buf_simple; what is a short string literal. */
#ifndef ZBLE_NET_BUF_VIOLATION
#define ZBLE_NET_BUF_VIOLATION(pool, what) ((void)(pool), (void)(what))
#endif

/* User data and data storage are aligned for pointers and 64-bit values, so
 * a struct can be kept in user data without packing. */
#define NET_BUF_ALIGNAS _Alignas(void *) _Alignas(uint64_t)

/* ---- net_buf_simple: a data area with head and tail room, no pool ---- */

struct net_buf_simple {
	uint8_t *data;  /* start of the payload */
	uint16_t len;   /* payload length */
	uint16_t size;  /* bytes in __buf */
	uint8_t *__buf; /* start of the storage */
};

/* A net_buf_simple with its storage, in the scope where it appears (a
 * function: on the stack). */
#define NET_BUF_SIMPLE_DEFINE(_name, _size)                                                   \
	uint8_t net_buf_data_##_name[_size];                                                  \
	struct net_buf_simple _name = { .data = net_buf_data_##_name, .len = 0,                \
					.size = (_size), .__buf = net_buf_data_##_name }

/* The same with static storage (application code only: src/ keeps no statics). */
#define NET_BUF_SIMPLE_DEFINE_STATIC(_name, _size)                                            \
	static uint8_t net_buf_data_##_name[_size];                                           \
	static struct net_buf_simple _name = { .data = net_buf_data_##_name, .len = 0,         \
					       .size = (_size), .__buf = net_buf_data_##_name }

/* An anonymous net_buf_simple with storage right behind it, as a compound
 * literal; call net_buf_simple_init() on it before use. */
#define NET_BUF_SIMPLE(_size)                                                                 \
	((struct net_buf_simple *)(&(struct {                                                  \
		struct net_buf_simple buf;                                                    \
		uint8_t data[_size];                                                          \
	}){ .buf = { .size = (_size) } }))

/* Position of a net_buf_simple, to parse ahead and come back. */
struct net_buf_simple_state {
	uint16_t offset; /* headroom */
	uint16_t len;
};

/* Empties the buffer and leaves reserve_head bytes of headroom. A buffer from
 * NET_BUF_SIMPLE() gets its storage here. */
void net_buf_simple_init(struct net_buf_simple *buf, size_t reserve_head);
/* Wraps existing bytes: they become the payload (len = size). */
void net_buf_simple_init_with_data(struct net_buf_simple *buf, void *data, size_t size);
void net_buf_simple_reset(struct net_buf_simple *buf);
/* Shallow copy: the clone shares the original's storage. */
void net_buf_simple_clone(const struct net_buf_simple *original, struct net_buf_simple *clone);
/* Sets the headroom of an empty buffer. */
void net_buf_simple_reserve(struct net_buf_simple *buf, size_t reserve);

static inline size_t net_buf_simple_headroom(const struct net_buf_simple *buf)
{
	return (size_t)(buf->data - buf->__buf);
}

static inline size_t net_buf_simple_tailroom(const struct net_buf_simple *buf)
{
	size_t used = net_buf_simple_headroom(buf) + buf->len;
	return used < buf->size ? buf->size - used : 0;
}

/* The largest len the buffer can reach from its current data pointer. */
static inline uint16_t net_buf_simple_max_len(const struct net_buf_simple *buf)
{
	size_t head = net_buf_simple_headroom(buf);
	return head < buf->size ? (uint16_t)(buf->size - head) : 0;
}

static inline uint8_t *net_buf_simple_tail(const struct net_buf_simple *buf)
{
	return buf->data + buf->len;
}

static inline void net_buf_simple_save(const struct net_buf_simple *buf, struct net_buf_simple_state *state)
{
	state->offset = (uint16_t)net_buf_simple_headroom(buf);
	state->len = buf->len;
}

/* Returns to a saved position (refused if it no longer fits the storage). */
void net_buf_simple_restore(struct net_buf_simple *buf, const struct net_buf_simple_state *state);

/* Append at the tail. add/add_mem/add_u8 return where the bytes went (NULL:
 * no tailroom, nothing added). */
void *net_buf_simple_add(struct net_buf_simple *buf, size_t len);
void *net_buf_simple_add_mem(struct net_buf_simple *buf, const void *mem, size_t len);
uint8_t *net_buf_simple_add_u8(struct net_buf_simple *buf, uint8_t val);
void net_buf_simple_add_le16(struct net_buf_simple *buf, uint16_t val);
void net_buf_simple_add_be16(struct net_buf_simple *buf, uint16_t val);
void net_buf_simple_add_le24(struct net_buf_simple *buf, uint32_t val);
void net_buf_simple_add_be24(struct net_buf_simple *buf, uint32_t val);
void net_buf_simple_add_le32(struct net_buf_simple *buf, uint32_t val);
void net_buf_simple_add_be32(struct net_buf_simple *buf, uint32_t val);
void net_buf_simple_add_le48(struct net_buf_simple *buf, uint64_t val);
void net_buf_simple_add_be48(struct net_buf_simple *buf, uint64_t val);
void net_buf_simple_add_le64(struct net_buf_simple *buf, uint64_t val);
void net_buf_simple_add_be64(struct net_buf_simple *buf, uint64_t val);

/* Prepend into the headroom. push/push_mem return the new data pointer (NULL:
 * no headroom, nothing added). */
void *net_buf_simple_push(struct net_buf_simple *buf, size_t len);
void *net_buf_simple_push_mem(struct net_buf_simple *buf, const void *mem, size_t len);
void net_buf_simple_push_u8(struct net_buf_simple *buf, uint8_t val);
void net_buf_simple_push_le16(struct net_buf_simple *buf, uint16_t val);
void net_buf_simple_push_be16(struct net_buf_simple *buf, uint16_t val);
void net_buf_simple_push_le24(struct net_buf_simple *buf, uint32_t val);
void net_buf_simple_push_be24(struct net_buf_simple *buf, uint32_t val);
void net_buf_simple_push_le32(struct net_buf_simple *buf, uint32_t val);
void net_buf_simple_push_be32(struct net_buf_simple *buf, uint32_t val);
void net_buf_simple_push_le48(struct net_buf_simple *buf, uint64_t val);
void net_buf_simple_push_be48(struct net_buf_simple *buf, uint64_t val);
void net_buf_simple_push_le64(struct net_buf_simple *buf, uint64_t val);
void net_buf_simple_push_be64(struct net_buf_simple *buf, uint64_t val);

/* Consume from the head. pull returns the new data pointer, pull_mem the
 * bytes consumed; both NULL when len exceeds the payload (nothing consumed).
 * The value pulls return 0 then. */
void *net_buf_simple_pull(struct net_buf_simple *buf, size_t len);
void *net_buf_simple_pull_mem(struct net_buf_simple *buf, size_t len);
uint8_t net_buf_simple_pull_u8(struct net_buf_simple *buf);
uint16_t net_buf_simple_pull_le16(struct net_buf_simple *buf);
uint16_t net_buf_simple_pull_be16(struct net_buf_simple *buf);
uint32_t net_buf_simple_pull_le24(struct net_buf_simple *buf);
uint32_t net_buf_simple_pull_be24(struct net_buf_simple *buf);
uint32_t net_buf_simple_pull_le32(struct net_buf_simple *buf);
uint32_t net_buf_simple_pull_be32(struct net_buf_simple *buf);
uint64_t net_buf_simple_pull_le48(struct net_buf_simple *buf);
uint64_t net_buf_simple_pull_be48(struct net_buf_simple *buf);
uint64_t net_buf_simple_pull_le64(struct net_buf_simple *buf);
uint64_t net_buf_simple_pull_be64(struct net_buf_simple *buf);

/* Consume from the tail. remove_mem returns the bytes removed (NULL when len
 * exceeds the payload); the value removes return 0 then. */
void *net_buf_simple_remove_mem(struct net_buf_simple *buf, size_t len);
uint8_t net_buf_simple_remove_u8(struct net_buf_simple *buf);
uint16_t net_buf_simple_remove_le16(struct net_buf_simple *buf);
uint16_t net_buf_simple_remove_be16(struct net_buf_simple *buf);
uint32_t net_buf_simple_remove_le24(struct net_buf_simple *buf);
uint32_t net_buf_simple_remove_be24(struct net_buf_simple *buf);
uint32_t net_buf_simple_remove_le32(struct net_buf_simple *buf);
uint32_t net_buf_simple_remove_be32(struct net_buf_simple *buf);
uint64_t net_buf_simple_remove_le48(struct net_buf_simple *buf);
uint64_t net_buf_simple_remove_be48(struct net_buf_simple *buf);
uint64_t net_buf_simple_remove_le64(struct net_buf_simple *buf);
uint64_t net_buf_simple_remove_be64(struct net_buf_simple *buf);

/* ---- net_buf: a pooled, reference-counted buffer ---- */

struct net_buf {
	/* First word, so a buffer can sit in a k_fifo or sys_slist (and in its
	 * pool's free list while free). */
	sys_snode_t node;
	/* Next fragment of a chain; the chain owns one reference to it. */
	struct net_buf *frags;
	struct net_buf_pool *pool;
	uint8_t ref;
	uint8_t flags; /* free for the user, except NET_BUF_FLAG_FREE_ */
	uint16_t user_data_size;
	union {
		struct {
			uint8_t *data;
			uint16_t len;
			uint16_t size;
			uint8_t *__buf;
		};
		struct net_buf_simple b;
	};
	NET_BUF_ALIGNAS uint8_t user_data[];
};

/* Private flag: set while the buffer is in its pool's free list. */
#define NET_BUF_FLAG_FREE_ 0x80u

/* Bytes one buffer header plus its user data takes in pool storage. */
#define NET_BUF_STRIDE(ud_size) \
	ROUND_UP(offsetof(struct net_buf, user_data) + (size_t)(ud_size), _Alignof(struct net_buf))

struct net_buf_pool_stats {
	uint16_t free;           /* buffers free now */
	uint16_t min_free;       /* lowest 'free' seen: the low-water mark */
	uint32_t allocs;         /* buffers handed out */
	uint32_t alloc_failures; /* allocations that returned NULL */
	uint32_t bad_unref;      /* unref/destroy of a buffer already free (ignored) */
	uint32_t violations;     /* refused operations on this pool's buffers */
};

/* Fields are private; read counters with net_buf_pool_stats_get(). */
struct net_buf_pool {
	sys_slist_t free;    /* LIFO of returned buffers */
	_wait_q_t wait;      /* allocators waiting for a buffer */
	uint8_t *bufs;       /* buf_count headers, NET_BUF_STRIDE(user_data_size) apart */
	uint8_t *data;       /* buf_count data areas, data_size apart */
	void (*destroy)(struct net_buf *buf);
	const char *name;
	uint16_t buf_count;
	uint16_t uninit_count; /* never handed out yet: the last ones in bufs */
	uint16_t data_size;
	uint16_t user_data_size;
	struct net_buf_pool_stats stats;
};

/* Storage for one pool, as a struct type: declare a member with it (or a
 * static object). bufs is aligned for struct net_buf, data for pointers. */
#define NET_BUF_POOL_STORAGE(_count, _data_size, _ud_size)                                    \
	struct {                                                                              \
		_Alignas(struct net_buf) uint8_t bufs[_count][NET_BUF_STRIDE(_ud_size)];      \
		NET_BUF_ALIGNAS uint8_t data[_count][_data_size];                             \
	}

/* Run-time set-up of a pool over caller storage (a pool embedded in a larger
 * struct). buf_storage: count * NET_BUF_STRIDE(ud_size) bytes aligned like
 * struct net_buf; data_storage: count * data_size bytes. Misaligned or missing
 * storage, count 0 or data_size 0 give an empty pool (every alloc fails) and
 * a violation. Resets the counters; call it only when no buffer is out and
 * nobody waits. Binds the pool to the current kernel (if any), so buffers can
 * be freed from any thread of that instance. name starts NULL (set pool->name
 * if you want one). */
void net_buf_pool_init(struct net_buf_pool *pool, void *buf_storage, uint8_t *data_storage, uint16_t count,
		       uint16_t data_size, uint16_t ud_size, void (*destroy)(struct net_buf *buf));

/* net_buf_pool_init() over a NET_BUF_POOL_STORAGE object: count and data
 * size come from its type; ud_size must match it (checked at compile time). */
#define NET_BUF_POOL_STORAGE_INIT(_pool, _storage, _ud_size, _destroy)                        \
	((void)sizeof(char[sizeof((_storage).bufs[0]) == NET_BUF_STRIDE(_ud_size) ? 1 : -1]),  \
	 net_buf_pool_init((_pool), (_storage).bufs, &(_storage).data[0][0],                   \
			   (uint16_t)ARRAY_SIZE((_storage).bufs), (uint16_t)sizeof((_storage).data[0]), \
			   (uint16_t)(_ud_size), (_destroy)))

/* Compile-time initialiser over a NET_BUF_POOL_STORAGE object: the pool is
 * valid without any init call (buffers are set up as they are first handed
 * out). */
#define NET_BUF_POOL_INITIALIZER(_name, _storage, _count, _data_size, _ud_size, _destroy)     \
	{ .free = SYS_SLIST_STATIC_INIT(0), .wait = { .waiters = SYS_SLIST_STATIC_INIT(0) },              \
	  .bufs = &(_storage).bufs[0][0], .data = &(_storage).data[0][0],                      \
	  .destroy = (_destroy), .name = #_name, .buf_count = (_count),                        \
	  .uninit_count = (_count), .data_size = (_data_size), .user_data_size = (_ud_size),   \
	  .stats = { .free = (_count), .min_free = (_count) } }

/* A static pool and its storage in the including file (application code; as
 * in Zephyr the pool is static: export a pointer, not the name). */
#define NET_BUF_POOL_FIXED_DEFINE(_name, _count, _data_size, _ud_size, _destroy)              \
	static NET_BUF_POOL_STORAGE(_count, _data_size, _ud_size) net_buf_storage_##_name;     \
	static struct net_buf_pool _name = NET_BUF_POOL_INITIALIZER(                            \
		_name, net_buf_storage_##_name, _count, _data_size, _ud_size, _destroy)

#define NET_BUF_POOL_DEFINE(_name, _count, _size, _ud_size, _destroy)                         \
	NET_BUF_POOL_FIXED_DEFINE(_name, _count, _size, _ud_size, _destroy)

/* A consistent snapshot of the counters. */
void net_buf_pool_stats_get(struct net_buf_pool *pool, struct net_buf_pool_stats *out);

static inline struct net_buf_pool *net_buf_pool_from_buf(const struct net_buf *buf)
{
	return buf->pool;
}

/* Index of the buffer in its pool, 0..buf_count-1 (for side tables). */
int net_buf_id(const struct net_buf *buf);

/* A buffer with ref 1, len 0, no headroom. timeout: K_NO_WAIT fails at once
 * when the pool is empty; otherwise waits for a buffer to come back (coop: NULL
 * at once inside a callback). NULL on failure, counted in alloc_failures. */
struct net_buf *net_buf_alloc_fixed(struct net_buf_pool *pool, k_timeout_t timeout);
static inline struct net_buf *net_buf_alloc(struct net_buf_pool *pool, k_timeout_t timeout)
{
	return net_buf_alloc_fixed(pool, timeout);
}
/* size must be <= the pool's data size (NULL otherwise); the buffer still
 * gets the whole fixed data area. */
struct net_buf *net_buf_alloc_len(struct net_buf_pool *pool, size_t size, k_timeout_t timeout);

/* Returns buf (NULL if the count would overflow: refused, counted). */
struct net_buf *net_buf_ref(struct net_buf *buf);
/* Drops a reference. At 0 the buffer goes back to its pool: through the
 * pool's destroy callback if set (which must end with net_buf_destroy()),
 * else directly; then the same happens to its fragments. NULL is ignored. */
void net_buf_unref(struct net_buf *buf);
/* Puts a buffer whose count reached 0 back in its pool and wakes allocators.
 * For destroy callbacks. A free or referenced buffer is refused. */
void net_buf_destroy(struct net_buf *buf);

/* A copy of buf's data (same headroom) and user data in a new buffer of the
 * same pool; fragments are not copied. */
struct net_buf *net_buf_clone(struct net_buf *buf, k_timeout_t timeout);

static inline void *net_buf_user_data(const struct net_buf *buf)
{
	return (void *)buf->user_data;
}
/* 0, or -EINVAL when dst has less user data than src. */
int net_buf_user_data_copy(struct net_buf *dst, const struct net_buf *src);

/* Empties the buffer (no headroom). */
void net_buf_reset(struct net_buf *buf);
/* Sets the headroom of an empty buffer. */
void net_buf_reserve(struct net_buf *buf, size_t reserve);

static inline size_t net_buf_headroom(const struct net_buf *buf) { return net_buf_simple_headroom(&buf->b); }
static inline size_t net_buf_tailroom(const struct net_buf *buf) { return net_buf_simple_tailroom(&buf->b); }
static inline uint16_t net_buf_max_len(const struct net_buf *buf) { return net_buf_simple_max_len(&buf->b); }
static inline uint8_t *net_buf_tail(const struct net_buf *buf) { return net_buf_simple_tail(&buf->b); }

/* The net_buf_simple operations on a pooled buffer; refusals are counted in
 * the pool's stats.violations. */
void *net_buf_add(struct net_buf *buf, size_t len);
void *net_buf_add_mem(struct net_buf *buf, const void *mem, size_t len);
uint8_t *net_buf_add_u8(struct net_buf *buf, uint8_t val);
void net_buf_add_le16(struct net_buf *buf, uint16_t val);
void net_buf_add_be16(struct net_buf *buf, uint16_t val);
void net_buf_add_le24(struct net_buf *buf, uint32_t val);
void net_buf_add_be24(struct net_buf *buf, uint32_t val);
void net_buf_add_le32(struct net_buf *buf, uint32_t val);
void net_buf_add_be32(struct net_buf *buf, uint32_t val);
void net_buf_add_le48(struct net_buf *buf, uint64_t val);
void net_buf_add_be48(struct net_buf *buf, uint64_t val);
void net_buf_add_le64(struct net_buf *buf, uint64_t val);
void net_buf_add_be64(struct net_buf *buf, uint64_t val);

void *net_buf_push(struct net_buf *buf, size_t len);
void *net_buf_push_mem(struct net_buf *buf, const void *mem, size_t len);
void net_buf_push_u8(struct net_buf *buf, uint8_t val);
void net_buf_push_le16(struct net_buf *buf, uint16_t val);
void net_buf_push_be16(struct net_buf *buf, uint16_t val);
void net_buf_push_le24(struct net_buf *buf, uint32_t val);
void net_buf_push_be24(struct net_buf *buf, uint32_t val);
void net_buf_push_le32(struct net_buf *buf, uint32_t val);
void net_buf_push_be32(struct net_buf *buf, uint32_t val);
void net_buf_push_le48(struct net_buf *buf, uint64_t val);
void net_buf_push_be48(struct net_buf *buf, uint64_t val);
void net_buf_push_le64(struct net_buf *buf, uint64_t val);
void net_buf_push_be64(struct net_buf *buf, uint64_t val);

void *net_buf_pull(struct net_buf *buf, size_t len);
void *net_buf_pull_mem(struct net_buf *buf, size_t len);
uint8_t net_buf_pull_u8(struct net_buf *buf);
uint16_t net_buf_pull_le16(struct net_buf *buf);
uint16_t net_buf_pull_be16(struct net_buf *buf);
uint32_t net_buf_pull_le24(struct net_buf *buf);
uint32_t net_buf_pull_be24(struct net_buf *buf);
uint32_t net_buf_pull_le32(struct net_buf *buf);
uint32_t net_buf_pull_be32(struct net_buf *buf);
uint64_t net_buf_pull_le48(struct net_buf *buf);
uint64_t net_buf_pull_be48(struct net_buf *buf);
uint64_t net_buf_pull_le64(struct net_buf *buf);
uint64_t net_buf_pull_be64(struct net_buf *buf);

void *net_buf_remove_mem(struct net_buf *buf, size_t len);
uint8_t net_buf_remove_u8(struct net_buf *buf);
uint16_t net_buf_remove_le16(struct net_buf *buf);
uint16_t net_buf_remove_be16(struct net_buf *buf);
uint32_t net_buf_remove_le24(struct net_buf *buf);
uint32_t net_buf_remove_be24(struct net_buf *buf);
uint32_t net_buf_remove_le32(struct net_buf *buf);
uint32_t net_buf_remove_be32(struct net_buf *buf);
uint64_t net_buf_remove_le48(struct net_buf *buf);
uint64_t net_buf_remove_be48(struct net_buf *buf);
uint64_t net_buf_remove_le64(struct net_buf *buf);
uint64_t net_buf_remove_be64(struct net_buf *buf);

/* ---- fragment chains (buf->frags) ---- */

struct net_buf *net_buf_frag_last(struct net_buf *frags);
/* Links frag (and its own chain) right after parent. Takes over the caller's
 * reference to frag. */
void net_buf_frag_insert(struct net_buf *parent, struct net_buf *frag);
/* Appends frag at the end of head's chain; returns head, or frag when head is
 * NULL. Takes over the caller's reference to frag. */
struct net_buf *net_buf_frag_add(struct net_buf *head, struct net_buf *frag);
/* Unlinks frag from parent (NULL: frag is a head) and drops the chain's
 * reference to it; returns the fragment that followed it. */
struct net_buf *net_buf_frag_del(struct net_buf *parent, struct net_buf *frag);
/* Copies up to len bytes starting offset bytes into the chain; returns the
 * bytes copied (bounded by dst_len and the data present). */
size_t net_buf_linearize(void *dst, size_t dst_len, const struct net_buf *src, size_t offset, size_t len);
/* Pulls len bytes across the chain, deleting fragments that become empty;
 * returns the new head (NULL if everything was consumed). */
struct net_buf *net_buf_skip(struct net_buf *buf, size_t len);

static inline size_t net_buf_frags_len(const struct net_buf *buf)
{
	size_t bytes = 0;
	for (; buf; buf = buf->frags) {
		bytes += buf->len;
	}
	return bytes;
}

/* ---- queueing (the buffer's node; one queue at a time) ---- */

/* Lists guarded by the kernel lock (sys_slist is not thread-safe itself). */
void net_buf_slist_put(sys_slist_t *list, struct net_buf *buf);
struct net_buf *net_buf_slist_get(sys_slist_t *list);

static inline void net_buf_put(struct k_fifo *fifo, struct net_buf *buf)
{
	k_fifo_put(fifo, buf);
}

static inline struct net_buf *net_buf_get(struct k_fifo *fifo, k_timeout_t timeout)
{
	return (struct net_buf *)k_fifo_get(fifo, timeout);
}

#endif
