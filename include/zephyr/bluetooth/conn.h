/* Connections (Zephyr's bluetooth/conn.h subset). A struct bt_conn lives in
 * the host context's fixed pool (CONFIG_BT_MAX_CONN) and is reference
 * counted; callbacks get a borrowed reference. */
#ifndef ZEPHYR_BLUETOOTH_CONN_H
#define ZEPHYR_BLUETOOTH_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/slist.h>

struct bt_conn;

struct bt_le_conn_param {
	uint16_t interval_min; /* 1.25 ms units */
	uint16_t interval_max;
	uint16_t latency;
	uint16_t timeout; /* 10 ms units */
};

#define BT_LE_CONN_PARAM_INIT(i_min, i_max, lat, to) { .interval_min = (i_min), .interval_max = (i_max), .latency = (lat), .timeout = (to) }
#define BT_LE_CONN_PARAM(i_min, i_max, lat, to) ((struct bt_le_conn_param[]){ BT_LE_CONN_PARAM_INIT(i_min, i_max, lat, to) })
#define BT_LE_CONN_PARAM_DEFAULT BT_LE_CONN_PARAM(BT_GAP_INIT_CONN_INT_MIN, BT_GAP_INIT_CONN_INT_MAX, 0, 400)

enum {
	BT_CONN_LE_OPT_NONE = 0,
	BT_CONN_LE_OPT_CODED = BIT(0),
	BT_CONN_LE_OPT_NO_1M = BIT(1),
};

struct bt_conn_le_create_param {
	uint32_t options;
	uint16_t interval; /* scan interval while initiating, 0.625 ms units */
	uint16_t window;
	uint16_t interval_coded;
	uint16_t window_coded;
	uint16_t timeout; /* 10 ms units; 0: CONFIG_BT_CREATE_CONN_TIMEOUT */
};

#ifndef CONFIG_BT_CREATE_CONN_TIMEOUT
#define CONFIG_BT_CREATE_CONN_TIMEOUT 3 /* seconds */
#endif

#define BT_CONN_LE_CREATE_PARAM_INIT(_options, _interval, _window) \
	{ .options = (_options), .interval = (_interval), .window = (_window), .timeout = 0 }
#define BT_CONN_LE_CREATE_PARAM(_options, _interval, _window) \
	((struct bt_conn_le_create_param[]){ BT_CONN_LE_CREATE_PARAM_INIT(_options, _interval, _window) })
#define BT_CONN_LE_CREATE_CONN BT_CONN_LE_CREATE_PARAM(BT_CONN_LE_OPT_NONE, BT_GAP_SCAN_FAST_INTERVAL, BT_GAP_SCAN_FAST_INTERVAL)

enum bt_conn_type {
	BT_CONN_TYPE_LE = BIT(0),
	BT_CONN_TYPE_ALL = BT_CONN_TYPE_LE,
};

enum bt_conn_role {
	BT_CONN_ROLE_CENTRAL = 0,
	BT_CONN_ROLE_PERIPHERAL = 1,
};

enum bt_conn_state {
	BT_CONN_STATE_DISCONNECTED,
	BT_CONN_STATE_CONNECTING,
	BT_CONN_STATE_CONNECTED,
	BT_CONN_STATE_DISCONNECTING,
};

/* PHYs (BT_GAP_LE_PHY_*) of a link. */
struct bt_conn_le_phy_info {
	uint8_t tx_phy;
	uint8_t rx_phy;
};

enum {
	BT_CONN_LE_PHY_OPT_NONE = 0,
	BT_CONN_LE_PHY_OPT_CODED_S2 = BIT(0),
	BT_CONN_LE_PHY_OPT_CODED_S8 = BIT(1),
};

struct bt_conn_le_phy_param {
	uint16_t options;   /* BT_CONN_LE_PHY_OPT_* */
	uint8_t pref_tx_phy; /* bit field of BT_GAP_LE_PHY_* */
	uint8_t pref_rx_phy;
};

#define BT_CONN_LE_PHY_PARAM_INIT(_pref_tx_phy, _pref_rx_phy) \
	{ .options = BT_CONN_LE_PHY_OPT_NONE, .pref_tx_phy = (_pref_tx_phy), .pref_rx_phy = (_pref_rx_phy) }
#define BT_CONN_LE_PHY_PARAM(_pref_tx_phy, _pref_rx_phy) \
	((struct bt_conn_le_phy_param[]){ BT_CONN_LE_PHY_PARAM_INIT(_pref_tx_phy, _pref_rx_phy) })
#define BT_CONN_LE_PHY_PARAM_1M BT_CONN_LE_PHY_PARAM(BT_GAP_LE_PHY_1M, BT_GAP_LE_PHY_1M)
#define BT_CONN_LE_PHY_PARAM_2M BT_CONN_LE_PHY_PARAM(BT_GAP_LE_PHY_2M, BT_GAP_LE_PHY_2M)
#define BT_CONN_LE_PHY_PARAM_CODED BT_CONN_LE_PHY_PARAM(BT_GAP_LE_PHY_CODED, BT_GAP_LE_PHY_CODED)

/* Data length of a link (octets and µs of the largest LL payload). */
struct bt_conn_le_data_len_info {
	uint16_t tx_max_len;
	uint16_t tx_max_time;
	uint16_t rx_max_len;
	uint16_t rx_max_time;
};

struct bt_conn_le_data_len_param {
	uint16_t tx_max_len;
	uint16_t tx_max_time;
};

#define BT_GAP_DATA_LEN_DEFAULT 0x001b
#define BT_GAP_DATA_LEN_MAX 0x00fb
#define BT_GAP_DATA_TIME_DEFAULT 0x0148
#define BT_GAP_DATA_TIME_MAX 0x4290
#define BT_CONN_LE_DATA_LEN_PARAM_INIT(_tx_max_len, _tx_max_time) \
	{ .tx_max_len = (_tx_max_len), .tx_max_time = (_tx_max_time) }
#define BT_LE_DATA_LEN_PARAM(_tx_max_len, _tx_max_time) \
	((struct bt_conn_le_data_len_param[]){ BT_CONN_LE_DATA_LEN_PARAM_INIT(_tx_max_len, _tx_max_time) })
#define BT_LE_DATA_LEN_PARAM_DEFAULT BT_LE_DATA_LEN_PARAM(BT_GAP_DATA_LEN_DEFAULT, BT_GAP_DATA_TIME_DEFAULT)
/* 251 octets on the 1M PHY: 2120 µs. */
#define BT_LE_DATA_LEN_PARAM_MAX BT_LE_DATA_LEN_PARAM(BT_GAP_DATA_LEN_MAX, 0x0848)

struct bt_conn_le_info {
	const bt_addr_le_t *src;
	const bt_addr_le_t *dst;
	const bt_addr_le_t *local;
	const bt_addr_le_t *remote;
	uint16_t interval;
	uint16_t latency;
	uint16_t timeout;
	const struct bt_conn_le_phy_info *phy;
	const struct bt_conn_le_data_len_info *data_len;
};


/* Security levels of a link (Core Vol 3 Part C 10.2). */
typedef enum {
	BT_SECURITY_L0 = 0, /* BR/EDR only: no security */
	BT_SECURITY_L1 = 1, /* no encryption, no authentication */
	BT_SECURITY_L2 = 2, /* encryption, unauthenticated (Just Works) */
	BT_SECURITY_L3 = 3, /* encryption, authenticated (MITM) */
	BT_SECURITY_L4 = 4, /* LE Secure Connections, authenticated, 128-bit key */
	BT_SECURITY_FORCE_PAIR = BIT(7), /* or-ed into bt_conn_set_security: pair again even with a key */
} bt_security_t;

/* Why security could not be raised (security_changed, pairing_failed). */
enum bt_security_err {
	BT_SECURITY_ERR_SUCCESS,
	BT_SECURITY_ERR_AUTH_FAIL,
	BT_SECURITY_ERR_PIN_OR_KEY_MISSING,
	BT_SECURITY_ERR_OOB_NOT_AVAILABLE,
	BT_SECURITY_ERR_AUTH_REQUIREMENT,
	BT_SECURITY_ERR_PAIR_NOT_SUPPORTED,
	BT_SECURITY_ERR_PAIR_NOT_ALLOWED,
	BT_SECURITY_ERR_INVALID_PARAM,
	BT_SECURITY_ERR_KEY_REJECTED,
	BT_SECURITY_ERR_UNSPECIFIED,
};

/* Security of a link as bt_conn_get_info reports it. */
enum bt_security_flag {
	BT_SECURITY_FLAG_SC = BIT(0),  /* paired with LE Secure Connections */
	BT_SECURITY_FLAG_OOB = BIT(1), /* paired with out-of-band data */
};

struct bt_security_info {
	bt_security_t level;
	uint8_t enc_key_size;
	enum bt_security_flag flags;
};

struct bt_conn_info {
	enum bt_conn_type type;
	uint8_t role;
	uint8_t id;
	struct bt_conn_le_info le;
	enum bt_conn_state state;
	struct bt_security_info security;
};

struct bt_conn_cb {
	/* err is an HCI error code (0 = connected). */
	void (*connected)(struct bt_conn *conn, uint8_t err);
	void (*disconnected)(struct bt_conn *conn, uint8_t reason);
	bool (*le_param_req)(struct bt_conn *conn, struct bt_le_conn_param *param);
	void (*le_param_updated)(struct bt_conn *conn, uint16_t interval, uint16_t latency, uint16_t timeout);
	void (*le_phy_updated)(struct bt_conn *conn, struct bt_conn_le_phy_info *param);
	void (*le_data_len_updated)(struct bt_conn *conn, struct bt_conn_le_data_len_info *info);
	/* The link's security level changed, or raising it failed (err). */
	void (*security_changed)(struct bt_conn *conn, bt_security_t level, enum bt_security_err err);
	/* A peer using a resolvable private address was resolved to a bond's
	 * identity address. */
	void (*identity_resolved)(struct bt_conn *conn, const bt_addr_le_t *rpa, const bt_addr_le_t *identity);
	sys_snode_t _node;
};

struct bt_conn *bt_conn_ref(struct bt_conn *conn);
void bt_conn_unref(struct bt_conn *conn);
int bt_conn_cb_register(struct bt_conn_cb *cb);
int bt_conn_cb_unregister(struct bt_conn_cb *cb);
/* Starts a connection; *conn gets a reference. The outcome arrives in the
 * connected callback (err != 0 on failure, timeout or cancel). */
int bt_conn_le_create(const bt_addr_le_t *peer, const struct bt_conn_le_create_param *create_param,
		      const struct bt_le_conn_param *conn_param, struct bt_conn **conn);
/* Disconnects, or cancels a connection being created. */
int bt_conn_disconnect(struct bt_conn *conn, uint8_t reason);
int bt_conn_get_info(const struct bt_conn *conn, struct bt_conn_info *info);
const bt_addr_le_t *bt_conn_get_dst(const struct bt_conn *conn);
uint8_t bt_conn_index(const struct bt_conn *conn);
int bt_conn_le_param_update(struct bt_conn *conn, const struct bt_le_conn_param *param);
void bt_conn_foreach(enum bt_conn_type type, void (*func)(struct bt_conn *conn, void *data), void *data);
/* A new reference to the connection with that peer, or NULL. */
struct bt_conn *bt_conn_lookup_addr_le(uint8_t id, const bt_addr_le_t *peer);
bt_security_t bt_conn_get_security(const struct bt_conn *conn);
/* Asks the controller for another data length / PHY; the outcome arrives
 * in le_data_len_updated / le_phy_updated. -ENOTSUP when the controller
 * cannot. */
int bt_conn_le_data_len_update(struct bt_conn *conn, const struct bt_conn_le_data_len_param *param);
int bt_conn_le_phy_update(struct bt_conn *conn, const struct bt_conn_le_phy_param *param);
/* Encryption key size of the link in bytes, 0 when it is not encrypted. */
uint8_t bt_conn_enc_key_size(const struct bt_conn *conn);

/* Security Manager (Zephyr's conn.h security and authentication API). */

/* Raises the link's security: encrypts with a bond's key, else pairs (the
 * central sends a Pairing Request, the peripheral a Security Request).
 * The outcome arrives in security_changed. 0 when already at sec. */
int bt_conn_set_security(struct bt_conn *conn, bt_security_t sec);
/* Whether this link may bond (overrides bt_set_bondable for it). */
int bt_conn_set_bondable(struct bt_conn *conn, bool enable);
void bt_set_bondable(bool enable);

/* Pairing features of the peer's request (pairing_accept). */
struct bt_conn_pairing_feat {
	uint8_t io_capability;
	uint8_t oob_data_flag;
	uint8_t auth_req;
	uint8_t max_enc_key_size;
	uint8_t init_key_dist;
	uint8_t resp_key_dist;
};

struct bt_conn_oob_info {
	enum {
		BT_CONN_OOB_LE_LEGACY,
		BT_CONN_OOB_LE_SC,
	} type;
	union {
		struct {
			enum {
				BT_CONN_OOB_LOCAL_ONLY,
				BT_CONN_OOB_REMOTE_ONLY,
				BT_CONN_OOB_BOTH_PEERS,
				BT_CONN_OOB_NO_DATA,
			} oob_config;
		} lesc;
	};
};

/* The application's part in pairing. The IO capabilities follow from
 * which callbacks are set: display only (passkey_display), keyboard
 * (passkey_entry), display + yes/no (passkey_display + passkey_confirm),
 * keyboard + display (all three), none (Just Works only). */
struct bt_conn_auth_cb {
	/* Accept or refuse a pairing before it starts (NULL: accept). */
	enum bt_security_err (*pairing_accept)(struct bt_conn *conn, const struct bt_conn_pairing_feat *const feat);
	void (*passkey_display)(struct bt_conn *conn, unsigned int passkey);
	void (*passkey_entry)(struct bt_conn *conn);
	void (*passkey_confirm)(struct bt_conn *conn, unsigned int passkey);
	void (*oob_data_request)(struct bt_conn *conn, struct bt_conn_oob_info *info);
	void (*cancel)(struct bt_conn *conn);
	/* Just Works pairing waits for bt_conn_auth_pairing_confirm. */
	void (*pairing_confirm)(struct bt_conn *conn);
};

struct bt_conn_auth_info_cb {
	void (*pairing_complete)(struct bt_conn *conn, bool bonded);
	void (*pairing_failed)(struct bt_conn *conn, enum bt_security_err reason);
	void (*bond_deleted)(uint8_t id, const bt_addr_le_t *peer);
	sys_snode_t node;
};

/* NULL unregisters; -EALREADY when another is registered. */
int bt_conn_auth_cb_register(const struct bt_conn_auth_cb *cb);
int bt_conn_auth_info_cb_register(struct bt_conn_auth_info_cb *cb);
int bt_conn_auth_info_cb_unregister(struct bt_conn_auth_info_cb *cb);
int bt_conn_auth_passkey_entry(struct bt_conn *conn, unsigned int passkey);
int bt_conn_auth_passkey_confirm(struct bt_conn *conn);
int bt_conn_auth_cancel(struct bt_conn *conn);
int bt_conn_auth_pairing_confirm(struct bt_conn *conn);

#define BT_PASSKEY_INVALID 0xffffffff
/* A fixed passkey for every pairing that displays one (tests, devices
 * with a printed code); BT_PASSKEY_INVALID returns to random passkeys. */
int bt_passkey_set(unsigned int passkey);

/* Out-of-band data for a pairing in progress (oob_data_request). */
int bt_le_oob_set_legacy_tk(struct bt_conn *conn, const uint8_t *tk);
int bt_le_oob_set_sc_data(struct bt_conn *conn, const struct bt_le_oob_sc_data *oobd_local,
			  const struct bt_le_oob_sc_data *oobd_remote);
int bt_le_oob_get_sc_data(struct bt_conn *conn, const struct bt_le_oob_sc_data **oobd_local,
			  const struct bt_le_oob_sc_data **oobd_remote);
void bt_le_oob_set_sc_flag(bool enable);
void bt_le_oob_set_legacy_flag(bool enable);

const char *bt_security_err_to_str(enum bt_security_err err);

#endif
