/* The LE event mask decides the connection complete form (Vol 4 Part E
 * 7.7.65.1/7.7.65.10): enhanced when its bit is set, else legacy when its
 * bit is set, else none. Two raw HCI hosts drive the controllers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

#define LE_CONN (1ull << 0)
#define LE_ENH (1ull << 9)

static void connect(struct raw_host *p, struct raw_host *c)
{
	uint8_t ap[15] = { 0x20, 0, 0x20, 0, 0x00 /* ADV_IND */ };
	ap[13] = 7;
	assert_int_equal(raw_cmd(p, 0x2006, ap, 15, NULL, 0), 0);
	assert_int_equal(raw_cmd(p, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	uint8_t cp[25] = { 0x10, 0, 0x10, 0, 0, 0x00 };
	memcpy(cp + 6, (uint8_t[]){ 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0 }, 6);
	cp[12] = 0;
	cp[13] = 24; /* interval 30 ms */
	cp[15] = 24;
	cp[19] = 100; /* 1 s */
	assert_int_equal(raw_cmd(c, 0x200d, cp, 25, NULL, 0), 0);
	zble_sim_run_for(p->dev->sim, 100000);
}

static void run_case(uint64_t p_mask, uint64_t c_mask, int p_sub, int c_sub)
{
	struct zble_sim *sim = calloc(1, sizeof(*sim));
	zble_sim_init(sim, 11);
	struct raw_host p, c;
	raw_init(&p, zble_sim_add_device(sim, NULL));
	raw_init(&c, zble_sim_add_device(sim, NULL));
	raw_setup(&p, p_mask);
	raw_setup(&c, c_mask);
	unsigned pf = p.n, cf = c.n;
	connect(&p, &c);
	assert_int_equal(sim->stats.connections, 1);
	int pl = raw_find_le(&p, 0x01, pf), pe = raw_find_le(&p, 0x0a, pf);
	int cl = raw_find_le(&c, 0x01, cf), ce = raw_find_le(&c, 0x0a, cf);
	assert_int_equal(pl >= 0, p_sub == 0x01);
	assert_int_equal(pe >= 0, p_sub == 0x0a);
	assert_int_equal(cl >= 0, c_sub == 0x01);
	assert_int_equal(ce >= 0, c_sub == 0x0a);
	if (ce >= 0) {
		const uint8_t *e = c.log[ce].data;
		assert_int_equal(e[2], 31);                /* parameter length: enhanced v1 */
		assert_int_equal(e[4], 0);                 /* status */
		assert_int_equal(e[7], 0x00);              /* role: central */
		assert_int_equal(e[9], 0x01);              /* peer address LSB */
		assert_int_equal(e[27] | (e[28] << 8), 24); /* interval after the two RPAs */
	}
	if (pl >= 0) {
		const uint8_t *e = p.log[pl].data;
		assert_int_equal(e[2], 19);
		assert_int_equal(e[7], 0x01); /* role: peripheral */
		assert_int_equal(e[9], 0x02); /* the central's address */
		assert_int_equal(e[15] | (e[16] << 8), 24);
	}
	/* Whatever the peripheral's host was told, the link exists: the
	 * central ends it and both see Disconnection Complete. */
	assert_int_equal(raw_cmd(&c, 0x0406, (uint8_t[]){ 0, 0, 0x13 }, 3, NULL, 0), 0);
	zble_sim_run_for(sim, 100000);
	int pd = raw_find_evt(&p, 0x05, pf), cd = raw_find_evt(&c, 0x05, cf);
	assert_true(pd >= 0 && cd >= 0);
	assert_int_equal(p.log[pd].data[6], 0x13);
	assert_int_equal(c.log[cd].data[6], 0x16);
	raw_free(&p);
	raw_free(&c);
	zble_sim_deinit(sim);
	free(sim);
}

static void test_legacy_both(void **state)
{
	(void)state;
	run_case(LE_CONN, LE_CONN, 0x01, 0x01);
}

static void test_enhanced_central_legacy_peripheral(void **state)
{
	(void)state;
	run_case(LE_CONN, LE_CONN | LE_ENH, 0x01, 0x0a);
}

static void test_enhanced_only_bit(void **state)
{
	(void)state;
	run_case(LE_ENH, LE_ENH, 0x0a, 0x0a);
}

static void test_neither_masked(void **state)
{
	(void)state;
	run_case(0x1full & ~LE_CONN, LE_CONN, -1, 0x01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_both),
		cmocka_unit_test(test_enhanced_central_legacy_peripheral),
		cmocka_unit_test(test_enhanced_only_bit),
		cmocka_unit_test(test_neither_masked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
