/* Controller-based privacy through raw HCI: the resolving list commands
 * and their refusals; an advertiser on an RPA (own address type 0x02) seen
 * as its identity (type 0x02) by a scanner holding its IRK and as a random
 * RPA by one without; the RPA rotating after the RPA timeout; Enhanced
 * Connection Complete with identity, local and peer RPAs on both sides;
 * network and device privacy modes; directed advertising to an RPA; own
 * address type 0x03 without a random address; the same with extended
 * advertising and scanning: sets on an RPA, directed sets whose TargetA
 * is an RPA from the peer's IRK, and the Direct_Address of extended
 * reports resolved by the scanner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aes128.h"
#include "sim_test_util.h"

#define LE_MASK (0x1full | (1ull << 9)) /* + Enhanced Connection Complete */

#define OP_ADD_RL 0x2027
#define OP_REMOVE_RL 0x2028
#define OP_CLEAR_RL 0x2029
#define OP_RL_SIZE 0x202a
#define OP_PEER_RPA 0x202b
#define OP_LOCAL_RPA 0x202c
#define OP_ADDR_RES 0x202d
#define OP_RPA_TIMEOUT 0x202e
#define OP_PRIVACY_MODE 0x204e

/* Public addresses of devices 0, 1, 2 (C0:FF:EE:5A:00:0n, LSO first). */
static const uint8_t addr_a[6] = { 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 };
static const uint8_t addr_b[6] = { 0x02, 0x00, 0x5a, 0xee, 0xff, 0xc0 };
static const uint8_t irk_a[16] = { 0xec, 0x02, 0x34, 0xa3, 0x57, 0xc8, 0xad, 0x05,
				   0x34, 0x10, 0x10, 0xa6, 0x0a, 0x39, 0x7d, 0x9b };
static const uint8_t irk_b[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
				   0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };

struct env {
	struct zble_sim *sim;
	struct raw_host a, b, c; /* advertiser, scanner with A's IRK, scanner without */
};

static void setup_env(struct env *e)
{
	e->sim = calloc(1, sizeof(*e->sim));
	assert_non_null(e->sim);
	zble_sim_init(e->sim, 99);
	struct raw_host *hs[3] = { &e->a, &e->b, &e->c };
	for (int i = 0; i < 3; i++) {
		raw_init(hs[i], zble_sim_add_device(e->sim, NULL));
		raw_setup(hs[i], LE_MASK);
		hs[i]->keep_reports = true;
	}
}

static void free_env(struct env *e)
{
	raw_free(&e->a);
	raw_free(&e->b);
	raw_free(&e->c);
	zble_sim_deinit(e->sim);
	free(e->sim);
}

static uint8_t add_rl(struct raw_host *h, const uint8_t id[6], const uint8_t peer_irk[16], const uint8_t local_irk[16])
{
	uint8_t p[39] = { 0x00 };
	memcpy(p + 1, id, 6);
	memcpy(p + 7, peer_irk, 16);
	memcpy(p + 23, local_irk, 16);
	return raw_cmd(h, OP_ADD_RL, p, 39, NULL, 0);
}

static uint8_t id_cmd(struct raw_host *h, uint16_t op, const uint8_t id[6], uint8_t *rp)
{
	uint8_t p[7] = { 0x00 };
	memcpy(p + 1, id, 6);
	return raw_cmd(h, op, p, 7, rp, 6);
}

static void adv_start(struct raw_host *h, uint8_t type, uint8_t own, const uint8_t *peer)
{
	uint8_t ap[15] = { 0x20, 0, 0x20, 0, type, own };
	if (peer) {
		memcpy(ap + 7, peer, 6);
	}
	ap[13] = 7;
	assert_int_equal(raw_cmd(h, 0x2006, ap, 15, NULL, 0), 0);
	assert_int_equal(raw_cmd(h, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
}

static void scan(struct raw_host *h, bool on, uint8_t own)
{
	if (on) {
		uint8_t sp[7] = { 0, 0x10, 0, 0x10, 0, own, 0 };
		assert_int_equal(raw_cmd(h, 0x200b, sp, 7, NULL, 0), 0);
	}
	assert_int_equal(raw_cmd(h, 0x200c, (uint8_t[]){ on, 0 }, 2, NULL, 0), 0);
}

static bool is_rpa_of(const uint8_t addr[6], const uint8_t irk[16])
{
	uint8_t hash[3];
	if ((addr[5] >> 6) != 1) {
		return false;
	}
	sim_ah(irk, addr + 3, hash);
	return !memcmp(hash, addr, 3);
}

/* Every advertising report of h since from must have this event type and
 * address type, and (when addr) this address; returns the count and the
 * last address. */
static int reports(const struct raw_host *h, unsigned from, uint8_t evt, uint8_t type, const uint8_t *addr,
		   uint8_t last[6])
{
	int n = 0;
	for (int i = raw_find_le(h, 0x02, from); i >= 0; i = raw_find_le(h, 0x02, (unsigned)i + 1)) {
		const uint8_t *r = h->log[i].data;
		assert_int_equal(r[5], evt);
		assert_int_equal(r[6], type);
		if (addr) {
			assert_memory_equal(r + 7, addr, 6);
		}
		if (last) {
			memcpy(last, r + 7, 6);
		}
		n++;
	}
	return n;
}

/* Both sides know each other's IRK; A advertises on an RPA (10 s timeout). */
static void privacy_on(struct env *e)
{
	assert_int_equal(add_rl(&e->a, addr_b, irk_b, irk_a), 0);
	assert_int_equal(add_rl(&e->b, addr_a, irk_a, irk_b), 0);
	assert_int_equal(raw_cmd(&e->a, OP_RPA_TIMEOUT, (uint8_t[]){ 10, 0 }, 2, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e->a, OP_ADDR_RES, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e->b, OP_ADDR_RES, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
}

static void test_resolving_list_commands(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	uint8_t rp[6];
	assert_int_equal(raw_cmd(&e.a, OP_RL_SIZE, NULL, 0, rp, 1), 0);
	assert_int_equal(rp[0], 8);
	assert_int_equal(add_rl(&e.a, addr_b, irk_b, irk_a), 0);
	assert_int_equal(add_rl(&e.a, addr_b, irk_b, irk_a), 0x12); /* already there */
	uint8_t bad_type[39] = { 0x02 };
	assert_int_equal(raw_cmd(&e.a, OP_ADD_RL, bad_type, 39, NULL, 0), 0x12);
	assert_int_equal(raw_cmd(&e.a, OP_ADD_RL, bad_type, 38, NULL, 0), 0x12); /* too short */
	uint8_t id[6] = { 0x10, 0, 0, 0, 0, 0xc0 };
	for (int i = 1; i < 8; i++) {
		id[0] = (uint8_t)(0x10 + i);
		assert_int_equal(add_rl(&e.a, id, irk_b, irk_a), 0);
	}
	id[0] = 0x30;
	assert_int_equal(add_rl(&e.a, id, irk_b, irk_a), 0x07); /* full */
	assert_int_equal(id_cmd(&e.a, OP_REMOVE_RL, id, NULL), 0x02);
	assert_int_equal(id_cmd(&e.a, OP_PEER_RPA, id, rp), 0x02);
	assert_int_equal(id_cmd(&e.a, OP_LOCAL_RPA, id, rp), 0x02);
	id[0] = 0x11;
	assert_int_equal(id_cmd(&e.a, OP_REMOVE_RL, id, NULL), 0);
	assert_int_equal(add_rl(&e.a, id, irk_b, irk_a), 0);
	/* Resolution off: no local RPA yet. */
	assert_int_equal(id_cmd(&e.a, OP_LOCAL_RPA, addr_b, rp), 0);
	static const uint8_t zero[6];
	assert_memory_equal(rp, zero, 6);
	/* Parameter ranges. */
	assert_int_equal(raw_cmd(&e.a, OP_RPA_TIMEOUT, (uint8_t[]){ 0, 0 }, 2, NULL, 0), 0x12);
	assert_int_equal(raw_cmd(&e.a, OP_RPA_TIMEOUT, (uint8_t[]){ 0x11, 0x0e }, 2, NULL, 0), 0x12);
	assert_int_equal(raw_cmd(&e.a, OP_RPA_TIMEOUT, (uint8_t[]){ 0x10, 0x0e }, 2, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.a, OP_ADDR_RES, (uint8_t[]){ 2 }, 1, NULL, 0), 0x12);
	uint8_t pm[8] = { 0x00 };
	memcpy(pm + 1, addr_b, 6);
	pm[7] = 2;
	assert_int_equal(raw_cmd(&e.a, OP_PRIVACY_MODE, pm, 8, NULL, 0), 0x12);
	pm[7] = 1;
	assert_int_equal(raw_cmd(&e.a, OP_PRIVACY_MODE, pm, 8, NULL, 0), 0);
	pm[1] ^= 0xff;
	assert_int_equal(raw_cmd(&e.a, OP_PRIVACY_MODE, pm, 8, NULL, 0), 0x02);
	/* While scanning with resolution on: the list and the switch are locked. */
	assert_int_equal(raw_cmd(&e.a, OP_ADDR_RES, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	scan(&e.a, true, 0);
	assert_int_equal(id_cmd(&e.a, OP_REMOVE_RL, addr_b, NULL), 0x0c);
	assert_int_equal(raw_cmd(&e.a, OP_CLEAR_RL, NULL, 0, NULL, 0), 0x0c);
	assert_int_equal(raw_cmd(&e.a, OP_ADDR_RES, (uint8_t[]){ 0 }, 1, NULL, 0), 0x0c);
	scan(&e.a, false, 0);
	assert_int_equal(raw_cmd(&e.a, OP_CLEAR_RL, NULL, 0, NULL, 0), 0);
	assert_int_equal(id_cmd(&e.a, OP_PEER_RPA, addr_b, rp), 0x02);
	/* Reset empties the list and turns resolution off. */
	assert_int_equal(add_rl(&e.a, addr_b, irk_b, irk_a), 0);
	assert_int_equal(raw_cmd(&e.a, 0x0c03, NULL, 0, NULL, 0), 0);
	assert_int_equal(id_cmd(&e.a, OP_PEER_RPA, addr_b, rp), 0x02);
	free_env(&e);
}

static void test_rpa_seen_and_rotated(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	privacy_on(&e);
	scan(&e.b, true, 0);
	scan(&e.c, true, 0);
	unsigned bf = e.b.n, cf = e.c.n;
	adv_start(&e.a, 0x00, 0x02, addr_b);
	zble_sim_run_for(e.sim, 300000);
	/* With the IRK: the identity, as Public Identity Address. */
	assert_true(reports(&e.b, bf, 0x00, 0x02, addr_a, NULL) > 3);
	/* Without: one random RPA all period long, made from A's IRK. */
	uint8_t rpa1[6];
	assert_true(reports(&e.c, cf, 0x00, 0x01, NULL, rpa1) > 3);
	assert_true(is_rpa_of(rpa1, irk_a));
	assert_int_equal(reports(&e.c, cf, 0x00, 0x01, rpa1, NULL), reports(&e.c, cf, 0x00, 0x01, NULL, NULL));
	/* The controllers agree on it. */
	uint8_t rp[6];
	assert_int_equal(id_cmd(&e.a, OP_LOCAL_RPA, addr_b, rp), 0);
	assert_memory_equal(rp, rpa1, 6);
	assert_int_equal(id_cmd(&e.b, OP_PEER_RPA, addr_a, rp), 0);
	assert_memory_equal(rp, rpa1, 6);

	/* After the RPA timeout (10 s) a new one, still A's. */
	zble_sim_run_until(e.sim, 10500000);
	bf = e.b.n;
	cf = e.c.n;
	zble_sim_run_for(e.sim, 300000);
	uint8_t rpa2[6];
	assert_true(reports(&e.c, cf, 0x00, 0x01, NULL, rpa2) > 3);
	assert_memory_not_equal(rpa1, rpa2, 6);
	assert_true(is_rpa_of(rpa2, irk_a));
	assert_true(reports(&e.b, bf, 0x00, 0x02, addr_a, NULL) > 3);
	assert_int_equal(id_cmd(&e.b, OP_PEER_RPA, addr_a, rp), 0);
	assert_memory_equal(rp, rpa2, 6);
	free_env(&e);
}

static void test_fallback_without_irk(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	/* Own address type 0x02 without a local IRK (or with resolution off):
	 * the public address. */
	scan(&e.c, true, 0);
	unsigned cf = e.c.n;
	adv_start(&e.a, 0x00, 0x02, NULL);
	zble_sim_run_for(e.sim, 200000);
	assert_true(reports(&e.c, cf, 0x00, 0x00, addr_a, NULL) > 3);
	assert_int_equal(raw_cmd(&e.a, 0x200a, (uint8_t[]){ 0 }, 1, NULL, 0), 0);
	static const uint8_t zero[16];
	assert_int_equal(add_rl(&e.a, addr_b, irk_b, zero), 0);
	assert_int_equal(raw_cmd(&e.a, OP_ADDR_RES, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	cf = e.c.n;
	assert_int_equal(raw_cmd(&e.a, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	zble_sim_run_for(e.sim, 200000);
	assert_true(reports(&e.c, cf, 0x00, 0x00, addr_a, NULL) > 3);
	free_env(&e);
}

/* The Enhanced Connection Complete of h since from. */
static const uint8_t *enh_conn(const struct raw_host *h, unsigned from)
{
	int i = raw_find_le(h, 0x0a, from);
	assert_true(i >= 0);
	const uint8_t *ev = h->log[i].data;
	assert_int_equal(ev[2], 31);
	assert_int_equal(ev[4], 0x00);
	return ev + 5; /* handle, role, peer type, peer, local RPA, peer RPA */
}

static void connect_b_to_a(struct env *e, uint8_t peer_type)
{
	uint8_t cp[25] = { 0x10, 0, 0x10, 0, 0, peer_type };
	memcpy(cp + 6, addr_a, 6);
	cp[12] = 0x02; /* own address: an RPA */
	cp[13] = 24;
	cp[15] = 24;
	cp[19] = 100;
	assert_int_equal(raw_cmd(&e->b, 0x200d, cp, 25, NULL, 0), 0);
	zble_sim_run_for(e->sim, 200000);
	assert_int_equal(e->sim->stats.connections, 1);
}

static void test_enhanced_connection_complete(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	privacy_on(&e);
	unsigned af = e.a.n, bf = e.b.n;
	adv_start(&e.a, 0x00, 0x02, addr_b);
	connect_b_to_a(&e, 0x02); /* Public Identity Address */
	/* B, central: A's identity, B's own RPA, the RPA A advertised with. */
	const uint8_t *ev = enh_conn(&e.b, bf);
	assert_int_equal(ev[2], 0x00);
	assert_int_equal(ev[3], 0x02);
	assert_memory_equal(ev + 4, addr_a, 6);
	assert_true(is_rpa_of(ev + 10, irk_b));
	assert_true(is_rpa_of(ev + 16, irk_a));
	uint8_t b_local[6], a_rpa[6];
	memcpy(b_local, ev + 10, 6);
	memcpy(a_rpa, ev + 16, 6);
	/* A, peripheral: the mirror image. */
	ev = enh_conn(&e.a, af);
	assert_int_equal(ev[2], 0x01);
	assert_int_equal(ev[3], 0x02);
	assert_memory_equal(ev + 4, addr_b, 6);
	assert_memory_equal(ev + 10, a_rpa, 6);
	assert_memory_equal(ev + 16, b_local, 6);
	free_env(&e);
}

static void test_legacy_connection_complete(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	uint8_t m[8] = { 0x1f }; /* the legacy event only */
	assert_int_equal(raw_cmd(&e.b, 0x2001, m, 8, NULL, 0), 0);
	privacy_on(&e);
	unsigned bf = e.b.n;
	adv_start(&e.a, 0x00, 0x02, addr_b);
	connect_b_to_a(&e, 0x00); /* the identity as a plain public address */
	int i = raw_find_le(&e.b, 0x01, bf);
	assert_true(i >= 0);
	const uint8_t *ev = e.b.log[i].data;
	assert_int_equal(ev[4], 0x00);
	assert_int_equal(ev[8], 0x00); /* resolved: the identity's own type */
	assert_memory_equal(ev + 9, addr_a, 6);
	free_env(&e);
}

static void test_privacy_modes(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	privacy_on(&e);
	scan(&e.b, true, 0);
	scan(&e.c, true, 0);
	unsigned bf = e.b.n, cf = e.c.n;
	adv_start(&e.a, 0x00, 0x00, NULL); /* A on its identity address */
	zble_sim_run_for(e.sim, 300000);
	/* Network privacy (default): B ignores a peer with an IRK on its
	 * identity; C, without the entry, sees it. */
	assert_int_equal(reports(&e.b, bf, 0x00, 0x00, addr_a, NULL), 0);
	assert_true(reports(&e.c, cf, 0x00, 0x00, addr_a, NULL) > 3);
	/* Device privacy: accepted, as the identity it is. */
	scan(&e.b, false, 0);
	uint8_t pm[8] = { 0x00 };
	memcpy(pm + 1, addr_a, 6);
	pm[7] = 1;
	assert_int_equal(raw_cmd(&e.b, OP_PRIVACY_MODE, pm, 8, NULL, 0), 0);
	scan(&e.b, true, 0);
	bf = e.b.n;
	zble_sim_run_for(e.sim, 300000);
	assert_true(reports(&e.b, bf, 0x00, 0x00, addr_a, NULL) > 3);
	free_env(&e);
}

static void test_directed_to_rpa(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	privacy_on(&e);
	/* B scans on an RPA of its own; A directs (low duty) to B's identity,
	 * so TargetA is an RPA from B's IRK. */
	scan(&e.b, true, 0x02);
	scan(&e.c, true, 0);
	unsigned bf = e.b.n, cf = e.c.n;
	adv_start(&e.a, 0x04, 0x02, addr_b);
	zble_sim_run_for(e.sim, 300000);
	assert_true(reports(&e.b, bf, 0x01, 0x02, addr_a, NULL) > 3);
	assert_int_equal(reports(&e.c, cf, 0x01, 0x01, NULL, NULL), 0); /* not for C */
	/* Without resolution B cannot tell it is the target. */
	scan(&e.b, false, 0);
	assert_int_equal(raw_cmd(&e.b, OP_ADDR_RES, (uint8_t[]){ 0 }, 1, NULL, 0), 0);
	scan(&e.b, true, 0x02);
	bf = e.b.n;
	zble_sim_run_for(e.sim, 300000);
	assert_int_equal(reports(&e.b, bf, 0x01, 0x01, NULL, NULL), 0);
	/* With it again, B connects to the directed advertiser. */
	scan(&e.b, false, 0);
	assert_int_equal(raw_cmd(&e.b, OP_ADDR_RES, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	bf = e.b.n;
	connect_b_to_a(&e, 0x02);
	const uint8_t *ev = enh_conn(&e.b, bf);
	assert_int_equal(ev[3], 0x02);
	assert_memory_equal(ev + 4, addr_a, 6);
	free_env(&e);
}

/* Own address type 0x03 needs a random address only when the controller
 * cannot make an RPA (Vol 4 Part E 7.8.9, 7.8.11). */
static void test_own_type_3_without_random(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	uint8_t ap[15] = { 0x20, 0, 0x20, 0, 0x00, 0x03 };
	memcpy(ap + 7, addr_b, 6);
	ap[13] = 7;
	assert_int_equal(raw_cmd(&e.a, 0x2006, ap, 15, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.a, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0x12);
	uint8_t sp[7] = { 0, 0x10, 0, 0x10, 0, 0x03, 0 };
	assert_int_equal(raw_cmd(&e.b, 0x200b, sp, 7, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.b, 0x200c, (uint8_t[]){ 1, 0 }, 2, NULL, 0), 0x12);
	privacy_on(&e);
	assert_int_equal(raw_cmd(&e.b, 0x200c, (uint8_t[]){ 1, 0 }, 2, NULL, 0), 0);
	scan(&e.c, true, 0);
	unsigned bf = e.b.n, cf = e.c.n;
	assert_int_equal(raw_cmd(&e.a, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	zble_sim_run_for(e.sim, 300000);
	uint8_t rpa[6];
	assert_true(reports(&e.c, cf, 0x00, 0x01, NULL, rpa) > 3);
	assert_true(is_rpa_of(rpa, irk_a));
	assert_true(reports(&e.b, bf, 0x00, 0x02, addr_a, NULL) > 3);
	free_env(&e);
}

/* ---- extended advertising and scanning ---- */

#define LE_MASK_EXT (LE_MASK | (1ull << 12) | (1ull << 17))

static uint8_t ext_params(struct raw_host *h, uint8_t handle, uint16_t props, uint8_t own, const uint8_t *peer)
{
	uint8_t cp[25] = { handle, (uint8_t)props, (uint8_t)(props >> 8), 0x20, 0, 0, 0x20, 0, 0, 0x07, own };
	if (peer) {
		memcpy(cp + 12, peer, 6); /* a public peer */
	}
	cp[19] = 0x7f;
	cp[20] = 1; /* LE 1M, both PHYs */
	cp[22] = 1;
	cp[23] = handle; /* SID */
	return raw_cmd(h, 0x2036, cp, 25, NULL, 0);
}

static uint8_t ext_enable(struct raw_host *h, uint8_t handle, bool on)
{
	uint8_t cp[6] = { on, 1, handle };
	return raw_cmd(h, 0x2039, cp, 6, NULL, 0);
}

static void ext_scan(struct raw_host *h, bool on, uint8_t own, uint8_t filter)
{
	uint8_t mask[8];
	for (int i = 0; i < 8; i++) {
		mask[i] = (uint8_t)(LE_MASK_EXT >> (8 * i));
	}
	assert_int_equal(raw_cmd(h, 0x2001, mask, 8, NULL, 0), 0);
	if (on) {
		uint8_t sp[8] = { own, filter, 0x01, 0, 0x10, 0, 0x10, 0 }; /* passive, 10 ms */
		assert_int_equal(raw_cmd(h, 0x2041, sp, 8, NULL, 0), 0);
	}
	uint8_t en[6] = { on };
	assert_int_equal(raw_cmd(h, 0x2042, en, 6, NULL, 0), 0);
}

/* One report of an extended advertising report event. */
struct ext_rpt {
	uint16_t evt;
	uint8_t type, addr[6], dir_type, dir[6];
};

/* The extended advertising reports of h since from with this SID: their
 * count; all alike (event type, addresses), the last in *out. */
static int ext_reports(const struct raw_host *h, unsigned from, uint8_t sid, struct ext_rpt *out)
{
	int n = 0;
	memset(out, 0, sizeof(*out));
	for (int i = raw_find_le(h, 0x0d, from); i >= 0; i = raw_find_le(h, 0x0d, (unsigned)i + 1)) {
		const uint8_t *r = h->log[i].data + 5;
		if (r[11] != sid) {
			continue;
		}
		struct ext_rpt x = { .evt = (uint16_t)(r[0] | (r[1] << 8)), .type = r[2], .dir_type = r[16] };
		memcpy(x.addr, r + 3, 6);
		memcpy(x.dir, r + 17, 6);
		if (n) {
			assert_memory_equal(&x, out, sizeof(x));
		}
		*out = x;
		n++;
	}
	return n;
}

/* A set with own address type 0x02/0x03 advertises on an RPA, like legacy
 * advertising: resolved by a scanner with the IRK, a random RPA to one
 * without; the same RPA that LE Read Local Resolvable Address gives. */
static void test_ext_adv_rpa(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	privacy_on(&e);
	ext_scan(&e.b, true, 0, 0);
	ext_scan(&e.c, true, 0, 0);
	/* Set 0: extended PDUs, non-connectable; set 1: legacy ADV_IND. */
	assert_int_equal(ext_params(&e.a, 0, 0x0000, 0x02, addr_b), 0);
	assert_int_equal(ext_params(&e.a, 1, 0x0013, 0x02, addr_b), 0);
	unsigned bf = e.b.n, cf = e.c.n;
	assert_int_equal(ext_enable(&e.a, 0, true), 0);
	assert_int_equal(ext_enable(&e.a, 1, true), 0);
	zble_sim_run_for(e.sim, 300000);
	uint8_t local[6];
	assert_int_equal(id_cmd(&e.a, OP_LOCAL_RPA, addr_b, local), 0);
	assert_true(is_rpa_of(local, irk_a));
	struct ext_rpt r;
	assert_true(ext_reports(&e.b, bf, 0, &r) > 3);
	assert_int_equal(r.evt, 0x0000);
	assert_int_equal(r.type, 0x02);
	assert_memory_equal(r.addr, addr_a, 6);
	assert_true(ext_reports(&e.c, cf, 0, &r) > 3);
	assert_int_equal(r.type, 0x01);
	assert_memory_equal(r.addr, local, 6);
	assert_true(ext_reports(&e.b, bf, 0xff, &r) > 3); /* legacy PDUs: no SID */
	assert_int_equal(r.evt, 0x0013);
	assert_int_equal(r.type, 0x02);
	assert_memory_equal(r.addr, addr_a, 6);
	assert_true(ext_reports(&e.c, cf, 0xff, &r) > 3);
	assert_int_equal(r.type, 0x01);
	assert_memory_equal(r.addr, local, 6);
	assert_int_equal(ext_enable(&e.a, 1, false), 0);

	/* 0x03 without the set's random address: fine while an RPA can be
	 * made; with resolution off the random address is needed. */
	assert_int_equal(ext_enable(&e.a, 0, false), 0);
	assert_int_equal(ext_params(&e.a, 0, 0x0000, 0x03, addr_b), 0);
	cf = e.c.n;
	assert_int_equal(ext_enable(&e.a, 0, true), 0);
	zble_sim_run_for(e.sim, 300000);
	assert_true(ext_reports(&e.c, cf, 0, &r) > 3);
	assert_int_equal(r.type, 0x01);
	assert_true(is_rpa_of(r.addr, irk_a));
	assert_int_equal(ext_enable(&e.a, 0, false), 0);
	assert_int_equal(raw_cmd(&e.a, OP_ADDR_RES, (uint8_t[]){ 0 }, 1, NULL, 0), 0);
	assert_int_equal(ext_enable(&e.a, 0, true), 0x12);
	static const uint8_t static_a[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0xc6 };
	uint8_t ra[7] = { 0 };
	memcpy(ra + 1, static_a, 6);
	assert_int_equal(raw_cmd(&e.a, 0x2035, ra, 7, NULL, 0), 0);
	cf = e.c.n;
	assert_int_equal(ext_enable(&e.a, 0, true), 0);
	zble_sim_run_for(e.sim, 300000);
	assert_true(ext_reports(&e.c, cf, 0, &r) > 3);
	assert_int_equal(r.type, 0x01);
	assert_memory_equal(r.addr, static_a, 6);
	free_env(&e);
}

/* Directed extended advertising with own address type 0x02 to a peer in
 * the resolving list: TargetA is an RPA from the peer's IRK. The target,
 * scanning on an RPA of its own, resolves it: Direct_Address is its
 * identity, type 0x02 (own address type 0x02); a scanner that accepts
 * unresolved directed advertising (filter policy 2) reports it as 0xfe
 * with the RPA; one that does not sees nothing. The same for a set with
 * legacy PDUs (ADV_DIRECT_IND). Then the target connects. */
static void test_ext_directed_rpa(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e);
	privacy_on(&e);
	ext_scan(&e.b, true, 0x02, 0);
	ext_scan(&e.c, true, 0, 0x02);
	assert_int_equal(ext_params(&e.a, 0, 0x0005, 0x02, addr_b), 0); /* connectable, directed */
	assert_int_equal(ext_params(&e.a, 1, 0x0015, 0x02, addr_b), 0); /* ADV_DIRECT_IND, low duty */
	unsigned bf = e.b.n, cf = e.c.n;
	assert_int_equal(ext_enable(&e.a, 0, true), 0);
	zble_sim_run_for(e.sim, 300000);
	struct ext_rpt r;
	assert_true(ext_reports(&e.b, bf, 0, &r) > 3);
	assert_int_equal(r.evt, 0x0005);
	assert_int_equal(r.type, 0x02);
	assert_memory_equal(r.addr, addr_a, 6);
	assert_int_equal(r.dir_type, 0x02);
	assert_memory_equal(r.dir, addr_b, 6);
	assert_true(ext_reports(&e.c, cf, 0, &r) > 3);
	assert_int_equal(r.type, 0x01);
	assert_true(is_rpa_of(r.addr, irk_a));
	assert_int_equal(r.dir_type, 0xfe);
	assert_true(is_rpa_of(r.dir, irk_b));
	uint8_t target[6];
	memcpy(target, r.dir, 6);
	ext_scan(&e.c, false, 0, 0);
	ext_scan(&e.c, true, 0, 0);
	cf = e.c.n;
	zble_sim_run_for(e.sim, 300000);
	assert_int_equal(ext_reports(&e.c, cf, 0, &r), 0);
	assert_int_equal(ext_enable(&e.a, 0, false), 0);

	ext_scan(&e.c, false, 0, 0);
	ext_scan(&e.c, true, 0, 0x02);
	bf = e.b.n;
	cf = e.c.n;
	assert_int_equal(ext_enable(&e.a, 1, true), 0);
	zble_sim_run_for(e.sim, 300000);
	assert_true(ext_reports(&e.b, bf, 0xff, &r) > 3);
	assert_int_equal(r.evt, 0x0015);
	assert_int_equal(r.type, 0x02);
	assert_memory_equal(r.addr, addr_a, 6);
	assert_int_equal(r.dir_type, 0x02);
	assert_memory_equal(r.dir, addr_b, 6);
	assert_true(ext_reports(&e.c, cf, 0xff, &r) > 3);
	assert_int_equal(r.dir_type, 0xfe);
	assert_memory_equal(r.dir, target, 6); /* the same RPA in the same period */
	assert_int_equal(ext_enable(&e.a, 1, false), 0);

	/* B initiates to A's identity with an RPA of its own. */
	ext_scan(&e.b, false, 0, 0);
	assert_int_equal(ext_enable(&e.a, 0, true), 0);
	uint8_t cp[10 + 16] = { 0, 0x02, 0x02 };
	memcpy(cp + 3, addr_a, 6);
	cp[9] = 0x01;
	cp[10] = 0x10, cp[12] = 0x10; /* scan interval, window */
	cp[14] = 24, cp[16] = 24;     /* 30 ms */
	cp[20] = 100;                 /* 1 s */
	unsigned af = e.a.n;
	bf = e.b.n;
	assert_int_equal(raw_cmd(&e.b, 0x2043, cp, sizeof(cp), NULL, 0), 0);
	zble_sim_run_for(e.sim, 300000);
	assert_int_equal(e.sim->stats.connections, 1);
	const uint8_t *ev = enh_conn(&e.b, bf);
	assert_int_equal(ev[2], 0x00);
	assert_int_equal(ev[3], 0x02);
	assert_memory_equal(ev + 4, addr_a, 6);
	assert_true(is_rpa_of(ev + 10, irk_b));
	assert_true(is_rpa_of(ev + 16, irk_a));
	ev = enh_conn(&e.a, af);
	assert_int_equal(ev[2], 0x01);
	assert_int_equal(ev[3], 0x02);
	assert_memory_equal(ev + 4, addr_b, 6);
	assert_true(is_rpa_of(ev + 10, irk_a));
	free_env(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolving_list_commands),
		cmocka_unit_test(test_rpa_seen_and_rotated),
		cmocka_unit_test(test_fallback_without_irk),
		cmocka_unit_test(test_enhanced_connection_complete),
		cmocka_unit_test(test_legacy_connection_complete),
		cmocka_unit_test(test_privacy_modes),
		cmocka_unit_test(test_directed_to_rpa),
		cmocka_unit_test(test_own_type_3_without_random),
		cmocka_unit_test(test_ext_adv_rpa),
		cmocka_unit_test(test_ext_directed_rpa),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
