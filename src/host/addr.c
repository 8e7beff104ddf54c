/* Address formatting and parsing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <zephyr/bluetooth/addr.h>

int bt_addr_to_str(const bt_addr_t *addr, char *str, size_t len)
{
	return snprintf(str, len, "%02X:%02X:%02X:%02X:%02X:%02X", addr->val[5], addr->val[4], addr->val[3],
			addr->val[2], addr->val[1], addr->val[0]);
}

int bt_addr_le_to_str(const bt_addr_le_t *addr, char *str, size_t len)
{
	static const char *const types[] = { "public", "random", "public-id", "random-id" };
	char a[BT_ADDR_STR_LEN];
	bt_addr_to_str(&addr->a, a, sizeof(a));
	if (addr->type < 4) {
		return snprintf(str, len, "%s (%s)", a, types[addr->type]);
	}
	return snprintf(str, len, "%s (0x%02x)", a, addr->type);
}

int bt_addr_le_from_str(const char *str, const char *type, bt_addr_le_t *addr)
{
	unsigned v[6];
	char tail;
	if (!str || !type || !addr ||
	    sscanf(str, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[5], &v[4], &v[3], &v[2], &v[1], &v[0], &tail) != 6) {
		return -EINVAL;
	}
	if (!strcmp(type, "public")) {
		addr->type = BT_ADDR_LE_PUBLIC;
	} else if (!strcmp(type, "random")) {
		addr->type = BT_ADDR_LE_RANDOM;
	} else {
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++) {
		addr->a.val[i] = (uint8_t)v[i];
	}
	return 0;
}
