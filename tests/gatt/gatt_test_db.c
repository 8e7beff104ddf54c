/* The static services of the GATT tests (handles in gatt_test.h). */
#include <string.h>

#include "gatt_test.h"

struct gt_db gt_db;

void gt_db_reset(void)
{
	memset(&gt_db, 0, sizeof(gt_db));
	memcpy(gt_db.val1, "hello", 5);
	gt_db.val1_len = 5;
}

static ssize_t read_val1(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			 uint16_t offset)
{
	gt_db.reads++;
	return bt_gatt_attr_read(conn, attr, buf, len, offset, gt_db.val1, gt_db.val1_len);
}

static ssize_t write_val1(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			  uint16_t offset, uint8_t flags)
{
	(void)conn;
	(void)attr;
	gt_db.last_flags = flags;
	gt_db.last_offset = offset;
	if (flags & BT_GATT_WRITE_FLAG_PREPARE) {
		gt_db.val1_prepares++;
		return 0;
	}
	if (offset > gt_db.val1_len) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_OFFSET);
	}
	if (offset + len > (int)sizeof(gt_db.val1)) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_ATTRIBUTE_LEN);
	}
	memcpy(gt_db.val1 + offset, buf, len);
	gt_db.val1_len = (uint16_t)(offset + len);
	gt_db.val1_writes++;
	return len;
}

static ssize_t read_long(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			 uint16_t offset)
{
	uint8_t v[GT_LONG_LEN];
	for (int i = 0; i < GT_LONG_LEN; i++) {
		v[i] = (uint8_t)(i * 3);
	}
	return bt_gatt_attr_read(conn, attr, buf, len, offset, v, sizeof(v));
}

static ssize_t read_str(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			uint16_t offset)
{
	const char *s = attr->user_data;
	return bt_gatt_attr_read(conn, attr, buf, len, offset, s, (uint16_t)strlen(s));
}

static ssize_t write_sink(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			  uint16_t offset, uint8_t flags)
{
	(void)conn;
	(void)attr;
	(void)buf;
	(void)offset;
	gt_db.sink_writes++;
	gt_db.sink_len = len;
	gt_db.sink_flags = flags;
	return len;
}

static ssize_t read_fail(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			 uint16_t offset)
{
	(void)conn;
	(void)attr;
	(void)buf;
	(void)len;
	(void)offset;
	return BT_GATT_ERR(0x80);
}

static void ccc_changed(const struct bt_gatt_attr *attr, uint16_t value)
{
	(void)attr;
	gt_db.ccc_changes++;
	gt_db.ccc_value = value;
}

#define UUID_B_SVC BT_UUID_128_ENCODE(0x12345678, 0x1234, 0x5678, 0x9abc, 0x0123456789abULL)
#define UUID_LONG BT_UUID_128_ENCODE(0x87654321, 0x4321, 0x8765, 0xcba9, 0xba9876543210ULL)

const struct bt_uuid *const gt_uuid_b_svc = BT_UUID_DECLARE_128(UUID_B_SVC);
const struct bt_uuid *const gt_uuid_long_chrc = BT_UUID_DECLARE_128(UUID_LONG);
static const struct bt_gatt_cpf cpf = { .format = 0x04, .exponent = -1, .unit = 0x2700, .name_space = 1 };

BT_GATT_SERVICE_DEFINE(a_svc,
	BT_GATT_PRIMARY_SERVICE(BT_UUID_DECLARE_16(0xaaa0)),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xaaa1),
			       BT_GATT_CHRC_READ | BT_GATT_CHRC_WRITE | BT_GATT_CHRC_NOTIFY | BT_GATT_CHRC_INDICATE,
			       BT_GATT_PERM_READ | BT_GATT_PERM_WRITE | BT_GATT_PERM_PREPARE_WRITE, read_val1, write_val1,
			       NULL),
	BT_GATT_CCC(ccc_changed, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
	BT_GATT_CUD("Value one", BT_GATT_PERM_READ),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_128(UUID_LONG), BT_GATT_CHRC_READ, BT_GATT_PERM_READ, read_long, NULL,
			       NULL),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xaaa2), BT_GATT_CHRC_READ, BT_GATT_PERM_READ_ENCRYPT, read_val1,
			       NULL, NULL),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xaaa3), BT_GATT_CHRC_READ, BT_GATT_PERM_READ, read_str, NULL, "ro"),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xaaa4), BT_GATT_CHRC_WRITE | BT_GATT_CHRC_WRITE_WITHOUT_RESP,
			       BT_GATT_PERM_WRITE, NULL, write_sink, NULL),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xaaa5), BT_GATT_CHRC_READ, BT_GATT_PERM_READ, read_fail, NULL,
			       NULL),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xaaa6), BT_GATT_CHRC_READ | BT_GATT_CHRC_WRITE,
			       BT_GATT_PERM_READ_AUTHEN | BT_GATT_PERM_WRITE_AUTHEN, read_val1, write_val1, NULL));

BT_GATT_SERVICE_DEFINE(b_svc,
	BT_GATT_PRIMARY_SERVICE(BT_UUID_DECLARE_128(UUID_B_SVC)),
	BT_GATT_INCLUDE_SERVICE(attr_c_sec),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xaab1), BT_GATT_CHRC_NOTIFY, BT_GATT_PERM_NONE, NULL, NULL, NULL),
	BT_GATT_CCC(NULL, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
	BT_GATT_CPF(&cpf));

BT_GATT_SERVICE_DEFINE(c_sec,
	BT_GATT_SECONDARY_SERVICE(BT_UUID_DECLARE_16(0xaac0)),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xaac1), BT_GATT_CHRC_READ, BT_GATT_PERM_READ, read_str, NULL,
			       "sec"));
