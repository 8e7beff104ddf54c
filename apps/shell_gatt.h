/* zble-shell's gatt commands (see shell_gatt.c). */
#ifndef SHELL_GATT_H
#define SHELL_GATT_H

#include <zephyr/bluetooth/conn.h>

struct shell_gatt_env {
	void (*out)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
	/* A borrowed reference to connection index idx, or NULL. */
	struct bt_conn *(*conn)(unsigned idx);
};

/* argv[0] is the subcommand. 0, a negative errno, or -EINVAL for usage. */
int shell_gatt(const struct shell_gatt_env *env, int argc, char **argv);
void shell_gatt_usage(const struct shell_gatt_env *env);

#endif
