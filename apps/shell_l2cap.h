/* zble-shell's l2cap commands (see shell_l2cap.c). */
#ifndef SHELL_L2CAP_H
#define SHELL_L2CAP_H

#include "shell_env.h"

/* argv[0] is the subcommand. 0, a negative errno, or -EINVAL for usage. */
int shell_l2cap(const struct shell_env *env, int argc, char **argv);
void shell_l2cap_usage(const struct shell_env *env);

#endif
