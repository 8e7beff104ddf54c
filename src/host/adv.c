/* Advertising: legacy commands, or advertising sets on a controller with
 * extended advertising (bt_le_adv_start then runs a set with legacy PDUs).
 * The advertiser is not a pending connection object: a peripheral
 * connection complete is matched to it by role (conn.c), and on extended
 * controllers Advertising Set Terminated names the set afterwards.
 *
 * A connectable set stops when a connection is created from it, and the
 * controller tells it with Advertising Set Terminated after the connection
 * complete (Vol 4 Part E 7.7.65.18). The host treats the set as stopped at
 * the connection complete, before the connected callbacks run, so that they
 * can restart advertising at once, as on legacy controllers. The Terminated
 * that follows is known as the old instance's by the link it names
 * (term_conn): it only reports the link (the set's connected callback) and
 * never disables a set restarted meanwhile. The set is the one a v2
 * connection complete names, or else the only connectable set running;
 * with several and no name, Terminated alone tells which one stopped.
 * Holding the connected callbacks until Terminated (Zephyr's way) would
 * need a timer for a controller that never sends it, and would leave a
 * live link with no object for its first ACL data. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"

#define ADV_DATA_MAX 31
#define EXT_ADV_DATA_MAX 251

/* Packs AD structures (first byte of out: the length). */
static int pack_ad(const struct bt_data *ad, size_t ad_len, uint8_t *out, size_t max, const char *name)
{
	uint8_t *p = out + 1;
	size_t used = 0;
	memset(out, 0, 1 + max);
	for (size_t i = 0; i < ad_len; i++) {
		if ((!ad[i].data && ad[i].data_len) || used + 2u + ad[i].data_len > max) {
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
		if (used + 2 >= max) {
			return -EINVAL;
		}
		size_t room = max - used - 2;
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

static bool param_ok(const struct bt_le_adv_param *param)
{
	if (!param || param->id >= CONFIG_BT_ID_MAX) {
		return false;
	}
	if (param->peer) {
		return param->peer->type <= BT_ADDR_LE_RANDOM;
	}
	return param->interval_min >= 0x20 && param->interval_max <= 0x4000 && param->interval_min <= param->interval_max;
}

/* ---- legacy commands ---- */

static void adv_enable_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)rp;
	(void)len;
	/* Unanswered: assume it took effect (see scan_enable_done). */
	if (status == 0 || status == ZBLE_HCI_STATUS_TIMEOUT) {
		host->adv.enabled = arg != NULL;
	}
	if (status) {
		host->stats.async_errors++;
	}
}

static int legacy_data(struct zble_host *host, const struct bt_data *ad, size_t ad_len, const struct bt_data *sd,
		       size_t sd_len, const char *name, struct zble_sync *s)
{
	uint8_t adv[1 + ADV_DATA_MAX], scan[1 + ADV_DATA_MAX];
	int err = pack_ad(ad, ad_len, adv, ADV_DATA_MAX, name);
	if (!err) {
		err = pack_ad(sd, sd_len, scan, ADV_DATA_MAX, NULL);
	}
	if (!err) {
		err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_ADV_DATA, adv, sizeof(adv), NULL, NULL, s);
	}
	if (!err) {
		err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_SCAN_RSP_DATA, scan, sizeof(scan), NULL, NULL, s);
	}
	return err;
}

static int legacy_start(struct zble_host *host, const struct bt_le_adv_param *param, const struct bt_data *ad,
			size_t ad_len, const struct bt_data *sd, size_t sd_len, struct zble_sync *s)
{
	bool directed = param->peer != NULL;
	bool connectable = (param->options & BT_LE_ADV_OPT_CONNECTABLE) || directed;
	bool scannable = (param->options & BT_LE_ADV_OPT_SCANNABLE) || sd_len > 0;
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
	const char *name = (param->options & BT_LE_ADV_OPT_USE_NAME) ? host->name : NULL;
	uint8_t enable = 1;
	int err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_ADV_PARAM, cp, sizeof(cp), NULL, NULL, s);
	if (!err && !directed) {
		err = legacy_data(host, ad, ad_len, sd, sd_len, name, s);
	}
	if (!err) {
		host->adv.connectable = connectable;
		err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_ADV_ENABLE, &enable, 1, adv_enable_done, host, s);
	}
	return err;
}

/* ---- advertising sets ---- */

static struct bt_le_ext_adv *set_alloc(struct zble_host *host)
{
	for (uint8_t i = 0; i < CONFIG_BT_EXT_ADV_MAX_ADV_SET; i++) {
		struct bt_le_ext_adv *a = &host->ext_adv[i];
		if (!a->used) {
			/* A Terminated still owed for the slot's last link stays known. */
			*a = (struct bt_le_ext_adv){ .host = host, .handle = i, .used = true,
						     .term_owed = a->term_owed, .term_conn = a->term_conn };
			return a;
		}
	}
	return NULL;
}

static bool set_valid(const struct bt_le_ext_adv *adv)
{
	return adv && adv->host && adv >= adv->host->ext_adv &&
	       adv < adv->host->ext_adv + CONFIG_BT_EXT_ADV_MAX_ADV_SET && adv->used;
}

static void ext_param_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)host;
	struct bt_le_ext_adv *adv = arg;
	if (status == 0 && len >= 1) {
		adv->tx_power = (int8_t)rp[0];
	}
}

static int ext_params(struct zble_host *host, struct bt_le_ext_adv *adv, const struct bt_le_adv_param *param,
		      bool legacy_pdus, bool scannable_hint, struct zble_sync *s)
{
	bool directed = param->peer != NULL;
	bool connectable = (param->options & BT_LE_ADV_OPT_CONNECTABLE) || directed;
	bool scannable = (param->options & BT_LE_ADV_OPT_SCANNABLE) || scannable_hint;
	uint16_t props = 0;
	if (legacy_pdus) {
		props = BIT(4);
		if (directed) {
			props |= BIT(0) | BIT(2) | ((param->options & BT_LE_ADV_OPT_DIR_MODE_LOW_DUTY) ? 0 : BIT(3));
		} else if (connectable) {
			props |= BIT(0) | BIT(1); /* ADV_IND */
		} else if (scannable) {
			props |= BIT(1); /* ADV_SCAN_IND */
		}
	} else {
		/* Extended PDUs: connectable or scannable, not both. */
		if (connectable) {
			props |= BIT(0);
		} else if (scannable) {
			props |= BIT(1);
		}
		if (directed) {
			props |= BIT(2);
		}
	}
	uint8_t cp[25];
	cp[0] = adv->handle;
	sys_put_le16(props, cp + 1);
	uint32_t imin = directed ? 0x20 : param->interval_min, imax = directed ? 0x20 : param->interval_max;
	sys_put_le24(imin, cp + 3);
	sys_put_le24(imax, cp + 6);
	cp[9] = 0x07;
	cp[10] = host->id_addr.type;
	cp[11] = directed ? param->peer->type : 0;
	memset(cp + 12, 0, 6);
	if (directed) {
		memcpy(cp + 12, param->peer->a.val, 6);
	}
	cp[18] = (uint8_t)(((param->options & BT_LE_ADV_OPT_FILTER_SCAN_REQ) ? 1 : 0) |
			   ((param->options & BT_LE_ADV_OPT_FILTER_CONN) ? 2 : 0));
	cp[19] = 0x7f; /* no TX power preference */
	cp[20] = BT_GAP_LE_PHY_1M;
	cp[21] = param->secondary_max_skip;
	cp[22] = BT_GAP_LE_PHY_1M;
	cp[23] = param->sid;
	cp[24] = 0;
	adv->connectable = connectable;
	adv->high_duty = legacy_pdus && directed && !(param->options & BT_LE_ADV_OPT_DIR_MODE_LOW_DUTY);
	int err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_EXT_ADV_PARAM, cp, sizeof(cp), ext_param_done, adv, s);
	if (!err && host->id_addr.type == BT_ADDR_LE_RANDOM) {
		/* A set has its own random address; ours is the identity. */
		uint8_t ra[7];
		ra[0] = adv->handle;
		memcpy(ra + 1, host->id_addr.a.val, 6);
		err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_ADV_SET_RANDOM_ADDR, ra, sizeof(ra), NULL, NULL, s);
	}
	return err;
}

static int ext_data(struct zble_host *host, struct bt_le_ext_adv *adv, const struct bt_data *ad, size_t ad_len,
		    const struct bt_data *sd, size_t sd_len, const char *name, bool legacy_pdus, struct zble_sync *s)
{
	size_t max = legacy_pdus ? ADV_DATA_MAX : EXT_ADV_DATA_MAX;
	uint8_t buf[1 + EXT_ADV_DATA_MAX];
	uint8_t cp[4 + EXT_ADV_DATA_MAX];
	int err = pack_ad(ad, ad_len, buf, max, name);
	if (err) {
		return err;
	}
	cp[0] = adv->handle;
	cp[1] = 0x03; /* complete data */
	cp[2] = 0x01; /* no fragmentation preferred */
	cp[3] = buf[0];
	memcpy(cp + 4, buf + 1, buf[0]);
	err = zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_EXT_ADV_DATA, cp, (uint8_t)(4 + buf[0]), NULL, NULL, s);
	if (err || (!sd_len && !legacy_pdus)) {
		return err; /* extended connectable sets take no scan response */
	}
	err = pack_ad(sd, sd_len, buf, max, NULL);
	if (err) {
		return err;
	}
	cp[3] = buf[0];
	memcpy(cp + 4, buf + 1, buf[0]);
	return zble_hci_cmd_send(host, BT_HCI_OP_LE_SET_EXT_SCAN_RSP_DATA, cp, (uint8_t)(4 + buf[0]), NULL, NULL, s);
}

static void set_enabled(struct zble_host *host, uint8_t status, struct bt_le_ext_adv *adv, bool enabled)
{
	if (status) {
		host->stats.async_errors++;
	}
	if (status && status != ZBLE_HCI_STATUS_TIMEOUT) {
		return; /* unanswered: assume it took effect */
	}
	adv->enabled = enabled;
	if (adv->internal) {
		host->adv.enabled = enabled;
	}
}

static void ext_enabled_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)rp;
	(void)len;
	set_enabled(host, status, arg, true);
}

static void ext_disabled_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)rp;
	(void)len;
	set_enabled(host, status, arg, false);
}

static int ext_enable(struct zble_host *host, struct bt_le_ext_adv *adv, bool enable,
		      const struct bt_le_ext_adv_start_param *sp, struct zble_sync *s)
{
	uint8_t cp[6] = { enable, 1, adv->handle };
	uint16_t duration = sp ? sp->timeout : 0;
	if (enable && adv->high_duty && (duration == 0 || duration > 128)) {
		duration = 128; /* high duty directed lasts at most 1.28 s (Vol 4 Part E 7.8.56) */
	}
	sys_put_le16(duration, cp + 3);
	cp[5] = sp ? sp->num_events : 0;
	return zble_hci_cmd_send_ok(host, BT_HCI_OP_LE_SET_EXT_ADV_ENABLE, cp, sizeof(cp),
				    enable ? ext_enabled_done : ext_disabled_done, adv, s,
				    enable ? 0 : BT_HCI_ERR_CMD_DISALLOWED);
}

static int ext_remove(struct zble_host *host, struct bt_le_ext_adv *adv, struct zble_sync *s)
{
	uint8_t handle = adv->handle;
	adv->used = false;
	return zble_hci_cmd_send(host, BT_HCI_OP_LE_REMOVE_ADV_SET, &handle, 1, NULL, NULL, s);
}

static void set_stopped(struct zble_host *host, struct bt_le_ext_adv *adv)
{
	adv->enabled = false;
	if (adv->internal) {
		host->adv.enabled = false;
	}
}

void zble_adv_conn_created(struct zble_host *host, uint8_t adv_handle, uint16_t conn_handle)
{
	struct bt_le_ext_adv *adv = NULL;
	if (adv_handle < CONFIG_BT_EXT_ADV_MAX_ADV_SET) {
		adv = &host->ext_adv[adv_handle];
	} else {
		/* Not named: the one connectable set running. With several the
		 * link's set is unknown, and Terminated alone stops one. */
		for (int i = 0; i < CONFIG_BT_EXT_ADV_MAX_ADV_SET; i++) {
			struct bt_le_ext_adv *a = &host->ext_adv[i];
			if (a->used && a->enabled && a->connectable) {
				if (adv) {
					return;
				}
				adv = a;
			}
		}
	}
	if (!adv || !adv->used || !adv->enabled || !adv->connectable) {
		return; /* already told stopped (a Terminated that came first) */
	}
	set_stopped(host, adv);
	adv->term_owed = true;
	adv->term_conn = conn_handle;
}

/* LE Advertising Set Terminated: the set stopped by a connection, its
 * timeout or its event count. Comes after the connection complete. */
void zble_adv_evt_set_terminated(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 5) {
		host->stats.malformed++;
		return;
	}
	uint8_t handle = p[1];
	if (handle >= CONFIG_BT_EXT_ADV_MAX_ADV_SET || !host->ext_adv[handle].used) {
		return;
	}
	struct bt_le_ext_adv *adv = &host->ext_adv[handle];
	uint16_t conn_handle = sys_get_le16(p + 2) & 0x0fff;
	if (p[0] == 0 && adv->term_owed && adv->term_conn == conn_handle) {
		/* The instance the connection complete stopped: whatever runs
		 * now is a restart and keeps running. */
		adv->term_owed = false;
	} else {
		set_stopped(host, adv);
	}
	if (!adv->cb) {
		return;
	}
	if (p[0] == 0 && adv->cb->connected) {
		struct bt_conn *conn = zble_conn_lookup_handle(host, conn_handle);
		struct bt_le_ext_adv_connected_info info = { .conn = conn };
		if (conn) {
			adv->cb->connected(adv, &info);
			bt_conn_unref(conn);
		}
	} else if (p[0] != 0 && adv->cb->sent) {
		struct bt_le_ext_adv_sent_info info = { .num_sent = p[4] };
		adv->cb->sent(adv, &info);
	}
}

/* ---- the bt_le_adv_* API ---- */

int bt_le_adv_start(const struct bt_le_adv_param *param, const struct bt_data *ad, size_t ad_len,
		    const struct bt_data *sd, size_t sd_len)
{
	if (!param_ok(param) || (ad_len && !ad) || (sd_len && !sd) || (param->options & BT_LE_ADV_OPT_EXT_ADV)) {
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
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	if (!err && !host->ext) {
		err = legacy_start(host, param, ad, ad_len, sd, sd_len, s);
	} else if (!err) {
		/* Reuse the set across restarts (e.g. from a disconnected callback). */
		struct bt_le_ext_adv *adv = host->adv.set ? host->adv.set : set_alloc(host);
		if (!adv) {
			err = -ENOMEM;
		} else {
			adv->internal = true;
			host->adv.set = adv;
			const char *name = (param->options & BT_LE_ADV_OPT_USE_NAME) ? host->name : NULL;
			err = ext_params(host, adv, param, true, sd_len > 0, s);
			if (!err && !param->peer) {
				err = ext_data(host, adv, ad, ad_len, sd, sd_len, name, true, s);
			}
			if (!err) {
				err = ext_enable(host, adv, true, NULL, s);
			}
		}
	}
	return zble_api_finish(host, s, err);
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
	struct zble_sync *s = zble_sync_begin(host, &sync);
	int err = host->ext && host->adv.set ? ext_data(host, host->adv.set, ad, ad_len, sd, sd_len, NULL, true, s)
					     : legacy_data(host, ad, ad_len, sd, sd_len, NULL, s);
	return zble_api_finish(host, s, err);
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
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	int err;
	if (host->ext && host->adv.set) {
		err = ext_enable(host, host->adv.set, false, NULL, s);
	} else {
		/* Some controllers (BlueZ's emulator) stop advertising on their
		 * own when they start a connection and then refuse this. */
		uint8_t enable = 0;
		err = zble_hci_cmd_send_ok(host, BT_HCI_OP_LE_SET_ADV_ENABLE, &enable, 1, adv_enable_done, NULL, s,
					   BT_HCI_ERR_CMD_DISALLOWED);
	}
	return zble_api_finish(host, s, err);
}

/* ---- the bt_le_ext_adv_* API ---- */

int bt_le_ext_adv_create(const struct bt_le_adv_param *param, const struct bt_le_ext_adv_cb *cb,
			 struct bt_le_ext_adv **ret)
{
	if (!param_ok(param) || !ret) {
		return -EINVAL;
	}
	struct zble_host *host = zble_api_enter();
	if (!host) {
		return -ENODEV;
	}
	int err = 0;
	struct bt_le_ext_adv *adv = NULL;
	if (!host->ready) {
		err = -EAGAIN;
	} else if (!host->ext) {
		err = -ENOTSUP;
	} else if (!(adv = set_alloc(host))) {
		err = -ENOMEM;
	}
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	if (!err) {
		adv->cb = cb;
		err = ext_params(host, adv, param, !(param->options & BT_LE_ADV_OPT_EXT_ADV), false, s);
	}
	err = err ? err : zble_sync_wait(host, s);
	if (err && adv) {
		adv->used = false;
	}
	if (!err) {
		*ret = adv;
	}
	zble_api_exit(host);
	return err;
}

int bt_le_ext_adv_update_param(struct bt_le_ext_adv *adv, const struct bt_le_adv_param *param)
{
	if (!set_valid(adv) || !param_ok(param)) {
		return -EINVAL;
	}
	struct zble_host *host = adv->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	int err = adv->enabled ? -EBUSY : 0;
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	if (!err) {
		err = ext_params(host, adv, param, !(param->options & BT_LE_ADV_OPT_EXT_ADV), false, s);
	}
	return zble_api_finish(host, s, err);
}

int bt_le_ext_adv_set_data(struct bt_le_ext_adv *adv, const struct bt_data *ad, size_t ad_len,
			   const struct bt_data *sd, size_t sd_len)
{
	if (!set_valid(adv) || (ad_len && !ad) || (sd_len && !sd)) {
		return -EINVAL;
	}
	struct zble_host *host = adv->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	/* A connectable extended set has no scan response. */
	int err = ext_data(host, adv, ad, ad_len, sd, sd_len, NULL, false, s);
	return zble_api_finish(host, s, err);
}

static int ext_start_stop(struct bt_le_ext_adv *adv, bool enable, const struct bt_le_ext_adv_start_param *sp)
{
	if (!set_valid(adv)) {
		return -EINVAL;
	}
	struct zble_host *host = adv->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	int err = 0;
	if (adv->enabled == enable) {
		err = enable ? -EALREADY : 0;
		k_mutex_unlock(&host->lock);
		return err;
	}
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	err = ext_enable(host, adv, enable, sp, s);
	return zble_api_finish(host, s, err);
}

int bt_le_ext_adv_start(struct bt_le_ext_adv *adv, const struct bt_le_ext_adv_start_param *param)
{
	return ext_start_stop(adv, true, param);
}

int bt_le_ext_adv_stop(struct bt_le_ext_adv *adv)
{
	return ext_start_stop(adv, false, NULL);
}

int bt_le_ext_adv_delete(struct bt_le_ext_adv *adv)
{
	if (!set_valid(adv)) {
		return -EINVAL;
	}
	struct zble_host *host = adv->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	int err = adv->enabled ? -EBUSY : 0;
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	if (!err) {
		err = ext_remove(host, adv, s);
	}
	return zble_api_finish(host, s, err);
}

uint8_t bt_le_ext_adv_get_index(struct bt_le_ext_adv *adv)
{
	return adv->handle;
}

int bt_le_ext_adv_get_info(const struct bt_le_ext_adv *adv, struct bt_le_ext_adv_info *info)
{
	if (!set_valid(adv) || !info) {
		return -EINVAL;
	}
	*info = (struct bt_le_ext_adv_info){ .id = BT_ID_DEFAULT, .tx_power = adv->tx_power,
					     .addr = &adv->host->id_addr };
	return 0;
}
