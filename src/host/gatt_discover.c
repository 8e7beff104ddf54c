/* GATT discovery (Core Vol 3 Part G 4.4-4.7): services (all, or by UUID),
 * included services (reading the 128-bit UUID a declaration leaves out),
 * characteristics, descriptors, attributes and standard descriptor values.
 * Results reach the callback one at a time through a struct bt_gatt_attr
 * that lives for the call; each response moves the range past its last
 * handle, and a response that does not move forward ends the procedure. */
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "gatt_client_internal.h"

enum { PARSE_BAD = -1, PARSE_STOPPED = 0, PARSE_MORE = 1, PARSE_PENDING = 2 };

static uint16_t decl_uuid(uint8_t type)
{
	switch (type) {
	case BT_GATT_DISCOVER_PRIMARY:
		return BT_UUID_GATT_PRIMARY_VAL;
	case BT_GATT_DISCOVER_SECONDARY:
		return BT_UUID_GATT_SECONDARY_VAL;
	case BT_GATT_DISCOVER_INCLUDE:
		return BT_UUID_GATT_INCLUDE_VAL;
	default:
		return BT_UUID_GATT_CHRC_VAL;
	}
}

static bool is_uuid16(const struct bt_uuid *u, uint16_t val)
{
	return u && u->type == BT_UUID_TYPE_16 && BT_UUID_16(u)->val == val;
}

int zble_gattc_discover_check(const struct bt_gatt_discover_params *params)
{
	if (!params || !params->func || params->start_handle == 0 || params->start_handle > params->end_handle ||
	    params->type > BT_GATT_DISCOVER_STD_CHAR_DESC) {
		return -EINVAL;
	}
	if (params->type == BT_GATT_DISCOVER_STD_CHAR_DESC &&
	    !is_uuid16(params->uuid, BT_UUID_GATT_CEP_VAL) && !is_uuid16(params->uuid, BT_UUID_GATT_CCC_VAL) &&
	    !is_uuid16(params->uuid, BT_UUID_GATT_CPF_VAL)) {
		return -EINVAL;
	}
	return 0;
}

static struct net_buf *range_req(struct bt_conn *conn, uint8_t op, uint16_t end)
{
	struct net_buf *buf = zble_gattc_req_buf(conn, op);
	if (buf) {
		net_buf_add_le16(buf, conn->gattc.next);
		net_buf_add_le16(buf, end);
	}
	return buf;
}

void zble_gattc_discover_next(struct bt_conn *conn, struct bt_gatt_discover_params *params)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	if (gc->step == ZBLE_GATTC_STEP_NEW) {
		gc->next = params->start_handle;
		gc->skip_value = false;
		gc->step = ZBLE_GATTC_STEP_MAIN;
	}
	struct net_buf *buf;
	uint8_t u[16];
	if (gc->step == ZBLE_GATTC_STEP_INCL_UUID) {
		buf = zble_gattc_req_buf(conn, BT_ATT_OP_READ_REQ);
		if (buf) {
			net_buf_add_le16(buf, gc->incl[1]);
		}
	} else {
		switch (params->type) {
		case BT_GATT_DISCOVER_PRIMARY:
		case BT_GATT_DISCOVER_SECONDARY:
			if (params->uuid) {
				buf = range_req(conn, BT_ATT_OP_FIND_TYPE_REQ, params->end_handle);
				if (buf) {
					net_buf_add_le16(buf, decl_uuid(params->type));
					net_buf_add_mem(buf, u, zble_gattc_uuid_le(params->uuid, u));
				}
			} else {
				buf = range_req(conn, BT_ATT_OP_READ_GROUP_REQ, params->end_handle);
				if (buf) {
					net_buf_add_le16(buf, decl_uuid(params->type));
				}
			}
			break;
		case BT_GATT_DISCOVER_INCLUDE:
		case BT_GATT_DISCOVER_CHARACTERISTIC:
			buf = range_req(conn, BT_ATT_OP_READ_TYPE_REQ, params->end_handle);
			if (buf) {
				net_buf_add_le16(buf, decl_uuid(params->type));
			}
			break;
		case BT_GATT_DISCOVER_STD_CHAR_DESC:
			buf = range_req(conn, BT_ATT_OP_READ_TYPE_REQ, params->end_handle);
			if (buf) {
				net_buf_add_le16(buf, BT_UUID_16(params->uuid)->val);
			}
			break;
		default:
			buf = range_req(conn, BT_ATT_OP_FIND_INFO_REQ, params->end_handle);
			break;
		}
	}
	if (buf) {
		zble_gattc_send(conn, buf);
	}
}

static bool deliver(struct bt_conn *conn, struct bt_gatt_discover_params *params, const struct bt_gatt_attr *attr)
{
	if (params->func(conn, attr, params) == BT_GATT_ITER_STOP) {
		zble_gattc_stop(conn);
		return false;
	}
	return true;
}

/* Entries of a list response: elen bytes each, handles in increasing
 * order inside the requested range. */
struct walk {
	const uint8_t *p;
	uint16_t len, off, elen;
	uint32_t floor;   /* the lowest handle the next entry may have */
	uint16_t ceiling; /* the end of the range asked for */
};

static bool walk_next(struct walk *w, uint16_t *handle)
{
	if (w->off >= w->len) {
		return false;
	}
	*handle = sys_get_le16(w->p + w->off);
	return true;
}

static bool walk_ok(const struct walk *w, uint16_t handle)
{
	return handle >= w->floor && handle <= w->ceiling;
}

static int group_rsp(struct bt_conn *conn, struct bt_gatt_discover_params *params, struct walk *w, uint16_t *last)
{
	uint16_t h;
	for (; walk_next(w, &h); w->off = (uint16_t)(w->off + w->elen)) {
		const uint8_t *e = w->p + w->off;
		uint16_t end = sys_get_le16(e + 2);
		union bt_uuid_any u;
		if (!walk_ok(w, h) || end < h) {
			return PARSE_BAD;
		}
		/* By UUID (4-byte entries): the one asked for. */
		if (w->elen != 4 && !bt_uuid_create(&u.uuid, e + 4, (uint8_t)(w->elen - 4))) {
			return PARSE_BAD;
		}
		struct bt_gatt_service_val val = { .uuid = w->elen == 4 ? params->uuid : &u.uuid, .end_handle = end };
		struct bt_gatt_attr attr = {
			.uuid = params->type == BT_GATT_DISCOVER_PRIMARY ? BT_UUID_GATT_PRIMARY : BT_UUID_GATT_SECONDARY,
			.handle = h,
			.user_data = &val,
		};
		if (!deliver(conn, params, &attr)) {
			return PARSE_STOPPED;
		}
		*last = end;
		w->floor = (uint32_t)end + 1;
	}
	return PARSE_MORE;
}

static int std_desc(struct bt_conn *conn, struct bt_gatt_discover_params *params, uint16_t h, const uint8_t *v,
		    uint16_t vlen)
{
	union {
		struct bt_gatt_cep cep;
		struct bt_gatt_ccc ccc;
		struct bt_gatt_cpf cpf;
	} val;
	uint16_t type = BT_UUID_16(params->uuid)->val;
	if (type == BT_UUID_GATT_CPF_VAL) {
		if (vlen < 7) {
			return PARSE_BAD;
		}
		val.cpf = (struct bt_gatt_cpf){ .format = v[0], .exponent = (int8_t)v[1], .unit = sys_get_le16(v + 2),
						.name_space = v[4], .description = sys_get_le16(v + 5) };
	} else if (vlen < 2) {
		return PARSE_BAD;
	} else if (type == BT_UUID_GATT_CEP_VAL) {
		val.cep.properties = sys_get_le16(v);
	} else {
		val.ccc.flags = sys_get_le16(v);
	}
	struct bt_gatt_attr attr = { .uuid = params->uuid, .handle = h, .user_data = &val };
	return deliver(conn, params, &attr) ? PARSE_MORE : PARSE_STOPPED;
}

static int type_rsp(struct bt_conn *conn, struct bt_gatt_discover_params *params, struct walk *w, uint16_t *last)
{
	uint16_t h;
	for (; walk_next(w, &h); w->off = (uint16_t)(w->off + w->elen)) {
		const uint8_t *v = w->p + w->off + 2;
		uint16_t vlen = (uint16_t)(w->elen - 2);
		union bt_uuid_any u;
		int r = PARSE_MORE;
		if (!walk_ok(w, h)) {
			return PARSE_BAD;
		}
		if (params->type == BT_GATT_DISCOVER_INCLUDE) {
			if (vlen == 4) {
				/* No UUID: a 128-bit one, read from the service. */
				conn->gattc.incl[0] = h;
				conn->gattc.incl[1] = sys_get_le16(v);
				conn->gattc.incl[2] = sys_get_le16(v + 2);
				conn->gattc.step = ZBLE_GATTC_STEP_INCL_UUID;
				return PARSE_PENDING;
			}
			if (vlen != 6 || !bt_uuid_create(&u.uuid, v + 4, 2)) {
				return PARSE_BAD;
			}
			struct bt_gatt_include incl = { .uuid = &u.uuid, .start_handle = sys_get_le16(v),
							.end_handle = sys_get_le16(v + 2) };
			struct bt_gatt_attr attr = { .uuid = BT_UUID_GATT_INCLUDE, .handle = h, .user_data = &incl };
			r = deliver(conn, params, &attr) ? PARSE_MORE : PARSE_STOPPED;
		} else if (params->type == BT_GATT_DISCOVER_CHARACTERISTIC) {
			if ((vlen != 5 && vlen != 19) || !bt_uuid_create(&u.uuid, v + 3, (uint8_t)(vlen - 3))) {
				return PARSE_BAD;
			}
			if (!params->uuid || !bt_uuid_cmp(&u.uuid, params->uuid)) {
				struct bt_gatt_chrc chrc = { .uuid = &u.uuid, .value_handle = sys_get_le16(v + 1),
							     .properties = v[0] };
				struct bt_gatt_attr attr = { .uuid = BT_UUID_GATT_CHRC, .handle = h, .user_data = &chrc };
				r = deliver(conn, params, &attr) ? PARSE_MORE : PARSE_STOPPED;
			}
		} else {
			r = std_desc(conn, params, h, v, vlen);
		}
		if (r != PARSE_MORE) {
			return r;
		}
		*last = h;
		w->floor = (uint32_t)h + 1;
	}
	return PARSE_MORE;
}

static int info_rsp(struct bt_conn *conn, struct bt_gatt_discover_params *params, struct walk *w, uint16_t *last)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	uint16_t h;
	for (; walk_next(w, &h); w->off = (uint16_t)(w->off + w->elen)) {
		union bt_uuid_any u;
		if (!walk_ok(w, h) || !bt_uuid_create(&u.uuid, w->p + w->off + 2, (uint8_t)(w->elen - 2))) {
			return PARSE_BAD;
		}
		*last = h;
		w->floor = (uint32_t)h + 1;
		if (params->type == BT_GATT_DISCOVER_DESCRIPTOR) {
			/* Declarations are not descriptors, nor is the value
			 * right after a characteristic declaration. */
			if (is_uuid16(&u.uuid, BT_UUID_GATT_PRIMARY_VAL) || is_uuid16(&u.uuid, BT_UUID_GATT_SECONDARY_VAL) ||
			    is_uuid16(&u.uuid, BT_UUID_GATT_INCLUDE_VAL)) {
				gc->skip_value = false;
				continue;
			}
			if (is_uuid16(&u.uuid, BT_UUID_GATT_CHRC_VAL)) {
				gc->skip_value = true;
				continue;
			}
			if (gc->skip_value) {
				gc->skip_value = false;
				continue;
			}
		}
		if (params->uuid && bt_uuid_cmp(&u.uuid, params->uuid)) {
			continue;
		}
		struct bt_gatt_attr attr = { .uuid = &u.uuid, .handle = h };
		if (!deliver(conn, params, &attr)) {
			return PARSE_STOPPED;
		}
	}
	return PARSE_MORE;
}

static int incl_uuid_rsp(struct bt_conn *conn, struct bt_gatt_discover_params *params, const uint8_t *p,
			 uint16_t len, uint16_t *last)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	union bt_uuid_any u;
	if (len != 17 || !bt_uuid_create(&u.uuid, p + 1, 16)) {
		return PARSE_BAD;
	}
	gc->step = ZBLE_GATTC_STEP_MAIN;
	struct bt_gatt_include incl = { .uuid = &u.uuid, .start_handle = gc->incl[1], .end_handle = gc->incl[2] };
	struct bt_gatt_attr attr = { .uuid = BT_UUID_GATT_INCLUDE, .handle = gc->incl[0], .user_data = &incl };
	*last = gc->incl[0];
	return deliver(conn, params, &attr) ? PARSE_MORE : PARSE_STOPPED;
}

void zble_gattc_discover_rsp(struct bt_conn *conn, struct bt_gatt_discover_params *params, uint8_t err,
			     const uint8_t *p, uint16_t len)
{
	struct zble_gatt_client_conn *gc = &conn->gattc;
	if (err) {
		zble_gattc_finish(conn, err); /* Attribute Not Found: the normal end */
		return;
	}
	struct walk w = { .p = p, .len = len, .off = 2, .floor = gc->next, .ceiling = params->end_handle };
	uint16_t last = 0;
	int r = PARSE_BAD;
	if (gc->step == ZBLE_GATTC_STEP_INCL_UUID) {
		r = incl_uuid_rsp(conn, params, p, len, &last);
	} else if (p[0] == BT_ATT_OP_FIND_TYPE_RSP) {
		w.off = 1;
		w.elen = 4;
		if (len > 1 && (len - 1) % 4 == 0) {
			r = group_rsp(conn, params, &w, &last);
		}
	} else if (len > 2) {
		w.elen = p[0] == BT_ATT_OP_FIND_INFO_RSP ? (p[1] == 1 ? 4 : p[1] == 2 ? 18 : 0) : p[1];
		bool size_ok = w.elen > 2 && (len - 2) % w.elen == 0;
		if (p[0] == BT_ATT_OP_READ_GROUP_RSP && size_ok && (w.elen == 6 || w.elen == 20)) {
			r = group_rsp(conn, params, &w, &last);
		} else if (p[0] == BT_ATT_OP_READ_TYPE_RSP && size_ok) {
			r = type_rsp(conn, params, &w, &last);
		} else if (p[0] == BT_ATT_OP_FIND_INFO_RSP && size_ok) {
			r = info_rsp(conn, params, &w, &last);
		}
	}
	switch (r) {
	case PARSE_BAD:
		conn->host->stats.malformed++;
		zble_gattc_finish(conn, BT_ATT_ERR_UNLIKELY);
		break;
	case PARSE_MORE:
		if (last >= params->end_handle || last == 0xffff) {
			zble_gattc_finish(conn, 0);
		} else {
			gc->next = (uint16_t)(last + 1);
		}
		break;
	default:
		break; /* stopped, or the included UUID read comes next */
	}
}
