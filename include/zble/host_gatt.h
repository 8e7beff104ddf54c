/* Per-connection and per-host GATT state (server and client); part of
 * struct bt_conn and struct zble_host. The server part is owned by
 * src/host/gatt_server*.c, the client part by src/host/gatt_client.c. */
#ifndef ZBLE_HOST_GATT_H
#define ZBLE_HOST_GATT_H

#include <stdint.h>

#include <zephyr/sys/slist.h>

/* --- server --- */
struct zble_gatt_server_conn {
	uint8_t unused;
};

struct zble_gatt_server_host {
	sys_slist_t services; /* registered struct bt_gatt_service */
};

/* --- client --- */
struct zble_gatt_client_conn {
	sys_slist_t subscriptions; /* struct bt_gatt_subscribe_params */
};

#endif
