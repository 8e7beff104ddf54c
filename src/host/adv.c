/* Legacy advertising. The advertiser is not a pending connection object:
 * a peripheral connection complete is matched to it by role (conn.c). */
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"

#define ADV_DATA_MAX 31

/* Packs AD structures into the 31-byte legacy payload (first byte: len). */
static int pack_ad(const struct bt_data *ad, size_t ad_len, uint8_t out[1 + ADV_DATA_MAX], const char *name)
{
	uint8_t *p = out + 1;
	size_t used = 0;
	memset(out, 0, 1 + ADV_DATA_MAX);
	for (size_t i = 0; i < ad_len; i++) {
		if (!ad[i].data && ad[i].data_len) {
			return -EINVAL;
		}
		if (used + 2u + ad[i].data_len > ADV_DATA_MAX) {
			return -EINVAL;
		}
		p[used++] = (uint8_t)(ad[i].data_len + 1);
		p[used++] = ad[i].type;
		if (ad[i].data_len) {
			memcpy(p + used, ad[i].data, ad[i].data_len);
		}
		used += ad[i].data_len;
	}
	if (name) {
		/* BT_LE_ADV_OPT_USE_NAME: complete name, or shortened to fit. */
		size_t n = strlen(name);
		if (used + 2 >= ADV_DATA_MAX) {
			return -EINVAL;
		}
		size_t room = ADV_DATA_MAX - used - 2;
		uint8_t type = n <= room ? BT_DATA_NAME_COMPLETE : BT_DATA_NAME_SHORTENED;
		n = MIN(n, room);
		p[used++] = (uint8_t)(n + 1);
		p[used++] = type;
		memcpy(p + used, name, n);
		used += n;
	}
	out[0] = (uint8_t)used;
	return 0;
}

static void adv_enable_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)rp;
	(void)len;
	bool enable = arg != NULL;
	if (status == 0) {
		host->adv.enabled = enable;
	} else {
		host->stats.async_errors++;
	}
}

static int queue_data(struct zble_host *host, const struct bt_data *ad, size_t ad_len, const struct bt_data *sd,
		      size_t sd_len, const char *name, struct zble_sync *s)
{
	uint8_t adv[1 + ADV_DATA_MAX], scan[1 + ADV_DATA_MAX];
	int err = pack_ad(ad, ad_len, adv, name);
	if (!err) {
		err = pack_ad(sd, sd_len, scan, NULL);
	}
	if (!err) {
		err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_ADV_DATA, adv, sizeof(adv), NULL, NULL, s);
	}
	if (!err) {
		err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_SCAN_RSP_DATA, scan, sizeof(scan), NULL, NULL, s);
	}
	return err;
}

int bt_le_adv_start(const struct bt_le_adv_param *param, const struct bt_data *ad, size_t ad_len,
		    const struct bt_data *sd, size_t sd_len)
{
	if (!param || (ad_len && !ad) || (sd_len && !sd) || param->id >= CONFIG_BT_ID_MAX ||
	    (param->options & BT_LE_ADV_OPT_EXT_ADV)) {
		return -EINVAL;
	}
	bool directed = param->peer != NULL;
	bool connectable = (param->options & BT_LE_ADV_OPT_CONNECTABLE) || directed;
	bool scannable = (param->options & BT_LE_ADV_OPT_SCANNABLE) || sd_len > 0;
	if (!directed && (param->interval_min < 0x20 || param->interval_max > 0x4000 ||
			  param->interval_min > param->interval_max)) {
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	int err = 0;
	if (!host->ready) {
		err = -EAGAIN;
	} else if (host->adv.enabled) {
		err = -EALREADY;
	}
	if (err) {
		zble_api_exit(host);
		return err;
	}

	uint8_t cp[15];
	sys_put_le16((uint16_t)(directed ? 0x20 : param->interval_min), cp);
	sys_put_le16((uint16_t)(directed ? 0x20 : param->interval_max), cp + 2);
	if (directed) {
		cp[4] = (param->options & BT_LE_ADV_OPT_DIR_MODE_LOW_DUTY) ? 0x04 : 0x01;
	} else if (connectable) {
		cp[4] = 0x00; /* ADV_IND */
	} else {
		cp[4] = scannable ? 0x02 : 0x03; /* ADV_SCAN_IND / ADV_NONCONN_IND */
	}
	/* The identity address: never changed while advertising or scanning. */
	cp[5] = host->id_addr.type;
	cp[6] = directed ? param->peer->type : 0;
	memset(cp + 7, 0, 6);
	if (directed) {
		memcpy(cp + 7, param->peer->a.val, 6);
	}
	cp[13] = 0x07; /* all three primary channels */
	cp[14] = (uint8_t)(((param->options & BT_LE_ADV_OPT_FILTER_SCAN_REQ) ? 1 : 0) |
			   ((param->options & BT_LE_ADV_OPT_FILTER_CONN) ? 2 : 0));

	struct zble_sync sync;
	zble_sync_init(&sync);
	struct zble_sync *s = zble_sync_or_null(host, &sync);
	uint8_t enable = 1;
	const char *name = (param->options & BT_LE_ADV_OPT_USE_NAME) ? host->name : NULL;
	err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_ADV_PARAM, cp, sizeof(cp), NULL, NULL, s);
	if (!err && !directed) {
		err = queue_data(host, ad, ad_len, sd, sd_len, name, s);
	}
	if (!err) {
		host->adv.connectable = connectable;
		err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_ADV_ENABLE, &enable, 1, adv_enable_done, host, s);
	}
	int werr = zble_sync_wait(host, s);
	zble_api_exit(host);
	return err ? err : werr;
}

int bt_le_adv_update_data(const struct bt_data *ad, size_t ad_len, const struct bt_data *sd, size_t sd_len)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	if (!host->adv.enabled) {
		zble_api_exit(host);
		return -EAGAIN;
	}
	struct zble_sync sync;
	zble_sync_init(&sync);
	struct zble_sync *s = zble_sync_or_null(host, &sync);
	int err = queue_data(host, ad, ad_len, sd, sd_len, NULL, s);
	int werr = zble_sync_wait(host, s);
	zble_api_exit(host);
	return err ? err : werr;
}

int bt_le_adv_stop(void)
{
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	if (!host->adv.enabled) {
		zble_api_exit(host);
		return 0; /* as Zephyr: stopping a stopped advertiser succeeds */
	}
	uint8_t enable = 0;
	struct zble_sync sync;
	zble_sync_init(&sync);
	struct zble_sync *s = zble_sync_or_null(host, &sync);
	int err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_ADV_ENABLE, &enable, 1, adv_enable_done, NULL, s);
	int werr = zble_sync_wait(host, s);
	zble_api_exit(host);
	return err ? err : werr;
}

int bt_le_ext_adv_create(const struct bt_le_adv_param *param, const struct bt_le_ext_adv_cb *cb,
			 struct bt_le_ext_adv **adv)
{
	(void)param;
	(void)cb;
	(void)adv;
	return -ENOTSUP;
}
