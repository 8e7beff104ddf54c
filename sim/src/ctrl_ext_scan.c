/* Extended scanning and initiating over HCI (Vol 4 Part E 7.8.64-7.8.66):
 * scan parameters per primary PHY (LE 1M, LE Coded), enable with
 * duplicate filtering, duration and period; LE Extended Create Connection
 * with parameters per initiating PHY. */
#include "sim_internal.h"

static void cmd_scan_params(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen)
{
	uint8_t phys = plen >= 3 ? p[2] : 0;
	unsigned n = (phys & 1u) + ((phys >> 2) & 1u);
	uint8_t st = ST_SUCCESS;
	if (plen < 3 || plen != 3 + 5 * n || (phys & ~5u) || n == 0 || p[0] > 3 || p[1] > 3) {
		st = (plen >= 3 && (phys & 2)) ? ST_UNSUPP_FEATURE : ST_INVALID_PARAM; /* no 2M scanning */
	} else if (c->scan.enabled) {
		st = ST_CMD_DISALLOWED;
	}
	const uint8_t *e = p + 3;
	for (unsigned i = 0; !st && i < n; i++, e += 5) {
		uint16_t interval = get_le16(e + 1), window = get_le16(e + 3);
		if (e[0] > 1 || interval < 4 || window < 4 || window > interval) {
			st = ST_INVALID_PARAM;
		}
	}
	if (!st) {
		c->scan.own_type = p[0];
		c->scan.filter = p[1];
		c->scan.phys = phys;
		e = p + 3;
		if (phys & 1) {
			c->scan.type = e[0];
			c->scan.interval = get_le16(e + 1);
			c->scan.window = get_le16(e + 3);
			e += 5;
		}
		if (phys & 4) {
			c->scan.coded_type = e[0];
			c->scan.coded_interval = get_le16(e + 1);
			c->scan.coded_window = get_le16(e + 3);
		}
	}
	ctrl_cmd_complete_status(c, op, st);
}

static void cmd_scan_enable(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	uint8_t en = p[0], dup = p[1];
	uint16_t duration = get_le16(p + 2), period = get_le16(p + 4);
	uint8_t st = ST_SUCCESS;
	if (en > 1 || (en && dup > 2)) {
		st = ST_INVALID_PARAM;
	} else if (en && period && (!duration || (uint64_t)duration * 10u >= (uint64_t)period * 1280u)) {
		st = ST_INVALID_PARAM; /* scanning must fit inside each period */
	} else if (en && dup == 2 && !period) {
		st = ST_INVALID_PARAM; /* reset each period needs a period */
	} else if (en && ctrl_random_missing(c, c->scan.own_type)) {
		st = ST_INVALID_PARAM;
	}
	ctrl_cmd_complete_status(c, op, st);
	if (st) {
		return;
	}
	struct zble_sim *sim = c->dev->sim;
	sim_timer_cancel(&c->scan.timer);
	if (!en) {
		c->scan.enabled = false;
		return;
	}
	/* Enabling again restarts duration and period and forgets duplicates. */
	c->scan.enabled = true;
	c->scan.ext = true;
	c->scan.on = true;
	c->scan.started = sim->now_us;
	c->scan.filter_dup = dup;
	c->scan.duration = duration;
	c->scan.period = period;
	c->scan.dup_count = 0;
	if (duration) {
		sim_timer_arm(sim, &c->scan.timer, sim->now_us + (uint64_t)duration * 10000u);
	}
}

static void cmd_ext_create_conn(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen)
{
	uint8_t phys = plen >= 10 ? p[9] : 0;
	unsigned n = (phys & 1u) + ((phys >> 1) & 1u) + ((phys >> 2) & 1u);
	uint8_t st = ST_SUCCESS;
	if (plen < 10 || plen != 10 + 16 * n || (phys & ~7u) || !(phys & 5) || p[0] > 1 || p[1] > 3 || p[2] > 3) {
		st = ST_INVALID_PARAM; /* LE 2M alone: nothing to scan on */
	} else if (c->init.active) {
		st = ST_CMD_DISALLOWED;
	} else if (ctrl_random_missing(c, p[1])) {
		st = ST_INVALID_PARAM;
	} else if (!ctrl_conn_room(c)) {
		st = ST_CONN_LIMIT;
	}
	const uint8_t *e = p + 10;
	for (unsigned i = 0; !st && i < n; i++, e += 16) {
		uint16_t si = get_le16(e), sw = get_le16(e + 2);
		if (si < 4 || sw < 4 || sw > si ||
		    !ctrl_conn_params_valid(get_le16(e + 4), get_le16(e + 6), get_le16(e + 8), get_le16(e + 10))) {
			st = ST_INVALID_PARAM;
		}
	}
	ctrl_cmd_status(c, op, st);
	if (st) {
		return;
	}
	memset(&c->init, 0, sizeof(c->init));
	c->init.active = true;
	c->init.ext = true;
	c->init.filter = p[0];
	c->init.own_type = p[1];
	c->init.peer_type = p[2];
	memcpy(c->init.peer, p + 3, 6);
	c->init.phys = phys;
	e = p + 10;
	for (int i = 0; i < 3; i++) {
		if (!(phys & (1u << i))) {
			continue;
		}
		c->init.par[i].scan_interval = get_le16(e);
		c->init.par[i].scan_window = get_le16(e + 2);
		c->init.par[i].interval_min = get_le16(e + 4);
		c->init.par[i].interval_max = get_le16(e + 6);
		c->init.par[i].latency = get_le16(e + 8);
		c->init.par[i].timeout = get_le16(e + 10);
		e += 16;
	}
	c->init.started = c->dev->sim->now_us;
}

bool ctrl_ext_scan_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen)
{
	switch (op) {
	case OP_LE_SET_EXT_SCAN_PARAM:
		cmd_scan_params(c, op, p, plen);
		return true;
	case OP_LE_SET_EXT_SCAN_ENABLE:
		if (plen != 6) {
			ctrl_cmd_complete_status(c, op, ST_INVALID_PARAM);
		} else {
			cmd_scan_enable(c, op, p);
		}
		return true;
	case OP_LE_EXT_CREATE_CONN:
		cmd_ext_create_conn(c, op, p, plen);
		return true;
	default:
		return false;
	}
}
