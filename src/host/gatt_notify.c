/* Notifications and indications from the server to subscribed clients. */
#include <errno.h>

#include <zephyr/sys/byteorder.h>

#include "att_internal.h"
#include "gatt_internal.h"

struct uuid_find {
	const struct bt_uuid *uuid;
	const struct bt_gatt_attr *attr;
};

static uint8_t match_uuid(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	(void)handle;
	struct uuid_find *f = ud;
	if (bt_uuid_cmp(attr->uuid, f->uuid)) {
		return BT_GATT_ITER_CONTINUE;
	}
	f->attr = attr;
	return BT_GATT_ITER_STOP;
}

/* The value handle params point at: the attribute, the first of type uuid
 * from it, or for a characteristic declaration its value. 0: none. */
static uint16_t target_handle(struct zble_host *host, const struct bt_uuid *uuid, const struct bt_gatt_attr *attr)
{
	if (uuid) {
		uint16_t from = attr ? zble_gatts_handle(host, attr) : 1;
		struct uuid_find f = { uuid, NULL };
		if (from) {
			zble_gatts_foreach(host, from, 0xffff, match_uuid, &f);
		}
		attr = f.attr;
	}
	if (!attr) {
		return 0;
	}
	if (!bt_uuid_cmp(attr->uuid, BT_UUID_GATT_CHRC)) {
		return bt_gatt_attr_value_handle(attr);
	}
	return zble_gatts_handle(host, attr);
}

/* Whether the characteristic of value_handle allows prop (its declaration
 * right before it says so; a value without one is not checked). */
static bool chrc_allows(struct zble_host *host, uint16_t value_handle, uint8_t prop)
{
	const struct bt_gatt_attr *decl = value_handle > 1 ? zble_gatts_find(host, (uint16_t)(value_handle - 1)) : NULL;
	if (!decl || bt_uuid_cmp(decl->uuid, BT_UUID_GATT_CHRC) || bt_gatt_attr_value_handle(decl) != value_handle) {
		return true;
	}
	const struct bt_gatt_chrc *chrc = decl->user_data;
	return chrc->properties & prop;
}

static bool subscribed(struct bt_conn *conn, uint16_t value_handle, uint16_t type)
{
	const struct bt_gatt_attr *ccc = zble_ccc_find(conn->host, value_handle, NULL);
	if (!ccc || !(zble_ccc_value(conn, ccc) & type)) {
		return false;
	}
	const struct _bt_gatt_ccc *data = ccc->user_data;
	return !data->cfg_match || data->cfg_match(conn, ccc);
}

static bool link_up(const struct bt_conn *conn)
{
	return atomic_get(&conn->ref) && conn->state == BT_CONN_STATE_CONNECTED;
}

/* A Handle Value PDU, or a negative errno. */
static int value_pdu(struct bt_conn *conn, uint8_t op, uint16_t handle, const void *data, uint16_t len,
		     struct net_buf **out)
{
	if (!link_up(conn)) {
		return -ENOTCONN;
	}
	if (len > zble_att_mtu(conn) - 3) {
		return -EMSGSIZE;
	}
	struct net_buf *buf = zble_att_pdu_alloc(conn, op);
	if (!buf) {
		return -ENOMEM;
	}
	net_buf_add_le16(buf, handle);
	net_buf_add_mem(buf, data, len);
	*out = buf;
	return 0;
}

/* What sets a notification apart from an indication on its way out. */
struct value_kind {
	uint8_t chrc_prop; /* the characteristic property it needs */
	uint16_t ccc_bit;  /* the CCC bit a client subscribes with */
	/* Called once, under the host lock, before the first link; may be NULL. */
	void (*start)(void *params);
	int (*send_one)(struct bt_conn *conn, uint16_t handle, void *params);
};

static bool value_params_valid(const struct bt_uuid *uuid, const struct bt_gatt_attr *attr, const void *data,
			       uint16_t len)
{
	return (attr || uuid) && (!len || data);
}

/* Sends params' value to conn, or with conn NULL to every link subscribed
 * to it; the target is found from uuid and attr. */
static int send_value(struct bt_conn *conn, const struct value_kind *kind, const struct bt_uuid *uuid,
		      const struct bt_gatt_attr *attr, void *params)
{
	struct zble_host *host = conn ? conn->host : zble_host_current();
	if (!host) {
		return -ENODEV;
	}
	k_mutex_lock(&host->lock, K_FOREVER);
	(void)zble_gatts(host);
	int err;
	if (kind->start) {
		kind->start(params);
	}
	uint16_t handle = target_handle(host, uuid, attr);
	if (!handle) {
		err = uuid ? -ENOENT : -EINVAL;
	} else if (!chrc_allows(host, handle, kind->chrc_prop)) {
		err = -EINVAL;
	} else if (conn) {
		err = !link_up(conn) ? -ENOTCONN
		      : !subscribed(conn, handle, kind->ccc_bit) ? -EINVAL
		      : kind->send_one(conn, handle, params);
	} else {
		err = -ENOTCONN; /* nobody subscribed */
		for (int i = 0; i < CONFIG_BT_MAX_CONN; i++) {
			struct bt_conn *c = &host->conns[i];
			if (link_up(c) && subscribed(c, handle, kind->ccc_bit)) {
				int e = kind->send_one(c, handle, params);
				err = (err == -ENOTCONN || e) ? e : err;
			}
		}
	}
	k_mutex_unlock(&host->lock);
	return err;
}

/* ---- notifications ---- */

static void notify_done(struct bt_conn *conn, int err, void *user_data)
{
	struct zble_gatt_notify_slot *slot = user_data;
	bt_gatt_complete_func_t func = slot->func;
	void *ud = slot->user_data;
	slot->used = false;
	if (!err && func) {
		func(conn, ud);
	}
}

static int notify_one(struct bt_conn *conn, uint16_t handle, void *notify_params)
{
	const struct bt_gatt_notify_params *params = notify_params;
	struct zble_gatt_notify_slot *slot = NULL;
	if (params->func) {
		/* Completion data outlives params: keep it in the host. */
		struct zble_gatt_server_host *gs = &conn->host->gatts;
		for (int i = 0; i < ZBLE_GATT_NOTIFY_SLOTS && !slot; i++) {
			if (!gs->notify_slots[i].used) {
				slot = &gs->notify_slots[i];
			}
		}
		if (!slot) {
			return -ENOMEM;
		}
	}
	struct net_buf *buf;
	int err = value_pdu(conn, BT_ATT_OP_NOTIFY, handle, params->data, params->len, &buf);
	if (err) {
		return err;
	}
	if (slot) {
		*slot = (struct zble_gatt_notify_slot){ params->func, params->user_data, true };
	}
	err = zble_att_send_notify(conn, buf, slot ? notify_done : NULL, slot);
	if (err && slot) {
		slot->used = false;
	}
	return err;
}

static const struct value_kind notify_kind = { BT_GATT_CHRC_NOTIFY, BT_GATT_CCC_NOTIFY, NULL, notify_one };

int bt_gatt_notify_cb(struct bt_conn *conn, struct bt_gatt_notify_params *params)
{
	if (!params || !value_params_valid(params->uuid, params->attr, params->data, params->len)) {
		return -EINVAL;
	}
	return send_value(conn, &notify_kind, params->uuid, params->attr, params);
}

int bt_gatt_notify(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *data, uint16_t len)
{
	struct bt_gatt_notify_params params = { .attr = attr, .data = data, .len = len };
	return bt_gatt_notify_cb(conn, &params);
}

int bt_gatt_notify_uuid(struct bt_conn *conn, const struct bt_uuid *uuid, const struct bt_gatt_attr *attr,
			const void *data, uint16_t len)
{
	struct bt_gatt_notify_params params = { .uuid = uuid, .attr = attr, .data = data, .len = len };
	return bt_gatt_notify_cb(conn, &params);
}

/* ---- indications ---- */

static void indicate_done(struct bt_conn *conn, int err, void *user_data)
{
	struct bt_gatt_indicate_params *params = user_data;
	/* destroy after the last link, once; func may not touch params after. */
	bool last = params->_ref && --params->_ref == 0;
	if (params->func) {
		params->func(conn, params, err ? BT_ATT_ERR_UNLIKELY : 0);
	}
	if (last && params->destroy) {
		params->destroy(params);
	}
}

/* _ref counts the links an indication is in flight on. */
static void indicate_start(void *indicate_params)
{
	struct bt_gatt_indicate_params *params = indicate_params;
	params->_ref = 0;
}

static int indicate_one(struct bt_conn *conn, uint16_t handle, void *indicate_params)
{
	struct bt_gatt_indicate_params *params = indicate_params;
	struct net_buf *buf;
	int err = value_pdu(conn, BT_ATT_OP_INDICATE, handle, params->data, params->len, &buf);
	if (err) {
		return err;
	}
	params->_ref++;
	err = zble_att_send_indicate(conn, buf, indicate_done, params);
	if (err) {
		params->_ref--;
	}
	return err;
}

static const struct value_kind indicate_kind = { BT_GATT_CHRC_INDICATE, BT_GATT_CCC_INDICATE, indicate_start,
						 indicate_one };

int bt_gatt_indicate(struct bt_conn *conn, struct bt_gatt_indicate_params *params)
{
	if (!params || !value_params_valid(params->uuid, params->attr, params->data, params->len)) {
		return -EINVAL;
	}
	return send_value(conn, &indicate_kind, params->uuid, params->attr, params);
}

/* ---- regardless of subscription ---- */

static int send_handle(struct bt_conn *conn, uint16_t handle, const struct value_kind *kind, const void *data,
		       uint16_t len, void *params)
{
	if (!conn || !handle || (len && !data)) {
		return -EINVAL;
	}
	struct zble_host *host = conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	int err;
	if (!zble_gatts_find(host, handle)) {
		err = -EINVAL;
	} else if (kind->start) {
		kind->start(params);
		err = kind->send_one(conn, handle, params);
	} else {
		err = kind->send_one(conn, handle, params);
	}
	k_mutex_unlock(&host->lock);
	return err;
}

int zble_gatt_notify_handle(struct bt_conn *conn, uint16_t handle, const void *data, uint16_t len)
{
	struct bt_gatt_notify_params params = { .data = data, .len = len };
	return send_handle(conn, handle, &notify_kind, data, len, &params);
}

int zble_gatt_indicate_handle(struct bt_conn *conn, uint16_t handle, struct bt_gatt_indicate_params *params)
{
	if (!params) {
		return -EINVAL;
	}
	return send_handle(conn, handle, &indicate_kind, params->data, params->len, params);
}

bool bt_gatt_is_subscribed(struct bt_conn *conn, const struct bt_gatt_attr *attr, uint16_t ccc_type)
{
	if (!conn || !attr) {
		return false;
	}
	struct zble_host *host = conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	bool r = false;
	if (link_up(conn)) {
		if (!bt_uuid_cmp(attr->uuid, BT_UUID_GATT_CCC)) {
			r = zble_ccc_value(conn, attr) & ccc_type;
		} else {
			uint16_t handle = target_handle(host, NULL, attr);
			r = handle && subscribed(conn, handle, ccc_type);
		}
	}
	k_mutex_unlock(&host->lock);
	return r;
}
