/* Little/big-endian load and store helpers (Zephyr's sys/byteorder.h subset).
 * Byte-wise so they work on any alignment and any host endianness. */
#ifndef ZEPHYR_SYS_BYTEORDER_H
#define ZEPHYR_SYS_BYTEORDER_H

#include <stdint.h>

static inline uint16_t sys_get_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t sys_get_le24(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16); }
static inline uint32_t sys_get_le32(const uint8_t *p) { return sys_get_le16(p) | ((uint32_t)sys_get_le16(p + 2) << 16); }
static inline uint64_t sys_get_le64(const uint8_t *p) { return sys_get_le32(p) | ((uint64_t)sys_get_le32(p + 4) << 32); }
static inline uint16_t sys_get_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t sys_get_be32(const uint8_t *p) { return ((uint32_t)sys_get_be16(p) << 16) | sys_get_be16(p + 2); }

static inline void sys_put_le16(uint16_t v, uint8_t *p) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void sys_put_le24(uint32_t v, uint8_t *p) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); }
static inline void sys_put_le32(uint32_t v, uint8_t *p) { sys_put_le16((uint16_t)v, p); sys_put_le16((uint16_t)(v >> 16), p + 2); }
static inline void sys_put_le64(uint64_t v, uint8_t *p) { sys_put_le32((uint32_t)v, p); sys_put_le32((uint32_t)(v >> 32), p + 4); }
static inline void sys_put_be16(uint16_t v, uint8_t *p) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void sys_put_be32(uint32_t v, uint8_t *p) { sys_put_be16((uint16_t)(v >> 16), p); sys_put_be16((uint16_t)v, p + 2); }

/* Reverse a byte array in place or into another buffer (Bluetooth addresses and keys are LE on air). */
static inline void sys_mem_swap(void *buf, unsigned len)
{
	uint8_t *b = (uint8_t *)buf;
	for (unsigned i = 0; i < len / 2; i++) {
		uint8_t t = b[i];
		b[i] = b[len - 1 - i];
		b[len - 1 - i] = t;
	}
}

static inline void sys_memcpy_swap(void *dst, const void *src, unsigned len)
{
	const uint8_t *s = (const uint8_t *)src;
	uint8_t *d = (uint8_t *)dst;
	for (unsigned i = 0; i < len; i++) {
		d[i] = s[len - 1 - i];
	}
}

#endif
