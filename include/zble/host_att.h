/* Per-connection ATT bearer state and per-host ATT state; part of struct
 * bt_conn and struct zble_host. Owned by src/host/att.c. */
#ifndef ZBLE_HOST_ATT_H
#define ZBLE_HOST_ATT_H

#include <stdint.h>

#include <zephyr/sys/slist.h>

#define ZBLE_ATT_DEFAULT_MTU 23

struct zble_att_conn {
	uint16_t mtu; /* the effective ATT_MTU of the bearer */
};

struct zble_att_host {
	sys_slist_t gatt_cbs; /* struct bt_gatt_cb */
};

#endif
