/* Per-connection ATT bearer state and per-host ATT state; part of struct
 * bt_conn and struct zble_host. Owned by src/host/att*.c. */
#ifndef ZBLE_HOST_ATT_H
#define ZBLE_HOST_ATT_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/kernel.h>
#include <zephyr/sys/slist.h>

#define ZBLE_ATT_DEFAULT_MTU 23

/* Our ATT_MTU (what an Exchange MTU offers), 23..517. The default keeps an
 * ATT PDU plus the 4-byte L2CAP header in one 251-byte LL PDU; larger
 * values need CONFIG_BT_L2CAP_RX_MTU/TX_MTU at least as large (the PDU is
 * then fragmented across ACL packets). */
#ifndef CONFIG_BT_ATT_MTU
#define CONFIG_BT_ATT_MTU 247
#endif
/* Indications waiting behind the outstanding one, per link. */
#ifndef CONFIG_BT_ATT_IND_QUEUE
#define CONFIG_BT_ATT_IND_QUEUE 4
#endif
/* An ATT transaction not completed in 30 s fails (Core Vol 3 Part F 3.3.3). */
#define ZBLE_ATT_TIMEOUT_MS 30000
/* While something waits for a TX buffer that other users of the pool hold,
 * the bearer looks again this often (its own completions wake it sooner). */
#define ZBLE_ATT_RETRY_MS 10

/* ATT PDUs of a link whose completion is still to come: at most every TX
 * buffer queued plus what the controller holds of the link (att.c checks
 * this against host.h). The defaults match host.h's. */
#ifndef CONFIG_BT_L2CAP_TX_BUF_COUNT
#define CONFIG_BT_L2CAP_TX_BUF_COUNT 8
#endif
#ifndef CONFIG_BT_CONN_TX_MAX
#define CONFIG_BT_CONN_TX_MAX 8
#endif
#define ZBLE_ATT_TX_TRACK (CONFIG_BT_L2CAP_TX_BUF_COUNT + CONFIG_BT_CONN_TX_MAX)

struct bt_conn;
struct net_buf;

struct zble_att_tx_done {
	void (*done)(struct bt_conn *conn, int err, void *user_data);
	void (*complete)(struct bt_conn *conn, void *user_data); /* only on success */
	void *user_data;
};

struct zble_att_conn {
	uint16_t mtu;       /* the effective ATT_MTU of the bearer */
	bool inited;        /* work items set up (once per object) */
	bool up;            /* usable: connected and no transaction timed out */
	bool mtu_exchanged; /* an Exchange MTU completed, either direction */

	/* Client: our outstanding request (0: none) and its timer. */
	uint8_t req_op;
	struct k_work_delayable req_timeout;

	/* Server: the peer's outstanding request (0: none), the buffer kept
	 * for its answer, and the request itself while no buffer was free. */
	uint8_t peer_req;
	bool deferred;
	uint16_t deferred_len;
	uint8_t deferred_pdu[CONFIG_BT_ATT_MTU];
	struct net_buf *rsp_buf;
	/* An Error Response that found no buffer: sent as soon as one frees. */
	bool err_pending;
	uint8_t err_pdu[4];
	bool confirm_pending; /* a Handle Value Confirmation to send */

	/* Indications we sent: one outstanding, the others queued. */
	bool ind_out;
	void (*ind_done)(struct bt_conn *conn, int err, void *user_data);
	void *ind_user_data;
	sys_slist_t ind_queue;
	uint8_t ind_queued;
	struct k_work_delayable ind_timeout;

	/* Completions of ATT PDUs handed to the ACL layer, in send order. */
	struct zble_att_tx_done tx[ZBLE_ATT_TX_TRACK];
	uint8_t tx_head, tx_count;

	struct k_work_delayable retry; /* a TX buffer may have freed */
};

struct zble_att_stats {
	uint32_t rx_pdus, tx_pdus;
	uint32_t unexpected_rsp;     /* a response without a request, or of another kind */
	uint32_t unexpected_confirm; /* a confirmation without an indication */
	uint32_t dropped;            /* unknown commands, PDUs beyond the MTU, dead bearer */
	uint32_t rejected;           /* Error Responses for unknown or invalid requests */
	uint32_t deferred;           /* requests answered late: no TX buffer at first */
	uint32_t timeouts;           /* transactions that timed out */
	uint32_t mtu_repeats;        /* Exchange MTU requests after the first */
};

struct zble_att_host {
	sys_slist_t gatt_cbs; /* struct bt_gatt_cb */
	struct zble_att_stats stats;
};

#endif
