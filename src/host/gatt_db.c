/* The attribute database of a host, in handle order: GAP and GATT (the
 * host's own attributes, handles 1..9), the static services every host
 * shares (handles by position, after those), then the services registered
 * on this host (handles written into their attributes). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "gatt_internal.h"
#include "host_internal.h"

/* Bounds of the static services (gatt.h explains the section). Weak, so
 * a program that defines none links with both NULL. */
extern const struct bt_gatt_service_static __start_zble_gatt_svc[] __attribute__((weak));
extern const struct bt_gatt_service_static __stop_zble_gatt_svc[] __attribute__((weak));

#define STATIC_BASE (ZBLE_GATT_BUILTIN_ATTRS + 1)

struct zble_gatt_server_host *zble_gatts(struct zble_host *host)
{
	if (!host->gatts.ready) {
		host->gatts.ready = true;
		zble_gatts_builtin_init(host);
	}
	return &host->gatts;
}

static const struct bt_gatt_service_static *static_begin(void)
{
	return __start_zble_gatt_svc;
}

static const struct bt_gatt_service_static *static_end(void)
{
	return __start_zble_gatt_svc ? __stop_zble_gatt_svc : __start_zble_gatt_svc;
}

/* (name, address) order: the link order of a section is the toolchain's
 * choice, names are the application's. */
static bool static_before(const struct bt_gatt_service_static *a, const struct bt_gatt_service_static *b)
{
	int c = strcmp(a->_sort_name ? a->_sort_name : "", b->_sort_name ? b->_sort_name : "");
	return c < 0 || (c == 0 && (uintptr_t)a < (uintptr_t)b);
}

/* The static service after prev in that order (prev NULL: the first).
 * Quadratic in the number of static services, which stays small. */
static const struct bt_gatt_service_static *static_next(const struct bt_gatt_service_static *prev)
{
	const struct bt_gatt_service_static *best = NULL;
	for (const struct bt_gatt_service_static *s = static_begin(); s < static_end(); s++) {
		if ((!prev || static_before(prev, s)) && (!best || static_before(s, best))) {
			best = s;
		}
	}
	return best;
}

#define FOR_EACH_STATIC(s) for (const struct bt_gatt_service_static *s = static_next(NULL); s; s = static_next(s))

/* Handle of a static attribute from its position, 0 when attr is not one. */
static uint16_t static_handle(const struct bt_gatt_attr *attr)
{
	uintptr_t p = (uintptr_t)attr;
	uint32_t h = STATIC_BASE;
	FOR_EACH_STATIC(s) {
		uintptr_t first = (uintptr_t)s->attrs;
		if (p >= first && p < first + s->attr_count * sizeof(*attr)) {
			return (uint16_t)(h + (p - first) / sizeof(*attr));
		}
		h += (uint32_t)s->attr_count;
	}
	return 0;
}

static uint16_t static_last(void)
{
	uint32_t h = STATIC_BASE - 1;
	FOR_EACH_STATIC(s) {
		h += (uint32_t)s->attr_count;
	}
	return (uint16_t)MIN(h, 0xffffu);
}

bool zble_gatts_is_service_decl(const struct bt_gatt_attr *attr)
{
	return !bt_uuid_cmp(attr->uuid, BT_UUID_GATT_PRIMARY) || !bt_uuid_cmp(attr->uuid, BT_UUID_GATT_SECONDARY);
}

/* Walks one array: handles base + i (static) or from the attributes
 * (base 0). false: stop everything (past end, or fn said so). */
static bool walk(const struct bt_gatt_attr *attrs, size_t count, uint32_t base, uint16_t start, uint16_t end,
		 bt_gatt_attr_func_t fn, void *ud)
{
	if (base && base + count <= start) {
		return true;
	}
	for (size_t i = 0; i < count; i++) {
		uint32_t h = base ? base + i : attrs[i].handle;
		if (h < start) {
			continue;
		}
		if (h > end) {
			return false;
		}
		if (fn(&attrs[i], (uint16_t)h, ud) == BT_GATT_ITER_STOP) {
			return false;
		}
	}
	return true;
}

void zble_gatts_foreach(struct zble_host *host, uint16_t start, uint16_t end, bt_gatt_attr_func_t fn, void *ud)
{
	struct zble_gatt_server_host *gs = zble_gatts(host);
	if (start == 0 || start > end) {
		return;
	}
	if (!walk(gs->builtin, ZBLE_GATT_BUILTIN_ATTRS, 0, start, end, fn, ud)) {
		return;
	}
	uint32_t base = STATIC_BASE;
	FOR_EACH_STATIC(s) {
		if (!walk(s->attrs, s->attr_count, base, start, end, fn, ud)) {
			return;
		}
		base += (uint32_t)s->attr_count;
	}
	SYS_SLIST_FOR_EACH_NODE_SAFE(&gs->services, n, nx) {
		struct bt_gatt_service *svc = CONTAINER_OF(n, struct bt_gatt_service, node);
		if (!walk(svc->attrs, svc->attr_count, 0, start, end, fn, ud)) {
			return;
		}
	}
}

static uint8_t take_first(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	(void)handle;
	*(const struct bt_gatt_attr **)ud = attr;
	return BT_GATT_ITER_STOP;
}

const struct bt_gatt_attr *zble_gatts_find(struct zble_host *host, uint16_t handle)
{
	const struct bt_gatt_attr *found = NULL;
	zble_gatts_foreach(host, handle, handle, take_first, &found);
	return found;
}

struct end_walk {
	uint16_t decl, last;
};

static uint8_t find_end(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	struct end_walk *w = ud;
	if (handle != w->decl && zble_gatts_is_service_decl(attr)) {
		return BT_GATT_ITER_STOP;
	}
	w->last = handle;
	return BT_GATT_ITER_CONTINUE;
}

uint16_t zble_gatts_service_end(struct zble_host *host, uint16_t handle)
{
	struct end_walk w = { handle, handle };
	zble_gatts_foreach(host, handle, 0xffff, find_end, &w);
	return w.last;
}

uint16_t zble_gatts_handle(struct zble_host *host, const struct bt_gatt_attr *attr)
{
	(void)host;
	if (!attr) {
		return 0;
	}
	return attr->handle ? attr->handle : static_handle(attr);
}

/* ---- registration ---- */

static uint16_t last_handle(struct zble_gatt_server_host *gs)
{
	uint16_t last = static_last();
	SYS_SLIST_FOR_EACH_NODE(&gs->services, n) {
		struct bt_gatt_service *svc = CONTAINER_OF(n, struct bt_gatt_service, node);
		last = MAX(last, svc->attrs[svc->attr_count - 1].handle);
	}
	return last;
}

static bool is_registered(struct zble_gatt_server_host *gs, const struct bt_gatt_service *svc)
{
	SYS_SLIST_FOR_EACH_NODE(&gs->services, n) {
		if (n == &svc->node) {
			return true;
		}
	}
	return false;
}

static void clear_auto_handles(struct bt_gatt_service *svc)
{
	for (size_t i = 0; i < svc->attr_count; i++) {
		if (svc->attrs[i]._auto_assigned_handle) {
			svc->attrs[i].handle = 0;
			svc->attrs[i]._auto_assigned_handle = false;
		}
	}
}

/* Gives every attribute a handle (presets kept: they must increase) and
 * links svc in handle order; -EEXIST if it would overlap another. */
static int insert(struct zble_gatt_server_host *gs, struct bt_gatt_service *svc)
{
	uint32_t prev = svc->attrs[0].handle ? svc->attrs[0].handle - 1u : last_handle(gs);
	for (size_t i = 0; i < svc->attr_count; i++) {
		struct bt_gatt_attr *a = &svc->attrs[i];
		if (a->handle == 0) {
			a->handle = (uint16_t)(prev + 1);
			a->_auto_assigned_handle = true;
			if (prev + 1 > 0xffff) {
				clear_auto_handles(svc);
				return -ENOMEM;
			}
		} else if (a->handle <= prev) {
			clear_auto_handles(svc);
			return -EEXIST;
		}
		prev = a->handle;
	}
	uint16_t first = svc->attrs[0].handle, last = svc->attrs[svc->attr_count - 1].handle;
	if (first <= static_last()) {
		clear_auto_handles(svc);
		return -EEXIST;
	}
	sys_snode_t *before = NULL;
	SYS_SLIST_FOR_EACH_NODE(&gs->services, n) {
		struct bt_gatt_service *o = CONTAINER_OF(n, struct bt_gatt_service, node);
		uint16_t o_first = o->attrs[0].handle, o_last = o->attrs[o->attr_count - 1].handle;
		if (last >= o_first && first <= o_last) {
			clear_auto_handles(svc);
			return -EEXIST;
		}
		if (o_last < first) {
			before = n;
		}
	}
	if (!before) {
		sys_slist_prepend(&gs->services, &svc->node);
	} else {
		svc->node.next = before->next;
		before->next = &svc->node;
		if (gs->services.tail == before) {
			gs->services.tail = &svc->node;
		}
	}
	return 0;
}

int bt_gatt_service_register(struct bt_gatt_service *svc)
{
	if (!svc || !svc->attrs || svc->attr_count == 0) {
		return -EINVAL;
	}
	/* The host serves GAP and GATT itself. */
	if (!bt_uuid_cmp(svc->attrs[0].uuid, BT_UUID_GATT_PRIMARY) && svc->attrs[0].user_data &&
	    (!bt_uuid_cmp(svc->attrs[0].user_data, BT_UUID_GAP) || !bt_uuid_cmp(svc->attrs[0].user_data, BT_UUID_GATT))) {
		return -EALREADY;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	struct zble_gatt_server_host *gs = zble_gatts(host);
	int err = -EALREADY;
	if (!is_registered(gs, svc)) {
		err = insert(gs, svc);
		if (!err) {
			zble_gatts_service_changed(host, svc->attrs[0].handle, svc->attrs[svc->attr_count - 1].handle);
		}
	}
	zble_api_exit(host);
	return err;
}

int bt_gatt_service_unregister(struct bt_gatt_service *svc)
{
	if (!svc) {
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	struct zble_gatt_server_host *gs = zble_gatts(host);
	int err = -ENOENT;
	if (sys_slist_find_and_remove(&gs->services, &svc->node)) {
		uint16_t first = svc->attrs[0].handle, last = svc->attrs[svc->attr_count - 1].handle;
		clear_auto_handles(svc);
		zble_gatts_service_changed(host, first, last);
		err = 0;
	}
	zble_api_exit(host);
	return err;
}

bool bt_gatt_service_is_registered(const struct bt_gatt_service *svc)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return false;
	}
	bool r = svc && is_registered(zble_gatts(host), svc);
	zble_api_exit(host);
	return r;
}

/* ---- walking from the application ---- */

struct type_walk {
	const struct bt_uuid *uuid;
	const void *attr_data;
	uint16_t left; /* 0: no limit */
	bt_gatt_attr_func_t func;
	void *user_data;
};

static uint8_t type_filter(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	struct type_walk *w = ud;
	if (w->uuid && bt_uuid_cmp(attr->uuid, w->uuid)) {
		return BT_GATT_ITER_CONTINUE;
	}
	if (w->attr_data && attr->user_data != w->attr_data) {
		return BT_GATT_ITER_CONTINUE;
	}
	if (w->func(attr, handle, w->user_data) == BT_GATT_ITER_STOP) {
		return BT_GATT_ITER_STOP;
	}
	if (w->left && --w->left == 0) {
		return BT_GATT_ITER_STOP;
	}
	return BT_GATT_ITER_CONTINUE;
}

void bt_gatt_foreach_attr_type(uint16_t start_handle, uint16_t end_handle, const struct bt_uuid *uuid,
			       const void *attr_data, uint16_t num_matches, bt_gatt_attr_func_t func, void *user_data)
{
	if (!func) {
		return;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return;
	}
	struct type_walk w = { uuid, attr_data, num_matches, func, user_data };
	zble_gatts_foreach(host, start_handle, end_handle, type_filter, &w);
	zble_api_exit(host);
}

void bt_gatt_foreach_attr(uint16_t start_handle, uint16_t end_handle, bt_gatt_attr_func_t func, void *user_data)
{
	bt_gatt_foreach_attr_type(start_handle, end_handle, NULL, NULL, 0, func, user_data);
}

struct uuid_walk {
	const struct bt_uuid *uuid;
	uint16_t left;
	const struct bt_gatt_attr *found;
};

static uint8_t match_uuid(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	(void)handle;
	struct uuid_walk *w = ud;
	if (!w->uuid || !bt_uuid_cmp(attr->uuid, w->uuid)) {
		w->found = attr;
		return BT_GATT_ITER_STOP;
	}
	if (w->left && --w->left == 0) {
		return BT_GATT_ITER_STOP;
	}
	return BT_GATT_ITER_CONTINUE;
}

const struct bt_gatt_attr *bt_gatt_find_by_uuid(const struct bt_gatt_attr *attr, uint16_t attr_count,
						const struct bt_uuid *uuid)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return NULL;
	}
	uint16_t start = attr ? zble_gatts_handle(host, attr) : 1;
	struct uuid_walk w = { uuid, attr_count, NULL };
	if (start) {
		zble_gatts_foreach(host, start, 0xffff, match_uuid, &w);
	}
	zble_api_exit(host);
	return w.found;
}

struct bt_gatt_attr *bt_gatt_attr_next(const struct bt_gatt_attr *attr)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return NULL;
	}
	uint16_t h = zble_gatts_handle(host, attr);
	const struct bt_gatt_attr *next = (h && h < 0xffff) ? zble_gatts_find(host, (uint16_t)(h + 1)) : NULL;
	zble_api_exit(host);
	/* Zephyr's signature: static attributes are const, never written through it. */
	return (struct bt_gatt_attr *)(uintptr_t)next;
}

uint16_t bt_gatt_attr_get_handle(const struct bt_gatt_attr *attr)
{
	return zble_gatts_handle(NULL, attr);
}

uint16_t bt_gatt_attr_value_handle(const struct bt_gatt_attr *attr)
{
	if (!attr || bt_uuid_cmp(attr->uuid, BT_UUID_GATT_CHRC) || !attr->user_data) {
		return 0;
	}
	const struct bt_gatt_chrc *chrc = attr->user_data;
	if (chrc->value_handle) {
		return chrc->value_handle;
	}
	uint16_t h = bt_gatt_attr_get_handle(attr);
	return h ? (uint16_t)(h + 1) : 0;
}
