/* The host's table of peer keys (src/host/keys.c): lookup, allocation
 * under the full-table policy, and the record format the bond store
 * keeps. Host lock held for every call. */
#ifndef ZBLE_KEYS_H
#define ZBLE_KEYS_H

#include "zble/host.h"

/* The entry for (id, addr) by identity address, or NULL. */
struct bt_keys *zble_keys_find(struct zble_host *host, uint8_t id, const bt_addr_le_t *addr);
/* The entry for (id, addr), or a fresh one: a free slot, else the least
 * recently used entry when the policy replaces (the old bond is removed
 * from the store), else NULL. */
struct bt_keys *zble_keys_get(struct zble_host *host, uint8_t id, const bt_addr_le_t *addr);
/* Marks keys as the most recently used. */
void zble_keys_touch(struct zble_host *host, struct bt_keys *keys);
/* Writes a bonded entry to the store (no-op without a store or when not
 * bonded). 0 or the store's error. */
int zble_keys_save(struct zble_host *host, const struct bt_keys *keys);
/* Forgets an entry, in RAM and in the store. */
void zble_keys_clear(struct zble_host *host, struct bt_keys *keys);
/* Calls fn for each used entry of identity id (every identity if id is
 * 0xff). */
void zble_keys_foreach(struct zble_host *host, uint8_t id, void (*fn)(struct bt_keys *keys, void *data), void *data);
/* Reads every stored record into the table (at bt_enable). Count loaded. */
int zble_keys_load(struct zble_host *host);

/* Record format (ZBLE_BOND_RECORD_SIZE bytes, little endian, versioned). */
void zble_keys_encode(const struct bt_keys *keys, uint8_t record[ZBLE_BOND_RECORD_SIZE]);
/* 0, or -EINVAL for a record of another version or with bad fields. */
int zble_keys_decode(const uint8_t record[ZBLE_BOND_RECORD_SIZE], struct bt_keys *keys);

#endif
