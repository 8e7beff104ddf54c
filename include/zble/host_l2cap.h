/* Per-connection and per-host L2CAP state (credit-based channels); part of
 * struct bt_conn and struct zble_host. Owned by src/host/l2cap*.c. */
#ifndef ZBLE_HOST_L2CAP_H
#define ZBLE_HOST_L2CAP_H

#include <stdint.h>

#include <zephyr/sys/slist.h>

struct zble_l2cap_conn {
	sys_slist_t chans; /* struct bt_l2cap_le_chan of this link */
};

struct zble_l2cap_host {
	sys_slist_t servers; /* struct bt_l2cap_server */
};

#endif
