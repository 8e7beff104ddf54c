/* LE credit-based connection-oriented channels (placeholder). */
#include "host_internal.h"

bool zble_l2cap_coc_sig(struct bt_conn *conn, uint8_t code, uint8_t ident, const uint8_t *data, uint16_t len)
{
	(void)conn;
	(void)code;
	(void)ident;
	(void)data;
	(void)len;
	return false;
}

bool zble_l2cap_coc_recv(struct bt_conn *conn, uint16_t cid, struct net_buf *pdu)
{
	(void)conn;
	(void)cid;
	(void)pdu;
	return false;
}

void zble_l2cap_coc_connected(struct bt_conn *conn)
{
	sys_slist_init(&conn->l2cap.chans);
}

void zble_l2cap_coc_disconnected(struct bt_conn *conn)
{
	(void)conn;
}
