/* GATT client. PLACEHOLDER. */
#include <zephyr/bluetooth/gatt.h>

#include "att_internal.h"

void zble_gatt_client_connected(struct bt_conn *conn)
{
	sys_slist_init(&conn->gattc.subscriptions);
}

void zble_gatt_client_disconnected(struct bt_conn *conn)
{
	(void)conn;
}
