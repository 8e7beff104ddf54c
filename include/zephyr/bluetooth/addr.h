/* Bluetooth device addresses (Zephyr's bluetooth/addr.h). */
#ifndef ZEPHYR_BLUETOOTH_ADDR_H
#define ZEPHYR_BLUETOOTH_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define BT_ADDR_LE_PUBLIC 0x00
#define BT_ADDR_LE_RANDOM 0x01
#define BT_ADDR_LE_PUBLIC_ID 0x02
#define BT_ADDR_LE_RANDOM_ID 0x03
#define BT_ADDR_LE_UNRESOLVED 0xFE
#define BT_ADDR_LE_ANONYMOUS 0xFF

#define BT_ADDR_SIZE 6
#define BT_ADDR_LE_SIZE 7
#define BT_ADDR_STR_LEN 18
#define BT_ADDR_LE_STR_LEN 30

typedef struct {
	uint8_t val[BT_ADDR_SIZE]; /* little endian, as on air */
} bt_addr_t;

typedef struct {
	uint8_t type;
	bt_addr_t a;
} bt_addr_le_t;

#define BT_ADDR_ANY (&(bt_addr_t){ { 0, 0, 0, 0, 0, 0 } })
#define BT_ADDR_LE_ANY (&(bt_addr_le_t){ 0, { { 0, 0, 0, 0, 0, 0 } } })
#define BT_ADDR_LE_NONE (&(bt_addr_le_t){ 0, { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } } })

#define BT_ADDR_IS_STATIC(a) (((a)->val[5] & 0xc0) == 0xc0)
#define BT_ADDR_IS_RPA(a) (((a)->val[5] & 0xc0) == 0x40)
#define BT_ADDR_IS_NRPA(a) (((a)->val[5] & 0xc0) == 0x00)
#define BT_ADDR_SET_STATIC(a) ((a)->val[5] |= 0xc0)

static inline int bt_addr_cmp(const bt_addr_t *a, const bt_addr_t *b) { return memcmp(a, b, sizeof(*a)); }
static inline bool bt_addr_eq(const bt_addr_t *a, const bt_addr_t *b) { return bt_addr_cmp(a, b) == 0; }
static inline int bt_addr_le_cmp(const bt_addr_le_t *a, const bt_addr_le_t *b) { return memcmp(a, b, sizeof(*a)); }
static inline bool bt_addr_le_eq(const bt_addr_le_t *a, const bt_addr_le_t *b) { return bt_addr_le_cmp(a, b) == 0; }
static inline void bt_addr_copy(bt_addr_t *dst, const bt_addr_t *src) { memcpy(dst, src, sizeof(*dst)); }
static inline void bt_addr_le_copy(bt_addr_le_t *dst, const bt_addr_le_t *src) { memcpy(dst, src, sizeof(*dst)); }
static inline bool bt_addr_le_is_rpa(const bt_addr_le_t *a) { return a->type == BT_ADDR_LE_RANDOM && BT_ADDR_IS_RPA(&a->a); }
static inline bool bt_addr_le_is_identity(const bt_addr_le_t *a)
{
	return a->type == BT_ADDR_LE_PUBLIC || (a->type == BT_ADDR_LE_RANDOM && BT_ADDR_IS_STATIC(&a->a));
}

/* "AA:BB:CC:DD:EE:FF (random)"; returns the length snprintf would. */
int bt_addr_le_to_str(const bt_addr_le_t *addr, char *str, size_t len);
int bt_addr_to_str(const bt_addr_t *addr, char *str, size_t len);
/* "AA:BB:CC:DD:EE:FF" and "public"/"random" into an address; 0 or -EINVAL. */
int bt_addr_le_from_str(const char *str, const char *type, bt_addr_le_t *addr);

#endif
