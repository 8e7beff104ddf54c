/* The software crypto (mbedTLS) under the SMP functions: the spec's sample
 * data, key agreement between two contexts, invalid and debug keys, and
 * the asynchronous contract (done in the host context, after submit, in
 * order; deinit cancels). Host on a scripted controller; both backends. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>

#include "fake_ctrl.h"
#include "ktest.h"
#include "smp_crypto.h"
#include "smp_vectors.h"
#include "zble/host.h"

struct env {
	struct ktest_env k;
	struct fake_ctrl ctrl;
	struct zble_host host;
	struct zble_crypto crypto, other;
};

static struct env *g;

static int setup(void **state)
{
	g = calloc(1, sizeof(*g));
	ktest_setup(&g->k);
	fake_ctrl_init(&g->ctrl);
	assert_int_equal(zble_host_init(&g->host, &g->k.k, &g->ctrl.drv), 0);
	assert_int_equal(bt_enable(NULL), 0);
	assert_int_equal(zble_crypto_init(&g->crypto, &g->host, &zble_crypto_sw_ops), 0);
	assert_int_equal(zble_crypto_init(&g->other, &g->host, &zble_crypto_sw_ops), 0);
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	zble_crypto_deinit(&g->other);
	zble_crypto_deinit(&g->crypto);
	zble_host_deinit(&g->host);
	ktest_teardown(&g->k);
	free(g);
	return 0;
}

static void test_default_ops(void **state)
{
	(void)state;
	struct zble_crypto c;
	assert_int_equal(zble_crypto_init(&c, &g->host, NULL), 0);
#if CONFIG_BT_HOST_CRYPTO
	assert_ptr_equal(c.ops, &zble_crypto_sw_ops);
#else
	assert_ptr_equal(c.ops, &zble_crypto_offload_ops);
#endif
	zble_crypto_deinit(&c);
	assert_int_equal(zble_crypto_init(NULL, &g->host, NULL), -EINVAL);
	assert_int_equal(zble_crypto_init(&c, NULL, NULL), -EINVAL);
}

static void test_aes(void **state)
{
	(void)state;
	vec_aes_fips197(&g->crypto);
}

static void test_cmac(void **state)
{
	(void)state;
	vec_cmac_rfc4493(&g->crypto);
}

static void test_c1_s1(void **state)
{
	(void)state;
	vec_c1_s1(&g->crypto);
}

static void test_ah(void **state)
{
	(void)state;
	vec_ah(&g->crypto);
}

static void test_f4_f5_f6(void **state)
{
	(void)state;
	vec_f4_f5_f6(&g->crypto);
}

static void test_g2_h6_h7(void **state)
{
	(void)state;
	vec_g2_h6_h7(&g->crypto);
}

static void test_dhkey_debug(void **state)
{
	(void)state;
	vec_dhkey_debug(&g->crypto);
}

static void test_dhkey_without_key(void **state)
{
	(void)state;
	struct zble_crypto_op op = { .type = ZBLE_CRYPTO_DHKEY };
	le_hex(op.in.remote, S1_PUB_BX, 32);
	le_hex(op.in.remote + 32, S1_PUB_BY, 32);
	assert_int_equal(vec_crypto_run(&g->crypto, &op), -EAGAIN);
}

static void test_keygen_agree(void **state)
{
	(void)state;
	vec_keygen_agree(&g->crypto, &g->other);
}

static void test_invalid_keys(void **state)
{
	(void)state;
	vec_invalid_keys(&g->crypto);
}

/* ---- the asynchronous contract ---- */

struct order {
	struct k_sem sem;
	int seq[4];
	int n;
	bool in_host;
};

static void order_done(struct zble_crypto_op *op, int err)
{
	struct order *o = op->user_data;
	/* In the host context: the host's lock is held (a recursive take
	 * by the same thread succeeds at once). */
	o->in_host = o->in_host && k_mutex_lock(&g->host.lock, K_NO_WAIT) == 0;
	if (o->in_host) {
		k_mutex_unlock(&g->host.lock);
	}
	o->seq[o->n++] = err ? -op->type - 1 : op->type;
	k_sem_give(&o->sem);
}

static void test_async_order(void **state)
{
	(void)state;
	struct order o = { .in_host = true };
	k_sem_init(&o.sem, 0, 4);
	struct zble_crypto_op ops[3] = { { .type = ZBLE_CRYPTO_RAND, .len = 8 },
					 { .type = ZBLE_CRYPTO_AES },
					 { .type = ZBLE_CRYPTO_RAND, .len = 1 } };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(zble_crypto_submit(&g->crypto, &ops[i], order_done, &o), 0);
	}
	if (ktest_is_coop()) {
		assert_int_equal(o.n, 0); /* nothing ran inside submit */
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(k_sem_take(&o.sem, K_SECONDS(10)), 0);
	}
	assert_int_equal(o.n, 3);
	assert_int_equal(o.seq[0], ZBLE_CRYPTO_RAND);
	assert_int_equal(o.seq[1], ZBLE_CRYPTO_AES);
	assert_int_equal(o.seq[2], ZBLE_CRYPTO_RAND);
	assert_true(o.in_host);
}

static void test_deinit_cancels(void **state)
{
	(void)state;
	struct zble_crypto c;
	struct order o = { .in_host = true };
	k_sem_init(&o.sem, 0, 4);
	assert_int_equal(zble_crypto_init(&c, &g->host, &zble_crypto_sw_ops), 0);
	struct zble_crypto_op ops[2] = { { .type = ZBLE_CRYPTO_AES }, { .type = ZBLE_CRYPTO_PUBKEY } };
	k_mutex_lock(&g->host.lock, K_FOREVER); /* nothing starts meanwhile */
	assert_int_equal(zble_crypto_submit(&c, &ops[0], order_done, &o), 0);
	assert_int_equal(zble_crypto_submit(&c, &ops[1], order_done, &o), 0);
	zble_crypto_deinit(&c);
	k_mutex_unlock(&g->host.lock);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.seq[0], -ZBLE_CRYPTO_AES - 1);
	assert_int_equal(o.seq[1], -ZBLE_CRYPTO_PUBKEY - 1);
	assert_int_equal(zble_crypto_submit(&c, &ops[0], order_done, &o), -EINVAL);
	assert_null(g->host.crypto); /* c was bound last: the host routes no events to it now */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_c1_s1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ah, setup, teardown),
		cmocka_unit_test_setup_teardown(test_f4_f5_f6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_g2_h6_h7, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhkey_debug, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhkey_without_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keygen_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deinit_cancels, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
