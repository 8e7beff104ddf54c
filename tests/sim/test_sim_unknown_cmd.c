/* Unknown commands are answered with Command Complete, Unknown HCI
 * Command (0x01), and the controller lists exactly what it implements. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

static void test_unknown_command(void **state)
{
	(void)state;
	struct zble_sim *sim = calloc(1, sizeof(*sim));
	zble_sim_init(sim, 7);
	struct raw_host rh;
	raw_init(&rh, zble_sim_add_device(sim, NULL));
	assert_int_equal(raw_cmd(&rh, 0x0c03, NULL, 0, NULL, 0), 0); /* Reset */

	static const uint16_t unknown[] = {
		0x0c14, /* Read Local Name */
		0x203e, /* LE Set Periodic Advertising Parameters */
		0x2064, /* LE Extended Create Connection v2 */
		0xfc01, /* vendor */
	};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		unsigned from = rh.n;
		uint8_t params[4] = { 0 };
		assert_int_equal(raw_cmd(&rh, unknown[i], params, sizeof(params), NULL, 0), 0x01);
		/* A Command Complete, with one credit returned. */
		int e = raw_find_evt(&rh, 0x0e, from);
		assert_true(e >= 0);
		assert_int_equal(rh.log[e].data[3], 1);
		assert_int_equal(rh.log[e].data[4] | (rh.log[e].data[5] << 8), unknown[i]);
		assert_int_equal(raw_find_evt(&rh, 0x0f, from), -1);
	}
	/* A known command with a wrong length: Invalid HCI Command Parameters. */
	assert_int_equal(raw_cmd(&rh, 0x2001, (uint8_t[]){ 1, 2, 3 }, 3, NULL, 0), 0x12);
	/* Disconnect uses Command Status: unknown handle. */
	assert_int_equal(raw_cmd(&rh, 0x0406, (uint8_t[]){ 0x05, 0x00, 0x13 }, 3, NULL, 0), 0x02);
	assert_true(raw_find_evt(&rh, 0x0f, 0) >= 0);

	uint8_t cmds[64];
	assert_int_equal(raw_cmd(&rh, 0x1002, NULL, 0, cmds, sizeof(cmds)), 0);
	assert_true(cmds[5] & (1 << 7));   /* Reset */
	assert_true(cmds[26] & (1 << 1));  /* LE Set Advertising Enable */
	assert_true(cmds[27] & (1 << 7));  /* LE Rand */
	assert_true(cmds[34] & (1 << 0));  /* LE Write Suggested Default Data Length */
	assert_true(cmds[41] & (1 << 5));  /* LE Read Buffer Size v2 */
	assert_true(cmds[36] & (1 << 2));  /* LE Set Extended Advertising Parameters */
	assert_true(cmds[37] & (1 << 7));  /* LE Extended Create Connection */
	assert_true(cmds[35] & (1 << 6));  /* LE Set PHY */
	assert_true(cmds[27] & (1 << 0));  /* LE Add Device To Filter Accept List */
	assert_true(cmds[2] & (1 << 7));   /* Read Remote Version Information */
	assert_false(cmds[37] & (1 << 2)); /* periodic advertising: not implemented */
	assert_false(cmds[47] & (1 << 0)); /* LE Extended Create Connection v2: not implemented */
	/* LE Read Buffer Size v2: the ACL buffers, no isochronous ones. */
	uint8_t bs[6];
	assert_int_equal(raw_cmd(&rh, 0x2060, NULL, 0, bs, sizeof(bs)), 0);
	assert_int_equal(bs[0] | (bs[1] << 8), 251);
	assert_int_equal(bs[2], 4);
	assert_int_equal(bs[3] | bs[4] | bs[5], 0);
	assert_int_equal(sim->devices[0].ctrl.stats.unknown_cmds, 4);
	raw_free(&rh);
	zble_sim_deinit(sim);
	free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
