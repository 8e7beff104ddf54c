/* GATT server: services registered with MicroPython's handle layout, the
 * value store in the shim's arena, the attribute callbacks that raise
 * READ_REQUEST and GATTS_WRITE, notifications and indications. */
#include <string.h>

#include "mp_internal.h"

static const struct bt_uuid_16 uuid_primary = BT_UUID_INIT_16(BT_UUID_GATT_PRIMARY_VAL);
static const struct bt_uuid_16 uuid_chrc = BT_UUID_INIT_16(BT_UUID_GATT_CHRC_VAL);
static const struct bt_uuid_16 uuid_ccc = BT_UUID_INIT_16(BT_UUID_GATT_CCC_VAL);

#define ATT_VALUE_MAX 512

/* ---- the value store: entries packed in the arena in table order ---- */

static struct zble_mp_value *value_find(struct zble_mp *mp, uint16_t handle)
{
	for (uint16_t i = 0; i < mp->n_values; i++) {
		if (mp->values[i].handle == handle) {
			return &mp->values[i];
		}
	}
	return NULL;
}

static int value_add(struct zble_mp *mp, uint16_t handle)
{
	if (mp->n_values >= ZBLE_MP_MAX_VALUES || mp->arena_size - mp->arena_used < ZBLE_MP_DEFAULT_ATTR_LEN) {
		return ZBLE_MP_ENOMEM;
	}
	mp->values[mp->n_values++] = (struct zble_mp_value){ .handle = handle,
							     .off = (uint16_t)mp->arena_used,
							     .cap = ZBLE_MP_DEFAULT_ATTR_LEN };
	mp->arena_used += ZBLE_MP_DEFAULT_ATTR_LEN;
	return 0;
}

/* Capacity of v to cap, moving the entries after it. Keeps the data that
 * still fits. */
static int value_resize(struct zble_mp *mp, struct zble_mp_value *v, size_t cap)
{
	if (cap > UINT16_MAX || (cap > v->cap && cap - v->cap > mp->arena_size - mp->arena_used)) {
		return ZBLE_MP_ENOMEM;
	}
	size_t end = (size_t)v->off + v->cap;
	memmove(mp->arena + v->off + cap, mp->arena + end, mp->arena_used - end);
	for (uint16_t i = 0; i < mp->n_values; i++) {
		if (mp->values[i].off > v->off) {
			mp->values[i].off = (uint16_t)(mp->values[i].off + cap - v->cap);
		}
	}
	mp->arena_used = mp->arena_used + cap - v->cap;
	v->cap = (uint16_t)cap;
	v->len = MIN(v->len, v->cap);
	return 0;
}

/* ---- attribute callbacks ---- */

static ssize_t value_read(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			  uint16_t offset)
{
	struct zble_mp *mp = mp_cb_enter(conn);
	if (!mp) {
		return BT_GATT_ERR(BT_ATT_ERR_UNLIKELY);
	}
	uint16_t handle = attr->handle;
	ssize_t r;
	struct zble_mp_conn *c = conn ? mp_conn_of(mp, conn) : NULL;
	int refuse = 0;
	if (c) {
		/* Before the value is served: the handler may gatts_write it. */
		struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_GATTS_READ_REQUEST, .conn_handle = c->handle,
					    .handle = handle };
		refuse = mp_emit(mp, &ev, 0);
	}
	struct zble_mp_value *v = value_find(mp, handle);
	if (refuse) {
		r = BT_GATT_ERR((uint8_t)refuse);
	} else if (!v) {
		r = BT_GATT_ERR(BT_ATT_ERR_UNLIKELY);
	} else {
		r = bt_gatt_attr_read(conn, attr, buf, len, offset, mp->arena + v->off, v->len);
	}
	mp_cb_exit(mp);
	return r;
}

static ssize_t value_write(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			   uint16_t offset, uint8_t flags)
{
	if (flags & BT_GATT_WRITE_FLAG_PREPARE) {
		return 0; /* checked when executed */
	}
	struct zble_mp *mp = mp_cb_enter(conn);
	if (!mp) {
		return BT_GATT_ERR(BT_ATT_ERR_UNLIKELY);
	}
	uint16_t handle = attr->handle;
	struct zble_mp_value *v = value_find(mp, handle);
	ssize_t r = len;
	if (!v) {
		r = BT_GATT_ERR(BT_ATT_ERR_UNLIKELY);
	} else {
		/* Truncated silently to the capacity; append mode adds. */
		size_t at = v->append ? v->len : offset;
		size_t n = at < v->cap ? MIN((size_t)len, (size_t)v->cap - at) : 0;
		memcpy(mp->arena + v->off + at, buf, n);
		v->len = (uint16_t)(at < v->cap ? at + n : v->len);
		struct zble_mp_conn *c = conn ? mp_conn_of(mp, conn) : NULL;
		if (c) {
			struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_GATTS_WRITE, .conn_handle = c->handle,
						    .handle = handle };
			(void)mp_emit(mp, &ev, 0);
		}
	}
	mp_cb_exit(mp);
	return r;
}

/* ---- registration ---- */

static uint16_t perm_of(uint16_t flags)
{
	uint16_t perm = 0;
	if (flags & ZBLE_MP_FLAG_READ) {
		perm |= BT_GATT_PERM_READ;
	}
	if (flags & (ZBLE_MP_FLAG_WRITE | ZBLE_MP_FLAG_WRITE_NO_RESPONSE | ZBLE_MP_FLAG_AUX_WRITE)) {
		perm |= BT_GATT_PERM_WRITE | BT_GATT_PERM_PREPARE_WRITE;
	}
	if (flags & ZBLE_MP_FLAG_READ_ENCRYPTED) {
		perm |= BT_GATT_PERM_READ_ENCRYPT;
	}
	if (flags & ZBLE_MP_FLAG_READ_AUTHENTICATED) {
		perm |= BT_GATT_PERM_READ_AUTHEN;
	}
	if (flags & ZBLE_MP_FLAG_WRITE_ENCRYPTED) {
		perm |= BT_GATT_PERM_WRITE_ENCRYPT;
	}
	if (flags & ZBLE_MP_FLAG_WRITE_AUTHENTICATED) {
		perm |= BT_GATT_PERM_WRITE_AUTHEN;
	}
	return perm;
}

static uint8_t last_handle_cb(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	(void)attr;
	*(uint16_t *)ud = handle;
	return BT_GATT_ITER_CONTINUE;
}

/* The handle after the last one in the database. */
static uint16_t db_end(void)
{
	uint16_t h = 0;
	bt_gatt_foreach_attr(1, 0xffff, last_handle_cb, &h);
	return (uint16_t)(h + 1);
}

static void unregister_all(struct zble_mp *mp)
{
	for (int i = mp->n_services - 1; i >= 0; i--) {
		(void)bt_gatt_service_unregister(&mp->services[i]);
	}
	mp->n_services = 0;
	mp->n_attrs = mp->n_chrs = mp->n_cccs = mp->n_values = 0;
	mp->arena_used = 0;
	mp->registering = false;
}

void mp_gatts_reset(struct zble_mp *mp)
{
	/* A new host: nothing registered in it. */
	mp->n_services = 0;
	mp->n_attrs = mp->n_chrs = mp->n_cccs = mp->n_values = 0;
	mp->arena_used = 0;
	mp->registering = false;
}

int zble_mp_gatts_register_begin(struct zble_mp *mp, bool append)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	if (append) {
		err = ZBLE_MP_EOPNOTSUPP;
	} else {
		unregister_all(mp);
		mp->registering = true;
		mp->next_handle = db_end();
	}
	mp_exit(&c);
	return err;
}

static struct bt_gatt_attr *attr_add(struct zble_mp *mp, const struct bt_uuid *uuid, uint16_t perm,
				     bt_gatt_attr_read_func_t read, bt_gatt_attr_write_func_t write, void *ud)
{
	struct bt_gatt_attr *a = &mp->attrs[mp->n_attrs++];
	*a = (struct bt_gatt_attr)BT_GATT_ATTRIBUTE(uuid, perm, read, write, ud);
	return a;
}

static const struct bt_uuid *uuid_store(struct zble_mp *mp, const struct zble_mp_uuid *u)
{
	union bt_uuid_any *slot = &mp->uuids[mp->n_attrs];
	mp_uuid_to_bt(u, slot);
	return &slot->uuid;
}

int zble_mp_gatts_register_service(struct zble_mp *mp, const struct zble_mp_uuid *svc_uuid,
				   const struct zble_mp_uuid *chr_uuids, const uint16_t *chr_flags,
				   const struct zble_mp_uuid *dsc_uuids, const uint16_t *dsc_flags,
				   const uint8_t *num_dscs, size_t num_chrs, uint16_t *handles)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	/* Count and check first: a refused service leaves nothing behind. */
	size_t n_attrs = 1, n_cccs = 0, n_values = 0, n_dsc_total = 0;
	bool ok = mp_uuid_valid(svc_uuid) && (!num_chrs || (chr_uuids && chr_flags && handles));
	for (size_t i = 0; ok && i < num_chrs; i++) {
		size_t nd = num_dscs ? num_dscs[i] : 0;
		bool notify = chr_flags[i] & (ZBLE_MP_FLAG_NOTIFY | ZBLE_MP_FLAG_INDICATE);
		ok = mp_uuid_valid(&chr_uuids[i]) && (!nd || (dsc_uuids && dsc_flags));
		for (size_t d = 0; ok && d < nd; d++) {
			ok = mp_uuid_valid(&dsc_uuids[n_dsc_total + d]);
		}
		n_attrs += 2 + notify + nd;
		n_cccs += notify;
		n_values += 1 + nd;
		n_dsc_total += nd;
	}
	if (!ok) {
		err = ZBLE_MP_EINVAL;
	} else if (!mp->registering) {
		err = ZBLE_MP_EINVAL;
	} else if (mp->n_services >= ZBLE_MP_MAX_SERVICES) {
		err = ZBLE_MP_E2BIG;
	} else if (mp->n_attrs + n_attrs > ZBLE_MP_MAX_ATTRS || mp->n_chrs + num_chrs > ZBLE_MP_MAX_CHRS ||
		   mp->n_cccs + n_cccs > ZBLE_MP_MAX_CCCS || mp->n_values + n_values > ZBLE_MP_MAX_VALUES ||
		   mp->arena_size - mp->arena_used < n_values * ZBLE_MP_DEFAULT_ATTR_LEN) {
		err = ZBLE_MP_ENOMEM;
	}
	if (err) {
		mp_exit(&c);
		return err;
	}
	if ((uint32_t)mp->next_handle + n_attrs > 0xffff) {
		mp_exit(&c);
		return ZBLE_MP_ENOMEM;
	}
	uint16_t handle = mp->next_handle;
	mp->next_handle = (uint16_t)(mp->next_handle + n_attrs);
	struct bt_gatt_service *svc = &mp->services[mp->n_services];
	svc->attrs = &mp->attrs[mp->n_attrs];
	svc->attr_count = n_attrs;
	const struct bt_uuid *su = uuid_store(mp, svc_uuid);
	(void)attr_add(mp, &uuid_primary.uuid, BT_GATT_PERM_READ, bt_gatt_attr_read_service, NULL, (void *)su);
	handle++;
	size_t out = 0, dsc = 0;
	for (size_t i = 0; i < num_chrs; i++) {
		struct zble_mp_chr *chr = &mp->chrs[mp->n_chrs++];
		uint16_t flags = chr_flags[i];
		chr->mp = mp;
		chr->flags = flags;
		chr->ccc = -1;
		chr->value_handle = (uint16_t)(handle + 1);
		/* declaration, then the value (its UUID slot is the value's) */
		struct bt_gatt_attr *decl =
			attr_add(mp, &uuid_chrc.uuid, BT_GATT_PERM_READ, bt_gatt_attr_read_chrc, NULL, &chr->chrc);
		(void)decl;
		const struct bt_uuid *vu = uuid_store(mp, &chr_uuids[i]);
		chr->chrc = (struct bt_gatt_chrc)BT_GATT_CHRC_INIT(vu, 0, (uint8_t)(flags & 0x7f));
		(void)attr_add(mp, vu, perm_of(flags), value_read, value_write, mp);
		(void)value_add(mp, chr->value_handle);
		handles[out++] = chr->value_handle;
		handle = (uint16_t)(handle + 2);
		if (flags & (ZBLE_MP_FLAG_NOTIFY | ZBLE_MP_FLAG_INDICATE)) {
			struct _bt_gatt_ccc *ccc = &mp->cccs[mp->n_cccs];
			memset(ccc, 0, sizeof(*ccc));
			chr->ccc = (int8_t)mp->n_cccs++;
			(void)attr_add(mp, &uuid_ccc.uuid, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE, bt_gatt_attr_read_ccc,
				       bt_gatt_attr_write_ccc, ccc);
			handle++;
		}
		size_t nd = num_dscs ? num_dscs[i] : 0;
		for (size_t d = 0; d < nd; d++, dsc++) {
			const struct bt_uuid *du = uuid_store(mp, &dsc_uuids[dsc]);
			(void)attr_add(mp, du, perm_of(dsc_flags[dsc]), value_read, value_write, mp);
			(void)value_add(mp, handle);
			handles[out++] = handle;
			handle++;
		}
	}
	mp->n_services++;
	mp_exit(&c);
	return 0;
}

int zble_mp_gatts_register_end(struct zble_mp *mp)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	uint16_t expect = 0;
	for (uint8_t i = 0; i < mp->n_services && !err; i++) {
		struct bt_gatt_service *svc = &mp->services[i];
		if (!expect) {
			expect = db_end();
		}
		int e = bt_gatt_service_register(svc);
		if (e || svc->attrs[0].handle != expect) {
			err = e ? mp_errno(e) : ZBLE_MP_EIO; /* the layout promised is not what the host gave */
		}
		expect = (uint16_t)(expect + svc->attr_count);
	}
	if (err) {
		unregister_all(mp);
	}
	mp->registering = false;
	mp_exit(&c);
	return err;
}

/* ---- local access ---- */

int zble_mp_gatts_read(struct zble_mp *mp, uint16_t handle, uint8_t *buf, size_t cap, size_t *len)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct zble_mp_value *v = value_find(mp, handle);
	if (!v) {
		err = ZBLE_MP_EINVAL;
	} else {
		*len = v->len;
		if (buf) {
			memcpy(buf, mp->arena + v->off, MIN(cap, (size_t)v->len));
			if (v->append && cap >= v->len) {
				v->len = 0;
			}
		}
	}
	mp_exit(&c);
	return err;
}

static const struct bt_gatt_attr *value_attr(struct zble_mp *mp, uint16_t handle)
{
	for (uint16_t i = 0; i < mp->n_attrs; i++) {
		if (mp->attrs[i].handle == handle) {
			return &mp->attrs[i];
		}
	}
	return NULL;
}

static void ind_done(struct bt_conn *conn, struct bt_gatt_indicate_params *params, uint8_t err)
{
	struct zble_mp_ind *ind = CONTAINER_OF(params, struct zble_mp_ind, params);
	struct zble_mp *mp = ind->mp;
	k_mutex_lock(&conn->host->lock, K_FOREVER);
	ind->used = false;
	struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_GATTS_INDICATE_DONE,
				    .conn_handle = ind->conn_handle,
				    .handle = ind->value_handle,
				    .status = err ? (uint16_t)(0x100 + err) : 0 };
	(void)mp_emit(mp, &ev, 0);
	k_mutex_unlock(&conn->host->lock);
}

/* One notification or indication to one link (lock held). */
static int send_value(struct zble_mp *mp, struct zble_mp_conn *c, uint16_t handle, bool indicate,
		      const uint8_t *data, size_t len)
{
	uint16_t mtu = bt_gatt_get_mtu(c->conn);
	if (mtu < 3) {
		return ZBLE_MP_ENOTCONN;
	}
	len = MIN(len, (size_t)(mtu - 3)); /* truncated silently, as NimBLE */
	if (!indicate) {
		return mp_errno(zble_gatt_notify_handle(c->conn, handle, data, (uint16_t)len));
	}
	struct zble_mp_ind *ind = NULL;
	for (int i = 0; i < ZBLE_MP_IND_SLOTS && !ind; i++) {
		ind = c->inds[i].used ? NULL : &c->inds[i];
	}
	if (!ind) {
		return ZBLE_MP_ENOMEM;
	}
	memset(ind, 0, sizeof(*ind));
	ind->mp = mp;
	ind->used = true;
	ind->conn_handle = c->handle;
	ind->value_handle = handle;
	ind->params.func = ind_done;
	ind->params.data = data;
	ind->params.len = (uint16_t)len;
	int err = zble_gatt_indicate_handle(c->conn, handle, &ind->params);
	if (err) {
		ind->used = false;
	}
	return mp_errno(err);
}

int zble_mp_gatts_write(struct zble_mp *mp, uint16_t handle, const uint8_t *data, size_t len, bool send_update)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct zble_mp_value *v = value_find(mp, handle);
	if (!v || (len && !data)) {
		err = ZBLE_MP_EINVAL;
	} else if (len > v->cap) {
		err = value_resize(mp, v, len);
	}
	if (!err) {
		if (len) {
			memcpy(mp->arena + v->off, data, len);
		}
		v->len = (uint16_t)len;
	}
	const struct bt_gatt_attr *attr = err ? NULL : value_attr(mp, handle);
	for (int i = 0; send_update && attr && i < ZBLE_MP_MAX_CONN; i++) {
		struct zble_mp_conn *mc = &mp->conns[i];
		if (!mc->conn) {
			continue;
		}
		/* One update per client: notification wins over indication. */
		if (bt_gatt_is_subscribed(mc->conn, attr, BT_GATT_CCC_NOTIFY)) {
			(void)send_value(mp, mc, handle, false, mp->arena + v->off, v->len);
		} else if (bt_gatt_is_subscribed(mc->conn, attr, BT_GATT_CCC_INDICATE)) {
			(void)send_value(mp, mc, handle, true, mp->arena + v->off, v->len);
		}
	}
	mp_exit(&c);
	return err;
}

int zble_mp_gatts_notify_indicate(struct zble_mp *mp, uint16_t conn_handle, uint16_t handle, int op,
				  const uint8_t *data, size_t len)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct zble_mp_conn *mc = mp_conn_find(mp, conn_handle);
	struct zble_mp_value *v = value_find(mp, handle);
	if (op != ZBLE_MP_GATTS_OP_NOTIFY && op != ZBLE_MP_GATTS_OP_INDICATE) {
		err = ZBLE_MP_EINVAL;
	} else if (!mc) {
		err = ZBLE_MP_ENOTCONN;
	} else if (!v) {
		err = ZBLE_MP_EINVAL;
	} else {
		if (!data) {
			data = mp->arena + v->off;
			len = v->len;
		}
		err = send_value(mp, mc, handle, op == ZBLE_MP_GATTS_OP_INDICATE, data, len);
	}
	mp_exit(&c);
	return err;
}

int zble_mp_gatts_set_buffer(struct zble_mp *mp, uint16_t handle, size_t len, bool append)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct zble_mp_value *v = value_find(mp, handle);
	if (!v) {
		err = ZBLE_MP_EINVAL;
	} else {
		err = value_resize(mp, v, len);
		if (!err) {
			v->len = 0;
			v->append = append;
		}
	}
	mp_exit(&c);
	return err;
}
