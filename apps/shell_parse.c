/* Argument parsing and hex output shared by zble-shell's command groups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shell_env.h"

int shell_parse_u16(const char *s, uint16_t *v)
{
	if (!s || !*s) {
		return -EINVAL;
	}
	char *end;
	unsigned long x = strtoul(s, &end, 0);
	if (*end || x > 0xffff) {
		return -EINVAL;
	}
	*v = (uint16_t)x;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

int shell_parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n % 2 || n / 2 > max) {
		return -EINVAL;
	}
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			return -EINVAL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

void shell_hex(char *s, const uint8_t *v, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t shown = len > 64 ? 64 : len;
	for (size_t i = 0; i < shown; i++) {
		s[2 * i] = digits[v[i] >> 4];
		s[2 * i + 1] = digits[v[i] & 15];
	}
	strcpy(s + 2 * shown, len > shown ? "..." : "");
}
