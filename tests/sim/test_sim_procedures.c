/* LL procedures and advertising variants through raw HCI: connection
 * update from either role (with the central host's parameter request
 * reply or rejection), remote features, random address while advertising,
 * directed advertising (report and high duty timeout), active scanning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

#define LE_MASK (0x1full | (1ull << 5) | (1ull << 6))

struct env {
	struct zble_sim *sim;
	struct raw_host p, c;
};

static void adv_params(struct raw_host *h, uint8_t type, const uint8_t *peer)
{
	uint8_t ap[15] = { 0x20, 0, 0x20, 0, type };
	if (peer) {
		memcpy(ap + 7, peer, 6);
	}
	ap[13] = 7;
	assert_int_equal(raw_cmd(h, 0x2006, ap, 15, NULL, 0), 0);
}

static void setup_env(struct env *e, bool connect)
{
	e->sim = calloc(1, sizeof(*e->sim));
	zble_sim_init(e->sim, 77);
	raw_init(&e->p, zble_sim_add_device(e->sim, NULL));
	raw_init(&e->c, zble_sim_add_device(e->sim, NULL));
	raw_setup(&e->p, LE_MASK);
	raw_setup(&e->c, LE_MASK);
	if (!connect) {
		return;
	}
	adv_params(&e->p, 0x00, NULL);
	assert_int_equal(raw_cmd(&e->p, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	uint8_t cp[25] = { 0x10, 0, 0x10, 0, 0, 0x00, 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0, 0 };
	cp[13] = 24;
	cp[15] = 24;
	cp[19] = 100;
	assert_int_equal(raw_cmd(&e->c, 0x200d, cp, 25, NULL, 0), 0);
	zble_sim_run_for(e->sim, 100000);
	assert_int_equal(e->sim->stats.connections, 1);
}

static void free_env(struct env *e)
{
	raw_free(&e->p);
	raw_free(&e->c);
	zble_sim_deinit(e->sim);
	free(e->sim);
}

static uint8_t upd[14] = { 0, 0, 80, 0, 80, 0, 0, 0, 200, 0, 0, 0, 0, 0 }; /* 100 ms, 2 s */

static void check_updated(struct raw_host *h, unsigned from, uint8_t status, uint16_t interval)
{
	int i = raw_find_le(h, 0x03, from);
	assert_true(i >= 0);
	const uint8_t *e = h->log[i].data;
	assert_int_equal(e[4], status);
	if (!status) {
		assert_int_equal(e[7] | (e[8] << 8), interval);
	}
}

static void test_central_update(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, true);
	unsigned pf = e.p.n, cf = e.c.n;
	uint64_t t0 = zble_sim_now_us(e.sim);
	assert_int_equal(raw_cmd(&e.c, 0x2013, upd, 14, NULL, 0), 0);
	zble_sim_run_for(e.sim, 1000000);
	check_updated(&e.c, cf, 0, 80);
	check_updated(&e.p, pf, 0, 80);
	/* Applied at an instant six events later, not at once. */
	uint64_t at = e.c.log[raw_find_le(&e.c, 0x03, cf)].t;
	assert_true(at - t0 >= 5 * 30000);
	assert_int_equal(e.sim->links[0].interval, 80);
	free_env(&e);
}

static void test_peripheral_update_accepted(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, true);
	unsigned pf = e.p.n, cf = e.c.n;
	assert_int_equal(raw_cmd(&e.p, 0x2013, upd, 14, NULL, 0), 0);
	zble_sim_run_for(e.sim, 200000);
	int r = raw_find_le(&e.c, 0x06, cf); /* Remote Connection Parameter Request */
	assert_true(r >= 0);
	assert_int_equal(e.c.log[r].data[8] | (e.c.log[r].data[9] << 8), 80);
	uint8_t reply[14];
	memcpy(reply, upd, 14);
	assert_int_equal(raw_cmd(&e.c, 0x2020, reply, 14, NULL, 0), 0);
	zble_sim_run_for(e.sim, 1000000);
	check_updated(&e.c, cf, 0, 80);
	check_updated(&e.p, pf, 0, 80);
	free_env(&e);
}

static void test_peripheral_update_rejected(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, true);
	unsigned pf = e.p.n;
	assert_int_equal(raw_cmd(&e.p, 0x2013, upd, 14, NULL, 0), 0);
	zble_sim_run_for(e.sim, 200000);
	assert_int_equal(raw_cmd(&e.c, 0x2021, (uint8_t[]){ 0, 0, 0x3b }, 3, NULL, 0), 0);
	zble_sim_run_for(e.sim, 200000);
	check_updated(&e.p, pf, 0x3b, 0);
	assert_int_equal(e.sim->links[0].interval, 24);
	free_env(&e);
}

static void test_peripheral_update_masked(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, true);
	uint8_t m[8] = { 0x1f }; /* the central's host masks the request */
	assert_int_equal(raw_cmd(&e.c, 0x2001, m, 8, NULL, 0), 0);
	unsigned pf = e.p.n;
	assert_int_equal(raw_cmd(&e.p, 0x2013, upd, 14, NULL, 0), 0);
	zble_sim_run_for(e.sim, 300000);
	check_updated(&e.p, pf, 0x1a, 0);
	free_env(&e);
}

static void test_remote_features(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, true);
	struct raw_host *hs[2] = { &e.c, &e.p };
	for (int i = 0; i < 2; i++) {
		unsigned from = hs[i]->n;
		assert_int_equal(raw_cmd(hs[i], 0x2016, (uint8_t[]){ 0, 0 }, 2, NULL, 0), 0);
		zble_sim_run_for(e.sim, 200000);
		int f = raw_find_le(hs[i], 0x04, from);
		assert_true(f >= 0);
		assert_int_equal(hs[i]->log[f].data[4], 0);
		/* param req, periph features exchange, DLE, ext scanner filter
		 * policies; 2M, Coded, extended advertising, CSA #2 */
		assert_int_equal(hs[i]->log[f].data[7] & 0xaa, 0xaa);
		assert_int_equal(hs[i]->log[f].data[8] & 0x59, 0x59);
	}
	free_env(&e);
}

static void test_random_address_while_advertising(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, false);
	static const uint8_t addr[6] = { 1, 2, 3, 4, 5, 0xc6 };
	adv_params(&e.p, 0x03, NULL);
	assert_int_equal(raw_cmd(&e.p, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.p, 0x2005, addr, 6, NULL, 0), 0x0c);
	assert_int_equal(raw_cmd(&e.p, 0x200a, (uint8_t[]){ 0 }, 1, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.p, 0x2005, addr, 6, NULL, 0), 0);
	/* Random own address without one set: invalid parameters at enable. */
	assert_int_equal(raw_cmd(&e.c, 0x0c03, NULL, 0, NULL, 0), 0);
	uint8_t ap[15] = { 0x20, 0, 0x20, 0, 0x03, 0x01 };
	ap[13] = 7;
	assert_int_equal(raw_cmd(&e.c, 0x2006, ap, 15, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.c, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0x12);
	free_env(&e);
}

static void test_directed_and_active_scan(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, false);
	e.c.keep_reports = true;
	/* Active scan of a connectable advertiser: ADV_IND and SCAN_RSP. */
	uint8_t sp[7] = { 1, 0x10, 0, 0x10, 0, 0, 0 };
	assert_int_equal(raw_cmd(&e.c, 0x200b, sp, 7, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.c, 0x200c, (uint8_t[]){ 1, 1 }, 2, NULL, 0), 0);
	adv_params(&e.p, 0x00, NULL);
	uint8_t rsp[32] = { 4, 3, 0x09, 'z', 'b' };
	assert_int_equal(raw_cmd(&e.p, 0x2009, rsp, 32, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.p, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	zble_sim_run_for(e.sim, 500000);
	int adv_ind = -1, scan_rsp = -1, n = 0;
	for (int i = raw_find_le(&e.c, 0x02, 0); i >= 0; i = raw_find_le(&e.c, 0x02, (unsigned)i + 1)) {
		n++;
		if (e.c.log[i].data[5] == 0x00) {
			adv_ind = i;
		} else if (e.c.log[i].data[5] == 0x04) {
			scan_rsp = i;
		}
	}
	assert_int_equal(n, 2); /* duplicates filtered */
	assert_true(adv_ind >= 0 && scan_rsp >= 0);
	assert_int_equal(e.c.log[scan_rsp].data[13], 4);
	assert_int_equal(e.c.log[scan_rsp].data[16], 'z');
	assert_int_equal(raw_cmd(&e.p, 0x200a, (uint8_t[]){ 0 }, 1, NULL, 0), 0);

	/* High duty directed advertising at the scanner: a directed report;
	 * nobody connects, so it ends after 1.28 s with Advertising Timeout. */
	static const uint8_t scanner[6] = { 0x02, 0x00, 0x5a, 0xee, 0xff, 0xc0 };
	assert_int_equal(raw_cmd(&e.c, 0x200c, (uint8_t[]){ 0, 0 }, 2, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.c, 0x200c, (uint8_t[]){ 1, 1 }, 2, NULL, 0), 0);
	unsigned cf = e.c.n, pf = e.p.n;
	adv_params(&e.p, 0x01, scanner);
	uint64_t t0 = zble_sim_now_us(e.sim);
	assert_int_equal(raw_cmd(&e.p, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	zble_sim_run_for(e.sim, 2000000);
	int d = raw_find_le(&e.c, 0x02, cf);
	assert_true(d >= 0);
	assert_int_equal(e.c.log[d].data[5], 0x01); /* ADV_DIRECT_IND */
	int to = raw_find_le(&e.p, 0x01, pf);
	assert_true(to >= 0);
	assert_int_equal(e.p.log[to].data[4], 0x3c);
	uint64_t took = e.p.log[to].t - t0;
	assert_true(took >= 1280000 && took < 1290000);
	free_env(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_central_update),
		cmocka_unit_test(test_peripheral_update_accepted),
		cmocka_unit_test(test_peripheral_update_rejected),
		cmocka_unit_test(test_peripheral_update_masked),
		cmocka_unit_test(test_remote_features),
		cmocka_unit_test(test_random_address_while_advertising),
		cmocka_unit_test(test_directed_and_active_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
