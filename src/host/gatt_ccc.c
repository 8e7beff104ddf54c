/* Client Characteristic Configuration: one entry per (host, identity, peer)
 * in the CCC attribute's user data. Without bonding an entry lasts as long
 * as its link. */
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "gatt_internal.h"
#include "host_internal.h"

static bool cfg_is(const struct bt_gatt_ccc_cfg *cfg, const struct bt_conn *conn)
{
	return cfg->_host == conn->host && cfg->id == conn->id && bt_addr_le_eq(&cfg->peer, &conn->dst);
}

static struct bt_gatt_ccc_cfg *cfg_find(struct _bt_gatt_ccc *ccc, const struct bt_conn *conn)
{
	for (size_t i = 0; i < BT_GATT_CCC_MAX; i++) {
		if (ccc->cfg[i]._host && cfg_is(&ccc->cfg[i], conn)) {
			return &ccc->cfg[i];
		}
	}
	return NULL;
}

static bool is_managed_ccc(const struct bt_gatt_attr *attr)
{
	return attr->write == bt_gatt_attr_write_ccc && attr->user_data;
}

uint16_t zble_ccc_value(struct bt_conn *conn, const struct bt_gatt_attr *ccc_attr)
{
	if (!conn || !is_managed_ccc(ccc_attr)) {
		return 0;
	}
	const struct bt_gatt_ccc_cfg *cfg = cfg_find(ccc_attr->user_data, conn);
	return cfg ? cfg->value : 0;
}

/* Recomputes the highest value and tells the application if it moved. */
static void ccc_update(const struct bt_gatt_attr *attr)
{
	struct _bt_gatt_ccc *ccc = attr->user_data;
	uint16_t v = 0;
	for (size_t i = 0; i < BT_GATT_CCC_MAX; i++) {
		if (ccc->cfg[i]._host) {
			v = MAX(v, ccc->cfg[i].value);
		}
	}
	if (v != ccc->value) {
		ccc->value = v;
		if (ccc->cfg_changed) {
			ccc->cfg_changed(attr, v);
		}
	}
}

ssize_t bt_gatt_attr_read_ccc(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			      uint16_t offset)
{
	uint8_t v[2];
	sys_put_le16(zble_ccc_value(conn, attr), v);
	return bt_gatt_attr_read(conn, attr, buf, len, offset, v, sizeof(v));
}

ssize_t bt_gatt_attr_write_ccc(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			       uint16_t offset, uint8_t flags)
{
	(void)flags;
	struct _bt_gatt_ccc *ccc = attr->user_data;
	if (!conn || !ccc) {
		return BT_GATT_ERR(BT_ATT_ERR_UNLIKELY);
	}
	if (offset) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_OFFSET);
	}
	if (len == 0 || len > 2) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_ATTRIBUTE_LEN);
	}
	const uint8_t *p = buf;
	uint16_t value = len == 2 ? sys_get_le16(p) : p[0];
	struct bt_gatt_ccc_cfg *cfg = cfg_find(ccc, conn);
	if (!cfg) {
		if (value == 0) {
			return len; /* nothing stored is already 0 */
		}
		for (size_t i = 0; i < BT_GATT_CCC_MAX && !cfg; i++) {
			if (!ccc->cfg[i]._host) {
				cfg = &ccc->cfg[i];
			}
		}
		if (!cfg) {
			return BT_GATT_ERR(BT_ATT_ERR_INSUFFICIENT_RESOURCES);
		}
	}
	if (ccc->cfg_write) {
		ssize_t r = ccc->cfg_write(conn, attr, value);
		if (r < 0) {
			return r;
		}
	}
	if (value) {
		cfg->_host = conn->host;
		cfg->id = conn->id;
		bt_addr_le_copy(&cfg->peer, &conn->dst);
		cfg->value = value;
	} else {
		memset(cfg, 0, sizeof(*cfg));
	}
	ccc_update(attr);
	return len;
}

static uint8_t reset_one(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	(void)handle;
	struct bt_conn *conn = ud;
	if (is_managed_ccc(attr)) {
		struct bt_gatt_ccc_cfg *cfg = cfg_find(attr->user_data, conn);
		if (cfg) {
			memset(cfg, 0, sizeof(*cfg));
			ccc_update(attr);
		}
	}
	return BT_GATT_ITER_CONTINUE;
}

void zble_ccc_conn_reset(struct bt_conn *conn)
{
	zble_gatts_foreach(conn->host, 1, 0xffff, reset_one, conn);
}

struct ccc_walk {
	uint16_t value_handle;
	uint16_t handle;
	const struct bt_gatt_attr *ccc;
};

static uint8_t find_ccc(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	struct ccc_walk *w = ud;
	if (handle == w->value_handle) {
		return BT_GATT_ITER_CONTINUE;
	}
	/* The characteristic's descriptors end at the next declaration. */
	if (!bt_uuid_cmp(attr->uuid, BT_UUID_GATT_CHRC) || !bt_uuid_cmp(attr->uuid, BT_UUID_GATT_INCLUDE) ||
	    zble_gatts_is_service_decl(attr)) {
		return BT_GATT_ITER_STOP;
	}
	if (!bt_uuid_cmp(attr->uuid, BT_UUID_GATT_CCC)) {
		w->ccc = attr;
		w->handle = handle;
		return BT_GATT_ITER_STOP;
	}
	return BT_GATT_ITER_CONTINUE;
}

const struct bt_gatt_attr *zble_ccc_find(struct zble_host *host, uint16_t value_handle, uint16_t *ccc_handle)
{
	struct ccc_walk w = { value_handle, 0, NULL };
	zble_gatts_foreach(host, value_handle, 0xffff, find_ccc, &w);
	if (ccc_handle) {
		*ccc_handle = w.handle;
	}
	return w.ccc;
}

static uint8_t forget_host(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	(void)handle;
	if (is_managed_ccc(attr)) {
		struct _bt_gatt_ccc *ccc = attr->user_data;
		bool dropped = false;
		for (size_t i = 0; i < BT_GATT_CCC_MAX; i++) {
			if (ccc->cfg[i]._host == ud) {
				memset(&ccc->cfg[i], 0, sizeof(ccc->cfg[i]));
				dropped = true;
			}
		}
		if (dropped) {
			/* Silently: the application hears of no link here. */
			uint16_t v = 0;
			for (size_t i = 0; i < BT_GATT_CCC_MAX; i++) {
				v = ccc->cfg[i]._host ? MAX(v, ccc->cfg[i].value) : v;
			}
			ccc->value = v;
		}
	}
	return BT_GATT_ITER_CONTINUE;
}

void zble_ccc_host_reset(struct zble_host *host)
{
	/* Static CCCs outlive the host: leave no entry keyed by it. */
	zble_gatts_foreach(host, 1, 0xffff, forget_host, host);
}
