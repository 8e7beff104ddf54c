/* Read callbacks of the declarations and descriptors the GATT macros
 * build, and the copy helper application callbacks use. */
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "gatt_internal.h"
#include "host_internal.h"

ssize_t bt_gatt_attr_read(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t buf_len,
			  uint16_t offset, const void *value, uint16_t value_len)
{
	(void)conn;
	(void)attr;
	if (offset > value_len) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_OFFSET);
	}
	uint16_t n = MIN(buf_len, (uint16_t)(value_len - offset));
	if (n) {
		memcpy(buf, (const uint8_t *)value + offset, n);
	}
	return n;
}

ssize_t bt_gatt_attr_read_service(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
				  uint16_t offset)
{
	uint8_t v[16];
	uint8_t n = zble_uuid_to_le(attr->user_data, v);
	return bt_gatt_attr_read(conn, attr, buf, len, offset, v, n);
}

/* The host of a read: the link's, or the caller's for a local read. */
static struct zble_host *host_of(struct bt_conn *conn)
{
	return conn ? conn->host : zble_host_current();
}

ssize_t bt_gatt_attr_read_included(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
				   uint16_t offset)
{
	const struct bt_gatt_attr *incl = attr->user_data;
	struct zble_host *host = host_of(conn);
	uint8_t v[6];
	uint8_t n = 4;
	uint16_t start = host ? zble_gatts_handle(host, incl) : 0;
	if (!start) {
		return BT_GATT_ERR(BT_ATT_ERR_UNLIKELY);
	}
	sys_put_le16(start, v);
	sys_put_le16(zble_gatts_service_end(host, start), v + 2);
	/* The UUID only when it is a 16-bit one (Core Vol 3 Part G 3.2). */
	const struct bt_uuid *svc_uuid = incl->user_data;
	if (svc_uuid && svc_uuid->type == BT_UUID_TYPE_16) {
		sys_put_le16(BT_UUID_16(svc_uuid)->val, v + 4);
		n = 6;
	}
	return bt_gatt_attr_read(conn, attr, buf, len, offset, v, n);
}

ssize_t bt_gatt_attr_read_chrc(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			       uint16_t offset)
{
	const struct bt_gatt_chrc *chrc = attr->user_data;
	uint8_t v[3 + 16];
	v[0] = chrc->properties;
	sys_put_le16(bt_gatt_attr_value_handle(attr), v + 1);
	uint8_t n = zble_uuid_to_le(chrc->uuid, v + 3);
	return bt_gatt_attr_read(conn, attr, buf, len, offset, v, (uint16_t)(3 + n));
}

ssize_t bt_gatt_attr_read_cep(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			      uint16_t offset)
{
	const struct bt_gatt_cep *cep = attr->user_data;
	uint8_t v[2];
	sys_put_le16(cep->properties, v);
	return bt_gatt_attr_read(conn, attr, buf, len, offset, v, sizeof(v));
}

ssize_t bt_gatt_attr_read_cud(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			      uint16_t offset)
{
	const char *s = attr->user_data;
	size_t n = strlen(s);
	return bt_gatt_attr_read(conn, attr, buf, len, offset, s, (uint16_t)MIN(n, (size_t)BT_ATT_MAX_ATTRIBUTE_LEN));
}

ssize_t bt_gatt_attr_read_cpf(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			      uint16_t offset)
{
	const struct bt_gatt_cpf *cpf = attr->user_data;
	uint8_t v[7];
	v[0] = cpf->format;
	v[1] = (uint8_t)cpf->exponent;
	sys_put_le16(cpf->unit, v + 2);
	v[4] = cpf->name_space;
	sys_put_le16(cpf->description, v + 5);
	return bt_gatt_attr_read(conn, attr, buf, len, offset, v, sizeof(v));
}
