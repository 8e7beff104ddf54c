/* Keys of bonded (and being-paired) peers, held in the host context, and
 * the interface of the store that keeps bonds across restarts. Owned by
 * src/host/keys*.c; SMP fills entries, privacy reads the IRKs. */
#ifndef ZBLE_HOST_KEYS_H
#define ZBLE_HOST_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zephyr/bluetooth/addr.h>

#ifndef CONFIG_BT_MAX_PAIRED
#define CONFIG_BT_MAX_PAIRED 4
#endif

/* Which keys an entry holds (bt_keys.keys). */
enum {
	ZBLE_KEYS_LTK = 1u << 0,        /* key the peer distributed (used when we are central), or the SC LTK */
	ZBLE_KEYS_PERIPH_LTK = 1u << 1, /* legacy: key we distributed (used when we are peripheral) */
	ZBLE_KEYS_IRK = 1u << 2,        /* peer's identity resolving key */
	ZBLE_KEYS_LOCAL_CSRK = 1u << 3, /* key we sign with */
	ZBLE_KEYS_REMOTE_CSRK = 1u << 4,/* key the peer signs with */
};

/* Properties of the pairing that produced the keys (bt_keys.flags). */
enum {
	ZBLE_KEYS_AUTHENTICATED = 1u << 0, /* MITM protection (passkey, numeric comparison, OOB) */
	ZBLE_KEYS_SC = 1u << 1,            /* LE Secure Connections */
	ZBLE_KEYS_BONDED = 1u << 2,        /* both sides asked to bond: persisted */
};

struct zble_ltk {
	uint8_t val[16];
	uint8_t rand[8]; /* zero for SC keys */
	uint16_t ediv;   /* zero for SC keys */
};

struct zble_csrk {
	uint8_t val[16];
	uint32_t counter; /* next SignCounter to send (local) / last one accepted + 1 (remote) */
};

struct bt_keys {
	uint8_t id;          /* local identity */
	bool used;
	bt_addr_le_t addr;   /* peer identity address (after key distribution) */
	uint8_t keys;        /* ZBLE_KEYS_LTK ... */
	uint8_t flags;       /* ZBLE_KEYS_AUTHENTICATED ... */
	uint8_t enc_size;    /* 7..16 */
	uint32_t age;        /* larger: paired or used more recently (replacement order) */
	struct zble_ltk ltk;
	struct zble_ltk periph_ltk;
	uint8_t irk[16];
	bt_addr_t rpa;       /* last RPA resolved with irk */
	struct zble_csrk local_csrk;
	struct zble_csrk remote_csrk;
};

/* A bond as the persistent store sees it: an opaque record of
 * ZBLE_BOND_RECORD_SIZE bytes keyed by (id, identity address). */
#define ZBLE_BOND_RECORD_SIZE 128

/* Persistent bond storage. Every function returns 0 or a negative errno.
 * load(index) fills the index-th stored record (-ENOENT past the last);
 * save replaces the record with the same key or adds it; remove deletes
 * one key (-ENOENT if absent). Calls come from the host context. */
struct zble_bond_store {
	int (*load)(void *ctx, unsigned index, uint8_t record[ZBLE_BOND_RECORD_SIZE]);
	int (*save)(void *ctx, uint8_t id, const bt_addr_le_t *addr, const uint8_t record[ZBLE_BOND_RECORD_SIZE]);
	int (*remove)(void *ctx, uint8_t id, const bt_addr_le_t *addr);
	void *ctx;
};

/* What happens when a new bond finds the table full. */
enum zble_keys_full_policy {
	ZBLE_KEYS_FULL_REPLACE_OLDEST = 0, /* default: the least recently used bond goes */
	ZBLE_KEYS_FULL_REFUSE = 1,         /* pairing fails with Unspecified Reason */
};

struct zble_keys_host {
	struct bt_keys table[CONFIG_BT_MAX_PAIRED];
	uint32_t age_next;
	enum zble_keys_full_policy full_policy;
	const struct zble_bond_store *store; /* NULL: RAM only */
};

#endif
