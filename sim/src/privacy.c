/* Controller-based privacy (Core Vol 6 Part B 1.3.2, 4.7; Vol 4 Part E
 * 7.8.38-7.8.45, 7.8.77): the resolving list, local RPAs for own address
 * types 0x02/0x03 and resolution of peer RPAs. */
#include "sim_internal.h"
#include "aes128.h"

#define OP_LE_ADD_RL OP(0x08, 0x0027)
#define OP_LE_REMOVE_RL OP(0x08, 0x0028)
#define OP_LE_CLEAR_RL OP(0x08, 0x0029)
#define OP_LE_READ_RL_SIZE OP(0x08, 0x002a)
#define OP_LE_READ_PEER_RPA OP(0x08, 0x002b)
#define OP_LE_READ_LOCAL_RPA OP(0x08, 0x002c)
#define OP_LE_SET_ADDR_RES OP(0x08, 0x002d)
#define OP_LE_SET_RPA_TIMEOUT OP(0x08, 0x002e)
#define OP_LE_SET_PRIVACY_MODE OP(0x08, 0x004e)

#define RPA_TIMEOUT_DEFAULT_S 900 /* 15 minutes */

static bool irk_zero(const uint8_t irk[16])
{
	uint8_t acc = 0;
	for (int i = 0; i < 16; i++) {
		acc |= irk[i];
	}
	return acc == 0;
}

/* A resolvable private address: random, top two bits 0b01. */
static bool is_rpa(uint8_t type, const uint8_t addr[6])
{
	return (type & 1) && (addr[5] >> 6) == 1;
}

static bool resolves(const uint8_t irk[16], const uint8_t addr[6])
{
	uint8_t hash[3];
	sim_ah(irk, addr + 3, hash);
	return !memcmp(hash, addr, 3);
}

/* The RPA of irk for the current RPA period. prand is a keyed draw over the
 * period number, so it is fixed within a period and fresh in the next one:
 * the controller's RNG picked the key, and the address is a pure function
 * of time, so no timer is needed and lookups stay read-only. */
static void make_rpa(const struct zble_sim_ctrl *c, const uint8_t irk[16], uint8_t out[6])
{
	const struct zble_sim_ctrl_sec *sec = &c->sec;
	uint64_t period_us = (uint64_t)sec->rpa_timeout_s * 1000000u;
	uint64_t now = c->dev->sim->now_us;
	uint64_t n = now >= sec->rpa_base ? (now - sec->rpa_base) / period_us : 0;
	uint8_t key[16], blk[16] = { 0 }, r[16];
	for (int i = 0; i < 16; i++) {
		key[i] = (uint8_t)(sec->rpa_secret[i] ^ irk[i]);
	}
	put_le64(blk, n);
	put_le64(blk + 8, sec->rpa_gen);
	sim_aes128(key, blk, r);
	/* prand: 22 random bits, neither all 0 nor all 1, then 0b01 on top */
	out[3] = r[0];
	out[4] = r[1];
	out[5] = (uint8_t)((r[2] & 0x3f) | 0x40);
	bool zeros = !out[3] && !out[4] && !(out[5] & 0x3f);
	bool ones = out[3] == 0xff && out[4] == 0xff && (out[5] & 0x3f) == 0x3f;
	if (zeros || ones) {
		out[3] ^= 0x01;
	}
	sim_ah(irk, out + 3, out);
}

static int find_identity(const struct zble_sim_ctrl *c, uint8_t type, const uint8_t addr[6])
{
	for (int i = 0; i < ZBLE_SIM_RL_SIZE; i++) {
		const struct zble_sim_rl_entry *e = &c->sec.rl[i];
		if (e->used && e->id_type == (type & 1) && !memcmp(e->id, addr, 6)) {
			return i;
		}
	}
	return -1;
}

/* The entry whose peer IRK resolves (type, addr), or -1. */
static int resolve_peer(const struct zble_sim_ctrl *c, uint8_t type, const uint8_t addr[6])
{
	if (!c->sec.res_enabled || !is_rpa(type, addr)) {
		return -1;
	}
	for (int i = 0; i < ZBLE_SIM_RL_SIZE; i++) {
		const struct zble_sim_rl_entry *e = &c->sec.rl[i];
		if (e->used && !irk_zero(e->peer_irk) && resolves(e->peer_irk, addr)) {
			return i;
		}
	}
	return -1;
}

/* Network privacy mode: a peer that has an IRK is not accepted with its
 * identity address (Vol 6 Part B 4.7). */
static bool identity_refused(const struct zble_sim_ctrl *c, uint8_t type, const uint8_t addr[6])
{
	if (!c->sec.res_enabled) {
		return false;
	}
	int i = find_identity(c, type, addr);
	return i >= 0 && !c->sec.rl[i].device_mode && !irk_zero(c->sec.rl[i].peer_irk);
}

/* ---- hooks ---- */

bool ctrl_sec_own_rpa(const struct zble_sim_ctrl *c, uint8_t addr[6])
{
	if (!c->sec.res_enabled) {
		return false;
	}
	/* The first entry with a local IRK: hosts give every entry the same
	 * local IRK (their identity's), so which one does not matter. */
	for (int i = 0; i < ZBLE_SIM_RL_SIZE; i++) {
		const struct zble_sim_rl_entry *e = &c->sec.rl[i];
		if (e->used && !irk_zero(e->local_irk)) {
			make_rpa(c, e->local_irk, addr);
			return true;
		}
	}
	return false;
}

bool ctrl_sec_report_addr(struct zble_sim_ctrl *s, uint8_t *type, uint8_t addr[6])
{
	if (*type >= 2) {
		return true; /* resolved already (a legacy PDU for an extended scanner) */
	}
	int i = resolve_peer(s, *type, addr);
	if (i >= 0) {
		struct zble_sim_rl_entry *e = &s->sec.rl[i];
		memcpy(e->peer_rpa, addr, 6);
		memcpy(addr, e->id, 6);
		*type = (uint8_t)(e->id_type | 0x02);
		return true;
	}
	return !identity_refused(s, *type, addr);
}

bool ctrl_sec_init_match(const struct zble_sim_ctrl *s, uint8_t type, const uint8_t addr[6])
{
	int i = resolve_peer(s, type, addr);
	if (i >= 0) {
		const struct zble_sim_rl_entry *e = &s->sec.rl[i];
		return (s->init.peer_type & 1) == e->id_type && !memcmp(s->init.peer, e->id, 6);
	}
	if (identity_refused(s, type, addr)) {
		return false;
	}
	return s->init.peer_type == type && !memcmp(s->init.peer, addr, 6);
}

void ctrl_sec_target_addr(const struct zble_sim_ctrl *c, uint8_t own_type, uint8_t *type, uint8_t addr[6])
{
	if (!c->sec.res_enabled || own_type < 2) {
		return;
	}
	int i = find_identity(c, *type, addr);
	if (i >= 0 && !irk_zero(c->sec.rl[i].peer_irk)) {
		*type = 1;
		make_rpa(c, c->sec.rl[i].peer_irk, addr);
	}
}

bool ctrl_sec_target_resolves(const struct zble_sim_ctrl *s, uint8_t type, const uint8_t addr[6])
{
	if (!s->sec.res_enabled || !is_rpa(type, addr)) {
		return false;
	}
	for (int i = 0; i < ZBLE_SIM_RL_SIZE; i++) {
		const struct zble_sim_rl_entry *e = &s->sec.rl[i];
		if (e->used && !irk_zero(e->local_irk) && resolves(e->local_irk, addr)) {
			return true;
		}
	}
	return false;
}

void ctrl_sec_conn_addrs(struct zble_sim_ctrl *c, uint8_t *ev, bool enhanced, uint8_t adv_handle)
{
	int side;
	if (ev[1] != ST_SUCCESS || !radio_link_of(c, get_le16(ev + 2) & 0x0fff, &side)) {
		return;
	}
	/* ev: subevent, status, handle, role, peer type, peer address; the
	 * enhanced form then has the local RPA and the peer RPA. */
	uint8_t own_type = c->init.own_type;
	if (ev[4] == 0x01) {
		struct zble_sim_adv_set *set = adv_handle == NO_ADV_SET ? NULL : ctrl_set_find(c, adv_handle);
		own_type = set ? set->own_type : c->adv.own_type;
	}
	uint8_t local[6];
	if (enhanced && own_type >= 2 && ctrl_sec_own_rpa(c, local)) {
		memcpy(ev + 12, local, 6);
	}
	int i = resolve_peer(c, ev[5], ev + 6);
	if (i < 0) {
		return;
	}
	struct zble_sim_rl_entry *e = &c->sec.rl[i];
	memcpy(e->peer_rpa, ev + 6, 6);
	if (enhanced) {
		memcpy(ev + 18, ev + 6, 6);
		ev[5] = (uint8_t)(e->id_type | 0x02);
	} else {
		ev[5] = e->id_type; /* the legacy event has no resolved types */
	}
	memcpy(ev + 6, e->id, 6);
}

/* ---- commands ---- */

static bool busy(const struct zble_sim_ctrl *c)
{
	bool sets = false;
	for (int i = 0; i < ZBLE_SIM_ADV_SETS; i++) {
		sets |= c->sets[i].used && c->sets[i].enabled;
	}
	return sets || c->adv.enabled || c->scan.enabled || c->init.active;
}

/* Vol 4 Part E 7.8.38: the list may not change while address resolution
 * is on and advertising, scanning or initiating is. */
static bool list_locked(const struct zble_sim_ctrl *c)
{
	return c->sec.res_enabled && busy(c);
}

static void fresh_rpas(struct zble_sim_ctrl *c)
{
	c->sec.rpa_base = c->dev->sim->now_us;
	c->sec.rpa_gen++;
}

static uint8_t add_entry(struct zble_sim_ctrl *c, const uint8_t *p)
{
	if (p[0] > 1) {
		return ST_INVALID_PARAM;
	}
	if (list_locked(c)) {
		return ST_CMD_DISALLOWED;
	}
	if (find_identity(c, p[0], p + 1) >= 0) {
		return ST_INVALID_PARAM; /* the identity is already there */
	}
	for (int i = 0; i < ZBLE_SIM_RL_SIZE; i++) {
		struct zble_sim_rl_entry *e = &c->sec.rl[i];
		if (!e->used) {
			memset(e, 0, sizeof(*e));
			e->used = true;
			e->id_type = p[0];
			memcpy(e->id, p + 1, 6);
			memcpy(e->peer_irk, p + 7, 16);
			memcpy(e->local_irk, p + 23, 16);
			return ST_SUCCESS;
		}
	}
	return ST_MEM_EXCEEDED;
}

static int min_len(uint16_t op)
{
	switch (op) {
	case OP_LE_ADD_RL:
		return 39;
	case OP_LE_REMOVE_RL:
	case OP_LE_READ_PEER_RPA:
	case OP_LE_READ_LOCAL_RPA:
		return 7;
	case OP_LE_CLEAR_RL:
	case OP_LE_READ_RL_SIZE:
		return 0;
	case OP_LE_SET_ADDR_RES:
		return 1;
	case OP_LE_SET_RPA_TIMEOUT:
		return 2;
	case OP_LE_SET_PRIVACY_MODE:
		return 8;
	default:
		return -1;
	}
}

bool privacy_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen, size_t len)
{
	int min = min_len(op);
	if (min < 0) {
		return false;
	}
	if (ctrl_cmd_bad_len(c, op, plen, len, min, false)) {
		return true;
	}
	uint8_t rp[7] = { ST_SUCCESS };
	int i;
	switch (op) {
	case OP_LE_ADD_RL:
		ctrl_cmd_complete_status(c, op, add_entry(c, p));
		break;
	case OP_LE_REMOVE_RL:
		i = p[0] > 1 ? -1 : find_identity(c, p[0], p + 1);
		rp[0] = list_locked(c) ? ST_CMD_DISALLOWED : i < 0 ? ST_UNKNOWN_CONN_ID : ST_SUCCESS;
		if (!rp[0]) {
			memset(&c->sec.rl[i], 0, sizeof(c->sec.rl[i]));
		}
		ctrl_cmd_complete_status(c, op, rp[0]);
		break;
	case OP_LE_CLEAR_RL:
		rp[0] = list_locked(c) ? ST_CMD_DISALLOWED : ST_SUCCESS;
		if (!rp[0]) {
			memset(c->sec.rl, 0, sizeof(c->sec.rl));
		}
		ctrl_cmd_complete_status(c, op, rp[0]);
		break;
	case OP_LE_READ_RL_SIZE:
		rp[1] = ZBLE_SIM_RL_SIZE;
		ctrl_cmd_complete(c, op, rp, 2);
		break;
	case OP_LE_READ_PEER_RPA:
	case OP_LE_READ_LOCAL_RPA:
		i = p[0] > 1 ? -1 : find_identity(c, p[0], p + 1);
		if (i < 0) {
			ctrl_cmd_complete_status(c, op, ST_UNKNOWN_CONN_ID);
			break;
		}
		if (op == OP_LE_READ_PEER_RPA) {
			memcpy(rp + 1, c->sec.rl[i].peer_rpa, 6);
		} else if (c->sec.res_enabled && !irk_zero(c->sec.rl[i].local_irk)) {
			make_rpa(c, c->sec.rl[i].local_irk, rp + 1);
		}
		ctrl_cmd_complete(c, op, rp, 7);
		break;
	case OP_LE_SET_ADDR_RES:
		rp[0] = p[0] > 1 ? ST_INVALID_PARAM : busy(c) ? ST_CMD_DISALLOWED : ST_SUCCESS;
		if (!rp[0] && p[0] && !c->sec.res_enabled) {
			fresh_rpas(c);
		}
		if (!rp[0]) {
			c->sec.res_enabled = p[0];
		}
		ctrl_cmd_complete_status(c, op, rp[0]);
		break;
	case OP_LE_SET_RPA_TIMEOUT: {
		uint16_t t = get_le16(p);
		rp[0] = t < 1 || t > 0x0e10 ? ST_INVALID_PARAM : ST_SUCCESS;
		if (!rp[0]) {
			/* the new period starts now, with fresh addresses */
			c->sec.rpa_timeout_s = t;
			fresh_rpas(c);
		}
		ctrl_cmd_complete_status(c, op, rp[0]);
		break;
	}
	case OP_LE_SET_PRIVACY_MODE:
		i = p[0] > 1 ? -1 : find_identity(c, p[0], p + 1);
		rp[0] = p[7] > 1 ? ST_INVALID_PARAM : list_locked(c) ? ST_CMD_DISALLOWED : i < 0 ? ST_UNKNOWN_CONN_ID
										      : ST_SUCCESS;
		if (!rp[0]) {
			c->sec.rl[i].device_mode = p[7] == 1;
		}
		ctrl_cmd_complete_status(c, op, rp[0]);
		break;
	default:
		return false;
	}
	return true;
}

void privacy_supported_commands(uint8_t out[64])
{
	out[34] |= (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7); /* add, remove, clear, size, peer RPA */
	out[35] |= (1u << 0) | (1u << 1) | (1u << 2); /* local RPA, resolution enable, RPA timeout */
	out[39] |= 1u << 2;                             /* LE Set Privacy Mode */
}

void privacy_reset(struct zble_sim_ctrl *c)
{
	memset(c->sec.rl, 0, sizeof(c->sec.rl));
	c->sec.res_enabled = false;
	c->sec.rpa_timeout_s = RPA_TIMEOUT_DEFAULT_S;
	sec_rand(c, c->sec.rpa_secret, 16);
	fresh_rpas(c);
}
