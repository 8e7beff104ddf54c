/* The Filter Accept List through raw HCI: its commands (size, full, remove,
 * clear; no change while an enabled activity uses it) and the policies it
 * drives: scanner policy 1, advertising filter policies (scan requests,
 * connections) and initiator policy 1 (connect to any device listed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

#define LE_MASK 0x1full

struct env {
	struct zble_sim *sim;
	struct raw_host h[3]; /* devices 0..2: C0:FF:EE:5A:00:01..03 */
};

static void addr_of(unsigned i, uint8_t out[7])
{
	const uint8_t a[7] = { 0x00, (uint8_t)(i + 1), 0x00, 0x5a, 0xee, 0xff, 0xc0 }; /* public */
	memcpy(out, a, 7);
}

static void setup_env(struct env *e, uint64_t seed)
{
	e->sim = calloc(1, sizeof(*e->sim));
	zble_sim_init(e->sim, seed);
	for (int i = 0; i < 3; i++) {
		raw_init(&e->h[i], zble_sim_add_device(e->sim, NULL));
		e->h[i].keep_reports = true;
		raw_setup(&e->h[i], LE_MASK);
	}
}

static void free_env(struct env *e)
{
	for (int i = 0; i < 3; i++) {
		raw_free(&e->h[i]);
	}
	zble_sim_deinit(e->sim);
	free(e->sim);
}

static uint8_t fal(struct raw_host *h, uint16_t op, unsigned dev)
{
	uint8_t a[7];
	addr_of(dev, a);
	return raw_cmd(h, op, a, 7, NULL, 0);
}

static void advertise(struct raw_host *h, uint8_t type, uint8_t filter, bool on)
{
	if (on) {
		uint8_t ap[15] = { 0x20, 0, 0x20, 0, type };
		ap[13] = 7;
		ap[14] = filter;
		assert_int_equal(raw_cmd(h, 0x2006, ap, 15, NULL, 0), 0);
		assert_int_equal(raw_cmd(h, 0x2009, (uint8_t[32]){ 3, 2, 1, 6 }, 32, NULL, 0), 0);
	}
	assert_int_equal(raw_cmd(h, 0x200a, (uint8_t[]){ on }, 1, NULL, 0), 0);
}

static void scan(struct raw_host *h, uint8_t type, uint8_t filter, bool on)
{
	if (on) {
		assert_int_equal(raw_cmd(h, 0x200b, (uint8_t[]){ type, 0x10, 0, 0x10, 0, 0, filter }, 7, NULL, 0), 0);
	}
	assert_int_equal(raw_cmd(h, 0x200c, (uint8_t[]){ on, 0 }, 2, NULL, 0), 0);
}

/* Reports in h's log from index from: of device dev, of type (0xff: any). */
static unsigned reports_from(const struct raw_host *h, unsigned from, unsigned dev, uint8_t type)
{
	unsigned n = 0;
	for (unsigned i = from; i < h->n; i++) {
		const uint8_t *e = h->log[i].data;
		if (e[1] == 0x3e && e[3] == 0x02 && e[7] == dev + 1 && (type == 0xff || e[5] == type)) {
			n++;
		}
	}
	return n;
}

static void test_list_commands(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, 61);
	struct raw_host *h = &e.h[1];
	uint8_t rp[1];
	assert_int_equal(raw_cmd(h, 0x200f, NULL, 0, rp, 1), 0);
	assert_int_equal(rp[0], 16);
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(fal(h, 0x2011, 10 + i), 0);
	}
	assert_int_equal(fal(h, 0x2011, 10), 0);   /* already there */
	assert_int_equal(fal(h, 0x2011, 40), 0x07); /* full */
	assert_int_equal(fal(h, 0x2012, 12), 0);
	assert_int_equal(fal(h, 0x2011, 40), 0);
	assert_int_equal(fal(h, 0x2012, 13), 0);
	assert_int_equal(raw_cmd(h, 0x2011, (uint8_t[]){ 2, 1, 2, 3, 4, 5, 6 }, 7, NULL, 0), 0x12);
	assert_int_equal(raw_cmd(h, 0x2011, (uint8_t[]){ 0xff, 0, 0, 0, 0, 0, 0 }, 7, NULL, 0), 0); /* anonymous */
	assert_int_equal(h->dev->ctrl.fal_count, 16);
	assert_int_equal(raw_cmd(h, 0x2010, NULL, 0, NULL, 0), 0);
	assert_int_equal(h->dev->ctrl.fal_count, 0);
	/* In use by a filtering scanner: no change; without the filter: fine. */
	scan(h, 0, 1, true);
	assert_int_equal(fal(h, 0x2011, 0), 0x0c);
	assert_int_equal(raw_cmd(h, 0x2010, NULL, 0, NULL, 0), 0x0c);
	scan(h, 0, 0, false);
	scan(h, 0, 0, true);
	assert_int_equal(fal(h, 0x2011, 0), 0);
	scan(h, 0, 0, false);
	/* In use by a filtering advertiser. */
	advertise(h, 0x00, 2, true);
	assert_int_equal(fal(h, 0x2012, 0), 0x0c);
	advertise(h, 0x00, 2, false);
	assert_int_equal(fal(h, 0x2012, 0), 0);
	free_env(&e);
}

static void test_scanner_policy(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, 62);
	advertise(&e.h[0], 0x03, 0, true);
	advertise(&e.h[2], 0x03, 0, true);
	assert_int_equal(fal(&e.h[1], 0x2011, 2), 0);
	unsigned from = e.h[1].n;
	scan(&e.h[1], 0, 1, true);
	zble_sim_run_for(e.sim, 500000);
	assert_int_equal(reports_from(&e.h[1], from, 0, 0xff), 0);
	assert_true(reports_from(&e.h[1], from, 2, 0xff) > 5);
	scan(&e.h[1], 0, 0, false);
	from = e.h[1].n;
	scan(&e.h[1], 0, 0, true);
	zble_sim_run_for(e.sim, 500000);
	assert_true(reports_from(&e.h[1], from, 0, 0xff) > 5); /* policy 0: all */
	free_env(&e);
}

static void test_advertising_policy(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, 63);
	/* Policy 1: scan requests only from the list (device 2, not 1). */
	assert_int_equal(fal(&e.h[0], 0x2011, 2), 0);
	advertise(&e.h[0], 0x00, 1, true);
	unsigned f1 = e.h[1].n, f2 = e.h[2].n;
	scan(&e.h[1], 1, 0, true);
	scan(&e.h[2], 1, 0, true);
	zble_sim_run_for(e.sim, 500000);
	assert_true(reports_from(&e.h[1], f1, 0, 0x00) > 5);
	assert_int_equal(reports_from(&e.h[1], f1, 0, 0x04), 0);
	assert_true(reports_from(&e.h[2], f2, 0, 0x04) > 5);
	scan(&e.h[1], 1, 0, false);
	scan(&e.h[2], 1, 0, false);
	advertise(&e.h[0], 0x00, 0, false);

	/* Policy 2: connections only from the list. Device 1 is refused. */
	advertise(&e.h[0], 0x00, 2, true);
	uint8_t cp[25] = { 0x10, 0, 0x10, 0, 0, 0x00, 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0, 0 };
	cp[13] = 24, cp[15] = 24, cp[19] = 100;
	assert_int_equal(raw_cmd(&e.h[1], 0x200d, cp, 25, NULL, 0), 0);
	zble_sim_run_for(e.sim, 500000);
	assert_int_equal(e.sim->stats.connections, 0);
	assert_int_equal(raw_cmd(&e.h[1], 0x200e, NULL, 0, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e.h[2], 0x200d, cp, 25, NULL, 0), 0);
	zble_sim_run_for(e.sim, 500000);
	assert_int_equal(e.sim->stats.connections, 1);
	int cc = raw_find_le(&e.h[0], 0x01, 0);
	assert_true(cc >= 0);
	assert_int_equal(e.h[0].log[cc].data[9], 3); /* the peer: device 2 */
	free_env(&e);
}

static void test_initiator_policy(void **state)
{
	(void)state;
	struct env e;
	setup_env(&e, 64);
	advertise(&e.h[0], 0x00, 0, true);
	advertise(&e.h[2], 0x00, 0, true);
	assert_int_equal(fal(&e.h[1], 0x2011, 2), 0);
	/* Policy 1: the peer address is ignored, the list decides. */
	uint8_t cp[25] = { 0x10, 0, 0x10, 0, 1, 0x00, 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0, 0 };
	cp[13] = 24, cp[15] = 24, cp[19] = 100;
	assert_int_equal(raw_cmd(&e.h[1], 0x200d, cp, 25, NULL, 0), 0);
	assert_int_equal(fal(&e.h[1], 0x2012, 2), 0x0c); /* in use while initiating */
	zble_sim_run_for(e.sim, 500000);
	int cc = raw_find_le(&e.h[1], 0x01, 0);
	assert_true(cc >= 0);
	assert_int_equal(e.h[1].log[cc].data[4], 0);
	assert_int_equal(e.h[1].log[cc].data[9], 3); /* device 2, not device 0 */
	assert_int_equal(raw_find_le(&e.h[0], 0x01, 0), -1);
	assert_int_equal(fal(&e.h[1], 0x2012, 2), 0); /* no longer initiating */
	free_env(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_commands),
		cmocka_unit_test(test_scanner_policy),
		cmocka_unit_test(test_advertising_policy),
		cmocka_unit_test(test_initiator_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
