/* UUIDs: comparison across the 16/32/128-bit forms, creation from air
 * bytes, text form. Short forms widen through the Base UUID
 * 00000000-0000-1000-8000-00805F9B34FB (Core Vol 3 Part B 2.5.1). */
#include <string.h>

#include <zephyr/bluetooth/uuid.h>
#include <zephyr/sys/byteorder.h>
#include <zephyr/sys/util.h>

#include "gatt_internal.h"

/* The Base UUID, little-endian; bytes 12..15 hold the short value. */
static const uint8_t base_uuid[16] = {
	0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

void zble_uuid_to_128(const struct bt_uuid *uuid, uint8_t out[16])
{
	switch (uuid->type) {
	case BT_UUID_TYPE_16:
		memcpy(out, base_uuid, 16);
		sys_put_le16(BT_UUID_16(uuid)->val, out + 12);
		break;
	case BT_UUID_TYPE_32:
		memcpy(out, base_uuid, 16);
		sys_put_le32(BT_UUID_32(uuid)->val, out + 12);
		break;
	default:
		memcpy(out, BT_UUID_128(uuid)->val, 16);
		break;
	}
}

uint8_t zble_uuid_to_le(const struct bt_uuid *uuid, uint8_t out[16])
{
	if (uuid->type == BT_UUID_TYPE_16) {
		sys_put_le16(BT_UUID_16(uuid)->val, out);
		return 2;
	}
	/* ATT carries only 16- and 128-bit UUIDs: a 32-bit one goes long. */
	zble_uuid_to_128(uuid, out);
	return 16;
}

int bt_uuid_cmp(const struct bt_uuid *u1, const struct bt_uuid *u2)
{
	if (u1->type == BT_UUID_TYPE_16 && u2->type == BT_UUID_TYPE_16) {
		return (int)BT_UUID_16(u1)->val - (int)BT_UUID_16(u2)->val;
	}
	uint8_t a[16], b[16];
	zble_uuid_to_128(u1, a);
	zble_uuid_to_128(u2, b);
	/* Most significant byte first, so the sign is a stable order. */
	for (int i = 15; i >= 0; i--) {
		if (a[i] != b[i]) {
			return (int)a[i] - (int)b[i];
		}
	}
	return 0;
}

bool bt_uuid_create(struct bt_uuid *uuid, const uint8_t *data, uint8_t data_len)
{
	switch (data_len) {
	case 2: {
		struct bt_uuid_16 *u = (struct bt_uuid_16 *)uuid;
		u->uuid.type = BT_UUID_TYPE_16;
		u->val = sys_get_le16(data);
		return true;
	}
	case 4: {
		struct bt_uuid_32 *u = (struct bt_uuid_32 *)uuid;
		u->uuid.type = BT_UUID_TYPE_32;
		u->val = sys_get_le32(data);
		return true;
	}
	case 16: {
		struct bt_uuid_128 *u = (struct bt_uuid_128 *)uuid;
		u->uuid.type = BT_UUID_TYPE_128;
		memcpy(u->val, data, 16);
		return true;
	}
	default:
		return false;
	}
}

/* Appends the hex digits of bytes hi..lo of le (descending) to out. */
static size_t put_hex(char *out, const uint8_t *le, int hi, int lo)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = 0;
	for (int i = hi; i >= lo; i--) {
		out[n++] = digits[le[i] >> 4];
		out[n++] = digits[le[i] & 0x0f];
	}
	return n;
}

void bt_uuid_to_str(const struct bt_uuid *uuid, char *str, size_t len)
{
	char tmp[BT_UUID_STR_LEN];
	uint8_t le[16];
	size_t n = 0;
	if (!str || len == 0) {
		return;
	}
	switch (uuid->type) {
	case BT_UUID_TYPE_16:
		sys_put_le16(BT_UUID_16(uuid)->val, le);
		n = put_hex(tmp, le, 1, 0);
		break;
	case BT_UUID_TYPE_32:
		sys_put_le32(BT_UUID_32(uuid)->val, le);
		n = put_hex(tmp, le, 3, 0);
		break;
	default: {
		/* 8-4-4-4-12 groups of the big-endian form. */
		static const int8_t groups[][2] = { { 15, 12 }, { 11, 10 }, { 9, 8 }, { 7, 6 }, { 5, 0 } };
		memcpy(le, BT_UUID_128(uuid)->val, 16);
		for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
			if (g) {
				tmp[n++] = '-';
			}
			n += put_hex(tmp + n, le, groups[g][0], groups[g][1]);
		}
		break;
	}
	}
	if (n > len - 1) {
		n = len - 1;
	}
	memcpy(str, tmp, n);
	str[n] = '\0';
}
