/* Link encryption between two simulated controllers, driven by raw HCI:
 * matching LTKs (Encryption Change on both sides), the peripheral host's
 * negative reply or a masked LTK Request (PIN or Key Missing at the
 * central), mismatched LTKs (MIC failure: the peripheral drops the link
 * with 0x3d, the central times out), key refresh (Encryption Key Refresh
 * Complete) and the commands' refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

#define LE_MASK (0x1full | (1ull << 5) | (1ull << 6))
/* Disconnection Complete, Encryption Change, Data Buffer Overflow,
 * Encryption Key Refresh Complete, LE Meta */
#define EVT_MASK ((1ull << 4) | (1ull << 7) | (1ull << 25) | (1ull << 47) | (1ull << 61))

#define OP_ENABLE_ENC 0x2019
#define OP_LTK_REPLY 0x201a
#define OP_LTK_NEG_REPLY 0x201b
#define OP_KEY_SIZE 0x1408

struct env {
	struct zble_sim *sim;
	struct raw_host p, c;
};

static void set_event_mask(struct raw_host *h, uint64_t mask)
{
	uint8_t m[8];
	for (int i = 0; i < 8; i++) {
		m[i] = (uint8_t)(mask >> (8 * i));
	}
	assert_int_equal(raw_cmd(h, 0x0c01, m, 8, NULL, 0), 0);
}

static void setup_env(struct env *e, uint64_t p_le_mask)
{
	e->sim = calloc(1, sizeof(*e->sim));
	assert_non_null(e->sim);
	zble_sim_init(e->sim, 1234);
	raw_init(&e->p, zble_sim_add_device(e->sim, NULL));
	raw_init(&e->c, zble_sim_add_device(e->sim, NULL));
	raw_setup(&e->p, p_le_mask);
	raw_setup(&e->c, LE_MASK);
	set_event_mask(&e->p, EVT_MASK);
	set_event_mask(&e->c, EVT_MASK);
	uint8_t ap[15] = { 0x20, 0, 0x20, 0, 0x00 };
	ap[13] = 7;
	assert_int_equal(raw_cmd(&e->p, 0x2006, ap, 15, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e->p, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	/* to C0:FF:EE:5A:00:01, 30 ms interval, 1 s supervision timeout */
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

static const uint8_t ltk_a[16] = { 0xbf, 0x01, 0xfb, 0x9d, 0x4e, 0xf3, 0xbc, 0x36,
				   0xd8, 0x74, 0xf5, 0x39, 0x41, 0x38, 0x68, 0x4c };
static const uint8_t ltk_b[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				   0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00 };
static const uint8_t rand_v[8] = { 0x90, 0x78, 0x56, 0x34, 0x12, 0xef, 0xcd, 0xab };
static const uint16_t ediv_v = 0x2474;

static uint8_t enable_enc(struct raw_host *h, uint16_t handle, const uint8_t ltk[16])
{
	uint8_t p[28];
	p[0] = (uint8_t)handle;
	p[1] = (uint8_t)(handle >> 8);
	memcpy(p + 2, rand_v, 8);
	p[10] = (uint8_t)ediv_v;
	p[11] = (uint8_t)(ediv_v >> 8);
	memcpy(p + 12, ltk, 16);
	return raw_cmd(h, OP_ENABLE_ENC, p, 28, NULL, 0);
}

/* Waits for the peripheral's LTK Request and checks what it carries. */
static void expect_ltk_request(struct env *e, unsigned from)
{
	zble_sim_run_for(e->sim, 200000);
	int i = raw_find_le(&e->p, 0x05, from);
	assert_true(i >= 0);
	const uint8_t *ev = e->p.log[i].data;
	assert_int_equal(ev[2], 13);
	assert_int_equal(ev[4] | (ev[5] << 8), 0); /* handle */
	assert_memory_equal(ev + 6, rand_v, 8);
	assert_int_equal(ev[14] | (ev[15] << 8), ediv_v);
}

static uint8_t ltk_reply(struct raw_host *h, const uint8_t *ltk)
{
	uint8_t p[18] = { 0, 0 }, rp[2] = { 0xff, 0xff };
	uint8_t st;
	if (ltk) {
		memcpy(p + 2, ltk, 16);
		st = raw_cmd(h, OP_LTK_REPLY, p, 18, rp, 2);
	} else {
		st = raw_cmd(h, OP_LTK_NEG_REPLY, p, 2, rp, 2);
	}
	assert_int_equal(rp[0] | (rp[1] << 8), 0); /* the handle comes back */
	return st;
}

/* The Encryption Change (0x08) of h since from: status and enabled. */
static void expect_enc_change(struct raw_host *h, unsigned from, uint8_t status, uint8_t enabled)
{
	int i = raw_find_evt(h, 0x08, from);
	assert_true(i >= 0);
	const uint8_t *ev = h->log[i].data;
	assert_int_equal(ev[2], 4);
	assert_int_equal(ev[3], status);
	assert_int_equal(ev[4] | (ev[5] << 8), 0);
	assert_int_equal(ev[6], enabled);
	assert_int_equal(raw_find_evt(h, 0x08, (unsigned)i + 1), -1); /* only one */
}

static uint8_t key_size(struct raw_host *h, uint8_t *size)
{
	uint8_t rp[3];
	uint8_t st = raw_cmd(h, OP_KEY_SIZE, (uint8_t[]){ 0, 0 }, 2, rp, 3);
	*size = rp[2];
	return st;
}

static void encrypt(struct env *e)
{
	unsigned pf = e->p.n, cf = e->c.n;
	assert_int_equal(enable_enc(&e->c, 0, ltk_a), 0);
	expect_ltk_request(e, pf);
	assert_int_equal(ltk_reply(&e->p, ltk_a), 0);
	zble_sim_run_for(e->sim, 200000);
	expect_enc_change(&e->p, pf, 0x00, 0x01);
	expect_enc_change(&e->c, cf, 0x00, 0x01);
	/* The peripheral learns it first (it checks the central's first
	 * encrypted packet), the central on the peripheral's answer. */
	assert_true(e->p.log[raw_find_evt(&e->p, 0x08, pf)].t <= e->c.log[raw_find_evt(&e->c, 0x08, cf)].t);
}

static void test_matching_keys(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, LE_MASK);
	uint8_t size;
	assert_int_equal(key_size(&e.c, &size), 0x2f); /* not encrypted yet */
	/* Refusals: an unknown handle, the peripheral's host, a reply with no
	 * request, a second procedure while one runs. */
	assert_int_equal(enable_enc(&e.c, 5, ltk_a), 0x02);
	assert_int_equal(enable_enc(&e.p, 0, ltk_a), 0x0c);
	assert_int_equal(ltk_reply(&e.p, ltk_a), 0x0c);
	unsigned pf = e.p.n, cf = e.c.n;
	assert_int_equal(enable_enc(&e.c, 0, ltk_a), 0);
	assert_int_equal(enable_enc(&e.c, 0, ltk_a), 0x0c);
	expect_ltk_request(&e, pf);
	assert_int_equal(enable_enc(&e.c, 0, ltk_a), 0x0c);
	assert_int_equal(ltk_reply(&e.p, ltk_a), 0);
	assert_int_equal(ltk_reply(&e.p, ltk_a), 0x0c); /* answered already */
	zble_sim_run_for(e.sim, 200000);
	expect_enc_change(&e.p, pf, 0x00, 0x01);
	expect_enc_change(&e.c, cf, 0x00, 0x01);
	assert_int_equal(key_size(&e.c, &size), 0);
	assert_int_equal(size, 16);
	assert_int_equal(key_size(&e.p, &size), 0);
	assert_int_equal(size, 16);
	/* The link carries on, encrypted. */
	zble_sim_run_for(e.sim, 3000000);
	assert_int_equal(raw_find_evt(&e.c, 0x05, cf), -1);
	assert_int_equal(raw_find_evt(&e.p, 0x05, pf), -1);
	assert_true(e.sim->links[0].sec.encrypted);
	free_env(&e);
}

static void test_negative_reply(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, LE_MASK);
	unsigned pf = e.p.n, cf = e.c.n;
	assert_int_equal(enable_enc(&e.c, 0, ltk_a), 0);
	expect_ltk_request(&e, pf);
	assert_int_equal(ltk_reply(&e.p, NULL), 0);
	zble_sim_run_for(e.sim, 200000);
	expect_enc_change(&e.c, cf, 0x06, 0x00); /* PIN or Key Missing */
	assert_int_equal(raw_find_evt(&e.p, 0x08, pf), -1);
	/* Still connected, not encrypted; the central may try again. */
	zble_sim_run_for(e.sim, 2000000);
	assert_int_equal(raw_find_evt(&e.c, 0x05, cf), -1);
	uint8_t size;
	assert_int_equal(key_size(&e.c, &size), 0x2f);
	encrypt(&e);
	free_env(&e);
}

static void test_ltk_request_masked(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, LE_MASK & ~(1ull << 4)); /* the peripheral's host masks LTK Request */
	unsigned pf = e.p.n, cf = e.c.n;
	assert_int_equal(enable_enc(&e.c, 0, ltk_a), 0);
	zble_sim_run_for(e.sim, 300000);
	assert_int_equal(raw_find_le(&e.p, 0x05, pf), -1);
	expect_enc_change(&e.c, cf, 0x06, 0x00);
	free_env(&e);
}

static void test_mismatched_keys(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, LE_MASK);
	unsigned pf = e.p.n, cf = e.c.n;
	uint64_t t0 = zble_sim_now_us(e.sim);
	assert_int_equal(enable_enc(&e.c, 0, ltk_a), 0);
	expect_ltk_request(&e, pf);
	assert_int_equal(ltk_reply(&e.p, ltk_b), 0);
	zble_sim_run_for(e.sim, 200000);
	/* The peripheral: MIC failure on the central's LL_START_ENC_RSP. */
	int i = raw_find_evt(&e.p, 0x05, pf);
	assert_true(i >= 0);
	assert_int_equal(e.p.log[i].data[3], 0x00);
	assert_int_equal(e.p.log[i].data[6], 0x3d);
	assert_true(e.p.log[i].t - t0 < 300000);
	assert_int_equal(raw_find_evt(&e.p, 0x08, pf), -1);
	/* The central hears nothing more: its supervision timeout (1 s). */
	assert_int_equal(raw_find_evt(&e.c, 0x05, cf), -1);
	zble_sim_run_for(e.sim, 1500000);
	i = raw_find_evt(&e.c, 0x05, cf);
	assert_true(i >= 0);
	assert_int_equal(e.c.log[i].data[6], 0x08);
	assert_int_equal(raw_find_evt(&e.c, 0x08, cf), -1);
	assert_int_equal(e.sim->stats.supervision_timeouts, 1);
	free_env(&e);
}

static void test_key_refresh(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, LE_MASK);
	encrypt(&e);
	unsigned pf = e.p.n, cf = e.c.n;
	assert_int_equal(enable_enc(&e.c, 0, ltk_b), 0);
	expect_ltk_request(&e, pf);
	assert_int_equal(ltk_reply(&e.p, ltk_b), 0);
	zble_sim_run_for(e.sim, 200000);
	struct raw_host *hs[2] = { &e.p, &e.c };
	unsigned from[2] = { pf, cf };
	for (int s = 0; s < 2; s++) {
		int i = raw_find_evt(hs[s], 0x30, from[s]);
		assert_true(i >= 0);
		const uint8_t *ev = hs[s]->log[i].data;
		assert_int_equal(ev[2], 3);
		assert_int_equal(ev[3], 0x00);
		assert_int_equal(ev[4] | (ev[5] << 8), 0);
		assert_int_equal(raw_find_evt(hs[s], 0x08, from[s]), -1); /* no Encryption Change */
	}
	assert_true(e.sim->links[0].sec.encrypted);
	/* A refresh to a key the peripheral does not have: MIC failure. */
	pf = e.p.n;
	assert_int_equal(enable_enc(&e.c, 0, ltk_a), 0);
	expect_ltk_request(&e, pf);
	assert_int_equal(ltk_reply(&e.p, ltk_b), 0);
	zble_sim_run_for(e.sim, 200000);
	int i = raw_find_evt(&e.p, 0x05, pf);
	assert_true(i >= 0);
	assert_int_equal(e.p.log[i].data[6], 0x3d);
	free_env(&e);
}

static void test_event_masks(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, LE_MASK);
	/* The central's host masks Encryption Change, the peripheral's Key
	 * Refresh Complete: neither is sent, the other side's still is. */
	set_event_mask(&e.c, EVT_MASK & ~(1ull << 7));
	set_event_mask(&e.p, EVT_MASK & ~(1ull << 47));
	unsigned pf = e.p.n, cf = e.c.n;
	assert_int_equal(enable_enc(&e.c, 0, ltk_a), 0);
	expect_ltk_request(&e, pf);
	assert_int_equal(ltk_reply(&e.p, ltk_a), 0);
	zble_sim_run_for(e.sim, 200000);
	expect_enc_change(&e.p, pf, 0x00, 0x01);
	assert_int_equal(raw_find_evt(&e.c, 0x08, cf), -1);
	pf = e.p.n;
	cf = e.c.n;
	assert_int_equal(enable_enc(&e.c, 0, ltk_a), 0);
	expect_ltk_request(&e, pf);
	assert_int_equal(ltk_reply(&e.p, ltk_a), 0);
	zble_sim_run_for(e.sim, 200000);
	assert_int_equal(raw_find_evt(&e.p, 0x30, pf), -1);
	assert_true(raw_find_evt(&e.c, 0x30, cf) >= 0);
	free_env(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matching_keys),
		cmocka_unit_test(test_negative_reply),
		cmocka_unit_test(test_ltk_request_masked),
		cmocka_unit_test(test_mismatched_keys),
		cmocka_unit_test(test_key_refresh),
		cmocka_unit_test(test_event_masks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
