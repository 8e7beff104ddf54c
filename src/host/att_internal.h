/* The ATT bearer as the GATT server and client see it. Everything here runs
 * in the host context with the host lock held (from the receive path, or
 * from an API call that took the lock). */
#ifndef ZBLE_ATT_INTERNAL_H
#define ZBLE_ATT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/bluetooth/att.h>
#include <zephyr/net_buf.h>

#include "host_internal.h"

#define ZBLE_CID_ATT 0x0004

/* Opcodes (Core Vol 3 Part F 3.4.8). */
#define BT_ATT_OP_ERROR_RSP 0x01
#define BT_ATT_OP_MTU_REQ 0x02
#define BT_ATT_OP_MTU_RSP 0x03
#define BT_ATT_OP_FIND_INFO_REQ 0x04
#define BT_ATT_OP_FIND_INFO_RSP 0x05
#define BT_ATT_OP_FIND_TYPE_REQ 0x06
#define BT_ATT_OP_FIND_TYPE_RSP 0x07
#define BT_ATT_OP_READ_TYPE_REQ 0x08
#define BT_ATT_OP_READ_TYPE_RSP 0x09
#define BT_ATT_OP_READ_REQ 0x0a
#define BT_ATT_OP_READ_RSP 0x0b
#define BT_ATT_OP_READ_BLOB_REQ 0x0c
#define BT_ATT_OP_READ_BLOB_RSP 0x0d
#define BT_ATT_OP_READ_MULT_REQ 0x0e
#define BT_ATT_OP_READ_MULT_RSP 0x0f
#define BT_ATT_OP_READ_GROUP_REQ 0x10
#define BT_ATT_OP_READ_GROUP_RSP 0x11
#define BT_ATT_OP_WRITE_REQ 0x12
#define BT_ATT_OP_WRITE_RSP 0x13
#define BT_ATT_OP_PREPARE_WRITE_REQ 0x16
#define BT_ATT_OP_PREPARE_WRITE_RSP 0x17
#define BT_ATT_OP_EXEC_WRITE_REQ 0x18
#define BT_ATT_OP_EXEC_WRITE_RSP 0x19
#define BT_ATT_OP_NOTIFY 0x1b
#define BT_ATT_OP_INDICATE 0x1d
#define BT_ATT_OP_CONFIRM 0x1e
#define BT_ATT_OP_READ_MULT_VL_REQ 0x20
#define BT_ATT_OP_READ_MULT_VL_RSP 0x21
#define BT_ATT_OP_NOTIFY_MULT 0x23
#define BT_ATT_OP_WRITE_CMD 0x52
#define BT_ATT_OP_SIGNED_WRITE_CMD 0xd2

/* ---- bearer services for the GATT server (att.c implements) ---- */

/* A PDU buffer for conn with room for the L2CAP header and opcode op
 * already added; the caller appends parameters up to zble_att_mtu(conn)
 * bytes in all. NULL when no buffer is free. */
struct net_buf *zble_att_pdu_alloc(struct bt_conn *conn, uint8_t op);
/* The ATT_MTU now in effect on conn's bearer (23 until exchanged). */
uint16_t zble_att_mtu(const struct bt_conn *conn);
/* Answers the request the peer has outstanding on conn. Takes buf. */
int zble_att_send_rsp(struct bt_conn *conn, struct net_buf *buf);
/* Answers the outstanding request with an Error Response. */
int zble_att_send_error(struct bt_conn *conn, uint8_t req_op, uint16_t handle, uint8_t att_err);

/* Completion of a notification (err 0: the controller has sent it) or of
 * an indication (0: the peer confirmed; negative errno: not confirmed,
 * e.g. -ENOTCONN, -ETIMEDOUT). */
typedef void (*zble_att_done_t)(struct bt_conn *conn, int err, void *user_data);
/* Sends a notification PDU. Takes buf. */
int zble_att_send_notify(struct bt_conn *conn, struct net_buf *buf, zble_att_done_t done, void *user_data);
/* Queues an indication PDU: one is outstanding at a time, the others wait
 * their turn. Takes buf. */
int zble_att_send_indicate(struct bt_conn *conn, struct net_buf *buf, zble_att_done_t done, void *user_data);

/* ---- what the bearer calls in the GATT server (gatt_server.c) ---- */

/* A PDU a client sent to our server: every request except Exchange MTU
 * (the bearer's own), and the Write and Signed Write commands. For a
 * request the server answers exactly once with zble_att_send_rsp or
 * zble_att_send_error. pdu[0] is the opcode; len >= 1. */
void zble_gatt_server_recv(struct bt_conn *conn, const uint8_t *pdu, uint16_t len);
/* Link life cycle (CCC state, prepare queues, pending indications). */
void zble_gatt_server_connected(struct bt_conn *conn);
void zble_gatt_server_disconnected(struct bt_conn *conn);

/* ---- bearer services for the GATT client (att.c implements) ---- */

/* Whether the bearer carries PDUs: connected, no transaction timed out. */
bool zble_att_usable(const struct bt_conn *conn);
/* Whether the client's request is out, its answer not yet taken. */
bool zble_att_req_pending(const struct bt_conn *conn);
/* Sends a request (a buffer from zble_att_pdu_alloc) as the client's one
 * outstanding request and starts its 30 s transaction timer; the answer
 * goes to zble_gatt_client_rsp. Takes buf. 0, -EBUSY (one outstanding),
 * -ENOTCONN, -EMSGSIZE. */
int zble_att_send_req(struct bt_conn *conn, struct net_buf *buf);
/* Sends a command (Write Command): complete runs once the controller has
 * sent it (not when the link goes first). Takes buf. */
int zble_att_send_cmd(struct bt_conn *conn, struct net_buf *buf, void (*complete)(struct bt_conn *conn, void *user_data),
		      void *user_data);
/* The client found no TX buffer: call zble_gatt_client_pump when one may
 * have freed. */
void zble_att_want_buf(struct bt_conn *conn);

/* ---- what the bearer calls in the GATT client (gatt_client.c) ---- */
void zble_gatt_client_connected(struct bt_conn *conn);
void zble_gatt_client_disconnected(struct bt_conn *conn);
/* The answer to the outstanding request: att_err 0 and the response PDU
 * (pdu[0] its opcode, len >= 1), or an ATT error: the peer's Error
 * Response, or BT_ATT_ERR_UNLIKELY for an answer of the wrong kind, a
 * malformed one, a timeout or the link's end (pdu NULL then). */
void zble_gatt_client_rsp(struct bt_conn *conn, uint8_t att_err, const uint8_t *pdu, uint16_t len);
/* A Handle Value Notification or Indication for this link's
 * subscriptions. */
/* The ATT_MTU we offer (zble_gatt_server_host.att_mtu or CONFIG_BT_ATT_MTU). */
uint16_t zble_att_local_mtu(const struct zble_host *host);
void zble_gatt_client_value(struct bt_conn *conn, uint16_t handle, const uint8_t *data, uint16_t len);
/* Sends the next request of the queued procedures if none is outstanding. */
void zble_gatt_client_pump(struct bt_conn *conn);
/* The bearer died (timeout): every queued procedure fails. */
void zble_gatt_client_abort(struct bt_conn *conn);

#endif
