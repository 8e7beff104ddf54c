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
/* Ends every queued and in-flight command with status (exactly once). */
void zble_hci_fail_commands(struct zble_host *host, uint8_t status);

/* bring-up (init.c) */
void zble_init_setup(struct zble_host *host);
/* HCI Hardware Error: the recovery of docs/hardware-error.md. */
void zble_init_hw_error(struct zble_host *host, uint8_t hw_code);
/* What the controller said it supports: a Supported_Commands bit, an LE
 * feature bit. */
bool zble_hci_cmd_supported(const struct zble_host *host, unsigned octet, unsigned bit);
bool zble_le_feature(const struct zble_host *host, unsigned bit);
/* The HCI PHY value (1 1M, 2 2M, 3 Coded) as a BT_GAP_LE_PHY_* bit, 0 if
 * unknown (conn_link.c). */
uint8_t zble_hci_phy_to_gap(uint8_t hci_phy);

/* connections (conn.c) */
void zble_conn_setup(struct zble_host *host);
void zble_conn_teardown(struct zble_host *host);
/* The controller lost every link (Hardware Error): each connected link is
 * reported disconnected with reason, each create fails; objects released. */
void zble_conn_all_lost(struct zble_host *host, uint8_t reason);
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

/* Link life cycle as seen by the layers above HCI, in the host context with
 * the lock held: connected runs before the application's connected
 * callbacks, disconnected before its disconnected callbacks. l2cap.c fans
 * them out to the credit-based channels, ATT and GATT. */
void zble_l2cap_conn_connected(struct bt_conn *conn);
void zble_l2cap_conn_disconnected(struct bt_conn *conn);
/* Host set-up (zble_host_init) of the layers above HCI. */
void zble_l2cap_host_init(struct zble_host *host);
/* The GATT server forgets every link of host, silently (links dropped
 * without callbacks: bt_disable, deinit; gatt_server.c). */
void zble_gatt_server_teardown(struct zble_host *host);

/* Sends a complete PDU on a fixed or dynamic channel: payload only, the
 * basic header is added here. -ENOBUFS when no buffer is free. */
int zble_l2cap_send_fixed(struct bt_conn *conn, uint16_t cid, const void *payload, uint16_t len);

/* Credit-based channels (l2cap_coc.c): signalling commands 0x06/0x07 and
 * 0x14..0x18 (LE credit based and enhanced), and PDUs of dynamic CIDs
 * (0x0040..0x007f). Return false to let l2cap.c reject the command. */
bool zble_l2cap_coc_sig(struct bt_conn *conn, uint8_t code, uint8_t ident, const uint8_t *data, uint16_t len);
/* false: no channel of this link has that CID (the PDU goes to the raw hook). */
bool zble_l2cap_coc_recv(struct bt_conn *conn, uint16_t cid, struct net_buf *pdu);
void zble_l2cap_coc_connected(struct bt_conn *conn);
void zble_l2cap_coc_disconnected(struct bt_conn *conn);

/* ATT bearer (att.c): pdu holds one ATT PDU (basic header pulled), lent for
 * the call. */
void zble_att_recv(struct bt_conn *conn, struct net_buf *pdu);
void zble_att_connected(struct bt_conn *conn);
void zble_att_disconnected(struct bt_conn *conn);

/* Data length, PHY and encryption events of a link (conn_link.c). */
void zble_conn_link_init(struct bt_conn *conn);
void zble_conn_evt_data_len_change(struct zble_host *host, const uint8_t *p, size_t len);
void zble_conn_evt_phy_update_complete(struct zble_host *host, const uint8_t *p, size_t len);
void zble_conn_evt_ltk_request(struct zble_host *host, const uint8_t *p, size_t len);

/* A new reference to the connected link with that handle, or NULL. */
struct bt_conn *zble_conn_lookup_handle(struct zble_host *host, uint16_t handle);

/* advertising and scanning (adv.c, scan.c) */
void zble_adv_evt_set_terminated(struct zble_host *host, const uint8_t *p, size_t len);
void zble_scan_evt_ext_adv_report(struct zble_host *host, const uint8_t *p, size_t len);
/* A peripheral link came from advertising: adv_handle names the set
 * (0xff: the event does not say, as in v1 and legacy events). */
void zble_adv_conn_created(struct zble_host *host, uint8_t adv_handle, uint16_t conn_handle);
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
