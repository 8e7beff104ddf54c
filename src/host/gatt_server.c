/* GATT server. PLACEHOLDER: every request is refused. */
#include <zephyr/bluetooth/gatt.h>
#include <zephyr/sys/byteorder.h>

#include "att_internal.h"

void zble_gatt_server_recv(struct bt_conn *conn, const uint8_t *pdu, uint16_t len)
{
	if (pdu[0] != BT_ATT_OP_WRITE_CMD && pdu[0] != BT_ATT_OP_SIGNED_WRITE_CMD) {
		uint16_t handle = len >= 3 ? sys_get_le16(pdu + 1) : 0;
		(void)zble_att_send_error(conn, pdu[0], handle, BT_ATT_ERR_NOT_SUPPORTED);
	}
}

void zble_gatt_server_connected(struct bt_conn *conn)
{
	(void)conn;
}

void zble_gatt_server_disconnected(struct bt_conn *conn)
{
	(void)conn;
}
