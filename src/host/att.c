/* ATT bearer on the fixed channel. PLACEHOLDER until the full bearer lands:
 * requests go to the GATT server, responses are sent as they come, no MTU
 * exchange, no client side, no indication flow control. */
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "att_internal.h"

#define L2CAP_HDR 4

static bool att_is_request(uint8_t op)
{
	switch (op) {
	case 0x04: case 0x06: case 0x08: case 0x0a: case 0x0c: case 0x0e:
	case 0x10: case 0x12: case 0x16: case 0x18: case 0x20:
		return true;
	default:
		return false;
	}
}

struct net_buf *zble_att_pdu_alloc(struct bt_conn *conn, uint8_t op)
{
	struct net_buf *buf = zble_acl_alloc(conn->host, K_NO_WAIT);
	if (buf) {
		net_buf_reserve(buf, L2CAP_HDR);
		net_buf_add_u8(buf, op);
	}
	return buf;
}

uint16_t zble_att_mtu(const struct bt_conn *conn)
{
	return conn->att.mtu;
}

static int send_pdu(struct bt_conn *conn, struct net_buf *buf, zble_acl_done_t done, void *user_data)
{
	uint16_t len = buf->len;
	net_buf_push_le16(buf, ZBLE_CID_ATT);
	net_buf_push_le16(buf, len);
	return zble_acl_send(conn, buf, done, user_data);
}

int zble_att_send_rsp(struct bt_conn *conn, struct net_buf *buf)
{
	return send_pdu(conn, buf, NULL, NULL);
}

int zble_att_send_error(struct bt_conn *conn, uint8_t req_op, uint16_t handle, uint8_t att_err)
{
	struct net_buf *buf = zble_att_pdu_alloc(conn, BT_ATT_OP_ERROR_RSP);
	if (!buf) {
		return -ENOBUFS;
	}
	net_buf_add_u8(buf, req_op);
	net_buf_add_le16(buf, handle);
	net_buf_add_u8(buf, att_err);
	return send_pdu(conn, buf, NULL, NULL);
}

int zble_att_send_notify(struct bt_conn *conn, struct net_buf *buf, zble_att_done_t done, void *user_data)
{
	return send_pdu(conn, buf, done, user_data);
}

int zble_att_send_indicate(struct bt_conn *conn, struct net_buf *buf, zble_att_done_t done, void *user_data)
{
	return send_pdu(conn, buf, done, user_data);
}

void zble_att_recv(struct bt_conn *conn, struct net_buf *pdu)
{
	const uint8_t *p = pdu->data;
	uint16_t len = pdu->len;
	if (len < 1) {
		return;
	}
	if (att_is_request(p[0]) || p[0] == BT_ATT_OP_WRITE_CMD || p[0] == BT_ATT_OP_SIGNED_WRITE_CMD) {
		zble_gatt_server_recv(conn, p, len);
	} else if (p[0] == BT_ATT_OP_MTU_REQ) {
		(void)zble_att_send_error(conn, p[0], 0, BT_ATT_ERR_NOT_SUPPORTED);
	}
}

void zble_att_connected(struct bt_conn *conn)
{
	conn->att.mtu = ZBLE_ATT_DEFAULT_MTU;
	zble_gatt_server_connected(conn);
	zble_gatt_client_connected(conn);
}

void zble_att_disconnected(struct bt_conn *conn)
{
	zble_gatt_client_disconnected(conn);
	zble_gatt_server_disconnected(conn);
}
