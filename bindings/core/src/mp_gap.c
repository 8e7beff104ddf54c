/* GAP: advertising, scanning, connecting, disconnecting, pairing. */
#include <string.h>

#include <zephyr/bluetooth/hci.h>

#include "mp_internal.h"

#define AD_MAX 31

/* ---- connections ---- */

static void connect_failed(struct zble_mp *mp)
{
	struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_PERIPHERAL_DISCONNECT,
				    .conn_handle = ZBLE_MP_CONN_NONE,
				    .addr_type = ZBLE_MP_ADDR_TYPE_NONE };
	memcpy(ev.addr, mp->connect_addr, 6);
	(void)mp_emit(mp, &ev, 0);
}

static bool connect_pending(struct zble_mp *mp)
{
	return mp->connect_addr_type != ZBLE_MP_ADDR_TYPE_NONE;
}

void mp_gap_on_connected(struct zble_mp *mp, struct bt_conn *conn, uint8_t err)
{
	struct bt_conn_info info;
	if (bt_conn_get_info(conn, &info)) {
		return;
	}
	bool central = info.role == BT_CONN_ROLE_CENTRAL;
	if (central && connect_pending(mp)) {
		/* Our gap_connect ended (the callback may run before
		 * bt_conn_le_create returned: the pending address says it). */
		mp->connect_addr_type = ZBLE_MP_ADDR_TYPE_NONE;
		if (mp->connecting) {
			bt_conn_unref(mp->connecting);
			mp->connecting = NULL;
		}
		if (err) {
			connect_failed(mp);
			return;
		}
	} else if (err) {
		return;
	}
	if (!central) {
		mp->advertising = false; /* the controller stopped it */
	}
	struct zble_mp_conn *c = mp_conn_of(mp, NULL);
	if (!c) {
		(void)bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_LOW_RESOURCES);
		return;
	}
	/* ops[]/inds[] may still hold procedures of the slot's previous
	 * link until their last callbacks: they free themselves. */
	c->conn = bt_conn_ref(conn);
	c->handle = mp_conn_handle(conn);
	c->central_role = central;
	mp_addr_from_le(info.le.dst, &c->addr_type, c->addr);
	struct zble_mp_event ev = { .code = central ? ZBLE_MP_IRQ_PERIPHERAL_CONNECT : ZBLE_MP_IRQ_CENTRAL_CONNECT,
				    .conn_handle = c->handle,
				    .addr_type = c->addr_type };
	memcpy(ev.addr, c->addr, 6);
	(void)mp_emit(mp, &ev, 0);
}

int zble_mp_gap_connect(struct zble_mp *mp, uint8_t addr_type, const uint8_t addr[6], int32_t duration_ms,
			int32_t min_conn_interval_us, int32_t max_conn_interval_us)
{
	if (addr_type > 1 || !addr || duration_ms < 0 || min_conn_interval_us < 0 || max_conn_interval_us < 0) {
		return mp->state == MP_ACTIVE ? ZBLE_MP_EINVAL : ZBLE_MP_ENODEV;
	}
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	uint32_t min = (uint32_t)min_conn_interval_us / 1250, max = (uint32_t)max_conn_interval_us / 1250;
	if (!min_conn_interval_us) {
		min = 24; /* 30 ms */
	}
	if (!max_conn_interval_us) {
		max = MAX(min, 40u); /* 50 ms */
	}
	min = CLAMP(min, 6u, 3200u);
	max = CLAMP(max, 6u, 3200u);
	if (connect_pending(mp)) {
		err = ZBLE_MP_EALREADY;
	} else if (min > max) {
		err = ZBLE_MP_EINVAL;
	} else if (!mp_conn_of(mp, NULL)) {
		err = ZBLE_MP_ENOMEM;
	}
	if (err) {
		mp_exit(&c);
		return err;
	}
	if (mp->scanning) {
		(void)zble_mp_gap_scan_stop(mp); /* SCAN_DONE first, as NimBLE */
	}
	bt_addr_le_t peer = { .type = addr_type };
	for (int i = 0; i < 6; i++) {
		peer.a.val[i] = addr[5 - i];
	}
	uint32_t ms = duration_ms ? (uint32_t)duration_ms : 2000u;
	struct bt_conn_le_create_param cp = BT_CONN_LE_CREATE_PARAM_INIT(BT_CONN_LE_OPT_NONE, BT_GAP_SCAN_FAST_INTERVAL,
									BT_GAP_SCAN_FAST_INTERVAL);
	cp.timeout = (uint16_t)CLAMP((ms + 9) / 10, 1u, 0xffffu);
	/* Supervision timeout above twice the longest interval, at least 4 s. */
	struct bt_le_conn_param prm = BT_LE_CONN_PARAM_INIT((uint16_t)min, (uint16_t)max, 0,
							    (uint16_t)MAX(400u, max / 4 + 2));
	mp->connect_addr_type = addr_type;
	memcpy(mp->connect_addr, addr, 6);
	struct bt_conn *conn = NULL;
	int e = bt_conn_le_create(&peer, &cp, &prm, &conn);
	if (e) {
		mp->connect_addr_type = ZBLE_MP_ADDR_TYPE_NONE;
		err = e == -EINVAL ? ZBLE_MP_EINVAL : mp_errno(e);
	} else if (!connect_pending(mp)) {
		bt_conn_unref(conn); /* it ended already */
	} else {
		mp->connecting = conn;
	}
	mp_exit(&c);
	return err;
}

int zble_mp_gap_connect_cancel(struct zble_mp *mp)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	if (connect_pending(mp) && mp->connecting) {
		/* The failure event follows from the connected callback. */
		err = mp_errno(bt_conn_disconnect(mp->connecting, BT_HCI_ERR_REMOTE_USER_TERM_CONN));
	}
	mp_exit(&c);
	return err;
}

int zble_mp_gap_disconnect(struct zble_mp *mp, uint16_t conn_handle)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct zble_mp_conn *mc = mp_conn_find(mp, conn_handle);
	struct bt_conn_info info;
	if (!mc || bt_conn_get_info(mc->conn, &info) || info.state == BT_CONN_STATE_DISCONNECTED) {
		err = ZBLE_MP_ENOTCONN;
	} else if (info.state == BT_CONN_STATE_DISCONNECTING || mp->disc_pending[mc - mp->conns]) {
		err = ZBLE_MP_EALREADY;
	} else {
		mp->disc_pending[mc - mp->conns] = true;
		(void)k_work_submit_to_queue(&mp->host->wq, &mp->disc_work);
	}
	mp_exit(&c);
	return err;
}

/* gap_disconnect returns at once and its Disconnect goes out from the
 * host's queue. Waiting for the command's status in the call would let
 * the Disconnection Complete, which controllers send right behind it,
 * reach the handler before the script has the call's result: MicroPython
 * scripts print that result first (on NimBLE events wait for the
 * scheduler). Failures of the command are the host's to report. */
static void disconnect_work(struct k_work *work)
{
	struct zble_mp *mp = CONTAINER_OF(work, struct zble_mp, disc_work);
	struct zble_host *host = mp->host;
	if (!host) {
		return;
	}
	k_mutex_lock(&host->lock, K_FOREVER);
	for (int i = 0; i < ZBLE_MP_MAX_CONN; i++) {
		if (mp->disc_pending[i]) {
			mp->disc_pending[i] = false;
			if (mp->state == MP_ACTIVE && mp->conns[i].conn) {
				(void)bt_conn_disconnect(mp->conns[i].conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
			}
		}
	}
	k_mutex_unlock(&host->lock);
}

int zble_mp_gap_pair(struct zble_mp *mp, uint16_t conn_handle)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	err = mp_conn_find(mp, conn_handle) ? ZBLE_MP_EOPNOTSUPP : ZBLE_MP_ENOTCONN;
	mp_exit(&c);
	return err;
}

int zble_mp_gap_passkey(struct zble_mp *mp, uint16_t conn_handle, uint8_t action, int32_t passkey)
{
	(void)passkey;
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	if (action != ZBLE_MP_PASSKEY_ACTION_INPUT && action != ZBLE_MP_PASSKEY_ACTION_DISPLAY &&
	    action != ZBLE_MP_PASSKEY_ACTION_NUMERIC_COMPARISON) {
		err = ZBLE_MP_EINVAL;
	} else {
		err = mp_conn_find(mp, conn_handle) ? ZBLE_MP_EOPNOTSUPP : ZBLE_MP_ENOTCONN;
	}
	mp_exit(&c);
	return err;
}

/* ---- advertising ---- */

/* Raw AD structures into bt_data elements; -1 when malformed. */
static int parse_ad(const uint8_t *p, size_t len, struct bt_data *out, size_t max)
{
	size_t n = 0, i = 0;
	while (i < len) {
		uint8_t l = p[i];
		if (l == 0) {
			i++; /* an empty structure: padding */
			continue;
		}
		if (i + 1 + l > len || n == max) {
			return -1;
		}
		out[n].type = p[i + 1];
		out[n].data_len = (uint8_t)(l - 1);
		out[n].data = &p[i + 2];
		n++;
		i += 1u + l;
	}
	return (int)n;
}

static int adv_restart(struct zble_mp *mp)
{
	struct bt_data ad[AD_MAX / 2 + 1], sd[AD_MAX / 2 + 1];
	int n_ad = parse_ad(mp->adv_data, mp->adv_len, ad, ARRAY_SIZE(ad));
	int n_sd = parse_ad(mp->sr_data, mp->sr_len, sd, ARRAY_SIZE(sd));
	if (n_ad < 0 || n_sd < 0) {
		return ZBLE_MP_EINVAL;
	}
	struct bt_le_adv_param prm = BT_LE_ADV_PARAM_INIT(
		(mp->adv_connectable ? BT_LE_ADV_OPT_CONNECTABLE : BT_LE_ADV_OPT_SCANNABLE) | BT_LE_ADV_OPT_USE_IDENTITY,
		mp->adv_interval, mp->adv_interval, NULL);
	if (mp->advertising) {
		(void)bt_le_adv_stop();
		mp->advertising = false;
	}
	int err = bt_le_adv_start(&prm, n_ad ? ad : NULL, (size_t)n_ad, n_sd ? sd : NULL, (size_t)n_sd);
	if (!err) {
		mp->advertising = true;
	}
	return mp_errno(err);
}

int zble_mp_gap_advertise_start(struct zble_mp *mp, bool connectable, int32_t interval_us, const uint8_t *adv,
				size_t adv_len, const uint8_t *sr, size_t sr_len)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	struct bt_data tmp[AD_MAX];
	if ((adv && (adv_len > AD_MAX || parse_ad(adv, adv_len, tmp, ARRAY_SIZE(tmp)) < 0)) ||
	    (sr && (sr_len > AD_MAX || parse_ad(sr, sr_len, tmp, ARRAY_SIZE(tmp)) < 0)) || interval_us < 0) {
		mp_exit(&c);
		return ZBLE_MP_EINVAL;
	}
	if (adv) {
		memcpy(mp->adv_data, adv, adv_len);
		mp->adv_len = (uint8_t)adv_len;
	}
	if (sr) {
		memcpy(mp->sr_data, sr, sr_len);
		mp->sr_len = (uint8_t)sr_len;
	}
	mp->adv_connectable = connectable;
	mp->adv_interval = CLAMP((uint32_t)interval_us / 625u, 0x20u, 0x4000u);
	err = adv_restart(mp);
	mp_exit(&c);
	return err;
}

int zble_mp_gap_advertise_stop(struct zble_mp *mp)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	if (mp->advertising) {
		mp->advertising = false;
		(void)bt_le_adv_stop();
	}
	mp_exit(&c);
	return 0;
}

/* ---- scanning ---- */

static void scan_done(struct zble_mp *mp)
{
	mp->scanning = false;
	struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_SCAN_DONE };
	(void)mp_emit(mp, &ev, 0);
}

static void on_scan(const bt_addr_le_t *addr, int8_t rssi, uint8_t adv_type, struct net_buf_simple *buf)
{
	struct zble_mp *mp = mp_cb_enter(NULL);
	if (!mp) {
		return;
	}
	if (mp->scanning) {
		struct zble_mp_event ev = { .code = ZBLE_MP_IRQ_SCAN_RESULT,
					    .adv_type = adv_type,
					    .rssi = rssi,
					    .data = buf->data,
					    .data_len = buf->len };
		mp_addr_from_le(addr, &ev.addr_type, ev.addr);
		(void)mp_emit(mp, &ev, 0);
	}
	mp_cb_exit(mp);
}

static void scan_timer(struct k_work *work)
{
	struct zble_mp *mp = CONTAINER_OF(k_work_delayable_from_work(work), struct zble_mp, scan_timer);
	struct zble_host *host = mp->host;
	if (!host) {
		return;
	}
	k_mutex_lock(&host->lock, K_FOREVER);
	if (mp->state == MP_ACTIVE && mp->scanning) {
		(void)bt_le_scan_stop();
		scan_done(mp);
	}
	k_mutex_unlock(&host->lock);
}

int zble_mp_gap_scan_start(struct zble_mp *mp, int32_t duration_ms, int32_t interval_us, int32_t window_us,
			   bool active_scan)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	if (duration_ms < 0 || interval_us < 0 || window_us < 0) {
		mp_exit(&c);
		return ZBLE_MP_EINVAL;
	}
	if (connect_pending(mp)) {
		mp_exit(&c);
		return ZBLE_MP_EBUSY;
	}
	uint32_t interval = CLAMP((uint32_t)interval_us / 625u, 4u, 0x4000u);
	uint32_t window = CLAMP((uint32_t)window_us / 625u, 4u, interval);
	struct bt_le_scan_param prm = BT_LE_SCAN_PARAM_INIT(
		active_scan ? BT_GAP_SCAN_TYPE_ACTIVE : BT_GAP_SCAN_TYPE_PASSIVE, BT_LE_SCAN_OPT_NONE,
		(uint16_t)interval, (uint16_t)window);
	(void)k_work_cancel_delayable(&mp->scan_timer);
	if (mp->scanning) {
		(void)bt_le_scan_stop();
		mp->scanning = false;
	}
	err = mp_errno(bt_le_scan_start(&prm, on_scan));
	if (!err) {
		mp->scanning = true;
		if (duration_ms) {
			(void)k_work_schedule(&mp->scan_timer, K_MSEC(duration_ms));
		}
	}
	mp_exit(&c);
	return err;
}

int zble_mp_gap_scan_stop(struct zble_mp *mp)
{
	struct mp_call c;
	int err = mp_enter(mp, &c);
	if (err) {
		return err;
	}
	if (mp->scanning) {
		(void)k_work_cancel_delayable(&mp->scan_timer);
		(void)bt_le_scan_stop();
		scan_done(mp);
	}
	mp_exit(&c);
	return 0;
}

/* ---- set-up ---- */

void mp_gap_start(struct zble_mp *mp)
{
	mp->advertising = false;
	mp->scanning = false;
	mp->connect_addr_type = ZBLE_MP_ADDR_TYPE_NONE;
	mp->adv_len = mp->sr_len = 0;
	k_work_init_delayable(&mp->scan_timer, scan_timer);
	k_work_init(&mp->disc_work, disconnect_work);
	memset(mp->disc_pending, 0, sizeof(mp->disc_pending));
}

void mp_gap_stop(struct zble_mp *mp)
{
	(void)k_work_cancel_delayable(&mp->scan_timer);
	mp->advertising = false;
	mp->scanning = false;
	mp->connect_addr_type = ZBLE_MP_ADDR_TYPE_NONE;
}
