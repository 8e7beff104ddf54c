/* Advertising sets over HCI (Vol 4 Part E 7.8.52-7.8.60): parameters,
 * data written whole or in fragments, enable with duration and event
 * count, random address per set, removal. What a set does on air is in
 * adv_set.c. */
#include "sim_internal.h"

#define SET_HANDLE_MAX 0xef

static uint32_t get_le24(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}

struct zble_sim_adv_set *ctrl_set_find(struct zble_sim_ctrl *c, uint8_t handle)
{
	for (int i = 0; i < ZBLE_SIM_ADV_SETS; i++) {
		if (c->sets[i].used && c->sets[i].handle == handle) {
			return &c->sets[i];
		}
	}
	return NULL;
}

void ctrl_set_addr(const struct zble_sim_ctrl *c, const struct zble_sim_adv_set *a, uint8_t *type, uint8_t addr[6])
{
	/* 0x02/0x03: an RPA when privacy has a local IRK, else public/random */
	if (a->own_type >= 2 && ctrl_sec_own_rpa(c, addr)) {
		*type = 1;
		return;
	}
	if (a->own_type & 1) {
		*type = 1;
		memcpy(addr, a->random_addr, 6);
	} else {
		*type = 0;
		memcpy(addr, c->bd_addr, 6);
	}
}

void ctrl_ext_adv_reset(struct zble_sim_ctrl *c)
{
	for (int i = 0; i < ZBLE_SIM_ADV_SETS; i++) {
		sim_timer_cancel(&c->sets[i].timer);
		c->sets[i].used = false;
		c->sets[i].enabled = false;
	}
}

/* The five legacy PDU types a set with legacy PDUs may use. */
static bool legacy_props_ok(uint16_t props)
{
	return props == 0x13 || props == 0x15 || props == 0x1d || props == 0x12 || props == 0x10;
}

static bool ext_props_ok(uint16_t props)
{
	bool conn = props & PROP_CONN, scan = props & PROP_SCAN;
	return !(props & ~0x7fu) && !(conn && scan) && !(props & PROP_HIGH_DUTY) && !((props & PROP_ANON) && conn);
}

/* Largest advertising data of a connectable extended set: one
 * AUX_ADV_IND (255 octets less its extended header; no chain). */
static uint16_t conn_data_max(const struct zble_sim_adv_set *a)
{
	uint16_t hdr = 1 + 1 + 6 + 2; /* length/mode, flags, AdvA, ADI */
	if (a->props & PROP_DIRECTED) {
		hdr += 6; /* TargetA */
	}
	if (a->props & PROP_TX_POWER) {
		hdr += 1;
	}
	return (uint16_t)(255 - hdr);
}

static uint8_t check_params(struct zble_sim_ctrl *c, const struct zble_sim_adv_set *a, const uint8_t *p)
{
	uint16_t props = get_le16(p + 1);
	uint32_t imin = get_le24(p + 3), imax = get_le24(p + 6);
	bool legacy = props & PROP_LEGACY;
	bool high_duty = legacy && (props & PROP_HIGH_DUTY);
	if (p[0] > SET_HANDLE_MAX) {
		return ST_INVALID_PARAM;
	}
	if (a && a->enabled) {
		return ST_CMD_DISALLOWED;
	}
	if (legacy ? !legacy_props_ok(props) : !ext_props_ok(props)) {
		return ST_INVALID_PARAM;
	}
	if (!high_duty && (imin < 0x20 || imin > imax)) {
		return ST_INVALID_PARAM;
	}
	if ((p[9] & 7) == 0 || p[9] > 7 || p[10] > 3 || p[11] > 1 || p[18] > 3 || p[23] > 0x0f || p[24] > 1) {
		return ST_INVALID_PARAM;
	}
	if ((p[20] != ZBLE_SIM_PHY_1M && p[20] != ZBLE_SIM_PHY_CODED) || p[22] < 1 || p[22] > 3 ||
	    (legacy && p[20] != ZBLE_SIM_PHY_1M)) {
		return ST_INVALID_PARAM;
	}
	if (a && legacy && (a->data_len > 31 || a->rsp_len > 31)) {
		return ST_INVALID_PARAM; /* what the set holds would not fit */
	}
	if (!a) {
		for (int i = 0; i < ZBLE_SIM_ADV_SETS; i++) {
			if (!c->sets[i].used) {
				return ST_SUCCESS;
			}
		}
		return ST_MEM_EXCEEDED;
	}
	return ST_SUCCESS;
}

static void cmd_set_params(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	struct zble_sim_adv_set *a = ctrl_set_find(c, p[0]);
	uint8_t rp[2] = { check_params(c, a, p), 0 };
	if (rp[0]) {
		ctrl_cmd_complete(c, op, rp, 1);
		return;
	}
	if (!a) {
		for (int i = 0; i < ZBLE_SIM_ADV_SETS && !a; i++) {
			if (!c->sets[i].used) {
				a = &c->sets[i];
			}
		}
		memset(a, 0, sizeof(*a));
		a->used = true;
		a->handle = p[0];
	}
	a->props = get_le16(p + 1);
	a->interval_min = get_le24(p + 3);
	a->interval_max = get_le24(p + 6);
	a->chan_map = p[9];
	a->own_type = p[10];
	a->peer_type = p[11];
	memcpy(a->peer, p + 12, 6);
	a->filter = p[18];
	a->pri_phy = p[20];
	a->sec_phy = p[22];
	a->sid = p[23];
	a->scan_req_notify = p[24];
	/* One power level: the device's, whatever was asked (0x7f: no preference). */
	a->tx_power = c->dev->tx_power;
	rp[1] = (uint8_t)a->tx_power;
	ctrl_cmd_complete(c, op, rp, 2);
}

static uint8_t check_data(const struct zble_sim_adv_set *a, bool rsp, uint8_t oper, uint8_t n)
{
	bool legacy = a->props & PROP_LEGACY;
	bool partial = rsp ? a->rsp_partial : a->data_partial;
	if (oper > 4 || (rsp && oper == 4)) {
		return ST_INVALID_PARAM;
	}
	if (oper == 4) {
		/* Unchanged data, new DID: only for an enabled set, no data. */
		return n || !a->enabled || legacy ? ST_INVALID_PARAM : ST_SUCCESS;
	}
	if (legacy && (oper != 3 || n > 31)) {
		return ST_INVALID_PARAM;
	}
	/* Extended scannable sets carry no advertising data; sets that are
	 * not scannable have no scan response. */
	if (!legacy && n && (rsp ? !(a->props & PROP_SCAN) : (a->props & PROP_SCAN))) {
		return ST_INVALID_PARAM;
	}
	if (a->enabled && oper != 3) {
		return ST_CMD_DISALLOWED; /* no fragmented write while advertising */
	}
	if ((oper == 0 || oper == 2) && !partial) {
		return ST_CMD_DISALLOWED; /* intermediate or last without a first */
	}
	if (oper != 3 && n == 0) {
		return ST_INVALID_PARAM;
	}
	return ST_SUCCESS;
}

static void cmd_set_data(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen)
{
	bool rsp = op == OP_LE_SET_EXT_SCAN_RSP_DATA;
	if (plen < 4 || plen != 4u + p[3]) {
		ctrl_cmd_complete_status(c, op, ST_INVALID_PARAM);
		return;
	}
	struct zble_sim_adv_set *a = ctrl_set_find(c, p[0]);
	if (!a) {
		ctrl_cmd_complete_status(c, op, ST_UNKNOWN_ADV_ID);
		return;
	}
	uint8_t oper = p[1], n = p[3];
	uint8_t st = check_data(a, rsp, oper, n);
	if (st || oper == 4) {
		ctrl_cmd_complete_status(c, op, st);
		return;
	}
	uint8_t *buf = rsp ? a->rsp : a->data;
	uint16_t *blen = rsp ? &a->rsp_len : &a->data_len;
	bool *partial = rsp ? &a->rsp_partial : &a->data_partial;
	uint16_t off = (oper == 1 || oper == 3) ? 0 : *blen;
	bool conn_ext = !rsp && (a->props & PROP_CONN) && !(a->props & PROP_LEGACY);
	if (off + n > ZBLE_SIM_EXT_ADV_DATA_MAX || (conn_ext && off + n > conn_data_max(a))) {
		/* Too much: the partial data is gone too. */
		*blen = 0;
		*partial = false;
		ctrl_cmd_complete_status(c, op, conn_ext ? ST_INVALID_PARAM : ST_MEM_EXCEEDED);
		return;
	}
	memcpy(buf + off, p + 4, n);
	*blen = (uint16_t)(off + n);
	*partial = oper == 0 || oper == 1;
	ctrl_cmd_complete_status(c, op, ST_SUCCESS);
}

static uint8_t check_enable(struct zble_sim_ctrl *c, const uint8_t *p, uint8_t plen)
{
	if (plen < 2 || plen != 2u + 4u * p[1] || p[0] > 1 || (p[0] && !p[1]) || p[1] > ZBLE_SIM_ADV_SETS) {
		return ST_INVALID_PARAM;
	}
	for (unsigned i = 0; i < p[1]; i++) {
		const uint8_t *e = p + 2 + 4 * i;
		for (unsigned j = 0; j < i; j++) {
			if (p[2 + 4 * j] == e[0]) {
				return ST_INVALID_PARAM; /* a set named twice */
			}
		}
		struct zble_sim_adv_set *a = ctrl_set_find(c, e[0]);
		if (!a) {
			return ST_UNKNOWN_ADV_ID;
		}
		if (!p[0]) {
			continue;
		}
		uint16_t duration = get_le16(e + 1);
		bool legacy = a->props & PROP_LEGACY;
		if (a->data_partial || a->rsp_partial) {
			return ST_CMD_DISALLOWED;
		}
		/* 0x01, or 0x03 without a resolving list entry to make an RPA
		 * from: the set's random address is needed (7.8.56). */
		uint8_t rpa[6];
		if ((a->own_type & 1) && !a->random_set && !(a->own_type == 3 && ctrl_sec_own_rpa(c, rpa))) {
			return ST_INVALID_PARAM;
		}
		if (!legacy && (a->props & PROP_SCAN) && !a->rsp_len) {
			return ST_CMD_DISALLOWED; /* scannable without a scan response */
		}
		if ((a->props & PROP_CONN) && !ctrl_conn_room(c)) {
			return ST_CMD_DISALLOWED;
		}
		if (legacy && (a->props & PROP_HIGH_DUTY) && (duration == 0 || duration > 128)) {
			return ST_INVALID_PARAM; /* high duty cycle: at most 1.28 s */
		}
	}
	return ST_SUCCESS;
}

static void cmd_set_enable(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen)
{
	uint8_t st = check_enable(c, p, plen);
	ctrl_cmd_complete_status(c, op, st);
	if (st) {
		return;
	}
	if (!p[0] && !p[1]) {
		for (int i = 0; i < ZBLE_SIM_ADV_SETS; i++) {
			if (c->sets[i].used && c->sets[i].enabled) {
				adv_set_enable(c, &c->sets[i], false);
			}
		}
		return;
	}
	for (unsigned i = 0; i < p[1]; i++) {
		const uint8_t *e = p + 2 + 4 * i;
		struct zble_sim_adv_set *a = ctrl_set_find(c, e[0]);
		if (p[0]) {
			/* Enabling again restarts the duration and the count. */
			a->duration = get_le16(e + 1);
			a->max_events = e[3];
			adv_set_enable(c, a, true);
		} else if (a->enabled) {
			adv_set_enable(c, a, false);
		}
	}
}

static void cmd_set_random_addr(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	struct zble_sim_adv_set *a = ctrl_set_find(c, p[0]);
	uint8_t st = ST_SUCCESS;
	if (!a) {
		st = ST_UNKNOWN_ADV_ID;
	} else if (a->enabled && (a->props & PROP_CONN)) {
		st = ST_CMD_DISALLOWED;
	} else {
		memcpy(a->random_addr, p + 1, 6);
		a->random_set = true;
	}
	ctrl_cmd_complete_status(c, op, st);
}

static bool any_enabled(const struct zble_sim_ctrl *c)
{
	for (int i = 0; i < ZBLE_SIM_ADV_SETS; i++) {
		if (c->sets[i].used && c->sets[i].enabled) {
			return true;
		}
	}
	return false;
}

bool ctrl_ext_adv_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen)
{
	uint8_t rp[3] = { ST_SUCCESS };
	int want;
	switch (op) {
	case OP_LE_SET_ADV_SET_RANDOM_ADDR:
		want = 7;
		break;
	case OP_LE_SET_EXT_ADV_PARAM:
		want = 25;
		break;
	case OP_LE_READ_MAX_ADV_DATA_LEN:
	case OP_LE_READ_NUM_ADV_SETS:
	case OP_LE_CLEAR_ADV_SETS:
		want = 0;
		break;
	case OP_LE_REMOVE_ADV_SET:
		want = 1;
		break;
	case OP_LE_SET_EXT_ADV_DATA:
	case OP_LE_SET_EXT_SCAN_RSP_DATA:
	case OP_LE_SET_EXT_ADV_ENABLE:
		want = -1; /* variable: checked by the command */
		break;
	default:
		return false;
	}
	if (want >= 0 && plen != want) {
		ctrl_cmd_complete_status(c, op, ST_INVALID_PARAM);
		return true;
	}
	switch (op) {
	case OP_LE_SET_ADV_SET_RANDOM_ADDR:
		cmd_set_random_addr(c, op, p);
		break;
	case OP_LE_SET_EXT_ADV_PARAM:
		cmd_set_params(c, op, p);
		break;
	case OP_LE_SET_EXT_ADV_DATA:
	case OP_LE_SET_EXT_SCAN_RSP_DATA:
		cmd_set_data(c, op, p, plen);
		break;
	case OP_LE_SET_EXT_ADV_ENABLE:
		cmd_set_enable(c, op, p, plen);
		break;
	case OP_LE_READ_MAX_ADV_DATA_LEN:
		put_le16(rp + 1, ZBLE_SIM_EXT_ADV_DATA_MAX);
		ctrl_cmd_complete(c, op, rp, 3);
		break;
	case OP_LE_READ_NUM_ADV_SETS:
		rp[1] = ZBLE_SIM_ADV_SETS;
		ctrl_cmd_complete(c, op, rp, 2);
		break;
	case OP_LE_REMOVE_ADV_SET: {
		struct zble_sim_adv_set *a = ctrl_set_find(c, p[0]);
		uint8_t st = !a ? ST_UNKNOWN_ADV_ID : a->enabled ? ST_CMD_DISALLOWED : ST_SUCCESS;
		if (!st) {
			a->used = false;
		}
		ctrl_cmd_complete_status(c, op, st);
		break;
	}
	case OP_LE_CLEAR_ADV_SETS:
		if (any_enabled(c)) {
			ctrl_cmd_complete_status(c, op, ST_CMD_DISALLOWED);
		} else {
			ctrl_ext_adv_reset(c);
			ctrl_cmd_complete_status(c, op, ST_SUCCESS);
		}
		break;
	default:
		break;
	}
	return true;
}
