/* Small helpers from Zephyr's sys/util.h that the host and kernel use. */
#ifndef ZEPHYR_SYS_UTIL_H
#define ZEPHYR_SYS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define CONTAINER_OF(ptr, type, field) ((type *)(void *)((char *)(ptr) - offsetof(type, field)))
#define BIT(n) (1UL << (n))
#define BIT64(n) (1ULL << (n))
#define MIN(a, b) (((a) < (b)) ? (a) : (b))
#define MAX(a, b) (((a) > (b)) ? (a) : (b))
#ifndef CLAMP
#define CLAMP(val, low, high) (((val) <= (low)) ? (low) : MIN(val, high))
#endif
#define ROUND_UP(x, align) ((((x) + ((align) - 1)) / (align)) * (align))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define IS_ENABLED(cfg) (cfg)
#define ARG_UNUSED(x) (void)(x)
#define WRITE_BIT(var, bit, set) ((var) = (set) ? ((var) | BIT(bit)) : ((var) & ~BIT(bit)))

#endif
