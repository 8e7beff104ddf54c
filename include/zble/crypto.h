/* The host's cryptographic primitives behind one asynchronous interface:
 * AES-128, random bytes, a local P-256 key pair and the DHKey with a remote
 * public key. Two implementations, chosen at build time by
 * CONFIG_BT_HOST_CRYPTO:
 *   1  software (mbedTLS; host-side builds only),
 *   0  the controller over HCI (LE Encrypt, LE Rand, LE Read Local P-256
 *      Public Key, LE Generate DHKey): the smallest flash.
 * Both are always asynchronous: zble_crypto_submit() only queues the
 * operation, and its done callback runs later in the host context (from a
 * work item of the host's queue, the host's lock held), never inside
 * submit. Called from the host context (as SMP is), done therefore always
 * runs after the caller has returned, with either implementation; from
 * another thread (threads backend), done may run on the host's thread
 * before submit has returned. Operations run one at a time, in
 * submission order.
 *
 * Byte order: AES keys and blocks most significant octet first (as FIPS-197
 * prints them); P-256 keys and the DHKey least significant octet first, X
 * then Y (as HCI and SMP carry them). */
#ifndef ZBLE_CRYPTO_H
#define ZBLE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zephyr/kernel.h>
#include <zephyr/sys/slist.h>

#ifndef CONFIG_BT_HOST_CRYPTO
#define CONFIG_BT_HOST_CRYPTO 0
#endif

/* The HCI commands and events of the offload (Vol 4 Part E 7.8, 7.7.65). */
/* How long the offload waits for a P-256 event after the controller
 * accepted the command (a generous bound: controllers take well under 1 s). */
#define ZBLE_CRYPTO_EVT_TIMEOUT_MS 10000

#ifndef BT_HCI_OP_LE_ENCRYPT
#define BT_HCI_OP_LE_ENCRYPT 0x2017
#endif
#ifndef BT_HCI_OP_LE_P256_PUBLIC_KEY
#define BT_HCI_OP_LE_P256_PUBLIC_KEY 0x2025
#endif
#ifndef BT_HCI_OP_LE_GENERATE_DHKEY
#define BT_HCI_OP_LE_GENERATE_DHKEY 0x2026
#endif
#ifndef BT_HCI_OP_LE_GENERATE_DHKEY_V2
#define BT_HCI_OP_LE_GENERATE_DHKEY_V2 0x205e
#endif
#ifndef BT_HCI_EVT_LE_P256_PUBLIC_KEY_COMPLETE
#define BT_HCI_EVT_LE_P256_PUBLIC_KEY_COMPLETE 0x08
#endif
#ifndef BT_HCI_EVT_LE_GENERATE_DHKEY_COMPLETE
#define BT_HCI_EVT_LE_GENERATE_DHKEY_COMPLETE 0x09
#endif

struct zble_host;
struct zble_crypto;
struct zble_crypto_op;

enum zble_crypto_op_type {
	ZBLE_CRYPTO_AES,    /* out[0..15] = AES-128(in.aes.key, in.aes.block) */
	ZBLE_CRYPTO_RAND,   /* out[0..len-1] random octets (len 1..64) */
	ZBLE_CRYPTO_PUBKEY, /* a new local key pair; out = its public key */
	ZBLE_CRYPTO_DHKEY,  /* out[0..31] = DHKey(local private key, in.remote) */
};

/* err: 0, -EINVAL (bad input, a remote key not on the curve), -EAGAIN
 * (DHKey without a local key pair), -ENOTSUP, -EIO (the controller
 * failed), -ECANCELED (zble_crypto_deinit). */
typedef void (*zble_crypto_done_t)(struct zble_crypto_op *op, int err);

/* One operation, owned by the caller (embed it and use CONTAINER_OF in
 * done); it must stay untouched from submit until done has run. */
struct zble_crypto_op {
	sys_snode_t node;
	uint8_t type;   /* enum zble_crypto_op_type */
	uint8_t len;    /* ZBLE_CRYPTO_RAND: octets wanted */
	bool debug_key; /* ZBLE_CRYPTO_DHKEY: use the SMP debug private key
			 * (Vol 3 Part H 2.3.5.6.1) instead of the generated one */
	zble_crypto_done_t done;
	void *user_data;
	union {
		struct {
			uint8_t key[16];
			uint8_t block[16];
		} aes;
		uint8_t remote[64];
	} in;
	uint8_t out[64];
	uint8_t filled; /* RAND: octets gathered so far (implementation use) */
};

/* An implementation (crypto_sw.c, crypto_hci.c). start runs from the
 * crypto work item in the host context (never from submit) and calls
 * zble_crypto_finish(c, op, err) then or later. */
struct zble_crypto_ops {
	const char *name;
	void (*start)(struct zble_crypto *c, struct zble_crypto_op *op);
	/* An LE meta event the implementation waits for (offload only). */
	void (*le_meta)(struct zble_crypto *c, uint8_t subevent, const uint8_t *p, size_t len);
};

struct zble_crypto {
	struct zble_host *host;
	const struct zble_crypto_ops *ops;
	sys_slist_t queue;
	struct zble_crypto_op *cur; /* running, NULL when idle */
	struct k_work work;         /* starts the next operation */
	bool have_key;              /* a local key pair exists */
	bool awaiting_evt;          /* offload: cur waits for its LE meta event */
	struct k_work_delayable evt_timeout; /* offload: bounds that wait */
	uint8_t priv[32];           /* software: the local private key (LSO first) */
};

/* The controller (crypto_hci.c, always built) and mbedTLS (crypto_mbedtls.c,
 * built where mbedTLS is: host-side builds). */
extern const struct zble_crypto_ops zble_crypto_offload_ops;
extern const struct zble_crypto_ops zble_crypto_sw_ops;
#if CONFIG_BT_HOST_CRYPTO
#define ZBLE_CRYPTO_DEFAULT_OPS (&zble_crypto_sw_ops)
#else
#define ZBLE_CRYPTO_DEFAULT_OPS (&zble_crypto_offload_ops)
#endif

/* Binds c to host (after zble_host_init) with ops (NULL: the build's
 * default). The host routes the P-256 events to the context bound last:
 * one per host. 0 or -EINVAL. */
int zble_crypto_init(struct zble_crypto *c, struct zble_host *host, const struct zble_crypto_ops *ops);
/* Fails the running and every queued operation with -ECANCELED (their
 * done runs now) and unbinds c from its host. A command already sent to
 * the controller still completes into c later (and is ignored), so c must
 * outlive it: deinitialise the host first, or keep c. */
void zble_crypto_deinit(struct zble_crypto *c);
/* Queues op (type and inputs set); done runs later in the host context.
 * 0, or -EINVAL (bad type or length; done will not run). */
int zble_crypto_submit(struct zble_crypto *c, struct zble_crypto_op *op, zble_crypto_done_t done, void *user_data);

/* For implementations: op (== c->cur) is complete. */
void zble_crypto_finish(struct zble_crypto *c, struct zble_crypto_op *op, int err);
/* For the host's event dispatch: an LE P-256 Public Key Complete or LE
 * Generate DHKey Complete event. */
void zble_crypto_le_meta(struct zble_host *host, uint8_t subevent, const uint8_t *p, size_t len);

/* The SMP debug key pair (Vol 3 Part H 2.3.5.6.1), LSO first. */
extern const uint8_t zble_crypto_debug_priv[32];
extern const uint8_t zble_crypto_debug_pub[64];

#endif
