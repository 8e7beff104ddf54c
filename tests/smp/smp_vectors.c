/* Sample data: Core Vol 3 Part H 2.2.3 (c1), 2.2.4 (s1), Appendix D (f4,
 * f5, f6, g2, h6, h7, ah, the P-256 data set 1), RFC 4493 section 4
 * (AES-CMAC), FIPS-197 C.1 (AES-128). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/kernel.h>

#include "smp_crypto.h"
#include "smp_vectors.h"
#include "zble/host.h"

void le_hex(uint8_t *out, const char *hex, size_t n)
{
	assert_int_equal(strlen(hex), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * (n - 1 - i), "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

void be_hex(uint8_t *out, const char *hex, size_t n)
{
	assert_int_equal(strlen(hex), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

struct waiter {
	struct k_sem sem;
	int err;
	int calls;
};

static void op_done(struct zble_crypto_op *op, int err)
{
	struct waiter *w = op->user_data;
	w->err = err;
	w->calls++;
	k_sem_give(&w->sem);
}

int vec_crypto_run(struct zble_crypto *c, struct zble_crypto_op *op)
{
	struct waiter w = { .err = 1 };
	k_sem_init(&w.sem, 0, 1);
	assert_int_equal(zble_crypto_submit(c, op, op_done, &w), 0);
	assert_int_equal(k_sem_take(&w.sem, K_SECONDS(30)), 0);
	assert_int_equal(w.calls, 1);
	return w.err;
}

static void job_done(struct zble_smp_job *job, int err)
{
	struct waiter *w = job->user_data;
	w->err = err;
	w->calls++;
	k_sem_give(&w->sem);
}

/* Waits for the job started with user data w. */
static void job_wait(struct waiter *w)
{
	assert_int_equal(k_sem_take(&w->sem, K_SECONDS(30)), 0);
	assert_int_equal(w->calls, 1);
	assert_int_equal(w->err, 0);
	w->calls = 0;
	w->err = 1;
}

static void waiter_init(struct waiter *w)
{
	w->err = 1;
	w->calls = 0;
	k_sem_init(&w->sem, 0, 1);
}

void vec_aes_fips197(struct zble_crypto *c)
{
	struct zble_crypto_op op = { .type = ZBLE_CRYPTO_AES };
	uint8_t want[16];
	be_hex(op.in.aes.key, "000102030405060708090a0b0c0d0e0f", 16);
	be_hex(op.in.aes.block, "00112233445566778899aabbccddeeff", 16);
	be_hex(want, "69c4e0d86a7b0430d8cdb78070b4c55a", 16);
	assert_int_equal(vec_crypto_run(c, &op), 0);
	assert_memory_equal(op.out, want, 16);
}

void vec_cmac_rfc4493(struct zble_crypto *c)
{
	static const char *const mac[] = { "bb1d6929e95937287fa37d129b756746", "070a16b46b4d4144f79bdd9dd04a287c",
					   "dfa66747de9ae63030ca32611497c827", "51f0bebf7e3b9d92fc49741779363cfe" };
	static const size_t len[] = { 0, 16, 40, 64 };
	uint8_t k[16], m[64], want[16];
	struct zble_smp_job job = { 0 };
	struct waiter w;
	waiter_init(&w);
	be_hex(k, "2b7e151628aed2a6abf7158809cf4f3c", 16);
	be_hex(m,
	       "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	       "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
	       64);
	for (int i = 0; i < 4; i++) {
		/* One job at a time (the host's lock keeps it from ending
		 * in between on the threads backend). */
		k_mutex_lock(&c->host->lock, K_FOREVER);
		assert_int_equal(zble_smp_aes_cmac(&job, c, k, m, len[i], job_done, &w), 0);
		int busy = zble_smp_aes_cmac(&job, c, k, m, len[i], job_done, &w);
		k_mutex_unlock(&c->host->lock);
		assert_int_equal(busy, -EBUSY);
		job_wait(&w);
		be_hex(want, mac[i], 16);
		assert_memory_equal(job.x, want, 16);
	}
	assert_int_equal(zble_smp_aes_cmac(&job, c, k, m, 81, job_done, &w), -EINVAL);
	struct zble_crypto unbound = { 0 };
	assert_int_equal(zble_smp_aes_cmac(&job, &unbound, k, m, 16, job_done, &w), -EINVAL);
	assert_int_equal(w.calls, 0);
}

void vec_c1_s1(struct zble_crypto *c)
{
	uint8_t k[16] = { 0 }, r[16], preq[7], pres[7], want[16], r1[16], r2[16];
	bt_addr_le_t ia = { .type = BT_ADDR_LE_RANDOM }, ra = { .type = BT_ADDR_LE_PUBLIC };
	struct zble_smp_job job = { 0 };
	struct waiter w;
	waiter_init(&w);
	le_hex(r, "5783d52156ad6f0e6388274ec6702ee0", 16);
	le_hex(preq, "07071000000101", 7);
	le_hex(pres, "05000800000302", 7);
	le_hex(ia.a.val, "a1a2a3a4a5a6", 6);
	le_hex(ra.a.val, "b1b2b3b4b5b6", 6);
	assert_int_equal(zble_smp_c1(&job, c, k, r, preq, pres, &ia, &ra, job_done, &w), 0);
	job_wait(&w);
	le_hex(want, "1e1e3fef878988ead2a74dc5bef13b86", 16);
	assert_memory_equal(job.out, want, 16);

	le_hex(r1, "000f0e0d0c0b0a091122334455667788", 16);
	le_hex(r2, "010203040506070899aabbccddeeff00", 16);
	assert_int_equal(zble_smp_s1(&job, c, k, r1, r2, job_done, &w), 0);
	job_wait(&w);
	le_hex(want, "9a1fe1f0e8b0f49b5b4216ae796da062", 16);
	assert_memory_equal(job.out, want, 16);
	assert_int_equal(zble_smp_s1(&job, c, NULL, r1, r2, job_done, &w), -EINVAL);
}

void vec_ah(struct zble_crypto *c)
{
	uint8_t irk[16], r[3], want[3];
	struct zble_smp_job job = { 0 };
	struct waiter w;
	waiter_init(&w);
	le_hex(irk, "ec0234a357c8ad05341010a60a397d9b", 16);
	le_hex(r, "708194", 3);
	assert_int_equal(zble_smp_ah(&job, c, irk, r, job_done, &w), 0);
	job_wait(&w);
	le_hex(want, "0dfbaa", 3);
	assert_memory_equal(job.out, want, 3);
}

#define D_U "20b003d2f297be2c5e2c83a7e9f9a5b9eff49111acf4fddbcc0301480e359de6"
#define D_V "55188b3d32f6bb9a900afcfbeed4e72a59cb9ac2f19d7cfb6b4fdd49f47fc5fd"
#define D_N1 "d5cb8454d177733effffb2ec712baeab"
#define D_N2 "a6e8e7cc25a75f6e216583f7ff3dc4cf"

void vec_f4_f5_f6(struct zble_crypto *c)
{
	uint8_t u[32], v[32], x[16], want[16], w32[32], n2[16], mackey[16], r[16], io[3];
	bt_addr_le_t a1 = { .type = BT_ADDR_LE_PUBLIC }, a2 = { .type = BT_ADDR_LE_PUBLIC };
	struct zble_smp_job job = { 0 };
	struct waiter w;
	waiter_init(&w);
	le_hex(u, D_U, 32);
	le_hex(v, D_V, 32);
	le_hex(x, D_N1, 16);
	/* D.2 f4 */
	assert_int_equal(zble_smp_f4(&job, c, u, v, x, 0, job_done, &w), 0);
	job_wait(&w);
	le_hex(want, "f2c916f107a9bd1cf1eda1bea974872d", 16);
	assert_memory_equal(job.out, want, 16);
	/* D.3 f5 */
	le_hex(w32, S1_DHKEY, 32);
	le_hex(n2, D_N2, 16);
	le_hex(a1.a.val, "56123737bfce", 6);
	le_hex(a2.a.val, "a713702dcfc1", 6);
	assert_int_equal(zble_smp_f5(&job, c, w32, x, n2, &a1, &a2, job_done, &w), 0);
	job_wait(&w);
	le_hex(want, "2965f176a1084a02fd3f6a20ce636e20", 16);
	assert_memory_equal(job.out, want, 16);
	le_hex(want, "6986791169d7cd23980522b594750a38", 16);
	assert_memory_equal(job.out + 16, want, 16);
	/* D.4 f6 */
	memcpy(mackey, job.out, 16);
	le_hex(r, "12a3343bb453bb5408da42d20c2d0fc8", 16);
	le_hex(io, "010102", 3);
	assert_int_equal(zble_smp_f6(&job, c, mackey, x, n2, r, io, &a1, &a2, job_done, &w), 0);
	job_wait(&w);
	le_hex(want, "e3c473989cd0e8c5d26c0b09da958f61", 16);
	assert_memory_equal(job.out, want, 16);
	/* A random address type is part of the input: another result. */
	a1.type = BT_ADDR_LE_RANDOM;
	assert_int_equal(zble_smp_f6(&job, c, mackey, x, n2, r, io, &a1, &a2, job_done, &w), 0);
	job_wait(&w);
	assert_memory_not_equal(job.out, want, 16);
}

void vec_g2_h6_h7(struct zble_crypto *c)
{
	uint8_t u[32], v[32], x[16], y[16], key[16], salt[16], want[16];
	struct zble_smp_job job = { 0 };
	struct waiter w;
	waiter_init(&w);
	le_hex(u, D_U, 32);
	le_hex(v, D_V, 32);
	le_hex(x, D_N1, 16);
	le_hex(y, D_N2, 16);
	/* D.5 g2 */
	assert_int_equal(zble_smp_g2(&job, c, u, v, x, y, job_done, &w), 0);
	job_wait(&w);
	assert_int_equal(job.num, 0x2f9ed5ba);
	/* D.6 h6 */
	le_hex(key, "ec0234a357c8ad05341010a60a397d9b", 16);
	assert_int_equal(zble_smp_h6(&job, c, key, 0x6c656272, job_done, &w), 0);
	job_wait(&w);
	le_hex(want, "2d9ae102e76dc91ce8d3a9e280b16399", 16);
	assert_memory_equal(job.out, want, 16);
	/* D.8 h7 */
	le_hex(salt, "000000000000000000000000746d7031", 16);
	assert_int_equal(zble_smp_h7(&job, c, salt, key, job_done, &w), 0);
	job_wait(&w);
	le_hex(want, "fb173597c6a3c0ecd2998c2a75a57011", 16);
	assert_memory_equal(job.out, want, 16);
}

void vec_dhkey_debug(struct zble_crypto *c)
{
	struct zble_crypto_op op = { .type = ZBLE_CRYPTO_DHKEY, .debug_key = true };
	uint8_t want[32];
	le_hex(op.in.remote, S1_PUB_BX, 32);
	le_hex(op.in.remote + 32, S1_PUB_BY, 32);
	assert_int_equal(vec_crypto_run(c, &op), 0);
	le_hex(want, S1_DHKEY, 32);
	assert_memory_equal(op.out, want, 32);
}

void vec_keygen_agree(struct zble_crypto *a, struct zble_crypto *b)
{
	struct zble_crypto_op pa = { .type = ZBLE_CRYPTO_PUBKEY }, pb = { .type = ZBLE_CRYPTO_PUBKEY };
	struct zble_crypto_op da = { .type = ZBLE_CRYPTO_DHKEY }, db = { .type = ZBLE_CRYPTO_DHKEY };
	assert_int_equal(vec_crypto_run(a, &pa), 0);
	assert_int_equal(vec_crypto_run(b, &pb), 0);
	assert_memory_not_equal(pa.out, pb.out, 64);
	assert_int_equal(zble_smp_pubkey_check(pa.out, false), 0);
	assert_int_equal(zble_smp_pubkey_check(pb.out, false), 0);
	memcpy(da.in.remote, pb.out, 64);
	memcpy(db.in.remote, pa.out, 64);
	assert_int_equal(vec_crypto_run(a, &da), 0);
	assert_int_equal(vec_crypto_run(b, &db), 0);
	assert_memory_equal(da.out, db.out, 32);
	uint8_t zero[32] = { 0 };
	assert_memory_not_equal(da.out, zero, 32);

	/* Random octets: 20 of them (more than one LE Rand), twice, differ. */
	struct zble_crypto_op r1 = { .type = ZBLE_CRYPTO_RAND, .len = 20 }, r2 = r1;
	assert_int_equal(vec_crypto_run(a, &r1), 0);
	assert_int_equal(vec_crypto_run(a, &r2), 0);
	assert_memory_not_equal(r1.out, r2.out, 20);
	struct zble_crypto_op bad = { .type = ZBLE_CRYPTO_RAND, .len = 0 };
	assert_int_equal(zble_crypto_submit(a, &bad, op_done, NULL), -EINVAL);
	bad.len = 65;
	assert_int_equal(zble_crypto_submit(a, &bad, op_done, NULL), -EINVAL);
	bad.type = 9;
	bad.len = 1;
	assert_int_equal(zble_crypto_submit(a, &bad, op_done, NULL), -EINVAL);
}

void vec_invalid_keys(struct zble_crypto *c)
{
	uint8_t pub[64], bad[64];
	le_hex(pub, S1_PUB_BX, 32);
	le_hex(pub + 32, S1_PUB_BY, 32);
	assert_int_equal(zble_smp_pubkey_check(pub, false), 0);
	/* The debug key: only when allowed. */
	assert_int_equal(zble_smp_pubkey_check(zble_crypto_debug_pub, false), -EACCES);
	assert_int_equal(zble_smp_pubkey_check(zble_crypto_debug_pub, true), 0);
	/* One bit of y: off the curve (an invalid-curve attack point). */
	memcpy(bad, pub, 64);
	bad[32] ^= 1;
	assert_int_equal(zble_smp_pubkey_check(bad, true), -EINVAL);
	/* CVE-2018-5383: the attacker keeps X and sets Y = 0. */
	memset(bad + 32, 0, 32);
	assert_int_equal(zble_smp_pubkey_check(bad, true), -EINVAL);
	memset(bad, 0, 64);
	assert_int_equal(zble_smp_pubkey_check(bad, true), -EINVAL);
	/* x = p: out of range even though x = 0 would be "on" the curve mod p. */
	memcpy(bad, pub, 64);
	le_hex(bad, "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 32);
	assert_int_equal(zble_smp_pubkey_check(bad, true), -EINVAL);
	assert_int_equal(zble_smp_pubkey_check(NULL, true), -EINVAL);
	/* -y is on the curve too. */
	uint8_t p[32];
	le_hex(p, "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", 32);
	int borrow = 0;
	memcpy(bad, pub, 32);
	for (int i = 0; i < 32; i++) {
		int d = p[i] - pub[32 + i] - borrow;
		borrow = d < 0;
		bad[32 + i] = (uint8_t)d;
	}
	assert_int_equal(zble_smp_pubkey_check(bad, false), 0);

	/* The implementation refuses an off-curve key by itself as well. */
	struct zble_crypto_op op = { .type = ZBLE_CRYPTO_DHKEY, .debug_key = true };
	memcpy(op.in.remote, pub, 64);
	op.in.remote[32] ^= 1;
	assert_int_equal(vec_crypto_run(c, &op), -EINVAL);
}
