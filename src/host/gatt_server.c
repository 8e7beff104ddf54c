/* GATT server: the requests a client sends (Core Vol 3 Part F 3.4), read
 * and discovery side here, writes in gatt_write.c. Every request gets
 * exactly one answer: a response, or an Error Response naming the request,
 * the handle at fault and the error. */
#include <errno.h>
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "att_internal.h"
#include "gatt_internal.h"

/* Longest value in one Read By Type / Read By Group Type entry: its length
 * is a byte that also counts the handles (Core Vol 3 Part F 3.4.4.2). */
#define TYPE_ENTRY_VALUE_MAX 253
#define GROUP_ENTRY_VALUE_MAX 251

void zble_gatts_send_err(struct bt_conn *conn, uint8_t op, uint16_t handle, uint8_t err)
{
	struct zble_gatt_server_stats *st = &conn->host->gatts.stats;
	if (zble_att_send_error(conn, op, handle, err) == 0) {
		st->requests++;
		st->errors++;
	} else {
		st->no_buffer++;
	}
}

void zble_gatts_send_rsp(struct bt_conn *conn, struct net_buf *buf)
{
	if (zble_att_send_rsp(conn, buf) == 0) {
		conn->host->gatts.stats.requests++;
	} else {
		conn->host->gatts.stats.no_buffer++;
	}
}

uint8_t zble_gatts_err(ssize_t ret)
{
	/* BT_GATT_ERR(e) is -e; anything else negative is the host's fault. */
	return (ret < 0 && ret >= -0xff) ? (uint8_t)-ret : BT_ATT_ERR_UNLIKELY;
}

uint8_t zble_gatts_check_perm(struct bt_conn *conn, const struct bt_gatt_attr *attr, uint16_t mask)
{
	uint16_t perm = attr->perm & mask;
	bool write = mask & ZBLE_GATT_PERM_WRITE_MASK;
	if (!perm || (!write && !attr->read) || (write && !attr->write)) {
		return write ? BT_ATT_ERR_WRITE_NOT_PERMITTED : BT_ATT_ERR_READ_NOT_PERMITTED;
	}
	bt_security_t sec = bt_conn_get_security(conn);
	if ((perm & (BT_GATT_PERM_READ_LESC | BT_GATT_PERM_WRITE_LESC)) && sec < BT_SECURITY_L4) {
		return BT_ATT_ERR_AUTHENTICATION;
	}
	if ((perm & (BT_GATT_PERM_READ_AUTHEN | BT_GATT_PERM_WRITE_AUTHEN)) && sec < BT_SECURITY_L3) {
		return BT_ATT_ERR_AUTHENTICATION;
	}
	uint16_t enc = BT_GATT_PERM_READ_ENCRYPT | BT_GATT_PERM_WRITE_ENCRYPT | BT_GATT_PERM_READ_AUTHEN |
		       BT_GATT_PERM_WRITE_AUTHEN | BT_GATT_PERM_READ_LESC | BT_GATT_PERM_WRITE_LESC;
	if (perm & enc) {
		if (sec < BT_SECURITY_L2) {
			/* Vol 3 Part C 10.3.1: with a key the client only has to
			 * encrypt; without one it has to pair first. */
			return conn->has_ltk ? BT_ATT_ERR_INSUFFICIENT_ENCRYPTION : BT_ATT_ERR_AUTHENTICATION;
		}
		if (bt_conn_enc_key_size(conn) < 16) {
			return BT_ATT_ERR_ENCRYPTION_KEY_SIZE;
		}
	}
	return 0;
}

/* Handles a request's start/end range: Invalid Handle for 0 or start > end
 * (Core Vol 3 Part F 3.4.3.1 and following). */
static bool range_ok(struct bt_conn *conn, uint8_t op, uint16_t start, uint16_t end)
{
	if (start == 0 || start > end) {
		zble_gatts_send_err(conn, op, start, BT_ATT_ERR_INVALID_HANDLE);
		return false;
	}
	return true;
}

/* A response buffer, or NULL (counted: the request stays unanswered, as
 * an Error Response would need a buffer too). */
struct net_buf *zble_gatts_rsp_alloc(struct bt_conn *conn, uint8_t op)
{
	struct net_buf *buf = zble_att_pdu_alloc(conn, op);
	if (!buf) {
		conn->host->gatts.stats.no_buffer++;
	}
	return buf;
}

/* Sends a search's response if it found anything; else Attribute Not Found
 * at the start of the range searched. */
static void send_search_rsp(struct bt_conn *conn, struct net_buf *buf, bool found, uint8_t req_op, uint16_t start)
{
	if (!found) {
		net_buf_unref(buf);
		zble_gatts_send_err(conn, req_op, start, BT_ATT_ERR_ATTRIBUTE_NOT_FOUND);
		return;
	}
	zble_gatts_send_rsp(conn, buf);
}

static uint16_t room(struct bt_conn *conn, const struct net_buf *buf)
{
	uint16_t mtu = zble_att_mtu(conn);
	return buf->len < mtu ? (uint16_t)(mtu - buf->len) : 0;
}

/* ---- Find Information ---- */

struct find_info {
	struct bt_conn *conn;
	struct net_buf *buf;
	uint8_t format; /* 0 until the first entry: 1 = 16-bit, 2 = 128-bit */
};

static uint8_t find_info_cb(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	struct find_info *f = ud;
	uint8_t u[16];
	uint8_t n = zble_uuid_to_le(attr->uuid, u);
	uint8_t format = n == 2 ? 1 : 2;
	if (!f->format) {
		f->format = format;
		net_buf_add_u8(f->buf, format);
	}
	if (format != f->format || room(f->conn, f->buf) < 2u + n) {
		return BT_GATT_ITER_STOP;
	}
	net_buf_add_le16(f->buf, handle);
	net_buf_add_mem(f->buf, u, n);
	return BT_GATT_ITER_CONTINUE;
}

static void find_info(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	if (len != 4) {
		zble_gatts_send_err(conn, BT_ATT_OP_FIND_INFO_REQ, 0, BT_ATT_ERR_INVALID_PDU);
		return;
	}
	uint16_t start = sys_get_le16(p), end = sys_get_le16(p + 2);
	if (!range_ok(conn, BT_ATT_OP_FIND_INFO_REQ, start, end)) {
		return;
	}
	struct find_info f = { conn, zble_gatts_rsp_alloc(conn, BT_ATT_OP_FIND_INFO_RSP), 0 };
	if (!f.buf) {
		return;
	}
	zble_gatts_foreach(conn->host, start, end, find_info_cb, &f);
	send_search_rsp(conn, f.buf, f.format, BT_ATT_OP_FIND_INFO_REQ, start);
}

/* ---- Find By Type Value ---- */

struct find_type {
	struct bt_conn *conn;
	struct net_buf *buf;
	const struct bt_uuid *type;
	const uint8_t *value;
	uint16_t value_len;
	uint16_t found;
};

/* Whether attr's value is the one asked for. Service declarations compare
 * as UUIDs, so a 128-bit form of a 16-bit UUID matches too. */
static bool value_matches(struct find_type *f, const struct bt_gatt_attr *attr)
{
	uint8_t v[16 + 1];
	if (zble_gatts_check_perm(f->conn, attr, ZBLE_GATT_PERM_READ_MASK)) {
		return false;
	}
	if (zble_gatts_is_service_decl(attr)) {
		union bt_uuid_any want;
		if (!bt_uuid_create(&want.uuid, f->value, (uint8_t)MIN(f->value_len, 17u))) {
			return false;
		}
		return !bt_uuid_cmp(attr->user_data, &want.uuid);
	}
	if (f->value_len > 16) {
		/* Longer values: compare in pieces, without a big buffer. */
		for (uint16_t off = 0; off < f->value_len; off += 16) {
			uint16_t n = (uint16_t)MIN(16u, (unsigned)(f->value_len - off));
			ssize_t r = attr->read(f->conn, attr, v, n, off);
			if (r != n || memcmp(v, f->value + off, n)) {
				return false;
			}
		}
		ssize_t tail = attr->read(f->conn, attr, v, 1, f->value_len);
		return tail == 0 || tail == BT_GATT_ERR(BT_ATT_ERR_INVALID_OFFSET);
	}
	ssize_t r = attr->read(f->conn, attr, v, (uint16_t)(f->value_len + 1), 0);
	return r == f->value_len && !memcmp(v, f->value, f->value_len);
}

static uint8_t find_type_cb(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	struct find_type *f = ud;
	if (bt_uuid_cmp(attr->uuid, f->type) || !value_matches(f, attr)) {
		return BT_GATT_ITER_CONTINUE;
	}
	if (room(f->conn, f->buf) < 4) {
		return BT_GATT_ITER_STOP;
	}
	uint16_t group_end = zble_gatts_is_service_decl(attr) ? zble_gatts_service_end(f->conn->host, handle) : handle;
	net_buf_add_le16(f->buf, handle);
	net_buf_add_le16(f->buf, group_end);
	f->found++;
	return BT_GATT_ITER_CONTINUE;
}

static void find_type(struct bt_conn *conn, const uint8_t *p, uint16_t len)
{
	if (len < 6) {
		zble_gatts_send_err(conn, BT_ATT_OP_FIND_TYPE_REQ, 0, BT_ATT_ERR_INVALID_PDU);
		return;
	}
	uint16_t start = sys_get_le16(p), end = sys_get_le16(p + 2);
	if (!range_ok(conn, BT_ATT_OP_FIND_TYPE_REQ, start, end)) {
		return;
	}
	struct bt_uuid_16 type = BT_UUID_INIT_16(sys_get_le16(p + 4));
	struct find_type f = { conn, zble_gatts_rsp_alloc(conn, BT_ATT_OP_FIND_TYPE_RSP), &type.uuid, p + 6,
			       (uint16_t)(len - 6), 0 };
	if (!f.buf) {
		return;
	}
	zble_gatts_foreach(conn->host, start, end, find_type_cb, &f);
	send_search_rsp(conn, f.buf, f.found, BT_ATT_OP_FIND_TYPE_REQ, start);
}

/* ---- Read By Type and Read By Group Type ---- */

struct read_type {
	struct bt_conn *conn;
	struct net_buf *buf;
	const struct bt_uuid *type;
	bool group;
	uint8_t entry_len; /* 0 until the first entry */
	uint8_t err;       /* the first match failed */
	uint16_t err_handle;
};

static uint8_t read_type_cb(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	struct read_type *r = ud;
	if (r->group ? !zble_gatts_is_service_decl(attr) || bt_uuid_cmp(attr->uuid, r->type)
		     : bt_uuid_cmp(attr->uuid, r->type)) {
		return BT_GATT_ITER_CONTINUE;
	}
	uint8_t err = zble_gatts_check_perm(r->conn, attr, ZBLE_GATT_PERM_READ_MASK);
	if (err) {
		/* An error only when nothing has been found yet; otherwise
		 * the response ends before this attribute. */
		if (!r->entry_len) {
			r->err = err;
			r->err_handle = handle;
		}
		return BT_GATT_ITER_STOP;
	}
	uint8_t hdr = r->group ? 4 : 2;
	uint16_t space = room(r->conn, r->buf);
	uint16_t need = (uint16_t)(hdr + (r->entry_len ? 0 : 1)); /* the first brings the length byte */
	if (space <= need) {
		return BT_GATT_ITER_STOP;
	}
	uint16_t max = (uint16_t)MIN((unsigned)(space - need), r->group ? GROUP_ENTRY_VALUE_MAX : TYPE_ENTRY_VALUE_MAX);
	struct net_buf_simple_state save;
	net_buf_simple_save(&r->buf->b, &save);
	if (r->entry_len == 0) {
		net_buf_add_u8(r->buf, 0);
	}
	net_buf_add_le16(r->buf, handle);
	if (r->group) {
		net_buf_add_le16(r->buf, zble_gatts_service_end(r->conn->host, handle));
	}
	ssize_t n = attr->read(r->conn, attr, net_buf_tail(r->buf), max, 0);
	if (n < 0) {
		net_buf_simple_restore(&r->buf->b, &save);
		if (!r->entry_len) {
			r->err = zble_gatts_err(n);
			r->err_handle = handle;
		}
		return BT_GATT_ITER_STOP;
	}
	if (r->entry_len == 0) {
		r->entry_len = (uint8_t)(hdr + n);
		r->buf->data[1] = r->entry_len;
	} else if (hdr + n != r->entry_len) {
		/* Entries of one response share one length. */
		net_buf_simple_restore(&r->buf->b, &save);
		return BT_GATT_ITER_STOP;
	}
	net_buf_add(r->buf, (size_t)n);
	return BT_GATT_ITER_CONTINUE;
}

static void read_type(struct bt_conn *conn, uint8_t op, const uint8_t *p, uint16_t len)
{
	bool group = op == BT_ATT_OP_READ_GROUP_REQ;
	if (len != 6 && len != 20) {
		zble_gatts_send_err(conn, op, 0, BT_ATT_ERR_INVALID_PDU);
		return;
	}
	uint16_t start = sys_get_le16(p), end = sys_get_le16(p + 2);
	if (!range_ok(conn, op, start, end)) {
		return;
	}
	union bt_uuid_any type;
	(void)bt_uuid_create(&type.uuid, p + 4, (uint8_t)(len - 4));
	if (group && bt_uuid_cmp(&type.uuid, BT_UUID_GATT_PRIMARY) && bt_uuid_cmp(&type.uuid, BT_UUID_GATT_SECONDARY)) {
		zble_gatts_send_err(conn, op, start, BT_ATT_ERR_UNSUPPORTED_GROUP_TYPE);
		return;
	}
	struct read_type r = { conn, zble_gatts_rsp_alloc(conn, (uint8_t)(op + 1)), &type.uuid, group, 0, 0, 0 };
	if (!r.buf) {
		return;
	}
	zble_gatts_foreach(conn->host, start, end, read_type_cb, &r);
	if (!r.entry_len && r.err) {
		net_buf_unref(r.buf);
		zble_gatts_send_err(conn, op, r.err_handle, r.err);
		return;
	}
	send_search_rsp(conn, r.buf, r.entry_len, op, start);
}

/* ---- Read, Read Blob, Read Multiple ---- */

/* The attribute at handle if conn may read it, else 0 with *err set. */
static const struct bt_gatt_attr *readable(struct bt_conn *conn, uint16_t handle, uint8_t *err)
{
	const struct bt_gatt_attr *attr = handle ? zble_gatts_find(conn->host, handle) : NULL;
	if (!attr) {
		*err = BT_ATT_ERR_INVALID_HANDLE;
		return NULL;
	}
	*err = zble_gatts_check_perm(conn, attr, ZBLE_GATT_PERM_READ_MASK);
	return *err ? NULL : attr;
}

/* Values the host builds itself, short and fixed: a blob read past their
 * first part is refused as Attribute Not Long (application values are
 * the application's to judge, and reading them twice to find their length
 * would show the application a read that did not happen). */
static bool fixed_short(const struct bt_gatt_attr *attr)
{
	return attr->read == bt_gatt_attr_read_service || attr->read == bt_gatt_attr_read_chrc ||
	       attr->read == bt_gatt_attr_read_included || attr->read == bt_gatt_attr_read_ccc ||
	       attr->read == bt_gatt_attr_read_cep || attr->read == bt_gatt_attr_read_cpf;
}

static void read_one(struct bt_conn *conn, uint8_t op, const uint8_t *p, uint16_t len)
{
	bool blob = op == BT_ATT_OP_READ_BLOB_REQ;
	if (len != (blob ? 4 : 2)) {
		zble_gatts_send_err(conn, op, 0, BT_ATT_ERR_INVALID_PDU);
		return;
	}
	uint16_t handle = sys_get_le16(p);
	uint16_t offset = blob ? sys_get_le16(p + 2) : 0;
	uint8_t err;
	const struct bt_gatt_attr *attr = readable(conn, handle, &err);
	if (!attr) {
		zble_gatts_send_err(conn, op, handle, err);
		return;
	}
	struct net_buf *buf = zble_gatts_rsp_alloc(conn, (uint8_t)(op + 1));
	if (!buf) {
		return;
	}
	uint16_t max = room(conn, buf);
	if (blob && offset && fixed_short(attr)) {
		ssize_t whole = attr->read(conn, attr, net_buf_tail(buf), max, 0);
		if (whole >= 0 && whole < max) {
			net_buf_unref(buf);
			zble_gatts_send_err(conn, op, handle,
					    offset > whole ? BT_ATT_ERR_INVALID_OFFSET : BT_ATT_ERR_ATTRIBUTE_NOT_LONG);
			return;
		}
	}
	ssize_t n = attr->read(conn, attr, net_buf_tail(buf), max, offset);
	if (n < 0) {
		net_buf_unref(buf);
		zble_gatts_send_err(conn, op, handle, zble_gatts_err(n));
		return;
	}
	net_buf_add(buf, (size_t)MIN((size_t)n, (size_t)max));
	zble_gatts_send_rsp(conn, buf);
}

static void read_multiple(struct bt_conn *conn, uint8_t op, const uint8_t *p, uint16_t len)
{
	bool variable = op == BT_ATT_OP_READ_MULT_VL_REQ;
	if (len < 4 || (len & 1)) {
		zble_gatts_send_err(conn, op, 0, BT_ATT_ERR_INVALID_PDU);
		return;
	}
	struct net_buf *buf = zble_gatts_rsp_alloc(conn, (uint8_t)(op + 1));
	if (!buf) {
		return;
	}
	for (uint16_t i = 0; i < len; i += 2) {
		uint16_t handle = sys_get_le16(p + i);
		uint8_t err;
		const struct bt_gatt_attr *attr = readable(conn, handle, &err);
		if (!attr) {
			net_buf_unref(buf);
			zble_gatts_send_err(conn, op, handle, err);
			return;
		}
		uint16_t space = room(conn, buf);
		if (variable) {
			/* Length Value Tuples; the last may be cut short. */
			if (space < 2) {
				continue; /* full: still check the remaining handles */
			}
			uint8_t *lenp = net_buf_add(buf, 2);
			ssize_t n = attr->read(conn, attr, net_buf_tail(buf), (uint16_t)(space - 2), 0);
			if (n < 0) {
				net_buf_unref(buf);
				zble_gatts_send_err(conn, op, handle, zble_gatts_err(n));
				return;
			}
			sys_put_le16((uint16_t)n, lenp);
			net_buf_add(buf, (size_t)n);
		} else {
			/* Values back to back, cut at the MTU. */
			ssize_t n = space ? attr->read(conn, attr, net_buf_tail(buf), space, 0) : 0;
			if (n < 0) {
				net_buf_unref(buf);
				zble_gatts_send_err(conn, op, handle, zble_gatts_err(n));
				return;
			}
			net_buf_add(buf, (size_t)n);
		}
	}
	zble_gatts_send_rsp(conn, buf);
}

/* ---- dispatch ---- */

void zble_gatt_server_recv(struct bt_conn *conn, const uint8_t *pdu, uint16_t len)
{
	uint8_t op = pdu[0];
	const uint8_t *p = pdu + 1;
	uint16_t plen = (uint16_t)(len - 1);
	(void)zble_gatts(conn->host);
	switch (op) {
	case BT_ATT_OP_FIND_INFO_REQ:
		find_info(conn, p, plen);
		break;
	case BT_ATT_OP_FIND_TYPE_REQ:
		find_type(conn, p, plen);
		break;
	case BT_ATT_OP_READ_TYPE_REQ:
	case BT_ATT_OP_READ_GROUP_REQ:
		read_type(conn, op, p, plen);
		break;
	case BT_ATT_OP_READ_REQ:
	case BT_ATT_OP_READ_BLOB_REQ:
		read_one(conn, op, p, plen);
		break;
	case BT_ATT_OP_READ_MULT_REQ:
	case BT_ATT_OP_READ_MULT_VL_REQ:
		read_multiple(conn, op, p, plen);
		break;
	case BT_ATT_OP_WRITE_REQ:
		zble_gatts_write_req(conn, p, plen);
		break;
	case BT_ATT_OP_WRITE_CMD:
		zble_gatts_write_cmd(conn, p, plen);
		break;
	case BT_ATT_OP_SIGNED_WRITE_CMD:
		/* A signed write is checked with the peer's CSRK, which only
		 * pairing provides; without one the command is ignored (Core
		 * Vol 3 Part C 10.4.2). zble has no SMP yet. */
		conn->host->gatts.stats.ignored++;
		break;
	case BT_ATT_OP_PREPARE_WRITE_REQ:
		zble_gatts_prepare_write(conn, p, plen);
		break;
	case BT_ATT_OP_EXEC_WRITE_REQ:
		zble_gatts_execute_write(conn, p, plen);
		break;
	default:
		/* Commands (bit 6) we do not know are ignored; requests are
		 * answered Request Not Supported (Core Vol 3 Part F 3.4.1.1). */
		if (op & 0x40) {
			conn->host->gatts.stats.ignored++;
		} else {
			zble_gatts_send_err(conn, op, 0, BT_ATT_ERR_NOT_SUPPORTED);
		}
		break;
	}
}

void zble_gatt_server_connected(struct bt_conn *conn)
{
	(void)zble_gatts(conn->host);
	zble_gatts_prep_flush(conn);
	zble_ccc_conn_reset(conn);
	zble_gatts_sc_conn_reset(conn);
}

void zble_gatt_server_disconnected(struct bt_conn *conn)
{
	zble_gatts_prep_flush(conn);
	zble_ccc_conn_reset(conn);
	zble_gatts_sc_conn_reset(conn);
}

void zble_gatt_server_teardown(struct zble_host *host)
{
	if (!host->gatts.ready) {
		return; /* never used: nothing to forget */
	}
	zble_ccc_host_reset(host);
	host->gatts.prep_count = 0;
	host->gatts.prep_used = 0;
	for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
		zble_gatts_sc_conn_reset(&host->conns[i]);
	}
}
