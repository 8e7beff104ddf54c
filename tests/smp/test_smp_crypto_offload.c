/* The controller offload (LE Encrypt, LE Rand, LE Read Local P-256 Public
 * Key, LE Generate DHKey v1/v2) under the SMP functions, against zble-sim's
 * controllers in virtual time: the spec's sample data, key generation and
 * DHKey agreement between two zble hosts, invalid and debug keys, a
 * controller that never sends the P-256 event, and events nobody asked for. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>

#include "sim_test_util.h"
#include "smp_crypto.h"
#include "smp_vectors.h"

struct env {
	struct zble_sim sim;
	struct zble_sim_device *a, *b;
	struct zble_crypto ca, cb;
};

static struct env *g;

static int setup(void **state)
{
	g = calloc(1, sizeof(*g));
	zble_sim_init(&g->sim, 11);
	zble_sim_set_stop_time(&g->sim, 600ull * 1000000);
	g->a = zble_sim_add_device(&g->sim, NULL);
	g->b = zble_sim_add_device(&g->sim, NULL);
	assert_int_equal(zble_sim_device_add_host(g->a), 0);
	assert_int_equal(zble_sim_device_add_host(g->b), 0);
	zble_sim_device_select(g->b);
	assert_int_equal(bt_enable(NULL), 0);
	assert_int_equal(zble_crypto_init(&g->cb, &g->b->host, &zble_crypto_offload_ops), 0);
	zble_sim_device_select(g->a);
	assert_int_equal(bt_enable(NULL), 0);
	assert_int_equal(zble_crypto_init(&g->ca, &g->a->host, &zble_crypto_offload_ops), 0);
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	zble_crypto_deinit(&g->ca);
	zble_crypto_deinit(&g->cb);
	zble_sim_deinit(&g->sim);
	free(g);
	return 0;
}

static void test_aes(void **state)
{
	(void)state;
	uint32_t before = g->a->host.stats.tx_cmds;
	vec_aes_fips197(&g->ca);
	assert_true(g->a->host.stats.tx_cmds > before); /* it went to the controller */
}

static void test_cmac(void **state)
{
	(void)state;
	vec_cmac_rfc4493(&g->ca);
}

static void test_c1_s1(void **state)
{
	(void)state;
	vec_c1_s1(&g->ca);
}

static void test_ah(void **state)
{
	(void)state;
	vec_ah(&g->ca);
}

static void test_f4_f5_f6(void **state)
{
	(void)state;
	vec_f4_f5_f6(&g->ca);
}

static void test_g2_h6_h7(void **state)
{
	(void)state;
	vec_g2_h6_h7(&g->ca);
}

static void test_dhkey_debug(void **state)
{
	(void)state;
	vec_dhkey_debug(&g->ca); /* LE Generate DHKey v2, Key_Type 1 */
}

static void test_dhkey_without_key(void **state)
{
	(void)state;
	struct zble_crypto_op op = { .type = ZBLE_CRYPTO_DHKEY };
	le_hex(op.in.remote, S1_PUB_BX, 32);
	le_hex(op.in.remote + 32, S1_PUB_BY, 32);
	assert_int_equal(vec_crypto_run(&g->ca, &op), -EAGAIN);
}

static void test_keygen_agree_two_hosts(void **state)
{
	(void)state;
	vec_keygen_agree(&g->ca, &g->cb);
}

static void test_invalid_keys(void **state)
{
	(void)state;
	vec_invalid_keys(&g->ca);
	/* With a generated key pair (v1), the controller refuses too. */
	struct zble_crypto_op pk = { .type = ZBLE_CRYPTO_PUBKEY }, dh = { .type = ZBLE_CRYPTO_DHKEY };
	assert_int_equal(vec_crypto_run(&g->ca, &pk), 0);
	le_hex(dh.in.remote, S1_PUB_BX, 32);
	memset(dh.in.remote + 32, 0, 32);
	assert_int_equal(vec_crypto_run(&g->ca, &dh), -EINVAL);
}

/* The controller accepts LE Read Local P-256 Public Key but its event is
 * lost: the operation fails after ZBLE_CRYPTO_EVT_TIMEOUT_MS (virtual),
 * and the queue goes on. */
static void test_lost_event(void **state)
{
	(void)state;
	zble_sim_fault_drop_next_event(g->a, 0x3e, BT_HCI_EVT_LE_P256_PUBLIC_KEY_COMPLETE, 1);
	struct zble_crypto_op pk = { .type = ZBLE_CRYPTO_PUBKEY };
	uint64_t t0 = zble_sim_now_us(&g->sim);
	assert_int_equal(vec_crypto_run(&g->ca, &pk), -ETIMEDOUT);
	assert_true(zble_sim_now_us(&g->sim) - t0 >= ZBLE_CRYPTO_EVT_TIMEOUT_MS * 1000ull);
	vec_aes_fips197(&g->ca);
	assert_int_equal(vec_crypto_run(&g->ca, &pk), 0);
}

/* A P-256 event nobody asked for (another program on the controller, or
 * a late one) changes nothing. */
static void test_unasked_event(void **state)
{
	(void)state;
	uint32_t before = g->a->host.stats.unknown_events;
	uint8_t ev[1 + 1 + 64] = { BT_HCI_EVT_LE_P256_PUBLIC_KEY_COMPLETE, 0 };
	k_mutex_lock(&g->a->host.lock, K_FOREVER);
	zble_crypto_le_meta(&g->a->host, BT_HCI_EVT_LE_P256_PUBLIC_KEY_COMPLETE, ev + 1, sizeof(ev) - 1);
	k_mutex_unlock(&g->a->host.lock);
	assert_int_equal(g->a->host.stats.unknown_events, before + 1);
	assert_false(g->ca.have_key);
	vec_aes_fips197(&g->ca);
}

#ifdef ZBLE_TEST_HAVE_MBEDTLS
/* The two implementations agree with each other: host A computes in
 * software, host B's controller in hardware (simulated). */
static void test_software_and_controller_agree(void **state)
{
	(void)state;
	struct zble_crypto sw;
	zble_sim_device_select(g->a);
	zble_crypto_deinit(&g->ca);
	assert_int_equal(zble_crypto_init(&sw, &g->a->host, &zble_crypto_sw_ops), 0);
	vec_keygen_agree(&sw, &g->cb);
	vec_dhkey_debug(&sw);
	zble_crypto_deinit(&sw);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_aes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_c1_s1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ah, setup, teardown),
		cmocka_unit_test_setup_teardown(test_f4_f5_f6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_g2_h6_h7, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhkey_debug, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhkey_without_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keygen_agree_two_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unasked_event, setup, teardown),
#ifdef ZBLE_TEST_HAVE_MBEDTLS
		cmocka_unit_test_setup_teardown(test_software_and_controller_agree, setup, teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
