/* Per-connection commands besides parameters and data length: PHY (read,
 * default, set), Read Remote Version Information, Read RSSI (from the
 * path-loss model), LE Read Channel Map, and transmit power. */
#include "sim_internal.h"

#define PHYS_ALL 0x07 /* 1M, 2M, Coded */

/* Preferences from All_PHYs/TX_PHYs/RX_PHYs: "no preference" is all. */
static uint8_t phy_prefs(const uint8_t *p, uint8_t *tx, uint8_t *rx)
{
	if (p[0] > 3) {
		return ST_INVALID_PARAM;
	}
	*tx = (p[0] & 1) ? PHYS_ALL : p[1];
	*rx = (p[0] & 2) ? PHYS_ALL : p[2];
	if (!*tx || !*rx) {
		return ST_INVALID_PARAM;
	}
	return (*tx | *rx) & ~PHYS_ALL ? ST_UNSUPP_FEATURE : ST_SUCCESS;
}

static void cmd_set_phy(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	int side;
	struct zble_sim_link *l = radio_link_of(c, get_le16(p) & 0x0fff, &side);
	uint8_t tx, rx;
	uint8_t st = phy_prefs(p + 2, &tx, &rx);
	if (!st && !l) {
		st = ST_UNKNOWN_CONN_ID;
	} else if (!st && (get_le16(p + 5) > 2)) {
		st = ST_INVALID_PARAM; /* PHY_Options: 0, S=2 or S=8 preferred */
	} else if (!st && l->phy_host_req[side]) {
		st = ST_CMD_DISALLOWED; /* one request at a time */
	}
	if (!st) {
		/* Coding (S=2/S=8) is the transmitter's choice: this one uses S=8. */
		l->phy_tx_pref[side] = tx;
		l->phy_rx_pref[side] = rx;
		if (!radio_phy_start(l, side)) {
			st = ST_CMD_DISALLOWED;
		}
	}
	ctrl_cmd_status(c, op, st);
	if (!st) {
		l->phy_host_req[side] = true;
	}
}

static void cmd_read_remote_version(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	int side;
	struct zble_sim_link *l = radio_link_of(c, get_le16(p) & 0x0fff, &side);
	uint8_t st = !l ? ST_UNKNOWN_CONN_ID : l->ver_host_req[side] ? ST_CMD_DISALLOWED : ST_SUCCESS;
	if (st) {
		ctrl_cmd_status(c, op, st);
		return;
	}
	if (!l->ver_rcvd[side] && !l->ver_sent[side] && l->ctrl_count[side] >= ZBLE_SIM_CTRL_QUEUE) {
		ctrl_cmd_status(c, op, ST_CMD_DISALLOWED);
		return;
	}
	/* Status first: the answer may be known already (then it follows). */
	ctrl_cmd_status(c, op, ST_SUCCESS);
	radio_version_start(c->dev->sim, l, side);
}

/* Commands that answer about one connection at once (LE Read PHY, Read
 * RSSI, Read Transmit Power Level, LE Read Channel Map). */
static void cmd_conn_info(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	int side;
	uint16_t handle = get_le16(p) & 0x0fff;
	struct zble_sim_link *l = radio_link_of(c, handle, &side);
	uint8_t rp[8] = { l ? ST_SUCCESS : ST_UNKNOWN_CONN_ID };
	put_le16(rp + 1, handle);
	uint8_t n = 3;
	switch (op) {
	case OP_LE_READ_PHY:
		if (l) {
			rp[3] = l->phy[side];
			rp[4] = l->phy[!side];
		}
		n = 5;
		break;
	case OP_READ_RSSI:
		if (l) {
			const struct zble_sim *sim = c->dev->sim;
			rp[3] = (uint8_t)zble_sim_rssi(&sim->devices[l->dev[!side]], c->dev);
		}
		n = 4;
		break;
	case OP_READ_TX_POWER_LEVEL:
		if (!rp[0] && p[2] > 1) {
			rp[0] = ST_INVALID_PARAM;
		}
		rp[3] = (uint8_t)c->dev->tx_power; /* current and maximum: one level */
		n = 4;
		break;
	default: /* LE Read Channel Map: all 37 data channels */
		memset(rp + 3, 0xff, 4);
		rp[7] = 0x1f;
		n = 8;
		break;
	}
	ctrl_cmd_complete(c, op, rp, n);
}

bool ctrl_link_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen)
{
	int want;
	switch (op) {
	case OP_LE_READ_TX_POWER:
		want = 0;
		break;
	case OP_LE_READ_PHY:
	case OP_READ_RSSI:
	case OP_LE_READ_CHAN_MAP:
	case OP_READ_REMOTE_VERSION:
		want = 2;
		break;
	case OP_LE_SET_DEFAULT_PHY:
	case OP_READ_TX_POWER_LEVEL:
		want = 3;
		break;
	case OP_LE_SET_PHY:
		want = 7;
		break;
	default:
		return false;
	}
	if (plen != want) {
		ctrl_cmd_refuse(c, op, ST_INVALID_PARAM, op == OP_LE_SET_PHY || op == OP_READ_REMOTE_VERSION);
		return true;
	}
	switch (op) {
	case OP_LE_READ_TX_POWER: {
		uint8_t rp[3] = { ST_SUCCESS, (uint8_t)c->dev->tx_power, (uint8_t)c->dev->tx_power };
		ctrl_cmd_complete(c, op, rp, 3);
		break;
	}
	case OP_LE_SET_DEFAULT_PHY: {
		uint8_t tx, rx;
		uint8_t st = phy_prefs(p, &tx, &rx);
		if (!st) {
			c->def_tx_phys = tx;
			c->def_rx_phys = rx;
		}
		ctrl_cmd_complete_status(c, op, st);
		break;
	}
	case OP_LE_SET_PHY:
		cmd_set_phy(c, op, p);
		break;
	case OP_READ_REMOTE_VERSION:
		cmd_read_remote_version(c, op, p);
		break;
	default:
		cmd_conn_info(c, op, p);
		break;
	}
	return true;
}
