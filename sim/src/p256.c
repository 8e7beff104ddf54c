/* P-256 arithmetic: field elements as eight 32-bit limbs (least
 * significant first) reduced with the special form of p (FIPS 186-4
 * D.2.3), points in Jacobian coordinates with a = -3, left-to-right
 * double-and-add. */
#include "p256.h"

#include <string.h>

typedef uint32_t fe[8];

/* p = 2^256 - 2^224 + 2^192 + 2^96 - 1 */
static const fe P = { 0xffffffff, 0xffffffff, 0xffffffff, 0x00000000, 0x00000000, 0x00000000, 0x00000001, 0xffffffff };
/* n, the order of G */
static const fe N = { 0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0x00000000, 0xffffffff };
static const fe B = { 0x27d2604b, 0x3bce3c3e, 0xcc53b0f6, 0x651d06b0, 0x769886bc, 0xb3ebbd55, 0xaa3a93e7, 0x5ac635d8 };
static const fe GX = { 0xd898c296, 0xf4a13945, 0x2deb33a0, 0x77037d81, 0x63a440f2, 0xf8bce6e5, 0xe12c4247, 0x6b17d1f2 };
static const fe GY = { 0x37bf51f5, 0xcbb64068, 0x6b315ece, 0x2bce3357, 0x7c0f9e16, 0x8ee7eb4a, 0xfe1a7f9b, 0x4fe342e2 };

static void fe_from_bytes(fe r, const uint8_t *b)
{
	for (int i = 0; i < 8; i++) {
		r[i] = (uint32_t)b[4 * i] | ((uint32_t)b[4 * i + 1] << 8) | ((uint32_t)b[4 * i + 2] << 16) |
		       ((uint32_t)b[4 * i + 3] << 24);
	}
}

static void fe_to_bytes(uint8_t *b, const fe a)
{
	for (int i = 0; i < 8; i++) {
		for (int j = 0; j < 4; j++) {
			b[4 * i + j] = (uint8_t)(a[i] >> (8 * j));
		}
	}
}

/* -1, 0, 1 as a <, ==, > b (unsigned 256-bit). */
static int fe_cmp(const fe a, const fe b)
{
	for (int i = 7; i >= 0; i--) {
		if (a[i] != b[i]) {
			return a[i] < b[i] ? -1 : 1;
		}
	}
	return 0;
}

static bool fe_is_zero(const fe a)
{
	uint32_t acc = 0;
	for (int i = 0; i < 8; i++) {
		acc |= a[i];
	}
	return acc == 0;
}

/* r = a - b over 256 bits; the borrow out. */
static uint32_t raw_sub(fe r, const fe a, const fe b)
{
	uint32_t borrow = 0;
	for (int i = 0; i < 8; i++) {
		uint64_t d = (uint64_t)a[i] - b[i] - borrow;
		r[i] = (uint32_t)d;
		borrow = (uint32_t)(d >> 63);
	}
	return borrow;
}

static uint32_t raw_add(fe r, const fe a, const fe b)
{
	uint64_t carry = 0;
	for (int i = 0; i < 8; i++) {
		carry += (uint64_t)a[i] + b[i];
		r[i] = (uint32_t)carry;
		carry >>= 32;
	}
	return (uint32_t)carry;
}

/* Field operations take and give values below p. */
static void fe_add(fe r, const fe a, const fe b)
{
	uint32_t carry = raw_add(r, a, b);
	if (carry || fe_cmp(r, P) >= 0) {
		raw_sub(r, r, P);
	}
}

static void fe_sub(fe r, const fe a, const fe b)
{
	if (raw_sub(r, a, b)) {
		raw_add(r, r, P);
	}
}

/* Reduces a 512-bit product c (16 words) mod p: with c = (c15..c0) the sum
 * s1 + 2 s2 + 2 s3 + s4 + s5 - s6 - s7 - s8 - s9 of FIPS 186-4 D.2.3,
 * accumulated per word with signs, then the carry out of word 7 folded back
 * using 2^256 = 2^224 - 2^192 - 2^96 + 1 (mod p). */
static void fe_reduce(fe r, const uint32_t c[16])
{
	int64_t w[8];
	/* word i of each term, most of them written out as the standard lists */
	w[0] = (int64_t)c[0] + c[8] + c[9] - c[11] - c[12] - c[13] - c[14];
	w[1] = (int64_t)c[1] + c[9] + c[10] - c[12] - c[13] - c[14] - c[15];
	w[2] = (int64_t)c[2] + c[10] + c[11] - c[13] - c[14] - c[15];
	w[3] = (int64_t)c[3] + 2 * (int64_t)c[11] + 2 * (int64_t)c[12] + c[13] - c[15] - c[8] - c[9];
	w[4] = (int64_t)c[4] + 2 * (int64_t)c[12] + 2 * (int64_t)c[13] + c[14] - c[9] - c[10];
	w[5] = (int64_t)c[5] + 2 * (int64_t)c[13] + 2 * (int64_t)c[14] + c[15] - c[10] - c[11];
	w[6] = (int64_t)c[6] + 2 * (int64_t)c[14] + 2 * (int64_t)c[15] + c[14] + c[13] - c[8] - c[9];
	w[7] = (int64_t)c[7] + 2 * (int64_t)c[15] + c[15] + c[8] - c[10] - c[11] - c[12] - c[13];

	int64_t carry = 0;
	for (;;) {
		for (int i = 0; i < 8; i++) {
			w[i] += carry;
			uint32_t low = (uint32_t)w[i]; /* modulo 2^32: well defined */
			carry = (w[i] - (int64_t)low) / 4294967296LL; /* exact, floor */
			w[i] = low;
		}
		if (carry == 0) {
			break;
		}
		w[0] += carry;
		w[3] -= carry;
		w[6] -= carry;
		w[7] += carry;
		carry = 0;
	}
	for (int i = 0; i < 8; i++) {
		r[i] = (uint32_t)w[i];
	}
	while (fe_cmp(r, P) >= 0) {
		raw_sub(r, r, P);
	}
}

static void fe_mul(fe r, const fe a, const fe b)
{
	uint32_t t[16] = { 0 };
	for (int i = 0; i < 8; i++) {
		uint64_t carry = 0;
		for (int j = 0; j < 8; j++) {
			/* at most (2^32-1)^2 + 2 (2^32-1) = 2^64 - 1: no overflow */
			uint64_t uv = (uint64_t)a[i] * b[j] + t[i + j] + carry;
			t[i + j] = (uint32_t)uv;
			carry = uv >> 32;
		}
		t[i + 8] = (uint32_t)carry;
	}
	fe_reduce(r, t);
}

static void fe_sqr(fe r, const fe a)
{
	fe_mul(r, a, a);
}

/* a^(p-2) = a^-1 (Fermat); the exponent's bits from the top. */
static void fe_inv(fe r, const fe a)
{
	fe e, acc;
	raw_sub(e, P, (const fe){ 2 });
	memset(acc, 0, sizeof(acc));
	acc[0] = 1;
	for (int bit = 255; bit >= 0; bit--) {
		fe_sqr(acc, acc);
		if ((e[bit / 32] >> (bit % 32)) & 1) {
			fe_mul(acc, acc, a);
		}
	}
	memcpy(r, acc, sizeof(fe));
}

/* ---- points ---- */

struct jpoint {
	fe x, y, z; /* z = 0: the point at infinity */
};

/* dbl-2001-b (a = -3). */
static void pt_double(struct jpoint *r, const struct jpoint *p)
{
	if (fe_is_zero(p->z) || fe_is_zero(p->y)) {
		memset(r, 0, sizeof(*r));
		return;
	}
	fe delta, gamma, beta, alpha, t1, t2, x3, y3, z3;
	fe_sqr(delta, p->z);
	fe_sqr(gamma, p->y);
	fe_mul(beta, p->x, gamma);
	fe_sub(t1, p->x, delta);
	fe_add(t2, p->x, delta);
	fe_mul(alpha, t1, t2);
	fe_add(t1, alpha, alpha);
	fe_add(alpha, t1, alpha); /* alpha = 3 (x - delta)(x + delta) */
	fe_sqr(x3, alpha);
	fe_add(t1, beta, beta);
	fe_add(t1, t1, t1); /* 4 beta */
	fe_add(t2, t1, t1); /* 8 beta */
	fe_sub(x3, x3, t2);
	fe_add(z3, p->y, p->z);
	fe_sqr(z3, z3);
	fe_sub(z3, z3, gamma);
	fe_sub(z3, z3, delta);
	fe_sub(t1, t1, x3);
	fe_mul(y3, alpha, t1);
	fe_sqr(t2, gamma);
	fe_add(t2, t2, t2);
	fe_add(t2, t2, t2);
	fe_add(t2, t2, t2); /* 8 gamma^2 */
	fe_sub(y3, y3, t2);
	memcpy(r->x, x3, sizeof(fe));
	memcpy(r->y, y3, sizeof(fe));
	memcpy(r->z, z3, sizeof(fe));
}

/* r = p + (qx, qy) with q affine and not at infinity. */
static void pt_add_affine(struct jpoint *r, const struct jpoint *p, const fe qx, const fe qy)
{
	if (fe_is_zero(p->z)) {
		memcpy(r->x, qx, sizeof(fe));
		memcpy(r->y, qy, sizeof(fe));
		memset(r->z, 0, sizeof(fe));
		r->z[0] = 1;
		return;
	}
	fe z1z1, u2, s2, h, rr, hh, hhh, v, t;
	fe_sqr(z1z1, p->z);
	fe_mul(u2, qx, z1z1);
	fe_mul(s2, qy, p->z);
	fe_mul(s2, s2, z1z1);
	fe_sub(h, u2, p->x);
	fe_sub(rr, s2, p->y);
	if (fe_is_zero(h)) {
		if (fe_is_zero(rr)) {
			pt_double(r, p); /* the same point */
		} else {
			memset(r, 0, sizeof(*r)); /* p = -q */
		}
		return;
	}
	fe_sqr(hh, h);
	fe_mul(hhh, h, hh);
	fe_mul(v, p->x, hh);
	struct jpoint out;
	fe_sqr(out.x, rr);
	fe_sub(out.x, out.x, hhh);
	fe_sub(out.x, out.x, v);
	fe_sub(out.x, out.x, v);
	fe_sub(t, v, out.x);
	fe_mul(out.y, rr, t);
	fe_mul(t, p->y, hhh);
	fe_sub(out.y, out.y, t);
	fe_mul(out.z, p->z, h);
	*r = out;
}

/* (rx, ry) = k * (px, py); false at infinity. */
static bool scalar_mul(fe rx, fe ry, const fe k, const fe px, const fe py)
{
	struct jpoint acc;
	memset(&acc, 0, sizeof(acc));
	for (int bit = 255; bit >= 0; bit--) {
		pt_double(&acc, &acc);
		if ((k[bit / 32] >> (bit % 32)) & 1) {
			pt_add_affine(&acc, &acc, px, py);
		}
	}
	if (fe_is_zero(acc.z)) {
		return false;
	}
	fe zi, zi2;
	fe_inv(zi, acc.z);
	fe_sqr(zi2, zi);
	fe_mul(rx, acc.x, zi2);
	fe_mul(zi2, zi2, zi);
	fe_mul(ry, acc.y, zi2);
	return true;
}

static bool on_curve(const fe x, const fe y)
{
	if (fe_cmp(x, P) >= 0 || fe_cmp(y, P) >= 0) {
		return false;
	}
	fe lhs, rhs, t;
	fe_sqr(lhs, y);
	fe_sqr(rhs, x);
	fe_mul(rhs, rhs, x);
	fe_add(t, x, x);
	fe_add(t, t, x);
	fe_sub(rhs, rhs, t);
	fe_add(rhs, rhs, B);
	return fe_cmp(lhs, rhs) == 0;
}

bool sim_p256_priv_valid(const uint8_t priv[32])
{
	fe k;
	fe_from_bytes(k, priv);
	return !fe_is_zero(k) && fe_cmp(k, N) < 0;
}

bool sim_p256_pubkey(const uint8_t priv[32], uint8_t pub[64])
{
	fe k, x, y;
	if (!sim_p256_priv_valid(priv)) {
		return false;
	}
	fe_from_bytes(k, priv);
	if (!scalar_mul(x, y, k, GX, GY)) {
		return false;
	}
	fe_to_bytes(pub, x);
	fe_to_bytes(pub + 32, y);
	return true;
}

bool sim_p256_pub_valid(const uint8_t pub[64])
{
	fe x, y;
	fe_from_bytes(x, pub);
	fe_from_bytes(y, pub + 32);
	return on_curve(x, y);
}

bool sim_p256_dhkey(const uint8_t priv[32], const uint8_t pub[64], uint8_t dh[32])
{
	fe k, qx, qy, x, y;
	if (!sim_p256_priv_valid(priv) || !sim_p256_pub_valid(pub)) {
		return false;
	}
	fe_from_bytes(k, priv);
	fe_from_bytes(qx, pub);
	fe_from_bytes(qy, pub + 32);
	if (!scalar_mul(x, y, k, qx, qy)) {
		return false;
	}
	fe_to_bytes(dh, x);
	return true;
}
