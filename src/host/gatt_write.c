/* GATT server writes: Write Request and Command, and the queued writes
 * (Prepare Write, Execute Write) held in the host's prepare queue. */
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "att_internal.h"
#include "gatt_internal.h"

/* The attribute at handle if conn may write it (0 and *err otherwise). */
static const struct bt_gatt_attr *writable(struct bt_conn *conn, uint16_t handle, uint8_t *err)
{
	const struct bt_gatt_attr *attr = handle ? zble_gatts_find(conn->host, handle) : NULL;
	if (!attr) {
		*err = BT_ATT_ERR_INVALID_HANDLE;
		return NULL;
	}
	*err = zble_gatts_check_perm(conn, attr, ZBLE_GATT_PERM_WRITE_MASK);
	return *err ? NULL : attr;
}

/* Writes a whole value: 0 or the ATT error. */
static uint8_t write_value(struct bt_conn *conn, uint16_t handle, const uint8_t *v, uint16_t len, uint8_t flags)
{
	uint8_t err;
	const struct bt_gatt_attr *attr = writable(conn, handle, &err);
	if (!attr) {
		return err;
	}
	if (len > BT_ATT_MAX_ATTRIBUTE_LEN) {
		return BT_ATT_ERR_INVALID_ATTRIBUTE_LEN;
	}
	ssize_t r = attr->write(conn, attr, v, len, 0, flags);
	if (r < 0) {
		return zble_gatts_err(r);
	}
	return r == len ? 0 : BT_ATT_ERR_UNLIKELY;
}

void zble_gatts_write_req(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	if (len < 2) {
		zble_gatts_send_err(conn, BT_ATT_OP_WRITE_REQ, 0, BT_ATT_ERR_INVALID_PDU);
		return;
	}
	uint16_t handle = sys_get_le16(p);
	uint8_t err = write_value(conn, handle, p + 2, (uint16_t)(len - 2), 0);
	if (err) {
		zble_gatts_send_err(conn, BT_ATT_OP_WRITE_REQ, handle, err);
		return;
	}
	struct net_buf *buf = zble_gatts_rsp_alloc(conn, BT_ATT_OP_WRITE_RSP);
	if (buf) {
		zble_gatts_send_rsp(conn, buf);
	}
}

void zble_gatts_write_cmd(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	/* No answer either way (Core Vol 3 Part F 3.4.5.3); refusals counted. */
	if (len < 2 || write_value(conn, sys_get_le16(p), p + 2, (uint16_t)(len - 2), BT_GATT_WRITE_FLAG_CMD)) {
		conn->host->gatts.stats.ignored++;
	}
}

void zble_gatts_prep_flush(struct bt_conn *conn)
{
	struct zble_gatt_server_host *gs = &conn->host->gatts;
	uint16_t kept = 0, used = 0;
	for (uint16_t i = 0; i < gs->prep_count; i++) {
		struct zble_gatt_prep_entry e = gs->prep[i];
		if (e.conn == conn) {
			continue;
		}
		/* Entries and bytes stay in arrival order, packed. */
		memmove(gs->prep_buf + used, gs->prep_buf + e.start, e.len);
		e.start = used;
		used = (uint16_t)(used + e.len);
		gs->prep[kept++] = e;
	}
	gs->prep_count = kept;
	gs->prep_used = used;
}

_Static_assert(ZBLE_GATT_PREPARE_LINK_COUNT >= 1 && ZBLE_GATT_PREPARE_LINK_BUF_SIZE >= 1,
	       "the prepare queue needs at least one entry and one byte per link");

/* One more part of vlen bytes stays within the link's share of the queue
 * (and so within the store: the shares add up to at most its size). */
static bool prep_fits(struct bt_conn *conn, uint16_t vlen)
{
	const struct zble_gatt_server_host *gs = &conn->host->gatts;
	uint16_t entries = 0;
	uint32_t bytes = 0;
	for (uint16_t i = 0; i < gs->prep_count; i++) {
		if (gs->prep[i].conn == conn) {
			entries++;
			bytes += gs->prep[i].len;
		}
	}
	return entries < ZBLE_GATT_PREPARE_LINK_COUNT && bytes + vlen <= ZBLE_GATT_PREPARE_LINK_BUF_SIZE &&
	       gs->prep_count < CONFIG_BT_ATT_PREPARE_COUNT && vlen <= CONFIG_BT_ATT_PREPARE_BUF_SIZE - gs->prep_used;
}

void zble_gatts_prepare_write(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	const uint8_t op = BT_ATT_OP_PREPARE_WRITE_REQ;
	if (len < 4) {
		zble_gatts_send_err(conn, op, 0, BT_ATT_ERR_INVALID_PDU);
		return;
	}
	uint16_t handle = sys_get_le16(p), offset = sys_get_le16(p + 2);
	const uint8_t *v = p + 4;
	uint16_t vlen = (uint16_t)(len - 4);
	uint8_t err;
	const struct bt_gatt_attr *attr = writable(conn, handle, &err);
	if (!attr) {
		zble_gatts_send_err(conn, op, handle, err);
		return;
	}
	/* An attribute that wants to see each part (authorisation, early
	 * checks) gets it now; others are judged at Execute Write. */
	if (attr->perm & BT_GATT_PERM_PREPARE_WRITE) {
		ssize_t r = attr->write(conn, attr, v, vlen, offset, BT_GATT_WRITE_FLAG_PREPARE);
		if (r < 0) {
			zble_gatts_send_err(conn, op, handle, zble_gatts_err(r));
			return;
		}
	}
	struct zble_gatt_server_host *gs = &conn->host->gatts;
	if (!prep_fits(conn, vlen)) {
		zble_gatts_send_err(conn, op, handle, BT_ATT_ERR_PREPARE_QUEUE_FULL);
		return;
	}
	struct net_buf *buf = zble_gatts_rsp_alloc(conn, BT_ATT_OP_PREPARE_WRITE_RSP);
	if (!buf) {
		return;
	}
	gs->prep[gs->prep_count++] = (struct zble_gatt_prep_entry){ conn, handle, offset, vlen, gs->prep_used };
	memcpy(gs->prep_buf + gs->prep_used, v, vlen);
	gs->prep_used = (uint16_t)(gs->prep_used + vlen);
	/* The echo lets the client check what was queued. */
	net_buf_add_mem(buf, p, len);
	zble_gatts_send_rsp(conn, buf);
}

/* Checks every queued part of conn before anything is written: 0, or the
 * error and its handle. */
static uint8_t prep_validate(struct bt_conn *conn, uint16_t *handle)
{
	struct zble_gatt_server_host *gs = &conn->host->gatts;
	for (uint16_t i = 0; i < gs->prep_count; i++) {
		const struct zble_gatt_prep_entry *e = &gs->prep[i];
		if (e->conn != conn) {
			continue;
		}
		*handle = e->handle;
		uint8_t err;
		if (!writable(conn, e->handle, &err)) {
			return err; /* unregistered meanwhile, or security changed */
		}
		if (e->offset > BT_ATT_MAX_ATTRIBUTE_LEN) {
			return BT_ATT_ERR_INVALID_OFFSET;
		}
		if ((uint32_t)e->offset + e->len > BT_ATT_MAX_ATTRIBUTE_LEN) {
			return BT_ATT_ERR_INVALID_ATTRIBUTE_LEN;
		}
	}
	return 0;
}

static uint8_t prep_execute(struct bt_conn *conn, uint16_t *handle)
{
	struct zble_gatt_server_host *gs = &conn->host->gatts;
	for (uint16_t i = 0; i < gs->prep_count; i++) {
		const struct zble_gatt_prep_entry *e = &gs->prep[i];
		if (e->conn != conn) {
			continue;
		}
		*handle = e->handle;
		const struct bt_gatt_attr *attr = zble_gatts_find(conn->host, e->handle);
		ssize_t r = attr->write(conn, attr, gs->prep_buf + e->start, e->len, e->offset, BT_GATT_WRITE_FLAG_EXECUTE);
		if (r < 0) {
			return zble_gatts_err(r);
		}
		if (r != e->len) {
			return BT_ATT_ERR_UNLIKELY;
		}
	}
	return 0;
}

void zble_gatts_execute_write(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	const uint8_t op = BT_ATT_OP_EXEC_WRITE_REQ;
	if (len != 1 || p[0] > 0x01) {
		zble_gatts_send_err(conn, op, 0, BT_ATT_ERR_INVALID_PDU);
		return;
	}
	uint16_t handle = 0;
	uint8_t err = 0;
	if (p[0] == 0x01) {
		err = prep_validate(conn, &handle);
		if (!err) {
			err = prep_execute(conn, &handle);
		}
	}
	/* Written, cancelled or refused: the queue of conn is done with. */
	zble_gatts_prep_flush(conn);
	if (err) {
		zble_gatts_send_err(conn, op, handle, err);
		return;
	}
	struct net_buf *buf = zble_gatts_rsp_alloc(conn, BT_ATT_OP_EXEC_WRITE_RSP);
	if (buf) {
		zble_gatts_send_rsp(conn, buf);
	}
}
