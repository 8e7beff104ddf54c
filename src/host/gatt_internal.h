/* What the GATT server's modules share (gatt_db.c, gatt_attr.c,
 * gatt_ccc.c, gatt_services.c, gatt_server.c, gatt_write.c, gatt_notify.c)
 * and the UUID helpers (uuid.c). Host context, lock held, throughout. */
#ifndef ZBLE_GATT_INTERNAL_H
#define ZBLE_GATT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/uuid.h>
#include <zephyr/net_buf.h>

struct zble_host;

/* ---- UUIDs (uuid.c) ---- */
/* The 128-bit little-endian form of any UUID. */
void zble_uuid_to_128(const struct bt_uuid *uuid, uint8_t out[16]);
/* The form ATT carries: 2 bytes for a 16-bit UUID, else 16. */
uint8_t zble_uuid_to_le(const struct bt_uuid *uuid, uint8_t out[16]);

/* ---- database (gatt_db.c) ---- */
/* The host's server state, set up on first use (zble_host_init zeroes it). */
struct zble_gatt_server_host *zble_gatts(struct zble_host *host);
/* Calls fn for each attribute in start..end, in handle order, until it
 * returns BT_GATT_ITER_STOP. */
void zble_gatts_foreach(struct zble_host *host, uint16_t start, uint16_t end, bt_gatt_attr_func_t fn, void *ud);
/* The attribute with that handle, or NULL. */
const struct bt_gatt_attr *zble_gatts_find(struct zble_host *host, uint16_t handle);
/* The last handle of the service whose declaration has that handle. */
uint16_t zble_gatts_service_end(struct zble_host *host, uint16_t handle);
/* attr's handle in host's database (0: not there). */
uint16_t zble_gatts_handle(struct zble_host *host, const struct bt_gatt_attr *attr);
bool zble_gatts_is_service_decl(const struct bt_gatt_attr *attr);

/* ---- CCC (gatt_ccc.c) ---- */
/* conn's CCC value in the CCC attribute ccc. */
uint16_t zble_ccc_value(struct bt_conn *conn, const struct bt_gatt_attr *ccc);
/* A new link starts unsubscribed; an ending one leaves no entries. */
void zble_ccc_conn_reset(struct bt_conn *conn);
/* Drops every entry of host, without callbacks. */
void zble_ccc_host_reset(struct zble_host *host);
/* The CCC attribute of the characteristic whose value has handle
 * value_handle, or NULL (the descriptors up to the next declaration). */
const struct bt_gatt_attr *zble_ccc_find(struct zble_host *host, uint16_t value_handle, uint16_t *ccc_handle);

/* ---- GAP and GATT services (gatt_services.c) ---- */
void zble_gatts_builtin_init(struct zble_host *host);
/* Indicates Service Changed for start..end to every subscribed link. */
void zble_gatts_service_changed(struct zble_host *host, uint16_t start, uint16_t end);
void zble_gatts_sc_conn_reset(struct bt_conn *conn);

/* ---- requests (gatt_server.c, gatt_write.c) ---- */
/* 0 when conn may access attr with mask (the BT_GATT_PERM_* read or
 * write bits), else the ATT error. */
uint8_t zble_gatts_check_perm(struct bt_conn *conn, const struct bt_gatt_attr *attr, uint16_t mask);
#define ZBLE_GATT_PERM_READ_MASK \
	(BT_GATT_PERM_READ | BT_GATT_PERM_READ_ENCRYPT | BT_GATT_PERM_READ_AUTHEN | BT_GATT_PERM_READ_LESC)
#define ZBLE_GATT_PERM_WRITE_MASK \
	(BT_GATT_PERM_WRITE | BT_GATT_PERM_WRITE_ENCRYPT | BT_GATT_PERM_WRITE_AUTHEN | BT_GATT_PERM_WRITE_LESC)
/* An application's negative return as an ATT error. */
uint8_t zble_gatts_err(ssize_t ret);
/* Sends an Error Response and counts it. */
void zble_gatts_send_err(struct bt_conn *conn, uint8_t op, uint16_t handle, uint8_t err);
/* Sends a response buffer and counts it. */
void zble_gatts_send_rsp(struct bt_conn *conn, struct net_buf *buf);
/* A response PDU of op for conn; NULL (counted) when out of buffers. */
struct net_buf *zble_gatts_rsp_alloc(struct bt_conn *conn, uint8_t op);
void zble_gatts_write_req(struct bt_conn *conn, const uint8_t *pdu, uint16_t len);
void zble_gatts_write_cmd(struct bt_conn *conn, const uint8_t *pdu, uint16_t len);
void zble_gatts_prepare_write(struct bt_conn *conn, const uint8_t *pdu, uint16_t len);
void zble_gatts_execute_write(struct bt_conn *conn, const uint8_t *pdu, uint16_t len);
/* Drops conn's prepared writes. */
void zble_gatts_prep_flush(struct bt_conn *conn);

#endif
