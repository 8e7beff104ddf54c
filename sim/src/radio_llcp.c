/* LL control procedures beyond connection parameters and data length: the
 * PHY update procedure (LL_PHY_REQ/RSP/UPDATE_IND with an instant, and its
 * collisions) and the version exchange (LL_VERSION_IND); and what a PHY
 * means for the packets of a link (their time and largest payload). */
#include "sim_internal.h"

#define CODED_MIN_TIME 2704 /* 27 octets on LE Coded S=8 (Vol 6 Part B 4.5.10) */

static struct zble_sim_ctrl *side_ctrl(struct zble_sim *sim, const struct zble_sim_link *l, int side)
{
	return &sim->devices[l->dev[side]].ctrl;
}

/* ---- packet sizes ---- */

uint16_t llcp_eff_time(const struct zble_sim_link *l, int side)
{
	uint16_t t = l->max_tx_time[side];
	if (l->phy[side] == ZBLE_SIM_PHY_CODED && t < CODED_MIN_TIME) {
		return CODED_MIN_TIME;
	}
	return t;
}

uint16_t llcp_tx_octets(const struct zble_sim_link *l, int side)
{
	uint32_t t = llcp_eff_time(l, side), fit;
	switch (l->phy[side]) {
	case ZBLE_SIM_PHY_2M:
		fit = t / 4u - 11u;
		break;
	case ZBLE_SIM_PHY_CODED:
		fit = (t - 720u) / 64u;
		break;
	default:
		fit = t / 8u - 10u;
		break;
	}
	return (uint16_t)(fit < l->max_tx_octets[side] ? fit : l->max_tx_octets[side]);
}

void llcp_dlc_event(struct zble_sim *sim, const struct zble_sim_link *l)
{
	for (int s = 0; s < 2; s++) {
		uint8_t p[11] = { LE_DATA_LEN_CHANGE };
		put_le16(p + 1, l->handle[s]);
		put_le16(p + 3, l->max_tx_octets[s]);
		put_le16(p + 5, llcp_eff_time(l, s));
		put_le16(p + 7, l->max_tx_octets[!s]);
		put_le16(p + 9, llcp_eff_time(l, !s));
		ctrl_le_event(side_ctrl(sim, l, s), 6, p, 11);
	}
}

/* ---- PHY update ---- */

static void phy_event(struct zble_sim *sim, struct zble_sim_link *l, int side, uint8_t status)
{
	l->phy_host_req[side] = false;
	uint8_t p[6] = { LE_PHY_UPDATE_COMPLETE, status };
	put_le16(p + 2, l->handle[side]);
	p[4] = l->phy[side];
	p[5] = l->phy[!side];
	ctrl_le_event(side_ctrl(sim, l, side), 11, p, 6);
}

bool radio_phy_start(struct zble_sim_link *l, int side)
{
	if (l->phy_proc[side] || l->phy_upd_pending) {
		return true; /* one is under way: its outcome answers the host */
	}
	struct zble_sim_llctrl pdu = { .op = LL_PHY_REQ, .len = 2, .a = l->phy_tx_pref[side], .b = l->phy_rx_pref[side] };
	if (!radio_queue_ctrl(l, side, &pdu)) {
		return false;
	}
	l->phy_proc[side] = true;
	return true;
}

/* From a set of PHYs both ends accept: 2M, else 1M, else Coded; 0 when
 * none or when it is the PHY in use (nothing changes). */
static uint8_t pick_phy(uint8_t mask, uint8_t cur)
{
	uint8_t phy = (mask & 2) ? ZBLE_SIM_PHY_2M : (mask & 1) ? ZBLE_SIM_PHY_1M : (mask & 4) ? ZBLE_SIM_PHY_CODED : 0;
	return phy == cur ? 0 : phy;
}

/* The central decides, from its own preferences and the peripheral's. */
static void phy_decide(struct zble_sim_link *l, uint8_t p_tx, uint8_t p_rx)
{
	struct zble_sim_llctrl ind = { .op = LL_PHY_UPDATE_IND, .len = 5 };
	ind.a = pick_phy(l->phy_tx_pref[0] & p_rx, l->phy[0]);
	ind.b = pick_phy(l->phy_rx_pref[0] & p_tx, l->phy[1]);
	if (ind.a || ind.b) {
		ind.instant = (uint16_t)(l->counter + 6);
	}
	radio_queue_ctrl(l, 0, &ind);
}

/* Both ends switch at the instant; hosts hear of a change, or of the end
 * of the procedure they asked for. */
static void phy_apply(struct zble_sim *sim, struct zble_sim_link *l)
{
	uint16_t before[2] = { llcp_eff_time(l, 0), llcp_eff_time(l, 1) };
	bool changed = false;
	for (int s = 0; s < 2; s++) {
		if (l->phy_new[s] && l->phy_new[s] != l->phy[s]) {
			l->phy[s] = l->phy_new[s];
			changed = true;
		}
	}
	l->phy_upd_pending = false;
	l->phy_proc[0] = l->phy_proc[1] = false;
	for (int s = 0; s < 2; s++) {
		if (changed || l->phy_host_req[s]) {
			phy_event(sim, l, s, ST_SUCCESS);
		}
	}
	if (before[0] != llcp_eff_time(l, 0) || before[1] != llcp_eff_time(l, 1)) {
		llcp_dlc_event(sim, l);
	}
}

void llcp_phy_instant(struct zble_sim *sim, struct zble_sim_link *l)
{
	if (l->phy_upd_pending && l->counter == l->phy_instant) {
		phy_apply(sim, l);
	}
}

/* ---- version exchange ---- */

static void version_event(struct zble_sim *sim, struct zble_sim_link *l, int side)
{
	struct zble_sim_ctrl *c = side_ctrl(sim, l, side);
	l->ver_host_req[side] = false;
	if (!((c->event_mask >> 11) & 1)) {
		return;
	}
	/* The peer is a zble-sim controller too: what Read Local Version says. */
	uint8_t p[8] = { ST_SUCCESS };
	put_le16(p + 1, l->handle[side]);
	p[3] = 0x0c;
	put_le16(p + 4, 0xffff);
	put_le16(p + 6, 0x0001);
	ctrl_event(c, EVT_REMOTE_VERSION_COMPLETE, p, 8);
}

bool radio_version_start(struct zble_sim *sim, struct zble_sim_link *l, int side)
{
	if (l->ver_rcvd[side]) {
		version_event(sim, l, side); /* exchanged once per connection */
		return true;
	}
	if (!l->ver_sent[side]) {
		struct zble_sim_llctrl pdu = { .op = LL_VERSION_IND, .len = 5 };
		if (!radio_queue_ctrl(l, side, &pdu)) {
			return false;
		}
		l->ver_sent[side] = true;
	}
	l->ver_host_req[side] = true;
	return true;
}

/* ---- delivery ---- */

bool llcp_deliver(struct zble_sim *sim, struct zble_sim_link *l, int s, const struct zble_sim_llctrl *pdu)
{
	int o = !s;
	switch (pdu->op) {
	case LL_PHY_REQ:
		if (o == 1) {
			/* The peripheral answers; a request of its own loses. */
			struct zble_sim_llctrl rsp = { .op = LL_PHY_RSP, .len = 2, .a = l->phy_tx_pref[1],
						       .b = l->phy_rx_pref[1] };
			radio_queue_ctrl(l, 1, &rsp);
		} else if (l->phy_proc[0] || l->phy_upd_pending) {
			struct zble_sim_llctrl rej = { .op = LL_REJECT_EXT_IND, .len = 3, .reason = ST_LL_PROC_COLLISION,
						       .a = LL_PHY_REQ };
			radio_queue_ctrl(l, 0, &rej);
		} else {
			l->phy_proc[0] = true; /* the central runs it now */
			phy_decide(l, (uint8_t)pdu->a, (uint8_t)pdu->b);
		}
		return true;
	case LL_PHY_RSP:
		if (o == 0 && l->phy_proc[0]) {
			phy_decide(l, (uint8_t)pdu->a, (uint8_t)pdu->b);
		}
		return true;
	case LL_PHY_UPDATE_IND:
		l->phy_new[0] = (uint8_t)pdu->a;
		l->phy_new[1] = (uint8_t)pdu->b;
		if (!pdu->a && !pdu->b) {
			phy_apply(sim, l); /* nothing changes: done now */
			return true;
		}
		if ((uint16_t)(pdu->instant - l->counter) >= 0x8000 || pdu->instant == l->counter) {
			radio_disconnect_side(sim, l, 0, ST_INSTANT_PASSED);
			radio_disconnect_side(sim, l, 1, ST_INSTANT_PASSED);
			return true;
		}
		l->phy_upd_pending = true;
		l->phy_instant = pdu->instant;
		return true;
	case LL_REJECT_EXT_IND:
		if (pdu->a != LL_PHY_REQ) {
			return false;
		}
		l->phy_proc[o] = false;
		if (l->phy_host_req[o]) {
			phy_event(sim, l, o, pdu->reason);
		}
		return true;
	case LL_VERSION_IND:
		l->ver_rcvd[o] = true;
		if (!l->ver_sent[o]) {
			struct zble_sim_llctrl rsp = { .op = LL_VERSION_IND, .len = 5 };
			if (radio_queue_ctrl(l, o, &rsp)) {
				l->ver_sent[o] = true;
			}
		}
		if (l->ver_host_req[o]) {
			version_event(sim, l, o);
		}
		return true;
	default:
		return false;
	}
}
