/* GATT client procedures against scripted server answers (raw ATT PDUs):
 * one request at a time and queued procedures in order, every discovery
 * type, reads (long, by UUID, multiple), writes (long, with a bad echo),
 * Write Commands in flight, error and wrong answers, the 30 s timeout, the
 * link's end and bad arguments. Both backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "att_test_util.h"

#define MAX_RES 16

static struct {
	/* discovery */
	int found, ends;
	uint16_t handle[MAX_RES], type[MAX_RES], uuid16[MAX_RES], end[MAX_RES];
	uint8_t uuid128_first[MAX_RES];
	uint8_t stop_after; /* 0: never */
	/* reads */
	int pieces, read_ends;
	uint8_t read_err;
	uint8_t data[600];
	uint16_t data_len;
	uint16_t offsets[MAX_RES], handles[MAX_RES];
	/* writes */
	int writes;
	uint8_t write_err;
	/* order of completions */
	char order[16];
	int n_order;
	int complete_calls;
} g;

static int setup(void **state)
{
	memset(&g, 0, sizeof(g));
	return att_setup(state);
}

static uint8_t on_discover(struct bt_conn *conn, const struct bt_gatt_attr *attr, struct bt_gatt_discover_params *params)
{
	(void)conn;
	if (!attr) {
		g.ends++;
		g.order[g.n_order++] = 'd';
		return BT_GATT_ITER_STOP;
	}
	int i = g.found++;
	assert_true(i < MAX_RES);
	g.handle[i] = attr->handle;
	g.type[i] = attr->uuid->type == BT_UUID_TYPE_16 ? BT_UUID_16(attr->uuid)->val : 0;
	const struct bt_uuid *u = NULL;
	switch (params->type) {
	case BT_GATT_DISCOVER_PRIMARY:
	case BT_GATT_DISCOVER_SECONDARY: {
		const struct bt_gatt_service_val *sv = attr->user_data;
		u = sv->uuid;
		g.end[i] = sv->end_handle;
		break;
	}
	case BT_GATT_DISCOVER_INCLUDE: {
		const struct bt_gatt_include *inc = attr->user_data;
		u = inc->uuid;
		g.end[i] = inc->end_handle;
		break;
	}
	case BT_GATT_DISCOVER_CHARACTERISTIC: {
		const struct bt_gatt_chrc *c = attr->user_data;
		u = c->uuid;
		g.end[i] = c->value_handle;
		break;
	}
	case BT_GATT_DISCOVER_STD_CHAR_DESC: {
		const struct bt_gatt_ccc *ccc = attr->user_data;
		g.end[i] = ccc->flags;
		u = attr->uuid;
		break;
	}
	default:
		assert_null(attr->user_data);
		u = attr->uuid;
		break;
	}
	if (u->type == BT_UUID_TYPE_16) {
		g.uuid16[i] = BT_UUID_16(u)->val;
	} else {
		g.uuid128_first[i] = BT_UUID_128(u)->val[0];
	}
	return g.stop_after && g.found >= g.stop_after ? BT_GATT_ITER_STOP : BT_GATT_ITER_CONTINUE;
}

static uint8_t on_read(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params, const void *data,
		       uint16_t length)
{
	(void)conn;
	if (!data) {
		g.read_ends++;
		g.read_err = err;
		g.order[g.n_order++] = 'r';
		return BT_GATT_ITER_STOP;
	}
	assert_int_equal(err, 0);
	int i = g.pieces++;
	if (i < MAX_RES) {
		g.offsets[i] = params->handle_count == 1 ? params->single.offset : 0;
		g.handles[i] = params->handle_count == 0 ? params->by_uuid.start_handle : 0;
	}
	assert_true(g.data_len + length <= sizeof(g.data));
	memcpy(g.data + g.data_len, data, length);
	g.data_len = (uint16_t)(g.data_len + length);
	return g.stop_after && g.pieces >= g.stop_after ? BT_GATT_ITER_STOP : BT_GATT_ITER_CONTINUE;
}

static void on_write(struct bt_conn *conn, uint8_t err, struct bt_gatt_write_params *params)
{
	(void)conn;
	(void)params;
	g.writes++;
	g.write_err = err;
	g.order[g.n_order++] = 'w';
}

/* ---- discovery ---- */

static void test_discover_primary(void **state)
{
	(void)state;
	struct bt_gatt_discover_params dp = { .func = on_discover, .start_handle = 1, .end_handle = 0xffff,
					      .type = BT_GATT_DISCOVER_PRIMARY };
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28);
	ATT_IN(0x11, 6, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18, 0x06, 0x00, 0x09, 0x00, 0x01, 0x18);
	att_run();
	ATT_EXPECT(0x10, 0x0a, 0x00, 0xff, 0xff, 0x00, 0x28);
	uint8_t rsp128[2 + 20] = { 0x11, 20, 0x10, 0x00, 0x20, 0x00 };
	for (int i = 0; i < 16; i++) {
		rsp128[6 + i] = (uint8_t)(0xa0 + i);
	}
	att_in(rsp128, sizeof(rsp128));
	att_run();
	ATT_EXPECT(0x10, 0x21, 0x00, 0xff, 0xff, 0x00, 0x28);
	ATT_IN(0x01, 0x10, 0x21, 0x00, BT_ATT_ERR_ATTRIBUTE_NOT_FOUND);
	att_run();
	att_expect_none();
	assert_int_equal(g.found, 3);
	assert_int_equal(g.ends, 1);
	assert_int_equal(g.handle[0], 1);
	assert_int_equal(g.end[0], 5);
	assert_int_equal(g.uuid16[0], 0x1800);
	assert_int_equal(g.type[1], BT_UUID_GATT_PRIMARY_VAL);
	assert_int_equal(g.uuid16[1], 0x1801);
	assert_int_equal(g.handle[2], 0x10);
	assert_int_equal(g.end[2], 0x20);
	assert_int_equal(g.uuid128_first[2], 0xa0);
}

static void test_discover_primary_by_uuid(void **state)
{
	(void)state;
	struct bt_gatt_discover_params dp = { .func = on_discover, .uuid = BT_UUID_DECLARE_16(0x180f),
					      .start_handle = 1, .end_handle = 0x30,
					      .type = BT_GATT_DISCOVER_PRIMARY };
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x06, 0x01, 0x00, 0x30, 0x00, 0x00, 0x28, 0x0f, 0x18);
	ATT_IN(0x07, 0x05, 0x00, 0x08, 0x00, 0x20, 0x00, 0x30, 0x00);
	att_run();
	/* The last group reached the end of the range: done. */
	att_expect_none();
	assert_int_equal(g.found, 2);
	assert_int_equal(g.ends, 1);
	assert_int_equal(g.uuid16[1], 0x180f);
	assert_int_equal(g.end[1], 0x30);
}

static void test_discover_characteristics_and_includes(void **state)
{
	(void)state;
	struct bt_gatt_discover_params dp = { .func = on_discover, .start_handle = 0x10, .end_handle = 0x20,
					      .type = BT_GATT_DISCOVER_CHARACTERISTIC };
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x08, 0x10, 0x00, 0x20, 0x00, 0x03, 0x28);
	ATT_IN(0x09, 7, 0x11, 0x00, 0x12, 0x12, 0x00, 0x19, 0x2a, 0x13, 0x00, 0x0a, 0x14, 0x00, 0x00, 0x2a);
	att_run();
	ATT_EXPECT(0x08, 0x14, 0x00, 0x20, 0x00, 0x03, 0x28);
	ATT_IN(0x01, 0x08, 0x14, 0x00, BT_ATT_ERR_ATTRIBUTE_NOT_FOUND);
	att_run();
	assert_int_equal(g.found, 2);
	assert_int_equal(g.type[0], BT_UUID_GATT_CHRC_VAL);
	assert_int_equal(g.handle[0], 0x11);
	assert_int_equal(g.end[0], 0x12); /* value handle */
	assert_int_equal(g.uuid16[1], 0x2a00);
	assert_int_equal(g.ends, 1);

	/* Includes: one with a 16-bit UUID, one whose 128-bit UUID is read. */
	memset(&g, 0, sizeof(g));
	dp.type = BT_GATT_DISCOVER_INCLUDE;
	dp.start_handle = 1;
	dp.end_handle = 0x0f;
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x08, 0x01, 0x00, 0x0f, 0x00, 0x02, 0x28);
	ATT_IN(0x09, 8, 0x02, 0x00, 0x30, 0x00, 0x35, 0x00, 0x0f, 0x18);
	att_run();
	ATT_EXPECT(0x08, 0x03, 0x00, 0x0f, 0x00, 0x02, 0x28);
	ATT_IN(0x09, 6, 0x04, 0x00, 0x40, 0x00, 0x48, 0x00);
	att_run();
	ATT_EXPECT(0x0a, 0x40, 0x00);
	uint8_t uuid_rsp[17] = { 0x0b, 0x77 };
	att_in(uuid_rsp, sizeof(uuid_rsp));
	att_run();
	ATT_EXPECT(0x08, 0x05, 0x00, 0x0f, 0x00, 0x02, 0x28);
	ATT_IN(0x01, 0x08, 0x05, 0x00, BT_ATT_ERR_ATTRIBUTE_NOT_FOUND);
	att_run();
	assert_int_equal(g.found, 2);
	assert_int_equal(g.uuid16[0], 0x180f);
	assert_int_equal(g.end[0], 0x35);
	assert_int_equal(g.handle[1], 4);
	assert_int_equal(g.uuid128_first[1], 0x77);
	assert_int_equal(g.end[1], 0x48);
	assert_int_equal(g.ends, 1);
}

static void test_discover_descriptors(void **state)
{
	(void)state;
	struct bt_gatt_discover_params dp = { .func = on_discover, .start_handle = 0x12, .end_handle = 0x18,
					      .type = BT_GATT_DISCOVER_DESCRIPTOR };
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x04, 0x12, 0x00, 0x18, 0x00);
	/* CCC, then a characteristic declaration and its value (skipped),
	 * then a user description. */
	ATT_IN(0x05, 0x01, 0x12, 0x00, 0x02, 0x29, 0x13, 0x00, 0x03, 0x28, 0x14, 0x00, 0x00, 0x2a, 0x15, 0x00, 0x01,
	       0x29);
	att_run();
	ATT_EXPECT(0x04, 0x16, 0x00, 0x18, 0x00);
	uint8_t info128[2 + 18] = { 0x05, 0x02, 0x18, 0x00, 0x55 };
	att_in(info128, sizeof(info128));
	att_run();
	att_expect_none(); /* 0x18: the end */
	assert_int_equal(g.found, 3);
	assert_int_equal(g.uuid16[0], 0x2902);
	assert_int_equal(g.handle[1], 0x15);
	assert_int_equal(g.uuid128_first[2], 0x55);
	assert_int_equal(g.ends, 1);

	/* All attributes, stopped by the callback after two: no final call. */
	memset(&g, 0, sizeof(g));
	g.stop_after = 2;
	dp.type = BT_GATT_DISCOVER_ATTRIBUTE;
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x04, 0x12, 0x00, 0x18, 0x00);
	ATT_IN(0x05, 0x01, 0x12, 0x00, 0x02, 0x29, 0x13, 0x00, 0x03, 0x28, 0x14, 0x00, 0x00, 0x2a);
	att_run();
	att_expect_none();
	assert_int_equal(g.found, 2);
	assert_int_equal(g.uuid16[1], 0x2803);
	assert_int_equal(g.ends, 0);

	/* Standard descriptor values: CCC flags. */
	memset(&g, 0, sizeof(g));
	dp.type = BT_GATT_DISCOVER_STD_CHAR_DESC;
	dp.uuid = BT_UUID_GATT_CCC;
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x08, 0x12, 0x00, 0x18, 0x00, 0x02, 0x29);
	ATT_IN(0x09, 4, 0x12, 0x00, 0x01, 0x00);
	att_run();
	ATT_EXPECT(0x08, 0x13, 0x00, 0x18, 0x00, 0x02, 0x29);
	ATT_IN(0x01, 0x08, 0x13, 0x00, BT_ATT_ERR_ATTRIBUTE_NOT_FOUND);
	att_run();
	assert_int_equal(g.found, 1);
	assert_int_equal(g.end[0], 1);
	assert_int_equal(g.ends, 1);
}

/* Answers that go backwards, have a bad size or are of the wrong kind end
 * the procedure instead of looping. */
static void test_discover_malformed(void **state)
{
	(void)state;
	uint32_t malformed = t->host.stats.malformed;
	struct bt_gatt_discover_params dp = { .func = on_discover, .start_handle = 0x10, .end_handle = 0xffff,
					      .type = BT_GATT_DISCOVER_PRIMARY };
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x10, 0x10, 0x00, 0xff, 0xff, 0x00, 0x28);
	ATT_IN(0x11, 6, 0x05, 0x00, 0x08, 0x00, 0x00, 0x18); /* below the start */
	att_run();
	assert_int_equal(g.ends, 1);
	assert_int_equal(g.found, 0);
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x10, 0x10, 0x00, 0xff, 0xff, 0x00, 0x28);
	ATT_IN(0x11, 6, 0x10, 0x00, 0x18, 0x00, 0x00); /* size */
	att_run();
	assert_int_equal(g.ends, 2);
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x10, 0x10, 0x00, 0xff, 0xff, 0x00, 0x28);
	ATT_IN(0x0b, 0x01); /* a Read Response */
	att_run();
	assert_int_equal(g.ends, 3);
	assert_int_equal(t->host.stats.malformed, malformed + 2);
	assert_int_equal(t->host.att.stats.unexpected_rsp, 1);
	/* The bearer is fine afterwards. */
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x10, 0x10, 0x00, 0xff, 0xff, 0x00, 0x28);
	ATT_IN(0x01, 0x10, 0x10, 0x00, BT_ATT_ERR_ATTRIBUTE_NOT_FOUND);
	att_run();
	assert_int_equal(g.ends, 4);
}

/* A server answering with handles past the requested range (found by
 * fuzz_gatt_client): nothing reaches the application, the procedure ends. */
static void test_discover_out_of_range(void **state)
{
	(void)state;
	uint32_t malformed = t->host.stats.malformed;
	struct bt_gatt_discover_params dp = { .func = on_discover, .uuid = BT_UUID_DECLARE_16(0x180f),
					      .start_handle = 0x68, .end_handle = 0xcf,
					      .type = BT_GATT_DISCOVER_PRIMARY };
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x06, 0x68, 0x00, 0xcf, 0x00, 0x00, 0x28, 0x0f, 0x18);
	ATT_IN(0x07, 0x81, 0x01, 0x18, 0x23);
	att_run();
	assert_int_equal(g.found, 0);
	assert_int_equal(g.ends, 1);
	struct bt_gatt_discover_params cp = { .func = on_discover, .start_handle = 0x10, .end_handle = 0x20,
					      .type = BT_GATT_DISCOVER_CHARACTERISTIC };
	assert_int_equal(bt_gatt_discover(t->conn, &cp), 0);
	att_run();
	ATT_EXPECT(0x08, 0x10, 0x00, 0x20, 0x00, 0x03, 0x28);
	ATT_IN(0x09, 7, 0x12, 0x00, 0x02, 0x13, 0x00, 0x19, 0x2a, 0x21, 0x00, 0x02, 0x22, 0x00, 0x19, 0x2a);
	att_run();
	assert_int_equal(g.found, 1); /* 0x12 is in range, 0x21 is not: the rest is dropped */
	assert_int_equal(g.handle[0], 0x12);
	assert_int_equal(g.ends, 2);
	assert_int_equal(t->host.stats.malformed, malformed + 2);
}

/* ---- reads ---- */

static void test_read_long(void **state)
{
	(void)state;
	struct bt_gatt_read_params rp = { .func = on_read, .handle_count = 1, .single = { .handle = 0x21 } };
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	att_run();
	ATT_EXPECT(0x0a, 0x21, 0x00);
	uint8_t piece[23] = { 0x0b };
	for (int i = 1; i < 23; i++) {
		piece[i] = (uint8_t)i;
	}
	att_in(piece, 23);
	att_run();
	ATT_EXPECT(0x0c, 0x21, 0x00, 22, 0x00);
	piece[0] = 0x0d;
	att_in(piece, 23);
	att_run();
	ATT_EXPECT(0x0c, 0x21, 0x00, 44, 0x00);
	att_in(piece, 6);
	att_run();
	att_expect_none();
	assert_int_equal(g.pieces, 3);
	assert_int_equal(g.offsets[0], 0);
	assert_int_equal(g.offsets[1], 22);
	assert_int_equal(g.offsets[2], 44);
	assert_int_equal(g.data_len, 49);
	assert_int_equal(g.read_ends, 1);
	assert_int_equal(g.read_err, 0);

	/* Exactly 22 bytes: the Read Blob past the end is refused, the value
	 * is complete. */
	memset(&g, 0, sizeof(g));
	rp.single.offset = 0;
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	att_run();
	ATT_EXPECT(0x0a, 0x21, 0x00);
	piece[0] = 0x0b;
	att_in(piece, 23);
	att_run();
	ATT_EXPECT(0x0c, 0x21, 0x00, 22, 0x00);
	ATT_IN(0x01, 0x0c, 0x21, 0x00, BT_ATT_ERR_ATTRIBUTE_NOT_LONG);
	att_run();
	assert_int_equal(g.read_ends, 1);
	assert_int_equal(g.read_err, 0);
	assert_int_equal(g.data_len, 22);

	/* An error on the first read is the read's error. */
	memset(&g, 0, sizeof(g));
	rp.single.offset = 0;
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	att_run();
	ATT_EXPECT(0x0a, 0x21, 0x00);
	ATT_IN(0x01, 0x0a, 0x21, 0x00, BT_ATT_ERR_READ_NOT_PERMITTED);
	att_run();
	assert_int_equal(g.read_err, BT_ATT_ERR_READ_NOT_PERMITTED);
	assert_int_equal(g.pieces, 0);

	/* From an offset: Read Blob at once. */
	memset(&g, 0, sizeof(g));
	rp.single.offset = 5;
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	att_run();
	ATT_EXPECT(0x0c, 0x21, 0x00, 5, 0x00);
	ATT_IN(0x0d, 0xaa);
	att_run();
	assert_int_equal(g.offsets[0], 5);
	assert_int_equal(g.read_ends, 1);
}

static void test_read_by_uuid_and_multiple(void **state)
{
	(void)state;
	struct bt_gatt_read_params rp = { .func = on_read, .handle_count = 0,
					  .by_uuid = { .start_handle = 1, .end_handle = 0xffff,
						       .uuid = BT_UUID_DECLARE_16(0x2a19) } };
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	att_run();
	ATT_EXPECT(0x08, 0x01, 0x00, 0xff, 0xff, 0x19, 0x2a);
	ATT_IN(0x09, 3, 0x10, 0x00, 0x55, 0x20, 0x00, 0x66);
	att_run();
	ATT_EXPECT(0x08, 0x21, 0x00, 0xff, 0xff, 0x19, 0x2a);
	ATT_IN(0x01, 0x08, 0x21, 0x00, BT_ATT_ERR_ATTRIBUTE_NOT_FOUND);
	att_run();
	assert_int_equal(g.pieces, 2);
	assert_int_equal(g.handles[0], 0x10);
	assert_int_equal(g.handles[1], 0x20);
	assert_int_equal(g.data[1], 0x66);
	assert_int_equal(g.read_ends, 1);
	assert_int_equal(g.read_err, 0);

	memset(&g, 0, sizeof(g));
	uint16_t handles[3] = { 0x10, 0x20, 0x30 };
	struct bt_gatt_read_params mp = { .func = on_read, .handle_count = 3, .multiple = { .handles = handles } };
	assert_int_equal(bt_gatt_read(t->conn, &mp), 0);
	att_run();
	ATT_EXPECT(0x0e, 0x10, 0x00, 0x20, 0x00, 0x30, 0x00);
	ATT_IN(0x0f, 1, 2, 3);
	att_run();
	assert_int_equal(g.pieces, 1);
	assert_int_equal(g.data_len, 3);
	assert_int_equal(g.read_ends, 1);

	memset(&g, 0, sizeof(g));
	mp.multiple.variable = true;
	assert_int_equal(bt_gatt_read(t->conn, &mp), 0);
	att_run();
	ATT_EXPECT(0x20, 0x10, 0x00, 0x20, 0x00, 0x30, 0x00);
	ATT_IN(0x21, 0x01, 0x00, 0xaa, 0x00, 0x00, 0x03, 0x00, 0xbb, 0xcc);
	att_run();
	/* The last value is cut at the MTU: what arrived is delivered. */
	assert_int_equal(g.pieces, 3);
	assert_int_equal(g.data_len, 3);
	assert_int_equal(g.read_ends, 1);
	assert_int_equal(g.read_err, 0);
}

/* ---- writes ---- */

static void test_write_short_and_long(void **state)
{
	(void)state;
	uint8_t value[50];
	for (int i = 0; i < 50; i++) {
		value[i] = (uint8_t)(i + 1);
	}
	struct bt_gatt_write_params wp = { .func = on_write, .handle = 0x33, .data = value, .length = 20 };
	assert_int_equal(bt_gatt_write(t->conn, &wp), 0);
	att_run();
	uint16_t len;
	const uint8_t *p = att_out(&len);
	assert_non_null(p);
	assert_int_equal(len, 23);
	assert_int_equal(p[0], 0x12);
	assert_memory_equal(p + 3, value, 20);
	ATT_IN(0x13);
	att_run();
	assert_int_equal(g.writes, 1);
	assert_int_equal(g.write_err, 0);

	/* 50 bytes at MTU 23: prepared in parts of 18, then executed. */
	wp.length = 50;
	assert_int_equal(bt_gatt_write(t->conn, &wp), 0);
	for (uint16_t off = 0; off < 50; off = (uint16_t)(off + 18)) {
		att_run();
		p = att_out(&len);
		assert_non_null(p);
		uint16_t n = (uint16_t)MIN(18, 50 - off);
		assert_int_equal(len, 5 + n);
		assert_int_equal(p[0], 0x16);
		assert_int_equal(sys_get_le16(p + 3), off);
		uint8_t echo[23];
		memcpy(echo, p, len);
		echo[0] = 0x17;
		att_in(echo, len);
	}
	att_run();
	ATT_EXPECT(0x18, 0x01);
	ATT_IN(0x19);
	att_run();
	assert_int_equal(g.writes, 2);
	assert_int_equal(g.write_err, 0);

	/* A wrong echo: the queue is cancelled, the write fails. */
	assert_int_equal(bt_gatt_write(t->conn, &wp), 0);
	att_run();
	p = att_out(&len);
	assert_non_null(p);
	uint8_t echo[23];
	memcpy(echo, p, len);
	echo[0] = 0x17;
	echo[10] ^= 0xff;
	att_in(echo, len);
	att_run();
	ATT_EXPECT(0x18, 0x00);
	ATT_IN(0x19);
	att_run();
	assert_int_equal(g.writes, 3);
	assert_int_equal(g.write_err, BT_ATT_ERR_UNLIKELY);

	/* An offset makes it a prepared write even when short. */
	wp.offset = 4;
	wp.length = 2;
	assert_int_equal(bt_gatt_write(t->conn, &wp), 0);
	att_run();
	ATT_EXPECT(0x16, 0x33, 0x00, 0x04, 0x00, 1, 2);
	ATT_IN(0x01, 0x16, 0x33, 0x00, BT_ATT_ERR_INVALID_OFFSET);
	att_run();
	att_expect_none(); /* nothing queued: no cancel */
	assert_int_equal(g.write_err, BT_ATT_ERR_INVALID_OFFSET);
}

static void on_complete(struct bt_conn *conn, void *user_data)
{
	(void)conn;
	assert_ptr_equal(user_data, &g);
	g.complete_calls++;
}

static void test_write_without_response(void **state)
{
	(void)state;
	const uint8_t data[4] = { 1, 2, 3, 4 };
	t->hold = true;
	int n = 0;
	int err;
	while ((err = bt_gatt_write_without_response_cb(t->conn, 0x33, data, 4, false, on_complete, &g)) == 0) {
		n++;
	}
	assert_int_equal(err, -ENOMEM);
	assert_true(n >= CONFIG_BT_L2CAP_TX_BUF_COUNT);
	att_run();
	assert_int_equal(g.complete_calls, 0);
	t->hold = false;
	att_run();
	att_run();
	assert_int_equal(g.complete_calls, n);
	for (int i = 0; i < n; i++) {
		ATT_EXPECT(0x52, 0x33, 0x00, 1, 2, 3, 4);
	}
	assert_int_equal(bt_gatt_write_without_response(t->conn, 0x33, data, 4, true), -ENOTSUP);
	uint8_t big[21] = { 0 };
	assert_int_equal(bt_gatt_write_without_response(t->conn, 0x33, big, sizeof(big), false), -EMSGSIZE);
	assert_int_equal(bt_gatt_write_without_response(t->conn, 0, data, 4, false), -EINVAL);
	assert_int_equal(bt_gatt_write_without_response(t->conn, 0x33, big, 20, false), 0);
}

/* ---- the queue ---- */

static void test_queue_runs_in_order(void **state)
{
	(void)state;
	struct bt_gatt_read_params rp = { .func = on_read, .handle_count = 1, .single = { .handle = 0x21 } };
	const uint8_t one = 1;
	struct bt_gatt_write_params wp = { .func = on_write, .handle = 0x22, .data = &one, .length = 1 };
	struct bt_gatt_discover_params dp = { .func = on_discover, .start_handle = 1, .end_handle = 0xffff,
					      .type = BT_GATT_DISCOVER_PRIMARY };
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	assert_int_equal(bt_gatt_write(t->conn, &wp), 0);
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	/* One request at a time. */
	ATT_EXPECT(0x0a, 0x21, 0x00);
	att_expect_none();
	ATT_IN(0x0b, 0x09);
	att_run();
	ATT_EXPECT(0x12, 0x22, 0x00, 0x01);
	att_expect_none();
	ATT_IN(0x13);
	att_run();
	ATT_EXPECT(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28);
	ATT_IN(0x01, 0x10, 0x01, 0x00, BT_ATT_ERR_ATTRIBUTE_NOT_FOUND);
	att_run();
	assert_int_equal(g.n_order, 3);
	assert_memory_equal(g.order, "rwd", 3);
	/* A full queue says so; a cancelled queued procedure never runs. */
	struct bt_gatt_read_params many[CONFIG_BT_GATT_CLIENT_QUEUE];
	rp.single.offset = 0; /* the read advanced it */
	for (int i = 0; i < CONFIG_BT_GATT_CLIENT_QUEUE; i++) {
		many[i] = rp;
		assert_int_equal(bt_gatt_read(t->conn, &many[i]), 0);
	}
	assert_int_equal(bt_gatt_read(t->conn, &rp), -ENOMEM);
	bt_gatt_cancel(t->conn, &many[1]);
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	memset(&g, 0, sizeof(g));
	for (int i = 0; i < CONFIG_BT_GATT_CLIENT_QUEUE; i++) {
		att_run();
		ATT_EXPECT(0x0a, 0x21, 0x00);
		ATT_IN(0x0b, (uint8_t)i);
	}
	att_run();
	att_expect_none();
	assert_int_equal(g.read_ends, CONFIG_BT_GATT_CLIENT_QUEUE);
}

/* A callback that queues the next procedure (allowed, never blocks). */
static struct bt_gatt_read_params chained;

static uint8_t on_read_chain(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params,
			     const void *data, uint16_t length)
{
	(void)params;
	(void)length;
	(void)err;
	if (!data && g.read_ends++ == 0) {
		chained = (struct bt_gatt_read_params){ .func = on_read_chain, .handle_count = 1,
							.single = { .handle = 0x44 } };
		assert_int_equal(bt_gatt_read(conn, &chained), 0);
	}
	return BT_GATT_ITER_CONTINUE;
}

static void test_call_from_callback(void **state)
{
	(void)state;
	struct bt_gatt_read_params rp = { .func = on_read_chain, .handle_count = 1, .single = { .handle = 0x21 } };
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	att_run();
	ATT_EXPECT(0x0a, 0x21, 0x00);
	ATT_IN(0x0b, 0x01);
	att_run();
	ATT_EXPECT(0x0a, 0x44, 0x00);
	ATT_IN(0x0b, 0x02);
	att_run();
	assert_int_equal(g.read_ends, 2);
}

/* Calls made from a result callback while the procedure still runs (a
 * subscribe from a characteristic found, as Zephyr's central samples do; a
 * read from a piece of a long read) queue behind it: the running
 * procedure's next request is not sent early or twice, and the queued one
 * runs after it. */
static struct bt_gatt_subscribe_params mid_sub;
static struct bt_gatt_read_params mid_read;
static int mid_subscribed;

static uint8_t on_mid_notify(struct bt_conn *conn, struct bt_gatt_subscribe_params *params, const void *data,
			     uint16_t length)
{
	(void)conn;
	(void)params;
	(void)data;
	(void)length;
	return BT_GATT_ITER_CONTINUE;
}

static void on_mid_subscribe(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *params)
{
	(void)conn;
	(void)params;
	assert_int_equal(err, 0);
	mid_subscribed++;
}

static uint8_t on_discover_subscribe(struct bt_conn *conn, const struct bt_gatt_attr *attr,
				     struct bt_gatt_discover_params *params)
{
	(void)params;
	if (!attr) {
		g.ends++;
		return BT_GATT_ITER_STOP;
	}
	g.found++;
	const struct bt_gatt_chrc *c = attr->user_data;
	mid_sub = (struct bt_gatt_subscribe_params){ .notify = on_mid_notify, .subscribe = on_mid_subscribe,
						     .value_handle = c->value_handle,
						     .ccc_handle = (uint16_t)(c->value_handle + 1),
						     .value = BT_GATT_CCC_NOTIFY };
	assert_int_equal(bt_gatt_subscribe(conn, &mid_sub), 0);
	return BT_GATT_ITER_STOP;
}

static uint8_t on_read_mid(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params, const void *data,
			   uint16_t length)
{
	(void)params;
	(void)err;
	if (!data) {
		g.read_ends++;
		return BT_GATT_ITER_STOP;
	}
	g.pieces++;
	g.data_len = (uint16_t)(g.data_len + length);
	if (params != &mid_read && g.pieces == 1) {
		mid_read = (struct bt_gatt_read_params){ .func = on_read_mid, .handle_count = 1,
							 .single = { .handle = 0x44 } };
		assert_int_equal(bt_gatt_read(conn, &mid_read), 0);
	}
	return BT_GATT_ITER_CONTINUE;
}

static void test_call_from_result_callback(void **state)
{
	(void)state;
	mid_subscribed = 0;
	struct bt_gatt_discover_params dp = { .func = on_discover_subscribe, .start_handle = 0x10, .end_handle = 0x20,
					      .type = BT_GATT_DISCOVER_CHARACTERISTIC };
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x08, 0x10, 0x00, 0x20, 0x00, 0x03, 0x28);
	ATT_IN(0x09, 7, 0x11, 0x00, 0x10, 0x12, 0x00, 0x37, 0x2a);
	att_run();
	/* The discovery stopped: the CCC write goes next, alone. */
	ATT_EXPECT(0x12, 0x13, 0x00, 0x01, 0x00);
	att_expect_none();
	ATT_IN(0x13);
	att_run();
	att_expect_none();
	assert_int_equal(g.found, 1);
	assert_int_equal(mid_subscribed, 1);

	/* A long read whose first piece queues another read. */
	struct bt_gatt_read_params rp = { .func = on_read_mid, .handle_count = 1, .single = { .handle = 0x21 } };
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	att_run();
	ATT_EXPECT(0x0a, 0x21, 0x00);
	uint8_t piece[23] = { 0x0b };
	att_in(piece, 23);
	att_run();
	ATT_EXPECT(0x0c, 0x21, 0x00, 22, 0x00);
	att_expect_none();
	ATT_IN(0x0d, 0x01, 0x02);
	att_run();
	ATT_EXPECT(0x0a, 0x44, 0x00);
	att_expect_none();
	ATT_IN(0x0b, 0x05);
	att_run();
	att_expect_none();
	assert_int_equal(g.pieces, 3);
	assert_int_equal(g.data_len, 25);
	assert_int_equal(g.read_ends, 2);
}

/* Two and more subscriptions to one handle: each hears a notification
 * once; one whose callback unsubscribes another leaves the rest notified
 * and the one it unsubscribed hears no value after that. */
static struct bt_gatt_subscribe_params subs[3];
static int sub_values[3], sub_ends[3];

static uint8_t on_sub_notify(struct bt_conn *conn, struct bt_gatt_subscribe_params *params, const void *data,
			     uint16_t length)
{
	(void)length;
	int i = (int)(params - subs);
	if (!data) {
		sub_ends[i]++;
		return BT_GATT_ITER_STOP;
	}
	sub_values[i]++;
	if (i == 0 && sub_values[0] == 1) {
		assert_int_equal(bt_gatt_unsubscribe(conn, &subs[1]), 0);
	}
	return BT_GATT_ITER_CONTINUE;
}

static void test_notify_two_subscriptions(void **state)
{
	(void)state;
	memset(sub_values, 0, sizeof(sub_values));
	memset(sub_ends, 0, sizeof(sub_ends));
	for (int i = 0; i < 3; i++) {
		subs[i] = (struct bt_gatt_subscribe_params){ .notify = on_sub_notify, .value_handle = 0x30,
							     .ccc_handle = 0x31, .value = BT_GATT_CCC_NOTIFY };
		assert_int_equal(bt_gatt_subscribe(t->conn, &subs[i]), 0);
		att_run();
		ATT_EXPECT(0x12, 0x31, 0x00, 0x01, 0x00);
		ATT_IN(0x13);
		att_run();
	}
	ATT_IN(0x1b, 0x30, 0x00, 0x42);
	att_run();
	assert_int_equal(sub_values[0], 1);
	assert_int_equal(sub_values[1], 0);
	assert_int_equal(sub_values[2], 1);
	/* The unsubscription keeps the CCC as the others need it. */
	ATT_EXPECT(0x12, 0x31, 0x00, 0x01, 0x00);
	ATT_IN(0x13);
	att_run();
	assert_int_equal(sub_ends[1], 1);
	ATT_IN(0x1b, 0x30, 0x00, 0x43);
	att_run();
	assert_int_equal(sub_values[0], 2);
	assert_int_equal(sub_values[1], 0);
	assert_int_equal(sub_values[2], 2);
}

/* No answer in 30 s: this and the queued procedures fail, the bearer
 * refuses further work and the link is disconnected. */
static void test_timeout(void **state)
{
	(void)state;
	if (!ktest_is_coop()) {
		skip(); /* 30 s of real time */
	}
	struct bt_gatt_read_params rp = { .func = on_read, .handle_count = 1, .single = { .handle = 0x21 } };
	struct bt_gatt_write_params wp = { .func = on_write, .handle = 0x22 };
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	assert_int_equal(bt_gatt_write(t->conn, &wp), 0);
	att_run();
	ATT_EXPECT(0x0a, 0x21, 0x00);
	ktest_run_ms(&t->k, ZBLE_ATT_TIMEOUT_MS + 100);
	assert_int_equal(g.read_ends, 1);
	assert_int_equal(g.read_err, BT_ATT_ERR_UNLIKELY);
	assert_int_equal(g.writes, 1);
	assert_int_equal(g.write_err, BT_ATT_ERR_UNLIKELY);
	assert_int_equal(t->host.att.stats.timeouts, 1);
	assert_int_equal(bt_gatt_read(t->conn, &rp), -ENOTCONN);
	assert_int_equal(bt_gatt_get_mtu(t->conn), 0);
	/* A late answer is not taken. */
	ATT_IN(0x0b, 0x01);
	att_run();
	assert_int_equal(g.pieces, 0);
	assert_int_equal(k_sem_take(&t->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(fake_ctrl_count(&t->ctrl, BT_HCI_OP_DISCONNECT), 1);
}

static void test_link_end_and_bad_arguments(void **state)
{
	(void)state;
	struct bt_gatt_read_params rp = { .func = on_read, .handle_count = 1, .single = { .handle = 0x21 } };
	struct bt_gatt_discover_params dp = { .func = on_discover, .start_handle = 1, .end_handle = 0xffff,
					      .type = BT_GATT_DISCOVER_PRIMARY };
	/* Bad arguments. */
	assert_int_equal(bt_gatt_read(t->conn, NULL), -EINVAL);
	assert_int_equal(bt_gatt_read(NULL, &rp), -EINVAL);
	struct bt_gatt_read_params bad = rp;
	bad.single.handle = 0;
	assert_int_equal(bt_gatt_read(t->conn, &bad), -EINVAL);
	bad = (struct bt_gatt_read_params){ .func = on_read, .handle_count = 0 };
	assert_int_equal(bt_gatt_read(t->conn, &bad), -EINVAL);
	uint16_t handles[12] = { 1 };
	bad = (struct bt_gatt_read_params){ .func = on_read, .handle_count = 12, .multiple = { .handles = handles } };
	assert_int_equal(bt_gatt_read(t->conn, &bad), -EINVAL); /* 25 bytes > MTU 23 */
	struct bt_gatt_discover_params dbad = dp;
	dbad.start_handle = 0;
	assert_int_equal(bt_gatt_discover(t->conn, &dbad), -EINVAL);
	dbad = dp;
	dbad.start_handle = 9;
	dbad.end_handle = 8;
	assert_int_equal(bt_gatt_discover(t->conn, &dbad), -EINVAL);
	dbad = dp;
	dbad.type = BT_GATT_DISCOVER_STD_CHAR_DESC;
	assert_int_equal(bt_gatt_discover(t->conn, &dbad), -EINVAL);
	struct bt_gatt_write_params wbad = { .func = on_write, .handle = 0x22, .length = 3 };
	assert_int_equal(bt_gatt_write(t->conn, &wbad), -EINVAL);
	struct bt_gatt_subscribe_params sbad = { .value_handle = 1, .ccc_handle = 2, .value = 1 };
	assert_int_equal(bt_gatt_subscribe(t->conn, &sbad), -EINVAL);
	att_expect_none();

	/* The link goes with a request out and one queued: both fail. */
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	assert_int_equal(bt_gatt_discover(t->conn, &dp), 0);
	att_run();
	ATT_EXPECT(0x0a, 0x21, 0x00);
	att_drop_link();
	assert_int_equal(g.read_ends, 1);
	assert_int_equal(g.read_err, BT_ATT_ERR_UNLIKELY);
	assert_int_equal(g.ends, 1);
	assert_int_equal(bt_gatt_read(t->conn, &rp), -ENOTCONN);
	assert_int_equal(bt_gatt_write_without_response(t->conn, 0x33, "x", 1, false), -ENOTCONN);
	assert_int_equal(att_tx_free(), CONFIG_BT_L2CAP_TX_BUF_COUNT);
}

/* bt_disable() drops the link without HCI: pending procedures still end. */
static void test_disable_ends_procedures(void **state)
{
	(void)state;
	struct bt_gatt_read_params rp = { .func = on_read, .handle_count = 1, .single = { .handle = 0x21 } };
	struct bt_gatt_write_params wp = { .func = on_write, .handle = 0x22 };
	assert_int_equal(bt_gatt_read(t->conn, &rp), 0);
	assert_int_equal(bt_gatt_write(t->conn, &wp), 0);
	att_run();
	ATT_EXPECT(0x0a, 0x21, 0x00);
	assert_int_equal(bt_disable(), 0);
	assert_int_equal(g.read_ends, 1);
	assert_int_equal(g.read_err, BT_ATT_ERR_UNLIKELY);
	assert_int_equal(g.writes, 1);
	assert_int_equal(bt_gatt_read(t->conn, &rp), -ENOTCONN);
	/* No timer of the old link fires later. */
	if (ktest_is_coop()) {
		ktest_run_ms(&t->k, ZBLE_ATT_TIMEOUT_MS + 100);
		assert_int_equal(t->host.att.stats.timeouts, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_discover_primary, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_discover_primary_by_uuid, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_discover_characteristics_and_includes, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_discover_descriptors, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_discover_malformed, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_discover_out_of_range, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_read_long, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_read_by_uuid_and_multiple, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_write_short_and_long, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_write_without_response, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_queue_runs_in_order, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_call_from_callback, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_call_from_result_callback, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_notify_two_subscriptions, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_link_end_and_bad_arguments, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_disable_ends_procedures, setup, att_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
