/* Fault injection and populations.
 *
 * Faults act at the controller's HCI boundary (ctrl_to_host and the command
 * queue) and on the air (CRC errors): dropped events (by probability or the
 * next ones of a kind), a fixed extra latency of everything the controller
 * sends to the host, withheld Number Of Completed Packets (buffer exhaustion
 * as the host sees it), Hardware Error on demand, commands that are never
 * answered, duplicated events, command completions that come late (after
 * the host gave up on them) and stray ones (for no command in flight). All
 * state lives in the controller (struct zble_sim_faults); the randomness is
 * seeded from the simulation's seed, so runs repeat.
 *
 * Populations are background legacy advertisers without a controller each:
 * a caller-owned array of beacons behind one simulation timer, cheap enough
 * for hundreds of them. */
#include <math.h>

#include "sim_internal.h"

#define EVT_HARDWARE_ERROR 0x10

static uint32_t threshold(double p)
{
	return p <= 0 ? 0 : p >= 1 ? UINT32_MAX : (uint32_t)(p * 4294967296.0);
}

static bool draw(struct zble_sim_rng *r, uint32_t th)
{
	return th && (uint32_t)(sim_rng_next(r) >> 32) < th;
}

static struct zble_sim_faults *faults_of(struct zble_sim_device *dev)
{
	struct zble_sim_faults *f = &dev->ctrl.faults;
	if (!f->rng_seeded) {
		/* Its own stream: using faults never shifts the controller's. */
		sim_rng_seed(&f->rng, dev->sim->seed ^ (0x5fa017ed0c0ffeeull * (dev->index + 1u)));
		f->rng_seeded = true;
	}
	return f;
}

/* ---- the timer: delayed packets and the end of a completions hold ---- */

static void rearm(struct zble_sim_ctrl *c)
{
	struct zble_sim_faults *f = &c->faults;
	uint64_t at = ZBLE_TIME_NEVER;
	if (f->holding) {
		at = f->hold_until;
	}
	if (f->dq_count && f->delayq[f->dq_head].at < at) {
		at = f->delayq[f->dq_head].at;
	}
	for (unsigned i = 0; i < ZBLE_SIM_FAULT_LATE_QUEUE; i++) {
		if (f->lateq[i].used && f->lateq[i].at < at) {
			at = f->lateq[i].at;
		}
	}
	if (at == ZBLE_TIME_NEVER) {
		sim_timer_cancel(&f->timer);
	} else if (!f->timer.armed || f->timer.t != at) {
		sim_timer_arm(c->dev->sim, &f->timer, at);
	}
}

/* The oldest delayed packet goes on to the host's queue. */
static void release_one(struct zble_sim_ctrl *c)
{
	struct zble_sim_faults *f = &c->faults;
	/* A copy: delivering may queue more behind it. */
	struct zble_sim_pkt p = f->delayq[f->dq_head].pkt;
	bool discardable = f->delayq[f->dq_head].discardable;
	f->dq_head = (uint8_t)((f->dq_head + 1) % ZBLE_SIM_FAULT_DELAY_QUEUE);
	f->dq_count--;
	f->bypass = true;
	ctrl_to_host(c, p.data, p.len, discardable);
	f->bypass = false;
}

static void end_hold(struct zble_sim_ctrl *c)
{
	struct zble_sim_faults *f = &c->faults;
	f->holding = false;
	for (uint16_t h = 0; h < ZBLE_SIM_MAX_CONN; h++) {
		if (f->held[h]) {
			uint8_t p[5] = { 1, (uint8_t)h, (uint8_t)(h >> 8), (uint8_t)f->held[h], (uint8_t)(f->held[h] >> 8) };
			f->held[h] = 0;
			ctrl_event(c, EVT_NUM_COMPLETED_PACKETS, p, 5);
		}
	}
}

/* Late completions due by now go to the host (past every other fault). */
static void release_late(struct zble_sim_ctrl *c, uint64_t now)
{
	struct zble_sim_faults *f = &c->faults;
	for (unsigned i = 0; i < ZBLE_SIM_FAULT_LATE_QUEUE; i++) {
		if (f->lateq[i].used && f->lateq[i].at <= now) {
			struct zble_sim_pkt p = f->lateq[i].pkt;
			f->lateq[i].used = false;
			f->bypass = true;
			ctrl_to_host(c, p.data, p.len, false);
			f->bypass = false;
		}
	}
}

void faults_timer(struct zble_sim_ctrl *c)
{
	struct zble_sim_faults *f = &c->faults;
	uint64_t now = c->dev->sim->now_us;
	if (f->holding && f->hold_until <= now) {
		end_hold(c);
	}
	while (f->dq_count && f->delayq[f->dq_head].at <= now) {
		release_one(c);
	}
	release_late(c, now);
	rearm(c);
}

void faults_flush(struct zble_sim_ctrl *c)
{
	struct zble_sim_faults *f = &c->faults;
	f->dq_head = f->dq_count = 0;
	memset(f->held, 0, sizeof(f->held));
	for (unsigned i = 0; i < ZBLE_SIM_FAULT_LATE_QUEUE; i++) {
		f->lateq[i].used = false;
	}
	rearm(c);
}

/* ---- the hooks ---- */

/* An event pkt (H4) with this code and detail (0: any). */
static bool event_matches(const uint8_t *pkt, size_t len, uint8_t code, uint16_t detail)
{
	if (pkt[1] != code) {
		return false;
	}
	if (!detail) {
		return true;
	}
	switch (pkt[1]) {
	case EVT_LE_META:
		return len >= 4 && pkt[3] == detail;
	case EVT_CMD_COMPLETE:
		return len >= 6 && get_le16(pkt + 4) == detail;
	case EVT_CMD_STATUS:
		return len >= 7 && get_le16(pkt + 5) == detail;
	default:
		return true;
	}
}

static bool drop_next_matches(const struct zble_sim_faults *f, const uint8_t *pkt, size_t len)
{
	return f->drop_count && event_matches(pkt, len, f->drop_code, f->drop_detail);
}

/* Holds a completion of the late opcode aside; true when taken. */
static bool take_late(struct zble_sim_ctrl *c, const uint8_t *pkt, size_t len)
{
	struct zble_sim_faults *f = &c->faults;
	if (!f->late_armed || !(event_matches(pkt, len, EVT_CMD_COMPLETE, f->late_op) ||
				event_matches(pkt, len, EVT_CMD_STATUS, f->late_op))) {
		return false;
	}
	for (unsigned i = 0; i < ZBLE_SIM_FAULT_LATE_QUEUE; i++) {
		if (!f->lateq[i].used) {
			f->lateq[i].used = true;
			f->lateq[i].at = c->dev->sim->now_us + f->late_us;
			memcpy(f->lateq[i].pkt.data, pkt, len);
			f->lateq[i].pkt.len = (uint16_t)len;
			f->late_armed = false;
			f->stats.completions_late++;
			rearm(c);
			return true;
		}
	}
	return false;
}

bool faults_to_host(struct zble_sim_ctrl *c, const uint8_t *pkt, size_t len, bool discardable)
{
	struct zble_sim_faults *f = &c->faults;
	if (len >= 3 && pkt[0] == ZBLE_H4_EVT) {
		/* The link's buffers are free again: what was withheld for it
		 * must not be reported later (its handle may be reused). */
		if (pkt[1] == EVT_DISCONN_COMPLETE && len >= 6) {
			uint16_t h = get_le16(pkt + 4) & 0x0fff;
			if (h < ZBLE_SIM_MAX_CONN) {
				f->held[h] = 0;
			}
		}
		if (drop_next_matches(f, pkt, len)) {
			if (f->drop_count != UINT32_MAX) {
				f->drop_count--;
			}
			f->stats.events_dropped++;
			return true;
		}
		if (f->drop_p && draw(&f->rng, f->drop_p)) {
			f->stats.events_dropped++;
			return true;
		}
		if (take_late(c, pkt, len)) {
			return true;
		}
		if (f->dup_count && event_matches(pkt, len, f->dup_code, f->dup_detail)) {
			if (f->dup_count != UINT32_MAX) {
				f->dup_count--;
			}
			f->stats.events_duplicated++;
			/* Both copies, in order, past the other faults. */
			f->bypass = true;
			ctrl_to_host(c, pkt, len, discardable);
			ctrl_to_host(c, pkt, len, discardable);
			f->bypass = false;
			return true;
		}
		if (pkt[1] == EVT_NUM_COMPLETED_PACKETS && f->holding && len >= 4 && len >= 4u + 4u * pkt[3]) {
			for (unsigned i = 0; i < pkt[3]; i++) {
				uint16_t h = get_le16(pkt + 4 + 4 * i) & 0x0fff;
				uint16_t n = get_le16(pkt + 6 + 4 * i);
				if (h < ZBLE_SIM_MAX_CONN) {
					f->held[h] = (uint16_t)(f->held[h] + n);
					f->stats.nocp_held += n;
				}
			}
			return true;
		}
	}
	if (!f->delay_us && !f->dq_count) {
		return false;
	}
	if (f->dq_count >= ZBLE_SIM_FAULT_DELAY_QUEUE) {
		release_one(c); /* full: the oldest goes early, order is kept */
	}
	unsigned slot = (f->dq_head + f->dq_count) % ZBLE_SIM_FAULT_DELAY_QUEUE;
	f->delayq[slot].at = c->dev->sim->now_us + f->delay_us;
	f->delayq[slot].discardable = discardable;
	memcpy(f->delayq[slot].pkt.data, pkt, len);
	f->delayq[slot].pkt.len = (uint16_t)len;
	f->dq_count++;
	f->stats.pkts_delayed++;
	rearm(c);
	return true;
}

bool faults_swallow(struct zble_sim_ctrl *c, uint16_t opcode)
{
	struct zble_sim_faults *f = &c->faults;
	if (!f->swallow_count || opcode != f->swallow_op) {
		return false;
	}
	if (f->swallow_count != UINT32_MAX) {
		f->swallow_count--;
	}
	f->stats.cmds_swallowed++;
	return true;
}

void faults_cmd_received(struct zble_sim_ctrl *c, uint16_t opcode)
{
	struct zble_sim_faults *f = &c->faults;
	if (!f->stray_armed || (f->stray_trigger && opcode != f->stray_trigger)) {
		return;
	}
	f->stray_armed = false;
	f->stats.strays_sent++;
	uint8_t p[4];
	if (f->stray_status) {
		p[0] = 0x00; /* Status */
		p[1] = 1;    /* Num_HCI_Command_Packets */
		put_le16(p + 2, f->stray_op);
		ctrl_event(c, EVT_CMD_STATUS, p, 4);
	} else {
		p[0] = 1;
		put_le16(p + 1, f->stray_op);
		p[3] = 0x00; /* Status (a NOP has no return parameters) */
		ctrl_event(c, EVT_CMD_COMPLETE, p, f->stray_op ? 4 : 3);
	}
}

bool faults_crc_error(struct zble_sim_link *l)
{
	return draw(&l->rng, l->crc);
}

/* ---- the API ---- */

void zble_sim_set_crc_errors(struct zble_sim *sim, struct zble_sim_device *a, struct zble_sim_device *b, double p)
{
	uint32_t th = threshold(p);
	sim->crc[a->index][b->index] = th;
	sim->crc[b->index][a->index] = th;
	for (unsigned i = 0; i < ZBLE_SIM_MAX_LINKS; i++) {
		struct zble_sim_link *l = &sim->links[i];
		if (l->used && ((l->dev[0] == a->index && l->dev[1] == b->index) ||
				(l->dev[0] == b->index && l->dev[1] == a->index))) {
			l->crc = th;
		}
	}
}

void zble_sim_fault_drop_events(struct zble_sim_device *dev, double p)
{
	faults_of(dev)->drop_p = threshold(p);
}

void zble_sim_fault_drop_next_event(struct zble_sim_device *dev, uint8_t code, uint16_t detail, uint32_t count)
{
	struct zble_sim_faults *f = faults_of(dev);
	f->drop_code = code;
	f->drop_detail = detail;
	f->drop_count = count;
}

void zble_sim_fault_event_delay(struct zble_sim_device *dev, uint32_t us)
{
	faults_of(dev)->delay_us = us;
}

void zble_sim_fault_hold_completions(struct zble_sim_device *dev, uint64_t us)
{
	struct zble_sim_faults *f = faults_of(dev);
	f->holding = true;
	f->hold_until = dev->sim->now_us + us;
	rearm(&dev->ctrl);
}

void zble_sim_fault_hw_error(struct zble_sim_device *dev, uint8_t code)
{
	faults_of(dev)->stats.hw_errors++;
	ctrl_event(&dev->ctrl, EVT_HARDWARE_ERROR, &code, 1);
}

void zble_sim_fault_swallow_cmd(struct zble_sim_device *dev, uint16_t opcode, uint32_t count)
{
	struct zble_sim_faults *f = faults_of(dev);
	f->swallow_op = opcode;
	f->swallow_count = count;
}

void zble_sim_fault_duplicate_next_event(struct zble_sim_device *dev, uint8_t code, uint16_t detail, uint32_t count)
{
	struct zble_sim_faults *f = faults_of(dev);
	f->dup_code = code;
	f->dup_detail = detail;
	f->dup_count = count;
}

void zble_sim_fault_late_completion(struct zble_sim_device *dev, uint16_t opcode, uint32_t us)
{
	struct zble_sim_faults *f = faults_of(dev);
	f->late_op = opcode;
	f->late_us = us;
	f->late_armed = true;
}

void zble_sim_fault_stray_completion(struct zble_sim_device *dev, uint16_t trigger_opcode, uint16_t stray_opcode,
				     bool status)
{
	struct zble_sim_faults *f = faults_of(dev);
	f->stray_trigger = trigger_opcode;
	f->stray_op = stray_opcode;
	f->stray_status = status;
	f->stray_armed = true;
}

void zble_sim_fault_clear(struct zble_sim_device *dev)
{
	struct zble_sim_ctrl *c = &dev->ctrl;
	struct zble_sim_faults *f = faults_of(dev);
	f->drop_p = 0;
	f->drop_count = 0;
	f->swallow_count = 0;
	f->delay_us = 0;
	f->dup_count = 0;
	f->late_armed = false;
	f->stray_armed = false;
	if (f->holding) {
		end_hold(c);
	}
	while (f->dq_count) {
		release_one(c);
	}
	release_late(c, UINT64_MAX);
	rearm(c);
}

/* ---- populations ---- */

static int8_t beacon_rssi(const struct zble_sim_beacon *b, const struct zble_sim_device *o)
{
	double dx = b->x - o->x, dy = b->y - o->y;
	double d = sqrt(dx * dx + dy * dy);
	if (d < 1.0) {
		d = 1.0;
	}
	long rssi = lround((double)b->tx_power - (40.0 + 20.0 * log10(d)));
	return (int8_t)(rssi < -127 ? -127 : rssi > 20 ? 20 : rssi);
}

static void beacon_event(struct zble_sim_population *pop, struct zble_sim_beacon *b)
{
	struct zble_sim *sim = pop->sim;
	bool scannable = b->adv_type == ADV_IND || b->adv_type == ADV_SCAN_IND;
	b->events++;
	pop->adv_events++;
	for (unsigned i = 0; i < sim->ndev; i++) {
		struct zble_sim_device *o = &sim->devices[i];
		struct zble_sim_ctrl *s = &o->ctrl;
		if (!o->used || !o->present || !o->radio_on || !radio_scanning(s, sim->now_us, ZBLE_SIM_PHY_1M) ||
		    !radio_scan_accepts(s, 1, b->addr)) {
			continue;
		}
		int8_t rssi = beacon_rssi(b, o);
		radio_report(s, b->adv_type, false, 1, b->addr, 0, NULL, b->data, b->data_len, rssi);
		pop->reports++;
		if (radio_scan_active(s, ZBLE_SIM_PHY_1M) && scannable) {
			radio_report(s, b->adv_type, true, 1, b->addr, 0, NULL, b->rsp, b->rsp_len, rssi);
			pop->reports++;
		}
	}
}

static void pop_rearm(struct zble_sim_population *pop)
{
	uint64_t at = ZBLE_TIME_NEVER;
	for (unsigned i = 0; i < pop->n; i++) {
		if (pop->beacons[i].next < at) {
			at = pop->beacons[i].next;
		}
	}
	if (at == ZBLE_TIME_NEVER) {
		sim_timer_cancel(&pop->timer);
	} else {
		sim_timer_arm(pop->sim, &pop->timer, at);
	}
}

void population_timer(struct zble_sim_population *pop)
{
	uint64_t now = pop->sim->now_us;
	/* Every beacon due now, in one step (as a burst reaches a controller). */
	for (unsigned i = 0; i < pop->n; i++) {
		struct zble_sim_beacon *b = &pop->beacons[i];
		if (b->next <= now) {
			beacon_event(pop, b);
			b->next = now + b->interval_us + sim_rng_below(&pop->rng, 10001); /* + advDelay */
		}
	}
	pop_rearm(pop);
}

int zble_sim_add_population(struct zble_sim *sim, struct zble_sim_population *pop, struct zble_sim_beacon *beacons,
			    unsigned n, const struct zble_sim_population_config *cfg)
{
	static const struct zble_sim_population_config defaults;
	if (!sim || !pop || (!beacons && n)) {
		return -EINVAL;
	}
	for (struct zble_sim_population *p = sim->pops; p; p = p->next) {
		if (p == pop) {
			return -EINVAL; /* already added */
		}
	}
	if (!cfg) {
		cfg = &defaults;
	}
	uint32_t imin = cfg->interval_min_ms ? cfg->interval_min_ms : 20;
	uint32_t imax = cfg->interval_max_ms ? cfg->interval_max_ms : 100;
	if (imin < 20 || imax < imin || imax > 10240 || cfg->connectable_pct + cfg->scannable_pct > 100 ||
	    cfg->radius < 0) {
		return -EINVAL;
	}
	unsigned conn_pct = cfg->connectable_pct, scan_pct = cfg->scannable_pct;
	if (!conn_pct && !scan_pct) {
		conn_pct = scan_pct = 33;
	}
	double radius = cfg->radius > 0 ? cfg->radius : 10.0;

	memset(pop, 0, sizeof(*pop));
	pop->sim = sim;
	pop->beacons = beacons;
	pop->n = n;
	sim_rng_seed(&pop->rng, sim->seed ^ cfg->seed ^ 0xb3ac0a5ba11ad5ull);
	for (unsigned i = 0; i < n; i++) {
		struct zble_sim_beacon *b = &beacons[i];
		memset(b, 0, sizeof(*b));
		uint64_t a = sim_rng_next(&pop->rng);
		for (int k = 0; k < 6; k++) {
			b->addr[k] = (uint8_t)(a >> (8 * k));
		}
		b->addr[5] |= 0xc0; /* static random */
		unsigned kind = sim_rng_below(&pop->rng, 100);
		b->adv_type = kind < conn_pct ? ADV_IND : kind < conn_pct + scan_pct ? ADV_SCAN_IND : ADV_NONCONN_IND;
		/* Flags, then manufacturer data (company 0xffff) of random length. */
		uint8_t m = (uint8_t)sim_rng_below(&pop->rng, 21);
		uint8_t *d = b->data;
		d[0] = 2;
		d[1] = 0x01;
		d[2] = b->adv_type == ADV_IND ? 0x06 : 0x04;
		d[3] = (uint8_t)(3 + m);
		d[4] = 0xff;
		d[5] = 0xff;
		d[6] = 0xff;
		for (unsigned k = 0; k < m; k++) {
			d[7 + k] = (uint8_t)sim_rng_next(&pop->rng);
		}
		b->data_len = (uint8_t)(7 + m);
		if (b->adv_type != ADV_NONCONN_IND) {
			/* Complete Local Name "bgNNNN" */
			b->rsp[0] = 7;
			b->rsp[1] = 0x09;
			b->rsp[2] = 'b';
			b->rsp[3] = 'g';
			for (int k = 0; k < 4; k++) {
				static const unsigned div[4] = { 1000, 100, 10, 1 };
				b->rsp[4 + k] = (uint8_t)('0' + (i / div[k]) % 10);
			}
			b->rsp_len = 8;
		}
		double r = radius * sqrt((double)sim_rng_below(&pop->rng, 1000001) / 1e6);
		double phi = 2 * 3.14159265358979323846 * (double)sim_rng_below(&pop->rng, 1000000) / 1e6;
		b->x = cfg->x + r * cos(phi);
		b->y = cfg->y + r * sin(phi);
		b->interval_us = (imin + sim_rng_below(&pop->rng, imax - imin + 1)) * 1000u;
		b->next = sim->now_us + sim_rng_below(&pop->rng, b->interval_us);
	}
	struct zble_sim_population **tail = &sim->pops;
	while (*tail) {
		tail = &(*tail)->next;
	}
	*tail = pop;
	pop_rearm(pop);
	return 0;
}

void zble_sim_population_burst(struct zble_sim_population *pop, uint64_t at)
{
	if (at < pop->sim->now_us) {
		at = pop->sim->now_us;
	}
	for (unsigned i = 0; i < pop->n; i++) {
		pop->beacons[i].next = at;
	}
	pop_rearm(pop);
}
