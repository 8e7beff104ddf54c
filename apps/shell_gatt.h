/* zble-shell's gatt commands (see shell_gatt.c). */
#ifndef SHELL_GATT_H
#define SHELL_GATT_H

#include "shell_env.h"

/* argv[0] is the subcommand. 0, a negative errno, or -EINVAL for usage. */
int shell_gatt(const struct shell_env *env, int argc, char **argv);
void shell_gatt_usage(const struct shell_env *env);

#endif
