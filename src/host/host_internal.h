/* What the host's modules share; not part of any public API. */
#ifndef ZBLE_HOST_INTERNAL_H
#define ZBLE_HOST_INTERNAL_H

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>

#include "zble/host.h"

/* Pseudo status for a command the controller never answered. */
#define ZBLE_HCI_STATUS_TIMEOUT 0xff

int zble_host_recv(void *ctx, const uint8_t *pkt, size_t len);
void zble_hci_flush(struct zble_host *host);

/* bring-up (init.c) */
void zble_init_setup(struct zble_host *host);

/* connections (conn.c) */
void zble_conn_setup(struct zble_host *host);
void zble_conn_teardown(struct zble_host *host);
void zble_conn_evt_disconnect_complete(struct zble_host *host, const uint8_t *p, size_t len);
void zble_le_meta_event(struct zble_host *host, uint8_t subevent, const uint8_t *p, size_t len);

/* ACL data (acl.c); lock held. */
void zble_acl_tx(struct zble_host *host);
void zble_acl_recv(struct zble_host *host, const uint8_t *p, size_t len);
void zble_acl_evt_num_completed(struct zble_host *host, const uint8_t *p, size_t len);
void zble_acl_conn_reset(struct zble_host *host, struct bt_conn *conn);

/* L2CAP (l2cap.c) and what it needs from connections (conn.c). */
void zble_l2cap_recv(struct zble_host *host, struct bt_conn *conn, struct net_buf *pdu);
int zble_l2cap_conn_param_request(struct bt_conn *conn, const struct bt_le_conn_param *param);
/* Valid, and no le_param_req callback refuses it. */
bool zble_conn_param_acceptable(struct bt_conn *conn, struct bt_le_conn_param *param);
/* HCI LE Connection Update for the link. */
int zble_conn_update(struct bt_conn *conn, const struct bt_le_conn_param *param, struct zble_sync *s);

/* A new reference to the connected link with that handle, or NULL. */
struct bt_conn *zble_conn_lookup_handle(struct zble_host *host, uint16_t handle);

/* advertising and scanning (adv.c, scan.c) */
void zble_adv_evt_set_terminated(struct zble_host *host, const uint8_t *p, size_t len);
void zble_scan_evt_ext_adv_report(struct zble_host *host, const uint8_t *p, size_t len);
void zble_adv_conn_established(struct zble_host *host);
void zble_scan_evt_adv_report(struct zble_host *host, const uint8_t *p, size_t len);

/* Synchronous API helpers (api_sync.c): the host of the calling context,
 * locked; whether this caller may wait for the controller. */
struct zble_host *zble_api_enter(void);
void zble_api_exit(struct zble_host *host);
void zble_sync_init(struct zble_sync *s);
/* Waits for every command of s (unlocking the host meanwhile). */
int zble_sync_wait(struct zble_host *host, struct zble_sync *s);
/* s if the caller may wait, NULL (fire and forget) otherwise. */
struct zble_sync *zble_sync_or_null(struct zble_host *host, struct zble_sync *s);
/* Initialises storage and returns it, or NULL where the caller may not wait. */
struct zble_sync *zble_sync_begin(struct zble_host *host, struct zble_sync *storage);
/* Waits for s's commands and leaves the API lock: err when set, else the
 * commands' result. */
int zble_api_finish(struct zble_host *host, struct zble_sync *s, int err);

#endif
