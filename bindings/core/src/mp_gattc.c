/* GATT client: discovery, reads, writes, MTU exchange, and the
 * notifications and indications every link receives. Procedures queue per
 * link in the host; each one lives in an op slot of its connection until
 * its last callback. */
#include <string.h>

#include "mp_internal.h"

enum { OP_FREE, OP_SERVICES, OP_CHARS, OP_DESCS, OP_READ, OP_WRITE, OP_MTU };

static uint16_t att_status(uint8_t err)
{
	return err ? (uint16_t)(0x100 + err) : 0;
}

static struct zble_mp_gattc_op *op_alloc(struct zble_mp *mp, struct zble_mp_conn *c, uint8_t kind)
{
	for (int i = 0; i < ZBLE_MP_GATTC_OPS; i++) {
		struct zble_mp_gattc_op *op = &c->ops[i];
		if (op->kind == OP_FREE) {
			memset(op, 0, offsetof(struct zble_mp_gattc_op, buf));
			op->mp = mp;
			op->kind = kind;
			op->conn_handle = c->handle;
			return op;
		}
	}
	return NULL;
}

/* Common entry of the client calls: lock, find the link, take a slot. */
static int op_begin(struct zble_mp *mp, struct mp_call *call, uint16_t conn_handle, uint8_t kind,
		    struct zble_mp_conn **c, struct zble_mp_gattc_op **op)
{
	int err = mp_enter(mp, call);
	if (err) {
		return err;
	}
	*c = mp_conn_find(mp, conn_handle);
	if (!*c) {
		mp_exit(call);
		return ZBLE_MP_ENOTCONN;
	}
	*op = kind == OP_FREE ? NULL : op_alloc(mp, *c, kind);
	if (kind != OP_FREE && !*op) {
		mp_exit(call);
		return ZBLE_MP_EBUSY;
	}
	return 0;
}

static int op_end(struct mp_call *call, struct zble_mp_gattc_op *op, int neg)
{
	if (neg && op) {
		op->kind = OP_FREE;
	}
	mp_exit(call);
	return mp_errno(neg);
}

static void emit_done(struct zble_mp_gattc_op *op, uint8_t code, uint16_t status)
{
	struct zble_mp_event ev = { .code = code, .conn_handle = op->conn_handle, .status = status };
	op->kind = OP_FREE;
	(void)mp_emit(op->mp, &ev, 0);
}

/* ---- discovery ---- */

static uint8_t on_discover(struct bt_conn *conn, const struct bt_gatt_attr *attr,
			   struct bt_gatt_discover_params *params)
{
	struct zble_mp_gattc_op *op = CONTAINER_OF(params, struct zble_mp_gattc_op, p.discover);
	struct zble_mp *mp = op->mp;
	k_mutex_lock(&conn->host->lock, K_FOREVER);
	bool batch = !attr && mp_batch_begin(mp); /* a held-back result, then DONE */
	struct zble_mp_event ev = { .conn_handle = op->conn_handle };
	uint8_t ret = BT_GATT_ITER_CONTINUE;
	switch (op->kind) {
	case OP_SERVICES:
		if (!attr) {
			emit_done(op, ZBLE_MP_IRQ_GATTC_SERVICE_DONE, 0);
			ret = BT_GATT_ITER_STOP;
			break;
		}
		{
			const struct bt_gatt_service_val *sv = attr->user_data;
			ev.code = ZBLE_MP_IRQ_GATTC_SERVICE_RESULT;
			ev.handle = attr->handle;
			ev.end_handle = sv->end_handle;
			mp_uuid_from_bt(sv->uuid, &ev.uuid);
			(void)mp_emit(mp, &ev, 0);
		}
		break;
	case OP_CHARS:
		/* Each result waits for the next declaration, which gives its
		 * end handle; all are discovered so that a UUID filter does
		 * not stretch a characteristic over the ones skipped. */
		if (op->have_pending) {
			op->pending.end_handle = attr ? (uint16_t)(attr->handle - 1) : op->end_handle;
			op->have_pending = false;
			struct zble_mp_event pend = op->pending;
			if (op->uuid.uuid.type != 0xff) {
				union bt_uuid_any u;
				mp_uuid_to_bt(&pend.uuid, &u);
				if (bt_uuid_cmp(&u.uuid, &op->uuid.uuid)) {
					pend.code = 0;
				}
			}
			if (pend.code) {
				(void)mp_emit(mp, &pend, 0);
			}
		}
		if (!attr) {
			emit_done(op, ZBLE_MP_IRQ_GATTC_CHARACTERISTIC_DONE, 0);
			ret = BT_GATT_ITER_STOP;
			break;
		}
		{
			const struct bt_gatt_chrc *chrc = attr->user_data;
			op->pending = ev;
			op->pending.code = ZBLE_MP_IRQ_GATTC_CHARACTERISTIC_RESULT;
			op->pending.handle = chrc->value_handle;
			op->pending.properties = chrc->properties;
			mp_uuid_from_bt(chrc->uuid, &op->pending.uuid);
			op->have_pending = true;
		}
		break;
	case OP_DESCS:
		if (!attr) {
			emit_done(op, ZBLE_MP_IRQ_GATTC_DESCRIPTOR_DONE, 0);
			ret = BT_GATT_ITER_STOP;
			break;
		}
		ev.code = ZBLE_MP_IRQ_GATTC_DESCRIPTOR_RESULT;
		ev.handle = attr->handle;
		mp_uuid_from_bt(attr->uuid, &ev.uuid);
		(void)mp_emit(mp, &ev, 0);
		break;
	default:
		ret = BT_GATT_ITER_STOP;
		break;
	}
	mp_batch_end(mp, batch);
	k_mutex_unlock(&conn->host->lock);
	return ret;
}

static int discover(struct zble_mp *mp, uint16_t conn_handle, uint8_t kind, uint8_t type, uint16_t start,
		    uint16_t end, const struct zble_mp_uuid *uuid)
{
	struct mp_call call;
	struct zble_mp_conn *c;
	struct zble_mp_gattc_op *op;
	if (uuid && !mp_uuid_valid(uuid)) {
		return mp->state == MP_ACTIVE ? ZBLE_MP_EINVAL : ZBLE_MP_ENODEV;
	}
	int err = op_begin(mp, &call, conn_handle, kind, &c, &op);
	if (err) {
		return err;
	}
	op->uuid.uuid.type = 0xff; /* no filter */
	if (uuid) {
		mp_uuid_to_bt(uuid, &op->uuid);
	}
	op->end_handle = end;
	struct bt_gatt_discover_params *p = &op->p.discover;
	p->func = on_discover;
	p->type = type;
	p->start_handle = start;
	p->end_handle = end;
	p->uuid = uuid && kind == OP_SERVICES ? &op->uuid.uuid : NULL;
	return op_end(&call, op, bt_gatt_discover(c->conn, p));
}

int zble_mp_gattc_discover_services(struct zble_mp *mp, uint16_t conn_handle, const struct zble_mp_uuid *uuid)
{
	return discover(mp, conn_handle, OP_SERVICES, BT_GATT_DISCOVER_PRIMARY, 1, 0xffff, uuid);
}

int zble_mp_gattc_discover_characteristics(struct zble_mp *mp, uint16_t conn_handle, uint16_t start_handle,
					   uint16_t end_handle, const struct zble_mp_uuid *uuid)
{
	if (!start_handle || start_handle > end_handle) {
		return mp->state == MP_ACTIVE ? ZBLE_MP_EINVAL : ZBLE_MP_ENODEV;
	}
	return discover(mp, conn_handle, OP_CHARS, BT_GATT_DISCOVER_CHARACTERISTIC, start_handle, end_handle, uuid);
}

int zble_mp_gattc_discover_descriptors(struct zble_mp *mp, uint16_t conn_handle, uint16_t start_handle,
				       uint16_t end_handle)
{
	if (start_handle >= end_handle) {
		/* Nothing after the value: done at once, as an empty search. */
		struct mp_call call;
		struct zble_mp_conn *c;
		struct zble_mp_gattc_op *op;
		int err = op_begin(mp, &call, conn_handle, OP_DESCS, &c, &op);
		if (err) {
			return err;
		}
		if (start_handle > end_handle) {
			op->kind = OP_FREE;
			mp_exit(&call);
			return ZBLE_MP_EINVAL;
		}
		emit_done(op, ZBLE_MP_IRQ_GATTC_DESCRIPTOR_DONE, 0);
		mp_exit(&call);
		return 0;
	}
	/* Every attribute after the value, as NimBLE (start is exclusive). */
	return discover(mp, conn_handle, OP_DESCS, BT_GATT_DISCOVER_ATTRIBUTE, (uint16_t)(start_handle + 1),
			end_handle, NULL);
}

/* ---- read, write, MTU ---- */

static uint8_t on_read(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params, const void *data,
		       uint16_t length)
{
	struct zble_mp_gattc_op *op = CONTAINER_OF(params, struct zble_mp_gattc_op, p.read);
	k_mutex_lock(&conn->host->lock, K_FOREVER);
	uint8_t ret = BT_GATT_ITER_CONTINUE;
	if (data && !err) {
		/* Long values arrive in pieces: one contiguous buffer. */
		uint16_t n = (uint16_t)MIN((size_t)length, sizeof(op->buf) - op->len);
		memcpy(op->buf + op->len, data, n);
		op->len = (uint16_t)(op->len + n);
	} else {
		bool batch = mp_batch_begin(op->mp); /* READ_RESULT with its READ_DONE */
		struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_GATTC_READ_RESULT,
					    .conn_handle = op->conn_handle,
					    .handle = op->handle,
					    .data = op->buf,
					    .data_len = op->len };
		if (!err) {
			(void)mp_emit(op->mp, &ev, 0);
		}
		ev = (struct zble_mp_event){ .code = ZBLE_MP_IRQ_GATTC_READ_DONE,
					     .conn_handle = op->conn_handle,
					     .handle = op->handle,
					     .status = att_status(err) };
		op->kind = OP_FREE;
		(void)mp_emit(op->mp, &ev, 0);
		mp_batch_end(op->mp, batch);
		ret = BT_GATT_ITER_STOP;
	}
	k_mutex_unlock(&conn->host->lock);
	return ret;
}

int zble_mp_gattc_read(struct zble_mp *mp, uint16_t conn_handle, uint16_t handle)
{
	struct mp_call call;
	struct zble_mp_conn *c;
	struct zble_mp_gattc_op *op;
	if (!handle) {
		return mp->state == MP_ACTIVE ? ZBLE_MP_EINVAL : ZBLE_MP_ENODEV;
	}
	int err = op_begin(mp, &call, conn_handle, OP_READ, &c, &op);
	if (err) {
		return err;
	}
	op->handle = handle;
	op->len = 0;
	op->p.read.func = on_read;
	op->p.read.handle_count = 1;
	op->p.read.single.handle = handle;
	op->p.read.single.offset = 0;
	return op_end(&call, op, bt_gatt_read(c->conn, &op->p.read));
}

static void on_write(struct bt_conn *conn, uint8_t err, struct bt_gatt_write_params *params)
{
	struct zble_mp_gattc_op *op = CONTAINER_OF(params, struct zble_mp_gattc_op, p.write);
	k_mutex_lock(&conn->host->lock, K_FOREVER);
	struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_GATTC_WRITE_DONE,
				    .conn_handle = op->conn_handle,
				    .handle = op->handle,
				    .status = att_status(err) };
	op->kind = OP_FREE;
	(void)mp_emit(op->mp, &ev, 0);
	k_mutex_unlock(&conn->host->lock);
}

int zble_mp_gattc_write(struct zble_mp *mp, uint16_t conn_handle, uint16_t handle, const uint8_t *data, size_t len,
			unsigned mode)
{
	struct mp_call call;
	struct zble_mp_conn *c;
	struct zble_mp_gattc_op *op;
	if (mode > ZBLE_MP_WRITE_MODE_WITH_RESPONSE || !handle || (len && !data)) {
		return mp->state == MP_ACTIVE ? ZBLE_MP_EINVAL : ZBLE_MP_ENODEV;
	}
	int err = op_begin(mp, &call, conn_handle, mode ? OP_WRITE : OP_FREE, &c, &op);
	if (err) {
		return err;
	}
	uint16_t mtu = bt_gatt_get_mtu(c->conn);
	if (mtu < 3) {
		return op_end(&call, op, -ENOTCONN);
	}
	len = MIN(MIN(len, (size_t)(mtu - 3)), (size_t)ZBLE_MP_VALUE_MAX); /* as NimBLE: truncated */
	if (!mode) {
		return op_end(&call, NULL, bt_gatt_write_without_response(c->conn, handle, data, (uint16_t)len, false));
	}
	op->handle = handle;
	memcpy(op->buf, data, len);
	op->p.write = (struct bt_gatt_write_params){
		.func = on_write, .handle = handle, .offset = 0, .data = op->buf, .length = (uint16_t)len
	};
	return op_end(&call, op, bt_gatt_write(c->conn, &op->p.write));
}

static void on_exchange(struct bt_conn *conn, uint8_t err, struct bt_gatt_exchange_params *params)
{
	(void)err;
	struct zble_mp_gattc_op *op = CONTAINER_OF(params, struct zble_mp_gattc_op, p.exchange);
	k_mutex_lock(&conn->host->lock, K_FOREVER);
	op->kind = OP_FREE; /* MTU_EXCHANGED comes from att_mtu_updated, on both sides */
	k_mutex_unlock(&conn->host->lock);
}

int zble_mp_gattc_exchange_mtu(struct zble_mp *mp, uint16_t conn_handle)
{
	struct mp_call call;
	struct zble_mp_conn *c;
	struct zble_mp_gattc_op *op;
	int err = op_begin(mp, &call, conn_handle, OP_MTU, &c, &op);
	if (err) {
		return err;
	}
	op->p.exchange.func = on_exchange;
	return op_end(&call, op, bt_gatt_exchange_mtu(c->conn, &op->p.exchange));
}

/* ---- values from the peer's server ---- */

void mp_gattc_value_hook(struct bt_conn *conn, uint16_t handle, bool indication, const uint8_t *data,
			 uint16_t len)
{
	struct zble_mp *mp = mp_cb_enter(conn);
	if (!mp) {
		return;
	}
	struct zble_mp_conn *c = mp_conn_of(mp, conn);
	if (c) {
		struct zble_mp_event ev = { .code = indication ? ZBLE_MP_IRQ_GATTC_INDICATE : ZBLE_MP_IRQ_GATTC_NOTIFY,
					    .conn_handle = c->handle,
					    .handle = handle,
					    .data = data,
					    .data_len = len };
		(void)mp_emit(mp, &ev, 0);
	}
	mp_cb_exit(mp);
}
