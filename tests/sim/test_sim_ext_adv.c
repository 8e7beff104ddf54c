/* Extended advertising, scanning and initiating through raw HCI: several
 * sets seen by an extended scanner with their SIDs and data (long data
 * written in fragments and reported in fragments), scan responses of
 * extended and legacy sets, termination by duration and event count, scan
 * duration and period, extended connection (Enhanced Connection Complete
 * on both sides, then Advertising Set Terminated), and the rule that legacy
 * and extended commands exclude each other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

/* Connection/Enhanced Connection Complete, Update, Remote Features, Data
 * Length Change, PHY Update, Ext Adv Report, Scan Timeout, Adv Set
 * Terminated, Scan Request Received, Channel Selection Algorithm */
#define LE_MASK                                                                                               \
	((1ull << 0) | (1ull << 2) | (1ull << 3) | (1ull << 6) | (1ull << 9) | (1ull << 11) | (1ull << 12) | \
	 (1ull << 16) | (1ull << 17) | (1ull << 18) | (1ull << 19))

static const uint8_t p_addr[6] = { 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 }; /* device 0 */

struct env {
	struct zble_sim *sim;
	struct raw_host p, c;
};

static void setup_env(struct env *e, uint64_t seed, uint64_t p_mask)
{
	e->sim = calloc(1, sizeof(*e->sim));
	zble_sim_init(e->sim, seed);
	raw_init(&e->p, zble_sim_add_device(e->sim, NULL));
	raw_init(&e->c, zble_sim_add_device(e->sim, NULL));
	e->c.keep_reports = true;
	raw_setup(&e->p, p_mask);
	raw_setup(&e->c, LE_MASK);
}

static void free_env(struct env *e)
{
	raw_free(&e->p);
	raw_free(&e->c);
	zble_sim_deinit(e->sim);
	free(e->sim);
}

static uint8_t set_params(struct raw_host *h, uint8_t handle, uint16_t props, uint8_t sid, uint8_t pri, uint8_t sec,
			  uint8_t *tx_power)
{
	uint8_t cp[25] = { handle, (uint8_t)props, (uint8_t)(props >> 8), 0x20, 0, 0, 0x20, 0, 0, 0x07, 0x00 };
	cp[19] = 0x7f;
	cp[20] = pri;
	cp[22] = sec;
	cp[23] = sid;
	uint8_t rp[1];
	uint8_t st = raw_cmd(h, 0x2036, cp, 25, rp, 1);
	if (tx_power) {
		*tx_power = rp[0];
	}
	return st;
}

static uint8_t set_data(struct raw_host *h, uint16_t op, uint8_t handle, uint8_t oper, const uint8_t *d, uint8_t n)
{
	uint8_t cp[4 + 251] = { handle, oper, 0x01, n };
	memcpy(cp + 4, d, n);
	return raw_cmd(h, op, cp, (uint8_t)(4 + n), NULL, 0);
}

/* Writes len bytes in 251-byte fragments (first, intermediate..., last). */
static void set_long_data(struct raw_host *h, uint16_t op, uint8_t handle, const uint8_t *d, uint16_t len)
{
	uint16_t off = 0;
	while (off < len) {
		uint8_t n = (uint8_t)(len - off > 251 ? 251 : len - off);
		uint8_t oper = off == 0 ? (n == len ? 3 : 1) : (off + n == len ? 2 : 0);
		assert_int_equal(set_data(h, op, handle, oper, d + off, n), 0);
		off = (uint16_t)(off + n);
	}
}

static uint8_t enable_sets(struct raw_host *h, uint8_t en, uint8_t n, const uint8_t *handles, uint16_t duration,
			   uint8_t max_events)
{
	uint8_t cp[2 + 4 * 4] = { en, n };
	for (unsigned i = 0; i < n; i++) {
		cp[2 + 4 * i] = handles[i];
		cp[3 + 4 * i] = (uint8_t)duration;
		cp[4 + 4 * i] = (uint8_t)(duration >> 8);
		cp[5 + 4 * i] = max_events;
	}
	return raw_cmd(h, 0x2039, cp, (uint8_t)(2 + 4 * n), NULL, 0);
}

static void ext_scan(struct raw_host *h, uint8_t type, uint8_t dup, uint16_t duration, uint16_t period)
{
	/* own public, no filter, LE 1M: 30 ms interval and window */
	uint8_t sp[8] = { 0, 0, 0x01, type, 0x30, 0, 0x30, 0 };
	assert_int_equal(raw_cmd(h, 0x2041, sp, 8, NULL, 0), 0);
	uint8_t en[6] = { 1, dup, (uint8_t)duration, (uint8_t)(duration >> 8), (uint8_t)period,
			  (uint8_t)(period >> 8) };
	assert_int_equal(raw_cmd(h, 0x2042, en, 6, NULL, 0), 0);
}

/* A whole advertisement: extended reports with one SID and kind
 * (advertising or scan response), fragments joined. */
struct adv_seen {
	uint16_t evt;        /* event type of the last fragment */
	uint8_t pri, sec;
	unsigned frags, chains;
	uint16_t len;
	uint8_t data[1700];
	uint16_t first_status, last_status;
};

/* Collects the reports of (sid, scan response?) from advertiser addr. */
static void collect(const struct raw_host *h, uint8_t sid, bool rsp, struct adv_seen *out)
{
	memset(out, 0, sizeof(*out));
	bool open = false;
	for (unsigned i = 0; i < h->n; i++) {
		const uint8_t *e = h->log[i].data;
		if (e[0] != 0x04 || e[1] != 0x3e || e[3] != 0x0d) {
			continue;
		}
		assert_int_equal(e[4], 1); /* one report per event */
		const uint8_t *r = e + 5;
		uint16_t evt = (uint16_t)(r[0] | (r[1] << 8));
		if (r[11] != sid || !!(evt & 0x08) != rsp || memcmp(r + 3, p_addr, 6)) {
			continue;
		}
		uint8_t n = r[23];
		assert_int_equal(h->log[i].len, 3 + 2 + 24 + n); /* lengths agree */
		assert_true(n <= 229);
		if (!open) {
			out->len = 0;
			out->first_status = (evt >> 5) & 3;
			out->frags = 0;
		}
		memcpy(out->data + out->len, r + 24, n);
		out->len = (uint16_t)(out->len + n);
		out->frags++;
		out->evt = evt;
		out->pri = r[9];
		out->sec = r[10];
		out->last_status = (evt >> 5) & 3;
		open = out->last_status == 1;
		if (!open) {
			out->chains++;
		}
	}
}

static void test_sets_seen_by_extended_scanner(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, 31, LE_MASK);
	uint8_t rp[2];
	assert_int_equal(raw_cmd(&e.p, 0x203a, NULL, 0, rp, 2), 0);
	assert_int_equal(rp[0] | (rp[1] << 8), 1650);
	assert_int_equal(raw_cmd(&e.p, 0x203b, NULL, 0, rp, 1), 0);
	assert_int_equal(rp[0], 4);

	uint8_t long_data[600], rsp[300], tx;
	for (unsigned i = 0; i < sizeof(long_data); i++) {
		long_data[i] = (uint8_t)(i * 7 + 1);
	}
	for (unsigned i = 0; i < sizeof(rsp); i++) {
		rsp[i] = (uint8_t)(0xa0 ^ i);
	}
	/* Set 0: extended, non-connectable, SID 3, secondary PHY 2M, 600 bytes. */
	assert_int_equal(set_params(&e.p, 0, 0x0000, 3, 1, 2, &tx), 0);
	assert_int_equal((int8_t)tx, 0);
	set_long_data(&e.p, 0x2037, 0, long_data, sizeof(long_data));
	/* Set 1: extended scannable, SID 7: no advertising data, a long scan response. */
	assert_int_equal(set_params(&e.p, 1, 0x0002, 7, 1, 1, NULL), 0);
	assert_int_equal(set_data(&e.p, 0x2037, 1, 3, long_data, 10), 0x12); /* no data when scannable */
	set_long_data(&e.p, 0x2038, 1, rsp, sizeof(rsp));
	/* Set 2: legacy ADV_SCAN_IND. */
	assert_int_equal(set_params(&e.p, 2, 0x0012, 0, 1, 1, NULL), 0);
	assert_int_equal(set_data(&e.p, 0x2037, 2, 3, long_data, 10), 0);
	assert_int_equal(set_data(&e.p, 0x2038, 2, 3, rsp, 5), 0);
	assert_int_equal(set_data(&e.p, 0x2037, 2, 3, long_data, 32), 0x12); /* legacy: 31 at most */
	const uint8_t handles[3] = { 0, 1, 2 };
	assert_int_equal(enable_sets(&e.p, 1, 3, handles, 0, 0), 0);
	/* A fragmented write while enabled is refused. */
	assert_int_equal(set_data(&e.p, 0x2037, 0, 1, long_data, 20), 0x0c);

	ext_scan(&e.c, 1, 1, 0, 0);
	zble_sim_run_for(e.sim, 1000000);

	struct adv_seen *s = calloc(1, sizeof(*s));
	collect(&e.c, 3, false, s);
	assert_int_equal(s->chains, 1); /* duplicates filtered */
	assert_int_equal(s->len, 600);
	assert_memory_equal(s->data, long_data, 600);
	assert_int_equal(s->frags, 3); /* 229 + 229 + 142 */
	assert_int_equal(s->first_status, 1);
	assert_int_equal(s->last_status, 0);
	assert_int_equal(s->evt & 0x1f, 0x00);
	assert_int_equal(s->pri, 1);
	assert_int_equal(s->sec, 2);

	collect(&e.c, 7, false, s);
	assert_int_equal(s->chains, 1);
	assert_int_equal(s->len, 0);
	assert_int_equal(s->evt, 0x0002); /* scannable */
	collect(&e.c, 7, true, s);
	assert_int_equal(s->chains, 1);
	assert_int_equal(s->len, 300);
	assert_int_equal(s->frags, 2);
	assert_memory_equal(s->data, rsp, 300);
	assert_int_equal(s->evt & 0x1f, 0x0a); /* scannable, scan response */

	/* The legacy set: legacy event types, no SID. */
	collect(&e.c, 0xff, false, s);
	assert_int_equal(s->len, 10);
	assert_int_equal(s->evt, 0x12);
	assert_int_equal(s->sec, 0);
	collect(&e.c, 0xff, true, s);
	assert_int_equal(s->len, 5);
	assert_int_equal(s->evt, 0x1a);
	assert_true(e.p.dev->ctrl.stats.scan_reqs >= 2);
	free(s);
	free_env(&e);
}

/* Set Terminated for the set named, with status and event count. */
static int find_terminated(const struct raw_host *h, uint8_t handle, unsigned from)
{
	for (int i = raw_find_le(h, 0x12, from); i >= 0; i = raw_find_le(h, 0x12, (unsigned)i + 1)) {
		if (h->log[i].data[5] == handle) {
			return i;
		}
	}
	return -1;
}

static void test_duration_and_event_limit(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, 32, LE_MASK);
	assert_int_equal(set_params(&e.p, 0, 0x0000, 1, 1, 1, NULL), 0);
	assert_int_equal(set_params(&e.p, 1, 0x0010, 0, 1, 1, NULL), 0); /* legacy ADV_NONCONN_IND */
	uint64_t t0 = zble_sim_now_us(e.sim);
	assert_int_equal(enable_sets(&e.p, 1, 1, (const uint8_t[]){ 0 }, 50, 0), 0); /* 500 ms */
	assert_int_equal(enable_sets(&e.p, 1, 1, (const uint8_t[]){ 1 }, 0, 5), 0);  /* 5 events */
	ext_scan(&e.c, 0, 0, 0, 0);
	zble_sim_run_for(e.sim, 1500000);

	int i = find_terminated(&e.p, 0, 0);
	assert_true(i >= 0);
	const uint8_t *ev = e.p.log[i].data;
	assert_int_equal(ev[4], 0x3c); /* Advertising Timeout */
	uint64_t at = e.p.log[i].t - t0;
	assert_true(at >= 500000 && at < 540000);
	assert_int_equal(ev[6] | (ev[7] << 8), 0);
	i = find_terminated(&e.p, 1, 0);
	assert_true(i >= 0);
	ev = e.p.log[i].data;
	assert_int_equal(ev[4], 0x43); /* Limit Reached */
	assert_int_equal(ev[8], 5);
	assert_int_equal(e.p.dev->ctrl.sets[1].events, 5);
	/* The scanner saw exactly the five events of the legacy set (no
	 * duplicate filter), and nothing of either set after they ended. */
	unsigned legacy = 0;
	for (unsigned k = 0; k < e.c.n; k++) {
		const uint8_t *r = e.c.log[k].data;
		if (r[1] == 0x3e && r[3] == 0x0d && r[16] == 0xff) {
			legacy++;
		}
	}
	assert_int_equal(legacy, 5);
	assert_false(e.p.dev->ctrl.sets[0].enabled || e.p.dev->ctrl.sets[1].enabled);
	free_env(&e);
}

static void test_scan_duration_and_period(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, 33, LE_MASK);
	assert_int_equal(set_params(&e.p, 0, 0x0010, 0, 1, 1, NULL), 0);
	assert_int_equal(enable_sets(&e.p, 1, 1, (const uint8_t[]){ 0 }, 0, 0), 0);
	/* 300 ms, no period: one Scan Timeout, then nothing. */
	uint64_t t0 = zble_sim_now_us(e.sim);
	ext_scan(&e.c, 0, 0, 30, 0);
	zble_sim_run_for(e.sim, 1000000);
	int i = raw_find_le(&e.c, 0x11, 0);
	assert_true(i >= 0);
	assert_true(e.c.log[i].t - t0 >= 300000 && e.c.log[i].t - t0 < 301000);
	assert_int_equal(raw_find_le(&e.c, 0x11, (unsigned)i + 1), -1);
	assert_false(e.c.dev->ctrl.scan.enabled);
	for (unsigned k = (unsigned)i; k < e.c.n; k++) {
		assert_false(e.c.log[k].data[1] == 0x3e && e.c.log[k].data[3] == 0x0d);
	}
	/* 100 ms in every 1.28 s, duplicates filtered per period: one report
	 * per period; with filtering kept across periods: one in all. */
	for (uint8_t dup = 1; dup <= 2; dup++) {
		unsigned from = e.c.n;
		ext_scan(&e.c, 0, dup, 10, 1);
		zble_sim_run_for(e.sim, 3 * 1280000);
		unsigned reports = 0;
		for (unsigned k = from; k < e.c.n; k++) {
			reports += e.c.log[k].data[1] == 0x3e && e.c.log[k].data[3] == 0x0d;
		}
		assert_int_equal(raw_find_le(&e.c, 0x11, from), -1); /* a period: no timeout */
		assert_int_equal(reports, dup == 1 ? 1 : 3);
		assert_int_equal(raw_cmd(&e.c, 0x2042, (uint8_t[]){ 0, 0, 0, 0, 0, 0 }, 6, NULL, 0), 0);
	}
	/* Invalid: duration not shorter than the period; reset without a period. */
	assert_int_equal(raw_cmd(&e.c, 0x2042, (uint8_t[]){ 1, 0, 128, 0, 1, 0 }, 6, NULL, 0), 0x12);
	assert_int_equal(raw_cmd(&e.c, 0x2042, (uint8_t[]){ 1, 2, 0, 0, 0, 0 }, 6, NULL, 0), 0x12);
	free_env(&e);
}

static void test_extended_connection(void **state)
{
	(void)state;
	struct env e;
	/* The peripheral takes the Enhanced Connection Complete v2. */
	setup_env(&e, 34, LE_MASK | (1ull << 40));
	/* Connectable extended set, handle 2, SID 9, secondary PHY 2M. */
	assert_int_equal(set_params(&e.p, 2, 0x0001, 9, 1, 2, NULL), 0);
	assert_int_equal(set_data(&e.p, 0x2037, 2, 3, (const uint8_t[]){ 2, 1, 6 }, 3), 0);
	uint8_t big[250] = { 0 };
	assert_int_equal(set_data(&e.p, 0x2037, 2, 3, big, 250), 0x12); /* one AUX_ADV_IND */
	assert_int_equal(enable_sets(&e.p, 1, 1, (const uint8_t[]){ 2 }, 0, 0), 0);
	/* Initiating on 1M; parameters for 1M (30 ms) and 2M (50 ms). */
	uint8_t cp[10 + 32] = { 0, 0, 0 };
	memcpy(cp + 3, p_addr, 6);
	cp[9] = 0x03;
	const uint16_t ivl[2] = { 24, 40 };
	for (int i = 0; i < 2; i++) {
		uint8_t *x = cp + 10 + 16 * i;
		x[0] = 0x10, x[2] = 0x10;          /* scan interval, window */
		x[4] = (uint8_t)ivl[i], x[6] = (uint8_t)ivl[i];
		x[10] = 100;                       /* 1 s */
	}
	unsigned cf = e.c.n, pf = e.p.n;
	assert_int_equal(raw_cmd(&e.c, 0x2043, cp, sizeof(cp), NULL, 0), 0);
	zble_sim_run_for(e.sim, 500000);

	int c_cc = raw_find_le(&e.c, 0x0a, cf), p_cc = raw_find_le(&e.p, 0x29, pf);
	assert_true(c_cc >= 0 && p_cc >= 0);
	assert_int_equal(raw_find_le(&e.c, 0x01, cf), -1); /* never the legacy event */
	const uint8_t *ev = e.c.log[c_cc].data;
	assert_int_equal(ev[2], 31);
	assert_int_equal(ev[4], 0);
	assert_int_equal(ev[7], 0x00); /* central */
	assert_memory_equal(ev + 9, p_addr, 6);
	assert_int_equal(ev[27] | (ev[28] << 8), 40); /* the 2M parameters: it connected on 2M */
	ev = e.p.log[p_cc].data;
	assert_int_equal(ev[2], 34);
	assert_int_equal(ev[7], 0x01); /* peripheral */
	assert_int_equal(ev[34], 2);   /* advertising handle */
	assert_int_equal(ev[35] | (ev[36] << 8), 0xffff);
	/* Then the set's end, naming the connection; CSA #2 on both. */
	int t = find_terminated(&e.p, 2, pf);
	assert_true(t > p_cc);
	ev = e.p.log[t].data;
	assert_int_equal(ev[4], 0);
	assert_int_equal(ev[6] | (ev[7] << 8), e.p.log[p_cc].data[5] | (e.p.log[p_cc].data[6] << 8));
	int cs = raw_find_le(&e.c, 0x14, cf);
	assert_true(cs > c_cc);
	assert_int_equal(e.c.log[cs].data[6], 0x01);
	assert_true(raw_find_le(&e.p, 0x14, pf) >= 0);
	/* The link is on LE 2M both ways. */
	uint8_t rp[4];
	assert_int_equal(raw_cmd(&e.c, 0x2030, (uint8_t[]){ 0, 0 }, 2, rp, 4), 0);
	assert_int_equal(rp[2], 2);
	assert_int_equal(rp[3], 2);
	assert_false(e.p.dev->ctrl.sets[0].enabled);
	free_env(&e);
}

static void test_legacy_and_extended_exclude(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, 35, LE_MASK);
	uint8_t ap[15] = { 0x20, 0, 0x20, 0, 0x03 };
	ap[13] = 7;
	/* Extended first: legacy advertising, scanning, initiating refused. */
	assert_int_equal(raw_cmd(&e.p, 0x203b, NULL, 0, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.p, 0x2006, ap, 15, NULL, 0), 0x0c);
	assert_int_equal(raw_cmd(&e.p, 0x200b, (uint8_t[]){ 0, 0x10, 0, 0x10, 0, 0, 0 }, 7, NULL, 0), 0x0c);
	uint8_t cc[25] = { 0x10, 0, 0x10, 0, 0, 0 };
	cc[13] = 24, cc[15] = 24, cc[19] = 100;
	unsigned from = e.p.n;
	assert_int_equal(raw_cmd(&e.p, 0x200d, cc, 25, NULL, 0), 0x0c);
	assert_true(raw_find_evt(&e.p, 0x0f, from) >= 0); /* as Command Status */
	/* Reset forgets; legacy first, then extended is refused. */
	assert_int_equal(raw_cmd(&e.p, 0x0c03, NULL, 0, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.p, 0x2006, ap, 15, NULL, 0), 0);
	assert_int_equal(set_params(&e.p, 0, 0x0000, 0, 1, 1, NULL), 0x0c);
	assert_int_equal(raw_cmd(&e.p, 0x2042, (uint8_t[]){ 0, 0, 0, 0, 0, 0 }, 6, NULL, 0), 0x0c);
	/* Commands of neither kind still work. */
	assert_int_equal(raw_cmd(&e.p, 0x200f, NULL, 0, NULL, 0), 0);
	free_env(&e);
}

static void test_set_errors(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, 36, LE_MASK);
	assert_int_equal(enable_sets(&e.p, 1, 1, (const uint8_t[]){ 5 }, 0, 0), 0x42); /* unknown set */
	assert_int_equal(set_params(&e.p, 0, 0x0003, 0, 1, 1, NULL), 0x12); /* extended: not both */
	assert_int_equal(set_params(&e.p, 0, 0x0017, 0, 1, 1, NULL), 0x12); /* no such legacy type */
	assert_int_equal(set_params(&e.p, 0, 0x0013, 0, 3, 1, NULL), 0x12); /* legacy on Coded */
	for (uint8_t h = 0; h < 4; h++) {
		assert_int_equal(set_params(&e.p, h, 0x0000, h, 1, 1, NULL), 0);
	}
	assert_int_equal(set_params(&e.p, 9, 0x0000, 0, 1, 1, NULL), 0x07); /* no fifth set */
	/* Scannable extended set without a scan response: not enabled. */
	assert_int_equal(set_params(&e.p, 1, 0x0002, 0, 1, 1, NULL), 0);
	assert_int_equal(enable_sets(&e.p, 1, 1, (const uint8_t[]){ 1 }, 0, 0), 0x0c);
	/* Last without first. */
	assert_int_equal(set_data(&e.p, 0x2037, 0, 2, (const uint8_t[]){ 1 }, 1), 0x0c);
	/* Own random address without one set for the set. */
	uint8_t cp[25] = { 3, 0, 0, 0x20, 0, 0, 0x20, 0, 0, 0x07, 0x01 };
	cp[19] = 0x7f, cp[20] = 1, cp[22] = 1;
	assert_int_equal(raw_cmd(&e.p, 0x2036, cp, 25, NULL, 0), 0);
	assert_int_equal(enable_sets(&e.p, 1, 1, (const uint8_t[]){ 3 }, 0, 0), 0x12);
	assert_int_equal(raw_cmd(&e.p, 0x2035, (uint8_t[]){ 3, 1, 2, 3, 4, 5, 0xc6 }, 7, NULL, 0), 0);
	assert_int_equal(enable_sets(&e.p, 1, 1, (const uint8_t[]){ 3 }, 0, 0), 0);
	/* No removal or clearing while enabled. */
	assert_int_equal(raw_cmd(&e.p, 0x203c, (uint8_t[]){ 3 }, 1, NULL, 0), 0x0c);
	assert_int_equal(raw_cmd(&e.p, 0x203d, NULL, 0, NULL, 0), 0x0c);
	assert_int_equal(enable_sets(&e.p, 0, 0, NULL, 0, 0), 0); /* all off */
	assert_int_equal(raw_cmd(&e.p, 0x203c, (uint8_t[]){ 3 }, 1, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.p, 0x203c, (uint8_t[]){ 3 }, 1, NULL, 0), 0x42);
	assert_int_equal(raw_cmd(&e.p, 0x203d, NULL, 0, NULL, 0), 0);
	assert_int_equal(enable_sets(&e.p, 1, 1, (const uint8_t[]){ 0 }, 0, 0), 0x42);
	free_env(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sets_seen_by_extended_scanner),
		cmocka_unit_test(test_duration_and_event_limit),
		cmocka_unit_test(test_scan_duration_and_period),
		cmocka_unit_test(test_extended_connection),
		cmocka_unit_test(test_legacy_and_extended_exclude),
		cmocka_unit_test(test_set_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
