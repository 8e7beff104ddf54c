/* The receiving side of advertising: when a scanner or initiator listens
 * (windows per PHY, scan duration and period), what its filter policy lets
 * through, duplicate filtering, and the reports in the form the scanner
 * asked for (legacy reports, or extended ones split into fragments). */
#include "sim_internal.h"

static bool window_open(uint64_t now, uint64_t started, uint16_t interval, uint16_t window)
{
	if (window >= interval) {
		return true;
	}
	return (now - started) % ((uint64_t)interval * 625u) < (uint64_t)window * 625u;
}

bool radio_scanning(const struct zble_sim_ctrl *s, uint64_t now, uint8_t phy)
{
	if (!s->scan.enabled || !s->scan.on) {
		return false;
	}
	if (phy == ZBLE_SIM_PHY_CODED) {
		return (s->scan.phys & 4) && window_open(now, s->scan.started, s->scan.coded_interval, s->scan.coded_window);
	}
	return phy == ZBLE_SIM_PHY_1M && (s->scan.phys & 1) &&
	       window_open(now, s->scan.started, s->scan.interval, s->scan.window);
}

bool radio_scan_active(const struct zble_sim_ctrl *s, uint8_t phy)
{
	return (phy == ZBLE_SIM_PHY_CODED ? s->scan.coded_type : s->scan.type) == 1;
}

bool radio_init_listening(const struct zble_sim_ctrl *s, uint64_t now, uint8_t phy)
{
	/* Primary channels: LE 1M (par[0]) or LE Coded (par[2]). */
	int i = phy == ZBLE_SIM_PHY_CODED ? 2 : phy == ZBLE_SIM_PHY_1M ? 0 : -1;
	if (!s->init.active || i < 0 || !(s->init.phys & (1u << i))) {
		return false;
	}
	return window_open(now, s->init.started, s->init.par[i].scan_interval, s->init.par[i].scan_window);
}

bool radio_scan_accepts(const struct zble_sim_ctrl *s, uint8_t type, const uint8_t addr[6])
{
	/* Policies 1 and 3 take undirected advertising from the list only. */
	return !(s->scan.filter & 1) || ctrl_fal_has(s, type, addr);
}

bool radio_init_accepts(const struct zble_sim_ctrl *s, uint8_t type, const uint8_t addr[6])
{
	if (s->init.filter) {
		return ctrl_fal_has(s, type, addr);
	}
	return ctrl_sec_init_match(s, type, addr); /* directly or by the resolving list */
}

static bool is_rpa(uint8_t type, const uint8_t addr[6])
{
	return type == 1 && (addr[5] & 0xc0) == 0x40;
}

bool radio_targets(const struct zble_sim_ctrl *s, uint8_t own_type, uint8_t type, const uint8_t addr[6], bool scanning)
{
	uint8_t mtype, maddr[6];
	ctrl_own_addr(s, own_type, &mtype, maddr);
	if (mtype == type && !memcmp(maddr, addr, 6)) {
		return true;
	}
	if (ctrl_sec_target_resolves(s, type, addr)) {
		return true; /* an RPA of ours (privacy) */
	}
	/* Extended scanner filter policies (2, 3): also directed advertising
	 * to a resolvable private address, for the host to resolve. */
	return scanning && (s->scan.filter & 2) && is_rpa(type, addr);
}

/* ---- duplicate filtering ---- */

static bool dup_seen(struct zble_sim_ctrl *s, uint8_t type, const uint8_t addr[6], uint8_t kind)
{
	if (!s->scan.filter_dup) {
		return false;
	}
	for (unsigned i = 0; i < s->scan.dup_count; i++) {
		const uint8_t *e = s->scan.dup[i];
		if (e[0] == type && e[7] == kind && !memcmp(e + 1, addr, 6)) {
			return true;
		}
	}
	if (s->scan.dup_count < ZBLE_SIM_DUP_FILTER) {
		uint8_t *e = s->scan.dup[s->scan.dup_count++];
		e[0] = type;
		memcpy(e + 1, addr, 6);
		e[7] = kind;
	}
	return false;
}

/* ---- reports ---- */

void radio_ext_report(struct zble_sim_ctrl *s, const struct radio_ext_rpt *r, const uint8_t *data, uint16_t len)
{
	struct radio_ext_rpt resolved = *r; /* privacy: the identity of a resolved RPA */
	if (!ctrl_sec_report_addr(s, &resolved.addr_type, resolved.addr)) {
		return;
	}
	r = &resolved;
	if (!ctrl_le_event_enabled(s, 12)) {
		return;
	}
	/* Advertising and scan response of one set (SID) are told apart. */
	uint8_t kind = (uint8_t)(0x80 | ((r->evt & EXT_RPT_SCAN_RSP) ? 1 : 0) | ((r->sid & 0x1f) << 1));
	if (dup_seen(s, r->addr_type, r->addr, kind)) {
		return;
	}
	/* A chain goes whole or not at all: a host must not see its middle
	 * missing because the queue was full. */
	unsigned frags = len ? (len + EXT_RPT_DATA_MAX - 1u) / EXT_RPT_DATA_MAX : 1;
	if (s->th_count + frags > ZBLE_SIM_TO_HOST_QUEUE / 2) {
		s->stats.to_host_dropped++;
		return;
	}
	uint16_t off = 0;
	do {
		uint16_t n = (uint16_t)(len - off < EXT_RPT_DATA_MAX ? len - off : EXT_RPT_DATA_MAX);
		bool more = off + n < len;
		uint8_t p[26 + EXT_RPT_DATA_MAX];
		p[0] = LE_EXT_ADV_REPORT;
		p[1] = 1;
		put_le16(p + 2, (uint16_t)(r->evt | (more ? EXT_RPT_MORE : 0)));
		p[4] = r->addr_type;
		memcpy(p + 5, r->addr, 6);
		p[11] = r->pri_phy;
		p[12] = r->sec_phy;
		p[13] = r->sid;
		p[14] = (uint8_t)r->tx_power;
		p[15] = (uint8_t)r->rssi;
		put_le16(p + 16, 0); /* no periodic advertising */
		p[18] = r->dir_type;
		memcpy(p + 19, r->dir, 6);
		p[25] = (uint8_t)n;
		if (n) {
			memcpy(p + 26, data + off, n); /* directed legacy PDUs: no data */
		}
		ctrl_event(s, EVT_LE_META, p, (uint8_t)(26 + n));
		off = (uint16_t)(off + n);
	} while (off < len);
	s->stats.adv_reports++;
}

static uint8_t legacy_report_type(uint8_t adv_type, bool scan_rsp)
{
	if (scan_rsp) {
		return RPT_SCAN_RSP;
	}
	switch (adv_type) {
	case ADV_IND:
		return RPT_ADV_IND;
	case ADV_SCAN_IND:
		return RPT_ADV_SCAN_IND;
	case ADV_NONCONN_IND:
		return RPT_ADV_NONCONN_IND;
	default:
		return RPT_ADV_DIRECT_IND;
	}
}

/* Event type bits of a legacy PDU in an extended report. */
static uint16_t legacy_ext_type(uint8_t adv_type, bool scan_rsp)
{
	uint16_t t = EXT_RPT_LEGACY;
	if (adv_type == ADV_IND || adv_type == ADV_DIRECT_IND_HIGH || adv_type == ADV_DIRECT_IND_LOW) {
		t |= EXT_RPT_CONN;
	}
	if (adv_type == ADV_IND || adv_type == ADV_SCAN_IND) {
		t |= EXT_RPT_SCAN;
	}
	if (adv_type == ADV_DIRECT_IND_HIGH || adv_type == ADV_DIRECT_IND_LOW) {
		t |= EXT_RPT_DIRECTED;
	}
	return scan_rsp ? (uint16_t)(t | EXT_RPT_SCAN_RSP) : t;
}

void radio_direct_addr(const struct zble_sim_ctrl *s, uint8_t own_type, uint8_t type, const uint8_t addr[6],
		       uint8_t *dir_type, uint8_t dir[6])
{
	if (ctrl_sec_target_resolves(s, type, addr)) {
		uint8_t id_type;
		ctrl_own_addr(s, own_type & 1, &id_type, dir);
		*dir_type = (uint8_t)(0x02 | id_type);
		return;
	}
	*dir_type = is_rpa(type, addr) ? 0xfe : type;
	memcpy(dir, addr, 6);
}

void radio_report(struct zble_sim_ctrl *s, uint8_t adv_type, bool scan_rsp, uint8_t addr_type, const uint8_t addr[6],
		  uint8_t ttype, const uint8_t *taddr, const uint8_t *data, uint8_t dlen, int8_t rssi)
{
	uint8_t id[6]; /* privacy: the identity of a resolved RPA */
	memcpy(id, addr, 6);
	if (!ctrl_sec_report_addr(s, &addr_type, id)) {
		return;
	}
	addr = id;
	bool directed = adv_type == ADV_DIRECT_IND_HIGH || adv_type == ADV_DIRECT_IND_LOW;
	if (s->scan.ext) {
		struct radio_ext_rpt r = {
			.evt = legacy_ext_type(adv_type, scan_rsp),
			.addr_type = addr_type,
			.pri_phy = ZBLE_SIM_PHY_1M,
			.sid = 0xff,
			.tx_power = 0x7f,
			.rssi = rssi,
		};
		memcpy(r.addr, addr, 6);
		if (directed && taddr) {
			radio_direct_addr(s, s->scan.own_type, ttype, taddr, &r.dir_type, r.dir);
		}
		radio_ext_report(s, &r, data, dlen);
		return;
	}
	uint8_t evt_type = legacy_report_type(adv_type, scan_rsp);
	if (!ctrl_le_event_enabled(s, 1) || dup_seen(s, addr_type, addr, evt_type == RPT_SCAN_RSP)) {
		return;
	}
	uint8_t p[12 + 31];
	p[0] = LE_ADV_REPORT;
	p[1] = 1;
	p[2] = evt_type;
	p[3] = addr_type;
	memcpy(p + 4, addr, 6);
	p[10] = dlen;
	if (dlen) {
		memcpy(p + 11, data, dlen);
	}
	p[11 + dlen] = (uint8_t)rssi;
	s->stats.adv_reports++;
	ctrl_event(s, EVT_LE_META, p, (uint8_t)(12 + dlen));
}

/* ---- scan duration and period (extended scanning) ---- */

void radio_scan_timer(struct zble_sim_ctrl *c)
{
	struct zble_sim *sim = c->dev->sim;
	if (!c->scan.enabled || !c->scan.duration) {
		return;
	}
	if (c->scan.on) {
		c->scan.on = false;
		if (!c->scan.period) {
			c->scan.enabled = false;
			uint8_t p[1] = { LE_SCAN_TIMEOUT };
			ctrl_le_event(c, 16, p, 1);
			return;
		}
		/* Idle until the next period starts (started: its beginning). */
		sim_timer_arm(sim, &c->scan.timer, c->scan.started + (uint64_t)c->scan.period * 1280000u);
		return;
	}
	c->scan.on = true;
	c->scan.started = sim->now_us;
	if (c->scan.filter_dup == 2) {
		c->scan.dup_count = 0; /* duplicates are new again each period */
	}
	sim_timer_arm(sim, &c->scan.timer, sim->now_us + (uint64_t)c->scan.duration * 10000u);
}
