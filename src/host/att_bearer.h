/* Private to the ATT bearer's files: att.c (receive path, the peer's
 * requests, timers, link life cycle) and att_tx.c (send path). Host lock
 * held. */
#ifndef ZBLE_ATT_BEARER_H
#define ZBLE_ATT_BEARER_H

#include "att_internal.h"

#define ZBLE_L2CAP_HDR 4

bool zble_att_is_response(uint8_t op);
/* Something waits for a TX buffer (an answer, a confirmation, the client). */
bool zble_att_waiting(const struct bt_conn *conn);
/* Runs the retry work now, or after ZBLE_ATT_RETRY_MS. */
void zble_att_kick(struct bt_conn *conn, bool now);
/* Adds the basic header and queues the PDU, its completion d (may be NULL)
 * tracked. Takes buf. */
int zble_att_tx(struct bt_conn *conn, struct net_buf *buf, const struct zble_att_tx_done *d);
/* A PDU buffer from the pool (never the one kept for an answer). */
struct net_buf *zble_att_alloc(struct bt_conn *conn, uint8_t op);
void zble_att_ind_confirmed(struct bt_conn *conn);
/* The outstanding indication fails with err_out, queued ones -ENOTCONN. */
void zble_att_ind_fail_all(struct bt_conn *conn, int err_out);

#endif
