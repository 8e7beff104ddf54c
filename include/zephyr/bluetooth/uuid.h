/* Bluetooth UUIDs (Zephyr's zephyr/bluetooth/uuid.h subset). */
#ifndef ZEPHYR_BLUETOOTH_UUID_H
#define ZEPHYR_BLUETOOTH_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	BT_UUID_TYPE_16,
	BT_UUID_TYPE_32,
	BT_UUID_TYPE_128,
};

#define BT_UUID_SIZE_16 2
#define BT_UUID_SIZE_32 4
#define BT_UUID_SIZE_128 16

struct bt_uuid {
	uint8_t type;
};

struct bt_uuid_16 {
	struct bt_uuid uuid;
	uint16_t val;
};

struct bt_uuid_32 {
	struct bt_uuid uuid;
	uint32_t val;
};

/* val is little-endian, as on air. */
struct bt_uuid_128 {
	struct bt_uuid uuid;
	uint8_t val[BT_UUID_SIZE_128];
};

#define BT_UUID_INIT_16(value) { .uuid = { BT_UUID_TYPE_16 }, .val = (value) }
#define BT_UUID_INIT_32(value) { .uuid = { BT_UUID_TYPE_32 }, .val = (value) }
#define BT_UUID_INIT_128(value...) { .uuid = { BT_UUID_TYPE_128 }, .val = { value } }

#define BT_UUID_DECLARE_16(value) ((const struct bt_uuid *)((const struct bt_uuid_16[]){ BT_UUID_INIT_16(value) }))
#define BT_UUID_DECLARE_32(value) ((const struct bt_uuid *)((const struct bt_uuid_32[]){ BT_UUID_INIT_32(value) }))
#define BT_UUID_DECLARE_128(value...) \
	((const struct bt_uuid *)((const struct bt_uuid_128[]){ BT_UUID_INIT_128(value) }))

#define BT_UUID_16(u) ((const struct bt_uuid_16 *)(u))
#define BT_UUID_32(u) ((const struct bt_uuid_32 *)(u))
#define BT_UUID_128(u) ((const struct bt_uuid_128 *)(u))

/* The 128-bit UUID w32-w1-w2-w3-w48 as little-endian bytes. */
#define BT_UUID_128_ENCODE(w32, w1, w2, w3, w48)                                                                  \
	(uint8_t)((w48) >> 0), (uint8_t)((w48) >> 8), (uint8_t)((w48) >> 16), (uint8_t)((w48) >> 24),           \
		(uint8_t)((uint64_t)(w48) >> 32), (uint8_t)((uint64_t)(w48) >> 40), (uint8_t)((w3) >> 0),        \
		(uint8_t)((w3) >> 8), (uint8_t)((w2) >> 0), (uint8_t)((w2) >> 8), (uint8_t)((w1) >> 0),          \
		(uint8_t)((w1) >> 8), (uint8_t)((w32) >> 0), (uint8_t)((w32) >> 8), (uint8_t)((w32) >> 16),      \
		(uint8_t)((w32) >> 24)

#define BT_UUID_STR_LEN 37

#define BT_UUID_GAP_VAL 0x1800
#define BT_UUID_GAP BT_UUID_DECLARE_16(BT_UUID_GAP_VAL)
#define BT_UUID_GATT_VAL 0x1801
#define BT_UUID_GATT BT_UUID_DECLARE_16(BT_UUID_GATT_VAL)
#define BT_UUID_GATT_PRIMARY_VAL 0x2800
#define BT_UUID_GATT_PRIMARY BT_UUID_DECLARE_16(BT_UUID_GATT_PRIMARY_VAL)
#define BT_UUID_GATT_SECONDARY_VAL 0x2801
#define BT_UUID_GATT_SECONDARY BT_UUID_DECLARE_16(BT_UUID_GATT_SECONDARY_VAL)
#define BT_UUID_GATT_INCLUDE_VAL 0x2802
#define BT_UUID_GATT_INCLUDE BT_UUID_DECLARE_16(BT_UUID_GATT_INCLUDE_VAL)
#define BT_UUID_GATT_CHRC_VAL 0x2803
#define BT_UUID_GATT_CHRC BT_UUID_DECLARE_16(BT_UUID_GATT_CHRC_VAL)
#define BT_UUID_GATT_CEP_VAL 0x2900
#define BT_UUID_GATT_CEP BT_UUID_DECLARE_16(BT_UUID_GATT_CEP_VAL)
#define BT_UUID_GATT_CUD_VAL 0x2901
#define BT_UUID_GATT_CUD BT_UUID_DECLARE_16(BT_UUID_GATT_CUD_VAL)
#define BT_UUID_GATT_CCC_VAL 0x2902
#define BT_UUID_GATT_CCC BT_UUID_DECLARE_16(BT_UUID_GATT_CCC_VAL)
#define BT_UUID_GATT_SCC_VAL 0x2903
#define BT_UUID_GATT_SCC BT_UUID_DECLARE_16(BT_UUID_GATT_SCC_VAL)
#define BT_UUID_GATT_CPF_VAL 0x2904
#define BT_UUID_GATT_CPF BT_UUID_DECLARE_16(BT_UUID_GATT_CPF_VAL)
#define BT_UUID_GAP_DEVICE_NAME_VAL 0x2a00
#define BT_UUID_GAP_DEVICE_NAME BT_UUID_DECLARE_16(BT_UUID_GAP_DEVICE_NAME_VAL)
#define BT_UUID_GAP_APPEARANCE_VAL 0x2a01
#define BT_UUID_GAP_APPEARANCE BT_UUID_DECLARE_16(BT_UUID_GAP_APPEARANCE_VAL)
#define BT_UUID_GATT_SC_VAL 0x2a05
#define BT_UUID_GATT_SC BT_UUID_DECLARE_16(BT_UUID_GATT_SC_VAL)
#define BT_UUID_GATT_CLIENT_FEATURES_VAL 0x2b29
#define BT_UUID_GATT_CLIENT_FEATURES BT_UUID_DECLARE_16(BT_UUID_GATT_CLIENT_FEATURES_VAL)
#define BT_UUID_GATT_DB_HASH_VAL 0x2b2a
#define BT_UUID_GATT_DB_HASH BT_UUID_DECLARE_16(BT_UUID_GATT_DB_HASH_VAL)
#define BT_UUID_GATT_SERVER_FEATURES_VAL 0x2b3a
#define BT_UUID_GATT_SERVER_FEATURES BT_UUID_DECLARE_16(BT_UUID_GATT_SERVER_FEATURES_VAL)
#define BT_UUID_GATT_CAF_VAL 0x2905
#define BT_UUID_GATT_CAF BT_UUID_DECLARE_16(BT_UUID_GATT_CAF_VAL)
#define BT_UUID_GAP_PPCP_VAL 0x2a04
#define BT_UUID_GAP_PPCP BT_UUID_DECLARE_16(BT_UUID_GAP_PPCP_VAL)
#define BT_UUID_CENTRAL_ADDR_RES_VAL 0x2aa6
#define BT_UUID_CENTRAL_ADDR_RES BT_UUID_DECLARE_16(BT_UUID_CENTRAL_ADDR_RES_VAL)
/* A few common services and characteristics. */
#define BT_UUID_DIS_VAL 0x180a
#define BT_UUID_DIS BT_UUID_DECLARE_16(BT_UUID_DIS_VAL)
#define BT_UUID_HRS_VAL 0x180d
#define BT_UUID_HRS BT_UUID_DECLARE_16(BT_UUID_HRS_VAL)
#define BT_UUID_BAS_VAL 0x180f
#define BT_UUID_BAS BT_UUID_DECLARE_16(BT_UUID_BAS_VAL)
#define BT_UUID_BAS_BATTERY_LEVEL_VAL 0x2a19
#define BT_UUID_BAS_BATTERY_LEVEL BT_UUID_DECLARE_16(BT_UUID_BAS_BATTERY_LEVEL_VAL)
#define BT_UUID_HRS_MEASUREMENT_VAL 0x2a37
#define BT_UUID_HRS_MEASUREMENT BT_UUID_DECLARE_16(BT_UUID_HRS_MEASUREMENT_VAL)
#define BT_UUID_DIS_MANUFACTURER_NAME_VAL 0x2a29
#define BT_UUID_DIS_MANUFACTURER_NAME BT_UUID_DECLARE_16(BT_UUID_DIS_MANUFACTURER_NAME_VAL)

/* Room for any UUID form (what bt_uuid_create writes into). */
union bt_uuid_any {
	struct bt_uuid uuid;
	struct bt_uuid_16 u16;
	struct bt_uuid_32 u32;
	struct bt_uuid_128 u128;
};

/* 0 when equal: the 16/32/128-bit forms of one UUID compare equal (through
 * the Bluetooth Base UUID). Otherwise the sign orders the 128-bit forms. */
int bt_uuid_cmp(const struct bt_uuid *u1, const struct bt_uuid *u2);
/* From 2, 4 or 16 little-endian bytes; false for another length. uuid must
 * have room for the form created (union bt_uuid_any, or struct
 * bt_uuid_128). */
bool bt_uuid_create(struct bt_uuid *uuid, const uint8_t *data, uint8_t data_len);
/* "180d", "0000180d" or "12345678-1234-5678-1234-56789abcdef0"; truncated
 * to len - 1 characters (always terminated when len > 0). */
void bt_uuid_to_str(const struct bt_uuid *uuid, char *str, size_t len);

#endif
