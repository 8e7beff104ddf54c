/* What zble-shell's command groups (shell_gatt.c, shell_l2cap.c) get from
 * the shell: where to print, and its connections by index. */
#ifndef SHELL_ENV_H
#define SHELL_ENV_H

#include <zephyr/bluetooth/conn.h>

struct shell_env {
	void (*out)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
	/* A borrowed reference to connection index idx, or NULL. */
	struct bt_conn *(*conn)(unsigned idx);
};

/* "0x1f", "31": 0 or -EINVAL. */
int shell_parse_u16(const char *s, uint16_t *v);
/* HEX (an even number of hex digits) into out: the byte count or -EINVAL. */
int shell_parse_hex(const char *s, uint8_t *out, size_t max);
/* Up to 64 bytes of v as hex into s (at least 2 * 64 + 4 bytes), "..." if longer. */
void shell_hex(char *s, const uint8_t *v, size_t len);

#endif
