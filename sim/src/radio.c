/* The simulated radio and link layer: advertising events with advDelay,
 * scanning with windows, SCAN_REQ/SCAN_RSP, CONNECT_IND, and connections
 * whose events carry as many packet exchanges as fit, timed for LE 1M, with
 * LL control procedures, packet loss with retransmission and supervision
 * timeouts. */
#include "sim_internal.h"

static struct zble_sim *sim_of(struct zble_sim_ctrl *c)
{
	return c->dev->sim;
}

static struct zble_sim_ctrl *side_ctrl(struct zble_sim *sim, const struct zble_sim_link *l, int side)
{
	return &sim->devices[l->dev[side]].ctrl;
}

static bool on_air(const struct zble_sim_device *d)
{
	return d->present && d->radio_on;
}

int radio_side(const struct zble_sim_link *l, const struct zble_sim_device *dev)
{
	return l->dev[0] == dev->index ? 0 : 1;
}

struct zble_sim_link *radio_link_of(struct zble_sim_ctrl *c, uint16_t handle, int *side)
{
	if (handle >= ZBLE_SIM_MAX_CONN || c->conn_link[handle] == NO_LINK) {
		return NULL;
	}
	struct zble_sim_link *l = &sim_of(c)->links[c->conn_link[handle]];
	*side = radio_side(l, c->dev);
	return l;
}

bool radio_queue_ctrl(struct zble_sim_link *l, int side, const struct zble_sim_llctrl *pdu)
{
	if (l->ctrl_count[side] >= ZBLE_SIM_CTRL_QUEUE) {
		return false;
	}
	l->ctrlq[side][l->ctrl_count[side]++] = *pdu;
	return true;
}

static void ctrl_pop(struct zble_sim_link *l, int side)
{
	memmove(&l->ctrlq[side][0], &l->ctrlq[side][1], sizeof(l->ctrlq[side][0]) * (ZBLE_SIM_CTRL_QUEUE - 1));
	l->ctrl_count[side]--;
}

/* ---- events to hosts ---- */

/* The newest form the host unmasked: Enhanced v2 (with the advertising
 * handle), Enhanced v1, or the legacy event. */
static void send_conn_complete(struct zble_sim_ctrl *c, uint8_t status, uint16_t handle, uint8_t role,
			       uint8_t peer_type, const uint8_t peer[6], uint16_t interval, uint16_t latency,
			       uint16_t timeout, uint8_t adv_handle)
{
	uint8_t p[34];
	bool v2 = ctrl_le_event_enabled(c, 40);
	bool enhanced = v2 || ctrl_le_event_enabled(c, 9);
	if (!enhanced && !ctrl_le_event_enabled(c, 0)) {
		return; /* the host asked for neither form */
	}
	memset(p, 0, sizeof(p));
	p[0] = v2 ? LE_ENH_CONN_COMPLETE_V2 : enhanced ? LE_ENH_CONN_COMPLETE : LE_CONN_COMPLETE;
	p[1] = status;
	put_le16(p + 2, handle);
	p[4] = role;
	p[5] = peer_type;
	memcpy(p + 6, peer, 6);
	ctrl_sec_conn_addrs(c, p, enhanced, adv_handle); /* privacy: identity, RPAs */
	uint8_t *t = p + (enhanced ? 24 : 12); /* enhanced: + local RPA + peer RPA (zero) */
	put_le16(t, interval);
	put_le16(t + 2, latency);
	put_le16(t + 4, timeout);
	t[6] = 0x00; /* central clock accuracy: 500 ppm */
	if (v2) {
		t[7] = adv_handle;
		put_le16(t + 8, 0xffff); /* no periodic sync */
	}
	ctrl_event(c, EVT_LE_META, p, v2 ? 34 : enhanced ? 31 : 19);
}

static void send_disconn_complete(struct zble_sim_ctrl *c, uint16_t handle, uint8_t reason)
{
	if (!((c->event_mask >> 4) & 1)) {
		return;
	}
	uint8_t p[4] = { ST_SUCCESS, (uint8_t)handle, (uint8_t)(handle >> 8), reason };
	ctrl_event(c, EVT_DISCONN_COMPLETE, p, 4);
}

static void send_nocp(struct zble_sim_ctrl *c, uint16_t handle, uint16_t count)
{
	uint8_t p[5] = { 1, (uint8_t)handle, (uint8_t)(handle >> 8), (uint8_t)count, (uint8_t)(count >> 8) };
	ctrl_event(c, EVT_NUM_COMPLETED_PACKETS, p, 5);
}

static void send_conn_update_complete(struct zble_sim_ctrl *c, uint8_t status, uint16_t handle,
				      const struct zble_sim_link *l)
{
	uint8_t p[10] = { LE_CONN_UPDATE_COMPLETE, status };
	put_le16(p + 2, handle);
	put_le16(p + 4, l->interval);
	put_le16(p + 6, l->latency);
	put_le16(p + 8, l->timeout);
	ctrl_le_event(c, 2, p, 10);
}

/* ---- advertising, scanning, initiating ---- */

static bool adv_connectable(uint8_t type)
{
	return type == ADV_IND || type == ADV_DIRECT_IND_HIGH || type == ADV_DIRECT_IND_LOW;
}

static bool adv_directed(uint8_t type)
{
	return type == ADV_DIRECT_IND_HIGH || type == ADV_DIRECT_IND_LOW;
}

static uint64_t adv_interval_us(struct zble_sim_ctrl *c)
{
	if (c->adv.type == ADV_DIRECT_IND_HIGH) {
		return 3750; /* high duty cycle: at most 3.75 ms, no advDelay */
	}
	return (uint64_t)c->adv.interval_min * 625u + sim_rng_below(&c->rng, 10001); /* advDelay 0..10 ms */
}

void radio_adv_enable(struct zble_sim_ctrl *c, bool enable)
{
	struct zble_sim *sim = sim_of(c);
	c->adv.enabled = enable;
	if (!enable) {
		sim_timer_cancel(&c->adv.timer);
		return;
	}
	c->adv.started = sim->now_us;
	/* The first advertising event after a random start-up delay. */
	uint64_t delay = c->adv.type == ADV_DIRECT_IND_HIGH ? 0 : sim_rng_below(&c->rng, 10001);
	sim_timer_arm(sim, &c->adv.timer, sim->now_us + delay);
}

static int free_handle(const struct zble_sim_ctrl *c)
{
	for (int i = 0; i < ZBLE_SIM_MAX_CONN; i++) {
		if (c->conn_link[i] == NO_LINK) {
			return i;
		}
	}
	return -1;
}

/* The initiator's parameters for a connection on this PHY: its own for
 * that PHY when given, else those of LE 1M, else of LE Coded. */
static int init_par(const struct zble_sim_ctrl *s, uint8_t phy)
{
	int i = phy == ZBLE_SIM_PHY_2M ? 1 : phy == ZBLE_SIM_PHY_CODED ? 2 : 0;
	if (s->init.phys & (1u << i)) {
		return i;
	}
	return (s->init.phys & 1) ? 0 : 2;
}

static void send_chan_sel(struct zble_sim_ctrl *c, uint16_t handle)
{
	/* Both ends support Channel Selection Algorithm #2 (ChSel set). */
	uint8_t p[4] = { LE_CHAN_SEL_ALGO, (uint8_t)handle, (uint8_t)(handle >> 8), 0x01 };
	ctrl_le_event(c, 19, p, 4);
}

bool radio_connect(struct zble_sim_ctrl *c, struct zble_sim_ctrl *s, const struct radio_adv_src *src)
{
	struct zble_sim *sim = sim_of(c);
	int hc = free_handle(s), hp = free_handle(c);
	int li = -1;
	for (int i = 0; i < ZBLE_SIM_MAX_LINKS; i++) {
		if (!sim->links[i].used) {
			li = i;
			break;
		}
	}
	if (hc < 0 || hp < 0 || li < 0) {
		return false;
	}
	const int pi = init_par(s, src->phy);
	struct zble_sim_link *l = &sim->links[li];
	memset(l, 0, sizeof(*l));
	l->used = true;
	l->dev[0] = s->dev->index;
	l->dev[1] = c->dev->index;
	l->handle[0] = (uint16_t)hc;
	l->handle[1] = (uint16_t)hp;
	l->alive[0] = l->alive[1] = true;
	l->interval = s->init.par[pi].interval_max;
	l->latency = s->init.par[pi].latency;
	l->timeout = s->init.par[pi].timeout;
	l->loss = sim->loss[l->dev[0]][l->dev[1]];
	l->crc = sim->crc[l->dev[0]][l->dev[1]];
	sim_rng_seed(&l->rng, sim_rng_next(&s->rng));
	s->conn_link[hc] = (uint8_t)li;
	c->conn_link[hp] = (uint8_t)li;
	for (int i = 0; i < 2; i++) {
		l->max_tx_octets[i] = 27;
		l->max_tx_time[i] = 328;
		l->tx_buf[i] = -1;
		l->phy[i] = src->phy;
	}
	l->pref_tx_octets[0] = s->def_tx_octets;
	l->pref_tx_time[0] = s->def_tx_time;
	l->pref_tx_octets[1] = c->def_tx_octets;
	l->pref_tx_time[1] = c->def_tx_time;
	l->phy_tx_pref[0] = s->def_tx_phys;
	l->phy_rx_pref[0] = s->def_rx_phys;
	l->phy_tx_pref[1] = c->def_tx_phys;
	l->phy_rx_pref[1] = c->def_rx_phys;

	/* Timing: the advertising PDU, T_IFS, CONNECT_IND (34-byte payload),
	 * transmitWindowDelay 1.25 ms (2.5 ms on 2M, 3.75 ms on Coded), then
	 * a point in the 1.25 ms window. */
	uint64_t connect_end = sim->now_us + src->pdu_us + T_IFS_US + zble_sim_air_time_phy_us(src->phy, 34);
	uint32_t win_delay = src->phy == ZBLE_SIM_PHY_CODED ? 3750 : src->phy == ZBLE_SIM_PHY_2M ? 2500 : 1250;
	l->anchor = connect_end + win_delay + sim_rng_below(&l->rng, 1250);
	l->last_rx[0] = l->last_rx[1] = l->anchor;
	sim_timer_arm(sim, &l->timer, l->anchor);
	sim->stats.connections++;

	/* Autonomous data length update, as controllers do when the host's
	 * suggested default exceeds the minimum. */
	int dle_side = l->pref_tx_octets[0] > 27 ? 0 : l->pref_tx_octets[1] > 27 ? 1 : -1;
	if (dle_side >= 0) {
		struct zble_sim_llctrl pdu = { .op = LL_LENGTH_REQ, .len = 9 };
		radio_queue_ctrl(l, dle_side, &pdu);
	}

	uint8_t itype, iaddr[6];
	ctrl_own_addr(s, s->init.own_type, &itype, iaddr);
	struct zble_sim_adv_set *set = src->set == NO_ADV_SET ? NULL : ctrl_set_find(c, src->set);
	if (set) {
		set->enabled = false;
		sim_timer_cancel(&set->timer);
	} else {
		c->adv.enabled = false;
		sim_timer_cancel(&c->adv.timer);
	}
	s->init.active = false;
	send_conn_complete(s, ST_SUCCESS, l->handle[0], 0x00, src->type, src->addr, l->interval, l->latency,
			   l->timeout, NO_ADV_SET);
	send_chan_sel(s, l->handle[0]);
	send_conn_complete(c, ST_SUCCESS, l->handle[1], 0x01, itype, iaddr, l->interval, l->latency, l->timeout,
			   src->set);
	send_chan_sel(c, l->handle[1]);
	if (set) {
		/* After the connection complete, naming the set. */
		adv_set_terminate(c, set, ST_SUCCESS, l->handle[1]);
	}
	return true;
}

void radio_init_cancel(struct zble_sim_ctrl *c)
{
	c->init.active = false;
	send_conn_complete(c, ST_UNKNOWN_CONN_ID, 0, 0x00, c->init.peer_type, c->init.peer, 0, 0, 0, NO_ADV_SET);
}

void radio_scan_req_received(struct zble_sim_ctrl *c, uint8_t handle, const struct zble_sim_ctrl *s)
{
	uint8_t p[9] = { LE_SCAN_REQ_RECEIVED, handle };
	ctrl_own_addr(s, s->scan.own_type, &p[2], p + 3);
	ctrl_le_event(c, 18, p, 9);
}

bool radio_legacy_pdu(struct zble_sim_ctrl *c, struct zble_sim_ctrl *s, const struct radio_legacy_adv *a)
{
	struct zble_sim *sim = sim_of(c);
	int8_t rssi = zble_sim_rssi(c->dev, s->dev);
	bool directed = adv_directed(a->type);
	bool scannable = a->type == ADV_IND || a->type == ADV_SCAN_IND;
	uint8_t stype, saddr[6];
	if (adv_connectable(a->type) && radio_init_listening(s, sim->now_us, ZBLE_SIM_PHY_1M) &&
	    radio_init_accepts(s, a->atype, a->addr) &&
	    (!directed || radio_targets(s, s->init.own_type, a->peer_type, a->peer, false))) {
		ctrl_own_addr(s, s->init.own_type, &stype, saddr);
		/* Advertising filter policy 2, 3: connections from the list only. */
		bool allowed = directed || !(a->filter & 2) || ctrl_fal_has(c, stype, saddr);
		struct radio_adv_src src = { .type = a->atype, .set = a->set, .phy = ZBLE_SIM_PHY_1M,
					     .pdu_us = zble_sim_air_time_us((uint16_t)(6 + a->dlen)) };
		memcpy(src.addr, a->addr, 6);
		if (allowed && radio_connect(c, s, &src)) {
			return true;
		}
	}
	if (!radio_scanning(s, sim->now_us, ZBLE_SIM_PHY_1M)) {
		return false;
	}
	if (directed) {
		if (radio_targets(s, s->scan.own_type, a->peer_type, a->peer, true)) {
			radio_report(s, a->type, false, a->atype, a->addr, a->peer_type, a->peer, NULL, 0, rssi);
		}
		return false;
	}
	if (!radio_scan_accepts(s, a->atype, a->addr)) {
		return false;
	}
	radio_report(s, a->type, false, a->atype, a->addr, 0, NULL, a->data, a->dlen, rssi);
	if (radio_scan_active(s, ZBLE_SIM_PHY_1M) && scannable) {
		ctrl_own_addr(s, s->scan.own_type, &stype, saddr);
		/* Advertising filter policy 1, 3: scan requests from the list only. */
		if ((a->filter & 1) && !ctrl_fal_has(c, stype, saddr)) {
			return false;
		}
		c->stats.scan_reqs++;
		if (a->set != NO_ADV_SET && a->scan_req_notify) {
			radio_scan_req_received(c, a->set, s);
		}
		radio_report(s, a->type, true, a->atype, a->addr, 0, NULL, a->rsp, a->rlen, rssi);
	}
	return false;
}

void radio_adv_timer(struct zble_sim_ctrl *c)
{
	struct zble_sim *sim = sim_of(c);
	struct zble_sim_device *dev = c->dev;
	if (!c->adv.enabled) {
		return;
	}
	if (c->adv.type == ADV_DIRECT_IND_HIGH && sim->now_us - c->adv.started >= 1280000) {
		c->adv.enabled = false;
		static const uint8_t zero[6];
		send_conn_complete(c, ST_ADV_TIMEOUT, 0, 0x01, 0, zero, 0, 0, 0, NO_ADV_SET);
		return;
	}
	if (on_air(dev)) {
		c->stats.adv_events++;
		struct radio_legacy_adv a = {
			.type = c->adv.type,
			.peer_type = c->adv.peer_type,
			.filter = c->adv.filter,
			.data = c->adv.data,
			.dlen = c->adv.data_len,
			.rsp = c->adv.rsp,
			.rlen = c->adv.rsp_len,
			.set = NO_ADV_SET,
		};
		ctrl_own_addr(c, c->adv.own_type, &a.atype, a.addr);
		memcpy(a.peer, c->adv.peer, 6);
		ctrl_sec_target_addr(c, c->adv.own_type, &a.peer_type, a.peer);
		for (unsigned i = 0; i < sim->ndev; i++) {
			struct zble_sim_device *o = &sim->devices[i];
			if (o == dev || !o->used || !on_air(o)) {
				continue;
			}
			if (radio_legacy_pdu(c, &o->ctrl, &a)) {
				return; /* advertising ends with the connection */
			}
		}
	}
	sim_timer_arm(sim, &c->adv.timer, sim->now_us + adv_interval_us(c));
}

/* ---- connections ---- */

static void free_link_bufs(struct zble_sim *sim, struct zble_sim_link *l, int side)
{
	struct zble_sim_ctrl *c = side_ctrl(sim, l, side);
	uint8_t li = (uint8_t)(l - sim->links);
	for (int i = 0; i < ZBLE_SIM_MAX_ACL_BUFS; i++) {
		if (c->acl[i].used && c->acl[i].link == li) {
			c->acl[i].used = false;
		}
	}
}

static void side_gone(struct zble_sim *sim, struct zble_sim_link *l, int side)
{
	struct zble_sim_ctrl *c = side_ctrl(sim, l, side);
	l->alive[side] = false;
	free_link_bufs(sim, l, side);
	c->conn_link[l->handle[side]] = NO_LINK;
	if (!l->alive[0] && !l->alive[1]) {
		l->used = false;
		sim_timer_cancel(&l->timer);
	}
}

void radio_disconnect_side(struct zble_sim *sim, struct zble_sim_link *l, int side, uint8_t reason)
{
	if (!l->alive[side]) {
		return;
	}
	struct zble_sim_ctrl *c = side_ctrl(sim, l, side);
	uint16_t handle = l->handle[side];
	side_gone(sim, l, side);
	sim->stats.disconnections++;
	send_disconn_complete(c, handle, reason);
}

void radio_drop_links(struct zble_sim_ctrl *c)
{
	struct zble_sim *sim = sim_of(c);
	for (int h = 0; h < ZBLE_SIM_MAX_CONN; h++) {
		if (c->conn_link[h] != NO_LINK) {
			struct zble_sim_link *l = &sim->links[c->conn_link[h]];
			side_gone(sim, l, radio_side(l, c->dev));
		}
	}
}

/* Can side s hear the other side of l at all? */
static bool hears(struct zble_sim *sim, const struct zble_sim_link *l, int s)
{
	return l->alive[0] && l->alive[1] && on_air(&sim->devices[l->dev[s]]) && on_air(&sim->devices[l->dev[!s]]);
}

static int acl_head(struct zble_sim *sim, struct zble_sim_link *l, int side)
{
	struct zble_sim_ctrl *c = side_ctrl(sim, l, side);
	uint8_t li = (uint8_t)(l - sim->links);
	int best = -1;
	for (int i = 0; i < ZBLE_SIM_MAX_ACL_BUFS; i++) {
		if (c->acl[i].used && c->acl[i].link == li && (best < 0 || c->acl[i].seq < c->acl[best].seq)) {
			best = i;
		}
	}
	return best;
}

static bool has_data(struct zble_sim *sim, struct zble_sim_link *l, int side)
{
	return l->ctrl_count[side] > 0 || acl_head(sim, l, side) >= 0;
}

static void close_event(struct zble_sim *sim, struct zble_sim_link *l)
{
	l->in_event = false;
	l->xfer = false;
	l->counter++;
	l->anchor += (uint64_t)l->interval * 1250u;
	sim_timer_arm(sim, &l->timer, l->anchor);
}

static void data_length_done(struct zble_sim *sim, struct zble_sim_link *l)
{
	bool changed = false;
	for (int s = 0; s < 2; s++) {
		/* The peer can receive 251 octets / 17040 us (LE Coded). */
		uint16_t octets = l->pref_tx_octets[s], time = l->pref_tx_time[s];
		changed |= octets != l->max_tx_octets[s] || time != l->max_tx_time[s];
		l->max_tx_octets[s] = octets;
		l->max_tx_time[s] = time;
	}
	if (changed) {
		llcp_dlc_event(sim, l);
	}
}

/* An LL control PDU from side s arrived at the other side. */
static void deliver_ctrl(struct zble_sim *sim, struct zble_sim_link *l, int s, const struct zble_sim_llctrl *pdu)
{
	int o = !s;
	struct zble_sim_ctrl *co = side_ctrl(sim, l, o);
	if (llcp_deliver(sim, l, s, pdu)) {
		return; /* PHY update, version exchange */
	}
	if (ctrl_sec_ll_rx(sim, l, s, pdu)) {
		return; /* encryption (ctrl_enc.c) */
	}
	switch (pdu->op) {
	case LL_TERMINATE_IND:
		radio_disconnect_side(sim, l, o, pdu->reason);
		radio_disconnect_side(sim, l, s, ST_LOCALHOST_TERM);
		break;
	case LL_CONNECTION_UPDATE_IND:
		if ((uint16_t)(pdu->instant - l->counter) >= 0x8000 || pdu->instant == l->counter) {
			radio_disconnect_side(sim, l, 0, ST_INSTANT_PASSED);
			radio_disconnect_side(sim, l, 1, ST_INSTANT_PASSED);
			break;
		}
		l->upd_pending = true;
		l->upd_instant = pdu->instant;
		l->upd_interval = pdu->interval;
		l->upd_latency = pdu->latency;
		l->upd_timeout = pdu->timeout;
		break;
	case LL_CONNECTION_PARAM_REQ:
		if (ctrl_le_event_enabled(co, 5)) {
			l->param_req_waiting = true;
			uint8_t p[11] = { LE_CONN_PARAM_REQ };
			put_le16(p + 1, l->handle[o]);
			put_le16(p + 3, pdu->a);
			put_le16(p + 5, pdu->b);
			put_le16(p + 7, pdu->latency);
			put_le16(p + 9, pdu->timeout);
			ctrl_event(co, EVT_LE_META, p, 11);
		} else {
			struct zble_sim_llctrl rej = { .op = LL_REJECT_EXT_IND, .len = 3, .reason = ST_UNSUPP_REMOTE_FEATURE };
			radio_queue_ctrl(l, o, &rej);
		}
		break;
	case LL_REJECT_EXT_IND:
		send_conn_update_complete(co, pdu->reason, l->handle[o], l);
		break;
	case LL_FEATURE_REQ:
	case LL_PERIPHERAL_FEATURE_REQ: {
		struct zble_sim_llctrl rsp = { .op = LL_FEATURE_RSP, .len = 9 };
		radio_queue_ctrl(l, o, &rsp);
		break;
	}
	case LL_FEATURE_RSP:
		if (l->feat_pending[o]) {
			l->feat_pending[o] = false;
			uint8_t p[12] = { LE_REMOTE_FEAT_COMPLETE, ST_SUCCESS };
			put_le16(p + 2, l->handle[o]);
			ctrl_le_features(p + 4);
			ctrl_le_event(co, 3, p, 12);
		}
		break;
	case LL_LENGTH_REQ: {
		struct zble_sim_llctrl rsp = { .op = LL_LENGTH_RSP, .len = 9 };
		radio_queue_ctrl(l, o, &rsp);
		break;
	}
	case LL_LENGTH_RSP:
		data_length_done(sim, l);
		break;
	default:
		break;
	}
}

static void start_exchange(struct zble_sim *sim, struct zble_sim_link *l)
{
	bool first = l->xchg == 0;
	if (!hears(sim, l, 0) && !hears(sim, l, 1)) {
		close_event(sim, l); /* nobody on air: time passes, supervision decides */
		return;
	}
	if (!first && !has_data(sim, l, 0) && !has_data(sim, l, 1)) {
		close_event(sim, l); /* MD = 0 both ways */
		return;
	}
	for (int s = 0; s < 2; s++) {
		l->tx_ctrl[s] = false;
		l->tx_buf[s] = -1;
		l->tx_len[s] = 0;
		if (l->ctrl_count[s] > 0) {
			l->tx_ctrl[s] = true;
			l->tx_len[s] = l->ctrlq[s][0].len + 1u; /* + opcode */
		} else {
			int b = acl_head(sim, l, s);
			if (b >= 0) {
				struct zble_sim_acl_buf *buf = &side_ctrl(sim, l, s)->acl[b];
				uint16_t n = (uint16_t)(buf->len - buf->off);
				uint16_t max = llcp_tx_octets(l, s);
				l->tx_buf[s] = (int8_t)b;
				l->tx_len[s] = n < max ? n : max;
			}
		}
	}
	uint64_t dur = zble_sim_air_time_phy_us(l->phy[0], l->tx_len[0]) + T_IFS_US +
		       zble_sim_air_time_phy_us(l->phy[1], l->tx_len[1]) + T_IFS_US;
	if (sim->now_us + dur > l->event_end) {
		if (!first) {
			close_event(sim, l);
			return;
		}
		/* Not even one exchange fits: empty packets keep the link. */
		for (int s = 0; s < 2; s++) {
			l->tx_ctrl[s] = false;
			l->tx_buf[s] = -1;
			l->tx_len[s] = 0;
		}
		dur = zble_sim_air_time_phy_us(l->phy[0], 0) + zble_sim_air_time_phy_us(l->phy[1], 0) + 2u * T_IFS_US;
	}
	/* The peripheral answers only a packet it received. */
	bool miss0 = !hears(sim, l, 1) || (l->loss && (uint32_t)(sim_rng_next(&l->rng) >> 32) < l->loss);
	/* A CRC error: heard but not accepted; the peripheral still answers. */
	l->lost[0] = miss0 || faults_crc_error(l);
	l->lost[1] = miss0 || !hears(sim, l, 0) ||
		     (l->loss && (uint32_t)(sim_rng_next(&l->rng) >> 32) < l->loss) || faults_crc_error(l);
	l->xfer = true;
	l->xchg++;
	sim_timer_arm(sim, &l->timer, sim->now_us + dur);
}

static void end_exchange(struct zble_sim *sim, struct zble_sim_link *l)
{
	l->xfer = false;
	bool any_lost = false;
	uint8_t li = (uint8_t)(l - sim->links);
	for (int s = 0; s < 2 && l->used; s++) {
		int o = !s;
		struct zble_sim_ctrl *cs = side_ctrl(sim, l, s);
		bool sent = l->tx_ctrl[s] || l->tx_buf[s] >= 0;
		if (l->lost[s]) {
			any_lost = true;
			if (sent) {
				cs->stats.retransmissions++;
			}
			continue;
		}
		l->last_rx[o] = sim->now_us;
		if (l->tx_ctrl[s] && l->ctrl_count[s] > 0) {
			struct zble_sim_llctrl pdu = l->ctrlq[s][0];
			ctrl_pop(l, s);
			deliver_ctrl(sim, l, s, &pdu);
			continue;
		}
		if (l->tx_buf[s] < 0) {
			continue;
		}
		struct zble_sim_acl_buf *b = &cs->acl[l->tx_buf[s]];
		if (!b->used || b->link != li || !l->alive[o]) {
			continue;
		}
		struct zble_sim_ctrl *co = side_ctrl(sim, l, o);
		uint8_t pkt[1 + 4 + 251];
		uint16_t n = l->tx_len[s];
		uint8_t pb = b->off == 0 && b->llid == 0x02 ? 0x02 : 0x01;
		pkt[0] = ZBLE_H4_ACL;
		put_le16(pkt + 1, (uint16_t)(l->handle[o] | (pb << 12)));
		put_le16(pkt + 3, n);
		memcpy(pkt + 5, b->data + b->off, n);
		b->off = (uint16_t)(b->off + n);
		co->stats.acl_to_host++;
		ctrl_to_host(co, pkt, 5u + n, false);
		if (b->off >= b->len) {
			b->used = false;
			send_nocp(cs, l->handle[s], 1);
		}
	}
	if (!l->used) {
		return;
	}
	if (any_lost) {
		close_event(sim, l); /* retransmitted at the next event */
		return;
	}
	/* The next exchange is decided after the hosts had a chance to react
	 * (e.g. to refill buffers after Number Of Completed Packets). */
	sim_timer_arm(sim, &l->timer, sim->now_us);
}

void radio_link_timer(struct zble_sim *sim, struct zble_sim_link *l)
{
	if (l->xfer) {
		end_exchange(sim, l);
		return;
	}
	if (l->in_event) {
		start_exchange(sim, l);
		return;
	}
	/* An anchor point: supervision, instants, then the first exchange. */
	uint64_t to_us = (uint64_t)l->timeout * 10000u;
	for (int s = 0; s < 2; s++) {
		if (l->alive[s] && sim->devices[l->dev[s]].present && sim->now_us - l->last_rx[s] >= to_us) {
			sim->stats.supervision_timeouts++;
			radio_disconnect_side(sim, l, s, ST_CONN_TIMEOUT);
		}
	}
	/* A vanished device's side ends silently once nobody is left. */
	for (int s = 0; s < 2 && l->used; s++) {
		if (l->alive[s] && !sim->devices[l->dev[s]].present && !l->alive[!s]) {
			side_gone(sim, l, s);
		}
	}
	if (!l->used) {
		return;
	}
	bool here0 = l->alive[0] && sim->devices[l->dev[0]].present;
	bool here1 = l->alive[1] && sim->devices[l->dev[1]].present;
	if (!here0 && !here1) {
		for (int s = 0; s < 2 && l->used; s++) {
			if (l->alive[s]) {
				side_gone(sim, l, s);
			}
		}
		l->used = false;
		return;
	}
	if (!l->alive[0] || !l->alive[1]) {
		/* One side left (reset): the other keeps its schedule until its
		 * supervision timeout. */
		close_event(sim, l);
		return;
	}
	for (int s = 0; s < 2; s++) {
		if (on_air(&sim->devices[l->dev[s]])) {
			side_ctrl(sim, l, s)->stats.conn_events++;
		}
	}
	if (l->upd_pending && l->counter == l->upd_instant) {
		l->upd_pending = false;
		l->interval = l->upd_interval;
		l->latency = l->upd_latency;
		l->timeout = l->upd_timeout;
		for (int s = 0; s < 2; s++) {
			send_conn_update_complete(side_ctrl(sim, l, s), ST_SUCCESS, l->handle[s], l);
		}
	}
	llcp_phy_instant(sim, l);
	if (!l->used || !l->alive[0] || !l->alive[1]) {
		return;
	}
	uint64_t budget = (uint64_t)l->interval * 1250u - T_IFS_US;
	if (sim->max_event_us && sim->max_event_us < budget) {
		budget = sim->max_event_us;
	}
	l->event_end = l->anchor + budget;
	l->in_event = true;
	l->xchg = 0;
	start_exchange(sim, l);
}
