/* The SMP cryptographic functions of Vol 3 Part H 2.2 (c1, s1, ah, f4, f5,
 * f6, g2, h6, h7, and AES-CMAC of RFC 4493 under them), built on the
 * asynchronous AES of zble/crypto.h so that they run on either crypto
 * implementation. A job computes one function: it chains the AES
 * operations it needs and then calls done in the host context (never
 * before the call that started it has returned).
 *
 * Start a job from the host context (as SMP does) or with the host's lock
 * held: a job's state belongs to the host context while it runs.
 *
 * All values are least significant octet first, as SMP carries them on
 * the air (the spec prints them most significant first). Results are in
 * job->out (job->num for g2). */
#ifndef ZBLE_SMP_CRYPTO_H
#define ZBLE_SMP_CRYPTO_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/bluetooth/addr.h>

#include "zble/crypto.h"

struct zble_smp_job;
typedef void (*zble_smp_job_done_t)(struct zble_smp_job *job, int err);

struct zble_smp_job {
	struct zble_crypto_op op;
	struct zble_crypto *crypto;
	zble_smp_job_done_t done; /* non-NULL while the job runs */
	void *user_data;
	uint8_t kind, stage;
	bool in_cmac;
	uint8_t block, blocks; /* CMAC: next block; 0xff while deriving the subkey */
	uint8_t msg_len;
	uint8_t key[16]; /* current AES/CMAC key, most significant octet first */
	uint8_t msg[80]; /* CMAC message (or c1's p2), most significant octet first */
	uint8_t x[16];   /* CMAC chaining value, then the MAC */
	uint8_t sub[16]; /* CMAC subkey K1 or K2 */
	/* Results: ah 3 octets; c1, s1, f4, f6, h6, h7 16; f5 MacKey then LTK. */
	uint8_t out[32];
	uint32_t num; /* g2 */
};

/* Each returns 0 (done will run), -EINVAL (NULL argument, or c not bound
 * to a host) or -EBUSY (the job is running). A job ends with done(job, 0)
 * or with the error of the crypto operation that failed. */
int zble_smp_ah(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t irk[16], const uint8_t r[3],
		zble_smp_job_done_t done, void *user_data);
int zble_smp_c1(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t k[16], const uint8_t r[16],
		const uint8_t preq[7], const uint8_t pres[7], const bt_addr_le_t *ia, const bt_addr_le_t *ra,
		zble_smp_job_done_t done, void *user_data);
int zble_smp_s1(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t k[16], const uint8_t r1[16],
		const uint8_t r2[16], zble_smp_job_done_t done, void *user_data);
/* AES-CMAC with key k over m (len octets, up to 80), both most
 * significant octet first as in RFC 4493; the MAC in job->x, same order. */
int zble_smp_aes_cmac(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t k[16], const uint8_t *m,
		      size_t len, zble_smp_job_done_t done, void *user_data);
int zble_smp_f4(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t u[32], const uint8_t v[32],
		const uint8_t x[16], uint8_t z, zble_smp_job_done_t done, void *user_data);
int zble_smp_f5(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t w[32], const uint8_t n1[16],
		const uint8_t n2[16], const bt_addr_le_t *a1, const bt_addr_le_t *a2, zble_smp_job_done_t done,
		void *user_data);
int zble_smp_f6(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t w[16], const uint8_t n1[16],
		const uint8_t n2[16], const uint8_t r[16], const uint8_t iocap[3], const bt_addr_le_t *a1,
		const bt_addr_le_t *a2, zble_smp_job_done_t done, void *user_data);
int zble_smp_g2(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t u[32], const uint8_t v[32],
		const uint8_t x[16], const uint8_t y[16], zble_smp_job_done_t done, void *user_data);
/* key_id as the spec writes it, e.g. 0x6c656272 ("lebr"). */
int zble_smp_h6(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t w[16], uint32_t key_id,
		zble_smp_job_done_t done, void *user_data);
int zble_smp_h7(struct zble_smp_job *job, struct zble_crypto *c, const uint8_t salt[16], const uint8_t w[16],
		zble_smp_job_done_t done, void *user_data);

/* A remote P-256 public key (X then Y, LSO first) before it is used:
 * 0, -EINVAL (a coordinate not below p, or the point not on the curve:
 * the invalid-curve attack of CVE-2018-5383), -EACCES (the debug key
 * while allow_debug is false). Runs at once, on either implementation. */
int zble_smp_pubkey_check(const uint8_t pub[64], bool allow_debug);

#endif
