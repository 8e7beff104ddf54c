/* Atomic integers and bit sets (Zephyr's sys/atomic.h). Backed by the
 * compiler's __atomic builtins, which Cortex-M3/M4 implement with LDREX/STREX
 * and which are plain loads/stores on single-core M0 builds with -mcpu=cortex-m0
 * (libatomic is then needed for read-modify-write; see docs/porting.md). */
#ifndef ZEPHYR_SYS_ATOMIC_H
#define ZEPHYR_SYS_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

typedef long atomic_t;
typedef atomic_t atomic_val_t;
typedef void *atomic_ptr_t;
typedef atomic_ptr_t atomic_ptr_val_t;

#define ATOMIC_INIT(v) (v)
#define ATOMIC_BITS (sizeof(atomic_val_t) * 8)
#define ATOMIC_BITMAP_SIZE(n) (((n) + ATOMIC_BITS - 1) / ATOMIC_BITS)
#define ATOMIC_DEFINE(name, n) atomic_t name[ATOMIC_BITMAP_SIZE(n)]
#define ATOMIC_MASK(bit) (1UL << ((unsigned long)(bit) & (ATOMIC_BITS - 1)))
#define ATOMIC_ELEM(addr, bit) ((addr) + ((bit) / ATOMIC_BITS))

static inline atomic_val_t atomic_get(const atomic_t *t) { return __atomic_load_n(t, __ATOMIC_SEQ_CST); }
static inline atomic_val_t atomic_set(atomic_t *t, atomic_val_t v) { return __atomic_exchange_n(t, v, __ATOMIC_SEQ_CST); }
static inline atomic_val_t atomic_clear(atomic_t *t) { return atomic_set(t, 0); }
static inline atomic_val_t atomic_add(atomic_t *t, atomic_val_t v) { return __atomic_fetch_add(t, v, __ATOMIC_SEQ_CST); }
static inline atomic_val_t atomic_sub(atomic_t *t, atomic_val_t v) { return __atomic_fetch_sub(t, v, __ATOMIC_SEQ_CST); }
static inline atomic_val_t atomic_inc(atomic_t *t) { return atomic_add(t, 1); }
static inline atomic_val_t atomic_dec(atomic_t *t) { return atomic_sub(t, 1); }
static inline atomic_val_t atomic_or(atomic_t *t, atomic_val_t v) { return __atomic_fetch_or(t, v, __ATOMIC_SEQ_CST); }
static inline atomic_val_t atomic_and(atomic_t *t, atomic_val_t v) { return __atomic_fetch_and(t, v, __ATOMIC_SEQ_CST); }
static inline atomic_val_t atomic_xor(atomic_t *t, atomic_val_t v) { return __atomic_fetch_xor(t, v, __ATOMIC_SEQ_CST); }
static inline atomic_val_t atomic_nand(atomic_t *t, atomic_val_t v) { return __atomic_fetch_nand(t, v, __ATOMIC_SEQ_CST); }

static inline bool atomic_cas(atomic_t *t, atomic_val_t old, atomic_val_t nv)
{
	return __atomic_compare_exchange_n(t, &old, nv, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static inline void *atomic_ptr_get(const atomic_ptr_t *t) { return __atomic_load_n(t, __ATOMIC_SEQ_CST); }
static inline void *atomic_ptr_set(atomic_ptr_t *t, void *v) { return __atomic_exchange_n(t, v, __ATOMIC_SEQ_CST); }
static inline void *atomic_ptr_clear(atomic_ptr_t *t) { return atomic_ptr_set(t, (void *)0); }
static inline bool atomic_ptr_cas(atomic_ptr_t *t, void *old, void *nv)
{
	return __atomic_compare_exchange_n(t, &old, nv, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static inline bool atomic_test_bit(const atomic_t *t, int bit)
{
	return (atomic_get(ATOMIC_ELEM(t, bit)) & (atomic_val_t)ATOMIC_MASK(bit)) != 0;
}

static inline bool atomic_test_and_set_bit(atomic_t *t, int bit)
{
	atomic_val_t m = (atomic_val_t)ATOMIC_MASK(bit);
	return (atomic_or(ATOMIC_ELEM(t, bit), m) & m) != 0;
}

static inline bool atomic_test_and_clear_bit(atomic_t *t, int bit)
{
	atomic_val_t m = (atomic_val_t)ATOMIC_MASK(bit);
	return (atomic_and(ATOMIC_ELEM(t, bit), ~m) & m) != 0;
}

static inline void atomic_set_bit(atomic_t *t, int bit) { (void)atomic_or(ATOMIC_ELEM(t, bit), (atomic_val_t)ATOMIC_MASK(bit)); }
static inline void atomic_clear_bit(atomic_t *t, int bit) { (void)atomic_and(ATOMIC_ELEM(t, bit), ~(atomic_val_t)ATOMIC_MASK(bit)); }
static inline void atomic_set_bit_to(atomic_t *t, int bit, bool val)
{
	if (val) {
		atomic_set_bit(t, bit);
	} else {
		atomic_clear_bit(t, bit);
	}
}

#endif
