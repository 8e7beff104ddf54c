/* ATT bearer on the fixed channel (placeholder until the bearer lands):
 * requests get Request Not Supported so a peer never waits for a timeout. */
#include <string.h>

#include <zephyr/sys/byteorder.h>

#include "host_internal.h"

#define CID_ATT 0x0004

static bool att_is_request(uint8_t op)
{
	if (op & 0x40) {
		return false;
	}
	switch (op) {
	case 0x02: case 0x04: case 0x06: case 0x08: case 0x0a: case 0x0c: case 0x0e:
	case 0x10: case 0x12: case 0x16: case 0x18: case 0x20:
		return true;
	default:
		return false;
	}
}

void zble_att_recv(struct bt_conn *conn, struct net_buf *pdu)
{
	const uint8_t *p = pdu->data;
	uint16_t len = pdu->len;
	if (len >= 1 && att_is_request(p[0])) {
		uint8_t rsp[5] = { 0x01, p[0], 0, 0, 0x06 };
		if (len >= 3 && p[0] != 0x02) {
			memcpy(rsp + 2, p + 1, 2);
		}
		(void)zble_l2cap_send_fixed(conn, CID_ATT, rsp, sizeof(rsp));
	}
}

void zble_att_connected(struct bt_conn *conn)
{
	conn->att.mtu = ZBLE_ATT_DEFAULT_MTU;
}

void zble_att_disconnected(struct bt_conn *conn)
{
	(void)conn;
}
