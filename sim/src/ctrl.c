/* The virtual controller's HCI side: the driver a host talks to, command
 * parsing and answers, event masks, the controller->host queue and the
 * btsnoop hook (both directions, at the driver boundary). */
#include "sim_internal.h"

/* ---- controller -> host ---- */

static bool is_report(const uint8_t *pkt, size_t len)
{
	return len >= 4 && pkt[0] == ZBLE_H4_EVT && pkt[1] == EVT_LE_META &&
	       (pkt[3] == LE_ADV_REPORT || pkt[3] == LE_EXT_ADV_REPORT);
}

static void snoop(struct zble_sim_ctrl *c, bool to_host, const uint8_t *pkt, size_t len)
{
	struct zble_sim_device *d = c->dev;
	if (d->snooping) {
		zble_btsnoop_file_record(&d->snoop, to_host, pkt, len, ZBLE_SIM_SNOOP_EPOCH_UNIX_US + d->sim->now_us);
	}
	if (d->sim->trace) {
		d->sim->trace(d->sim->trace_ctx, d, to_host, pkt, len);
	}
}

void ctrl_flush(struct zble_sim_ctrl *c)
{
	if (c->delivering || !c->open) {
		return;
	}
	c->delivering = true;
	while (c->th_count > 0 && c->open) {
		/* A copy: the host's callback may queue more (e.g. a raw host
		 * that sends data from its receive path). */
		struct zble_sim_pkt p = c->to_host[c->th_head];
		int rc = c->recv(c->recv_ctx, p.data, p.len);
		if (rc == -ENOMEM && !is_report(p.data, p.len)) {
			break; /* essential: retried when the host has run */
		}
		c->th_head = (uint8_t)((c->th_head + 1) % ZBLE_SIM_TO_HOST_QUEUE);
		c->th_count--;
		if (rc == 0) {
			snoop(c, true, p.data, p.len);
		} else {
			c->stats.to_host_dropped++;
		}
	}
	c->delivering = false;
}

void ctrl_to_host(struct zble_sim_ctrl *c, const uint8_t *pkt, size_t len, bool discardable)
{
	if (!c->open || len > ZBLE_SIM_PKT_MAX) {
		return;
	}
	if (!c->faults.bypass && faults_to_host(c, pkt, len, discardable)) {
		return; /* dropped, delayed or withheld by an injected fault */
	}
	if (c->th_count >= ZBLE_SIM_TO_HOST_QUEUE || (discardable && c->th_count >= ZBLE_SIM_TO_HOST_QUEUE / 2)) {
		c->stats.to_host_dropped++;
		return;
	}
	struct zble_sim_pkt *p = &c->to_host[(c->th_head + c->th_count) % ZBLE_SIM_TO_HOST_QUEUE];
	memcpy(p->data, pkt, len);
	p->len = (uint16_t)len;
	c->th_count++;
	ctrl_flush(c);
}

void ctrl_event(struct zble_sim_ctrl *c, uint8_t code, const uint8_t *params, uint8_t len)
{
	uint8_t pkt[3 + 255];
	pkt[0] = ZBLE_H4_EVT;
	pkt[1] = code;
	pkt[2] = len;
	memcpy(pkt + 3, params, len);
	c->stats.events++;
	ctrl_to_host(c, pkt, 3u + len, is_report(pkt, 3u + len));
}

bool ctrl_le_event_enabled(const struct zble_sim_ctrl *c, unsigned bit)
{
	return ((c->event_mask >> 61) & 1) && ((c->le_event_mask >> bit) & 1);
}

void ctrl_le_event(struct zble_sim_ctrl *c, unsigned mask_bit, const uint8_t *params, uint8_t len)
{
	if (ctrl_le_event_enabled(c, mask_bit)) {
		ctrl_event(c, EVT_LE_META, params, len);
	}
}

static void cmd_complete(struct zble_sim_ctrl *c, uint16_t opcode, const uint8_t *rp, uint8_t rp_len)
{
	uint8_t p[3 + 128];
	p[0] = 1; /* Num_HCI_Command_Packets */
	put_le16(p + 1, opcode);
	memcpy(p + 3, rp, rp_len);
	ctrl_event(c, EVT_CMD_COMPLETE, p, (uint8_t)(3 + rp_len));
}

static void cmd_complete_status(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t status)
{
	cmd_complete(c, opcode, &status, 1);
}

static void cmd_status(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t status)
{
	uint8_t p[4] = { status, 1, (uint8_t)opcode, (uint8_t)(opcode >> 8) };
	ctrl_event(c, EVT_CMD_STATUS, p, 4);
}

/* The same for the other command modules (ctrl_*.c). */
void ctrl_cmd_complete(struct zble_sim_ctrl *c, uint16_t opcode, const uint8_t *rp, uint8_t rp_len)
{
	cmd_complete(c, opcode, rp, rp_len);
}

void ctrl_cmd_complete_status(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t status)
{
	cmd_complete_status(c, opcode, status);
}

void ctrl_cmd_status(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t status)
{
	cmd_status(c, opcode, status);
}

void ctrl_cmd_refuse(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t status, bool with_status)
{
	if (with_status) {
		cmd_status(c, opcode, status);
	} else {
		cmd_complete_status(c, opcode, status);
	}
}

bool ctrl_cmd_bad_len(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t plen, size_t len, int min, bool with_status)
{
	if ((size_t)plen + 3 == len && plen >= min) {
		return false;
	}
	ctrl_cmd_refuse(c, opcode, ST_INVALID_PARAM, with_status);
	return true;
}

/* ---- what this controller is ---- */

void ctrl_le_features(uint8_t out[8])
{
	memset(out, 0, 8);
	/* bit 1 Connection Parameters Request, bit 3 Peripheral-initiated
	 * Features Exchange, bit 5 LE Data Packet Length Extension, bit 7
	 * Extended Scanner Filter Policies */
	out[0] = (1u << 1) | (1u << 3) | (1u << 5) | (1u << 7);
	/* bit 8 LE 2M PHY, bit 11 LE Coded PHY, bit 12 LE Extended
	 * Advertising, bit 14 Channel Selection Algorithm #2 */
	out[1] = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 6);
	ctrl_sec_le_features(out);
}

/* Supported_Commands (Vol 4 Part E 6.27): exactly what is implemented. */
static void supported_commands(uint8_t out[64])
{
	static const struct {
		uint8_t octet, bit;
	} cmds[] = {
		{ 0, 5 },  /* Disconnect */
		{ 2, 7 },  /* Read Remote Version Information */
		{ 10, 2 }, /* Read Transmit Power Level */
		{ 15, 5 }, /* Read RSSI */
		{ 5, 6 },  /* Set Event Mask */
		{ 5, 7 },  /* Reset */
		{ 14, 3 }, /* Read Local Version Information */
		{ 14, 5 }, /* Read Local Supported Features */
		{ 14, 7 }, /* Read Buffer Size */
		{ 15, 1 }, /* Read BD_ADDR */
		{ 22, 2 }, /* Set Event Mask Page 2 */
		{ 25, 0 }, /* LE Set Event Mask */
		{ 25, 1 }, /* LE Read Buffer Size [v1] */
		{ 25, 2 }, /* LE Read Local Supported Features */
		{ 25, 4 }, /* LE Set Random Address */
		{ 25, 5 }, /* LE Set Advertising Parameters */
		{ 25, 7 }, /* LE Set Advertising Data */
		{ 26, 0 }, /* LE Set Scan Response Data */
		{ 26, 1 }, /* LE Set Advertising Enable */
		{ 26, 2 }, /* LE Set Scan Parameters */
		{ 26, 3 }, /* LE Set Scan Enable */
		{ 26, 4 }, /* LE Create Connection */
		{ 26, 5 }, /* LE Create Connection Cancel */
		{ 26, 6 }, /* LE Read Filter Accept List Size */
		{ 26, 7 }, /* LE Clear Filter Accept List */
		{ 27, 0 }, /* LE Add Device To Filter Accept List */
		{ 27, 1 }, /* LE Remove Device From Filter Accept List */
		{ 27, 2 }, /* LE Connection Update */
		{ 27, 4 }, /* LE Read Channel Map */
		{ 27, 5 }, /* LE Read Remote Features */
		{ 27, 7 }, /* LE Rand */
		{ 33, 4 }, /* LE Remote Connection Parameter Request Reply */
		{ 33, 5 }, /* LE Remote Connection Parameter Request Negative Reply */
		{ 33, 6 }, /* LE Set Data Length */
		{ 33, 7 }, /* LE Read Suggested Default Data Length */
		{ 34, 0 }, /* LE Write Suggested Default Data Length */
		{ 35, 3 }, /* LE Read Maximum Data Length */
		{ 35, 4 }, /* LE Read PHY */
		{ 35, 5 }, /* LE Set Default PHY */
		{ 35, 6 }, /* LE Set PHY */
		{ 36, 1 }, /* LE Set Advertising Set Random Address */
		{ 36, 2 }, /* LE Set Extended Advertising Parameters [v1] */
		{ 36, 3 }, /* LE Set Extended Advertising Data */
		{ 36, 4 }, /* LE Set Extended Scan Response Data */
		{ 36, 5 }, /* LE Set Extended Advertising Enable */
		{ 36, 6 }, /* LE Read Maximum Advertising Data Length */
		{ 36, 7 }, /* LE Read Number of Supported Advertising Sets */
		{ 37, 0 }, /* LE Remove Advertising Set */
		{ 37, 1 }, /* LE Clear Advertising Sets */
		{ 37, 5 }, /* LE Set Extended Scan Parameters */
		{ 37, 6 }, /* LE Set Extended Scan Enable */
		{ 37, 7 }, /* LE Extended Create Connection [v1] */
		{ 38, 7 }, /* LE Read Transmit Power */
		{ 41, 5 }, /* LE Read Buffer Size [v2] */
	};
	memset(out, 0, 64);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		out[cmds[i].octet] |= (uint8_t)(1u << cmds[i].bit);
	}
	ctrl_sec_supported_commands(out);
}

void ctrl_own_addr(const struct zble_sim_ctrl *c, uint8_t own_type, uint8_t *type, uint8_t addr[6])
{
	/* 0x02/0x03: an RPA when privacy has a local IRK, else public/random */
	if (own_type >= 2 && ctrl_sec_own_rpa(c, addr)) {
		*type = 1;
		return;
	}
	if (own_type & 1) {
		*type = 1;
		memcpy(addr, c->random_addr, 6);
	} else {
		*type = 0;
		memcpy(addr, c->bd_addr, 6);
	}
}

bool ctrl_random_missing(const struct zble_sim_ctrl *c, uint8_t own_type)
{
	uint8_t rpa[6];
	if (c->random_set || !(own_type & 1)) {
		return false;
	}
	return own_type != 3 || !ctrl_sec_own_rpa(c, rpa);
}

/* ---- commands ---- */

static bool busy_with_addr(const struct zble_sim_ctrl *c)
{
	return c->adv.enabled || c->scan.enabled || c->init.active;
}

static bool conn_params_valid(uint16_t min, uint16_t max, uint16_t latency, uint16_t timeout)
{
	return min >= 6 && max <= 3200 && min <= max && latency <= 499 && timeout >= 10 && timeout <= 3200 &&
	       (uint32_t)timeout * 4 > (1u + latency) * (uint32_t)max;
}

bool ctrl_conn_params_valid(uint16_t min, uint16_t max, uint16_t latency, uint16_t timeout)
{
	return conn_params_valid(min, max, latency, timeout);
}

bool ctrl_conn_room(const struct zble_sim_ctrl *c)
{
	for (int i = 0; i < ZBLE_SIM_MAX_CONN; i++) {
		if (c->conn_link[i] == NO_LINK) {
			return true;
		}
	}
	return false;
}

static bool disconnect_reason_valid(uint8_t r)
{
	return r == 0x05 || r == 0x13 || r == 0x14 || r == 0x15 || r == 0x1a || r == 0x29 || r == 0x3b;
}

static void handle_status(struct zble_sim_ctrl *c, uint16_t op, uint8_t status, uint16_t handle)
{
	uint8_t rp[3] = { status };
	put_le16(rp + 1, handle);
	cmd_complete(c, op, rp, 3);
}

void ctrl_handle_status(struct zble_sim_ctrl *c, uint16_t opcode, uint8_t status, uint16_t handle)
{
	handle_status(c, opcode, status, handle);
}

static void cmd_le_set_adv_param(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	uint16_t min = get_le16(p), max = get_le16(p + 2);
	uint8_t type = p[4];
	uint8_t st = ST_SUCCESS;
	if (c->adv.enabled) {
		st = ST_CMD_DISALLOWED;
	} else if (type > ADV_DIRECT_IND_LOW || p[5] > 3 || p[6] > 1 || (p[13] & 7) == 0 || p[14] > 3) {
		st = ST_INVALID_PARAM;
	} else if (type != ADV_DIRECT_IND_HIGH && (min < 0x20 || max > 0x4000 || min > max)) {
		st = ST_INVALID_PARAM;
	}
	if (!st) {
		c->adv.interval_min = min;
		c->adv.interval_max = max;
		c->adv.type = type;
		c->adv.own_type = p[5];
		c->adv.peer_type = p[6];
		memcpy(c->adv.peer, p + 7, 6);
		c->adv.chan_map = p[13] & 7;
		c->adv.filter = p[14];
	}
	cmd_complete_status(c, op, st);
}

static void cmd_le_set_adv_enable(struct zble_sim_ctrl *c, uint16_t op, uint8_t enable)
{
	uint8_t st = ST_SUCCESS;
	if (enable > 1) {
		st = ST_INVALID_PARAM;
	} else if (enable && ctrl_random_missing(c, c->adv.own_type)) {
		st = ST_INVALID_PARAM;
	} else if (enable && c->adv.type != ADV_NONCONN_IND && c->adv.type != ADV_SCAN_IND) {
		bool room = false;
		for (int i = 0; i < ZBLE_SIM_MAX_CONN; i++) {
			room |= c->conn_link[i] == NO_LINK;
		}
		if (!room) {
			st = ST_CMD_DISALLOWED;
		}
	}
	cmd_complete_status(c, op, st);
	if (!st && enable != c->adv.enabled) {
		radio_adv_enable(c, enable);
	}
}

static void cmd_le_set_scan_enable(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	uint8_t st = ST_SUCCESS;
	if (p[0] > 1 || p[1] > 1) {
		st = ST_INVALID_PARAM;
	} else if (p[0] && ctrl_random_missing(c, c->scan.own_type)) {
		st = ST_INVALID_PARAM;
	}
	cmd_complete_status(c, op, st);
	if (st) {
		return;
	}
	if (p[0]) {
		if (!c->scan.enabled) {
			c->scan.started = c->dev->sim->now_us;
		}
		c->scan.enabled = true;
		c->scan.ext = false;
		c->scan.on = true;
		c->scan.phys = 1;
		c->scan.filter_dup = p[1];
		c->scan.dup_count = 0;
	} else {
		c->scan.enabled = false;
	}
}

static void cmd_le_create_conn(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	uint16_t si = get_le16(p), sw = get_le16(p + 2);
	uint16_t min = get_le16(p + 13), max = get_le16(p + 15), lat = get_le16(p + 17), to = get_le16(p + 19);
	uint8_t st = ST_SUCCESS;
	bool room = false;
	for (int i = 0; i < ZBLE_SIM_MAX_CONN; i++) {
		room |= c->conn_link[i] == NO_LINK;
	}
	if (c->init.active) {
		st = ST_CMD_DISALLOWED;
	} else if (si < 4 || si > 0x4000 || sw < 4 || sw > si || p[4] > 1 || p[5] > 3 || p[12] > 3 ||
		   !conn_params_valid(min, max, lat, to)) {
		st = ST_INVALID_PARAM;
	} else if (ctrl_random_missing(c, p[12])) {
		st = ST_INVALID_PARAM;
	} else if (!room) {
		st = ST_CONN_LIMIT;
	}
	cmd_status(c, op, st);
	if (st) {
		return;
	}
	memset(&c->init, 0, sizeof(c->init));
	c->init.active = true;
	c->init.filter = p[4];
	c->init.phys = 1;
	c->init.par[0].scan_interval = si;
	c->init.par[0].scan_window = sw;
	c->init.peer_type = p[5];
	memcpy(c->init.peer, p + 6, 6);
	c->init.own_type = p[12];
	c->init.par[0].interval_min = min;
	c->init.par[0].interval_max = max;
	c->init.par[0].latency = lat;
	c->init.par[0].timeout = to;
	c->init.started = c->dev->sim->now_us;
}

static void cmd_disconnect(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	int side;
	struct zble_sim_link *l = radio_link_of(c, get_le16(p) & 0x0fff, &side);
	uint8_t st = ST_SUCCESS;
	if (!l) {
		st = ST_UNKNOWN_CONN_ID;
	} else if (!disconnect_reason_valid(p[2])) {
		st = ST_INVALID_PARAM;
	} else {
		for (int i = 0; i < l->ctrl_count[side]; i++) {
			if (l->ctrlq[side][i].op == LL_TERMINATE_IND) {
				st = ST_CMD_DISALLOWED; /* already disconnecting */
			}
		}
	}
	if (!st) {
		struct zble_sim_llctrl pdu = { .op = LL_TERMINATE_IND, .len = 2, .reason = p[2] };
		if (!radio_queue_ctrl(l, side, &pdu)) {
			st = ST_CMD_DISALLOWED;
		}
	}
	cmd_status(c, op, st);
}

static void cmd_le_conn_update(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	int side;
	struct zble_sim_link *l = radio_link_of(c, get_le16(p) & 0x0fff, &side);
	uint16_t min = get_le16(p + 2), max = get_le16(p + 4), lat = get_le16(p + 6), to = get_le16(p + 8);
	uint8_t st = ST_SUCCESS;
	if (!l) {
		st = ST_UNKNOWN_CONN_ID;
	} else if (!conn_params_valid(min, max, lat, to)) {
		st = ST_INVALID_PARAM;
	} else if (l->upd_pending || l->param_req_waiting) {
		st = ST_CMD_DISALLOWED;
	}
	if (!st) {
		struct zble_sim_llctrl pdu = { .interval = max, .latency = lat, .timeout = to, .a = min, .b = max };
		if (side == 0) {
			pdu.op = LL_CONNECTION_UPDATE_IND;
			pdu.len = 12;
			pdu.instant = (uint16_t)(l->counter + 6);
		} else {
			pdu.op = LL_CONNECTION_PARAM_REQ;
			pdu.len = 24;
		}
		if (!radio_queue_ctrl(l, side, &pdu)) {
			st = ST_CMD_DISALLOWED;
		}
	}
	cmd_status(c, op, st);
}

static void cmd_le_param_reply(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, bool positive)
{
	uint16_t handle = get_le16(p) & 0x0fff;
	int side;
	struct zble_sim_link *l = radio_link_of(c, handle, &side);
	uint8_t st = ST_SUCCESS;
	if (!l) {
		st = ST_UNKNOWN_CONN_ID;
	} else if (side != 0 || !l->param_req_waiting) {
		st = ST_CMD_DISALLOWED;
	} else if (positive && !conn_params_valid(get_le16(p + 2), get_le16(p + 4), get_le16(p + 6), get_le16(p + 8))) {
		st = ST_INVALID_PARAM;
	}
	if (!st) {
		struct zble_sim_llctrl pdu = { 0 };
		if (positive) {
			pdu.op = LL_CONNECTION_UPDATE_IND;
			pdu.len = 12;
			pdu.interval = get_le16(p + 4);
			pdu.latency = get_le16(p + 6);
			pdu.timeout = get_le16(p + 8);
			pdu.instant = (uint16_t)(l->counter + 6);
		} else {
			pdu.op = LL_REJECT_EXT_IND;
			pdu.len = 3;
			pdu.reason = p[2];
		}
		if (radio_queue_ctrl(l, 0, &pdu)) {
			l->param_req_waiting = false;
		} else {
			st = ST_CMD_DISALLOWED;
		}
	}
	handle_status(c, op, st, handle);
}

static void cmd_le_set_data_len(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	uint16_t handle = get_le16(p) & 0x0fff, octets = get_le16(p + 2), time = get_le16(p + 4);
	int side;
	struct zble_sim_link *l = radio_link_of(c, handle, &side);
	uint8_t st = ST_SUCCESS;
	if (!l) {
		st = ST_UNKNOWN_CONN_ID;
	} else if (octets < 27 || octets > 251 || time < 328 || time > 17040) {
		st = ST_INVALID_PARAM;
	}
	if (!st) {
		l->pref_tx_octets[side] = octets;
		l->pref_tx_time[side] = time;
		struct zble_sim_llctrl pdu = { .op = LL_LENGTH_REQ, .len = 9 };
		(void)radio_queue_ctrl(l, side, &pdu);
	}
	handle_status(c, op, st, handle);
}

static void cmd_le_read_remote_features(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	int side;
	struct zble_sim_link *l = radio_link_of(c, get_le16(p) & 0x0fff, &side);
	uint8_t st = ST_SUCCESS;
	if (!l) {
		st = ST_UNKNOWN_CONN_ID;
	} else if (l->feat_pending[side]) {
		st = ST_CMD_DISALLOWED;
	} else {
		struct zble_sim_llctrl pdu = { .op = side == 0 ? LL_FEATURE_REQ : LL_PERIPHERAL_FEATURE_REQ, .len = 9 };
		if (radio_queue_ctrl(l, side, &pdu)) {
			l->feat_pending[side] = true;
		} else {
			st = ST_CMD_DISALLOWED;
		}
	}
	cmd_status(c, op, st);
}

/* Minimum parameter length of each implemented command; -1 unknown. */
static int cmd_min_len(uint16_t op)
{
	switch (op) {
	case OP_RESET:
	case OP_READ_LOCAL_VERSION:
	case OP_READ_LOCAL_COMMANDS:
	case OP_READ_LOCAL_FEATURES:
	case OP_READ_BUFFER_SIZE:
	case OP_READ_BD_ADDR:
	case OP_LE_READ_BUFFER_SIZE:
	case OP_LE_READ_LOCAL_FEATURES:
	case OP_LE_CREATE_CONN_CANCEL:
	case OP_LE_RAND:
	case OP_LE_READ_DEFAULT_DATA_LEN:
	case OP_LE_READ_MAX_DATA_LEN:
	case OP_LE_READ_BUFFER_SIZE_V2:
		return 0;
	case OP_SET_EVENT_MASK:
	case OP_SET_EVENT_MASK_PAGE_2:
	case OP_LE_SET_EVENT_MASK:
		return 8;
	case OP_LE_SET_RANDOM_ADDRESS:
		return 6;
	case OP_LE_SET_ADV_PARAM:
		return 15;
	case OP_LE_SET_ADV_DATA:
	case OP_LE_SET_SCAN_RSP_DATA:
		return 32;
	case OP_LE_SET_ADV_ENABLE:
		return 1;
	case OP_LE_SET_SCAN_PARAM:
		return 7;
	case OP_LE_SET_SCAN_ENABLE:
	case OP_LE_READ_REMOTE_FEATURES:
		return 2;
	case OP_LE_CREATE_CONN:
		return 25;
	case OP_DISCONNECT:
	case OP_LE_CONN_PARAM_NEG_REPLY:
		return 3;
	case OP_LE_CONN_UPDATE:
	case OP_LE_CONN_PARAM_REPLY:
		return 14;
	case OP_LE_SET_DATA_LEN:
		return 6;
	case OP_LE_WRITE_DEFAULT_DATA_LEN:
		return 4;
	default:
		return -1;
	}
}

static bool uses_status(uint16_t op)
{
	return op == OP_DISCONNECT || op == OP_LE_CREATE_CONN || op == OP_LE_CONN_UPDATE ||
	       op == OP_LE_READ_REMOTE_FEATURES || op == OP_LE_EXT_CREATE_CONN || op == OP_LE_SET_PHY ||
	       op == OP_READ_REMOTE_VERSION;
}

/* 1: a legacy advertising/scanning/initiating command, 2: an extended
 * one (Vol 4 Part E 3.1.1), 0: neither. */
static uint8_t adv_api_of(uint16_t op)
{
	switch (op) {
	case OP_LE_SET_ADV_PARAM:
	case OP_LE_SET_ADV_DATA:
	case OP_LE_SET_SCAN_RSP_DATA:
	case OP_LE_SET_ADV_ENABLE:
	case OP_LE_SET_SCAN_PARAM:
	case OP_LE_SET_SCAN_ENABLE:
	case OP_LE_CREATE_CONN:
		return 1;
	case OP_LE_SET_ADV_SET_RANDOM_ADDR:
	case OP_LE_SET_EXT_ADV_PARAM:
	case OP_LE_SET_EXT_ADV_DATA:
	case OP_LE_SET_EXT_SCAN_RSP_DATA:
	case OP_LE_SET_EXT_ADV_ENABLE:
	case OP_LE_READ_MAX_ADV_DATA_LEN:
	case OP_LE_READ_NUM_ADV_SETS:
	case OP_LE_REMOVE_ADV_SET:
	case OP_LE_CLEAR_ADV_SETS:
	case OP_LE_SET_EXT_SCAN_PARAM:
	case OP_LE_SET_EXT_SCAN_ENABLE:
	case OP_LE_EXT_CREATE_CONN:
		return 2;
	default:
		return 0;
	}
}

/* Since the last reset, the first legacy or extended command decides; the
 * other kind is then Command Disallowed. True when op was refused. */
static bool adv_api_clash(struct zble_sim_ctrl *c, uint16_t op)
{
	uint8_t api = adv_api_of(op);
	if (!api) {
		return false;
	}
	if (!c->adv_api) {
		c->adv_api = api;
	}
	if (c->adv_api == api) {
		return false;
	}
	ctrl_cmd_refuse(c, op, ST_CMD_DISALLOWED, uses_status(op));
	return true;
}

static void process_cmd(struct zble_sim_ctrl *c, const uint8_t *cmd, size_t len)
{
	uint16_t op = get_le16(cmd);
	const uint8_t *p = cmd + 3;
	uint8_t plen = cmd[2];
	uint8_t rp[80];
	c->stats.cmds++;

	/* Security and privacy commands (ctrl_sec.c) check their own lengths. */
	if (ctrl_sec_cmd(c, op, p, plen, len)) {
		return;
	}
	if (adv_api_clash(c, op)) {
		return;
	}
	/* So do the other command modules (parameters of variable length). */
	if ((size_t)plen + 3 == len &&
	    (ctrl_ext_adv_cmd(c, op, p, plen) || ctrl_ext_scan_cmd(c, op, p, plen) || ctrl_link_cmd(c, op, p, plen) ||
	     ctrl_fal_cmd(c, op, p, plen))) {
		return;
	}
	int min = cmd_min_len(op);
	if (min < 0) {
		c->stats.unknown_cmds++;
		cmd_complete_status(c, op, ST_UNKNOWN_CMD);
		return;
	}
	if (ctrl_cmd_bad_len(c, op, plen, len, min, uses_status(op))) {
		return;
	}

	switch (op) {
	case OP_RESET:
		ctrl_reset(c);
		cmd_complete_status(c, op, ST_SUCCESS);
		break;
	case OP_READ_LOCAL_VERSION:
		rp[0] = ST_SUCCESS;
		rp[1] = 0x0c; /* HCI version: Core 5.3 */
		put_le16(rp + 2, 0x0000);
		rp[4] = 0x0c; /* LMP/LL version */
		put_le16(rp + 5, 0xffff); /* manufacturer: none (testing) */
		put_le16(rp + 7, 0x0001);
		cmd_complete(c, op, rp, 9);
		break;
	case OP_READ_LOCAL_COMMANDS:
		rp[0] = ST_SUCCESS;
		supported_commands(rp + 1);
		cmd_complete(c, op, rp, 65);
		break;
	case OP_READ_LOCAL_FEATURES:
		memset(rp, 0, 9);
		rp[1 + 4] = (1u << 5) | (1u << 6); /* BR/EDR Not Supported, LE Supported (Controller) */
		cmd_complete(c, op, rp, 9);
		break;
	case OP_READ_BUFFER_SIZE:
		rp[0] = ST_SUCCESS;
		put_le16(rp + 1, c->acl_len);
		rp[3] = 0;
		put_le16(rp + 4, c->acl_num);
		put_le16(rp + 6, 0);
		cmd_complete(c, op, rp, 8);
		break;
	case OP_READ_BD_ADDR:
		rp[0] = ST_SUCCESS;
		memcpy(rp + 1, c->bd_addr, 6);
		cmd_complete(c, op, rp, 7);
		break;
	case OP_SET_EVENT_MASK:
		c->event_mask = get_le64(p);
		cmd_complete_status(c, op, ST_SUCCESS);
		break;
	case OP_SET_EVENT_MASK_PAGE_2:
		c->event_mask2 = get_le64(p);
		cmd_complete_status(c, op, ST_SUCCESS);
		break;
	case OP_LE_SET_EVENT_MASK:
		c->le_event_mask = get_le64(p);
		cmd_complete_status(c, op, ST_SUCCESS);
		break;
	case OP_LE_READ_BUFFER_SIZE:
		rp[0] = ST_SUCCESS;
		put_le16(rp + 1, c->acl_len);
		rp[3] = c->acl_num;
		cmd_complete(c, op, rp, 4);
		break;
	case OP_LE_READ_LOCAL_FEATURES:
		rp[0] = ST_SUCCESS;
		ctrl_le_features(rp + 1);
		cmd_complete(c, op, rp, 9);
		break;
	case OP_LE_READ_BUFFER_SIZE_V2:
		memset(rp, 0, 7); /* no isochronous buffers */
		put_le16(rp + 1, c->acl_len);
		rp[3] = c->acl_num;
		cmd_complete(c, op, rp, 7);
		break;
	case OP_LE_SET_RANDOM_ADDRESS:
		if (busy_with_addr(c)) {
			cmd_complete_status(c, op, ST_CMD_DISALLOWED);
			break;
		}
		memcpy(c->random_addr, p, 6);
		c->random_set = true;
		cmd_complete_status(c, op, ST_SUCCESS);
		break;
	case OP_LE_SET_ADV_PARAM:
		cmd_le_set_adv_param(c, op, p);
		break;
	case OP_LE_SET_ADV_DATA:
	case OP_LE_SET_SCAN_RSP_DATA:
		if (p[0] > 31) {
			cmd_complete_status(c, op, ST_INVALID_PARAM);
			break;
		}
		if (op == OP_LE_SET_ADV_DATA) {
			c->adv.data_len = p[0];
			memcpy(c->adv.data, p + 1, p[0]);
		} else {
			c->adv.rsp_len = p[0];
			memcpy(c->adv.rsp, p + 1, p[0]);
		}
		cmd_complete_status(c, op, ST_SUCCESS);
		break;
	case OP_LE_SET_ADV_ENABLE:
		cmd_le_set_adv_enable(c, op, p[0]);
		break;
	case OP_LE_SET_SCAN_PARAM: {
		uint16_t interval = get_le16(p + 1), window = get_le16(p + 3);
		uint8_t st = ST_SUCCESS;
		if (c->scan.enabled) {
			st = ST_CMD_DISALLOWED;
		} else if (p[0] > 1 || interval < 4 || interval > 0x4000 || window < 4 || window > interval || p[5] > 3 ||
			   p[6] > 3) {
			st = ST_INVALID_PARAM;
		} else {
			c->scan.phys = 1;
			c->scan.type = p[0];
			c->scan.interval = interval;
			c->scan.window = window;
			c->scan.own_type = p[5];
			c->scan.filter = p[6];
		}
		cmd_complete_status(c, op, st);
		break;
	}
	case OP_LE_SET_SCAN_ENABLE:
		cmd_le_set_scan_enable(c, op, p);
		break;
	case OP_LE_CREATE_CONN:
		cmd_le_create_conn(c, op, p);
		break;
	case OP_LE_CREATE_CONN_CANCEL:
		if (!c->init.active) {
			cmd_complete_status(c, op, ST_CMD_DISALLOWED);
			break;
		}
		cmd_complete_status(c, op, ST_SUCCESS);
		radio_init_cancel(c);
		break;
	case OP_DISCONNECT:
		cmd_disconnect(c, op, p);
		break;
	case OP_LE_CONN_UPDATE:
		cmd_le_conn_update(c, op, p);
		break;
	case OP_LE_READ_REMOTE_FEATURES:
		cmd_le_read_remote_features(c, op, p);
		break;
	case OP_LE_RAND:
		rp[0] = ST_SUCCESS;
		put_le64(rp + 1, sim_rng_next(&c->rng));
		cmd_complete(c, op, rp, 9);
		break;
	case OP_LE_CONN_PARAM_REPLY:
		cmd_le_param_reply(c, op, p, true);
		break;
	case OP_LE_CONN_PARAM_NEG_REPLY:
		cmd_le_param_reply(c, op, p, false);
		break;
	case OP_LE_SET_DATA_LEN:
		cmd_le_set_data_len(c, op, p);
		break;
	case OP_LE_READ_DEFAULT_DATA_LEN:
		rp[0] = ST_SUCCESS;
		put_le16(rp + 1, c->def_tx_octets);
		put_le16(rp + 3, c->def_tx_time);
		cmd_complete(c, op, rp, 5);
		break;
	case OP_LE_WRITE_DEFAULT_DATA_LEN: {
		uint16_t octets = get_le16(p), time = get_le16(p + 2);
		if (octets < 27 || octets > 251 || time < 328 || time > 17040) {
			cmd_complete_status(c, op, ST_INVALID_PARAM);
			break;
		}
		c->def_tx_octets = octets;
		c->def_tx_time = time;
		cmd_complete_status(c, op, ST_SUCCESS);
		break;
	}
	case OP_LE_READ_MAX_DATA_LEN:
		/* 251 octets, and the time they take on LE Coded (S=8) */
		rp[0] = ST_SUCCESS;
		put_le16(rp + 1, 251);
		put_le16(rp + 3, 17040);
		put_le16(rp + 5, 251);
		put_le16(rp + 7, 17040);
		cmd_complete(c, op, rp, 9);
		break;
	default:
		break;
	}
}

void ctrl_cmd_timer(struct zble_sim_ctrl *c)
{
	if (c->cmd_count == 0) {
		return;
	}
	struct zble_sim_pkt cmd = c->cmdq[c->cmd_head];
	c->cmd_head = (uint8_t)((c->cmd_head + 1) % ZBLE_SIM_CMD_QUEUE);
	c->cmd_count--;
	if (!faults_swallow(c, get_le16(cmd.data))) {
		process_cmd(c, cmd.data, cmd.len);
	}
	if (c->cmd_count > 0) {
		sim_timer_arm(c->dev->sim, &c->cmd_timer, c->dev->sim->now_us + c->cmd_latency_us);
	}
}

/* ---- host -> controller ---- */

static void acl_from_host(struct zble_sim_ctrl *c, const uint8_t *pkt, size_t len)
{
	if (len < 4 || (size_t)get_le16(pkt + 2) + 4 != len) {
		c->stats.acl_rejected++;
		return;
	}
	uint16_t hf = get_le16(pkt);
	uint16_t dlen = get_le16(pkt + 2);
	int side;
	struct zble_sim_link *l = radio_link_of(c, hf & 0x0fff, &side);
	if (!l || dlen > c->acl_len || dlen > sizeof(c->acl[0].data) || dlen == 0) {
		c->stats.acl_rejected++;
		return;
	}
	int used = 0, slot = -1;
	for (int i = 0; i < ZBLE_SIM_MAX_ACL_BUFS; i++) {
		if (c->acl[i].used) {
			used++;
		} else if (slot < 0) {
			slot = i;
		}
	}
	if (used >= c->acl_num || slot < 0) {
		c->stats.acl_overflow++;
		if ((c->event_mask >> 25) & 1) {
			uint8_t link_type = 0x01; /* ACL */
			ctrl_event(c, EVT_DATA_BUF_OVERFLOW, &link_type, 1);
		}
		return;
	}
	struct zble_sim_acl_buf *b = &c->acl[slot];
	b->used = true;
	b->link = (uint8_t)(l - c->dev->sim->links);
	b->llid = ((hf >> 12) & 3) == 0x01 ? 0x01 : 0x02;
	b->len = dlen;
	b->off = 0;
	b->seq = ++c->acl_seq;
	memcpy(b->data, pkt + 4, dlen);
	c->stats.acl_from_host++;
}

static int drv_open(struct zble_hci_driver *drv, zble_hci_recv_t recv, void *recv_ctx)
{
	struct zble_sim_ctrl *c = (struct zble_sim_ctrl *)drv;
	if (!recv) {
		return -EINVAL;
	}
	c->recv = recv;
	c->recv_ctx = recv_ctx;
	c->open = true;
	return 0;
}

static int drv_send(struct zble_hci_driver *drv, const uint8_t *pkt, size_t len)
{
	struct zble_sim_ctrl *c = (struct zble_sim_ctrl *)drv;
	struct zble_sim *sim = c->dev->sim;
	if (!c->open || !c->dev->present) {
		return -ENODEV;
	}
	if (len < 1) {
		drv->stats.framing_errors++;
		return -EINVAL;
	}
	drv->stats.tx_packets++;
	snoop(c, false, pkt, len);
	switch (pkt[0]) {
	case ZBLE_H4_CMD:
		if (len < 4 || (size_t)pkt[3] + 4 != len) {
			drv->stats.framing_errors++;
			return -EINVAL;
		}
		if (c->cmd_count >= ZBLE_SIM_CMD_QUEUE) {
			drv->stats.rx_dropped++;
			return -ENOBUFS;
		}
		struct zble_sim_pkt *slot = &c->cmdq[(c->cmd_head + c->cmd_count) % ZBLE_SIM_CMD_QUEUE];
		memcpy(slot->data, pkt + 1, len - 1);
		slot->len = (uint16_t)(len - 1);
		c->cmd_count++;
		faults_cmd_received(c, get_le16(pkt + 1));
		if (!c->cmd_timer.armed) {
			sim_timer_arm(sim, &c->cmd_timer, sim->now_us + c->cmd_latency_us);
		}
		return 0;
	case ZBLE_H4_ACL:
		acl_from_host(c, pkt + 1, len - 1);
		return 0;
	default:
		drv->stats.framing_errors++;
		return -EPROTO;
	}
}

static void drv_close(struct zble_hci_driver *drv)
{
	struct zble_sim_ctrl *c = (struct zble_sim_ctrl *)drv;
	c->open = false;
	c->th_count = 0;
	faults_flush(c);
	c->cmd_count = 0;
	sim_timer_cancel(&c->cmd_timer);
}

/* ---- life cycle ---- */

void ctrl_reset(struct zble_sim_ctrl *c)
{
	radio_drop_links(c);
	c->adv.enabled = false;
	sim_timer_cancel(&c->adv.timer);
	c->scan.enabled = false;
	sim_timer_cancel(&c->scan.timer);
	c->init.active = false;
	ctrl_ext_adv_reset(c);
	c->adv_api = 0;
	c->fal_count = 0;
	c->def_tx_phys = c->def_rx_phys = 0x07; /* no preference: all */
	c->event_mask = 0x00001fffffffffffull; /* defaults after reset */
	c->event_mask2 = 0;
	c->le_event_mask = 0x1f;
	c->random_set = false;
	memset(c->random_addr, 0, 6);
	c->def_tx_octets = 27;
	c->def_tx_time = 328;
	c->adv.interval_min = c->adv.interval_max = 0x0800;
	c->adv.type = ADV_IND;
	c->adv.own_type = 0;
	c->adv.chan_map = 7;
	c->adv.filter = 0;
	c->adv.data_len = c->adv.rsp_len = 0;
	c->scan.type = 0;
	c->scan.interval = c->scan.window = 0x10;
	c->scan.coded_type = 0;
	c->scan.coded_interval = c->scan.coded_window = 0x10;
	c->scan.phys = 1;
	c->scan.own_type = 0;
	c->scan.filter = 0;
	memset(c->acl, 0, sizeof(c->acl));
	c->th_count = 0; /* pending events are discarded */
	faults_flush(c);
	ctrl_sec_reset(c);
}

void ctrl_init(struct zble_sim_device *dev, const struct zble_sim_device_config *cfg)
{
	struct zble_sim_ctrl *c = &dev->ctrl;
	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->drv.name = "zble-sim";
	c->drv.open = drv_open;
	c->drv.send = drv_send;
	c->drv.close = drv_close;
	c->acl_len = cfg->acl_len ? cfg->acl_len : 251;
	if (c->acl_len > 251) {
		c->acl_len = 251;
	}
	c->acl_num = cfg->acl_num ? cfg->acl_num : 4;
	if (c->acl_num > ZBLE_SIM_MAX_ACL_BUFS) {
		c->acl_num = ZBLE_SIM_MAX_ACL_BUFS;
	}
	c->cmd_latency_us = cfg->cmd_latency_us ? cfg->cmd_latency_us : 50;
	if (!cfg->no_public_addr) {
		/* C0:FF:EE:5A:00:nn, nn = index + 1 (printed most significant first) */
		const uint8_t a[6] = { (uint8_t)(dev->index + 1), 0x00, 0x5a, 0xee, 0xff, 0xc0 };
		memcpy(c->bd_addr, a, 6);
	}
	for (int i = 0; i < ZBLE_SIM_MAX_CONN; i++) {
		c->conn_link[i] = NO_LINK;
	}
	sim_rng_seed(&c->rng, dev->sim->seed ^ (0xa0761d6478bd642full * (dev->index + 1u)));
	ctrl_reset(c);
}
