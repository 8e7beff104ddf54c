/* The Bluetooth host API: enable, identity, advertising, scanning (Zephyr's
 * bluetooth/bluetooth.h subset). zble differences:
 * - The calls act on the host bound to the current kernel instance
 *   (zble/host.h: zble_host_init binds one).
 * - Calls that talk to the controller wait for it when the caller may block
 *   (application context). Called from a callback or work handler they queue
 *   the commands and return 0 at once; controller errors are then counted
 *   (zble_host stats) and logged instead of returned.
 * - With a controller that has LE Extended Advertising, the host uses the
 *   extended commands for everything (as Zephyr with CONFIG_BT_EXT_ADV):
 *   bt_le_adv_start runs an advertising set with legacy PDUs, scanning and
 *   connecting use the extended commands. zble_host_use_legacy_commands()
 *   forces the legacy commands. Extended advertising data is limited to
 *   251 bytes per set (one HCI command); fragmented extended reports are
 *   dropped (counted), not reassembled. */
#ifndef ZEPHYR_BLUETOOTH_BLUETOOTH_H
#define ZEPHYR_BLUETOOTH_BLUETOOTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zephyr/bluetooth/addr.h>
#include <zephyr/bluetooth/gap.h>
#include <zephyr/net_buf.h>
#include <zephyr/sys/util.h>

#ifndef CONFIG_BT_ID_MAX
#define CONFIG_BT_ID_MAX 1
#endif
#define BT_ID_DEFAULT 0

typedef void (*bt_ready_cb_t)(int err);

/* Brings the controller up. With cb NULL it waits (application context);
 * with cb it returns at once and cb(err) runs from the host context. */
int bt_enable(bt_ready_cb_t cb);
int bt_disable(void);
bool bt_is_ready(void);
/* The identity addresses (count in/out). */
void bt_id_get(bt_addr_le_t *addrs, size_t *count);
int bt_set_name(const char *name);
const char *bt_get_name(void);

/* ---- advertising data ---- */

struct bt_data {
	uint8_t type;
	uint8_t data_len;
	const uint8_t *data;
};

#define BT_DATA(_type, _data, _data_len) { .type = (_type), .data_len = (_data_len), .data = (const uint8_t *)(_data) }
#define BT_DATA_BYTES(_type, ...) \
	BT_DATA(_type, ((uint8_t[]){ __VA_ARGS__ }), sizeof((uint8_t[]){ __VA_ARGS__ }))

/* ---- advertising ---- */

enum {
	BT_LE_ADV_OPT_NONE = 0,
	BT_LE_ADV_OPT_CONNECTABLE = BIT(0),
	BT_LE_ADV_OPT_ONE_TIME = BIT(1),
	BT_LE_ADV_OPT_USE_IDENTITY = BIT(2),
	BT_LE_ADV_OPT_USE_NAME = BIT(3),
	BT_LE_ADV_OPT_DIR_MODE_LOW_DUTY = BIT(4),
	BT_LE_ADV_OPT_DIR_ADDR_RPA = BIT(5),
	BT_LE_ADV_OPT_FILTER_SCAN_REQ = BIT(6),
	BT_LE_ADV_OPT_FILTER_CONN = BIT(7),
	BT_LE_ADV_OPT_SCANNABLE = BIT(9),
	BT_LE_ADV_OPT_EXT_ADV = BIT(10),
};

struct bt_le_adv_param {
	uint8_t id;
	uint8_t sid;
	uint8_t secondary_max_skip;
	uint32_t options;
	uint32_t interval_min; /* 0.625 ms units */
	uint32_t interval_max;
	const bt_addr_le_t *peer; /* directed advertising when set */
};

#define BT_LE_ADV_PARAM_INIT(_options, _int_min, _int_max, _peer) \
	{ .id = BT_ID_DEFAULT, .sid = 0, .secondary_max_skip = 0, .options = (_options), \
	  .interval_min = (_int_min), .interval_max = (_int_max), .peer = (_peer) }
#define BT_LE_ADV_PARAM(_options, _int_min, _int_max, _peer) \
	((const struct bt_le_adv_param[]){ BT_LE_ADV_PARAM_INIT(_options, _int_min, _int_max, _peer) })
#define BT_LE_ADV_CONN BT_LE_ADV_PARAM(BT_LE_ADV_OPT_CONNECTABLE, BT_GAP_ADV_FAST_INT_MIN_2, BT_GAP_ADV_FAST_INT_MAX_2, NULL)
#define BT_LE_ADV_CONN_FAST_1 BT_LE_ADV_PARAM(BT_LE_ADV_OPT_CONNECTABLE, BT_GAP_ADV_FAST_INT_MIN_1, BT_GAP_ADV_FAST_INT_MAX_1, NULL)
#define BT_LE_ADV_NCONN BT_LE_ADV_PARAM(0, BT_GAP_ADV_FAST_INT_MIN_2, BT_GAP_ADV_FAST_INT_MAX_2, NULL)
#define BT_LE_ADV_SCAN BT_LE_ADV_PARAM(BT_LE_ADV_OPT_SCANNABLE, BT_GAP_ADV_FAST_INT_MIN_2, BT_GAP_ADV_FAST_INT_MAX_2, NULL)

int bt_le_adv_start(const struct bt_le_adv_param *param, const struct bt_data *ad, size_t ad_len,
		    const struct bt_data *sd, size_t sd_len);
int bt_le_adv_update_data(const struct bt_data *ad, size_t ad_len, const struct bt_data *sd, size_t sd_len);
int bt_le_adv_stop(void);

/* ---- extended advertising sets ---- */

#ifndef CONFIG_BT_EXT_ADV_MAX_ADV_SET
#define CONFIG_BT_EXT_ADV_MAX_ADV_SET 3
#endif

struct bt_le_ext_adv;
struct bt_conn;

struct bt_le_ext_adv_sent_info {
	uint8_t num_sent;
};

struct bt_le_ext_adv_connected_info {
	struct bt_conn *conn;
};

struct bt_le_ext_adv_cb {
	/* Advertising ended by its timeout or event count. */
	void (*sent)(struct bt_le_ext_adv *adv, struct bt_le_ext_adv_sent_info *info);
	/* The set produced a connection (and stopped). */
	void (*connected)(struct bt_le_ext_adv *adv, struct bt_le_ext_adv_connected_info *info);
};

struct bt_le_ext_adv_start_param {
	uint16_t timeout;   /* 10 ms units, 0: none */
	uint8_t num_events; /* 0: no limit */
};

#define BT_LE_EXT_ADV_START_PARAM_INIT(_timeout, _n_evts) { .timeout = (_timeout), .num_events = (_n_evts) }
#define BT_LE_EXT_ADV_START_PARAM(_timeout, _n_evts) \
	((const struct bt_le_ext_adv_start_param[]){ BT_LE_EXT_ADV_START_PARAM_INIT(_timeout, _n_evts) })
#define BT_LE_EXT_ADV_START_DEFAULT BT_LE_EXT_ADV_START_PARAM(0, 0)

struct bt_le_ext_adv_info {
	uint8_t id;
	int8_t tx_power;
	const bt_addr_le_t *addr;
};

/* -ENOTSUP when the controller has no extended advertising (or legacy
 * commands were forced); -ENOMEM when every set is in use. */
int bt_le_ext_adv_create(const struct bt_le_adv_param *param, const struct bt_le_ext_adv_cb *cb,
			 struct bt_le_ext_adv **adv);
int bt_le_ext_adv_set_data(struct bt_le_ext_adv *adv, const struct bt_data *ad, size_t ad_len,
			   const struct bt_data *sd, size_t sd_len);
int bt_le_ext_adv_update_param(struct bt_le_ext_adv *adv, const struct bt_le_adv_param *param);
int bt_le_ext_adv_start(struct bt_le_ext_adv *adv, const struct bt_le_ext_adv_start_param *param);
int bt_le_ext_adv_stop(struct bt_le_ext_adv *adv);
int bt_le_ext_adv_delete(struct bt_le_ext_adv *adv);
uint8_t bt_le_ext_adv_get_index(struct bt_le_ext_adv *adv);
int bt_le_ext_adv_get_info(const struct bt_le_ext_adv *adv, struct bt_le_ext_adv_info *info);

/* ---- scanning ---- */

enum {
	BT_LE_SCAN_OPT_NONE = 0,
	BT_LE_SCAN_OPT_FILTER_DUPLICATE = BIT(0),
	BT_LE_SCAN_OPT_FILTER_ACCEPT_LIST = BIT(1),
};

struct bt_le_scan_param {
	uint8_t type; /* BT_GAP_SCAN_TYPE_* */
	uint32_t options;
	uint16_t interval; /* 0.625 ms units */
	uint16_t window;
	uint16_t timeout;  /* 10 ms units, 0: none */
	uint16_t interval_coded;
	uint16_t window_coded;
};

#define BT_LE_SCAN_PARAM_INIT(_type, _options, _interval, _window) \
	{ .type = (_type), .options = (_options), .interval = (_interval), .window = (_window), .timeout = 0 }
#define BT_LE_SCAN_PARAM(_type, _options, _interval, _window) \
	((const struct bt_le_scan_param[]){ BT_LE_SCAN_PARAM_INIT(_type, _options, _interval, _window) })
#define BT_LE_SCAN_PASSIVE BT_LE_SCAN_PARAM(BT_GAP_SCAN_TYPE_PASSIVE, BT_LE_SCAN_OPT_FILTER_DUPLICATE, BT_GAP_SCAN_FAST_INTERVAL, BT_GAP_SCAN_FAST_WINDOW)
#define BT_LE_SCAN_ACTIVE BT_LE_SCAN_PARAM(BT_GAP_SCAN_TYPE_ACTIVE, BT_LE_SCAN_OPT_FILTER_DUPLICATE, BT_GAP_SCAN_FAST_INTERVAL, BT_GAP_SCAN_FAST_WINDOW)

struct bt_le_scan_recv_info {
	const bt_addr_le_t *addr;
	uint8_t sid;
	int8_t rssi;
	int8_t tx_power;
	uint8_t adv_type;
	uint16_t adv_props;
	uint16_t interval;
	uint8_t primary_phy;
	uint8_t secondary_phy;
};

struct bt_le_scan_cb {
	void (*recv)(const struct bt_le_scan_recv_info *info, struct net_buf_simple *buf);
	void (*timeout)(void);
	sys_snode_t node;
};

typedef void bt_le_scan_cb_t(const bt_addr_le_t *addr, int8_t rssi, uint8_t adv_type, struct net_buf_simple *buf);

int bt_le_scan_start(const struct bt_le_scan_param *param, bt_le_scan_cb_t cb);
int bt_le_scan_stop(void);
int bt_le_scan_cb_register(struct bt_le_scan_cb *cb);
void bt_le_scan_cb_unregister(struct bt_le_scan_cb *cb);

/* Parses advertising data: func is called per element until it returns false. */
void bt_data_parse(struct net_buf_simple *ad, bool (*func)(struct bt_data *data, void *user_data), void *user_data);

/* LE Secure Connections out-of-band data: random r and confirm c. */
struct bt_le_oob_sc_data {
	uint8_t r[16];
	uint8_t c[16];
};

struct bt_le_oob {
	bt_addr_le_t addr;
	struct bt_le_oob_sc_data le_sc_data;
};

/* Local out-of-band data for identity id (a fresh SC key pair's r, c). */
int bt_le_oob_get_local(uint8_t id, struct bt_le_oob *oob);

struct bt_bond_info {
	bt_addr_le_t addr;
};

/* Every bond of identity id (BT_ID_DEFAULT). */
void bt_foreach_bond(uint8_t id, void (*func)(const struct bt_bond_info *info, void *user_data), void *user_data);
/* Forgets the bond with addr (every bond if addr is NULL or BT_ADDR_LE_ANY),
 * disconnecting a link with that peer. */
int bt_unpair(uint8_t id, const bt_addr_le_t *addr);

#endif
