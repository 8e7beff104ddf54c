/* A zble host instance: all state of one Bluetooth host (P2). It runs on
 * one kernel instance and one HCI driver; the Zephyr-style bt_* calls act on
 * the host bound to the current kernel.
 *
 *   static struct zble_host host;
 *   zble_host_init(&host, &kernel, &driver.drv);
 *   bt_enable(NULL);                                                       */
#ifndef ZBLE_HOST_H
#define ZBLE_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/kernel.h>
#include <zephyr/net_buf.h>

#include "zble/hci_driver.h"
#include "zble/host_att.h"
#include "zble/host_gatt.h"
#include "zble/host_keys.h"
#include "zble/host_l2cap.h"
#include "zble/kernel.h"

#ifndef CONFIG_BT_MAX_CONN
#define CONFIG_BT_MAX_CONN 4
#endif
#ifndef CONFIG_BT_BUF_CMD_TX_COUNT
#define CONFIG_BT_BUF_CMD_TX_COUNT 8
#endif
#ifndef CONFIG_BT_BUF_EVT_RX_COUNT
#define CONFIG_BT_BUF_EVT_RX_COUNT 16
#endif
#ifndef CONFIG_BT_BUF_EVT_DISCARDABLE_COUNT
#define CONFIG_BT_BUF_EVT_DISCARDABLE_COUNT 16
#endif
#ifndef CONFIG_BT_BUF_ACL_RX_COUNT
#define CONFIG_BT_BUF_ACL_RX_COUNT 8
#endif
#ifndef CONFIG_BT_BUF_ACL_RX_SIZE
#define CONFIG_BT_BUF_ACL_RX_SIZE 251
#endif
/* Largest extended advertising data the host reassembles (the spec allows
 * 1650; longer chains are dropped whole and counted). */
#ifndef CONFIG_BT_EXT_SCAN_BUF_SIZE
#define CONFIG_BT_EXT_SCAN_BUF_SIZE 512
#endif
#ifndef CONFIG_BT_DEVICE_NAME_MAX
#define CONFIG_BT_DEVICE_NAME_MAX 28
#endif
#ifndef CONFIG_BT_DEVICE_NAME
#define CONFIG_BT_DEVICE_NAME "zble"
#endif

/* H4 type byte + header + payload. */
#define ZBLE_CMD_BUF_SIZE (1 + 3 + 255)
#define ZBLE_EVT_BUF_SIZE (1 + 2 + 255)
#define ZBLE_ACL_RX_BUF_SIZE (1 + 4 + CONFIG_BT_BUF_ACL_RX_SIZE + 4)
#define ZBLE_HCI_CMD_TIMEOUT_MS 10000
/* A Disconnection Complete overdue by this much after the supervision
 * timeout (which bounds the LL termination) makes the host ask again, and
 * after a second such wait it releases the link itself. */
#define ZBLE_DISCONNECT_MARGIN_MS 1000
/* How long a Disconnection Complete for a handle not (yet) connected is
 * kept for a connection being created, in case it overtook the LE
 * Connection Complete of that handle. */
#define ZBLE_EARLY_DISCONNECT_MS 500

#ifndef CONFIG_BT_L2CAP_TX_BUF_COUNT
#define CONFIG_BT_L2CAP_TX_BUF_COUNT 8
#endif
#ifndef CONFIG_BT_L2CAP_TX_MTU
#define CONFIG_BT_L2CAP_TX_MTU 251 /* largest L2CAP payload a host PDU carries */
#endif
#ifndef CONFIG_BT_L2CAP_RX_MTU
#define CONFIG_BT_L2CAP_RX_MTU 251
#endif
/* Reserved in front of an outgoing PDU: H4 type + ACL header. */
#define ZBLE_ACL_HEADROOM 5
#define ZBLE_ACL_TX_BUF_SIZE (ZBLE_ACL_HEADROOM + 4 + CONFIG_BT_L2CAP_TX_MTU)
#define ZBLE_L2CAP_RX_BUF_SIZE (4 + CONFIG_BT_L2CAP_RX_MTU)
/* Fragments of one connection the host tracks in the controller at once.
 * The controller's buffers are shared fairly: a link may hold at most its
 * share of them (all of them when it is the only link), so one busy link
 * keeps the controller full without starving the others. */
#ifndef CONFIG_BT_CONN_TX_MAX
#define CONFIG_BT_CONN_TX_MAX 8
#endif
#define ZBLE_ACL_IN_FLIGHT_MAX CONFIG_BT_CONN_TX_MAX

struct zble_host;
struct zble_crypto;
struct net_buf;

/* Completion of one HCI command, run in the host context. status is the HCI
 * status (0xff: the controller never answered); rp/rp_len the return
 * parameters after the status byte (Command Complete) or NULL. */
typedef void (*zble_hci_done_t)(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t rp_len,
				void *arg);

/* A caller waiting for a group of commands. */
struct zble_sync {
	struct k_sem sem;
	int err;
	uint8_t pending;
};

struct zble_cmd_meta {
	uint16_t opcode;
	uint8_t ok_status; /* a failure status that means "nothing to do": success */
	zble_hci_done_t done;
	void *arg;
	struct zble_sync *sync;
};

/* Completion of an outgoing PDU: 0 when the controller has sent all of it
 * (its Number Of Completed Packets), -ENOTCONN when the link went first. */
typedef void (*zble_acl_done_t)(struct bt_conn *conn, int err, void *user_data);

/* User data of an outgoing PDU buffer. */
struct zble_acl_tx_meta {
	zble_acl_done_t done;
	void *user_data;
	uint16_t sent; /* bytes of the PDU handed to the controller */
};

struct bt_conn {
	struct zble_host *host;
	atomic_t ref;
	enum bt_conn_state state;
	uint16_t handle;
	uint8_t role;
	uint8_t id;
	bt_addr_le_t local;
	bt_addr_le_t dst;
	uint16_t interval, latency, timeout;
	uint8_t pending_err; /* reported when a cancelled create completes */
	bool disc_retried;   /* the overdue Disconnection Complete was asked for again */
	/* Bounds the procedure in progress: the create (CONNECTING) or the
	 * disconnection (DISCONNECTING). */
	struct k_work_delayable proc_timeout;
	/* ACL: PDUs waiting to be sent (the head may be partly sent), and the
	 * fragments in the controller, oldest first, with the completion of a
	 * PDU carried by its last fragment. */
	sys_slist_t tx_queue;
	struct {
		zble_acl_done_t done;
		void *user_data;
	} in_flight[ZBLE_ACL_IN_FLIGHT_MAX];
	uint8_t in_flight_head, in_flight_count;
	struct net_buf *rx_pdu; /* reassembly of an incoming L2CAP PDU */
	uint8_t sig_ident;      /* identifier of our last signalling request */
	bool rx_discard;        /* dropping the rest of a PDU that did not fit */
	struct bt_conn_le_phy_info phy;
	struct bt_conn_le_data_len_info data_len;
	uint8_t sec_level;      /* bt_security_t: L1 until SMP encrypts the link */
	uint8_t enc_key_size;   /* 0: not encrypted */
	bool has_ltk;           /* a long term key for the peer exists (set by SMP; never yet) */
	struct zble_l2cap_conn l2cap;
	struct zble_att_conn att;
	struct zble_gatt_server_conn gatts;
	struct zble_gatt_client_conn gattc;
};

/* An advertising set (extended advertising commands). */
struct bt_le_ext_adv {
	struct zble_host *host;
	const struct bt_le_ext_adv_cb *cb;
	uint8_t handle;
	bool used, enabled, connectable;
	bool high_duty; /* high duty cycle directed: the controller needs a duration */
	bool internal; /* runs bt_le_adv_start() on an extended controller */
	/* Stopped by the connection term_conn at its connection complete: the
	 * Advertising Set Terminated naming that link is still owed (adv.c). */
	bool term_owed;
	uint16_t term_conn;
	int8_t tx_power;
};

struct zble_host_stats {
	uint32_t rx_events, rx_acl, tx_cmds;
	/* The receive path counts with atomics: read these with __atomic_load_n. */
	uint32_t rx_discarded;       /* discardable events dropped: pool empty */
	uint32_t rx_dropped;         /* essential packets dropped: pool empty (a sizing bug) */
	uint32_t rx_rejected;        /* receive path: empty, unknown type, too long (atomic) */
	uint32_t malformed;          /* events or ACL too short or inconsistent */
	uint32_t unknown_events;
	uint32_t unexpected_cmd_rsp; /* completions for no command in flight (stray opcode) */
	uint32_t late_cmd_rsp;       /* completions that came after their command timed out: dropped */
	uint32_t cmd_timeouts;
	uint32_t disconnect_timeouts; /* Disconnection Complete overdue (asked again, or released) */
	uint32_t unexpected_disconnects; /* Disconnection Complete for no link and none being created */
	uint32_t async_errors;       /* failures of calls made from callbacks */
	uint32_t hw_errors;          /* Hardware Error events (each resets the controller) */
	uint32_t acl_dropped;        /* PDUs nobody took, or that could not be reassembled */
	uint32_t acl_rx_pdus, acl_tx_pdus, acl_tx_frags;
	uint32_t l2cap_rejects; /* Command Rejects we sent */
	uint32_t ext_reports_dropped; /* extended advertisements lost: truncated, too long, interleaved */
};

typedef void (*zble_monitor_t)(void *ctx, bool received, const uint8_t *pkt, size_t len);

/* What the host tells the application about controller failures
 * (zble_host_set_error_cb; policy: docs/hardware-error.md). */
enum zble_host_error_kind {
	/* HCI Hardware Error (hw_code): the host has failed every pending
	 * command and reports every link as disconnected right after this
	 * callback; advertising and scanning are stopped; it resets the
	 * controller and runs the bring-up again. */
	ZBLE_HOST_ERROR_HW,
	/* The bring-up after a Hardware Error ended: err 0, the host is
	 * ready again (bt_is_ready()); else a negative errno. */
	ZBLE_HOST_ERROR_RECOVERED,
};

struct zble_host_error {
	enum zble_host_error_kind kind;
	uint8_t hw_code; /* ZBLE_HOST_ERROR_HW: the controller's Hardware_Code */
	int err;         /* ZBLE_HOST_ERROR_RECOVERED: 0 or -errno */
};

/* Runs in the host context (as connection callbacks do). */
typedef void (*zble_host_error_cb_t)(struct zble_host *host, const struct zble_host_error *e, void *ctx);

struct zble_host {
	struct zble_kernel *kernel;
	struct zble_hci_driver *driver;
	struct k_work_q wq; /* all host logic runs here */
	struct k_mutex lock;

	NET_BUF_POOL_STORAGE(CONFIG_BT_BUF_CMD_TX_COUNT, ZBLE_CMD_BUF_SIZE, sizeof(struct zble_cmd_meta)) cmd_mem;
	NET_BUF_POOL_STORAGE(CONFIG_BT_BUF_EVT_RX_COUNT, ZBLE_EVT_BUF_SIZE, 0) evt_mem;
	NET_BUF_POOL_STORAGE(CONFIG_BT_BUF_EVT_DISCARDABLE_COUNT, ZBLE_EVT_BUF_SIZE, 0) disc_mem;
	NET_BUF_POOL_STORAGE(CONFIG_BT_BUF_ACL_RX_COUNT, ZBLE_ACL_RX_BUF_SIZE, 0) acl_mem;
	NET_BUF_POOL_STORAGE(CONFIG_BT_L2CAP_TX_BUF_COUNT, ZBLE_ACL_TX_BUF_SIZE, sizeof(struct zble_acl_tx_meta)) tx_mem;
	NET_BUF_POOL_STORAGE(CONFIG_BT_MAX_CONN, ZBLE_L2CAP_RX_BUF_SIZE, 0) pdu_mem;
	struct net_buf_pool cmd_pool, evt_pool, disc_pool, acl_pool, tx_pool, pdu_pool;

	struct k_fifo rx_queue;
	struct k_work rx_work;
	struct k_fifo cmd_queue;
	struct k_work tx_work;
	struct net_buf *sent_cmd; /* awaiting Command Complete/Status */
	uint8_t ncmd;             /* command credits (at most one in flight) */
	struct k_work_delayable cmd_timeout;
	uint32_t cmd_timeout_ms;  /* ZBLE_HCI_CMD_TIMEOUT_MS unless set */
	/* The opcode of the last command that timed out: its completion may
	 * still come and is dropped until late_until (uptime, ms); a command
	 * with the same opcode waits until then, so the two never mix. */
	uint16_t late_opcode;
	int64_t late_until;

	/* bring-up */
	struct k_work init_work;
	uint8_t init_step;
	bool enabling, ready, opened;
	bool recovering; /* the bring-up runs again after a Hardware Error */
	zble_host_error_cb_t error_cb;
	void *error_ctx;
	int init_err;
	bt_ready_cb_t ready_cb;
	struct zble_sync *enable_sync;

	/* what the controller said */
	uint8_t hci_version;
	uint16_t manufacturer;
	uint8_t commands[64];
	uint8_t features[8];
	uint8_t le_features[8];
	uint16_t acl_mtu;
	uint16_t acl_pkts;
	uint16_t acl_credits; /* controller ACL buffers free now */
	uint8_t acl_next;     /* round-robin start among connections */
	void (*l2cap_recv)(struct bt_conn *conn, struct net_buf *pdu);
	uint8_t rand[8];
	bt_addr_le_t id_addr;
	char name[CONFIG_BT_DEVICE_NAME_MAX + 1];

	bool ext;           /* extended advertising/scanning/initiating commands */
	bool no_auto_link_update; /* no data length / 2M PHY request on connection */
	bool force_legacy;
	struct {
		bool enabled;
		bool connectable;
		struct bt_le_ext_adv *set; /* extended controller: the set in use */
	} adv;
	struct bt_le_ext_adv ext_adv[CONFIG_BT_EXT_ADV_MAX_ADV_SET];
	struct {
		bool enabled; /* the controller's state, as its answers said */
		/* What the last start/stop asked for, set when queued: a stop
		 * then a start from the host context (a scan-done callback
		 * chaining the next scan) both go out in order. */
		bool want;
		bt_le_scan_cb_t *cb;
		sys_slist_t listeners;
		/* One extended advertisement being reassembled from its
		 * "more to come" report fragments. */
		struct zble_scan_chain {
			bt_addr_le_t addr;
			uint8_t sid;
			bool active, overflow;
			uint16_t len;
			uint8_t data[CONFIG_BT_EXT_SCAN_BUF_SIZE];
		} chain;
	} scan;

	sys_slist_t conn_cbs;
	struct bt_conn conns[CONFIG_BT_MAX_CONN];
	/* Disconnection Complete events that may have overtaken the LE
	 * Connection Complete of their handle: kept only while a connection
	 * is being created, and only until `until` (uptime, ms). */
	struct {
		uint16_t handle; /* 0xffff: free */
		uint8_t reason;
		int64_t until;
	} early_disc[CONFIG_BT_MAX_CONN];

	struct zble_l2cap_host l2cap;
	struct zble_att_host att;
	struct zble_gatt_server_host gatts;

	struct zble_crypto *crypto; /* zble_crypto_init: gets the P-256 events */
	struct zble_keys_host keys; /* peer keys and bonds (keys.c) */

	zble_monitor_t monitor;
	void *monitor_ctx;
	struct zble_host_stats stats;
};

/* Binds host to kernel k (which must be current) and driver; does not talk
 * to the controller yet (bt_enable does). 0 or -EINVAL. */
int zble_host_init(struct zble_host *host, struct zble_kernel *k, struct zble_hci_driver *driver);
void zble_host_deinit(struct zble_host *host);
/* Before bt_enable(): use the legacy advertising, scanning and connection
 * commands even on a controller with extended advertising. */
void zble_host_use_legacy_commands(struct zble_host *host, bool legacy);
/* Before connections: whether the host asks for the largest data length
 * and the 2M PHY on every new link when the controller supports them
 * (default on, as Zephyr's auto updates). */
void zble_host_set_auto_link_update(struct zble_host *host, bool on);
/* Every HCI packet, both ways, with its H4 type byte (btsnoop capture). */
void zble_host_set_monitor(struct zble_host *host, zble_monitor_t fn, void *ctx);
/* The host of the current kernel, or NULL. */
struct zble_host *zble_host_current(void);
/* Controller failures (HCI Hardware Error and the recovery after it) are
 * reported to fn; NULL stops it. See enum zble_host_error_kind. */
void zble_host_set_error_cb(struct zble_host *host, zble_host_error_cb_t fn, void *ctx);
/* How long the host waits for a command's Command Complete/Status before
 * failing it with -ETIMEDOUT (0: ZBLE_HCI_CMD_TIMEOUT_MS, as the spec's
 * hosts do; shorter values are for tests on real time). */
void zble_host_set_cmd_timeout(struct zble_host *host, uint32_t ms);

/* Queues an HCI command; done (may be NULL) runs in the host context. */
int zble_hci_cmd_send(struct zble_host *host, uint16_t opcode, const void *params, uint8_t len, zble_hci_done_t done,
		      void *arg, struct zble_sync *sync);
/* As zble_hci_cmd_send, with one failure status treated as success (e.g.
 * Command Disallowed for disabling what a controller already stopped). */
int zble_hci_cmd_send_ok(struct zble_host *host, uint16_t opcode, const void *params, uint8_t len,
			 zble_hci_done_t done, void *arg, struct zble_sync *sync, uint8_t ok_status);
/* A buffer for an outgoing L2CAP PDU (headroom reserved), or NULL. */
struct net_buf *zble_acl_alloc(struct zble_host *host, k_timeout_t timeout);
/* Queues a whole L2CAP PDU (basic header included) on a connection; the
 * host fragments it to the controller's buffer size and sends as the
 * controller's credits allow. Takes the buffer in every case. done (may be
 * NULL) runs in the host context. 0, -ENOTCONN, -EINVAL. */
int zble_acl_send(struct bt_conn *conn, struct net_buf *pdu, zble_acl_done_t done, void *user_data);
/* Where complete incoming L2CAP PDUs of channels the host does not serve
 * itself go (the signalling and SMP channels are the host's; ATT too until
 * a receiver is set); the buffer is only lent for the call. Without a
 * receiver they are counted and dropped. */
void zble_host_set_l2cap_recv(struct zble_host *host, void (*fn)(struct bt_conn *conn, struct net_buf *pdu));
/* Map an HCI status to a negative errno (0 stays 0). */
int zble_hci_err_to_errno(uint8_t status);

#endif
