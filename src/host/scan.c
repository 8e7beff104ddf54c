/* Legacy scanning and advertising reports. Reports arrive from the
 * discardable pool (P4): under bursts some are dropped and counted, never
 * a connection or command event. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"

static uint16_t props_of(uint8_t evt_type)
{
	switch (evt_type) {
	case BT_GAP_ADV_TYPE_ADV_IND:
		return BT_GAP_ADV_PROP_CONNECTABLE | BT_GAP_ADV_PROP_SCANNABLE;
	case BT_GAP_ADV_TYPE_ADV_DIRECT_IND:
		return BT_GAP_ADV_PROP_CONNECTABLE | BT_GAP_ADV_PROP_DIRECTED;
	case BT_GAP_ADV_TYPE_ADV_SCAN_IND:
		return BT_GAP_ADV_PROP_SCANNABLE;
	case BT_GAP_ADV_TYPE_SCAN_RSP:
		return BT_GAP_ADV_PROP_SCAN_RESPONSE | BT_GAP_ADV_PROP_SCANNABLE;
	default:
		return 0;
	}
}

/* One report to the legacy callback and every listener. */
static void deliver(struct zble_host *host, const struct bt_le_scan_recv_info *info, const uint8_t *data, uint16_t dlen)
{
	struct net_buf_simple ad;
	net_buf_simple_init_with_data(&ad, (void *)data, dlen);
	if (host->scan.cb) {
		host->scan.cb(info->addr, info->rssi, info->adv_type, &ad);
		net_buf_simple_init_with_data(&ad, (void *)data, dlen);
	}
	SYS_SLIST_FOR_EACH_NODE_SAFE(&host->scan.listeners, n, s) {
		struct bt_le_scan_cb *cb = CONTAINER_OF(n, struct bt_le_scan_cb, node);
		if (cb->recv) {
			cb->recv(info, &ad);
			net_buf_simple_init_with_data(&ad, (void *)data, dlen);
		}
	}
}

void zble_scan_evt_adv_report(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 1) {
		host->stats.malformed++;
		return;
	}
	uint8_t num = p[0];
	size_t off = 1;
	for (uint8_t i = 0; i < num; i++) {
		/* type, address type, address, data length, data, RSSI */
		if (off + 9 > len || off + 9u + p[off + 8] + 1 > len) {
			host->stats.malformed++;
			return;
		}
		uint8_t evt_type = p[off];
		bt_addr_le_t addr = { .type = p[off + 1] };
		memcpy(addr.a.val, p + off + 2, 6);
		uint8_t dlen = p[off + 8];
		const uint8_t *data = p + off + 9;
		int8_t rssi = (int8_t)data[dlen];
		off += 9u + dlen + 1;
		if (evt_type > BT_GAP_ADV_TYPE_SCAN_RSP || !host->scan.enabled) {
			continue;
		}

		struct bt_le_scan_recv_info info = {
			.addr = &addr,
			.sid = 0xff,
			.rssi = rssi,
			.tx_power = BT_GAP_TX_POWER_INVALID,
			.adv_type = evt_type,
			.adv_props = props_of(evt_type),
			.primary_phy = BT_GAP_LE_PHY_1M,
			.secondary_phy = BT_GAP_LE_PHY_NONE,
		};
		deliver(host, &info, data, dlen);
	}
}

/* Legacy PDUs in an extended report: their event type bits, as the legacy
 * advertising report's type. */
static uint8_t legacy_type(uint16_t evt)
{
	if (evt & BIT(3)) {
		return BT_GAP_ADV_TYPE_SCAN_RSP;
	}
	if (evt & BIT(2)) {
		return BT_GAP_ADV_TYPE_ADV_DIRECT_IND;
	}
	if (evt & BIT(0)) {
		return BT_GAP_ADV_TYPE_ADV_IND;
	}
	return (evt & BIT(1)) ? BT_GAP_ADV_TYPE_ADV_SCAN_IND : BT_GAP_ADV_TYPE_ADV_NONCONN_IND;
}

#define DATA_COMPLETE 0
#define DATA_MORE 1

/* Adds a report fragment to the chain; true when data/dlen now hold a
 * whole advertisement to deliver. One chain at a time: a fragment of
 * another advertiser or set ends the current chain (lost, counted). */
static bool chain_add(struct zble_host *host, const bt_addr_le_t *addr, uint8_t sid, uint8_t status,
		      const uint8_t **data, uint16_t *dlen)
{
	struct zble_scan_chain *c = &host->scan.chain;
	bool same = c->active && c->sid == sid && bt_addr_le_eq(&c->addr, addr);
	if (c->active && !same) {
		host->stats.ext_reports_dropped++;
		c->active = false;
	}
	if (!c->active) {
		if (status == DATA_COMPLETE) {
			return true; /* a whole advertisement in one report */
		}
		if (status != DATA_MORE) {
			host->stats.ext_reports_dropped++; /* truncated, nothing kept */
			return false;
		}
		*c = (struct zble_scan_chain){ .sid = sid, .active = true };
		bt_addr_le_copy(&c->addr, addr);
	}
	if (!c->overflow && c->len + *dlen <= sizeof(c->data)) {
		memcpy(c->data + c->len, *data, *dlen);
		c->len = (uint16_t)(c->len + *dlen);
	} else {
		c->overflow = true;
	}
	if (status == DATA_MORE) {
		return false;
	}
	c->active = false;
	if (status != DATA_COMPLETE || c->overflow) {
		host->stats.ext_reports_dropped++; /* truncated by the controller, or longer than our buffer */
		return false;
	}
	*data = c->data;
	*dlen = c->len;
	return true;
}

void zble_scan_evt_ext_adv_report(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 1) {
		host->stats.malformed++;
		return;
	}
	uint8_t num = p[0];
	size_t off = 1;
	for (uint8_t i = 0; i < num; i++) {
		/* event type(2) addr type, addr(6), PHYs(2), SID, TX power, RSSI,
		 * periodic interval(2), direct addr type + addr(7), length, data */
		if (off + 24 > len || off + 24u + p[off + 23] > len) {
			host->stats.malformed++;
			return;
		}
		const uint8_t *r = p + off;
		uint16_t evt = sys_get_le16(r);
		const uint8_t *data = r + 24;
		uint16_t dlen = r[23];
		off += 24u + dlen;
		if (!host->scan.enabled) {
			continue;
		}
		bt_addr_le_t addr = { .type = r[2] };
		memcpy(addr.a.val, r + 3, 6);
		if (!chain_add(host, &addr, r[11], (evt >> 5) & 0x3, &data, &dlen)) {
			continue;
		}
		bool legacy = evt & BIT(4);
		uint16_t props = evt & 0x0f;
		if (!legacy) {
			props |= BT_GAP_ADV_PROP_EXT_ADV;
		}
		struct bt_le_scan_recv_info info = {
			.addr = &addr,
			.sid = r[11],
			.tx_power = (int8_t)r[12],
			.rssi = (int8_t)r[13],
			.adv_type = legacy ? legacy_type(evt) : BT_GAP_ADV_TYPE_EXT_ADV,
			.adv_props = props,
			.interval = sys_get_le16(r + 14),
			.primary_phy = zble_hci_phy_to_gap(r[9]),
			.secondary_phy = zble_hci_phy_to_gap(r[10]),
		};
		deliver(host, &info, data, dlen);
	}
}

static void scan_enable_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)rp;
	(void)len;
	/* Unanswered: assume it took effect, so a later stop still sends the
	 * disable (which a controller that is not scanning accepts). */
	bool intent = arg != NULL;
	if (status == 0 || status == ZBLE_HCI_STATUS_TIMEOUT) {
		host->scan.enabled = intent;
	} else if (host->scan.want == intent) {
		host->scan.want = !intent; /* refused, and no later command changed it */
	}
	if (status) {
		host->stats.async_errors++;
	}
}

int bt_le_scan_start(const struct bt_le_scan_param *param, bt_le_scan_cb_t cb)
{
	if (!param || param->type > BT_GAP_SCAN_TYPE_ACTIVE || param->interval < 4 || param->interval > 0x4000 ||
	    param->window < 4 || param->window > param->interval) {
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	int err = 0;
	if (!host->ready) {
		err = -EAGAIN;
	} else if (host->scan.want) {
		err = -EALREADY;
	}
	if (err) {
		zble_api_exit(host);
		return err;
	}
	uint8_t own = host->id_addr.type; /* identity: no address change while advertising */
	uint8_t filter = (param->options & BT_LE_SCAN_OPT_FILTER_ACCEPT_LIST) ? 1 : 0;
	uint8_t dup = (param->options & BT_LE_SCAN_OPT_FILTER_DUPLICATE) ? 1 : 0;
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	host->scan.cb = cb;
	if (host->ext) {
		uint8_t cp[8] = { own, filter, BIT(0), param->type };
		sys_put_le16(param->interval, cp + 4);
		sys_put_le16(param->window, cp + 6);
		uint8_t en[6] = { 1, dup };
		sys_put_le16(param->timeout, en + 2);
		err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_EXT_SCAN_PARAM, cp, sizeof(cp), NULL, NULL, s);
		if (!err) {
			err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_EXT_SCAN_ENABLE, en, sizeof(en), scan_enable_done,
						host, s);
		}
	} else {
		uint8_t cp[7];
		cp[0] = param->type;
		sys_put_le16(param->interval, cp + 1);
		sys_put_le16(param->window, cp + 3);
		cp[5] = own;
		cp[6] = filter;
		uint8_t en[2] = { 1, dup };
		err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_SCAN_PARAM, cp, sizeof(cp), NULL, NULL, s);
		if (!err) {
			err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_SCAN_ENABLE, en, sizeof(en), scan_enable_done,
						host, s);
		}
	}
	if (!err) {
		host->scan.want = true;
	}
	return zble_api_finish(host, s, err);
}

int bt_le_scan_stop(void)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	if (!host->scan.want) {
		zble_api_exit(host);
		return -EALREADY;
	}
	uint8_t en[6] = { 0 };
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	/* Disabling what is already off is harmless; some controllers say
	 * Command Disallowed. */
	int err = host->ext ? zble_hci_cmd_send_ok(host, BT_HCI_OP_LE_SET_EXT_SCAN_ENABLE, en, 6, scan_enable_done,
						   NULL, s, BT_HCI_ERR_CMD_DISALLOWED)
			    : zble_hci_cmd_send_ok(host, BT_HCI_OP_LE_SET_SCAN_ENABLE, en, 2, scan_enable_done, NULL, s,
						   BT_HCI_ERR_CMD_DISALLOWED);
	if (!err) {
		host->scan.want = false;
	}
	return zble_api_finish(host, s, err);
}

int bt_le_scan_cb_register(struct bt_le_scan_cb *cb)
{
	struct zble_host *host = zble_api_enter();
	if (!host || !cb) {
		if (host) {
			zble_api_exit(host);
		}
		return -EINVAL;
	}
	int err = sys_slist_find_and_remove(&host->scan.listeners, &cb->node) ? -EEXIST : 0;
	sys_slist_append(&host->scan.listeners, &cb->node);
	zble_api_exit(host);
	return err;
}

void bt_le_scan_cb_unregister(struct bt_le_scan_cb *cb)
{
	struct zble_host *host = zble_api_enter();
	if (host) {
		sys_slist_find_and_remove(&host->scan.listeners, &cb->node);
		zble_api_exit(host);
	}
}

void bt_data_parse(struct net_buf_simple *ad, bool (*func)(struct bt_data *data, void *user_data), void *user_data)
{
	while (ad->len > 1) {
		uint8_t len = net_buf_simple_pull_u8(ad);
		if (len == 0) {
			return; /* early termination */
		}
		if (len > ad->len) {
			return; /* malformed: stop, never read past the end */
		}
		struct bt_data data = { .type = ad->data[0], .data_len = (uint8_t)(len - 1), .data = ad->data + 1 };
		if (!func(&data, user_data)) {
			return;
		}
		net_buf_simple_pull(ad, len);
	}
}
