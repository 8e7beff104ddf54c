/* The host's table of peer keys and its persistent record format. */
#include <errno.h>
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "host_internal.h"
#include "keys.h"

#define RECORD_VERSION 1

static bool addr_match(const struct bt_keys *k, uint8_t id, const bt_addr_le_t *addr)
{
	return k->used && k->id == id && bt_addr_le_eq(&k->addr, addr);
}

struct bt_keys *zble_keys_find(struct zble_host *host, uint8_t id, const bt_addr_le_t *addr)
{
	for (size_t i = 0; i < CONFIG_BT_MAX_PAIRED; i++) {
		if (addr_match(&host->keys.table[i], id, addr)) {
			return &host->keys.table[i];
		}
	}
	return NULL;
}

void zble_keys_touch(struct zble_host *host, struct bt_keys *keys)
{
	keys->age = ++host->keys.age_next;
}

struct bt_keys *zble_keys_get(struct zble_host *host, uint8_t id, const bt_addr_le_t *addr)
{
	struct bt_keys *k = zble_keys_find(host, id, addr);
	if (k) {
		return k;
	}
	struct bt_keys *oldest = NULL;
	for (size_t i = 0; i < CONFIG_BT_MAX_PAIRED; i++) {
		struct bt_keys *e = &host->keys.table[i];
		if (!e->used) {
			k = e;
			break;
		}
		if (!oldest || e->age < oldest->age) {
			oldest = e;
		}
	}
	if (!k) {
		if (host->keys.full_policy == ZBLE_KEYS_FULL_REFUSE || !oldest) {
			return NULL;
		}
		zble_keys_clear(host, oldest);
		k = oldest;
	}
	memset(k, 0, sizeof(*k));
	k->used = true;
	k->id = id;
	k->addr = *addr;
	zble_keys_touch(host, k);
	return k;
}

int zble_keys_save(struct zble_host *host, const struct bt_keys *keys)
{
	const struct zble_bond_store *st = host->keys.store;
	if (!st || !keys->used || !(keys->flags & ZBLE_KEYS_BONDED)) {
		return 0;
	}
	uint8_t rec[ZBLE_BOND_RECORD_SIZE];
	zble_keys_encode(keys, rec);
	return st->save(st->ctx, keys->id, &keys->addr, rec);
}

void zble_keys_clear(struct zble_host *host, struct bt_keys *keys)
{
	const struct zble_bond_store *st = host->keys.store;
	if (st && keys->used && (keys->flags & ZBLE_KEYS_BONDED)) {
		(void)st->remove(st->ctx, keys->id, &keys->addr);
	}
	memset(keys, 0, sizeof(*keys));
}

void zble_keys_foreach(struct zble_host *host, uint8_t id, void (*fn)(struct bt_keys *keys, void *data), void *data)
{
	for (size_t i = 0; i < CONFIG_BT_MAX_PAIRED; i++) {
		struct bt_keys *k = &host->keys.table[i];
		if (k->used && (id == 0xff || k->id == id)) {
			fn(k, data);
		}
	}
}

int zble_keys_load(struct zble_host *host)
{
	const struct zble_bond_store *st = host->keys.store;
	int n = 0;
	if (!st) {
		return 0;
	}
	uint8_t rec[ZBLE_BOND_RECORD_SIZE];
	for (unsigned i = 0; st->load(st->ctx, i, rec) == 0; i++) {
		struct bt_keys tmp;
		if (zble_keys_decode(rec, &tmp) != 0) {
			continue; /* a record from another version: not ours to use */
		}
		struct bt_keys *k = zble_keys_find(host, tmp.id, &tmp.addr);
		if (!k) {
			for (size_t j = 0; j < CONFIG_BT_MAX_PAIRED; j++) {
				if (!host->keys.table[j].used) {
					k = &host->keys.table[j];
					break;
				}
			}
		}
		if (!k) {
			break; /* more stored bonds than CONFIG_BT_MAX_PAIRED */
		}
		*k = tmp;
		if (k->age > host->keys.age_next) {
			host->keys.age_next = k->age;
		}
		n++;
	}
	return n;
}

/* Layout: version, id, addr type, addr[6], keys, flags, enc_size, age(4),
 * ltk(16+8+2), periph_ltk(16+8+2), irk(16), local csrk(16+4),
 * remote csrk(16+4); the rest zero. */
static uint8_t *put_ltk(uint8_t *p, const struct zble_ltk *l)
{
	memcpy(p, l->val, 16);
	memcpy(p + 16, l->rand, 8);
	sys_put_le16(l->ediv, p + 24);
	return p + 26;
}

static const uint8_t *get_ltk(const uint8_t *p, struct zble_ltk *l)
{
	memcpy(l->val, p, 16);
	memcpy(l->rand, p + 16, 8);
	l->ediv = sys_get_le16(p + 24);
	return p + 26;
}

static uint8_t *put_csrk(uint8_t *p, const struct zble_csrk *c)
{
	memcpy(p, c->val, 16);
	sys_put_le32(c->counter, p + 16);
	return p + 20;
}

static const uint8_t *get_csrk(const uint8_t *p, struct zble_csrk *c)
{
	memcpy(c->val, p, 16);
	c->counter = sys_get_le32(p + 16);
	return p + 20;
}

void zble_keys_encode(const struct bt_keys *k, uint8_t rec[ZBLE_BOND_RECORD_SIZE])
{
	uint8_t *p = rec;
	memset(rec, 0, ZBLE_BOND_RECORD_SIZE);
	*p++ = RECORD_VERSION;
	*p++ = k->id;
	*p++ = k->addr.type;
	memcpy(p, k->addr.a.val, 6);
	p += 6;
	*p++ = k->keys;
	*p++ = k->flags;
	*p++ = k->enc_size;
	sys_put_le32(k->age, p);
	p += 4;
	p = put_ltk(p, &k->ltk);
	p = put_ltk(p, &k->periph_ltk);
	memcpy(p, k->irk, 16);
	p += 16;
	p = put_csrk(p, &k->local_csrk);
	(void)put_csrk(p, &k->remote_csrk);
}

int zble_keys_decode(const uint8_t rec[ZBLE_BOND_RECORD_SIZE], struct bt_keys *k)
{
	const uint8_t *p = rec;
	if (*p++ != RECORD_VERSION) {
		return -EINVAL;
	}
	memset(k, 0, sizeof(*k));
	k->used = true;
	k->id = *p++;
	k->addr.type = *p++;
	memcpy(k->addr.a.val, p, 6);
	p += 6;
	k->keys = *p++;
	k->flags = *p++;
	k->enc_size = *p++;
	k->age = sys_get_le32(p);
	p += 4;
	p = get_ltk(p, &k->ltk);
	p = get_ltk(p, &k->periph_ltk);
	memcpy(k->irk, p, 16);
	p += 16;
	p = get_csrk(p, &k->local_csrk);
	(void)get_csrk(p, &k->remote_csrk);
	if (k->id >= CONFIG_BT_ID_MAX || k->addr.type > BT_ADDR_LE_RANDOM || k->enc_size < 7 || k->enc_size > 16 ||
	    k->keys == 0 || k->keys > 0x1f) {
		return -EINVAL;
	}
	return 0;
}
