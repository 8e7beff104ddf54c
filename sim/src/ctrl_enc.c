/* Link encryption (Core Vol 6 Part B 5.1.3): LE Enable Encryption, the
 * peripheral host's LTK (negative) reply and the LL procedure between them
 * (LL_ENC_REQ/RSP, LL_START_ENC_REQ/RSP; LL_PAUSE_ENC_REQ/RSP first for a
 * key refresh). Payloads are not encrypted on the simulated air, but each
 * side derives its session key SK = e(LTK, SKD) for real: when the two
 * differ, the central's first encrypted packet (LL_START_ENC_RSP) fails the
 * peripheral's MIC check, which ends the link there with 0x3d; the
 * central, hearing nothing more, sees its supervision timeout, as on a
 * real link. Not modelled: pausing ACL data during the procedure, the 40 s
 * LL response timeout. */
#include "sim_internal.h"
#include "aes128.h"

#define OP_READ_ENC_KEY_SIZE OP(0x05, 0x0008)
#define OP_LE_ENABLE_ENC OP(0x08, 0x0019)
#define OP_LE_LTK_REPLY OP(0x08, 0x001a)
#define OP_LE_LTK_NEG_REPLY OP(0x08, 0x001b)

#define EVT_ENC_CHANGE 0x08
#define EVT_ENC_KEY_REFRESH 0x30
#define LE_LTK_REQ 0x05

/* The central's procedure stages (struct zble_sim_link_sec.proc). */
enum {
	PROC_IDLE,
	PROC_PAUSE, /* LL_PAUSE_ENC_REQ sent */
	PROC_ENC,   /* LL_ENC_REQ sent */
	PROC_START, /* LL_START_ENC_REQ received: sending encrypted */
};

static struct zble_sim_ctrl *side_ctrl(struct zble_sim *sim, const struct zble_sim_link *l, int side)
{
	return &sim->devices[l->dev[side]].ctrl;
}

static void queue(struct zble_sim_link *l, int side, uint8_t op, uint8_t len)
{
	struct zble_sim_llctrl pdu = { .op = op, .len = len };
	(void)radio_queue_ctrl(l, side, &pdu);
}

/* The peripheral turns the procedure down: Pin or Key Missing. */
static void queue_reject(struct zble_sim_link *l)
{
	struct zble_sim_llctrl pdu = { .op = LL_REJECT_EXT_IND, .len = 3, .reason = ST_PIN_OR_KEY_MISSING,
				       .a = LL_ENC_REQ };
	(void)radio_queue_ctrl(l, 1, &pdu);
}

/* Encryption Change (v1) or, for a refresh that succeeded, Encryption Key
 * Refresh Complete; each under its event mask bit (7, 47). */
static void notify(struct zble_sim_link *l, struct zble_sim_ctrl *c, int side, uint8_t status)
{
	uint16_t handle = l->handle[side];
	if (l->sec.refresh && status == ST_SUCCESS) {
		if ((c->event_mask >> 47) & 1) {
			uint8_t p[3] = { status, (uint8_t)handle, (uint8_t)(handle >> 8) };
			ctrl_event(c, EVT_ENC_KEY_REFRESH, p, 3);
		}
		return;
	}
	if ((c->event_mask >> 7) & 1) {
		uint8_t p[4] = { status, (uint8_t)handle, (uint8_t)(handle >> 8), l->sec.encrypted ? 0x01 : 0x00 };
		ctrl_event(c, EVT_ENC_CHANGE, p, 4);
	}
}

/* ---- commands ---- */

static void cmd_enable(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	int side;
	struct zble_sim_link *l = radio_link_of(c, get_le16(p) & 0x0fff, &side);
	uint8_t st = ST_SUCCESS;
	if (!l) {
		st = ST_UNKNOWN_CONN_ID;
	} else if (side != 0 || l->sec.proc != PROC_IDLE || l->sec.ltk_wait) {
		st = ST_CMD_DISALLOWED; /* the central only, one procedure at a time */
	}
	ctrl_cmd_status(c, op, st);
	if (st) {
		return;
	}
	struct zble_sim_link_sec *sec = &l->sec;
	memcpy(sec->rand, p + 2, 8);
	sec->ediv = get_le16(p + 10);
	memcpy(sec->ltk[0], p + 12, 16);
	memset(sec->sk, 0, sizeof(sec->sk));
	sec_rand(c, sec->skd, 8); /* SKDm */
	sec_rand(c, sec->iv, 4);  /* IVm */
	sec->refresh = sec->encrypted;
	if (sec->refresh) {
		sec->proc = PROC_PAUSE;
		queue(l, 0, LL_PAUSE_ENC_REQ, 1);
	} else {
		sec->proc = PROC_ENC;
		queue(l, 0, LL_ENC_REQ, 23); /* Rand, EDIV, SKDm, IVm */
	}
}

static void cmd_ltk_reply(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, bool positive)
{
	uint16_t handle = get_le16(p) & 0x0fff;
	int side;
	struct zble_sim_link *l = radio_link_of(c, handle, &side);
	/* Disallowed unless the peripheral has an LTK Request waiting. */
	uint8_t st = !l ? ST_UNKNOWN_CONN_ID : side != 1 || !l->sec.ltk_wait ? ST_CMD_DISALLOWED : ST_SUCCESS;
	ctrl_handle_status(c, op, st, handle);
	if (st) {
		return;
	}
	l->sec.ltk_wait = false;
	if (!positive) {
		queue_reject(l);
		return;
	}
	memcpy(l->sec.ltk[1], p + 2, 16);
	sim_le_e(l->sec.ltk[1], l->sec.skd, l->sec.sk[1]);
	queue(l, 1, LL_START_ENC_REQ, 1);
}

static void cmd_key_size(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p)
{
	uint16_t handle = get_le16(p) & 0x0fff;
	int side;
	struct zble_sim_link *l = radio_link_of(c, handle, &side);
	uint8_t rp[4] = { ST_SUCCESS, (uint8_t)handle, (uint8_t)(handle >> 8), 16 };
	if (!l) {
		rp[0] = ST_UNKNOWN_CONN_ID;
	} else if (!l->sec.encrypted) {
		rp[0] = ST_INSUFFICIENT_SECURITY;
	}
	if (rp[0]) {
		rp[3] = 0;
	}
	ctrl_cmd_complete(c, op, rp, 4);
}

bool enc_cmd(struct zble_sim_ctrl *c, uint16_t op, const uint8_t *p, uint8_t plen, size_t len)
{
	int min;
	switch (op) {
	case OP_LE_ENABLE_ENC:
		min = 28;
		break;
	case OP_LE_LTK_REPLY:
		min = 18;
		break;
	case OP_LE_LTK_NEG_REPLY:
	case OP_READ_ENC_KEY_SIZE:
		min = 2;
		break;
	default:
		return false;
	}
	if (ctrl_cmd_bad_len(c, op, plen, len, min, op == OP_LE_ENABLE_ENC)) {
		return true;
	}
	switch (op) {
	case OP_LE_ENABLE_ENC:
		cmd_enable(c, op, p);
		break;
	case OP_LE_LTK_REPLY:
	case OP_LE_LTK_NEG_REPLY:
		cmd_ltk_reply(c, op, p, op == OP_LE_LTK_REPLY);
		break;
	default:
		cmd_key_size(c, op, p);
		break;
	}
	return true;
}

void enc_supported_commands(uint8_t out[64])
{
	out[20] |= 1u << 4;                           /* Read Encryption Key Size */
	out[28] |= (1u << 0) | (1u << 1) | (1u << 2); /* LE Enable Encryption, LTK (Negative) Reply */
}

/* ---- the LL procedure ---- */

/* LL_ENC_REQ at the peripheral: answer with SKDs/IVs, ask the host. */
static void enc_req(struct zble_sim *sim, struct zble_sim_link *l)
{
	struct zble_sim_ctrl *p = side_ctrl(sim, l, 1);
	sec_rand(p, l->sec.skd + 8, 8); /* SKDs */
	sec_rand(p, l->sec.iv + 4, 4);  /* IVs */
	queue(l, 1, LL_ENC_RSP, 13);
	if (!ctrl_le_event_enabled(p, 4)) {
		queue_reject(l); /* nobody to ask for the key */
		return;
	}
	l->sec.ltk_wait = true;
	uint8_t ev[13] = { LE_LTK_REQ };
	put_le16(ev + 1, l->handle[1]);
	memcpy(ev + 3, l->sec.rand, 8);
	put_le16(ev + 11, l->sec.ediv);
	ctrl_event(p, EVT_LE_META, ev, 13);
}

/* LL_START_ENC_RSP, the central's first encrypted packet, at the
 * peripheral: the MIC check. */
static void start_rsp_at_peripheral(struct zble_sim *sim, struct zble_sim_link *l)
{
	if (memcmp(l->sec.sk[0], l->sec.sk[1], 16) != 0) {
		l->sec.mic_failures++;
		radio_disconnect_side(sim, l, 1, ST_MIC_FAILURE);
		return;
	}
	l->sec.encrypted = true;
	notify(l, side_ctrl(sim, l, 1), 1, ST_SUCCESS);
	queue(l, 1, LL_START_ENC_RSP, 1);
}

static void done_at_central(struct zble_sim *sim, struct zble_sim_link *l, uint8_t status)
{
	l->sec.proc = PROC_IDLE;
	notify(l, side_ctrl(sim, l, 0), 0, status);
	l->sec.refresh = false;
}

bool ctrl_sec_ll_rx(struct zble_sim *sim, struct zble_sim_link *l, int s, const struct zble_sim_llctrl *pdu)
{
	switch (pdu->op) {
	case LL_PAUSE_ENC_REQ:
		queue(l, 1, LL_PAUSE_ENC_RSP, 1);
		break;
	case LL_PAUSE_ENC_RSP:
		l->sec.encrypted = false; /* paused: unencrypted until the new key */
		if (s == 1) {
			l->sec.proc = PROC_ENC;
			queue(l, 0, LL_PAUSE_ENC_RSP, 1);
			queue(l, 0, LL_ENC_REQ, 23);
		}
		break;
	case LL_ENC_REQ:
		enc_req(sim, l);
		break;
	case LL_ENC_RSP:
		sim_le_e(l->sec.ltk[0], l->sec.skd, l->sec.sk[0]);
		break;
	case LL_START_ENC_REQ:
		l->sec.proc = PROC_START;
		queue(l, 0, LL_START_ENC_RSP, 1);
		break;
	case LL_START_ENC_RSP:
		if (s == 0) {
			start_rsp_at_peripheral(sim, l);
		} else {
			done_at_central(sim, l, ST_SUCCESS);
		}
		break;
	case LL_REJECT_IND:
	case LL_REJECT_EXT_IND:
		if (pdu->op == LL_REJECT_EXT_IND && pdu->a != LL_ENC_REQ) {
			return false; /* another procedure's (radio.c) */
		}
		l->sec.encrypted = false;
		done_at_central(sim, l, pdu->reason);
		break;
	default:
		return false;
	}
	return true;
}
