/* Atomics and bit sets, byte order helpers and slists: the small pieces the
 * host builds on. Built for both backends (threads: a real race). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <zephyr/sys/atomic.h>
#include <zephyr/sys/byteorder.h>
#include <zephyr/sys/slist.h>

#include "ktest.h"

static void test_atomic_values(void **state)
{
	(void)state;
	atomic_t v = ATOMIC_INIT(5);
	assert_int_equal(atomic_get(&v), 5);
	assert_int_equal(atomic_inc(&v), 5);
	assert_int_equal(atomic_dec(&v), 6);
	assert_int_equal(atomic_add(&v, 10), 5);
	assert_int_equal(atomic_sub(&v, 3), 15);
	assert_int_equal(atomic_set(&v, 0x0f), 12);
	assert_int_equal(atomic_or(&v, 0xf0), 0x0f);
	assert_int_equal(atomic_and(&v, 0x3c), 0xff);
	assert_int_equal(atomic_xor(&v, 0xff), 0x3c);
	assert_int_equal(atomic_get(&v), 0xc3);
	assert_false(atomic_cas(&v, 1, 2));
	assert_true(atomic_cas(&v, 0xc3, 7));
	assert_int_equal(atomic_clear(&v), 7);
	assert_int_equal(atomic_get(&v), 0);
	int x = 1, y = 2;
	atomic_ptr_t p = &x;
	assert_ptr_equal(atomic_ptr_get(&p), &x);
	assert_false(atomic_ptr_cas(&p, &y, &y));
	assert_true(atomic_ptr_cas(&p, &x, &y));
	assert_ptr_equal(atomic_ptr_clear(&p), &y);
	assert_null(atomic_ptr_get(&p));
}

static void test_atomic_bits_across_words(void **state)
{
	(void)state;
	ATOMIC_DEFINE(flags, 100);
	assert_int_equal(sizeof(flags) / sizeof(flags[0]), ATOMIC_BITMAP_SIZE(100));
	for (size_t i = 0; i < ATOMIC_BITMAP_SIZE(100); i++) {
		flags[i] = 0;
	}
	atomic_set_bit(flags, 3);
	atomic_set_bit(flags, 70);
	assert_true(atomic_test_bit(flags, 3));
	assert_true(atomic_test_bit(flags, 70));
	assert_false(atomic_test_bit(flags, 6));
	assert_false(atomic_test_and_set_bit(flags, 99));
	assert_true(atomic_test_and_set_bit(flags, 99));
	assert_true(atomic_test_and_clear_bit(flags, 70));
	assert_false(atomic_test_and_clear_bit(flags, 70));
	atomic_set_bit_to(flags, 64, true);
	assert_true(atomic_test_bit(flags, 64));
	atomic_set_bit_to(flags, 64, false);
	assert_false(atomic_test_bit(flags, 64));
	atomic_clear_bit(flags, 3);
	assert_false(atomic_test_bit(flags, 3));
	assert_true(atomic_test_bit(flags, 99));
}

#if defined(ZBLE_KERNEL_THREADS)
static atomic_t counter;
static ATOMIC_DEFINE(bits, 64);

static void *hammer(void *arg)
{
	int base = *(int *)arg;
	for (int i = 0; i < 100000; i++) {
		atomic_inc(&counter);
	}
	for (int b = base; b < 64; b += 2) {
		atomic_set_bit(bits, b);
	}
	return NULL;
}

/* Two threads: no increment and no bit is lost. */
static void test_atomic_race(void **state)
{
	(void)state;
	pthread_t t[2];
	int base[2] = { 0, 1 };
	for (int i = 0; i < 2; i++) {
		pthread_create(&t[i], NULL, hammer, &base[i]);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
	}
	assert_int_equal(atomic_get(&counter), 200000);
	for (int b = 0; b < 64; b++) {
		assert_true(atomic_test_bit(bits, b));
	}
}
#endif

static void test_byteorder(void **state)
{
	(void)state;
	uint8_t b[8];
	sys_put_le16(0x1234, b);
	assert_int_equal(b[0], 0x34);
	assert_int_equal(sys_get_le16(b), 0x1234);
	sys_put_be16(0x1234, b);
	assert_int_equal(b[0], 0x12);
	assert_int_equal(sys_get_be16(b), 0x1234);
	sys_put_le24(0xabcdef, b);
	assert_int_equal(sys_get_le24(b), 0xabcdef);
	sys_put_le32(0xdeadbeef, b);
	assert_int_equal(sys_get_le32(b), 0xdeadbeef);
	sys_put_be32(0xdeadbeef, b);
	assert_int_equal(b[0], 0xde);
	assert_int_equal(sys_get_be32(b), 0xdeadbeef);
	sys_put_le64(0x0102030405060708ull, b);
	assert_int_equal(b[0], 0x08);
	assert_true(sys_get_le64(b) == 0x0102030405060708ull);
	uint8_t s[6] = { 1, 2, 3, 4, 5, 6 }, d[6];
	sys_memcpy_swap(d, s, 6);
	assert_int_equal(d[0], 6);
	assert_int_equal(d[5], 1);
	sys_mem_swap(d, 6);
	assert_memory_equal(d, s, 6);
}

struct item {
	sys_snode_t node;
	int v;
};

static void test_slist(void **state)
{
	(void)state;
	sys_slist_t l;
	struct item it[4] = { { .v = 0 }, { .v = 1 }, { .v = 2 }, { .v = 3 } };
	sys_slist_init(&l);
	assert_true(sys_slist_is_empty(&l));
	sys_slist_append(&l, &it[1].node);
	sys_slist_append(&l, &it[2].node);
	sys_slist_prepend(&l, &it[0].node);
	sys_slist_append(&l, &it[3].node);
	assert_int_equal(sys_slist_len(&l), 4);
	assert_ptr_equal(sys_slist_peek_tail(&l), &it[3].node);
	/* Remove the tail and a middle node; the tail pointer follows. */
	assert_true(sys_slist_find_and_remove(&l, &it[3].node));
	assert_ptr_equal(sys_slist_peek_tail(&l), &it[2].node);
	assert_true(sys_slist_find_and_remove(&l, &it[1].node));
	assert_false(sys_slist_find_and_remove(&l, &it[1].node));
	int order[2], n = 0;
	SYS_SLIST_FOR_EACH_NODE(&l, node) {
		order[n++] = CONTAINER_OF(node, struct item, node)->v;
	}
	assert_int_equal(n, 2);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 2);
	assert_ptr_equal(sys_slist_get(&l), &it[0].node);
	assert_ptr_equal(sys_slist_get(&l), &it[2].node);
	assert_null(sys_slist_get(&l));
	assert_null(sys_slist_peek_tail(&l));
	/* Appending after emptying works (tail was reset). */
	sys_slist_append(&l, &it[3].node);
	assert_ptr_equal(sys_slist_peek_head(&l), &it[3].node);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_values),
		cmocka_unit_test(test_atomic_bits_across_words),
#if defined(ZBLE_KERNEL_THREADS)
		cmocka_unit_test(test_atomic_race),
#endif
		cmocka_unit_test(test_byteorder),
		cmocka_unit_test(test_slist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
