/* UUID helpers (placeholder). */
#include <zephyr/bluetooth/uuid.h>
