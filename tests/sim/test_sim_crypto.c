/* The simulated controller's crypto against published vectors: AES-128
 * (FIPS-197 C.1), e() (Core Vol 6 Part C 1), ah() (Vol 3 Part H 2.2.2),
 * P-256 (the SMP sample data of Vol 3 Part H Appendix D.1 incl. the debug
 * key pair, NIST CAVP ECC CDH), public key validation; then the same
 * through HCI: LE Encrypt, LE Read Local P-256 Public Key, LE Generate
 * DHKey v1/v2 between two controllers. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "aes128.h"
#include "p256.h"
#include "sim_test_util.h"

/* A number written most significant digit first, stored least significant
 * octet first (HCI order). */
static void le_hex(uint8_t *out, const char *hex, size_t n)
{
	assert_int_equal(strlen(hex), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * (n - 1 - i), "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Octets in the order written (FIPS-197). */
static void be_hex(uint8_t *out, const char *hex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Core Vol 3 Part H D.1, data set 1 (A is the SMP debug key pair) */
#define S1_PRIV_A "3f49f6d4a3c55f3874c9b3e3d2103f504aff607beb40b7995899b8a6cd3c1abd"
#define S1_PRIV_B "55188b3d32f6bb9a900afcfbeed4e72a59cb9ac2f19d7cfb6b4fdd49f47fc5fd"
#define S1_PUB_AX "20b003d2f297be2c5e2c83a7e9f9a5b9eff49111acf4fddbcc0301480e359de6"
#define S1_PUB_AY "dc809c49652aeb6d63329abf5a52155c766345c28fed3024741c8ed01589d28b"
#define S1_PUB_BX "1ea1f0f01faf1d9609592284f19e4c0047b58afd8615a69f559077b22faaa190"
#define S1_PUB_BY "4c55f33e429dad377356703a9ab85160472d1130e28e36765f89aff915b1214a"
#define S1_DHKEY "ec0234a357c8ad05341010a60a397d9b99796b13b4f866f1868d34f373bfa698"
/* data set 2 */
#define S2_PRIV_A "06a516693c9aa31a6084545d0c5db641b48572b97203ddffb7ac73f7d0457663"
#define S2_PRIV_B "529aa0670d72cd6497502ed473502b037e8803b5c60829a5a3caa219505530ba"
#define S2_PUB_AX "2c31a47b5779809ef44cb5eaaf5c3e43d5f8faad4a8794cb987e9b03745c78dd"
#define S2_DHKEY "ab85843a2f6d883f62e5684b38e307335fe6e1945ecd19604105c6f23221eb69"

static void test_aes_fips197(void **state)
{
	(void)state;
	uint8_t key[16], pt[16], ct[16], want[16];
	be_hex(key, "000102030405060708090a0b0c0d0e0f", 16);
	be_hex(pt, "00112233445566778899aabbccddeeff", 16);
	be_hex(want, "69c4e0d86a7b0430d8cdb78070b4c55a", 16);
	sim_aes128(key, pt, ct);
	assert_memory_equal(ct, want, 16);
}

static void test_e_sample(void **state)
{
	(void)state;
	/* Vol 6 Part C 1: SK = e(LTK, SKD), SKD = SKDs || SKDm */
	uint8_t ltk[16], skd[16], sk[16], want[16];
	le_hex(ltk, "4c68384139f574d836bcf34e9dfb01bf", 16);
	le_hex(skd, "0213243546576879acbdcedfe0f10213", 16);
	le_hex(want, "99ad1b5226a37e3e058e3b8e27c2c666", 16);
	sim_le_e(ltk, skd, sk);
	assert_memory_equal(sk, want, 16);
}

static void test_ah_sample(void **state)
{
	(void)state;
	uint8_t irk[16], prand[3], hash[3], want[3];
	le_hex(irk, "ec0234a357c8ad05341010a60a397d9b", 16);
	le_hex(prand, "708194", 3);
	le_hex(want, "0dfbaa", 3);
	sim_ah(irk, prand, hash);
	assert_memory_equal(hash, want, 3);
}

static void test_p256_debug_key_and_dhkey(void **state)
{
	(void)state;
	uint8_t pa[32], pb[32], pub_a[64], pub_b[64], want[64], dh[32], want_dh[32];
	le_hex(pa, S1_PRIV_A, 32);
	le_hex(pb, S1_PRIV_B, 32);
	assert_true(sim_p256_pubkey(pa, pub_a));
	le_hex(want, S1_PUB_AX, 32);
	le_hex(want + 32, S1_PUB_AY, 32);
	assert_memory_equal(pub_a, want, 64);
	assert_true(sim_p256_pubkey(pb, pub_b));
	le_hex(want, S1_PUB_BX, 32);
	le_hex(want + 32, S1_PUB_BY, 32);
	assert_memory_equal(pub_b, want, 64);
	le_hex(want_dh, S1_DHKEY, 32);
	assert_true(sim_p256_dhkey(pa, pub_b, dh));
	assert_memory_equal(dh, want_dh, 32);
	assert_true(sim_p256_dhkey(pb, pub_a, dh));
	assert_memory_equal(dh, want_dh, 32);
}

static void test_p256_set2(void **state)
{
	(void)state;
	uint8_t pa[32], pb[32], pub_a[64], pub_b[64], want[32], dh[32];
	le_hex(pa, S2_PRIV_A, 32);
	le_hex(pb, S2_PRIV_B, 32);
	assert_true(sim_p256_pubkey(pa, pub_a));
	assert_true(sim_p256_pubkey(pb, pub_b));
	le_hex(want, S2_PUB_AX, 32);
	assert_memory_equal(pub_a, want, 32);
	le_hex(want, S2_DHKEY, 32);
	assert_true(sim_p256_dhkey(pa, pub_b, dh));
	assert_memory_equal(dh, want, 32);
	assert_true(sim_p256_dhkey(pb, pub_a, dh));
	assert_memory_equal(dh, want, 32);
}

static void test_p256_nist_cavp(void **state)
{
	(void)state;
	/* CAVS 14.1 ECC CDH primitive, P-256, COUNT = 0 */
	uint8_t d[32], peer[64], q[64], want[64], z[32], want_z[32];
	le_hex(d, "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534", 32);
	le_hex(peer, "700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287", 32);
	le_hex(peer + 32, "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac", 32);
	le_hex(want, "ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230", 32);
	le_hex(want + 32, "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141", 32);
	le_hex(want_z, "46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b", 32);
	assert_true(sim_p256_pubkey(d, q));
	assert_memory_equal(q, want, 64);
	assert_true(sim_p256_dhkey(d, peer, z));
	assert_memory_equal(z, want_z, 32);
}

static void test_p256_invalid(void **state)
{
	(void)state;
	uint8_t pa[32], pub[64], bad[64], dh[32];
	le_hex(pa, S1_PRIV_A, 32);
	le_hex(pub, S1_PUB_BX, 32);
	le_hex(pub + 32, S1_PUB_BY, 32);
	assert_true(sim_p256_pub_valid(pub));
	/* off the curve: one bit of y */
	memcpy(bad, pub, 64);
	bad[32] ^= 1;
	assert_false(sim_p256_pub_valid(bad));
	memset(dh, 0x5a, 32);
	assert_false(sim_p256_dhkey(pa, bad, dh));
	/* the point at infinity as HCI would carry it, and x = p */
	memset(bad, 0, 64);
	assert_false(sim_p256_pub_valid(bad));
	memcpy(bad, pub, 64);
	le_hex(bad, "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 32);
	assert_false(sim_p256_pub_valid(bad));
	/* y and p - y are both on the curve: the negated point is valid */
	uint8_t py[32], ny[32];
	le_hex(py, "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 32);
	int borrow = 0;
	for (int i = 0; i < 32; i++) {
		int v = py[i] - pub[32 + i] - borrow;
		borrow = v < 0;
		ny[i] = (uint8_t)v;
	}
	memcpy(bad, pub, 32);
	memcpy(bad + 32, ny, 32);
	assert_true(sim_p256_pub_valid(bad));
	/* private keys: 0 and n are out of range, n - 1 is in */
	uint8_t k[32] = { 0 };
	assert_false(sim_p256_priv_valid(k));
	le_hex(k, "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 32);
	assert_false(sim_p256_priv_valid(k));
	assert_false(sim_p256_pubkey(k, bad));
	k[0]--;
	assert_true(sim_p256_priv_valid(k));
}

static void test_p256_speed(void **state)
{
	(void)state;
	uint8_t pa[32], pub[64], dh[32];
	le_hex(pa, S1_PRIV_A, 32);
	le_hex(pub, S1_PUB_BX, 32);
	le_hex(pub + 32, S1_PUB_BY, 32);
	double t0 = cpu_seconds();
	for (int i = 0; i < 20; i++) {
		assert_true(sim_p256_dhkey(pa, pub, dh));
	}
	double ms = (cpu_seconds() - t0) * 1000.0 / 20;
	printf("P-256 DHKey: %.2f ms CPU\n", ms);
	/* A few ms on a PC, even unoptimised and sanitized; CPU time, so a
	 * loaded machine does not count. */
	assert_true(ms < 50.0);
}

/* ---- through HCI ---- */

#define LE_MASK (0x1full | (1ull << 7) | (1ull << 8))

struct env {
	struct zble_sim *sim;
	struct raw_host a, b;
};

static void setup_env(struct env *e)
{
	e->sim = calloc(1, sizeof(*e->sim));
	assert_non_null(e->sim);
	zble_sim_init(e->sim, 5);
	raw_init(&e->a, zble_sim_add_device(e->sim, NULL));
	raw_init(&e->b, zble_sim_add_device(e->sim, NULL));
	raw_setup(&e->a, LE_MASK);
	raw_setup(&e->b, LE_MASK);
}

static void free_env(struct env *e)
{
	raw_free(&e->a);
	raw_free(&e->b);
	zble_sim_deinit(e->sim);
	free(e->sim);
}

/* The last LE meta event sub of h since from: its parameters after the
 * subevent code. */
static const uint8_t *le_evt(struct raw_host *h, uint8_t sub, unsigned from)
{
	int i = raw_find_le(h, sub, from), last = -1;
	while (i >= 0) {
		last = i;
		i = raw_find_le(h, sub, (unsigned)i + 1);
	}
	assert_true(last >= 0);
	return h->log[last].data + 4;
}

static void test_hci_le_encrypt(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	/* Vol 6 Part C 1, HCI_LE_Encrypt as the spec prints it (LSO first) */
	uint8_t cmd[32], want[16], rp[16];
	be_hex(cmd, "bf01fb9d4ef3bc36d874f5394138684c1302f1e0dfcebdac7968574635241302", 32);
	be_hex(want, "66c6c2278e3b8e053e7ea326521bad99", 16);
	assert_int_equal(raw_cmd(&e.a, 0x2017, cmd, 32, rp, 16), 0);
	assert_memory_equal(rp, want, 16);
	assert_int_equal(raw_cmd(&e.a, 0x2017, cmd, 31, NULL, 0), 0x12);
	/* Supported commands and features say so. */
	uint8_t cmds[64];
	assert_int_equal(raw_cmd(&e.a, 0x1002, NULL, 0, cmds, 64), 0);
	assert_true(cmds[27] & (1u << 6)); /* LE Encrypt */
	assert_true(cmds[28] & 0x07);      /* LE Enable Encryption, LTK replies */
	assert_int_equal(cmds[34] & 0xfe, 0xfe); /* P-256, DHKey v1, resolving list */
	assert_int_equal(cmds[35] & 0x07, 0x07);
	assert_true(cmds[41] & (1u << 2)); /* LE Generate DHKey v2 */
	uint8_t feat[8];
	assert_int_equal(raw_cmd(&e.a, 0x2003, NULL, 0, feat, 8), 0);
	assert_int_equal(feat[0] & 0x41, 0x41); /* LE Encryption, LL Privacy */
	free_env(&e);
}

static void test_hci_dhkey(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	/* Without a key pair yet: Command Disallowed. */
	uint8_t remote[65];
	le_hex(remote, S1_PUB_BX, 32);
	le_hex(remote + 32, S1_PUB_BY, 32);
	assert_int_equal(raw_cmd(&e.a, 0x2026, remote, 64, NULL, 0), 0x0c);

	uint8_t pub_a[64], pub_b[64], dh_a[32], dh_b[32];
	unsigned from = e.a.n;
	assert_int_equal(raw_cmd(&e.a, 0x2025, NULL, 0, NULL, 0), 0);
	const uint8_t *ev = le_evt(&e.a, 0x08, from);
	assert_int_equal(ev[0], 0);
	memcpy(pub_a, ev + 1, 64);
	assert_true(sim_p256_pub_valid(pub_a));
	from = e.b.n;
	assert_int_equal(raw_cmd(&e.b, 0x2025, NULL, 0, NULL, 0), 0);
	ev = le_evt(&e.b, 0x08, from);
	memcpy(pub_b, ev + 1, 64);
	assert_memory_not_equal(pub_a, pub_b, 64);

	/* v1 on both sides: the same DHKey */
	from = e.a.n;
	assert_int_equal(raw_cmd(&e.a, 0x2026, pub_b, 64, NULL, 0), 0);
	ev = le_evt(&e.a, 0x09, from);
	assert_int_equal(ev[0], 0);
	memcpy(dh_a, ev + 1, 32);
	from = e.b.n;
	assert_int_equal(raw_cmd(&e.b, 0x2026, pub_a, 64, NULL, 0), 0);
	ev = le_evt(&e.b, 0x09, from);
	assert_int_equal(ev[0], 0);
	memcpy(dh_b, ev + 1, 32);
	assert_memory_equal(dh_a, dh_b, 32);

	/* An invalid remote key: Command Status success, then the event with
	 * Invalid HCI Command Parameters. */
	uint8_t bad[64];
	memcpy(bad, pub_b, 64);
	bad[40] ^= 0x10;
	from = e.a.n;
	assert_int_equal(raw_cmd(&e.a, 0x2026, bad, 64, NULL, 0), 0);
	ev = le_evt(&e.a, 0x09, from);
	assert_int_equal(ev[0], 0x12);

	/* v2 with the debug key: data set 1's DHKey */
	uint8_t want[32];
	le_hex(want, S1_DHKEY, 32);
	remote[64] = 0x01;
	from = e.a.n;
	assert_int_equal(raw_cmd(&e.a, 0x205e, remote, 65, NULL, 0), 0);
	ev = le_evt(&e.a, 0x09, from);
	assert_int_equal(ev[0], 0);
	assert_memory_equal(ev + 1, want, 32);
	/* v2 with the generated key equals v1 */
	memcpy(remote, pub_b, 64);
	remote[64] = 0x00;
	from = e.a.n;
	assert_int_equal(raw_cmd(&e.a, 0x205e, remote, 65, NULL, 0), 0);
	assert_memory_equal(le_evt(&e.a, 0x09, from) + 1, dh_a, 32);
	remote[64] = 0x02;
	assert_int_equal(raw_cmd(&e.a, 0x205e, remote, 65, NULL, 0), 0x12);

	/* Masked subevents are not sent. */
	uint8_t m[8] = { 0x1f };
	assert_int_equal(raw_cmd(&e.a, 0x2001, m, 8, NULL, 0), 0);
	from = e.a.n;
	assert_int_equal(raw_cmd(&e.a, 0x2025, NULL, 0, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.a, 0x2026, pub_b, 64, NULL, 0), 0);
	zble_sim_run_for(e.sim, 1000);
	assert_int_equal(raw_find_le(&e.a, 0x08, from), -1);
	assert_int_equal(raw_find_le(&e.a, 0x09, from), -1);
	/* Reset forgets the key pair. */
	assert_int_equal(raw_cmd(&e.a, 0x0c03, NULL, 0, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.a, 0x2026, pub_b, 64, NULL, 0), 0x0c);
	free_env(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aes_fips197),
		cmocka_unit_test(test_e_sample),
		cmocka_unit_test(test_ah_sample),
		cmocka_unit_test(test_p256_debug_key_and_dhkey),
		cmocka_unit_test(test_p256_set2),
		cmocka_unit_test(test_p256_nist_cavp),
		cmocka_unit_test(test_p256_invalid),
		cmocka_unit_test(test_p256_speed),
		cmocka_unit_test(test_hci_le_encrypt),
		cmocka_unit_test(test_hci_dhkey),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
