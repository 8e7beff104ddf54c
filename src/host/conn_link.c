/* What a link carries besides its parameters: data length (LL PDU size),
 * PHY, and the LTK request that stays unanswered by anyone until SMP
 * exists. New links ask for the largest data length (and, as central, the
 * 2M PHY) when the controller supports them, as throughput needs (Zephyr does the same
 * by default); a controller without them (btvirt) is simply not asked. */
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "host_internal.h"

#define OP_LE_SET_DATA_LEN BT_OP(0x08, 0x0022)
#define OP_LE_SET_PHY BT_OP(0x08, 0x0032)
#define OP_LE_LTK_NEG_REPLY BT_OP(0x08, 0x001b)
#define LE_FEAT_DLE 5
#define LE_FEAT_2M_PHY 8
#define LE_FEAT_CODED_PHY 11
#define DATA_TIME_1M_251 0x0848 /* 2120 µs: 251 octets on 1M */

static bool can_set_data_len(const struct zble_host *host)
{
	return zble_hci_cmd_supported(host, 33, 6) && zble_le_feature(host, LE_FEAT_DLE);
}

static bool can_set_phy(const struct zble_host *host)
{
	return zble_hci_cmd_supported(host, 35, 6) && (zble_le_feature(host, LE_FEAT_2M_PHY) || zble_le_feature(host, LE_FEAT_CODED_PHY));
}

static void link_cmd_done(struct zble_host *host, uint8_t status, const uint8_t *rp, size_t len, void *arg)
{
	(void)rp;
	(void)len;
	(void)arg;
	if (status) {
		host->stats.async_errors++; /* e.g. the peer lacks the feature */
	}
}

static int send_data_len(struct bt_conn *conn, uint16_t octets, uint16_t time, struct zble_sync *s)
{
	uint8_t cp[6];
	sys_put_le16(conn->handle, cp);
	sys_put_le16(octets, cp + 2);
	sys_put_le16(time, cp + 4);
	return zble_hci_cmd_send(conn->host, OP_LE_SET_DATA_LEN, cp, sizeof(cp), link_cmd_done, NULL, s);
}

static int send_phy(struct bt_conn *conn, uint8_t tx, uint8_t rx, uint16_t options, struct zble_sync *s)
{
	uint8_t cp[7];
	sys_put_le16(conn->handle, cp);
	cp[2] = (uint8_t)((tx ? 0 : 0x01) | (rx ? 0 : 0x02)); /* ALL_PHYS: no preference */
	cp[3] = tx;
	cp[4] = rx;
	/* PHY_options: 0 none, 1 S2 preferred, 2 S8 preferred */
	uint16_t opt = (options & BT_CONN_LE_PHY_OPT_CODED_S8) ? 2 : (options & BT_CONN_LE_PHY_OPT_CODED_S2) ? 1 : 0;
	sys_put_le16(opt, cp + 5);
	return zble_hci_cmd_send(conn->host, OP_LE_SET_PHY, cp, sizeof(cp), link_cmd_done, NULL, s);
}

void zble_conn_link_init(struct bt_conn *conn)
{
	struct zble_host *host = conn->host;
	conn->phy = (struct bt_conn_le_phy_info){ BT_GAP_LE_PHY_1M, BT_GAP_LE_PHY_1M };
	conn->data_len = (struct bt_conn_le_data_len_info){ BT_GAP_DATA_LEN_DEFAULT, BT_GAP_DATA_TIME_DEFAULT,
							    BT_GAP_DATA_LEN_DEFAULT, BT_GAP_DATA_TIME_DEFAULT };
	if (host->no_auto_link_update) {
		return;
	}
	if (can_set_data_len(host)) {
		(void)send_data_len(conn, BT_GAP_DATA_LEN_MAX, DATA_TIME_1M_251, NULL);
	}
	/* The central alone asks for 2M: both asking at once collides. */
	if (conn->role == BT_CONN_ROLE_CENTRAL && can_set_phy(host) && zble_le_feature(host, LE_FEAT_2M_PHY)) {
		(void)send_phy(conn, BT_GAP_LE_PHY_2M, BT_GAP_LE_PHY_2M, 0, NULL);
	}
}

void zble_host_set_auto_link_update(struct zble_host *host, bool on)
{
	k_mutex_lock(&host->lock, K_FOREVER);
	host->no_auto_link_update = !on;
	k_mutex_unlock(&host->lock);
}

static void notify(struct zble_host *host, struct bt_conn *conn, bool phy)
{
	SYS_SLIST_FOR_EACH_NODE_SAFE(&host->conn_cbs, n, s) {
		struct bt_conn_cb *cb = CONTAINER_OF(n, struct bt_conn_cb, _node);
		if (phy && cb->le_phy_updated) {
			struct bt_conn_le_phy_info info = conn->phy;
			cb->le_phy_updated(conn, &info);
		} else if (!phy && cb->le_data_len_updated) {
			struct bt_conn_le_data_len_info info = conn->data_len;
			cb->le_data_len_updated(conn, &info);
		}
	}
}

void zble_conn_evt_data_len_change(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 10) {
		host->stats.malformed++;
		return;
	}
	struct bt_conn *conn = zble_conn_lookup_handle(host, sys_get_le16(p) & 0x0fff);
	if (!conn) {
		return;
	}
	conn->data_len = (struct bt_conn_le_data_len_info){ sys_get_le16(p + 2), sys_get_le16(p + 4),
							    sys_get_le16(p + 6), sys_get_le16(p + 8) };
	notify(host, conn, false);
	bt_conn_unref(conn);
}

/* The HCI PHY value (1 1M, 2 2M, 3 Coded) as a BT_GAP_LE_PHY_* bit. */
uint8_t zble_hci_phy_to_gap(uint8_t hci_phy)
{
	return hci_phy >= 1 && hci_phy <= 3 ? (uint8_t)(1u << (hci_phy - 1)) : BT_GAP_LE_PHY_NONE;
}

void zble_conn_evt_phy_update_complete(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 5) {
		host->stats.malformed++;
		return;
	}
	struct bt_conn *conn = zble_conn_lookup_handle(host, sys_get_le16(p + 1) & 0x0fff);
	if (!conn) {
		return;
	}
	if (p[0] == 0) {
		conn->phy = (struct bt_conn_le_phy_info){ zble_hci_phy_to_gap(p[3]), zble_hci_phy_to_gap(p[4]) };
		notify(host, conn, true);
	} else {
		host->stats.async_errors++;
	}
	bt_conn_unref(conn);
}

/* Nobody holds keys yet: tell the controller at once, so the peer's
 * encryption attempt fails cleanly instead of waiting for a timeout. */
void zble_conn_evt_ltk_request(struct zble_host *host, const uint8_t *p, size_t len)
{
	if (len < 12) {
		host->stats.malformed++;
		return;
	}
	uint8_t cp[2];
	sys_put_le16(sys_get_le16(p) & 0x0fff, cp);
	(void)zble_hci_cmd_send(host, OP_LE_LTK_NEG_REPLY, cp, sizeof(cp), NULL, NULL, NULL);
}

static int link_call(struct bt_conn *conn, bool phy, const void *param)
{
	if (!conn || !param) {
		return -EINVAL;
	}
	struct zble_host *host = conn->host;
	k_mutex_lock(&host->lock, K_FOREVER);
	struct zble_sync sync;
	struct zble_sync *s = zble_sync_begin(host, &sync);
	int err;
	if (conn->state != BT_CONN_STATE_CONNECTED) {
		err = -ENOTCONN;
	} else if (phy) {
		const struct bt_conn_le_phy_param *pp = param;
		uint8_t all = BT_GAP_LE_PHY_1M | BT_GAP_LE_PHY_2M | BT_GAP_LE_PHY_CODED;
		if ((pp->pref_tx_phy & ~all) || (pp->pref_rx_phy & ~all)) {
			err = -EINVAL;
		} else if (!can_set_phy(host)) {
			err = -ENOTSUP;
		} else {
			err = send_phy(conn, pp->pref_tx_phy, pp->pref_rx_phy, pp->options, s);
		}
	} else {
		const struct bt_conn_le_data_len_param *dp = param;
		if (dp->tx_max_len < BT_GAP_DATA_LEN_DEFAULT || dp->tx_max_len > BT_GAP_DATA_LEN_MAX ||
		    dp->tx_max_time < BT_GAP_DATA_TIME_DEFAULT || dp->tx_max_time > BT_GAP_DATA_TIME_MAX) {
			err = -EINVAL;
		} else if (!can_set_data_len(host)) {
			err = -ENOTSUP;
		} else {
			err = send_data_len(conn, dp->tx_max_len, dp->tx_max_time, s);
		}
	}
	return zble_api_finish(host, s, err);
}

int bt_conn_le_data_len_update(struct bt_conn *conn, const struct bt_conn_le_data_len_param *param)
{
	return link_call(conn, false, param);
}

int bt_conn_le_phy_update(struct bt_conn *conn, const struct bt_conn_le_phy_param *param)
{
	return link_call(conn, true, param);
}
