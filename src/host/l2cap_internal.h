/* What the L2CAP files share (l2cap.c: fixed channels and signalling,
 * l2cap_param.c: connection parameter updates, l2cap_coc.c: credit-based
 * channel set-up and tear-down, l2cap_coc_data.c:
 * their K-frames and credits). All of it runs with the host lock held. */
#ifndef ZBLE_L2CAP_INTERNAL_H
#define ZBLE_L2CAP_INTERNAL_H

#include <zephyr/bluetooth/l2cap.h>

#include "host_internal.h"

/* LE signalling command codes (Core Vol 3 Part A 4). */
#define ZBLE_SIG_CMD_REJECT 0x01
#define ZBLE_SIG_DISCONN_REQ 0x06
#define ZBLE_SIG_DISCONN_RSP 0x07
#define ZBLE_SIG_CONN_PARAM_REQ 0x12
#define ZBLE_SIG_CONN_PARAM_RSP 0x13
#define ZBLE_SIG_LE_CONN_REQ 0x14
#define ZBLE_SIG_LE_CONN_RSP 0x15
#define ZBLE_SIG_LE_CREDITS 0x16

#define ZBLE_SIG_REJECT_NOT_UNDERSTOOD 0x0000
#define ZBLE_SIG_REJECT_MTU_EXCEEDED 0x0001
#define ZBLE_SIG_REJECT_INVALID_CID 0x0002

/* l2cap.c */
int zble_l2cap_sig_send(struct bt_conn *conn, uint8_t code, uint8_t ident, const void *data, uint16_t len);
/* Command Reject with up to 4 bytes of reason data. */
void zble_l2cap_sig_reject(struct bt_conn *conn, uint8_t ident, uint16_t reason, const void *data, uint16_t len);
uint8_t zble_l2cap_next_ident(struct bt_conn *conn);

/* l2cap_param.c: Connection Parameter Update Request / Response. */
void zble_l2cap_param_req(struct bt_conn *conn, uint8_t ident, const uint8_t *data, uint16_t len);
void zble_l2cap_param_rsp(struct bt_conn *conn, uint8_t ident, const uint8_t *data, uint16_t len);
/* The link came or went: no request of either side is outstanding. */
void zble_l2cap_param_conn_reset(struct bt_conn *conn);

/* l2cap_coc.c */
void zble_l2cap_coc_conn_init(struct bt_conn *conn);
/* A request of ours with that identifier awaits its response. */
bool zble_l2cap_coc_ident_pending(struct bt_conn *conn, uint8_t ident);
/* The peer rejected our request with that identifier. */
void zble_l2cap_coc_rejected(struct bt_conn *conn, uint8_t ident);
/* The peer broke the protocol on the channel: disconnect it (err -EPROTO). */
void zble_coc_protocol_error(struct bt_l2cap_le_chan *le);

/* l2cap_coc_data.c */
void zble_coc_tx_work(struct k_work *work);
/* Sending may progress: run the link's TX work. */
void zble_coc_tx_kick(struct bt_conn *conn);
/* The channel opened: announce the credits the peer gave. */
void zble_coc_opened(struct bt_l2cap_le_chan *le);
/* Frees what the channel holds: queued SDUs, a partial SDU. */
void zble_coc_flush(struct bt_l2cap_le_chan *le);
/* A K-frame for a connected channel (pdu: its information payload). */
void zble_coc_rx(struct bt_l2cap_le_chan *le, struct net_buf *pdu);
/* A Flow Control Credit Indication for the channel. */
void zble_coc_credits(struct bt_l2cap_le_chan *le, uint16_t credits);
/* Gives the peer n credits back now or as soon as a buffer allows. */
void zble_coc_return_credits(struct bt_l2cap_le_chan *le, uint16_t n);
/* Initial credits for a channel's receiving endpoint. */
uint16_t zble_coc_init_credits(const struct bt_l2cap_le_chan *le);

#endif
