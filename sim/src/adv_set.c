/* Advertising sets on air: one timer per set; an event with legacy PDUs
 * behaves as legacy advertising, one with extended PDUs is ADV_EXT_IND on
 * the primary PHY pointing to AUX_ADV_IND (and its chain) on the secondary
 * PHY, with AUX_SCAN_REQ/RSP and AUX_CONNECT_REQ/RSP. The auxiliary PDUs
 * are not scheduled separately: what a scanner receives is reported at the
 * primary event. Sets end by disabling, duration, event count or a
 * connection (Advertising Set Terminated). */
#include "sim_internal.h"

static bool on_air(const struct zble_sim_device *d)
{
	return d->present && d->radio_on;
}

static bool high_duty(const struct zble_sim_adv_set *a)
{
	return (a->props & PROP_LEGACY) && (a->props & PROP_HIGH_DUTY);
}

void adv_set_enable(struct zble_sim_ctrl *c, struct zble_sim_adv_set *a, bool enable)
{
	struct zble_sim *sim = c->dev->sim;
	a->enabled = enable;
	if (!enable) {
		sim_timer_cancel(&a->timer);
		return;
	}
	a->started = sim->now_us;
	a->events = 0;
	uint64_t delay = high_duty(a) ? 0 : sim_rng_below(&c->rng, 10001);
	sim_timer_arm(sim, &a->timer, sim->now_us + delay);
}

void adv_set_terminate(struct zble_sim_ctrl *c, struct zble_sim_adv_set *a, uint8_t status, uint16_t handle)
{
	a->enabled = false;
	sim_timer_cancel(&a->timer);
	uint8_t p[6] = { LE_ADV_SET_TERMINATED, status, a->handle };
	put_le16(p + 3, handle);
	p[5] = (uint8_t)(a->events > 255 ? 255 : a->events);
	ctrl_le_event(c, 17, p, 6);
}

/* The legacy advertising type of a set with legacy PDUs. */
static uint8_t legacy_type(uint16_t props)
{
	switch (props & 0x0f) {
	case PROP_CONN | PROP_SCAN:
		return ADV_IND;
	case PROP_CONN | PROP_DIRECTED:
		return ADV_DIRECT_IND_LOW;
	case PROP_CONN | PROP_DIRECTED | PROP_HIGH_DUTY:
		return ADV_DIRECT_IND_HIGH;
	case PROP_SCAN:
		return ADV_SCAN_IND;
	default:
		return ADV_NONCONN_IND;
	}
}

static bool legacy_event(struct zble_sim_ctrl *c, struct zble_sim_adv_set *a, struct zble_sim_ctrl *s)
{
	struct radio_legacy_adv pdu = {
		.type = legacy_type(a->props),
		.peer_type = a->peer_type,
		.filter = a->filter,
		.data = a->data,
		.dlen = (uint8_t)a->data_len,
		.rsp = a->rsp,
		.rlen = (uint8_t)a->rsp_len,
		.set = a->handle,
		.scan_req_notify = a->scan_req_notify,
	};
	ctrl_set_addr(c, a, &pdu.atype, pdu.addr);
	memcpy(pdu.peer, a->peer, 6);
	ctrl_sec_target_addr(c, a->own_type, &pdu.peer_type, pdu.peer);
	return radio_legacy_pdu(c, s, &pdu);
}

/* Air time of the AUX_ADV_IND an initiator answers (header, AdvA, ADI,
 * data), on the secondary PHY. */
static uint32_t aux_adv_us(const struct zble_sim_adv_set *a)
{
	return zble_sim_air_time_phy_us(a->sec_phy, (uint16_t)(10 + a->data_len));
}

static bool ext_event(struct zble_sim_ctrl *c, struct zble_sim_adv_set *a, struct zble_sim_ctrl *s)
{
	uint64_t now = c->dev->sim->now_us;
	bool directed = a->props & PROP_DIRECTED;
	bool anon = a->props & PROP_ANON;
	uint8_t atype, addr[6], stype, saddr[6];
	ctrl_set_addr(c, a, &atype, addr);
	/* TargetA: the peer's identity, or an RPA from its IRK (privacy) */
	uint8_t ttype = a->peer_type, taddr[6];
	memcpy(taddr, a->peer, 6);
	if (directed) {
		ctrl_sec_target_addr(c, a->own_type, &ttype, taddr);
	}
	if ((a->props & PROP_CONN) && s->init.ext && radio_init_listening(s, now, a->pri_phy) &&
	    radio_init_accepts(s, atype, addr) &&
	    (!directed || radio_targets(s, s->init.own_type, ttype, taddr, false))) {
		ctrl_own_addr(s, s->init.own_type, &stype, saddr);
		bool allowed = directed || !(a->filter & 2) || ctrl_fal_has(c, stype, saddr);
		struct radio_adv_src src = { .type = atype, .set = a->handle, .phy = a->sec_phy, .pdu_us = aux_adv_us(a) };
		memcpy(src.addr, addr, 6);
		if (allowed && radio_connect(c, s, &src)) {
			return true;
		}
	}
	if (!s->scan.ext || !radio_scanning(s, now, a->pri_phy)) {
		return false;
	}
	if (directed ? !radio_targets(s, s->scan.own_type, ttype, taddr, true)
		     : !radio_scan_accepts(s, anon ? 0xff : atype, addr)) {
		return false;
	}
	struct radio_ext_rpt r = {
		.evt = (uint16_t)(a->props & (PROP_CONN | PROP_SCAN | PROP_DIRECTED)),
		.addr_type = anon ? 0xff : atype,
		.pri_phy = a->pri_phy,
		.sec_phy = a->sec_phy,
		.sid = a->sid,
		.tx_power = (a->props & PROP_TX_POWER) ? a->tx_power : 0x7f,
		.rssi = zble_sim_rssi(c->dev, s->dev),
	};
	if (!anon) {
		memcpy(r.addr, addr, 6);
	}
	if (directed) {
		radio_direct_addr(s, s->scan.own_type, ttype, taddr, &r.dir_type, r.dir);
	}
	radio_ext_report(s, &r, a->data, a->data_len);
	if ((a->props & PROP_SCAN) && radio_scan_active(s, a->pri_phy)) {
		ctrl_own_addr(s, s->scan.own_type, &stype, saddr);
		if ((a->filter & 1) && !ctrl_fal_has(c, stype, saddr)) {
			return false;
		}
		c->stats.scan_reqs++;
		if (a->scan_req_notify) {
			radio_scan_req_received(c, a->handle, s);
		}
		r.evt |= EXT_RPT_SCAN_RSP;
		radio_ext_report(s, &r, a->rsp, a->rsp_len);
	}
	return false;
}

void adv_set_timer(struct zble_sim_ctrl *c, struct zble_sim_adv_set *a)
{
	struct zble_sim *sim = c->dev->sim;
	if (!a->enabled) {
		return;
	}
	if (a->duration && sim->now_us - a->started >= (uint64_t)a->duration * 10000u) {
		adv_set_terminate(c, a, ST_ADV_TIMEOUT, 0);
		return;
	}
	if (on_air(c->dev)) {
		a->events++;
		c->stats.adv_events++;
		for (unsigned i = 0; i < sim->ndev; i++) {
			struct zble_sim_device *o = &sim->devices[i];
			if (o == c->dev || !o->used || !on_air(o)) {
				continue;
			}
			bool connected = (a->props & PROP_LEGACY) ? legacy_event(c, a, &o->ctrl) : ext_event(c, a, &o->ctrl);
			if (connected) {
				return; /* the set ended with the connection */
			}
		}
	}
	if (a->max_events && a->events >= a->max_events) {
		adv_set_terminate(c, a, ST_LIMIT_REACHED, 0);
		return;
	}
	uint64_t next = high_duty(a) ? 3750 : (uint64_t)a->interval_min * 625u + sim_rng_below(&c->rng, 10001);
	sim_timer_arm(sim, &a->timer, sim->now_us + next);
}
