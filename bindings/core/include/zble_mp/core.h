/* zble_mp: MicroPython's `bluetooth` backend contract over zble, as plain C.
 *
 * One core serves every front end (the CPython extension module, the
 * MicroPython user C module): they only convert types. Everything a user
 * observes is decided here: handle layout, event order and contents, error
 * numbers, truncation, what a failed connect delivers.
 *
 * CHANGES (after first publication; additive unless marked):
 *   - internal fields added to struct zble_mp_l2cap (rebuild the shim with
 *     the core; no API change).
 *   - documented: addr_mode RANDOM is EOPNOTSUPP on a controller with a
 *     public address; gap_connect to a peer already connected: EINVAL.
 *
 * Header: bindings/core/include/zble_mp/core.h (include as "zble_mp/core.h";
 * link zble_mp_core_coop or zble_mp_core_threads).
 *
 * ---- Conventions ----
 * - Every int function returns 0 or a POSITIVE errno with Linux numbering
 *   (ZBLE_MP_E* below), never a negative stack code. The shim raises
 *   OSError(errno) for it, except where noted (gap_disconnect: ENOTCONN
 *   means False; gatts_read: any error means b'').
 * - Not active: ZBLE_MP_ENODEV from everything that needs the stack (the
 *   setters of gap_name, io, mitm, bond, le_secure work while inactive).
 * - Addresses cross this interface big-endian, as printed (AA:BB:.. is
 *   addr[0] = 0xAA). addr_type 0 public, 1 random.
 * - UUIDs: struct zble_mp_uuid {type 2|4|16, data little-endian} (the same
 *   as MicroPython's mp_obj_bluetooth_uuid_t and bytes(bluetooth.UUID)).
 * - Connection handles are the controller's (HCI) handles, 0..0x0EFF;
 *   0xFFFF (ZBLE_MP_CONN_NONE) means "no connection" in failure events.
 * - Times: microseconds or milliseconds as named; connection parameters
 *   in events are raw HCI units (1.25 ms, -, 10 ms).
 *
 * ---- Memory ----
 * No malloc. struct zble_mp holds all state (tables sized by the
 * ZBLE_MP_* macros below, overridable at build time: a shim and the core
 * must be built with the same values). Attribute values live in an arena
 * the shim hands over at zble_mp_init(); entries are packed in handle
 * order and resizing one moves the ones after it, so a value can grow
 * (gatts_write of more than its capacity, gatts_set_buffer(h, 500)) as
 * long as the arena has room (else ZBLE_MP_ENOMEM).
 *
 * ---- Hosts and kernels ----
 * active(True) calls port->open(), which brings up the transport and gives
 * an initialised struct zble_host bound to its kernel, not yet enabled
 * (zble_host_init done, bt_enable not). The core registers its callbacks,
 * calls bt_enable and waits up to enable_timeout_ms (default 2000):
 * ZBLE_MP_ETIMEDOUT when no controller answers (the host is then disabled
 * and closed again). active(False) calls bt_disable, then port->close().
 * Every core call makes the host's kernel the current one for the calling
 * thread (zble_port_set_current_kernel) and restores the previous one on
 * return, so a shim need not select it (the zble-sim tests may still).
 *
 * ---- Threads and locks ----
 * - coop backend: one context; the runtime calls zble_kernel_process and
 *   the core from the same thread. Upcalls run inside it.
 * - threads backend: upcalls run on the host's work queue thread (or the
 *   kernel's system work queue thread for the core's own timers), while
 *   the application calls the core from its threads. The core serialises
 *   on the host's lock (host->lock, recursive) while active, and holds it
 *   while it runs upcalls. Lock order: host->lock, then whatever the shim
 *   takes inside an upcall (its interpreter lock). Hence:
 *     * a shim must NOT hold its interpreter lock (GIL) while calling the
 *       core: release it around every call, re-take it inside upcalls;
 *     * calls from inside an upcall are fine (the lock is recursive) and
 *       never block: they queue the work and return (P1), so connect ->
 *       discover -> read chains work from the handler;
 *     * zble_mp_active() called from inside an upcall (or from any host or
 *       kernel thread) fails at once with ZBLE_MP_EBUSY, never hangs;
 *     * lifecycle calls (zble_mp_active, zble_mp_deinit) must not run
 *       concurrently with other calls on the same context from other
 *       threads: the shim serialises them (e.g. with a lock of its own
 *       that it never takes inside upcalls).
 * - The value pointers handed to upcalls (addr, data, key, uuid) are valid
 *   only during the upcall.
 *
 * ---- What zble does not have yet ----
 * - SMP: gap_pair and gap_passkey return ZBLE_MP_EOPNOTSUPP; the pairing
 *   settings are stored. The GET/SET_SECRET blob format is fixed below so
 *   stores written now stay readable.
 * - Privacy: addr_mode RPA and NRPA return ZBLE_MP_EOPNOTSUPP.
 * - ATT_MTU: config(mtu=) accepts 23..517; the core is built on a host
 *   configured for 517 (bindings/CMakeLists.txt, ZBLE_MP_HOST_DEFS), so
 *   the exchange offers exactly that. A host built with a smaller
 *   CONFIG_BT_ATT_MTU caps it there.
 */
#ifndef ZBLE_MP_CORE_H
#define ZBLE_MP_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/l2cap.h>
#include <zephyr/kernel.h>
#include <zephyr/net_buf.h>

#include "zble/host.h"

/* ===== errors (Linux numbering, as MicroPython's MP_Exxx) ===== */
#define ZBLE_MP_EPERM 1
#define ZBLE_MP_ENOENT 2
#define ZBLE_MP_EIO 5
#define ZBLE_MP_E2BIG 7
#define ZBLE_MP_EAGAIN 11
#define ZBLE_MP_ENOMEM 12
#define ZBLE_MP_EBUSY 16
#define ZBLE_MP_ENODEV 19
#define ZBLE_MP_EINVAL 22
#define ZBLE_MP_EOPNOTSUPP 95
#define ZBLE_MP_ENOTCONN 107
#define ZBLE_MP_ETIMEDOUT 110
#define ZBLE_MP_EALREADY 114

/* ===== sizes (override at build time, same values for core and shim) ===== */
#ifndef ZBLE_MP_MAX_SERVICES
#define ZBLE_MP_MAX_SERVICES 8 /* user services; more: E2BIG (as NimBLE) */
#endif
#ifndef ZBLE_MP_MAX_ATTRS
#define ZBLE_MP_MAX_ATTRS 128 /* attributes of all user services (decls, values, CCCDs, descriptors) */
#endif
#ifndef ZBLE_MP_MAX_CHRS
#define ZBLE_MP_MAX_CHRS 48 /* characteristics of all user services */
#endif
#ifndef ZBLE_MP_MAX_CCCS
#define ZBLE_MP_MAX_CCCS 24 /* characteristics with NOTIFY or INDICATE */
#endif
#ifndef ZBLE_MP_MAX_VALUES
#define ZBLE_MP_MAX_VALUES 80 /* stored values: characteristic values and user descriptors */
#endif
#ifndef ZBLE_MP_DEFAULT_ATTR_LEN
#define ZBLE_MP_DEFAULT_ATTR_LEN 20 /* initial capacity of every stored value */
#endif
#ifndef ZBLE_MP_GAP_NAME_MAX
#define ZBLE_MP_GAP_NAME_MAX CONFIG_BT_DEVICE_NAME_MAX /* longer: EINVAL */
#endif
#ifndef ZBLE_MP_GAP_NAME_DEFAULT
#define ZBLE_MP_GAP_NAME_DEFAULT "MPY ZBLE"
#endif
#ifndef ZBLE_MP_MAX_CONN
#define ZBLE_MP_MAX_CONN CONFIG_BT_MAX_CONN
#endif
#ifndef ZBLE_MP_GATTC_OPS
#define ZBLE_MP_GATTC_OPS 4 /* GATT client procedures queued per connection; more: EBUSY */
#endif
#ifndef ZBLE_MP_IND_SLOTS
#define ZBLE_MP_IND_SLOTS 4 /* indications in flight per connection; more: ENOMEM */
#endif
#ifndef ZBLE_MP_VALUE_MAX
#define ZBLE_MP_VALUE_MAX 512 /* longest value a GATT client read or write carries (ATT's limit) */
#endif
#ifndef ZBLE_MP_L2CAP_MTU_MAX
#define ZBLE_MP_L2CAP_MTU_MAX 1024 /* largest L2CAP CoC SDU either way; bigger mtu is clamped */
#endif
#ifndef ZBLE_MP_L2CAP_TX_BUFS
#define ZBLE_MP_L2CAP_TX_BUFS 2 /* SDUs queued for sending before l2cap_send stalls */
#endif
#ifndef ZBLE_MP_ENABLE_TIMEOUT_MS
#define ZBLE_MP_ENABLE_TIMEOUT_MS 2000
#endif
#ifndef ZBLE_MP_HCI_CMD_TIMEOUT_MS
#define ZBLE_MP_HCI_CMD_TIMEOUT_MS 2000
#endif

/* ===== constants of the contract ===== */
#define ZBLE_MP_CONN_NONE 0xFFFF
#define ZBLE_MP_ADDR_TYPE_NONE 0xFF

/* IRQ event numbers (bluetooth module, 1..31). */
enum {
	ZBLE_MP_IRQ_CENTRAL_CONNECT = 1,
	ZBLE_MP_IRQ_CENTRAL_DISCONNECT = 2,
	ZBLE_MP_IRQ_GATTS_WRITE = 3,
	ZBLE_MP_IRQ_GATTS_READ_REQUEST = 4,
	ZBLE_MP_IRQ_SCAN_RESULT = 5,
	ZBLE_MP_IRQ_SCAN_DONE = 6,
	ZBLE_MP_IRQ_PERIPHERAL_CONNECT = 7,
	ZBLE_MP_IRQ_PERIPHERAL_DISCONNECT = 8,
	ZBLE_MP_IRQ_GATTC_SERVICE_RESULT = 9,
	ZBLE_MP_IRQ_GATTC_SERVICE_DONE = 10,
	ZBLE_MP_IRQ_GATTC_CHARACTERISTIC_RESULT = 11,
	ZBLE_MP_IRQ_GATTC_CHARACTERISTIC_DONE = 12,
	ZBLE_MP_IRQ_GATTC_DESCRIPTOR_RESULT = 13,
	ZBLE_MP_IRQ_GATTC_DESCRIPTOR_DONE = 14,
	ZBLE_MP_IRQ_GATTC_READ_RESULT = 15,
	ZBLE_MP_IRQ_GATTC_READ_DONE = 16,
	ZBLE_MP_IRQ_GATTC_WRITE_DONE = 17,
	ZBLE_MP_IRQ_GATTC_NOTIFY = 18,
	ZBLE_MP_IRQ_GATTC_INDICATE = 19,
	ZBLE_MP_IRQ_GATTS_INDICATE_DONE = 20,
	ZBLE_MP_IRQ_MTU_EXCHANGED = 21,
	ZBLE_MP_IRQ_L2CAP_ACCEPT = 22,
	ZBLE_MP_IRQ_L2CAP_CONNECT = 23,
	ZBLE_MP_IRQ_L2CAP_DISCONNECT = 24,
	ZBLE_MP_IRQ_L2CAP_RECV = 25,
	ZBLE_MP_IRQ_L2CAP_SEND_READY = 26,
	ZBLE_MP_IRQ_CONNECTION_UPDATE = 27,
	ZBLE_MP_IRQ_ENCRYPTION_UPDATE = 28,
	ZBLE_MP_IRQ_GET_SECRET = 29,
	ZBLE_MP_IRQ_SET_SECRET = 30,
	ZBLE_MP_IRQ_PASSKEY_ACTION = 31,
};

/* Characteristic/descriptor flags (low 7 bits: ATT properties). */
#define ZBLE_MP_FLAG_BROADCAST 0x0001
#define ZBLE_MP_FLAG_READ 0x0002
#define ZBLE_MP_FLAG_WRITE_NO_RESPONSE 0x0004
#define ZBLE_MP_FLAG_WRITE 0x0008
#define ZBLE_MP_FLAG_NOTIFY 0x0010
#define ZBLE_MP_FLAG_INDICATE 0x0020
#define ZBLE_MP_FLAG_AUTHENTICATED_SIGNED_WRITE 0x0040
#define ZBLE_MP_FLAG_AUX_WRITE 0x0100
#define ZBLE_MP_FLAG_READ_ENCRYPTED 0x0200
#define ZBLE_MP_FLAG_READ_AUTHENTICATED 0x0400
#define ZBLE_MP_FLAG_READ_AUTHORIZED 0x0800
#define ZBLE_MP_FLAG_WRITE_ENCRYPTED 0x1000
#define ZBLE_MP_FLAG_WRITE_AUTHENTICATED 0x2000
#define ZBLE_MP_FLAG_WRITE_AUTHORIZED 0x4000

#define ZBLE_MP_GATTS_OP_NOTIFY 1
#define ZBLE_MP_GATTS_OP_INDICATE 2
#define ZBLE_MP_WRITE_MODE_NO_RESPONSE 0
#define ZBLE_MP_WRITE_MODE_WITH_RESPONSE 1

#define ZBLE_MP_ADDR_MODE_PUBLIC 0
#define ZBLE_MP_ADDR_MODE_RANDOM 1
#define ZBLE_MP_ADDR_MODE_RPA 2
#define ZBLE_MP_ADDR_MODE_NRPA 3

#define ZBLE_MP_IO_DISPLAY_ONLY 0
#define ZBLE_MP_IO_DISPLAY_YESNO 1
#define ZBLE_MP_IO_KEYBOARD_ONLY 2
#define ZBLE_MP_IO_NO_INPUT_OUTPUT 3
#define ZBLE_MP_IO_KEYBOARD_DISPLAY 4

#define ZBLE_MP_PASSKEY_ACTION_NONE 0
#define ZBLE_MP_PASSKEY_ACTION_INPUT 2
#define ZBLE_MP_PASSKEY_ACTION_DISPLAY 3
#define ZBLE_MP_PASSKEY_ACTION_NUMERIC_COMPARISON 4

/* Secret types of GET/SET_SECRET (zble's own numbering; blob formats):
 *   1 OUR_SEC / 2 PEER_SEC: key = 7 bytes {addr_type, addr[6] big-endian}
 *     of the peer's identity; value = 1 byte version (1), 1 byte flags
 *     (bit0 authenticated, bit1 secure connections, bit2 has LTK, bit3 has
 *     IRK, bit4 has CSRK), 1 byte key size, 2 bytes EDIV (LE), 8 bytes Rand,
 *     16 bytes LTK, 16 bytes IRK, 16 bytes CSRK (76 bytes).
 *   10 OUR_IRK: key = none (index 0); value = 16 bytes IRK.
 * Not used until zble has SMP. */
#define ZBLE_MP_SECRET_OUR_SEC 1
#define ZBLE_MP_SECRET_PEER_SEC 2
#define ZBLE_MP_SECRET_OUR_IRK 10

/* ===== types ===== */

struct zble_mp_uuid {
	uint8_t type;     /* 2, 4 or 16: the length */
	uint8_t data[16]; /* little-endian */
};

/* One event. Which fields an event fills (others are zero), in the order
 * of its Python tuple:
 *   1,2,7,8 CONNECT/DISCONNECT: conn_handle, addr_type, addr.
 *       1/2 (CENTRAL_*): a central connected to us (we are peripheral);
 *       7/8 (PERIPHERAL_*): we connected to a peripheral. The address is
 *       the peer's identity address. A gap_connect that fails, times out
 *       or is cancelled gives 8 with conn_handle 0xFFFF, addr_type 0xFF
 *       and the address that was asked for.
 *   3 GATTS_WRITE, 4 GATTS_READ_REQUEST: conn_handle, handle.
 *       4 returns 0 to allow or an ATT error code to refuse.
 *   5 SCAN_RESULT: addr_type, addr, adv_type (0..4, 4 = SCAN_RSP), rssi,
 *       data/data_len.
 *   6 SCAN_DONE: nothing.
 *   9 GATTC_SERVICE_RESULT: conn_handle, handle (start), end_handle, uuid.
 *   11 GATTC_CHARACTERISTIC_RESULT: conn_handle, end_handle, handle (value
 *       handle), properties, uuid.
 *   13 GATTC_DESCRIPTOR_RESULT: conn_handle, handle, uuid.
 *   10,12,14 *_DONE: conn_handle, status.
 *   15 READ_RESULT, 18 NOTIFY, 19 INDICATE: conn_handle, handle, data
 *       (one contiguous buffer).
 *   16 READ_DONE, 17 WRITE_DONE, 20 GATTS_INDICATE_DONE: conn_handle,
 *       handle, status.
 *   21 MTU_EXCHANGED: conn_handle, mtu.
 *   22 L2CAP_ACCEPT, 23 L2CAP_CONNECT: conn_handle, cid, psm, our_mtu,
 *       peer_mtu. 22 returns 0 to accept, non-zero to refuse. It comes
 *       when the peer's connection request arrives, before the answer:
 *       a refusal answers the request with "no resources" (the peer's
 *       connect fails with L2CAP_DISCONNECT status 4) and no further
 *       events follow here. cid is our (source) CID, the one the channel
 *       gets if accepted.
 *   24 L2CAP_DISCONNECT: conn_handle, cid, psm, status.
 *   25 L2CAP_RECV: conn_handle, cid.
 *   26 L2CAP_SEND_READY: conn_handle, cid, status.
 *   27 CONNECTION_UPDATE: conn_handle, conn_interval, conn_latency,
 *       supervision_timeout, status.
 *   28 ENCRYPTION_UPDATE: conn_handle, encrypted, authenticated, bonded,
 *       key_size.
 *   29 GET_SECRET: sec_type, index, key (NULL: the index-th entry).
 *       Returns non-zero when found, with the value in out_value/out_len
 *       (valid until the upcall returns: the core copies it at once).
 *   30 SET_SECRET: sec_type, key, data (NULL: delete). Returns non-zero
 *       on success.
 *   31 PASSKEY_ACTION: conn_handle, action, passkey.
 * status values: 0 success. GATT client *_DONE, READ_DONE, WRITE_DONE and
 * GATTS_INDICATE_DONE: 0x100 + the ATT error code (as NimBLE reports ATT
 * errors); a lost link or a transaction timeout is 0x100 + 0x0e
 * (Unlikely Error). L2CAP_DISCONNECT: 0 after a disconnection, else the
 * peer's refusal result, or 0xFFFF when the attempt failed otherwise
 * (timeout, lost link). CONNECTION_UPDATE: 0. */
struct zble_mp_event {
	uint8_t code; /* ZBLE_MP_IRQ_* */
	uint16_t conn_handle;
	uint8_t addr_type;
	uint8_t addr[6]; /* big-endian */
	uint16_t handle;
	uint16_t end_handle;
	uint8_t properties;
	uint8_t adv_type;
	int8_t rssi;
	uint16_t status;
	uint16_t mtu;
	uint16_t cid, psm, our_mtu, peer_mtu;
	uint16_t conn_interval, conn_latency, supervision_timeout;
	bool encrypted, authenticated, bonded;
	uint8_t key_size;
	uint8_t sec_type, index, action;
	uint32_t passkey;
	const uint8_t *key; /* GET/SET_SECRET */
	size_t key_len;
	const uint8_t *data; /* adv data, values, SET_SECRET value */
	size_t data_len;
	struct zble_mp_uuid uuid;
	/* GET_SECRET answer (set by the upcall). */
	const uint8_t *out_value;
	size_t out_len;
};

/* What the shim provides. */
struct zble_mp_port {
	/* active(True): bring up the transport and hand over an initialised
	 * host bound to its kernel, not enabled. 0 or a positive errno
	 * (reported as is; ZBLE_MP_EIO for "could not open"). */
	int (*open)(void *ctx, struct zble_host **host);
	/* After bt_disable (active(False), deinit, or a failed enable):
	 * deinit the host and the transport. */
	void (*close)(void *ctx, struct zble_host *host);
	/* Every event (see struct zble_mp_event). Runs with the host lock
	 * held; may call the core. May be NULL (events dropped, read
	 * requests allowed, L2CAP accepted). */
	int (*irq)(void *ctx, struct zble_mp_event *ev);
	/* Optional: brackets the upcalls of one step of one operation (a read's
	 * READ_RESULT and READ_DONE, a discovery's last result and its DONE).
	 * MicroPython delivers those in one scheduler pass, so its programs
	 * never see the first without the second: a shim whose application
	 * runs on another thread keeps it out in between (the CPython module
	 * holds the GIL). Pairs nest; begin true, then false. */
	void (*irq_batch)(void *ctx, bool begin);
};

/* ---- internal state (read nothing here: use the functions) ---- */

struct zble_mp;

/* A stored attribute value. */
struct zble_mp_value {
	uint16_t handle;
	uint16_t off, len, cap; /* bytes in the arena */
	bool append;
};

struct zble_mp_chr {
	struct zble_mp *mp;
	struct bt_gatt_chrc chrc; /* declaration value */
	uint16_t value_handle;
	uint16_t flags;
	int8_t ccc; /* index in cccs, -1: none */
};

struct zble_mp_gattc_op {
	struct zble_mp *mp;
	uint8_t kind; /* 0 free, else internal */
	uint16_t conn_handle;
	uint16_t handle;       /* value handle (read/write) */
	uint16_t end_handle;   /* discovery range end */
	bool have_pending;     /* characteristic held back for its end handle */
	struct zble_mp_event pending;
	union bt_uuid_any uuid;
	union {
		struct bt_gatt_discover_params discover;
		struct bt_gatt_read_params read;
		struct bt_gatt_write_params write;
		struct bt_gatt_exchange_params exchange;
	} p;
	uint16_t len;
	uint8_t buf[ZBLE_MP_VALUE_MAX];
};

struct zble_mp_ind {
	struct zble_mp *mp;
	bool used;
	uint16_t conn_handle, value_handle;
	struct bt_gatt_indicate_params params;
};

struct zble_mp_conn {
	struct bt_conn *conn; /* referenced; NULL: free slot */
	uint16_t handle;
	bool central_role;    /* we are the central */
	uint8_t addr_type;
	uint8_t addr[6];      /* big-endian */
	struct zble_mp_gattc_op ops[ZBLE_MP_GATTC_OPS];
	struct zble_mp_ind inds[ZBLE_MP_IND_SLOTS];
};

struct zble_mp_l2cap {
	struct zble_mp *mp;
	struct bt_l2cap_le_chan chan;
	struct bt_l2cap_server server;
	bool listening, in_use, connected, stalled, accepted;
	bool in_recv; /* inside ops->recv: a drained SDU is returned from there */
	uint8_t tx_out; /* SDUs queued, not yet sent */
	uint16_t conn_handle;
	uint16_t mtu; /* ours */
	struct net_buf *rx;  /* SDU being drained by recvinto (credits owed) */
	uint16_t rx_off;
	struct net_buf_pool rx_pool, tx_pool;
	NET_BUF_POOL_STORAGE(1, ZBLE_MP_L2CAP_MTU_MAX, 0) rx_mem;
	NET_BUF_POOL_STORAGE(ZBLE_MP_L2CAP_TX_BUFS, BT_L2CAP_SDU_CHAN_SEND_RESERVE + ZBLE_MP_L2CAP_MTU_MAX, 0) tx_mem;
};

struct zble_mp {
	const struct zble_mp_port *port;
	void *port_ctx;
	struct zble_host *host; /* while active */
	uint8_t state;          /* internal */
	uint32_t upcall_depth;  /* >0 while an upcall runs */

	/* config (kept across active cycles) */
	uint8_t name[ZBLE_MP_GAP_NAME_MAX + 1];
	uint8_t name_len;
	uint16_t mtu;
	uint8_t io;
	bool bond, mitm, le_secure;
	uint8_t addr_mode;
	uint32_t enable_timeout_ms;

	/* host callbacks */
	struct bt_conn_cb conn_cb;
	struct bt_gatt_cb gatt_cb;
	struct k_sem enable_sem;
	int enable_err;

	/* advertising */
	bool advertising, adv_connectable;
	uint32_t adv_interval; /* 0.625 ms units */
	uint8_t adv_data[31], adv_len;
	uint8_t sr_data[31], sr_len;

	/* scanning */
	bool scanning;
	struct k_work_delayable scan_timer;

	/* connecting (central) */
	struct bt_conn *connecting;
	uint8_t connect_addr_type;
	uint8_t connect_addr[6];

	struct zble_mp_conn conns[ZBLE_MP_MAX_CONN];
	/* gap_disconnect's requests, sent from the host's queue (mp_gap.c) */
	struct k_work disc_work;
	bool disc_pending[ZBLE_MP_MAX_CONN];

	/* GATT server: registered services and their attributes */
	bool registering;
	uint16_t next_handle; /* where the next service added will start */
	uint8_t n_services;
	uint16_t n_attrs, n_chrs, n_cccs, n_values;
	struct bt_gatt_service services[ZBLE_MP_MAX_SERVICES];
	struct bt_gatt_attr attrs[ZBLE_MP_MAX_ATTRS];
	union bt_uuid_any uuids[ZBLE_MP_MAX_ATTRS];
	struct zble_mp_chr chrs[ZBLE_MP_MAX_CHRS];
	struct _bt_gatt_ccc cccs[ZBLE_MP_MAX_CCCS];
	struct zble_mp_value values[ZBLE_MP_MAX_VALUES];
	uint8_t *arena;
	size_t arena_size, arena_used;

	struct zble_mp_l2cap l2cap;

	/* hci_cmd */
	struct k_sem hci_sem;
	uint32_t hci_seq;
	uint8_t *hci_resp;
	size_t hci_resp_len;
	uint8_t hci_status;
	bool hci_waiting;
};

/* ===== lifecycle ===== */

/* Sets up mp (inactive) with the port and an arena for attribute values
 * (any size; 0 is allowed: then every value has capacity 0 and writes
 * fail with ENOMEM). 0 or ZBLE_MP_EINVAL (port or its open/close NULL). */
int zble_mp_init(struct zble_mp *mp, const struct zble_mp_port *port, void *port_ctx, uint8_t *arena,
		 size_t arena_size);
/* active(False) if active; mp may then be initialised again. */
void zble_mp_deinit(struct zble_mp *mp);

/* active(True): opens the host (port->open), enables it (ETIMEDOUT after
 * enable_timeout_ms without a controller), registers GAP and GATT,
 * applies gap_name, sets the address (public if the controller has one,
 * else a static random one). Called while already active it RESTARTS the
 * stack, as NimBLE does (active(False) then active(True)). active(False):
 * stops advertising and scanning (no SCAN_DONE), disables the host,
 * closes it; no events for the connections it drops. A no-op when off.
 * Refused with ZBLE_MP_EBUSY from inside an upcall or on a host/kernel
 * thread. */
int zble_mp_active(struct zble_mp *mp, bool active);
bool zble_mp_is_active(struct zble_mp *mp);
/* Test hook: the enable timeout in ms (default ZBLE_MP_ENABLE_TIMEOUT_MS). */
void zble_mp_set_enable_timeout(struct zble_mp *mp, uint32_t ms);

/* ===== config ===== */

/* config('mac'): *addr_type 0/1 and the BE address. ENODEV inactive. */
int zble_mp_get_mac(struct zble_mp *mp, uint8_t *addr_type, uint8_t addr[6]);
/* config(addr_mode=): ENODEV inactive; EINVAL for a mode above 3, and for
 * PUBLIC without a public address; EOPNOTSUPP for RPA/NRPA (no privacy
 * yet). RANDOM: 0 when the identity is already a static random address
 * (a controller without a public one); EOPNOTSUPP on a controller with a
 * public address (zble cannot switch identities yet). */
int zble_mp_set_addr_mode(struct zble_mp *mp, uint8_t mode);
/* config('gap_name'): works inactive; the pointer stays valid until the
 * next set. */
void zble_mp_get_gap_name(struct zble_mp *mp, const uint8_t **name, size_t *len);
/* config(gap_name=): works inactive, survives re-registration and
 * restarts; served by 0x2A00. EINVAL above ZBLE_MP_GAP_NAME_MAX bytes or
 * with a NUL byte. */
int zble_mp_set_gap_name(struct zble_mp *mp, const uint8_t *name, size_t len);
/* config('mtu') / config(mtu=): ENODEV inactive; set: EINVAL outside
 * 23..517. Default 256 (NimBLE's). Kept across restarts. */
int zble_mp_get_mtu(struct zble_mp *mp, uint16_t *mtu);
int zble_mp_set_mtu(struct zble_mp *mp, uint16_t mtu);
/* Pairing settings: stored (work inactive). io: EINVAL above 4. */
int zble_mp_set_io(struct zble_mp *mp, uint8_t io);
void zble_mp_set_bond(struct zble_mp *mp, bool on);
void zble_mp_set_mitm(struct zble_mp *mp, bool on);
void zble_mp_set_le_secure(struct zble_mp *mp, bool on);

/* ===== GAP ===== */

/* gap_advertise(interval_us, adv_data, resp_data, connectable): legacy
 * advertising, (re)started. adv/sr NULL: keep the previous payload; a
 * non-NULL pointer with length 0 clears it. Payloads are raw AD
 * structures ([len][type][data]...) of at most 31 bytes: EINVAL above 31
 * or when malformed. connectable: ADV_IND; otherwise ADV_SCAN_IND.
 * interval_us to 0.625 ms units (rounded down), min = max, clamped to
 * 20 ms..10.24 s. Advertising stops when a central connects. ENODEV. */
int zble_mp_gap_advertise_start(struct zble_mp *mp, bool connectable, int32_t interval_us, const uint8_t *adv,
				size_t adv_len, const uint8_t *sr, size_t sr_len);
/* gap_advertise(None): no-op when stopped. ENODEV. */
int zble_mp_gap_advertise_stop(struct zble_mp *mp);

/* gap_scan(duration_ms, interval_us, window_us, active): duration 0 =
 * forever; interval/window to 0.625 ms units clamped to 2.5 ms..10.24 s
 * (window <= interval). Every report is delivered (no duplicate filter).
 * Restarts a running scan (no SCAN_DONE for the old one). SCAN_DONE when
 * the duration ends or gap_scan(None) stops it. ENODEV; EBUSY while a
 * connection is being created. */
int zble_mp_gap_scan_start(struct zble_mp *mp, int32_t duration_ms, int32_t interval_us, int32_t window_us,
			   bool active_scan);
/* gap_scan(None): 0 when not scanning; SCAN_DONE when it stops one. */
int zble_mp_gap_scan_stop(struct zble_mp *mp);

/* gap_connect(addr_type, addr, scan_duration_ms, min_us, max_us): stops a
 * scan first (SCAN_DONE), then initiates; duration_ms is the connect
 * timeout (0: 2000); intervals 0 mean 30..50 ms (NimBLE's defaults).
 * The outcome: PERIPHERAL_CONNECT, or PERIPHERAL_DISCONNECT with handle
 * 0xFFFF/addr_type 0xFF/the asked address. ENODEV; EINVAL (addr_type >
 * 1, min > max, a peer already connected); EALREADY (a connect is in
 * progress); ENOMEM (no free connection). */
int zble_mp_gap_connect(struct zble_mp *mp, uint8_t addr_type, const uint8_t addr[6], int32_t duration_ms,
			int32_t min_conn_interval_us, int32_t max_conn_interval_us);
/* gap_connect(None): cancels; the failure event follows. 0 when nothing
 * is in progress. */
int zble_mp_gap_connect_cancel(struct zble_mp *mp);
/* ENOTCONN for an unknown or dead handle (Python: False). */
int zble_mp_gap_disconnect(struct zble_mp *mp, uint16_t conn_handle);
/* EOPNOTSUPP until zble has SMP (ENODEV, ENOTCONN first). */
int zble_mp_gap_pair(struct zble_mp *mp, uint16_t conn_handle);
/* EINVAL for an action other than 2, 3, 4; then EOPNOTSUPP (no SMP). */
int zble_mp_gap_passkey(struct zble_mp *mp, uint16_t conn_handle, uint8_t action, int32_t passkey);

/* ===== GATT server ===== */

/* gatts_register_services: begin drops every user service and value
 * (ENODEV; EOPNOTSUPP for append), service() adds one primary service,
 * end() registers them all. Handle layout (MicroPython/NimBLE): GAP
 * (1..5) and GATT (6..9) first, then per service: declaration, and per
 * characteristic: declaration, value, a CCCD right after the value when it
 * has NOTIFY or INDICATE, then its descriptors. handles (num_chrs + total
 * descriptors entries) receives, per characteristic, its value handle then
 * its descriptors' handles (no CCCDs): written by service(), valid once
 * end() returned 0. The descriptor arrays are flattened across the
 * characteristics; num_dscs[i] gives characteristic i's count (NULL: none).
 * Arrays are copied. E2BIG beyond ZBLE_MP_MAX_SERVICES services; ENOMEM
 * when the attribute tables or the arena are full; EINVAL for a bad UUID
 * type. Every value and user descriptor starts with capacity
 * ZBLE_MP_DEFAULT_ATTR_LEN and reads b''. */
int zble_mp_gatts_register_begin(struct zble_mp *mp, bool append);
int zble_mp_gatts_register_service(struct zble_mp *mp, const struct zble_mp_uuid *svc_uuid,
				   const struct zble_mp_uuid *chr_uuids, const uint16_t *chr_flags,
				   const struct zble_mp_uuid *dsc_uuids, const uint16_t *dsc_flags,
				   const uint8_t *num_dscs, size_t num_chrs, uint16_t *handles);
int zble_mp_gatts_register_end(struct zble_mp *mp);

/* gatts_read: copies up to cap bytes of the value into buf and sets *len
 * to the value's length. buf NULL: only *len. In append mode a read that
 * copied the whole value clears it. ENODEV; EINVAL unknown handle. */
int zble_mp_gatts_read(struct zble_mp *mp, uint16_t handle, uint8_t *buf, size_t cap, size_t *len);
/* gatts_write: replaces the value, growing its capacity when needed
 * (ENOMEM: arena full). send_update: every connected client subscribed to
 * it gets one notification (preferred) or indication. ENODEV; EINVAL. */
int zble_mp_gatts_write(struct zble_mp *mp, uint16_t handle, const uint8_t *data, size_t len, bool send_update);
/* gatts_notify / gatts_indicate (op 1/2) to one connection regardless of
 * its CCCD; data NULL sends the stored value, explicit data is not
 * stored. Truncated to ATT_MTU - 3. An indication later gives
 * GATTS_INDICATE_DONE. ENODEV, ENOTCONN, EINVAL (unknown handle or op),
 * ENOMEM (no buffer or indication slot now). */
int zble_mp_gatts_notify_indicate(struct zble_mp *mp, uint16_t conn_handle, uint16_t handle, int op,
				  const uint8_t *data, size_t len);
/* gatts_set_buffer: capacity len (cleared), append mode. ENODEV, EINVAL,
 * ENOMEM. */
int zble_mp_gatts_set_buffer(struct zble_mp *mp, uint16_t handle, size_t len, bool append);

/* ===== GATT client =====
 * Procedures queue per connection (ZBLE_MP_GATTC_OPS; more: EBUSY) and run
 * in order: overlapping calls are fine, unlike NimBLE's EALREADY/EBUSY.
 * ENODEV; ENOTCONN (unknown handle). */
int zble_mp_gattc_discover_services(struct zble_mp *mp, uint16_t conn_handle, const struct zble_mp_uuid *uuid);
/* end_handle of each result: the next declaration's handle - 1, or
 * end_handle for the last one (also with a UUID filter: the core filters,
 * so a result never stretches over skipped characteristics). EINVAL for
 * start 0 or start > end. */
int zble_mp_gattc_discover_characteristics(struct zble_mp *mp, uint16_t conn_handle, uint16_t start_handle,
					   uint16_t end_handle, const struct zble_mp_uuid *uuid);
/* start_handle is exclusive (the characteristic's value handle): every
 * attribute start+1..end is reported. start == end: DESCRIPTOR_DONE at
 * once, from inside the call; start > end: EINVAL. */
int zble_mp_gattc_discover_descriptors(struct zble_mp *mp, uint16_t conn_handle, uint16_t start_handle,
				       uint16_t end_handle);
/* READ_RESULT (whole value, long reads gathered) then READ_DONE. */
int zble_mp_gattc_read(struct zble_mp *mp, uint16_t conn_handle, uint16_t handle);
/* mode 0: Write Command (no event; ENOMEM when no buffer now), mode 1:
 * Write Request (WRITE_DONE); else EINVAL. data is truncated to
 * ATT_MTU - 3. */
int zble_mp_gattc_write(struct zble_mp *mp, uint16_t conn_handle, uint16_t handle, const uint8_t *data, size_t len,
			unsigned mode);
/* MTU_EXCHANGED on both sides; EALREADY when this side exchanged before. */
int zble_mp_gattc_exchange_mtu(struct zble_mp *mp, uint16_t conn_handle);

/* ===== L2CAP credit-based channels (one channel in all, as NimBLE) ===== */

/* EALREADY when listening or a channel exists. mtu clamped to 23..
 * ZBLE_MP_L2CAP_MTU_MAX. Listening lasts until active(False). */
int zble_mp_l2cap_listen(struct zble_mp *mp, uint16_t psm, uint16_t mtu);
int zble_mp_l2cap_connect(struct zble_mp *mp, uint16_t conn_handle, uint16_t psm, uint16_t mtu);
/* EINVAL for an unknown (conn_handle, cid). */
int zble_mp_l2cap_disconnect(struct zble_mp *mp, uint16_t conn_handle, uint16_t cid);
/* EINVAL above the peer's MTU, 2 x our MTU or ZBLE_MP_L2CAP_MTU_MAX;
 * ENOMEM when no buffer is free (wait for SEND_READY). *stalled: wait for
 * SEND_READY before sending again (ZBLE_MP_L2CAP_TX_BUFS SDUs queued). */
int zble_mp_l2cap_send(struct zble_mp *mp, uint16_t conn_handle, uint16_t cid, const uint8_t *buf, size_t len,
		       bool *stalled);
/* *len in: room in buf, out: bytes copied. buf NULL: *len = bytes
 * available. Credits go back once the SDU is drained. */
int zble_mp_l2cap_recvinto(struct zble_mp *mp, uint16_t conn_handle, uint16_t cid, uint8_t *buf, size_t *len);

/* ===== HCI ===== */

/* A raw command; the controller's status in *status, return parameters
 * after the status byte in resp (up to resp_len, *resp_len_out: bytes).
 * Returns ETIMEDOUT (or ENODEV) only when the controller did not answer;
 * EINVAL for req_len > 255 or ogf > 0x3f / ocf > 0x3ff; EBUSY from inside
 * an upcall. */
int zble_mp_hci_cmd(struct zble_mp *mp, uint16_t ogf, uint16_t ocf, const uint8_t *req, size_t req_len,
		    uint8_t *resp, size_t resp_len, size_t *resp_len_out, uint8_t *status);

#endif
