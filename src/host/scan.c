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

		struct net_buf_simple ad;
		net_buf_simple_init_with_data(&ad, (void *)data, dlen);
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
		if (host->scan.cb) {
			host->scan.cb(&addr, rssi, evt_type, &ad);
			net_buf_simple_init_with_data(&ad, (void *)data, dlen);
		}
		SYS_SLIST_FOR_EACH_NODE_SAFE(&host->scan.listeners, n, s) {
			struct bt_le_scan_cb *cb = CONTAINER_OF(n, struct bt_le_scan_cb, node);
			if (cb->recv) {
				cb->recv(&info, &ad);
				net_buf_simple_init_with_data(&ad, (void *)data, dlen);
			}
		}
	}
}

static void scan_enable_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)rp;
	(void)len;
	if (status == 0) {
		host->scan.enabled = arg != NULL;
	} else {
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
	} else if (host->scan.enabled) {
		err = -EALREADY;
	}
	if (err) {
		zble_api_exit(host);
		return err;
	}
	uint8_t cp[7];
	cp[0] = param->type;
	sys_put_le16(param->interval, cp + 1);
	sys_put_le16(param->window, cp + 3);
	cp[5] = host->id_addr.type; /* identity: no address change while advertising */
	cp[6] = (param->options & BT_LE_SCAN_OPT_FILTER_ACCEPT_LIST) ? 1 : 0;
	uint8_t en[2] = { 1, (param->options & BT_LE_SCAN_OPT_FILTER_DUPLICATE) ? 1 : 0 };

	struct zble_sync sync;
	zble_sync_init(&sync);
	struct zble_sync *s = zble_sync_or_null(host, &sync);
	host->scan.cb = cb;
	err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_SCAN_PARAM, cp, sizeof(cp), NULL, NULL, s);
	if (!err) {
		err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_SCAN_ENABLE, en, sizeof(en), scan_enable_done, host, s);
	}
	int werr = zble_sync_wait(host, s);
	zble_api_exit(host);
	return err ? err : werr;
}

int bt_le_scan_stop(void)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	if (!host->scan.enabled) {
		zble_api_exit(host);
		return -EALREADY;
	}
	uint8_t en[2] = { 0, 0 };
	struct zble_sync sync;
	zble_sync_init(&sync);
	struct zble_sync *s = zble_sync_or_null(host, &sync);
	int err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_SCAN_ENABLE, en, sizeof(en), scan_enable_done, NULL, s);
	int werr = zble_sync_wait(host, s);
	zble_api_exit(host);
	return err ? err : werr;
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
