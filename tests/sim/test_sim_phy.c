/* PHY update and the link procedures around it, through raw HCI: LE Set
 * PHY to 2M and to Coded with PHY Update Complete on both sides at the
 * instant, ACL throughput per PHY against the link layer's capacity with
 * this interval's event boundaries (reference-hosts.md 6.4), a collision of
 * two PHY requests, remote version exchange, Read RSSI and channel map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

#define LE_MASK (0x1full | (1ull << 6) | (1ull << 11)) /* + Data Length Change, PHY Update Complete */
#define INTERVAL 40                                    /* 50 ms */

struct flow {
	struct raw_host *tx;
	unsigned total, sent, received;
	uint8_t outstanding, max_outstanding;
	uint64_t first_rx, last_rx;
};

static void send_next(struct flow *f)
{
	while (f->sent < f->total && f->outstanding < f->max_outstanding) {
		uint8_t pkt[5 + 251] = { ZBLE_H4_ACL, 0x00, 0x00, 251, 0 };
		memcpy(pkt + 5, &f->sent, 4);
		assert_int_equal(f->tx->drv->send(f->tx->drv, pkt, sizeof(pkt)), 0);
		f->sent++;
		f->outstanding++;
	}
}

static void tx_hook(struct raw_host *rh, const uint8_t *pkt, size_t len)
{
	struct flow *f = rh->user;
	if (f && len >= 8 && pkt[0] == ZBLE_H4_EVT && pkt[1] == 0x13) {
		f->outstanding = (uint8_t)(f->outstanding - (pkt[6] | (pkt[7] << 8)));
		send_next(f);
	}
}

static void rx_hook(struct raw_host *rh, const uint8_t *pkt, size_t len)
{
	struct flow *f = rh->user;
	if (f && len >= 5 && pkt[0] == ZBLE_H4_ACL) {
		f->received++;
		f->last_rx = zble_sim_now_us(rh->dev->sim);
		if (!f->first_rx) {
			f->first_rx = f->last_rx;
		}
	}
}

struct env {
	struct zble_sim *sim;
	struct raw_host p, c;
};

static void make_link(struct env *e, uint64_t seed)
{
	e->sim = calloc(1, sizeof(*e->sim));
	zble_sim_init(e->sim, seed);
	raw_init(&e->p, zble_sim_add_device(e->sim, NULL));
	raw_init(&e->c, zble_sim_add_device(e->sim, NULL));
	raw_setup(&e->p, LE_MASK);
	raw_setup(&e->c, LE_MASK);
	uint8_t ap[15] = { 0x20, 0, 0x20, 0, 0x00 };
	ap[13] = 7;
	assert_int_equal(raw_cmd(&e->p, 0x2006, ap, 15, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e->p, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	uint8_t cp[25] = { 0x10, 0, 0x10, 0, 0, 0x00, 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0, 0 };
	cp[13] = INTERVAL;
	cp[15] = INTERVAL;
	cp[19] = 200; /* 2 s */
	assert_int_equal(raw_cmd(&e->c, 0x200d, cp, 25, NULL, 0), 0);
	zble_sim_run_for(e->sim, 100000);
	assert_true(raw_find_le(&e->c, 0x01, 0) >= 0);
	/* 251 octets in up to 17040 us: a full packet even on LE Coded. */
	assert_int_equal(raw_cmd(&e->c, 0x2022, (uint8_t[]){ 0, 0, 251, 0, 0x90, 0x42 }, 6, NULL, 0), 0);
	zble_sim_run_for(e->sim, 500000);
	e->c.hook = tx_hook;
	e->p.hook = rx_hook;
}

static void free_link(struct env *e)
{
	raw_free(&e->p);
	raw_free(&e->c);
	zble_sim_deinit(e->sim);
	free(e->sim);
}

/* LE Set PHY from host h (both directions to phys), then checks the PHY
 * Update Complete events of both sides: at an instant, not at once. */
static void set_phy(struct env *e, struct raw_host *h, uint8_t phys, uint8_t expect)
{
	unsigned cf = e->c.n, pf = e->p.n;
	uint64_t t0 = zble_sim_now_us(e->sim);
	assert_int_equal(raw_cmd(h, 0x2032, (uint8_t[]){ 0, 0, 0, phys, phys, 0, 0 }, 7, NULL, 0), 0);
	zble_sim_run_for(e->sim, 1000000);
	struct raw_host *hs[2] = { &e->c, &e->p };
	unsigned from[2] = { cf, pf };
	for (int i = 0; i < 2; i++) {
		int u = raw_find_le(hs[i], 0x0c, from[i]);
		assert_true(u >= 0);
		const uint8_t *ev = hs[i]->log[u].data;
		assert_int_equal(ev[4], 0);
		assert_int_equal(ev[7], expect); /* TX */
		assert_int_equal(ev[8], expect); /* RX */
		assert_true(hs[i]->log[u].t - t0 >= 5u * INTERVAL * 1250u);
		assert_int_equal(raw_find_le(hs[i], 0x0c, (unsigned)u + 1), -1);
		uint8_t rp[4];
		assert_int_equal(raw_cmd(hs[i], 0x2030, (uint8_t[]){ 0, 0 }, 2, rp, 4), 0);
		assert_int_equal(rp[2], expect);
		assert_int_equal(rp[3], expect);
	}
}

/* kbit/s of 251-byte packets, central to peripheral. */
static double throughput(struct env *e, unsigned total)
{
	struct flow f = { .tx = &e->c, .total = total, .max_outstanding = e->c.dev->ctrl.acl_num };
	e->c.user = &f;
	e->p.user = &f;
	send_next(&f);
	uint64_t until = zble_sim_now_us(e->sim) + 120000000;
	while (f.received < total && zble_sim_now_us(e->sim) < until) {
		zble_sim_run_for(e->sim, 10000);
	}
	assert_int_equal(f.received, total);
	e->c.user = NULL;
	e->p.user = NULL;
	return (double)(f.received - 1) * 251 * 8 / ((double)(f.last_rx - f.first_rx) / 1e6) / 1e3;
}

/* Capacity with events that end when the next exchange would not fit
 * before interval - T_IFS. */
static double capacity(uint8_t phy, double *continuous)
{
	uint32_t cycle = zble_sim_air_time_phy_us(phy, 251) + 150 + zble_sim_air_time_phy_us(phy, 0) + 150;
	uint32_t per_event = (INTERVAL * 1250 - 150) / cycle;
	*continuous = 251.0 * 8 / cycle * 1e3;
	return per_event * 251.0 * 8 / (INTERVAL * 1.25);
}

static void test_phy_update_and_throughput(void **state)
{
	(void)state;
	struct env e;
	make_link(&e, 51);
	/* Air time per the spec: 1M 8 us/byte; 2M 4 us/byte, 2-byte preamble;
	 * Coded S=8: 80 + 256 + 16 + 24 us, 64 us/byte, 24 us. */
	assert_int_equal(zble_sim_air_time_phy_us(1, 251), 2088);
	assert_int_equal(zble_sim_air_time_phy_us(2, 251), 1048);
	assert_int_equal(zble_sim_air_time_phy_us(3, 251), 16784);
	assert_int_equal(zble_sim_air_time_phy_us(3, 27), 2448);
	static const uint8_t phys[3] = { 1, 2, 3 };
	static const char *names[3] = { "1M", "2M", "Coded S8" };
	double kbps[3];
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			set_phy(&e, &e.c, (uint8_t)(1u << i), phys[i]);
		}
		double cont, cap = capacity(phys[i], &cont);
		kbps[i] = throughput(&e, i == 2 ? 40 : 300);
		print_message("%-8s: %7.1f kbit/s, capacity %7.1f with 50 ms events (%.1f%%), %7.1f continuous\n",
			      names[i], kbps[i], cap, 100 * kbps[i] / cap, cont);
		/* (n - 1) packets between first and last arrival: a little over */
		assert_true(kbps[i] > 0.95 * cap && kbps[i] <= cap * 1.01);
	}
	assert_true(kbps[1] > 1.6 * kbps[0]);
	assert_true(kbps[2] < 0.15 * kbps[0]);
	free_link(&e);
}

static void test_phy_collision(void **state)
{
	(void)state;
	struct env e;
	make_link(&e, 52);
	unsigned cf = e.c.n, pf = e.p.n;
	/* Both hosts ask at once: the central's procedure wins. */
	uint8_t sp[7] = { 0, 0, 0, 2, 2, 0, 0 };
	uint8_t pkt[4 + 7] = { ZBLE_H4_CMD, 0x32, 0x20, 7 };
	memcpy(pkt + 4, sp, 7);
	assert_int_equal(e.c.drv->send(e.c.drv, pkt, sizeof(pkt)), 0);
	assert_int_equal(e.p.drv->send(e.p.drv, pkt, sizeof(pkt)), 0);
	zble_sim_run_for(e.sim, 1000000);
	int pu = raw_find_le(&e.p, 0x0c, pf);
	assert_true(pu >= 0);
	assert_int_equal(e.p.log[pu].data[4], 0x23); /* LL Procedure Collision */
	int pu2 = raw_find_le(&e.p, 0x0c, (unsigned)pu + 1);
	assert_true(pu2 >= 0); /* then the change the central made */
	assert_int_equal(e.p.log[pu2].data[4], 0);
	assert_int_equal(e.p.log[pu2].data[7], 2);
	int cu = raw_find_le(&e.c, 0x0c, cf);
	assert_true(cu >= 0);
	assert_int_equal(e.c.log[cu].data[4], 0);
	assert_int_equal(raw_find_le(&e.c, 0x0c, (unsigned)cu + 1), -1);
	/* Asking for what is in use: done at once, no instant, event anyway. */
	cf = e.c.n;
	assert_int_equal(raw_cmd(&e.c, 0x2032, sp, 7, NULL, 0), 0);
	zble_sim_run_for(e.sim, 300000);
	cu = raw_find_le(&e.c, 0x0c, cf);
	assert_true(cu >= 0);
	assert_int_equal(e.c.log[cu].data[7], 2);
	assert_int_equal(raw_find_le(&e.p, 0x0c, (unsigned)pu2 + 1), -1); /* nothing changed for it */
	free_link(&e);
}

static void test_default_phy_and_errors(void **state)
{
	(void)state;
	struct env e;
	make_link(&e, 53);
	assert_int_equal(raw_cmd(&e.c, 0x2031, (uint8_t[]){ 0, 0, 1 }, 3, NULL, 0), 0x12); /* no TX PHY */
	assert_int_equal(raw_cmd(&e.c, 0x2031, (uint8_t[]){ 0, 8, 1 }, 3, NULL, 0), 0x11); /* unknown PHY */
	assert_int_equal(raw_cmd(&e.c, 0x2032, (uint8_t[]){ 5, 0, 0, 2, 2, 0, 0 }, 7, NULL, 0), 0x02);
	/* The peripheral asks, receiving on 1M only: the central decides that
	 * the peripheral sends on 2M and it keeps sending on 1M. */
	unsigned pf = e.p.n;
	assert_int_equal(raw_cmd(&e.p, 0x2032, (uint8_t[]){ 0, 0, 0, 7, 1, 0, 0 }, 7, NULL, 0), 0);
	zble_sim_run_for(e.sim, 1000000);
	int pu = raw_find_le(&e.p, 0x0c, pf);
	assert_true(pu >= 0);
	assert_int_equal(e.p.log[pu].data[4], 0);
	assert_int_equal(e.p.log[pu].data[7], 2); /* peripheral TX */
	assert_int_equal(e.p.log[pu].data[8], 1); /* peripheral RX */
	assert_true(raw_find_le(&e.c, 0x0c, 0) >= 0); /* the central hears of the change */
	/* The central asks for 2M both ways: no common PHY for its direction,
	 * the other is 2M already: nothing changes, the answer comes anyway. */
	unsigned cf = e.c.n;
	assert_int_equal(raw_cmd(&e.c, 0x2032, (uint8_t[]){ 0, 0, 0, 2, 2, 0, 0 }, 7, NULL, 0), 0);
	zble_sim_run_for(e.sim, 1000000);
	int cu = raw_find_le(&e.c, 0x0c, cf);
	assert_true(cu >= 0);
	assert_int_equal(e.c.log[cu].data[4], 0);
	assert_int_equal(e.c.log[cu].data[7], 1); /* central TX: the peripheral takes no 2M */
	assert_int_equal(e.c.log[cu].data[8], 2); /* central RX: 2M */
	assert_int_equal(raw_find_le(&e.p, 0x0c, (unsigned)pu + 1), -1);
	free_link(&e);
}

static void test_remote_version_rssi_chan_map(void **state)
{
	(void)state;
	struct env e;
	make_link(&e, 54);
	zble_sim_device_set_position(e.p.dev, 10, 0);
	zble_sim_device_set_position(e.c.dev, 0, 0);
	struct raw_host *hs[2] = { &e.c, &e.p };
	/* + Read Remote Version Information Complete (bit 11) */
	const uint8_t mask[8] = { 0x10, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x20 };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(raw_cmd(hs[i], 0x0c01, mask, 8, NULL, 0), 0);
	}
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 2; i++) {
			unsigned from = hs[i]->n;
			assert_int_equal(raw_cmd(hs[i], 0x041d, (uint8_t[]){ 0, 0 }, 2, NULL, 0), 0);
			zble_sim_run_for(e.sim, 300000);
			int v = raw_find_evt(hs[i], 0x0c, from);
			assert_true(v >= 0);
			const uint8_t *ev = hs[i]->log[v].data;
			assert_int_equal(ev[3], 0);
			assert_int_equal(ev[6], 0x0c);                  /* Core 5.3 */
			assert_int_equal(ev[7] | (ev[8] << 8), 0xffff); /* company */
			assert_int_equal(raw_find_evt(hs[i], 0x0c, (unsigned)v + 1), -1);
		}
		/* Exchanged once: the second round answers from what is known. */
		assert_true(e.sim->links[0].ver_sent[0] && e.sim->links[0].ver_sent[1]);
	}
	assert_int_equal(raw_cmd(&e.c, 0x041d, (uint8_t[]){ 7, 0 }, 2, NULL, 0), 0x02);
	uint8_t rp[8];
	assert_int_equal(raw_cmd(&e.c, 0x1405, (uint8_t[]){ 0, 0 }, 2, rp, 3), 0);
	assert_int_equal((int8_t)rp[2], -60); /* 0 dBm, 10 m: 40 + 20 dB */
	assert_int_equal(raw_cmd(&e.c, 0x2015, (uint8_t[]){ 0, 0 }, 2, rp, 7), 0);
	assert_int_equal(rp[2] & rp[3] & rp[4] & rp[5], 0xff);
	assert_int_equal(rp[6], 0x1f);
	assert_int_equal(raw_cmd(&e.c, 0x204b, NULL, 0, rp, 2), 0);
	assert_int_equal(raw_cmd(&e.c, 0x0c2d, (uint8_t[]){ 0, 0, 0 }, 3, rp, 3), 0);
	assert_int_equal((int8_t)rp[2], 0);
	free_link(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phy_update_and_throughput),
		cmocka_unit_test(test_phy_collision),
		cmocka_unit_test(test_default_phy_and_errors),
		cmocka_unit_test(test_remote_version_rssi_chan_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
