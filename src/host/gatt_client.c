/* GATT client (Core Vol 3 Part G 4): procedures queue per link and run one
 * at a time over the ATT bearer, each as a small state machine that sends
 * a request, takes its answer and either ends or sends the next one: MTU
 * exchange, discovery (gatt_discover.c), reads (single and long, by UUID,
 * multiple), writes (long ones through Prepare/Execute Write), CCC writes
 * of subscriptions. Write Commands bypass the queue. Values the server
 * pushes go to the link's subscriptions. */
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "gatt_client_internal.h"

enum {
	REQ_MTU = 1,
	REQ_DISCOVER,
	REQ_READ,
	REQ_WRITE,
	REQ_SUBSCRIBE,
	REQ_UNSUBSCRIBE,
};

#define N_QUEUE CONFIG_BT_GATT_CLIENT_QUEUE

static struct zble_gatt_client_req *running(struct bt_conn *conn)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	return gc->count ? &gc->queue[gc->head] : NULL;
}

static void reset_step(struct zble_gatt_client_conn *gc)
{
	gc->sent = false;
	gc->step = ZBLE_GATTC_STEP_NEW;
	gc->skip_value = false;
	gc->saved_err = 0;
	gc->next = gc->got = 0;
}

/* The running procedure leaves the queue. */
static struct zble_gatt_client_req pop(struct bt_conn *conn)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	struct zble_gatt_client_req r = gc->queue[gc->head];
	gc->head = (uint8_t)((gc->head + 1) % N_QUEUE);
	gc->count--;
	reset_step(gc);
	return r;
}

/* What CCC value the subscriptions of ccc_handle need together. */
static uint16_t ccc_union(struct bt_conn *conn, uint16_t ccc_handle)
{
	uint16_t v = 0;
	SYS_SLIST_FOR_EACH_NODE(&conn->gattc.subscriptions, n) {
		struct bt_gatt_subscribe_params *s = CONTAINER_OF(n, struct bt_gatt_subscribe_params, node);
		if (s->ccc_handle == ccc_handle) {
			v |= s->value;
		}
	}
	return v;
}

static void final_callback(struct bt_conn *conn, const struct zble_gatt_client_req *r, uint8_t err)
{
	switch (r->kind) {
	case REQ_MTU: {
		struct bt_gatt_exchange_params *p = r->params;
		p->func(conn, err, p);
		break;
	}
	case REQ_DISCOVER: {
		struct bt_gatt_discover_params *p = r->params;
		p->func(conn, NULL, p);
		break;
	}
	case REQ_READ: {
		struct bt_gatt_read_params *p = r->params;
		p->func(conn, err, p, NULL, 0);
		break;
	}
	case REQ_WRITE: {
		struct bt_gatt_write_params *p = r->params;
		if (p->func) {
			p->func(conn, err, p);
		}
		break;
	}
	case REQ_SUBSCRIBE: {
		struct bt_gatt_subscribe_params *p = r->params;
		atomic_clear_bit(p->flags, BT_GATT_SUBSCRIBE_FLAG_WRITE_PENDING);
		if (err) {
			(void)sys_slist_find_and_remove(&conn->gattc.subscriptions, &p->node);
		}
		if (p->subscribe) {
			p->subscribe(conn, err, p);
		}
		break;
	}
	default: {
		struct bt_gatt_subscribe_params *p = r->params;
		atomic_clear_bit(p->flags, BT_GATT_SUBSCRIBE_FLAG_WRITE_PENDING);
		p->notify(conn, p, NULL, 0);
		if (p->subscribe) {
			p->subscribe(conn, err, p);
		}
		break;
	}
	}
}

void zble_gattc_finish(struct bt_conn *conn, uint8_t err)
{
	struct zble_gatt_client_req r = pop(conn);
	final_callback(conn, &r, err);
}

void zble_gattc_stop(struct bt_conn *conn)
{
	(void)pop(conn);
}

struct net_buf *zble_gattc_req_buf(struct bt_conn *conn, uint8_t op)
{
	struct net_buf *buf = zble_att_pdu_alloc(conn, op);
	if (!buf) {
		zble_att_want_buf(conn);
	}
	return buf;
}

void zble_gattc_send(struct bt_conn *conn, struct net_buf *buf)
{
	if (zble_att_send_req(conn, buf)) {
		zble_gattc_finish(conn, BT_ATT_ERR_UNLIKELY);
		return;
	}
	conn->gattc.sent = true;
}

uint8_t zble_gattc_uuid_le(const struct bt_uuid *uuid, uint8_t out[16])
{
	/* The Base UUID, little-endian; bytes 12..15 take a short UUID. */
	static const uint8_t base[16] = { 0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80,
					  0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	switch (uuid->type) {
	case BT_UUID_TYPE_16:
		sys_put_le16(BT_UUID_16(uuid)->val, out);
		return 2;
	case BT_UUID_TYPE_32: /* ATT knows 16 and 128 bits only */
		memcpy(out, base, 16);
		sys_put_le32(BT_UUID_32(uuid)->val, out + 12);
		return 16;
	default:
		memcpy(out, BT_UUID_128(uuid)->val, 16);
		return 16;
	}
}

/* ---- reads ---- */

static void read_next(struct bt_conn *conn, struct bt_gatt_read_params *p)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	struct net_buf *buf;
	uint8_t u[16];
	if (gc->step == ZBLE_GATTC_STEP_NEW) {
		gc->step = ZBLE_GATTC_STEP_MAIN;
		gc->next = p->handle_count == 0 ? p->by_uuid.start_handle : p->handle_count == 1 ? p->single.offset : 0;
	}
	if (p->handle_count == 1) {
		buf = zble_gattc_req_buf(conn, gc->next ? BT_ATT_OP_READ_BLOB_REQ : BT_ATT_OP_READ_REQ);
		if (buf) {
			net_buf_add_le16(buf, p->single.handle);
			if (gc->next) {
				net_buf_add_le16(buf, gc->next);
			}
		}
	} else if (p->handle_count == 0) {
		buf = zble_gattc_req_buf(conn, BT_ATT_OP_READ_TYPE_REQ);
		if (buf) {
			net_buf_add_le16(buf, gc->next);
			net_buf_add_le16(buf, p->by_uuid.end_handle);
			net_buf_add_mem(buf, u, zble_gattc_uuid_le(p->by_uuid.uuid, u));
		}
	} else {
		buf = zble_gattc_req_buf(conn, p->multiple.variable ? BT_ATT_OP_READ_MULT_VL_REQ : BT_ATT_OP_READ_MULT_REQ);
		for (size_t i = 0; buf && i < p->handle_count; i++) {
			net_buf_add_le16(buf, p->multiple.handles[i]);
		}
	}
	if (buf) {
		zble_gattc_send(conn, buf);
	}
}

static bool read_deliver(struct bt_conn *conn, struct bt_gatt_read_params *p, const uint8_t *data, uint16_t len)
{
	if (p->func(conn, 0, p, data, len) == BT_GATT_ITER_STOP) {
		zble_gattc_stop(conn);
		return false;
	}
	return true;
}

static void read_single_rsp(struct bt_conn *conn, struct bt_gatt_read_params *p, uint8_t err, const uint8_t *pdu,
			    uint16_t len)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	if (err) {
		/* A value of exactly ATT_MTU - 1 bytes: the Read Blob past its
		 * end may be refused; the value is complete. */
		bool ended = gc->got && (err == BT_ATT_ERR_INVALID_OFFSET || err == BT_ATT_ERR_ATTRIBUTE_NOT_LONG);
		zble_gattc_finish(conn, ended ? 0 : err);
		return;
	}
	uint16_t n = (uint16_t)(len - 1);
	p->single.offset = gc->next;
	if (!read_deliver(conn, p, pdu + 1, n)) {
		return;
	}
	gc->got = (uint16_t)(gc->got + (n ? 1 : 0));
	p->single.offset = (uint16_t)(gc->next + n);
	/* A short piece ends the value; so does the longest value ATT allows
	 * (a server that never stops would loop forever). */
	if (n < zble_att_mtu(conn) - 1 || (uint32_t)gc->next + n >= BT_ATT_MAX_ATTRIBUTE_LEN) {
		zble_gattc_finish(conn, 0);
		return;
	}
	gc->next = (uint16_t)(gc->next + n);
}

static void read_by_uuid_rsp(struct bt_conn *conn, struct bt_gatt_read_params *p, uint8_t err, const uint8_t *pdu,
			     uint16_t len)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	if (err) {
		zble_gattc_finish(conn, gc->got && err == BT_ATT_ERR_ATTRIBUTE_NOT_FOUND ? 0 : err);
		return;
	}
	uint8_t elen = len >= 2 ? pdu[1] : 0;
	if (elen < 2 || len <= 2 || (len - 2) % elen) {
		conn->host->stats.malformed++;
		zble_gattc_finish(conn, BT_ATT_ERR_UNLIKELY);
		return;
	}
	uint32_t floor = gc->next;
	uint16_t last = 0;
	for (uint16_t off = 2; off < len; off = (uint16_t)(off + elen)) {
		uint16_t h = sys_get_le16(pdu + off);
		if (h < floor) {
			conn->host->stats.malformed++;
			zble_gattc_finish(conn, BT_ATT_ERR_UNLIKELY);
			return;
		}
		p->by_uuid.start_handle = h;
		if (!read_deliver(conn, p, pdu + off + 2, (uint16_t)(elen - 2))) {
			return;
		}
		gc->got = 1;
		last = h;
		floor = (uint32_t)h + 1;
	}
	if (last >= p->by_uuid.end_handle || last == 0xffff) {
		zble_gattc_finish(conn, 0);
	} else {
		gc->next = (uint16_t)(last + 1);
	}
}

static void read_mult_rsp(struct bt_conn *conn, struct bt_gatt_read_params *p, uint8_t err, const uint8_t *pdu,
			  uint16_t len)
{
	if (err) {
		zble_gattc_finish(conn, err);
		return;
	}
	if (!p->multiple.variable) {
		if (read_deliver(conn, p, pdu + 1, (uint16_t)(len - 1))) {
			zble_gattc_finish(conn, 0);
		}
		return;
	}
	/* Length-value pairs; the last value may be cut at the MTU. */
	uint16_t off = 1;
	while (off + 2u <= len) {
		uint16_t vlen = sys_get_le16(pdu + off);
		uint16_t avail = (uint16_t)(len - off - 2);
		if (!read_deliver(conn, p, pdu + off + 2, MIN(vlen, avail))) {
			return;
		}
		off = (uint16_t)(off + 2 + MIN(vlen, avail));
	}
	if (off != len) {
		conn->host->stats.malformed++;
		zble_gattc_finish(conn, BT_ATT_ERR_UNLIKELY);
		return;
	}
	zble_gattc_finish(conn, 0);
}

/* ---- writes ---- */

static void write_next(struct bt_conn *conn, struct bt_gatt_write_params *p)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	uint16_t mtu = zble_att_mtu(conn);
	if (gc->step == ZBLE_GATTC_STEP_NEW) {
		gc->next = 0;
		gc->step = p->offset || p->length > mtu - 3 ? ZBLE_GATTC_STEP_PREPARE : ZBLE_GATTC_STEP_MAIN;
	}
	struct net_buf *buf;
	switch (gc->step) {
	case ZBLE_GATTC_STEP_MAIN:
		buf = zble_gattc_req_buf(conn, BT_ATT_OP_WRITE_REQ);
		if (buf) {
			net_buf_add_le16(buf, p->handle);
			if (p->length) {
				net_buf_add_mem(buf, p->data, p->length);
			}
		}
		break;
	case ZBLE_GATTC_STEP_PREPARE:
		buf = zble_gattc_req_buf(conn, BT_ATT_OP_PREPARE_WRITE_REQ);
		if (buf) {
			gc->got = (uint16_t)MIN(p->length - gc->next, mtu - 5);
			net_buf_add_le16(buf, p->handle);
			net_buf_add_le16(buf, (uint16_t)(p->offset + gc->next));
			if (gc->got) {
				net_buf_add_mem(buf, (const uint8_t *)p->data + gc->next, gc->got);
			}
		}
		break;
	default:
		buf = zble_gattc_req_buf(conn, BT_ATT_OP_EXEC_WRITE_REQ);
		if (buf) {
			net_buf_add_u8(buf, gc->step == ZBLE_GATTC_STEP_EXEC ? 0x01 : 0x00);
		}
		break;
	}
	if (buf) {
		zble_gattc_send(conn, buf);
	}
}

static void write_rsp(struct bt_conn *conn, struct bt_gatt_write_params *p, uint8_t err, const uint8_t *pdu,
		      uint16_t len)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	switch (gc->step) {
	case ZBLE_GATTC_STEP_PREPARE:
		if (err && gc->next == 0) {
			zble_gattc_finish(conn, err); /* nothing queued yet */
			return;
		}
		if (!err) {
			/* The server echoes what it queued: it must be ours. */
			if (len != 5u + gc->got || sys_get_le16(pdu + 1) != p->handle ||
			    sys_get_le16(pdu + 3) != (uint16_t)(p->offset + gc->next) ||
			    (gc->got && memcmp(pdu + 5, (const uint8_t *)p->data + gc->next, gc->got))) {
				err = BT_ATT_ERR_UNLIKELY;
			}
		}
		if (err) {
			/* Cancel whatever the server queued, then report. */
			gc->saved_err = err;
			gc->step = ZBLE_GATTC_STEP_CANCEL;
			return;
		}
		gc->next = (uint16_t)(gc->next + gc->got);
		if (gc->next >= p->length) {
			gc->step = ZBLE_GATTC_STEP_EXEC;
		}
		return;
	case ZBLE_GATTC_STEP_CANCEL:
		zble_gattc_finish(conn, gc->saved_err);
		return;
	default:
		zble_gattc_finish(conn, err);
		return;
	}
}

/* ---- subscriptions ---- */

static void ccc_next(struct bt_conn *conn, struct bt_gatt_subscribe_params *p)
{
	struct net_buf *buf = zble_gattc_req_buf(conn, BT_ATT_OP_WRITE_REQ);
	if (buf) {
		conn->gattc.step = ZBLE_GATTC_STEP_MAIN;
		net_buf_add_le16(buf, p->ccc_handle);
		net_buf_add_le16(buf, ccc_union(conn, p->ccc_handle));
		zble_gattc_send(conn, buf);
	}
}

static bool listed(const sys_slist_t *l, const sys_snode_t *node)
{
	SYS_SLIST_FOR_EACH_NODE(l, n) {
		if (n == node) {
			return true;
		}
	}
	return false;
}

void zble_gatt_client_value(struct bt_conn *conn, uint16_t handle, const uint8_t *data, uint16_t len)
{
	sys_slist_t *subs = &conn->gattc.subscriptions;
	sys_snode_t *n = sys_slist_peek_head(subs);
	while (n) {
		struct bt_gatt_subscribe_params *p = CONTAINER_OF(n, struct bt_gatt_subscribe_params, node);
		sys_snode_t *after = sys_slist_peek_next(n);
		if (p->value_handle == handle && p->notify(conn, p, data, len) == BT_GATT_ITER_STOP) {
			(void)bt_gatt_unsubscribe(conn, p);
		}
		/* A callback may unsubscribe others too: go on from what is
		 * still listed, never from a removed node. */
		n = listed(subs, n) ? sys_slist_peek_next(n) : listed(subs, after) ? after : NULL;
	}
}

/* ---- the queue ---- */

void zble_gatt_client_pump(struct bt_conn *conn)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	struct zble_gatt_client_req *r;
	/* Each turn sends a request, waits for a buffer, or ends a procedure. */
	while (!gc->sent && !gc->wait_buf && zble_att_usable(conn) && (r = running(conn)) != NULL) {
		switch (r->kind) {
		case REQ_MTU: {
			struct net_buf *buf = zble_gattc_req_buf(conn, BT_ATT_OP_MTU_REQ);
			if (buf) {
				net_buf_add_le16(buf, zble_att_local_mtu(conn->host));
				zble_gattc_send(conn, buf);
			}
			break;
		}
		case REQ_DISCOVER:
			zble_gattc_discover_next(conn, r->params);
			break;
		case REQ_READ:
			read_next(conn, r->params);
			break;
		case REQ_WRITE:
			write_next(conn, r->params);
			break;
		default:
			ccc_next(conn, r->params);
			break;
		}
	}
}

void zble_gatt_client_rsp(struct bt_conn *conn, uint8_t err, const uint8_t *pdu, uint16_t len)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	struct zble_gatt_client_req *r = running(conn);
	if (!r || !gc->sent) {
		return;
	}
	/* gc->sent stays set while the answer is handled: a call the
	 * application makes from a result callback queues behind the running
	 * procedure and must not send that procedure's next request early.
	 * Ending the procedure clears it (pop); one that goes on is cleared
	 * below unless a later procedure has meanwhile sent its request. */
	switch (r->kind) {
	case REQ_DISCOVER:
		zble_gattc_discover_rsp(conn, r->params, err, pdu, len);
		break;
	case REQ_READ: {
		struct bt_gatt_read_params *p = r->params;
		if (p->handle_count == 1) {
			read_single_rsp(conn, p, err, pdu, len);
		} else if (p->handle_count == 0) {
			read_by_uuid_rsp(conn, p, err, pdu, len);
		} else {
			read_mult_rsp(conn, p, err, pdu, len);
		}
		break;
	}
	case REQ_WRITE:
		write_rsp(conn, r->params, err, pdu, len);
		break;
	default:
		zble_gattc_finish(conn, err);
		break;
	}
	if (!zble_att_req_pending(conn)) {
		gc->sent = false;
	}
	zble_gatt_client_pump(conn);
}

static void fail_all(struct bt_conn *conn)
{
	/* Callbacks may queue again: the bearer is down, so they are refused. */
	while (conn->gattc.count) {
		zble_gattc_finish(conn, BT_ATT_ERR_UNLIKELY);
	}
}

void zble_gatt_client_abort(struct bt_conn *conn)
{
	fail_all(conn);
}

void zble_gatt_client_connected(struct bt_conn *conn)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	sys_slist_init(&gc->subscriptions);
	gc->head = gc->count = 0;
	gc->wait_buf = false;
	gc->mtu_asked = false;
	reset_step(gc);
}

void zble_gatt_client_disconnected(struct bt_conn *conn)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	fail_all(conn);
	gc->wait_buf = false;
	sys_snode_t *n;
	while ((n = sys_slist_get(&gc->subscriptions)) != NULL) {
		struct bt_gatt_subscribe_params *p = CONTAINER_OF(n, struct bt_gatt_subscribe_params, node);
		atomic_clear_bit(p->flags, BT_GATT_SUBSCRIBE_FLAG_WRITE_PENDING);
		p->notify(conn, p, NULL, 0);
	}
}

/* ---- public calls ---- */

static struct zble_host *lock_conn(struct bt_conn *conn)
{
	if (!conn || !conn->host) {
		return NULL;
	}
	k_mutex_lock(&conn->host->lock, K_FOREVER);
	return conn->host;
}

static int enqueue(struct bt_conn *conn, uint8_t kind, void *params)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	if (!zble_att_usable(conn)) {
		return -ENOTCONN;
	}
	if (gc->count >= N_QUEUE) {
		return -ENOMEM;
	}
	gc->queue[(gc->head + gc->count) % N_QUEUE] = (struct zble_gatt_client_req){ .params = params, .kind = kind };
	if (gc->count++ == 0) {
		reset_step(gc);
	}
	zble_gatt_client_pump(conn);
	return 0;
}

int bt_gatt_exchange_mtu(struct bt_conn *conn, struct bt_gatt_exchange_params *params)
{
	if (!params || !params->func) {
		return -EINVAL;
	}
	struct zble_host *host = lock_conn(conn);
	if (!host) {
		return -EINVAL;
	}
	int err = -EALREADY;
	if (!conn->gattc.mtu_asked) {
		err = enqueue(conn, REQ_MTU, params);
		conn->gattc.mtu_asked = err == 0;
	}
	k_mutex_unlock(&host->lock);
	return err;
}

int bt_gatt_discover(struct bt_conn *conn, struct bt_gatt_discover_params *params)
{
	int err = zble_gattc_discover_check(params);
	struct zble_host *host = err ? NULL : lock_conn(conn);
	if (!host) {
		return -EINVAL;
	}
	err = enqueue(conn, REQ_DISCOVER, params);
	k_mutex_unlock(&host->lock);
	return err;
}

int bt_gatt_read(struct bt_conn *conn, struct bt_gatt_read_params *params)
{
	if (!params || !params->func) {
		return -EINVAL;
	}
	if (params->handle_count == 0 &&
	    (!params->by_uuid.uuid || !params->by_uuid.start_handle || params->by_uuid.start_handle > params->by_uuid.end_handle)) {
		return -EINVAL;
	}
	if (params->handle_count == 1 && !params->single.handle) {
		return -EINVAL;
	}
	if (params->handle_count > 1 && !params->multiple.handles) {
		return -EINVAL;
	}
	struct zble_host *host = lock_conn(conn);
	if (!host) {
		return -EINVAL;
	}
	int err = 0;
	if (params->handle_count > 1 && 1u + 2u * params->handle_count > zble_att_mtu(conn)) {
		err = -EINVAL; /* the handles do not fit one request */
	} else {
		err = enqueue(conn, REQ_READ, params);
	}
	k_mutex_unlock(&host->lock);
	return err;
}

int bt_gatt_write(struct bt_conn *conn, struct bt_gatt_write_params *params)
{
	if (!params || !params->handle || (!params->data && params->length) ||
	    (uint32_t)params->offset + params->length > UINT16_MAX) {
		return -EINVAL;
	}
	struct zble_host *host = lock_conn(conn);
	if (!host) {
		return -EINVAL;
	}
	int err = enqueue(conn, REQ_WRITE, params);
	k_mutex_unlock(&host->lock);
	return err;
}

int bt_gatt_write_without_response_cb(struct bt_conn *conn, uint16_t handle, const void *data, uint16_t length,
				      bool sign, bt_gatt_complete_func_t func, void *user_data)
{
	if (!handle || (!data && length)) {
		return -EINVAL;
	}
	struct zble_host *host = lock_conn(conn);
	if (!host) {
		return -EINVAL;
	}
	int err = 0;
	if (sign) {
		err = -ENOTSUP; /* no signing key before SMP provides one */
	} else if (!zble_att_usable(conn)) {
		err = -ENOTCONN;
	} else if (length > zble_att_mtu(conn) - 3) {
		err = -EMSGSIZE;
	} else {
		struct net_buf *buf = zble_att_pdu_alloc(conn, BT_ATT_OP_WRITE_CMD);
		if (!buf) {
			err = -ENOMEM;
		} else {
			net_buf_add_le16(buf, handle);
			net_buf_add_mem(buf, data, length);
			err = zble_att_send_cmd(conn, buf, func, user_data);
		}
	}
	k_mutex_unlock(&host->lock);
	return err;
}

static bool subscribed(struct bt_conn *conn, const struct bt_gatt_subscribe_params *params)
{
	SYS_SLIST_FOR_EACH_NODE(&conn->gattc.subscriptions, n) {
		if (n == &params->node) {
			return true;
		}
	}
	return false;
}

int bt_gatt_subscribe(struct bt_conn *conn, struct bt_gatt_subscribe_params *params)
{
	if (!params || !params->notify || !params->value_handle || !params->ccc_handle || !params->value ||
	    (params->value & ~(BT_GATT_CCC_NOTIFY | BT_GATT_CCC_INDICATE))) {
		return -EINVAL;
	}
	struct zble_host *host = lock_conn(conn);
	if (!host) {
		return -EINVAL;
	}
	int err;
	if (subscribed(conn, params)) {
		err = -EALREADY;
	} else if (!zble_att_usable(conn)) {
		err = -ENOTCONN;
	} else if (conn->gattc.count >= N_QUEUE) {
		err = -ENOMEM;
	} else {
		sys_slist_append(&conn->gattc.subscriptions, &params->node);
		atomic_set_bit(params->flags, BT_GATT_SUBSCRIBE_FLAG_WRITE_PENDING);
		err = enqueue(conn, REQ_SUBSCRIBE, params);
	}
	k_mutex_unlock(&host->lock);
	return err;
}

int bt_gatt_unsubscribe(struct bt_conn *conn, struct bt_gatt_subscribe_params *params)
{
	if (!params) {
		return -EINVAL;
	}
	struct zble_host *host = lock_conn(conn);
	if (!host) {
		return -EINVAL;
	}
	int err;
	if (!subscribed(conn, params)) {
		err = -EINVAL;
	} else if (!zble_att_usable(conn)) {
		err = -ENOTCONN;
	} else if (conn->gattc.count >= N_QUEUE) {
		err = -ENOMEM;
	} else {
		(void)sys_slist_find_and_remove(&conn->gattc.subscriptions, &params->node);
		atomic_set_bit(params->flags, BT_GATT_SUBSCRIBE_FLAG_WRITE_PENDING);
		err = enqueue(conn, REQ_UNSUBSCRIBE, params);
	}
	k_mutex_unlock(&host->lock);
	return err;
}

void bt_gatt_cancel(struct bt_conn *conn, void *params)
{
	struct zble_host *host = lock_conn(conn);
	if (!host || !params) {
		if (host) {
			k_mutex_unlock(&host->lock);
		}
		return;
	}
	struct zble_gatt_client_conn *gc = &conn->gattc;
	/* The running procedure (it may have a request out) stays. */
	uint8_t kept = gc->count ? 1 : 0;
	for (uint8_t i = 1; i < gc->count; i++) {
		struct zble_gatt_client_req r = gc->queue[(gc->head + i) % N_QUEUE];
		if (r.params == params) {
			if (r.kind == REQ_SUBSCRIBE) {
				(void)sys_slist_find_and_remove(&gc->subscriptions, &((struct bt_gatt_subscribe_params *)params)->node);
			}
			continue;
		}
		gc->queue[(gc->head + kept) % N_QUEUE] = r;
		kept++;
	}
	gc->count = kept;
	k_mutex_unlock(&host->lock);
}
