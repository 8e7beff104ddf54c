/* Per-connection and per-host GATT state (server and client); part of
 * struct bt_conn and struct zble_host. The server part is owned by
 * src/host/gatt_server*.c, the client part by src/host/gatt_client.c. */
#ifndef ZBLE_HOST_GATT_H
#define ZBLE_HOST_GATT_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/sys/slist.h>

/* --- server --- */
#include <zephyr/bluetooth/gatt.h>

/* Prepared writes held for Execute Write, all links of a host in one
 * store: entries and value bytes (Core Vol 3 Part F 3.4.6.1). Each link
 * gets a fixed fair share of both (the store divided by
 * CONFIG_BT_MAX_CONN), so a peer that holds its share full cannot make
 * another link's Prepare Write fail; past its share a link is answered
 * Prepare Queue Full. The defaults give every link one value of the
 * largest size (512 bytes) in up to 16 parts. */
#ifndef CONFIG_BT_ATT_PREPARE_COUNT
#define CONFIG_BT_ATT_PREPARE_COUNT (16 * CONFIG_BT_MAX_CONN)
#endif
#ifndef CONFIG_BT_ATT_PREPARE_BUF_SIZE
#define CONFIG_BT_ATT_PREPARE_BUF_SIZE (512 * CONFIG_BT_MAX_CONN)
#endif
#define ZBLE_GATT_PREPARE_LINK_COUNT (CONFIG_BT_ATT_PREPARE_COUNT / CONFIG_BT_MAX_CONN)
#define ZBLE_GATT_PREPARE_LINK_BUF_SIZE (CONFIG_BT_ATT_PREPARE_BUF_SIZE / CONFIG_BT_MAX_CONN)
/* Notification completions waiting for the controller (one per buffer). */
#ifdef CONFIG_BT_L2CAP_TX_BUF_COUNT
#define ZBLE_GATT_NOTIFY_SLOTS CONFIG_BT_L2CAP_TX_BUF_COUNT
#else
#define ZBLE_GATT_NOTIFY_SLOTS 8
#endif
/* GAP (declaration, Device Name, Appearance) and GATT (declaration,
 * Service Changed and its CCC): handles 1..9. */
#define ZBLE_GATT_BUILTIN_ATTRS 9

struct zble_gatt_server_conn {
	/* Service Changed: the indication in flight, and a range that waits
	 * for it to complete (start 0: none). */
	struct bt_gatt_indicate_params sc_ind;
	uint8_t sc_data[4];
	bool sc_busy;
	uint16_t sc_next_start, sc_next_end;
};

struct zble_gatt_prep_entry {
	struct bt_conn *conn;
	uint16_t handle, offset, len, start; /* start: index in prep_buf */
};

struct zble_gatt_notify_slot {
	bt_gatt_complete_func_t func;
	void *user_data;
	bool used;
};

struct zble_gatt_server_stats {
	uint32_t requests;    /* requests answered */
	uint32_t errors;      /* of them with an Error Response */
	uint32_t no_buffer;   /* requests left unanswered: no buffer */
	uint32_t ignored;     /* commands dropped (invalid, or signed without a key) */
};

struct zble_gatt_server_host {
	sys_slist_t services; /* registered struct bt_gatt_service, by handle */
	bool ready;           /* builtin[] and sc_ccc set up */
	struct bt_gatt_attr builtin[ZBLE_GATT_BUILTIN_ATTRS];
	struct _bt_gatt_ccc sc_ccc;
	/* Prepare queue: entries in arrival order, their bytes packed in the
	 * same order in prep_buf. */
	struct zble_gatt_prep_entry prep[CONFIG_BT_ATT_PREPARE_COUNT];
	uint16_t prep_count, prep_used;
	uint8_t prep_buf[CONFIG_BT_ATT_PREPARE_BUF_SIZE];
	struct zble_gatt_notify_slot notify_slots[ZBLE_GATT_NOTIFY_SLOTS];
	struct zble_gatt_server_stats stats;
	/* For a binding that runs the database on the application's behalf
	 * (bindings/core, MicroPython's API), all NULL/0 unless it sets them:
	 * owner: its context, found from callbacks through the host;
	 * value_hook: every notification and indication any link receives,
	 * before the subscriptions see it (that API delivers them without
	 * subscribing); att_mtu: the ATT_MTU offered in Exchange MTU, both
	 * directions (0: CONFIG_BT_ATT_MTU; capped to it). */
	void *owner;
	void (*value_hook)(struct bt_conn *conn, uint16_t handle, bool indication, const uint8_t *data, uint16_t len);
	uint16_t att_mtu;
};

/* Notifies / indicates the attribute at handle to conn whatever its CCC
 * holds and whatever the characteristic's properties (MicroPython's
 * gatts_notify/gatts_indicate). params as for bt_gatt_indicate (its
 * attr/uuid unused). 0, -EINVAL (no such attribute, or len without data),
 * -ENOTCONN, -EMSGSIZE (len > ATT_MTU - 3), -ENOMEM (no buffer now). */
int zble_gatt_notify_handle(struct bt_conn *conn, uint16_t handle, const void *data, uint16_t len);
int zble_gatt_indicate_handle(struct bt_conn *conn, uint16_t handle, struct bt_gatt_indicate_params *params);

/* --- client --- */
/* Client procedures queued per link (the running one included). */
#ifndef CONFIG_BT_GATT_CLIENT_QUEUE
#define CONFIG_BT_GATT_CLIENT_QUEUE 8
#endif

struct zble_gatt_client_req {
	void *params; /* the caller's bt_gatt_*_params */
	uint8_t kind;
};

struct zble_gatt_client_conn {
	sys_slist_t subscriptions; /* struct bt_gatt_subscribe_params */
	struct zble_gatt_client_req queue[CONFIG_BT_GATT_CLIENT_QUEUE]; /* ring, head runs */
	uint8_t head, count;
	bool sent;      /* the head's current request is outstanding */
	bool wait_buf;  /* the head found no TX buffer: the bearer retries */
	bool mtu_asked; /* bt_gatt_exchange_mtu was queued once */
	/* State of the running procedure. */
	uint8_t step;
	bool skip_value;   /* descriptor discovery: the next attribute is a value */
	uint8_t saved_err; /* long write: reported after the cancel */
	uint16_t next;     /* next handle (discovery, read by UUID) or bytes done */
	uint16_t got;      /* bytes delivered (long read) or results (read by UUID) */
	uint16_t incl[3];  /* include with a 128-bit UUID: handle, start, end */
	uint16_t ccc;      /* value written to the CCC */
};

#endif
