/* GATT with Zephyr's API (zephyr/bluetooth/gatt.h): attributes, server and
 * client. Where zble differs from Zephyr, the comment at the item says so. */
#ifndef ZEPHYR_BLUETOOTH_GATT_H
#define ZEPHYR_BLUETOOTH_GATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* ssize_t */

#include <zephyr/bluetooth/att.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/uuid.h>
#include <zephyr/sys/slist.h>

/* ===== common: attributes (owned with the server) ===== */

enum bt_gatt_perm {
	BT_GATT_PERM_NONE = 0,
	BT_GATT_PERM_READ = 1u << 0,
	BT_GATT_PERM_WRITE = 1u << 1,
	BT_GATT_PERM_READ_ENCRYPT = 1u << 2,
	BT_GATT_PERM_WRITE_ENCRYPT = 1u << 3,
	BT_GATT_PERM_READ_AUTHEN = 1u << 4,
	BT_GATT_PERM_WRITE_AUTHEN = 1u << 5,
	BT_GATT_PERM_PREPARE_WRITE = 1u << 6,
	BT_GATT_PERM_READ_LESC = 1u << 7,
	BT_GATT_PERM_WRITE_LESC = 1u << 8,
};

/* A read/write callback returns BT_GATT_ERR(att_error) to fail. */
#define BT_GATT_ERR(_att_err) (-(_att_err))

enum {
	BT_GATT_WRITE_FLAG_PREPARE = 1u << 0,
	BT_GATT_WRITE_FLAG_CMD = 1u << 1,
	BT_GATT_WRITE_FLAG_EXECUTE = 1u << 2,
};

struct bt_gatt_attr;

typedef ssize_t (*bt_gatt_attr_read_func_t)(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf,
					    uint16_t len, uint16_t offset);
typedef ssize_t (*bt_gatt_attr_write_func_t)(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf,
					     uint16_t len, uint16_t offset, uint8_t flags);

struct bt_gatt_attr {
	const struct bt_uuid *uuid;
	bt_gatt_attr_read_func_t read;
	bt_gatt_attr_write_func_t write;
	void *user_data;
	uint16_t handle;
	uint16_t perm;
};

/* Characteristic properties. */
#define BT_GATT_CHRC_BROADCAST 0x01
#define BT_GATT_CHRC_READ 0x02
#define BT_GATT_CHRC_WRITE_WITHOUT_RESP 0x04
#define BT_GATT_CHRC_WRITE 0x08
#define BT_GATT_CHRC_NOTIFY 0x10
#define BT_GATT_CHRC_INDICATE 0x20
#define BT_GATT_CHRC_AUTH 0x40
#define BT_GATT_CHRC_EXT_PROP 0x80

/* Client Characteristic Configuration values. */
#define BT_GATT_CCC_NOTIFY 0x0001
#define BT_GATT_CCC_INDICATE 0x0002

/* Value of a characteristic declaration. */
struct bt_gatt_chrc {
	const struct bt_uuid *uuid;
	uint16_t value_handle;
	uint8_t properties;
};

/* Value of a service declaration (discovery results). */
struct bt_gatt_service_val {
	const struct bt_uuid *uuid;
	uint16_t end_handle;
};

/* Value of an include declaration. */
struct bt_gatt_include {
	const struct bt_uuid *uuid;
	uint16_t start_handle;
	uint16_t end_handle;
};

/* ===== server ===== */

/* ===== end server ===== */

/* ===== client ===== */

/* ===== end client ===== */

#endif
