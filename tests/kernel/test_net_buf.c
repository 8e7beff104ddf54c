/* net_buf: pools (static and embedded), data operations and their bounds,
 * reference counting, destroy callbacks, fragments, clones, counters, and
 * allocation that waits for a buffer freed by a work item or timer. The same
 * source runs on both backends (coop: virtual time, threads: real time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/net_buf.h>
#include <zephyr/sys/byteorder.h>

#include "ktest.h"

#define N 4
#define DSZ 32
#define UDSZ 12

/* Shaped like a host context: the pool and its storage are members. */
struct ctx {
	struct net_buf_pool pool;
	NET_BUF_POOL_STORAGE(N, DSZ, UDSZ) st;
	struct net_buf_pool dpool; /* with a destroy callback */
	NET_BUF_POOL_STORAGE(2, 16, 4) dst;

	struct k_work_delayable dw;
	struct k_timer timer;
	struct k_work work;
	struct net_buf *to_free;
	int freed_by_callback; /* atomic: written by the timer/work thread */

	int destroyed;
	struct net_buf *destroyed_buf;
	bool defer_destroy;

	/* work-handler allocation (coop rule) */
	struct net_buf *handler_result;
	int64_t handler_t0, handler_t1;
	volatile int handler_ran;

	/* stress */
	uint32_t stress_ok, stress_fail;
};

static struct ctx c;

NET_BUF_POOL_DEFINE(static_pool, 3, 20, 6, NULL);

static void destroy_cb(struct net_buf *buf)
{
	c.destroyed++;
	c.destroyed_buf = buf;
	if (!c.defer_destroy) {
		net_buf_destroy(buf);
	}
}

static int setup(void **state)
{
	memset(&c, 0, sizeof(c));
	return ktest_group_setup(state);
}

/* Every test starts from freshly initialised pools. */
static int per_test(void **state)
{
	(void)state;
	NET_BUF_POOL_STORAGE_INIT(&c.pool, c.st, UDSZ, NULL);
	NET_BUF_POOL_STORAGE_INIT(&c.dpool, c.dst, 4, destroy_cb);
	c.destroyed = 0;
	c.destroyed_buf = NULL;
	c.defer_destroy = false;
	c.to_free = NULL;
	c.freed_by_callback = 0;
	c.handler_ran = 0;
	return 0;
}

static struct net_buf_pool_stats stats(struct net_buf_pool *p)
{
	struct net_buf_pool_stats s;
	net_buf_pool_stats_get(p, &s);
	return s;
}

static void alloc_all(struct net_buf_pool *p, struct net_buf **bufs, int n)
{
	for (int i = 0; i < n; i++) {
		bufs[i] = net_buf_alloc(p, K_NO_WAIT);
		assert_non_null(bufs[i]);
	}
	assert_null(net_buf_alloc(p, K_NO_WAIT));
}

static void unref_all(struct net_buf **bufs, int n)
{
	for (int i = 0; i < n; i++) {
		net_buf_unref(bufs[i]);
	}
}

/* ---- pools ---- */

static void test_static_pool_define(void **state)
{
	(void)state;
	struct net_buf *b[3];
	struct net_buf_pool_stats s = stats(&static_pool);
	assert_int_equal(s.free, 3);
	assert_int_equal(s.min_free, 3);
	assert_string_equal(static_pool.name, "static_pool");

	alloc_all(&static_pool, b, 3);
	bool seen[3] = { false, false, false };
	for (int i = 0; i < 3; i++) {
		assert_ptr_equal(net_buf_pool_from_buf(b[i]), &static_pool);
		assert_int_equal(b[i]->ref, 1);
		assert_int_equal(b[i]->len, 0);
		assert_int_equal(b[i]->size, 20);
		assert_int_equal(b[i]->user_data_size, 6);
		assert_null(b[i]->frags);
		assert_int_equal(net_buf_headroom(b[i]), 0);
		assert_int_equal(net_buf_tailroom(b[i]), 20);
		int id = net_buf_id(b[i]);
		assert_true(id >= 0 && id < 3);
		assert_false(seen[id]);
		seen[id] = true;
	}
	/* Data areas are disjoint: fill each completely, then check them all. */
	for (int i = 0; i < 3; i++) {
		memset(net_buf_add(b[i], 20), 0x10 + i, 20);
	}
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 20; j++) {
			assert_int_equal(b[i]->data[j], 0x10 + i);
		}
	}
	s = stats(&static_pool);
	assert_int_equal(s.free, 0);
	assert_int_equal(s.min_free, 0);
	assert_int_equal(s.alloc_failures, 1);

	unref_all(b, 3);
	assert_int_equal(stats(&static_pool).free, 3);
	/* Free buffers are reused last-in first-out. */
	struct net_buf *again = net_buf_alloc(&static_pool, K_NO_WAIT);
	assert_ptr_equal(again, b[2]);
	assert_int_equal(again->len, 0);
	net_buf_unref(again);
}

static void test_alloc_unref_returns_to_pool(void **state)
{
	(void)state;
	assert_int_equal(stats(&c.pool).free, N);
	struct net_buf *b = net_buf_alloc(&c.pool, K_NO_WAIT);
	assert_non_null(b);
	assert_int_equal(stats(&c.pool).free, N - 1);
	assert_int_equal(stats(&c.pool).allocs, 1);
	assert_ptr_equal(b->data, b->__buf);
	/* The buffer's storage is inside the pool's storage. */
	assert_true((uint8_t *)b >= &c.st.bufs[0][0] && (uint8_t *)b < &c.st.bufs[N - 1][0] + sizeof(c.st.bufs[0]));
	assert_true(b->__buf >= &c.st.data[0][0] && b->__buf + b->size <= &c.st.data[N - 1][0] + DSZ);

	net_buf_reserve(b, 3);
	net_buf_add_le32(b, 0xdeadbeef);
	b->flags = 0x01;
	net_buf_unref(b);
	assert_int_equal(stats(&c.pool).free, N);

	/* Reuse comes back clean. */
	struct net_buf *r = net_buf_alloc(&c.pool, K_NO_WAIT);
	assert_ptr_equal(r, b);
	assert_int_equal(r->ref, 1);
	assert_int_equal(r->flags, 0);
	assert_int_equal(r->len, 0);
	assert_int_equal(net_buf_headroom(r), 0);
	assert_int_equal(r->size, DSZ);
	net_buf_unref(r);
	assert_int_equal(stats(&c.pool).free, N);
	assert_int_equal(stats(&c.pool).bad_unref, 0);
}

static void test_alloc_len(void **state)
{
	(void)state;
	struct net_buf *b = net_buf_alloc_len(&c.pool, 5, K_NO_WAIT);
	assert_non_null(b);
	assert_int_equal(b->size, DSZ); /* fixed pools hand out the whole area */
	struct net_buf *z = net_buf_alloc_len(&c.pool, 0, K_NO_WAIT);
	assert_non_null(z);
	assert_int_equal(z->size, DSZ);

	assert_null(net_buf_alloc_len(&c.pool, DSZ + 1, K_NO_WAIT));
	/* Refused even with a timeout: no buffer will ever be big enough. */
	int64_t t0 = k_uptime_ticks();
	assert_null(net_buf_alloc_len(&c.pool, DSZ + 1, K_MSEC(50)));
	assert_true(k_uptime_ticks() - t0 < 50000);
	struct net_buf_pool_stats s = stats(&c.pool);
	assert_int_equal(s.alloc_failures, 2);
	assert_int_equal(s.violations, 2);
	assert_int_equal(s.free, N - 2);
	net_buf_unref(b);
	net_buf_unref(z);
}

static void test_low_water_and_failure_counters(void **state)
{
	(void)state;
	struct net_buf *b[N];
	b[0] = net_buf_alloc(&c.pool, K_NO_WAIT);
	b[1] = net_buf_alloc(&c.pool, K_NO_WAIT);
	net_buf_unref(b[0]);
	net_buf_unref(b[1]);
	struct net_buf_pool_stats s = stats(&c.pool);
	assert_int_equal(s.free, N);
	assert_int_equal(s.min_free, N - 2);

	b[0] = net_buf_alloc(&c.pool, K_NO_WAIT);
	assert_int_equal(stats(&c.pool).min_free, N - 2); /* not lowered by a shallower dip */
	net_buf_unref(b[0]);

	alloc_all(&c.pool, b, N); /* one failure inside */
	assert_null(net_buf_alloc(&c.pool, K_NO_WAIT));
	s = stats(&c.pool);
	assert_int_equal(s.free, 0);
	assert_int_equal(s.min_free, 0);
	assert_int_equal(s.alloc_failures, 2);
	assert_int_equal(s.allocs, 3 + N);
	unref_all(b, N);
	s = stats(&c.pool);
	assert_int_equal(s.free, N);
	assert_int_equal(s.min_free, 0); /* the mark stays */

	/* Re-initialising resets the counters. */
	NET_BUF_POOL_STORAGE_INIT(&c.pool, c.st, UDSZ, NULL);
	s = stats(&c.pool);
	assert_int_equal(s.min_free, N);
	assert_int_equal(s.alloc_failures, 0);
	assert_int_equal(s.allocs, 0);
}

/* ---- data operations ---- */

static void test_reserve_headroom_tailroom(void **state)
{
	(void)state;
	struct net_buf *b = net_buf_alloc(&c.pool, K_NO_WAIT);
	assert_int_equal(net_buf_max_len(b), DSZ);
	net_buf_reserve(b, 8);
	assert_int_equal(net_buf_headroom(b), 8);
	assert_int_equal(net_buf_tailroom(b), DSZ - 8);
	assert_int_equal(net_buf_max_len(b), DSZ - 8);
	assert_ptr_equal(b->data, b->__buf + 8);

	uint8_t *p = net_buf_add(b, 4);
	assert_ptr_equal(p, b->__buf + 8);
	assert_ptr_equal(net_buf_tail(b), b->__buf + 12);
	assert_int_equal(net_buf_tailroom(b), DSZ - 12);

	p = net_buf_push(b, 2);
	assert_ptr_equal(p, b->__buf + 6);
	assert_int_equal(net_buf_headroom(b), 6);
	assert_int_equal(b->len, 6);

	/* Reserve needs an empty buffer. */
	net_buf_reserve(b, 1);
	assert_int_equal(net_buf_headroom(b), 6);
	assert_int_equal(b->len, 6);
	assert_int_equal(stats(&c.pool).violations, 1);

	net_buf_reset(b);
	assert_int_equal(b->len, 0);
	assert_int_equal(net_buf_headroom(b), 0);
	net_buf_reserve(b, DSZ + 1);
	assert_int_equal(net_buf_headroom(b), 0);
	assert_int_equal(stats(&c.pool).violations, 2);
	net_buf_reserve(b, DSZ);
	assert_int_equal(net_buf_tailroom(b), 0);
	assert_null(net_buf_add(b, 1));
	net_buf_unref(b);
}

static void test_add_pull_round_trip(void **state)
{
	(void)state;
	struct net_buf *b = net_buf_alloc(&c.pool, K_NO_WAIT);
	uint8_t *u = net_buf_add_u8(b, 0x7f);
	assert_ptr_equal(u, b->data);
	net_buf_add_le16(b, 0x1234);
	net_buf_add_be16(b, 0x1234);
	net_buf_add_le24(b, 0xabcdef);
	net_buf_add_be24(b, 0xabcdef);
	net_buf_add_le32(b, 0x01020304);
	net_buf_add_be32(b, 0x01020304);
	net_buf_add_le48(b, 0x0a0b0c0d0e0fULL);
	assert_int_equal(b->len, 1 + 2 + 2 + 3 + 3 + 4 + 4 + 6);

	static const uint8_t wire[] = { 0x7f, 0x34, 0x12, 0x12, 0x34, 0xef, 0xcd, 0xab, 0xab, 0xcd, 0xef,
					0x04, 0x03, 0x02, 0x01, 0x01, 0x02, 0x03, 0x04, 0x0f, 0x0e, 0x0d,
					0x0c, 0x0b, 0x0a };
	assert_int_equal(b->len, sizeof(wire));
	assert_memory_equal(b->data, wire, sizeof(wire));

	assert_int_equal(net_buf_pull_u8(b), 0x7f);
	assert_int_equal(net_buf_pull_le16(b), 0x1234);
	assert_int_equal(net_buf_pull_be16(b), 0x1234);
	assert_int_equal(net_buf_pull_le24(b), 0xabcdef);
	assert_int_equal(net_buf_pull_be24(b), 0xabcdef);
	assert_int_equal(net_buf_pull_le32(b), 0x01020304);
	assert_int_equal(net_buf_pull_be32(b), 0x01020304);
	assert_true(net_buf_pull_le48(b) == 0x0a0b0c0d0e0fULL);
	assert_int_equal(b->len, 0);
	assert_int_equal(net_buf_headroom(b), sizeof(wire));

	/* 64-bit and 48-bit big endian, mem, and pull returning the new head. */
	net_buf_reset(b);
	net_buf_add_le64(b, 0x1122334455667788ULL);
	net_buf_add_be64(b, 0x1122334455667788ULL);
	net_buf_add_be48(b, 0x112233445566ULL);
	static const uint8_t w64[] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x11, 0x22, 0x33,
				       0x44, 0x55, 0x66, 0x77, 0x88, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	assert_memory_equal(b->data, w64, sizeof(w64));
	assert_true(net_buf_pull_le64(b) == 0x1122334455667788ULL);
	assert_true(net_buf_pull_be64(b) == 0x1122334455667788ULL);
	assert_true(net_buf_pull_be48(b) == 0x112233445566ULL);

	net_buf_reset(b);
	static const char msg[] = "hello";
	assert_ptr_equal(net_buf_add_mem(b, msg, 5), b->data);
	uint8_t *head = b->data;
	assert_ptr_equal(net_buf_pull(b, 2), head + 2); /* the new beginning */
	assert_ptr_equal(net_buf_pull_mem(b, 2), head + 2); /* the bytes consumed */
	assert_int_equal(b->len, 1);
	assert_int_equal(b->data[0], 'o');
	net_buf_unref(b);
}

static void test_push_remove(void **state)
{
	(void)state;
	struct net_buf *b = net_buf_alloc(&c.pool, K_NO_WAIT);
	net_buf_reserve(b, 24);
	net_buf_add_u8(b, 0xaa);
	net_buf_push_u8(b, 0x01);
	net_buf_push_le16(b, 0x0302);
	net_buf_push_be16(b, 0x0405);
	net_buf_push_le24(b, 0x080706);
	net_buf_push_be32(b, 0x090a0b0c);
	net_buf_push_le32(b, 0x0d0e0f10);
	net_buf_push_mem(b, "\xf0\xf1", 2);
	static const uint8_t wire[] = { 0xf0, 0xf1, 0x10, 0x0f, 0x0e, 0x0d, 0x09, 0x0a, 0x0b, 0x0c, 0x06, 0x07,
					0x08, 0x04, 0x05, 0x02, 0x03, 0x01, 0xaa };
	assert_int_equal(b->len, sizeof(wire));
	assert_memory_equal(b->data, wire, sizeof(wire));
	assert_int_equal(net_buf_headroom(b), 24 + 1 - sizeof(wire));

	/* Remove from the tail, in reverse. */
	assert_int_equal(net_buf_remove_u8(b), 0xaa);
	assert_int_equal(net_buf_remove_u8(b), 0x01);
	assert_int_equal(net_buf_remove_le16(b), 0x0302);
	assert_int_equal(net_buf_remove_be16(b), 0x0405);
	assert_int_equal(net_buf_remove_le24(b), 0x080706);
	assert_int_equal(net_buf_remove_be32(b), 0x090a0b0c);
	assert_int_equal(net_buf_remove_le32(b), 0x0d0e0f10);
	uint8_t *rm = net_buf_remove_mem(b, 2);
	assert_ptr_equal(rm, b->data);
	assert_int_equal(rm[0], 0xf0);
	assert_int_equal(b->len, 0);

	/* Wider pushes round-trip through removes. */
	net_buf_reset(b);
	net_buf_reserve(b, DSZ);
	net_buf_push_le64(b, 0x0102030405060708ULL);
	net_buf_push_be64(b, 0x1112131415161718ULL);
	net_buf_push_le48(b, 0x212223242526ULL);
	net_buf_push_be48(b, 0x313233343536ULL);
	net_buf_push_be24(b, 0x515253);
	assert_int_equal(b->len, 8 + 8 + 6 + 6 + 3);
	assert_int_equal(net_buf_pull_be24(b), 0x515253);
	assert_true(net_buf_remove_le64(b) == 0x0102030405060708ULL);
	assert_true(net_buf_remove_be64(b) == 0x1112131415161718ULL);
	assert_true(net_buf_remove_le48(b) == 0x212223242526ULL);
	assert_true(net_buf_remove_be48(b) == 0x313233343536ULL);
	assert_int_equal(b->len, 0);

	net_buf_add_le32(b, 0x11223344);
	net_buf_add_be24(b, 0x556677);
	assert_int_equal(net_buf_remove_be24(b), 0x556677);
	assert_int_equal(net_buf_remove_le32(b), 0x11223344);
	assert_int_equal(stats(&c.pool).violations, 0);
	net_buf_unref(b);
}

static void test_simple_buf(void **state)
{
	(void)state;
	NET_BUF_SIMPLE_DEFINE(sb, 16);
	assert_int_equal(sb.size, 16);
	net_buf_simple_init(&sb, 4);
	assert_int_equal(net_buf_simple_headroom(&sb), 4);
	assert_int_equal(net_buf_simple_tailroom(&sb), 12);
	net_buf_simple_add_le32(&sb, 0xcafef00d);
	net_buf_simple_add_be16(&sb, 0xbeef);

	struct net_buf_simple_state st;
	net_buf_simple_save(&sb, &st);
	assert_int_equal(net_buf_simple_pull_le16(&sb), 0xf00d);
	assert_int_equal(net_buf_simple_pull_le16(&sb), 0xcafe);
	net_buf_simple_restore(&sb, &st);
	assert_int_equal(sb.len, 6);
	assert_int_equal(net_buf_simple_pull_le32(&sb), 0xcafef00d);
	assert_int_equal(net_buf_simple_pull_be16(&sb), 0xbeef);

	/* Refusals leave it unchanged. */
	net_buf_simple_reset(&sb);
	assert_null(net_buf_simple_add(&sb, 17));
	assert_null(net_buf_simple_push(&sb, 1));
	assert_null(net_buf_simple_pull(&sb, 1));
	assert_int_equal(net_buf_simple_pull_le16(&sb), 0);
	assert_int_equal(sb.len, 0);
	assert_ptr_equal(sb.data, sb.__buf);
	struct net_buf_simple_state bad = { .offset = 10, .len = 7 };
	net_buf_simple_restore(&sb, &bad);
	assert_ptr_equal(sb.data, sb.__buf);
	assert_int_equal(sb.len, 0);

	/* Wrapping existing bytes. */
	uint8_t raw[] = { 0x01, 0x02, 0x03, 0x04, 0x05 };
	struct net_buf_simple w;
	net_buf_simple_init_with_data(&w, raw, sizeof(raw));
	assert_int_equal(w.len, 5);
	assert_int_equal(net_buf_simple_tailroom(&w), 0);
	assert_int_equal(net_buf_simple_pull_be16(&w), 0x0102);
	assert_int_equal(net_buf_simple_remove_u8(&w), 0x05);
	assert_int_equal(net_buf_simple_remove_le16(&w), 0x0403);
	assert_int_equal(w.len, 0);

	/* A clone shares the storage and copies the position. */
	net_buf_simple_init_with_data(&w, raw, sizeof(raw));
	struct net_buf_simple cl;
	net_buf_simple_clone(&w, &cl);
	assert_ptr_equal(cl.data, w.data);
	assert_int_equal(cl.len, w.len);
	net_buf_simple_pull_u8(&cl);
	assert_int_equal(w.len, 5);

	/* Anonymous storage behind the struct. */
	struct net_buf_simple *anon = NET_BUF_SIMPLE(8);
	net_buf_simple_init(anon, 0);
	assert_int_equal(net_buf_simple_tailroom(anon), 8);
	memset(net_buf_simple_add(anon, 8), 0x33, 8);
	assert_null(net_buf_simple_add_u8(anon, 1));
	assert_int_equal(anon->len, 8);
	assert_int_equal(net_buf_simple_remove_u8(anon), 0x33);
}

static void test_user_data_size_and_alignment(void **state)
{
	(void)state;
	struct net_buf *b[N];
	alloc_all(&c.pool, b, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(b[i]->user_data_size, UDSZ);
		uint8_t *ud = net_buf_user_data(b[i]);
		assert_ptr_equal(ud, b[i]->user_data);
		assert_int_equal((uintptr_t)ud % _Alignof(void *), 0);
		assert_int_equal((uintptr_t)ud % _Alignof(uint64_t), 0);
		assert_int_equal((uintptr_t)b[i] % _Alignof(struct net_buf), 0);
		net_buf_add_le32(b[i], 0x55aa55aa + (uint32_t)i);
	}
	/* Filling every user data area completely must not touch any header. */
	for (int i = 0; i < N; i++) {
		memset(net_buf_user_data(b[i]), 0xee, UDSZ);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(b[i]->ref, 1);
		assert_int_equal(b[i]->len, 4);
		assert_int_equal(b[i]->size, DSZ);
		assert_ptr_equal(b[i]->pool, &c.pool);
		assert_int_equal(sys_get_le32(b[i]->data), 0x55aa55aa + (uint32_t)i);
	}
	/* A struct with a pointer fits in (aligned) user data. */
	struct meta {
		void *p;
		uint32_t v;
	};
	struct meta *m = net_buf_user_data(b[0]);
	m->p = &c;
	m->v = 7;
	assert_ptr_equal(((struct meta *)net_buf_user_data(b[0]))->p, &c);

	/* user data copy: fits into an equal or bigger area only. */
	assert_int_equal(net_buf_user_data_copy(b[1], b[0]), 0);
	assert_memory_equal(net_buf_user_data(b[1]), net_buf_user_data(b[0]), UDSZ);
	struct net_buf *small = net_buf_alloc(&c.dpool, K_NO_WAIT); /* ud 4 */
	assert_int_equal(small->user_data_size, 4);
	assert_int_equal(net_buf_user_data_copy(small, b[0]), -EINVAL);
	assert_int_equal(net_buf_user_data_copy(b[0], small), 0);
	net_buf_unref(small);
	unref_all(b, N);
}

/* ---- reference counting and destroy ---- */

static void test_ref_counting(void **state)
{
	(void)state;
	struct net_buf *b = net_buf_alloc(&c.pool, K_NO_WAIT);
	assert_ptr_equal(net_buf_ref(b), b);
	assert_ptr_equal(net_buf_ref(b), b);
	assert_int_equal(b->ref, 3);
	net_buf_unref(b);
	net_buf_unref(b);
	assert_int_equal(b->ref, 1);
	assert_int_equal(stats(&c.pool).free, N - 1); /* still out */
	net_buf_unref(b);
	assert_int_equal(stats(&c.pool).free, N);

	/* Counting up to the limit works, beyond is refused. */
	b = net_buf_alloc(&c.pool, K_NO_WAIT);
	for (int i = 1; i < UINT8_MAX; i++) {
		assert_ptr_equal(net_buf_ref(b), b);
	}
	assert_int_equal(b->ref, UINT8_MAX);
	assert_null(net_buf_ref(b));
	assert_int_equal(b->ref, UINT8_MAX);
	assert_int_equal(stats(&c.pool).violations, 1);
	for (int i = 0; i < UINT8_MAX; i++) {
		net_buf_unref(b);
	}
	assert_int_equal(stats(&c.pool).free, N);
	assert_int_equal(stats(&c.pool).bad_unref, 0);
}

static void test_destroy_callback(void **state)
{
	(void)state;
	struct net_buf *b = net_buf_alloc(&c.dpool, K_NO_WAIT);
	net_buf_ref(b);
	net_buf_unref(b);
	assert_int_equal(c.destroyed, 0);
	net_buf_unref(b);
	assert_int_equal(c.destroyed, 1);
	assert_ptr_equal(c.destroyed_buf, b);
	assert_int_equal(stats(&c.dpool).free, 2);

	/* Reusable after its destroy. */
	struct net_buf *r = net_buf_alloc(&c.dpool, K_NO_WAIT);
	assert_ptr_equal(r, b);
	assert_int_equal(r->ref, 1);
	assert_int_equal(c.destroyed, 1);
	net_buf_unref(r);
	assert_int_equal(c.destroyed, 2);

	/* The callback decides when the buffer really goes back. */
	c.defer_destroy = true;
	b = net_buf_alloc(&c.dpool, K_NO_WAIT);
	net_buf_unref(b);
	assert_int_equal(c.destroyed, 3);
	assert_int_equal(stats(&c.dpool).free, 1);
	net_buf_destroy(c.destroyed_buf);
	assert_int_equal(stats(&c.dpool).free, 2);
	assert_int_equal(stats(&c.dpool).bad_unref, 0);
}

static void test_bad_unref_and_double_destroy(void **state)
{
	(void)state;
	struct net_buf *b = net_buf_alloc(&c.pool, K_NO_WAIT);
	net_buf_unref(b);
	net_buf_unref(b); /* already free: ignored */
	net_buf_destroy(b); /* likewise */
	struct net_buf_pool_stats s = stats(&c.pool);
	assert_int_equal(s.bad_unref, 2);
	assert_int_equal(s.free, N);
	assert_null(net_buf_ref(b));

	/* The free list is intact: N distinct buffers, then none. */
	struct net_buf *all[N];
	alloc_all(&c.pool, all, N);
	for (int i = 0; i < N; i++) {
		for (int j = i + 1; j < N; j++) {
			assert_ptr_not_equal(all[i], all[j]);
		}
	}
	/* Destroying a referenced buffer is refused. */
	net_buf_destroy(all[0]);
	assert_int_equal(stats(&c.pool).free, 0);
	assert_int_equal(all[0]->ref, 1);
	unref_all(all, N);
	assert_int_equal(stats(&c.pool).free, N);
	net_buf_unref(NULL); /* ignored */
	assert_int_equal(stats(&c.pool).bad_unref, 2);
}

/* ---- bounds ---- */

static void test_overflow_is_refused(void **state)
{
	(void)state;
	struct net_buf *b0 = net_buf_alloc(&c.pool, K_NO_WAIT);
	struct net_buf *b1 = net_buf_alloc(&c.pool, K_NO_WAIT);
	/* Neighbour contents that an overflow would hit. */
	memset(net_buf_add(b1, DSZ), 0x5a, DSZ);
	memset(net_buf_user_data(b0), 0xc3, UDSZ);
	memset(net_buf_user_data(b1), 0xc3, UDSZ);
	uint32_t v = 0;

	memset(net_buf_add(b0, DSZ - 2), 0x11, DSZ - 2);
	assert_null(net_buf_add(b0, 3));
	v++;
	assert_null(net_buf_add_mem(b0, "abc", 3));
	v++;
	net_buf_add_le32(b0, 0xffffffff);
	v++;
	net_buf_add_be24(b0, 0xffffff);
	v++;
	net_buf_add_le64(b0, UINT64_MAX);
	v++;
	assert_null(net_buf_add(b0, SIZE_MAX));
	v++;
	assert_int_equal(b0->len, DSZ - 2);
	net_buf_add_le16(b0, 0x2222); /* exactly fits */
	assert_int_equal(b0->len, DSZ);
	assert_null(net_buf_add_u8(b0, 0x33));
	v++;

	/* No headroom. */
	uint8_t *data = b0->data;
	assert_null(net_buf_push(b0, 1));
	v++;
	net_buf_push_le16(b0, 0x4444);
	v++;
	net_buf_push_u8(b0, 0x44);
	v++;
	assert_null(net_buf_push_mem(b0, "x", 1));
	v++;
	assert_null(net_buf_push(b0, SIZE_MAX));
	v++;
	assert_ptr_equal(b0->data, data);
	assert_int_equal(b0->len, DSZ);

	/* Beyond len. */
	assert_null(net_buf_pull(b0, DSZ + 1));
	v++;
	assert_null(net_buf_pull_mem(b0, SIZE_MAX));
	v++;
	assert_null(net_buf_remove_mem(b0, DSZ + 1));
	v++;
	assert_int_equal(b0->len, DSZ);
	net_buf_pull(b0, DSZ - 3);
	assert_int_equal(net_buf_pull_le32(b0), 0);
	v++;
	assert_true(net_buf_pull_le64(b0) == 0);
	v++;
	assert_int_equal(net_buf_remove_be32(b0), 0);
	v++;
	assert_int_equal(b0->len, 3);
	assert_int_equal(net_buf_pull_le24(b0), 0x222211);
	assert_int_equal(net_buf_pull_u8(b0), 0);
	v++;
	assert_int_equal(net_buf_remove_u8(b0), 0);
	v++;
	assert_int_equal(net_buf_pull_be16(b0), 0);
	v++;
	assert_int_equal(b0->len, 0);

	/* Nothing around was touched. */
	for (int i = 0; i < DSZ; i++) {
		assert_int_equal(b1->data[i], 0x5a);
	}
	for (int i = 0; i < UDSZ; i++) {
		assert_int_equal(((uint8_t *)net_buf_user_data(b0))[i], 0xc3);
		assert_int_equal(((uint8_t *)net_buf_user_data(b1))[i], 0xc3);
	}
	assert_int_equal(b1->ref, 1);
	assert_int_equal(b1->len, DSZ);
	struct net_buf_pool_stats s = stats(&c.pool);
	assert_int_equal(s.violations, v);
	assert_int_equal(s.bad_unref, 0);
	net_buf_unref(b0);
	net_buf_unref(b1);
}

/* ---- fragments and clones ---- */

static struct net_buf *buf_with(struct net_buf_pool *p, const char *s)
{
	struct net_buf *b = net_buf_alloc(p, K_NO_WAIT);
	assert_non_null(b);
	net_buf_add_mem(b, s, strlen(s));
	return b;
}

static void test_fragments(void **state)
{
	(void)state;
	struct net_buf *a = buf_with(&c.pool, "abc");
	struct net_buf *b = buf_with(&c.pool, "de");
	struct net_buf *d = buf_with(&c.pool, "fghi");

	struct net_buf *head = net_buf_frag_add(NULL, a);
	assert_ptr_equal(head, a);
	assert_int_equal(a->ref, 1); /* frag_add takes the caller's reference */
	assert_ptr_equal(net_buf_frag_add(head, b), a);
	assert_ptr_equal(net_buf_frag_add(head, d), a);
	assert_ptr_equal(net_buf_frag_last(head), d);
	assert_ptr_equal(a->frags, b);
	assert_ptr_equal(b->frags, d);
	assert_int_equal(net_buf_frags_len(head), 9);

	char out[16] = { 0 };
	assert_int_equal(net_buf_linearize(out, sizeof(out), head, 0, 100), 9);
	assert_string_equal(out, "abcdefghi");
	memset(out, 0, sizeof(out));
	assert_int_equal(net_buf_linearize(out, sizeof(out), head, 4, 3), 3);
	assert_string_equal(out, "efg");
	memset(out, 0, sizeof(out));
	assert_int_equal(net_buf_linearize(out, 2, head, 2, 5), 2);
	assert_string_equal(out, "cd");
	assert_int_equal(net_buf_linearize(out, sizeof(out), head, 9, 5), 0);

	/* Delete the middle one: it goes back to the pool. */
	assert_ptr_equal(net_buf_frag_del(a, b), d);
	assert_ptr_equal(a->frags, d);
	assert_int_equal(stats(&c.pool).free, N - 2);

	/* Insert right after the head. */
	struct net_buf *e = buf_with(&c.pool, "XY");
	net_buf_frag_insert(a, e);
	assert_ptr_equal(a->frags, e);
	assert_ptr_equal(e->frags, d);
	assert_int_equal(net_buf_frags_len(a), 9);

	/* A wrong parent is refused. */
	assert_null(net_buf_frag_del(d, e));
	assert_ptr_equal(a->frags, e);

	/* Unref of the head frees the whole chain. */
	net_buf_unref(a);
	assert_int_equal(stats(&c.pool).free, N);

	/* A fragment someone else still holds stops the release there. */
	a = buf_with(&c.pool, "1");
	b = buf_with(&c.pool, "2");
	d = buf_with(&c.pool, "3");
	net_buf_frag_add(a, b);
	net_buf_frag_add(a, d);
	net_buf_ref(b);
	net_buf_unref(a);
	assert_int_equal(stats(&c.pool).free, N - 2);
	assert_int_equal(b->ref, 1);
	assert_ptr_equal(b->frags, d); /* b still owns its chain */
	net_buf_unref(b);
	assert_int_equal(stats(&c.pool).free, N);

	/* skip: consumes across fragments, dropping emptied ones. */
	a = buf_with(&c.pool, "ab");
	b = buf_with(&c.pool, "cde");
	net_buf_frag_add(a, b);
	head = net_buf_skip(a, 3);
	assert_ptr_equal(head, b);
	assert_int_equal(b->len, 2);
	assert_int_equal(b->data[0], 'd');
	assert_int_equal(stats(&c.pool).free, N - 1);
	assert_null(net_buf_skip(head, 2));
	assert_int_equal(stats(&c.pool).free, N);
	assert_int_equal(stats(&c.pool).bad_unref, 0);
}

static void test_clone(void **state)
{
	(void)state;
	struct net_buf *b = net_buf_alloc(&c.pool, K_NO_WAIT);
	net_buf_reserve(b, 5);
	net_buf_add_mem(b, "0123456789", 10);
	memcpy(net_buf_user_data(b), "user-data-12", UDSZ);

	struct net_buf *cl = net_buf_clone(b, K_NO_WAIT);
	assert_non_null(cl);
	assert_ptr_not_equal(cl, b);
	assert_ptr_equal(cl->pool, &c.pool);
	assert_int_equal(cl->ref, 1);
	assert_int_equal(cl->len, 10);
	assert_int_equal(net_buf_headroom(cl), 5);
	assert_ptr_not_equal(cl->data, b->data);
	assert_memory_equal(cl->data, "0123456789", 10);
	assert_memory_equal(net_buf_user_data(cl), "user-data-12", UDSZ);
	b->data[0] = 'X';
	assert_int_equal(cl->data[0], '0');
	assert_int_equal(stats(&c.pool).free, N - 2);

	struct net_buf *rest[2];
	rest[0] = net_buf_alloc(&c.pool, K_NO_WAIT);
	rest[1] = net_buf_alloc(&c.pool, K_NO_WAIT);
	assert_null(net_buf_clone(b, K_NO_WAIT)); /* pool empty */
	unref_all(rest, 2);
	net_buf_unref(cl);
	net_buf_unref(b);
	assert_int_equal(stats(&c.pool).free, N);
}

/* ---- embedded pools ---- */

struct host {
	uint8_t first; /* odd offsets: the storage must align itself */
	struct net_buf_pool acl;
	char gap;
	NET_BUF_POOL_STORAGE(3, 27, 5) acl_st;
	char gap2;
	struct net_buf_pool evt;
	NET_BUF_POOL_STORAGE(2, 7, 0) evt_st;
};

static void test_embedded_pools(void **state)
{
	(void)state;
	struct host h;
	memset(&h, 0, sizeof(h));
	NET_BUF_POOL_STORAGE_INIT(&h.acl, h.acl_st, 5, NULL);
	NET_BUF_POOL_STORAGE_INIT(&h.evt, h.evt_st, 0, NULL);

	struct net_buf *acl[3], *evt[2];
	alloc_all(&h.acl, acl, 3);
	alloc_all(&h.evt, evt, 2);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(acl[i]->size, 27);
		assert_int_equal(acl[i]->user_data_size, 5);
		assert_int_equal((uintptr_t)acl[i] % _Alignof(struct net_buf), 0);
		assert_int_equal((uintptr_t)net_buf_user_data(acl[i]) % _Alignof(void *), 0);
		assert_true((uint8_t *)acl[i] >= &h.acl_st.bufs[0][0]);
		assert_true((uint8_t *)net_buf_user_data(acl[i]) + 5 <= &h.acl_st.bufs[2][0] + sizeof(h.acl_st.bufs[2]));
		assert_true(acl[i]->__buf >= &h.acl_st.data[0][0]);
		assert_true(acl[i]->__buf + 27 <= &h.acl_st.data[2][0] + 27);
		memset(net_buf_add(acl[i], 27), 0xa0 + i, 27);
		memset(net_buf_user_data(acl[i]), 0xb0 + i, 5);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(evt[i]->size, 7);
		assert_int_equal(evt[i]->user_data_size, 0);
		memset(net_buf_add(evt[i], 7), 0xe0 + i, 7);
		assert_int_equal(net_buf_id(evt[i]) >= 0 && net_buf_id(evt[i]) < 2, 1);
	}
	assert_int_not_equal(net_buf_id(evt[0]), net_buf_id(evt[1]));
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 27; j++) {
			assert_int_equal(acl[i]->data[j], 0xa0 + i);
		}
		for (int j = 0; j < 5; j++) {
			assert_int_equal(((uint8_t *)net_buf_user_data(acl[i]))[j], 0xb0 + i);
		}
		assert_int_equal(acl[i]->ref, 1);
	}
	for (int i = 0; i < 2; i++) {
		for (int j = 0; j < 7; j++) {
			assert_int_equal(evt[i]->data[j], 0xe0 + i);
		}
		assert_ptr_equal(evt[i]->pool, &h.evt);
	}
	unref_all(acl, 3);
	unref_all(evt, 2);
	assert_int_equal(stats(&h.acl).free, 3);
	assert_int_equal(stats(&h.evt).free, 2);

	/* The raw call with storage that cannot hold a buffer: an empty pool. */
	struct net_buf_pool bad;
	net_buf_pool_init(&bad, &h.acl_st.bufs[0][1], &h.acl_st.data[0][0], 2, 27, 5, NULL);
	assert_null(net_buf_alloc(&bad, K_NO_WAIT));
	assert_null(net_buf_alloc(&bad, K_MSEC(10)));
	struct net_buf_pool_stats s = stats(&bad);
	assert_int_equal(s.free, 0);
	assert_int_equal(s.violations, 1);
	assert_int_equal(s.alloc_failures, 2);
	net_buf_pool_init(&bad, h.acl_st.bufs, &h.acl_st.data[0][0], 0, 27, 5, NULL);
	assert_null(net_buf_alloc(&bad, K_NO_WAIT));

	/* The raw call with correct storage works like the macro. */
	struct net_buf_pool raw;
	net_buf_pool_init(&raw, h.acl_st.bufs, &h.acl_st.data[0][0], 3, 27, 5, NULL);
	struct net_buf *r = net_buf_alloc(&raw, K_NO_WAIT);
	assert_non_null(r);
	assert_ptr_equal((uint8_t *)r, &h.acl_st.bufs[0][0]);
	assert_int_equal(net_buf_id(r), 0);
	net_buf_unref(r);
}

/* ---- waiting for a buffer ---- */

static void assert_near(int64_t actual, int64_t expected)
{
	int64_t slack = (int64_t)ktest_slack_us();
	assert_true(actual >= expected - 1000); /* clock granularity on threads */
	assert_true(actual <= expected + slack);
}

static void test_exhausted_timeout(void **state)
{
	(void)state;
	struct net_buf *b[N];
	alloc_all(&c.pool, b, N);
	int64_t t0 = k_uptime_ticks();
	assert_null(net_buf_alloc(&c.pool, K_NO_WAIT));
	assert_true(k_uptime_ticks() - t0 < 1000 + (int64_t)ktest_slack_us());

	t0 = k_uptime_ticks();
	assert_null(net_buf_alloc(&c.pool, K_MSEC(50)));
	int64_t elapsed = k_uptime_ticks() - t0;
	assert_true(elapsed >= 50000 - 1000);
	assert_true(elapsed <= 50000 + (int64_t)ktest_slack_us());
	struct net_buf_pool_stats s = stats(&c.pool);
	assert_int_equal(s.alloc_failures, 3);
	assert_int_equal(s.free, 0);
	unref_all(b, N);
}

/* Count first: the unref is what releases the waiting allocator. */
static void free_from_work(struct k_work *w)
{
	(void)w;
	__atomic_fetch_add(&c.freed_by_callback, 1, __ATOMIC_SEQ_CST);
	net_buf_unref(c.to_free);
}

static void free_from_timer(struct k_timer *t)
{
	(void)t;
	__atomic_fetch_add(&c.freed_by_callback, 1, __ATOMIC_SEQ_CST);
	net_buf_unref(c.to_free);
}

static void test_wait_satisfied_by_delayable(void **state)
{
	(void)state;
	struct net_buf *b[N];
	alloc_all(&c.pool, b, N);
	c.to_free = b[2];
	k_work_init_delayable(&c.dw, free_from_work);
	int64_t t0 = k_uptime_ticks();
	assert_int_equal(k_work_schedule(&c.dw, K_MSEC(20)), 1);
	struct net_buf *got = net_buf_alloc(&c.pool, K_MSEC(500));
	int64_t elapsed = k_uptime_ticks() - t0;
	assert_non_null(got);
	assert_ptr_equal(got, b[2]);
	assert_near(elapsed, 20000);
	struct k_work_sync sync;
	k_work_flush_delayable(&c.dw, &sync);
	assert_int_equal(__atomic_load_n(&c.freed_by_callback, __ATOMIC_SEQ_CST), 1);
	b[2] = got;
	unref_all(b, N);
	struct net_buf_pool_stats s = stats(&c.pool);
	assert_int_equal(s.free, N);
	assert_int_equal(s.alloc_failures, 1); /* only the alloc_all probe */
}

static void test_wait_forever_satisfied_by_timer(void **state)
{
	(void)state;
	struct net_buf *b[N];
	alloc_all(&c.pool, b, N);
	c.to_free = b[0];
	k_timer_init(&c.timer, free_from_timer, NULL);
	int64_t t0 = k_uptime_ticks();
	k_timer_start(&c.timer, K_MSEC(30), K_NO_WAIT);
	struct net_buf *got = net_buf_alloc(&c.pool, K_FOREVER);
	int64_t elapsed = k_uptime_ticks() - t0;
	assert_ptr_equal(got, b[0]);
	assert_near(elapsed, 30000);
	k_timer_stop(&c.timer);
	assert_int_equal(__atomic_load_n(&c.freed_by_callback, __ATOMIC_SEQ_CST), 1);
	unref_all(b, N);
	assert_int_equal(stats(&c.pool).free, N);
}

static void alloc_in_handler(struct k_work *w)
{
	(void)w;
	c.handler_t0 = k_uptime_ticks();
	c.handler_result = net_buf_alloc(&c.pool, K_MSEC(100));
	c.handler_t1 = k_uptime_ticks();
	c.handler_ran = 1;
}

static void test_coop_alloc_in_handler_does_not_block(void **state)
{
	if (!ktest_is_coop()) {
		skip();
	}
	struct ktest_env *e = KTEST_ENV(state);
	struct net_buf *b[N];
	alloc_all(&c.pool, b, N);
	uint32_t refused = e->k.stats.deadlocks_refused;
	c.handler_result = (struct net_buf *)&c; /* anything but NULL */
	k_work_init(&c.work, alloc_in_handler);
	assert_int_equal(k_work_submit(&c.work), 1);
	ktest_run_ms(e, 5);
	assert_int_equal(c.handler_ran, 1);
	assert_null(c.handler_result);
	assert_true(c.handler_t1 == c.handler_t0); /* virtual time: not a tick spent */
	assert_int_equal(e->k.stats.deadlocks_refused, refused + 1);
	assert_int_equal(stats(&c.pool).alloc_failures, 2);
	unref_all(b, N);
}

/* A timer callback allocating and freeing while the test thread takes the
 * whole pool with timeouts: on threads the two race, and the test's waits
 * are woken by the callback's frees. */
static void stress_timer(struct k_timer *t)
{
	(void)t;
	struct net_buf *b = net_buf_alloc(&c.pool, K_NO_WAIT);
	if (b) {
		net_buf_add_u8(b, 1);
		net_buf_unref(b);
		__atomic_fetch_add(&c.stress_ok, 1, __ATOMIC_SEQ_CST);
	} else {
		__atomic_fetch_add(&c.stress_fail, 1, __ATOMIC_SEQ_CST);
	}
}

static void test_concurrent_alloc_free(void **state)
{
	(void)state;
	k_timer_init(&c.timer, stress_timer, NULL);
	k_timer_start(&c.timer, K_MSEC(1), K_MSEC(1));
	int64_t end = k_uptime_ticks() + 100000;
	uint32_t mine = 0;
	while (k_uptime_ticks() < end) {
		struct net_buf *b[N];
		int got = 0;
		for (int i = 0; i < N; i++) {
			b[i] = net_buf_alloc(&c.pool, K_MSEC(5));
			if (b[i]) {
				got++;
				net_buf_ref(b[i]);
				net_buf_unref(b[i]);
			}
		}
		for (int i = 0; i < N; i++) {
			if (b[i]) {
				net_buf_unref(b[i]);
			}
		}
		mine += (uint32_t)got;
		k_msleep(1);
	}
	k_timer_stop(&c.timer);
	ktest_run_ms(KTEST_ENV(state), 5);
	struct net_buf_pool_stats s = stats(&c.pool);
	assert_int_equal(s.free, N);
	assert_int_equal(s.bad_unref, 0);
	assert_int_equal(s.violations, 0);
	assert_true(mine > 0);
	uint32_t ok = __atomic_load_n(&c.stress_ok, __ATOMIC_SEQ_CST);
	assert_true(ok > 0);
	assert_int_equal(s.allocs, mine + ok);
}

/* ---- queueing ---- */

static void test_lists_and_fifo(void **state)
{
	(void)state;
	struct net_buf *a = buf_with(&c.pool, "a");
	struct net_buf *b = buf_with(&c.pool, "b");
	sys_slist_t list;
	sys_slist_init(&list);
	net_buf_slist_put(&list, a);
	net_buf_slist_put(&list, b);
	assert_ptr_equal(net_buf_slist_get(&list), a);
	assert_ptr_equal(net_buf_slist_get(&list), b);
	assert_null(net_buf_slist_get(&list));

	/* A chained buffer queues as one item. */
	net_buf_frag_add(a, b);
	struct k_fifo fifo;
	k_fifo_init(&fifo);
	net_buf_put(&fifo, a);
	struct net_buf *got = net_buf_get(&fifo, K_NO_WAIT);
	assert_ptr_equal(got, a);
	assert_ptr_equal(got->frags, b);
	assert_null(net_buf_get(&fifo, K_NO_WAIT));
	net_buf_unref(got);
	assert_int_equal(stats(&c.pool).free, N);
}

#define T(fn) cmocka_unit_test_setup(fn, per_test)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_static_pool_define),
		T(test_alloc_unref_returns_to_pool),
		T(test_alloc_len),
		T(test_low_water_and_failure_counters),
		T(test_reserve_headroom_tailroom),
		T(test_add_pull_round_trip),
		T(test_push_remove),
		T(test_simple_buf),
		T(test_user_data_size_and_alignment),
		T(test_ref_counting),
		T(test_destroy_callback),
		T(test_bad_unref_and_double_destroy),
		T(test_overflow_is_refused),
		T(test_fragments),
		T(test_clone),
		T(test_embedded_pools),
		T(test_exhausted_timeout),
		T(test_wait_satisfied_by_delayable),
		T(test_wait_forever_satisfied_by_timer),
		T(test_coop_alloc_in_handler_does_not_block),
		T(test_concurrent_alloc_free),
		T(test_lists_and_fifo),
	};
	return cmocka_run_group_tests(tests, setup, ktest_group_teardown);
}
