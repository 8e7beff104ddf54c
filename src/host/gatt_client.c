/* GATT client (placeholder). */
#include <zephyr/bluetooth/gatt.h>

#include "host_internal.h"
