/* A short fuzz of the GATT server's parser: thousands of random PDUs
 * (mostly well-formed opcodes with random lengths and contents, some
 * random opcodes) on two links. No crash, and every request gets exactly
 * one answer, every command none. Coop backend, seeded: reproducible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/gatt.h>
#include <zephyr/sys/byteorder.h>

#include "fuzz_seed.h"
#include "gatt_test.h"

#define FUZZ_PDUS 4000

static uint32_t rng = 0x2545f491;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static const uint8_t requests[] = { 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0e, 0x10, 0x12, 0x16, 0x18, 0x20 };

static bool is_command(uint8_t op)
{
	return op & 0x40;
}

/* A handle near the database most of the time. */
static uint16_t some_handle(void)
{
	uint32_t r = next() % 8;
	return r == 0 ? 0 : r == 1 ? (uint16_t)next() : (uint16_t)(next() % 40);
}

static void test_fuzz(void **state)
{
	(void)state;
	rng = (uint32_t)zble_fuzz_seed("gatt_fuzz", 0x2545f491);
	if (rng == 0) {
		rng = 0x2545f491; /* xorshift: any seed but 0 */
	}
	static struct gt_pdus out;
	struct bt_conn *a = gt_connect(0x50, 1);
	struct bt_conn *b = gt_connect(0x51, 2);
	int answered = 0, errors = 0;
	for (int i = 0; i < FUZZ_PDUS; i++) {
		uint8_t pdu[23];
		uint8_t op;
		uint32_t kind = next() % 16;
		if (kind < 11) {
			op = requests[next() % sizeof(requests)];
		} else if (kind < 13) {
			op = (next() & 1) ? 0x52 : 0xd2;
		} else {
			/* Anything but what the bearer keeps for itself or the client. */
			do {
				op = (uint8_t)next();
			} while (op == 0x02 || op == 0x1e || op == 0x1b || op == 0x1d || op == 0x23 || op == 0x01 ||
				 (op & 1) /* responses */);
		}
		uint8_t len = (uint8_t)(1 + next() % 23);
		pdu[0] = op;
		for (int j = 1; j < len; j++) {
			pdu[j] = (uint8_t)next();
		}
		/* Plausible handles and types often enough to reach deep paths. */
		if (len >= 3) {
			sys_put_le16(some_handle(), pdu + 1);
		}
		if (len >= 5 && (op == 0x04 || op == 0x06 || op == 0x08 || op == 0x10) && (next() & 1)) {
			sys_put_le16((uint16_t)(sys_get_le16(pdu + 1) + next() % 40), pdu + 3);
		}
		if (len >= 7 && (op == 0x08 || op == 0x10 || op == 0x06) && (next() & 1)) {
			static const uint16_t types[] = { 0x2800, 0x2801, 0x2802, 0x2803, 0x2902, 0x2a00, 0xaaa1 };
			sys_put_le16(types[next() % ARRAY_SIZE(types)], pdu + 5);
		}
		if (op == 0x18 && len >= 2 && (next() % 4)) {
			pdu[1] = (uint8_t)(next() % 2);
		}
		uint16_t link = (next() & 1) ? 0x50 : 0x51;
		int n = gt_att(link, pdu, len, &out);
		for (int j = 0; j < n; j++) {
			assert_int_equal(out.conn_handle[j], link);
			assert_true(out.len[j] <= ZBLE_ATT_DEFAULT_MTU);
		}
		if (is_command(op)) {
			assert_int_equal(n, 0);
		} else {
			if (n != 1) {
				print_error("pdu %d op 0x%02x len %u: %d answers\n", i, op, len, n);
			}
			assert_int_equal(n, 1);
			/* The answer is the request's response or an error naming it. */
			if (out.data[0][0] == 0x01) {
				assert_int_equal(out.data[0][1], op);
				errors++;
			} else {
				assert_int_equal(out.data[0][0], op + 1);
			}
			answered++;
		}
	}
	assert_true(answered > FUZZ_PDUS / 2);
	assert_true(errors > 0 && errors < answered);
	/* The host is still sane: a plain read works on both links. */
	uint8_t rd[] = { 0x0a, 0x03, 0x00 };
	assert_int_equal(gt_expect_rsp(0x50, rd, sizeof(rd), 0x0b, NULL), 1 + strlen(gt->host.name));
	assert_int_equal(gt_expect_rsp(0x51, rd, sizeof(rd), 0x0b, NULL), 1 + strlen(gt->host.name));
	/* Every buffer came back. */
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&gt->host.tx_pool, &st);
	assert_int_equal(st.free, CONFIG_BT_L2CAP_TX_BUF_COUNT);
	gt_disconnect(0x50);
	gt_disconnect(0x51);
	assert_int_equal(gt->host.gatts.prep_count, 0);
	bt_conn_unref(a);
	bt_conn_unref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fuzz, gt_setup, gt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
