/* What the GATT client's files share (gatt_client.c runs the procedure
 * queue, gatt_discover.c the discovery procedures). Host lock held. */
#ifndef ZBLE_GATT_CLIENT_INTERNAL_H
#define ZBLE_GATT_CLIENT_INTERNAL_H

#include <zephyr/bluetooth/gatt.h>

#include "att_internal.h"

/* Steps of a running procedure (gattc.step); 0: not started. */
enum {
	ZBLE_GATTC_STEP_NEW = 0,
	ZBLE_GATTC_STEP_MAIN,
	ZBLE_GATTC_STEP_INCL_UUID, /* discovery: reading an included service's 128-bit UUID */
	ZBLE_GATTC_STEP_PREPARE,   /* long write */
	ZBLE_GATTC_STEP_EXEC,
	ZBLE_GATTC_STEP_CANCEL,
};

/* A request buffer with op added, or NULL (the bearer will call back when
 * a buffer may have freed). */
struct net_buf *zble_gattc_req_buf(struct bt_conn *conn, uint8_t op);
/* Sends it as the running procedure's request. */
void zble_gattc_send(struct bt_conn *conn, struct net_buf *buf);
/* Ends the running procedure with its final callback (err: ATT error). */
void zble_gattc_finish(struct bt_conn *conn, uint8_t err);
/* Ends it without the final callback (its callback said stop). */
void zble_gattc_stop(struct bt_conn *conn);
/* A UUID as ATT carries it (16 or 128 bits, little-endian): its length. */
uint8_t zble_gattc_uuid_le(const struct bt_uuid *uuid, uint8_t out[16]);

/* Discovery (gatt_discover.c). */
int zble_gattc_discover_check(const struct bt_gatt_discover_params *params);
void zble_gattc_discover_next(struct bt_conn *conn, struct bt_gatt_discover_params *params);
void zble_gattc_discover_rsp(struct bt_conn *conn, struct bt_gatt_discover_params *params, uint8_t err,
			     const uint8_t *pdu, uint16_t len);

#endif
