/* SMP's cryptographic functions (Vol 3 Part H 2.2) as small jobs over the
 * asynchronous AES of zble/crypto.h: each AES completion advances the job
 * one step (a CMAC of n blocks is n + 1 AES operations: the subkey, then
 * the blocks). Also the remote public key check, in portable C. */
#include <errno.h>
#include <string.h>

#include "smp_crypto.h"

enum job_kind { JOB_AH, JOB_C1, JOB_S1, JOB_CMAC, JOB_F4, JOB_F5, JOB_F6, JOB_G2, JOB_H6, JOB_H7 };

/* f5's SALT (Vol 3 Part H 2.2.7), most significant octet first. */
static const uint8_t f5_salt[16] = { 0x6c, 0x88, 0x83, 0x91, 0xaa, 0xf5, 0xa5, 0x38,
				     0x60, 0x37, 0x0b, 0xdb, 0x5a, 0x60, 0x83, 0xbe };

static void reverse(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		dst[i] = src[n - 1 - i];
	}
}

static void xor16(uint8_t *dst, const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < 16; i++) {
		dst[i] = a[i] ^ b[i];
	}
}

/* The 56-bit address of f5/f6: the type octet (0 public, 1 random) above
 * the 48-bit address; written most significant octet first. */
static void put_addr56(uint8_t *dst, const bt_addr_le_t *a)
{
	dst[0] = (a->type == BT_ADDR_LE_RANDOM || a->type == BT_ADDR_LE_RANDOM_ID) ? 1 : 0;
	reverse(dst + 1, a->a.val, 6);
}

static void job_step(struct zble_smp_job *job);

static void job_finish(struct zble_smp_job *job, int err)
{
	zble_smp_job_done_t done = job->done;
	job->done = NULL;
	done(job, err);
}

static void aes_done(struct zble_crypto_op *op, int err);

/* AES with key and block most significant octet first; job_step (or the
 * CMAC) continues with the result in job->op.out. */
static void job_aes(struct zble_smp_job *job, const uint8_t *key, const uint8_t *block)
{
	job->op.type = ZBLE_CRYPTO_AES;
	memcpy(job->op.in.aes.key, key, 16);
	memcpy(job->op.in.aes.block, block, 16);
	int err = zble_crypto_submit(job->crypto, &job->op, aes_done, job);
	if (err) {
		job_finish(job, err);
	}
}

/* ---- AES-CMAC (RFC 4493) ---- */

static void cmac_subkey(uint8_t *out, const uint8_t *in)
{
	uint8_t msb = in[0] & 0x80;
	for (int i = 0; i < 15; i++) {
		out[i] = (uint8_t)((in[i] << 1) | (in[i + 1] >> 7));
	}
	out[15] = (uint8_t)(in[15] << 1);
	if (msb) {
		out[15] ^= 0x87;
	}
}

static void cmac_next_block(struct zble_smp_job *job)
{
	uint8_t m[16];
	size_t off = (size_t)job->block * 16;
	if (job->block + 1 == job->blocks) {
		size_t rest = job->msg_len - off;
		memset(m, 0, sizeof(m));
		memcpy(m, job->msg + off, rest);
		if (rest < 16) {
			m[rest] = 0x80;
		}
		xor16(m, m, job->sub);
	} else {
		memcpy(m, job->msg + off, 16);
	}
	xor16(m, m, job->x);
	job_aes(job, job->key, m);
}

/* The MAC of job->msg (msg_len octets) under key (MSO first) into job->x. */
static void cmac_begin(struct zble_smp_job *job, const uint8_t *key, uint8_t msg_len)
{
	static const uint8_t zero[16];
	memmove(job->key, key, 16); /* key may be job->x */
	job->msg_len = msg_len;
	job->blocks = msg_len ? (uint8_t)((msg_len + 15) / 16) : 1;
	job->block = 0xff;
	job->in_cmac = true;
	job_aes(job, job->key, zero);
}

static void cmac_step(struct zble_smp_job *job)
{
	if (job->block == 0xff) {
		uint8_t k1[16];
		cmac_subkey(k1, job->op.out);
		if (job->msg_len && job->msg_len % 16 == 0) {
			memcpy(job->sub, k1, 16);
		} else {
			cmac_subkey(job->sub, k1);
		}
		memset(job->x, 0, 16);
		job->block = 0;
		cmac_next_block(job);
		return;
	}
	memcpy(job->x, job->op.out, 16);
	job->block++;
	if (job->block < job->blocks) {
		cmac_next_block(job);
	} else {
		job->in_cmac = false;
		job_step(job);
	}
}

static void aes_done(struct zble_crypto_op *op, int err)
{
	struct zble_smp_job *job = op->user_data;
	if (err) {
		job_finish(job, err);
	} else if (job->in_cmac) {
		cmac_step(job);
	} else {
		job_step(job);
	}
}

/* ---- the functions: each stage starts one AES or CMAC, or ends ---- */

static void job_step(struct zble_smp_job *job)
{
	uint8_t stage = job->stage++;
	uint8_t b[16];
	switch (job->kind) {
	case JOB_AH: /* 2.2.2: e(k, padding || r) mod 2^24 */
		reverse(job->out, job->op.out + 13, 3);
		job_finish(job, 0);
		return;
	case JOB_S1: /* 2.2.4 */
		reverse(job->out, job->op.out, 16);
		job_finish(job, 0);
		return;
	case JOB_C1: /* 2.2.3: e(k, e(k, r XOR p1) XOR p2) */
		if (stage == 0) {
			xor16(b, job->op.out, job->msg); /* p2 */
			job_aes(job, job->key, b);
		} else {
			reverse(job->out, job->op.out, 16);
			job_finish(job, 0);
		}
		return;
	case JOB_F5: /* 2.2.7: T = CMAC_SALT(W); MacKey, LTK = CMAC_T(counter 0, 1 ...) */
		if (stage == 0) {
			/* counter || keyID "btle" || N1 || N2 || A1 || A2 || Length 256 */
			memmove(job->msg + 5, job->msg + 32, 46);
			job->msg[0] = 0;
			memcpy(job->msg + 1, "btle", 4);
			job->msg[51] = 0x01;
			job->msg[52] = 0x00;
			cmac_begin(job, job->x, 53);
		} else if (stage == 1) {
			reverse(job->out + 16, job->x, 16); /* MacKey, until LTK is done */
			job->msg[0] = 1;
			cmac_begin(job, job->key, 53);
		} else {
			memcpy(job->out, job->out + 16, 16);
			reverse(job->out + 16, job->x, 16);
			job_finish(job, 0);
		}
		return;
	case JOB_G2: /* 2.2.9: CMAC_X(U || V || Y) mod 2^32 */
		job->num = ((uint32_t)job->x[12] << 24) | ((uint32_t)job->x[13] << 16) | ((uint32_t)job->x[14] << 8) |
			   job->x[15];
		job_finish(job, 0);
		return;
	case JOB_CMAC:
		job_finish(job, 0);
		return;
	default: /* f4, f6, h6, h7: the MAC itself */
		reverse(job->out, job->x, 16);
		job_finish(job, 0);
		return;
	}
}

static int job_start(struct zble_smp_job *job, struct zble_crypto *c, uint8_t kind, zble_smp_job_done_t done,
		     void *user_data)
{
	if (!job || !c || !c->host || !done) {
		return -EINVAL; /* also a crypto context not (or no longer) bound */
	}
	if (job->done) {
		return -EBUSY;
	}
	job->crypto = c;
	job->kind = kind;
	job->stage = 0;
	job->in_cmac = false;
	job->done = done;
	job->user_data = user_data;
	memset(job->out, 0, sizeof(job->out));
	job->num = 0;
	return 0;
}

int zble_smp_ah(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t irk[16], const uint8_t r[3],
		zble_smp_job_done_t done, void *user_data)
{
	if (!irk || !r) {
		return -EINVAL;
	}
	int err = job_start(job, c, JOB_AH, done, user_data);
	if (err) {
		return err;
	}
	uint8_t b[16] = { 0 };
	reverse(b + 13, r, 3);
	reverse(job->key, irk, 16);
	job_aes(job, job->key, b);
	return 0;
}

int zble_smp_c1(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t k[16], const uint8_t r[16],
		const uint8_t preq[7], const uint8_t pres[7], const bt_addr_le_t *ia, const bt_addr_le_t *ra,
		zble_smp_job_done_t done, void *user_data)
{
	if (!k || !r || !preq || !pres || !ia || !ra) {
		return -EINVAL;
	}
	int err = job_start(job, c, JOB_C1, done, user_data);
	if (err) {
		return err;
	}
	/* Little-endian p1 = iat' || rat' || preq || pres, p2 = ra || ia || 0. */
	uint8_t p1[16], p2[16] = { 0 }, b[16];
	p1[0] = ia->type == BT_ADDR_LE_PUBLIC || ia->type == BT_ADDR_LE_PUBLIC_ID ? 0 : 1;
	p1[1] = ra->type == BT_ADDR_LE_PUBLIC || ra->type == BT_ADDR_LE_PUBLIC_ID ? 0 : 1;
	memcpy(p1 + 2, preq, 7);
	memcpy(p1 + 9, pres, 7);
	memcpy(p2, ra->a.val, 6);
	memcpy(p2 + 6, ia->a.val, 6);
	xor16(b, r, p1);
	reverse(job->msg, p2, 16);
	reverse(job->key, k, 16);
	reverse(p1, b, 16);
	job_aes(job, job->key, p1);
	return 0;
}

int zble_smp_s1(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t k[16], const uint8_t r1[16],
		const uint8_t r2[16], zble_smp_job_done_t done, void *user_data)
{
	if (!k || !r1 || !r2) {
		return -EINVAL;
	}
	int err = job_start(job, c, JOB_S1, done, user_data);
	if (err) {
		return err;
	}
	uint8_t le[16], b[16];
	memcpy(le, r2, 8);
	memcpy(le + 8, r1, 8);
	reverse(b, le, 16);
	reverse(job->key, k, 16);
	job_aes(job, job->key, b);
	return 0;
}

int zble_smp_aes_cmac(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t k[16], const uint8_t *m,
		      size_t len, zble_smp_job_done_t done, void *user_data)
{
	if (!k || (!m && len) || len > sizeof(job->msg)) {
		return -EINVAL;
	}
	int err = job_start(job, c, JOB_CMAC, done, user_data);
	if (err) {
		return err;
	}
	if (len) {
		memcpy(job->msg, m, len);
	}
	cmac_begin(job, k, (uint8_t)len);
	return 0;
}

int zble_smp_f4(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t u[32], const uint8_t v[32],
		const uint8_t x[16], uint8_t z, zble_smp_job_done_t done, void *user_data)
{
	if (!u || !v || !x) {
		return -EINVAL;
	}
	int err = job_start(job, c, JOB_F4, done, user_data);
	if (err) {
		return err;
	}
	uint8_t key[16];
	reverse(job->msg, u, 32);
	reverse(job->msg + 32, v, 32);
	job->msg[64] = z;
	reverse(key, x, 16);
	cmac_begin(job, key, 65);
	return 0;
}

int zble_smp_f5(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t w[32], const uint8_t n1[16],
		const uint8_t n2[16], const bt_addr_le_t *a1, const bt_addr_le_t *a2, zble_smp_job_done_t done,
		void *user_data)
{
	if (!w || !n1 || !n2 || !a1 || !a2) {
		return -EINVAL;
	}
	int err = job_start(job, c, JOB_F5, done, user_data);
	if (err) {
		return err;
	}
	/* W for T first; N1 || N2 || A1 || A2 wait behind it (job_step). */
	reverse(job->msg, w, 32);
	reverse(job->msg + 32, n1, 16);
	reverse(job->msg + 48, n2, 16);
	put_addr56(job->msg + 64, a1);
	put_addr56(job->msg + 71, a2);
	cmac_begin(job, f5_salt, 32);
	return 0;
}

int zble_smp_f6(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t w[16], const uint8_t n1[16],
		const uint8_t n2[16], const uint8_t r[16], const uint8_t iocap[3], const bt_addr_le_t *a1,
		const bt_addr_le_t *a2, zble_smp_job_done_t done, void *user_data)
{
	if (!w || !n1 || !n2 || !r || !iocap || !a1 || !a2) {
		return -EINVAL;
	}
	int err = job_start(job, c, JOB_F6, done, user_data);
	if (err) {
		return err;
	}
	uint8_t key[16];
	reverse(job->msg, n1, 16);
	reverse(job->msg + 16, n2, 16);
	reverse(job->msg + 32, r, 16);
	reverse(job->msg + 48, iocap, 3);
	put_addr56(job->msg + 51, a1);
	put_addr56(job->msg + 58, a2);
	reverse(key, w, 16);
	cmac_begin(job, key, 65);
	return 0;
}

int zble_smp_g2(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t u[32], const uint8_t v[32],
		const uint8_t x[16], const uint8_t y[16], zble_smp_job_done_t done, void *user_data)
{
	if (!u || !v || !x || !y) {
		return -EINVAL;
	}
	int err = job_start(job, c, JOB_G2, done, user_data);
	if (err) {
		return err;
	}
	uint8_t key[16];
	reverse(job->msg, u, 32);
	reverse(job->msg + 32, v, 32);
	reverse(job->msg + 64, y, 16);
	reverse(key, x, 16);
	cmac_begin(job, key, 80);
	return 0;
}

int zble_smp_h6(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t w[16], uint32_t key_id,
		zble_smp_job_done_t done, void *user_data)
{
	if (!w) {
		return -EINVAL;
	}
	int err = job_start(job, c, JOB_H6, done, user_data);
	if (err) {
		return err;
	}
	uint8_t key[16];
	job->msg[0] = (uint8_t)(key_id >> 24);
	job->msg[1] = (uint8_t)(key_id >> 16);
	job->msg[2] = (uint8_t)(key_id >> 8);
	job->msg[3] = (uint8_t)key_id;
	reverse(key, w, 16);
	cmac_begin(job, key, 4);
	return 0;
}

int zble_smp_h7(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t salt[16], const uint8_t w[16],
		zble_smp_job_done_t done, void *user_data)
{
	if (!salt || !w) {
		return -EINVAL;
	}
	int err = job_start(job, c, JOB_H7, done, user_data);
	if (err) {
		return err;
	}
	uint8_t key[16];
	reverse(job->msg, w, 16);
	reverse(key, salt, 16);
	cmac_begin(job, key, 16);
	return 0;
}

/* ---- the remote public key: on the curve? (y^2 = x^3 - 3x + b mod p) ----
 * Plain 256-bit arithmetic on 32-bit limbs, least significant first; it
 * runs once per pairing, so it is written for size, not speed. */

#define LIMBS 8

static const uint32_t p256_p[LIMBS] = { 0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 1, 0xffffffff };
static const uint32_t p256_b[LIMBS] = { 0x27d2604b, 0x3bce3c3e, 0xcc53b0f6, 0x651d06b0,
					0x769886bc, 0xb3ebbd55, 0xaa3a93e7, 0x5ac635d8 };

static uint32_t fe_add(uint32_t *r, const uint32_t *a, const uint32_t *b)
{
	uint64_t carry = 0;
	for (int i = 0; i < LIMBS; i++) {
		carry += (uint64_t)a[i] + b[i];
		r[i] = (uint32_t)carry;
		carry >>= 32;
	}
	return (uint32_t)carry;
}

static uint32_t fe_sub(uint32_t *r, const uint32_t *a, const uint32_t *b)
{
	uint64_t borrow = 0;
	for (int i = 0; i < LIMBS; i++) {
		uint64_t d = (uint64_t)a[i] - b[i] - borrow;
		r[i] = (uint32_t)d;
		borrow = (d >> 32) & 1;
	}
	return (uint32_t)borrow;
}

static int fe_cmp(const uint32_t *a, const uint32_t *b)
{
	for (int i = LIMBS - 1; i >= 0; i--) {
		if (a[i] != b[i]) {
			return a[i] < b[i] ? -1 : 1;
		}
	}
	return 0;
}

/* r = a + b mod p, for a, b < p. */
static void fe_addmod(uint32_t *r, const uint32_t *a, const uint32_t *b)
{
	uint32_t carry = fe_add(r, a, b);
	if (carry || fe_cmp(r, p256_p) >= 0) {
		(void)fe_sub(r, r, p256_p);
	}
}

static void fe_submod(uint32_t *r, const uint32_t *a, const uint32_t *b)
{
	if (fe_sub(r, a, b)) {
		(void)fe_add(r, r, p256_p);
	}
}

/* r = a * b mod p by doubling and adding, most significant bit of b first. */
static void fe_mulmod(uint32_t *r, const uint32_t *a, const uint32_t *b)
{
	uint32_t acc[LIMBS] = { 0 };
	for (int i = 32 * LIMBS - 1; i >= 0; i--) {
		fe_addmod(acc, acc, acc);
		if ((b[i / 32] >> (i % 32)) & 1) {
			fe_addmod(acc, acc, a);
		}
	}
	memcpy(r, acc, sizeof(acc));
}

static void fe_load(uint32_t *r, const uint8_t *le)
{
	for (int i = 0; i < LIMBS; i++) {
		r[i] = (uint32_t)le[4 * i] | ((uint32_t)le[4 * i + 1] << 8) | ((uint32_t)le[4 * i + 2] << 16) |
		       ((uint32_t)le[4 * i + 3] << 24);
	}
}

int zble_smp_pubkey_check(const uint8_t pub[64], bool allow_debug)
{
	if (!pub) {
		return -EINVAL;
	}
	if (!allow_debug && memcmp(pub, zble_crypto_debug_pub, 64) == 0) {
		return -EACCES;
	}
	uint32_t x[LIMBS], y[LIMBS], lhs[LIMBS], rhs[LIMBS], t[LIMBS];
	fe_load(x, pub);
	fe_load(y, pub + 32);
	if (fe_cmp(x, p256_p) >= 0 || fe_cmp(y, p256_p) >= 0) {
		return -EINVAL;
	}
	fe_mulmod(lhs, y, y);
	fe_mulmod(t, x, x);
	fe_mulmod(rhs, t, x);      /* x^3 */
	fe_addmod(t, x, x);
	fe_addmod(t, t, x);        /* 3x */
	fe_submod(rhs, rhs, t);
	fe_addmod(rhs, rhs, p256_b);
	return fe_cmp(lhs, rhs) == 0 ? 0 : -EINVAL;
}
