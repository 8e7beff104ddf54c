/* GATT server at the PDU level against the scripted controller: database
 * layout, discovery, reads, writes and queued writes, CCC per link,
 * notifications and indications, Service Changed, permissions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/gatt.h>
#include <zephyr/sys/byteorder.h>

#include "gatt_test.h"

#define LINK_A 0x40
#define LINK_B 0x41

static struct gt_pdus out;
static uint8_t rsp[256];

/* ---- layout ---- */

static uint8_t count_attr(const struct bt_gatt_attr *attr, uint16_t handle, void *ud)
{
	(void)attr;
	(void)handle;
	(*(int *)ud)++;
	return BT_GATT_ITER_CONTINUE;
}

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	/* Static services after GAP (1..5) and GATT (6..9), in name order. */
	assert_int_equal(bt_gatt_attr_get_handle(&attr_a_svc[0]), 10);
	assert_int_equal(bt_gatt_attr_get_handle(&attr_a_svc[2]), H_VAL1);
	assert_int_equal(bt_gatt_attr_get_handle(&attr_a_svc[3]), H_VAL1_CCC); /* CCC right after the value */
	assert_int_equal(bt_gatt_attr_value_handle(&attr_a_svc[1]), H_VAL1);
	assert_int_equal(bt_gatt_attr_value_handle(&attr_a_svc[2]), 0);
	assert_int_equal(bt_gatt_attr_get_handle(&attr_b_svc[0]), H_B_SVC);
	assert_int_equal(bt_gatt_attr_get_handle(&attr_c_sec[0]), H_C_SEC);
	int n = 0;
	bt_gatt_foreach_attr(1, 0xffff, count_attr, &n);
	assert_int_equal(n, 35);
	n = 0;
	bt_gatt_foreach_attr_type(1, 0xffff, BT_UUID_GATT_CHRC, NULL, 0, count_attr, &n);
	assert_int_equal(n, 3 + 7 + 1 + 1);
	n = 0;
	bt_gatt_foreach_attr_type(1, 0xffff, BT_UUID_GATT_CHRC, NULL, 2, count_attr, &n);
	assert_int_equal(n, 2);
	n = 0;
	bt_gatt_foreach_attr(11, 13, count_attr, &n);
	assert_int_equal(n, 3);
	assert_int_equal(bt_gatt_attr_get_handle(bt_gatt_find_by_uuid(NULL, 0, BT_UUID_GATT_CCC)), 9);
	const struct bt_gatt_attr *ccc = bt_gatt_find_by_uuid(&attr_a_svc[0], 0, BT_UUID_GATT_CCC);
	assert_ptr_equal(ccc, &attr_a_svc[3]);
	assert_null(bt_gatt_find_by_uuid(&attr_a_svc[0], 3, BT_UUID_GATT_CCC));
	assert_int_equal(bt_gatt_attr_get_handle(bt_gatt_find_by_uuid(NULL, 0, BT_UUID_GATT_SC)), 8);
	assert_ptr_equal(bt_gatt_attr_next(&attr_a_svc[2]), &attr_a_svc[3]);
	assert_ptr_equal(bt_gatt_attr_next(&attr_a_svc[16]), &attr_b_svc[0]); /* across services */
	assert_null(bt_gatt_attr_next(&attr_c_sec[2]));
}

/* ---- discovery ---- */

static void test_primary_services(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	/* Read By Group Type: GAP, GATT, a_svc (6-byte entries), then b_svc
	 * alone (20-byte entry), then nothing more of that type. */
	uint8_t req[] = { 0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28 };
	assert_int_equal(gt_expect_rsp(LINK_A, req, sizeof(req), 0x11, rsp), 2 + 3 * 6);
	static const uint8_t groups[] = { 0x11, 6, 1, 0, 5, 0, 0x00, 0x18, 6, 0, 9, 0, 0x01, 0x18, 10, 0, 26, 0, 0xa0, 0xaa };
	assert_memory_equal(rsp, groups, sizeof(groups));
	req[1] = 27;
	assert_int_equal(gt_expect_rsp(LINK_A, req, sizeof(req), 0x11, rsp), 2 + 20);
	assert_int_equal(rsp[1], 20);
	assert_int_equal(sys_get_le16(rsp + 2), H_B_SVC);
	assert_int_equal(sys_get_le16(rsp + 4), 32);
	assert_memory_equal(rsp + 6, BT_UUID_128(gt_uuid_b_svc)->val, 16);
	req[1] = 33;
	gt_expect_err(LINK_A, req, sizeof(req), 0x10, 33, BT_ATT_ERR_ATTRIBUTE_NOT_FOUND);
	/* Secondary services by their own group type. */
	uint8_t sec[] = { 0x10, 0x01, 0x00, 0xff, 0xff, 0x01, 0x28 };
	assert_int_equal(gt_expect_rsp(LINK_A, sec, sizeof(sec), 0x11, rsp), 8);
	static const uint8_t sec_rsp[] = { 0x11, 6, 33, 0, 35, 0, 0xc0, 0xaa };
	assert_memory_equal(rsp, sec_rsp, sizeof(sec_rsp));
	/* The primary type given in its 128-bit form works too. */
	uint8_t req128[21] = { 0x10, 0x01, 0x00, 0xff, 0xff };
	uint8_t u[16];
	memcpy(u, (const uint8_t[]){ 0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80, 0x00, 0x10, 0x00, 0x00, 0x00,
				     0x28, 0x00, 0x00 },
	       16);
	memcpy(req128 + 5, u, 16);
	assert_int_equal(gt_expect_rsp(LINK_A, req128, sizeof(req128), 0x11, rsp), 2 + 3 * 6);
}

static void test_find_by_type_value(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	uint8_t req[] = { 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, 0xa0, 0xaa };
	assert_int_equal(gt_expect_rsp(LINK_A, req, sizeof(req), 0x07, rsp), 5);
	assert_int_equal(sys_get_le16(rsp + 1), 10);
	assert_int_equal(sys_get_le16(rsp + 3), 26);
	/* A 128-bit service. */
	uint8_t req128[7 + 16] = { 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28 };
	memcpy(req128 + 7, BT_UUID_128(gt_uuid_b_svc)->val, 16);
	assert_int_equal(gt_expect_rsp(LINK_A, req128, sizeof(req128), 0x07, rsp), 5);
	assert_int_equal(sys_get_le16(rsp + 1), H_B_SVC);
	assert_int_equal(sys_get_le16(rsp + 3), 32);
	/* A non-grouping type: the group ends where it is found. */
	uint8_t cud[] = { 0x06, 0x01, 0x00, 0xff, 0xff, 0x01, 0x29, 'V', 'a', 'l', 'u', 'e', ' ', 'o', 'n', 'e' };
	assert_int_equal(gt_expect_rsp(LINK_A, cud, sizeof(cud), 0x07, rsp), 5);
	assert_int_equal(sys_get_le16(rsp + 1), H_CUD);
	assert_int_equal(sys_get_le16(rsp + 3), H_CUD);
	/* Outside the range asked: not found, at the start handle. */
	uint8_t miss[] = { 0x06, 0x0b, 0x00, 0xff, 0xff, 0x00, 0x28, 0xa0, 0xaa };
	gt_expect_err(LINK_A, miss, sizeof(miss), 0x06, 0x0b, BT_ATT_ERR_ATTRIBUTE_NOT_FOUND);
}

static void test_characteristics_and_descriptors(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	/* Read By Type 0x2803 in a_svc: the first entry is 16-bit (7 bytes),
	 * the 128-bit one (21 bytes) does not share its length. */
	uint8_t req[] = { 0x08, 10, 0x00, 26, 0x00, 0x03, 0x28 };
	assert_int_equal(gt_expect_rsp(LINK_A, req, sizeof(req), 0x09, rsp), 2 + 7);
	static const uint8_t first[] = { 0x09, 7, 11, 0, 0x3a, 12, 0, 0xa1, 0xaa };
	assert_memory_equal(rsp, first, sizeof(first));
	req[1] = 12;
	assert_int_equal(gt_expect_rsp(LINK_A, req, sizeof(req), 0x09, rsp), 2 + 21);
	assert_int_equal(sys_get_le16(rsp + 2), H_LONG_DECL);
	assert_int_equal(sys_get_le16(rsp + 5), H_LONG);
	assert_memory_equal(rsp + 7, BT_UUID_128(gt_uuid_long_chrc)->val, 16);
	req[1] = 16;
	assert_int_equal(gt_expect_rsp(LINK_A, req, sizeof(req), 0x09, rsp), 2 + 3 * 7);
	assert_int_equal(sys_get_le16(rsp + 2), 17);
	assert_int_equal(sys_get_le16(rsp + 9), 19);
	assert_int_equal(sys_get_le16(rsp + 16), 21);
	/* Include declaration: handles of c_sec and its 16-bit UUID. */
	uint8_t inc[] = { 0x08, 27, 0x00, 32, 0x00, 0x02, 0x28 };
	assert_int_equal(gt_expect_rsp(LINK_A, inc, sizeof(inc), 0x09, rsp), 2 + 8);
	static const uint8_t inc_rsp[] = { 0x09, 8, 28, 0, 33, 0, 35, 0, 0xc0, 0xaa };
	assert_memory_equal(rsp, inc_rsp, sizeof(inc_rsp));
	/* Find Information: the descriptors of the first characteristic. */
	uint8_t fi[] = { 0x04, 12, 0x00, 14, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_A, fi, sizeof(fi), 0x05, rsp), 2 + 3 * 4);
	static const uint8_t fi_rsp[] = { 0x05, 1, 12, 0, 0xa1, 0xaa, 13, 0, 0x02, 0x29, 14, 0, 0x01, 0x29 };
	assert_memory_equal(rsp, fi_rsp, sizeof(fi_rsp));
	/* 16-bit then 128-bit: one format per response. */
	uint8_t fi2[] = { 0x04, 15, 0x00, 16, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_A, fi2, sizeof(fi2), 0x05, rsp), 2 + 4);
	fi2[1] = 16;
	assert_int_equal(gt_expect_rsp(LINK_A, fi2, sizeof(fi2), 0x05, rsp), 2 + 18);
	assert_int_equal(rsp[1], 2);
	assert_memory_equal(rsp + 4, BT_UUID_128(gt_uuid_long_chrc)->val, 16);
	/* A Read By Type for a value UUID reads the value. */
	uint8_t by_uuid[] = { 0x08, 0x01, 0x00, 0xff, 0xff, 0xa3, 0xaa };
	assert_int_equal(gt_expect_rsp(LINK_A, by_uuid, sizeof(by_uuid), 0x09, rsp), 2 + 4);
	static const uint8_t ro[] = { 0x09, 4, H_RO, 0, 'r', 'o' };
	assert_memory_equal(rsp, ro, sizeof(ro));
}

/* ---- reads ---- */

static void test_device_name_and_appearance(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	uint8_t rd[] = { 0x0a, 3, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 1 + strlen(CONFIG_BT_DEVICE_NAME));
	assert_memory_equal(rsp + 1, CONFIG_BT_DEVICE_NAME, strlen(CONFIG_BT_DEVICE_NAME));
	assert_int_equal(bt_set_name("gatt-test"), 0);
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 10);
	assert_memory_equal(rsp + 1, "gatt-test", 9);
	/* Read By Type 0x2a00 as a client without handles does. */
	uint8_t by_type[] = { 0x08, 1, 0, 0xff, 0xff, 0x00, 0x2a };
	assert_int_equal(gt_expect_rsp(LINK_A, by_type, sizeof(by_type), 0x09, rsp), 2 + 2 + 9);
	rd[1] = 5;
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 3);
	/* Service Changed is indicate-only. */
	rd[1] = 8;
	gt_expect_err(LINK_A, rd, sizeof(rd), 0x0a, 8, BT_ATT_ERR_READ_NOT_PERMITTED);
}

static void test_reads(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	uint8_t rd[] = { 0x0a, H_VAL1, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 6);
	assert_memory_equal(rsp + 1, "hello", 5);
	assert_int_equal(gt_db.reads, 1);
	/* Long read: Read, then Read Blob from where it stopped. */
	rd[1] = H_LONG;
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 23);
	for (int i = 0; i < 22; i++) {
		assert_int_equal(rsp[1 + i], (uint8_t)(i * 3));
	}
	uint8_t blob[] = { 0x0c, H_LONG, 0, 88, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, blob, sizeof(blob), 0x0d, rsp), 13);
	assert_int_equal(rsp[1], (uint8_t)(88 * 3));
	blob[3] = 100; /* at the end: empty */
	assert_int_equal(gt_expect_rsp(LINK_A, blob, sizeof(blob), 0x0d, rsp), 1);
	blob[3] = 101;
	gt_expect_err(LINK_A, blob, sizeof(blob), 0x0c, H_LONG, BT_ATT_ERR_INVALID_OFFSET);
	/* A short declaration is not long. */
	uint8_t blob_decl[] = { 0x0c, 11, 0, 1, 0 };
	gt_expect_err(LINK_A, blob_decl, sizeof(blob_decl), 0x0c, 11, BT_ATT_ERR_ATTRIBUTE_NOT_LONG);
	/* The CUD. */
	rd[1] = H_CUD;
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 10);
	assert_memory_equal(rsp + 1, "Value one", 9);
	/* Read Multiple: values back to back; the variable form with lengths. */
	uint8_t mult[] = { 0x0e, H_VAL1, 0, H_RO, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, mult, sizeof(mult), 0x0f, rsp), 8);
	assert_memory_equal(rsp + 1, "helloro", 7);
	uint8_t mult_vl[] = { 0x20, H_VAL1, 0, H_RO, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, mult_vl, sizeof(mult_vl), 0x21, rsp), 12);
	static const uint8_t vl[] = { 0x21, 5, 0, 'h', 'e', 'l', 'l', 'o', 2, 0, 'r', 'o' };
	assert_memory_equal(rsp, vl, sizeof(vl));
	/* Read Multiple cut at the MTU. */
	uint8_t mult_long[] = { 0x0e, H_RO, 0, H_LONG, 0, H_VAL1, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, mult_long, sizeof(mult_long), 0x0f, rsp), 23);
	/* One unreadable handle fails the whole request, naming it. */
	uint8_t mult_enc[] = { 0x0e, H_VAL1, 0, H_ENC, 0 };
	gt_expect_err(LINK_A, mult_enc, sizeof(mult_enc), 0x0e, H_ENC, BT_ATT_ERR_AUTHENTICATION);
	/* The application's own error code passes through. */
	rd[1] = H_APPERR;
	gt_expect_err(LINK_A, rd, sizeof(rd), 0x0a, H_APPERR, 0x80);
	/* A CCC reads the link's own configuration. */
	rd[1] = H_VAL1_CCC;
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 3);
	assert_int_equal(sys_get_le16(rsp + 1), 0);
}

static void test_permissions(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	assert_int_equal(bt_conn_get_security(gt->last_conn), BT_SECURITY_L1);
	/* Encryption needed, no key for the peer: it must pair first. */
	uint8_t rd[] = { 0x0a, H_ENC, 0 };
	gt_expect_err(LINK_A, rd, sizeof(rd), 0x0a, H_ENC, BT_ATT_ERR_AUTHENTICATION);
	/* With a key it only has to encrypt. */
	gt->last_conn->has_ltk = true;
	gt_expect_err(LINK_A, rd, sizeof(rd), 0x0a, H_ENC, BT_ATT_ERR_INSUFFICIENT_ENCRYPTION);
	/* Read By Type naming the encrypted value: the error at its handle. */
	uint8_t by_type[] = { 0x08, 1, 0, 0xff, 0xff, 0xa2, 0xaa };
	gt_expect_err(LINK_A, by_type, sizeof(by_type), 0x08, H_ENC, BT_ATT_ERR_INSUFFICIENT_ENCRYPTION);
	gt->last_conn->has_ltk = false;
	rd[1] = H_AUTH;
	gt_expect_err(LINK_A, rd, sizeof(rd), 0x0a, H_AUTH, BT_ATT_ERR_AUTHENTICATION);
	uint8_t wr_auth[] = { 0x12, H_AUTH, 0, 1 };
	gt_expect_err(LINK_A, wr_auth, sizeof(wr_auth), 0x12, H_AUTH, BT_ATT_ERR_AUTHENTICATION);
	uint8_t wr_ro[] = { 0x12, H_RO, 0, 1 };
	gt_expect_err(LINK_A, wr_ro, sizeof(wr_ro), 0x12, H_RO, BT_ATT_ERR_WRITE_NOT_PERMITTED);
	rd[1] = H_WO;
	gt_expect_err(LINK_A, rd, sizeof(rd), 0x0a, H_WO, BT_ATT_ERR_READ_NOT_PERMITTED);
	/* Nothing reached the callbacks. */
	assert_int_equal(gt_db.reads, 0);
	assert_int_equal(gt_db.val1_writes, 0);
	/* Encrypted with a short key: Encryption Key Size. */
	gt->last_conn->sec_level = BT_SECURITY_L2;
	gt->last_conn->enc_key_size = 7;
	rd[1] = H_ENC;
	gt_expect_err(LINK_A, rd, sizeof(rd), 0x0a, H_ENC, BT_ATT_ERR_ENCRYPTION_KEY_SIZE);
	gt->last_conn->enc_key_size = 16;
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 6);
	rd[1] = H_AUTH;
	gt_expect_err(LINK_A, rd, sizeof(rd), 0x0a, H_AUTH, BT_ATT_ERR_AUTHENTICATION);
	gt->last_conn->sec_level = BT_SECURITY_L3;
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 6);
}

/* ---- writes ---- */

static void test_writes(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	uint8_t wr[] = { 0x12, H_VAL1, 0, 'a', 'b', 'c' };
	assert_int_equal(gt_expect_rsp(LINK_A, wr, sizeof(wr), 0x13, NULL), 1);
	assert_int_equal(gt_db.val1_writes, 1);
	assert_int_equal(gt_db.last_flags, 0);
	uint8_t rd[] = { 0x0a, H_VAL1, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 4);
	assert_memory_equal(rsp + 1, "abc", 3);
	/* Write Command: no answer; the callback sees the CMD flag. */
	uint8_t cmd[] = { 0x52, H_WO, 0, 1, 2, 3, 4 };
	assert_int_equal(gt_att(LINK_A, cmd, sizeof(cmd), &out), 0);
	assert_int_equal(gt_db.sink_writes, 1);
	assert_int_equal(gt_db.sink_len, 4);
	assert_int_equal(gt_db.sink_flags, BT_GATT_WRITE_FLAG_CMD);
	/* A refused command is silent too. */
	uint8_t cmd_ro[] = { 0x52, H_RO, 0, 1 };
	assert_int_equal(gt_att(LINK_A, cmd_ro, sizeof(cmd_ro), &out), 0);
	/* Signed Write without a CSRK: ignored. */
	uint8_t signed_wr[3 + 1 + 12] = { 0xd2, H_WO, 0, 9 };
	assert_int_equal(gt_att(LINK_A, signed_wr, sizeof(signed_wr), &out), 0);
	assert_int_equal(gt_db.sink_writes, 1);
	/* An empty write is a write. */
	uint8_t empty[] = { 0x12, H_WO, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, empty, sizeof(empty), 0x13, NULL), 1);
	assert_int_equal(gt_db.sink_len, 0);
	/* CCC writes never reach the characteristic's write callback. */
	uint8_t ccc[] = { 0x12, H_VAL1_CCC, 0, 0x01, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_A, ccc, sizeof(ccc), 0x13, NULL), 1);
	assert_int_equal(gt_db.val1_writes, 1);
	assert_int_equal(gt_db.ccc_changes, 1);
	assert_int_equal(gt_db.ccc_value, BT_GATT_CCC_NOTIFY);
}

static void test_prepare_execute(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	uint8_t p1[] = { 0x16, H_VAL1, 0, 0, 0, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' };
	assert_int_equal(gt_expect_rsp(LINK_A, p1, sizeof(p1), 0x17, rsp), sizeof(p1));
	assert_memory_equal(rsp + 1, p1 + 1, sizeof(p1) - 1); /* echoed */
	uint8_t p2[] = { 0x16, H_VAL1, 0, 10, 0, 'a', 'b', 'c', 'd', 'e', 'f' };
	assert_int_equal(gt_expect_rsp(LINK_A, p2, sizeof(p2), 0x17, rsp), sizeof(p2));
	/* PREPARE_WRITE permission: the callback saw both parts early. */
	assert_int_equal(gt_db.val1_prepares, 2);
	assert_int_equal(gt_db.val1_writes, 0);
	uint8_t exec[] = { 0x18, 0x01 };
	assert_int_equal(gt_expect_rsp(LINK_A, exec, sizeof(exec), 0x19, NULL), 1);
	assert_int_equal(gt_db.val1_writes, 2);
	assert_int_equal(gt_db.last_flags, BT_GATT_WRITE_FLAG_EXECUTE);
	assert_int_equal(gt_db.last_offset, 10);
	uint8_t rd[] = { 0x0a, H_VAL1, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 17);
	assert_memory_equal(rsp + 1, "0123456789abcdef", 16);
	/* Cancel: nothing written. */
	uint8_t p3[] = { 0x16, H_VAL1, 0, 0, 0, 'z', 'z' };
	assert_int_equal(gt_expect_rsp(LINK_A, p3, sizeof(p3), 0x17, NULL), sizeof(p3));
	uint8_t cancel[] = { 0x18, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_A, cancel, sizeof(cancel), 0x19, NULL), 1);
	assert_int_equal(gt_db.val1_writes, 2);
	/* Executing an empty queue is fine. */
	assert_int_equal(gt_expect_rsp(LINK_A, exec, sizeof(exec), 0x19, NULL), 1);
	/* Offsets and lengths are checked at execution, before any write. */
	uint8_t ok_part[] = { 0x16, H_VAL1, 0, 0, 0, 'q' };
	uint8_t far[] = { 0x16, H_VAL1, 0, 0x58, 0x02, 'x' }; /* offset 600 */
	assert_int_equal(gt_expect_rsp(LINK_A, ok_part, sizeof(ok_part), 0x17, NULL), sizeof(ok_part));
	assert_int_equal(gt_expect_rsp(LINK_A, far, sizeof(far), 0x17, NULL), sizeof(far));
	gt_expect_err(LINK_A, exec, sizeof(exec), 0x18, H_VAL1, BT_ATT_ERR_INVALID_OFFSET);
	assert_int_equal(gt_db.val1_writes, 2);
	uint8_t too_long[] = { 0x16, H_VAL1, 0, 0xfe, 0x01, 1, 2, 3, 4, 5 }; /* 510 + 5 */
	assert_int_equal(gt_expect_rsp(LINK_A, too_long, sizeof(too_long), 0x17, NULL), sizeof(too_long));
	gt_expect_err(LINK_A, exec, sizeof(exec), 0x18, H_VAL1, BT_ATT_ERR_INVALID_ATTRIBUTE_LEN);
	/* The refused queue is gone: the next execution writes nothing. */
	assert_int_equal(gt_expect_rsp(LINK_A, exec, sizeof(exec), 0x19, NULL), 1);
	assert_int_equal(gt_db.val1_writes, 2);
	/* Read-only attributes cannot be prepared. */
	uint8_t ro[] = { 0x16, H_RO, 0, 0, 0, 1 };
	gt_expect_err(LINK_A, ro, sizeof(ro), 0x16, H_RO, BT_ATT_ERR_WRITE_NOT_PERMITTED);
	/* The queue fills: Prepare Queue Full. */
	for (int i = 0; i < ZBLE_GATT_PREPARE_LINK_COUNT; i++) {
		uint8_t part[] = { 0x16, H_WO, 0, (uint8_t)i, 0, (uint8_t)i };
		assert_int_equal(gt_expect_rsp(LINK_A, part, sizeof(part), 0x17, NULL), sizeof(part));
	}
	uint8_t one_more[] = { 0x16, H_WO, 0, 99, 0, 1 };
	gt_expect_err(LINK_A, one_more, sizeof(one_more), 0x16, H_WO, BT_ATT_ERR_PREPARE_QUEUE_FULL);
	assert_int_equal(gt_expect_rsp(LINK_A, exec, sizeof(exec), 0x19, NULL), 1);
	assert_int_equal(gt_db.sink_writes, ZBLE_GATT_PREPARE_LINK_COUNT);
	assert_int_equal(gt_db.sink_flags, BT_GATT_WRITE_FLAG_EXECUTE);
	assert_int_equal(gt->host.gatts.prep_count, 0);
}

/* Prepare Write parts of one link until the server answers Prepare Queue
 * Full; returns how many were queued. */
static int prepare_until_full(uint16_t link, uint16_t handle, uint16_t part_len)
{
	static struct gt_pdus pdus;
	uint8_t part[5 + 240];
	assert_true(part_len <= 240);
	for (int n = 0;; n++) {
		part[0] = 0x16;
		sys_put_le16(handle, part + 1);
		sys_put_le16((uint16_t)(n * part_len), part + 3);
		memset(part + 5, 'a' + (link & 7), part_len);
		gt_att_wait(link, part, (uint16_t)(5 + part_len), &pdus, 1);
		assert_int_equal(pdus.n, 1);
		if (pdus.data[0][0] == 0x01) {
			assert_int_equal(pdus.data[0][4], BT_ATT_ERR_PREPARE_QUEUE_FULL);
			return n;
		}
		assert_int_equal(pdus.data[0][0], 0x17);
		assert_true(n < CONFIG_BT_ATT_PREPARE_COUNT);
	}
}

/* One peer holding the prepare queue as full as it can get leaves every
 * other link its share (issue 9, fault 6): entries. */
static void test_prepare_queue_fair_share(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	gt_connect(LINK_B, 2);
	assert_int_equal(prepare_until_full(LINK_A, H_WO, 1), ZBLE_GATT_PREPARE_LINK_COUNT);
	/* With A's share held, B gets its whole share and writes it. */
	assert_int_equal(prepare_until_full(LINK_B, H_VAL1, 1), ZBLE_GATT_PREPARE_LINK_COUNT);
	uint8_t cancel[] = { 0x18, 0x00 }, exec[] = { 0x18, 0x01 };
	assert_int_equal(gt_expect_rsp(LINK_B, exec, sizeof(exec), 0x19, NULL), 1);
	assert_int_equal(gt_db.val1_len, ZBLE_GATT_PREPARE_LINK_COUNT);
	assert_int_equal(gt_db.val1[ZBLE_GATT_PREPARE_LINK_COUNT - 1], 'a' + (LINK_B & 7));
	/* A's queue was untouched by B's execution. */
	assert_int_equal(gt->host.gatts.prep_count, ZBLE_GATT_PREPARE_LINK_COUNT);
	assert_int_equal(gt_expect_rsp(LINK_A, cancel, sizeof(cancel), 0x19, NULL), 1);
	assert_int_equal(gt_db.sink_writes, 0);
	assert_int_equal(gt->host.gatts.prep_count, 0);
	assert_int_equal(gt->host.gatts.prep_used, 0);
}

/* The same for the value bytes: A, on a large MTU, fills its share of the
 * bytes with few parts; B can still prepare. */
static void test_prepare_queue_fair_bytes(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	gt_connect(LINK_B, 2);
	uint8_t mtu_req[] = { 0x02, 247, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, mtu_req, sizeof(mtu_req), 0x03, NULL), 3);
	enum { PART = 200 };
	assert_int_equal(prepare_until_full(LINK_A, H_WO, PART), ZBLE_GATT_PREPARE_LINK_BUF_SIZE / PART);
	assert_int_equal(prepare_until_full(LINK_B, H_VAL1, 18), ZBLE_GATT_PREPARE_LINK_COUNT);
	uint8_t exec[] = { 0x18, 0x01 };
	assert_int_equal(gt_expect_rsp(LINK_B, exec, sizeof(exec), 0x19, NULL), 1);
	assert_int_equal(gt_db.val1_len, 18 * ZBLE_GATT_PREPARE_LINK_COUNT);
	assert_int_equal(gt_expect_rsp(LINK_A, exec, sizeof(exec), 0x19, NULL), 1);
	assert_int_equal(gt_db.sink_writes, ZBLE_GATT_PREPARE_LINK_BUF_SIZE / PART);
	assert_int_equal(gt_db.sink_len, PART);
	assert_int_equal(gt->host.gatts.prep_count, 0);
}

static void test_prepare_queue_per_link(void **state)
{
	(void)state;
	gt_connect(LINK_A, 1);
	gt_connect(LINK_B, 2);
	uint8_t pa[] = { 0x16, H_VAL1, 0, 0, 0, 'A', 'A' };
	uint8_t pb[] = { 0x16, H_VAL1, 0, 0, 0, 'B', 'B', 'B' };
	assert_int_equal(gt_expect_rsp(LINK_A, pa, sizeof(pa), 0x17, NULL), sizeof(pa));
	assert_int_equal(gt_expect_rsp(LINK_B, pb, sizeof(pb), 0x17, NULL), sizeof(pb));
	uint8_t cancel[] = { 0x18, 0x00 }, exec[] = { 0x18, 0x01 };
	assert_int_equal(gt_expect_rsp(LINK_A, cancel, sizeof(cancel), 0x19, NULL), 1);
	assert_int_equal(gt_expect_rsp(LINK_B, exec, sizeof(exec), 0x19, NULL), 1);
	assert_int_equal(gt_db.val1_len, 3);
	assert_memory_equal(gt_db.val1, "BBB", 3);
	/* A link's queue goes with the link. */
	assert_int_equal(gt_expect_rsp(LINK_A, pa, sizeof(pa), 0x17, NULL), sizeof(pa));
	assert_int_equal(gt->host.gatts.prep_count, 1);
	gt_disconnect(LINK_A);
	assert_int_equal(gt->host.gatts.prep_count, 0);
	assert_int_equal(gt->host.gatts.prep_used, 0);
}

/* ---- CCC, notifications, indications ---- */

static int notify_done;
static void on_notify_done(struct bt_conn *conn, void *user_data)
{
	(void)conn;
	assert_ptr_equal(user_data, &notify_done);
	notify_done++;
}

static void test_ccc_two_links(void **state)
{
	(void)state;
	struct bt_conn *a = gt_connect(LINK_A, 1);
	struct bt_conn *b = gt_connect(LINK_B, 2);
	uint8_t sub_a[] = { 0x12, H_VAL1_CCC, 0, 0x01, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_A, sub_a, sizeof(sub_a), 0x13, NULL), 1);
	assert_int_equal(gt_db.ccc_value, BT_GATT_CCC_NOTIFY);
	/* Each link reads its own configuration. */
	uint8_t rd[] = { 0x0a, H_VAL1_CCC, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 3);
	assert_int_equal(sys_get_le16(rsp + 1), 1);
	assert_int_equal(gt_expect_rsp(LINK_B, rd, sizeof(rd), 0x0b, rsp), 3);
	assert_int_equal(sys_get_le16(rsp + 1), 0);
	uint8_t sub_b[] = { 0x12, H_VAL1_CCC, 0, 0x02, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_B, sub_b, sizeof(sub_b), 0x13, NULL), 1);
	assert_int_equal(gt_db.ccc_value, BT_GATT_CCC_INDICATE); /* the highest */
	assert_true(bt_gatt_is_subscribed(a, &attr_a_svc[2], BT_GATT_CCC_NOTIFY));
	assert_false(bt_gatt_is_subscribed(a, &attr_a_svc[2], BT_GATT_CCC_INDICATE));
	assert_true(bt_gatt_is_subscribed(b, &attr_a_svc[1], BT_GATT_CCC_INDICATE)); /* by declaration */
	assert_true(bt_gatt_is_subscribed(b, &attr_a_svc[3], BT_GATT_CCC_INDICATE)); /* by CCC */
	assert_false(bt_gatt_is_subscribed(b, &attr_a_svc[2], BT_GATT_CCC_NOTIFY));
	/* A notification to all: only A is subscribed to notifications. */
	struct bt_gatt_notify_params np = { .attr = &attr_a_svc[2], .data = "xy", .len = 2, .func = on_notify_done,
					    .user_data = &notify_done };
	notify_done = 0;
	assert_int_equal(bt_gatt_notify_cb(NULL, &np), 0);
	out.n = 0;
	gt_collect(&out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.conn_handle[0], LINK_A);
	static const uint8_t ntf[] = { 0x1b, H_VAL1, 0, 'x', 'y' };
	assert_int_equal(out.len[0], sizeof(ntf));
	assert_memory_equal(out.data[0], ntf, sizeof(ntf));
	assert_int_equal(notify_done, 1);
	/* Directly to B: refused, not subscribed. */
	assert_int_equal(bt_gatt_notify(b, &attr_a_svc[2], "x", 1), -EINVAL);
	/* A's link goes: its entry goes, the highest value is B's. */
	int changes = gt_db.ccc_changes;
	gt_disconnect(LINK_A);
	assert_int_equal(gt_db.ccc_value, BT_GATT_CCC_INDICATE);
	assert_int_equal(gt_db.ccc_changes, changes);
	uint8_t unsub_b[] = { 0x12, H_VAL1_CCC, 0, 0x00, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_B, unsub_b, sizeof(unsub_b), 0x13, NULL), 1);
	assert_int_equal(gt_db.ccc_value, 0);
	assert_int_equal(gt_db.ccc_changes, changes + 1);
	/* Nobody subscribed now. */
	assert_int_equal(bt_gatt_notify(NULL, &attr_a_svc[2], "x", 1), -ENOTCONN);
	bt_conn_unref(a);
	bt_conn_unref(b);
}

static int ind_func_calls, ind_destroyed;
static uint8_t ind_err;
static void on_indicated(struct bt_conn *conn, struct bt_gatt_indicate_params *params, uint8_t err)
{
	(void)conn;
	(void)params;
	ind_func_calls++;
	ind_err = err;
}

static void on_ind_destroy(struct bt_gatt_indicate_params *params)
{
	(void)params;
	ind_destroyed++;
}

static void test_notify_indicate(void **state)
{
	(void)state;
	struct bt_conn *a = gt_connect(LINK_A, 1);
	/* Not subscribed yet. */
	assert_int_equal(bt_gatt_notify(a, &attr_a_svc[2], "x", 1), -EINVAL);
	uint8_t sub[] = { 0x12, H_VAL1_CCC, 0, 0x03, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_A, sub, sizeof(sub), 0x13, NULL), 1);
	/* By declaration, by UUID, by value: all the value handle. */
	assert_int_equal(bt_gatt_notify(a, &attr_a_svc[1], "1", 1), 0);
	assert_int_equal(bt_gatt_notify_uuid(a, BT_UUID_DECLARE_16(0xaaa1), NULL, "2", 1), 0);
	assert_int_equal(bt_gatt_notify_uuid(NULL, BT_UUID_DECLARE_16(0xaaa1), &attr_a_svc[0], "3", 1), 0);
	out.n = 0;
	gt_collect(&out);
	assert_int_equal(out.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(out.data[i][0], 0x1b);
		assert_int_equal(sys_get_le16(&out.data[i][1]), H_VAL1);
		assert_int_equal(out.data[i][3], '1' + i);
	}
	assert_int_equal(bt_gatt_notify_uuid(a, BT_UUID_DECLARE_16(0xbeef), NULL, "x", 1), -ENOENT);
	/* Too long for the MTU: refused, not truncated. */
	uint8_t big[21] = { 0 };
	assert_int_equal(bt_gatt_notify(a, &attr_a_svc[2], big, 21), -EMSGSIZE);
	assert_int_equal(bt_gatt_notify(a, &attr_a_svc[2], big, 20), 0);
	gt_collect(NULL);
	/* A characteristic without NOTIFY. */
	assert_int_equal(bt_gatt_notify(a, &attr_a_svc[5], "x", 1), -EINVAL);
	/* Back-pressure: buffers run out, -ENOMEM, then completions free them. */
	int sent = 0, err = 0;
	notify_done = 0;
	struct bt_gatt_notify_params np = { .attr = &attr_a_svc[2], .data = "p", .len = 1, .func = on_notify_done,
					    .user_data = &notify_done };
	for (int i = 0; i < 100 && !err; i++) {
		err = bt_gatt_notify_cb(a, &np);
		sent += !err;
	}
	assert_int_equal(err, -ENOMEM);
	assert_true(sent >= 1);
	gt_collect(NULL);
	assert_int_equal(notify_done, sent);
	assert_int_equal(bt_gatt_notify_cb(a, &np), 0);
	gt_collect(NULL);
	/* Indication: func once, then destroy once, after the peer confirms. */
	static struct bt_gatt_indicate_params ip;
	ip = (struct bt_gatt_indicate_params){ .attr = &attr_a_svc[2], .func = on_indicated, .destroy = on_ind_destroy,
					       .data = "ind", .len = 3 };
	ind_func_calls = ind_destroyed = 0;
	ind_err = 0xff;
	assert_int_equal(bt_gatt_indicate(NULL, &ip), 0);
	out.n = 0;
	gt_collect(&out);
	assert_int_equal(out.n, 1);
	static const uint8_t ind[] = { 0x1d, H_VAL1, 0, 'i', 'n', 'd' };
	assert_memory_equal(out.data[0], ind, sizeof(ind));
	uint8_t confirm[] = { 0x1e };
	assert_int_equal(gt_att(LINK_A, confirm, sizeof(confirm), &out), 0);
	assert_int_equal(ind_func_calls, 1);
	assert_int_equal(ind_err, 0);
	assert_int_equal(ind_destroyed, 1);
	/* Unsubscribed from indications: refused. */
	uint8_t sub_n[] = { 0x12, H_VAL1_CCC, 0, 0x01, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_A, sub_n, sizeof(sub_n), 0x13, NULL), 1);
	assert_int_equal(bt_gatt_indicate(a, &ip), -EINVAL);
	bt_conn_unref(a);
}

/* ---- Service Changed ---- */

static struct bt_gatt_attr d_attrs[] = {
	BT_GATT_PRIMARY_SERVICE(BT_UUID_DECLARE_16(0xaad0)),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xaad1), BT_GATT_CHRC_READ | BT_GATT_CHRC_NOTIFY, BT_GATT_PERM_READ,
			       bt_gatt_attr_read_cud, NULL, "dyn"),
	BT_GATT_CCC(NULL, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
};
static struct bt_gatt_service d_svc = BT_GATT_SERVICE(d_attrs);
static struct bt_gatt_attr e_attrs[] = {
	BT_GATT_PRIMARY_SERVICE(BT_UUID_DECLARE_16(0xaae0)),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xaae1), BT_GATT_CHRC_READ, BT_GATT_PERM_READ, bt_gatt_attr_read_cud,
			       NULL, "e"),
};
static struct bt_gatt_service e_svc = BT_GATT_SERVICE(e_attrs);
static struct bt_gatt_attr gap_attrs[] = { BT_GATT_PRIMARY_SERVICE(BT_UUID_GAP) };
static struct bt_gatt_service gap_svc = BT_GATT_SERVICE(gap_attrs);

/* Collects indications until n have come, confirming each. */
static int take_indications(uint16_t *ranges, int n)
{
	int got = 0;
	for (int round = 0; round < 4 && got < n; round++) {
		out.n = 0;
		gt_collect_wait(&out, 1);
		for (int i = 0; i < out.n; i++) {
			assert_int_equal(out.data[i][0], 0x1d);
			assert_int_equal(sys_get_le16(&out.data[i][1]), 8);
			assert_int_equal(out.len[i], 7);
			if (got < n) {
				ranges[2 * got] = sys_get_le16(&out.data[i][3]);
				ranges[2 * got + 1] = sys_get_le16(&out.data[i][5]);
			}
			got++;
			uint8_t confirm[] = { 0x1e };
			struct gt_pdus more;
			gt_att(LINK_A, confirm, 1, &more);
			for (int j = 0; j < more.n && got < n; j++) {
				ranges[2 * got] = sys_get_le16(&more.data[j][3]);
				ranges[2 * got + 1] = sys_get_le16(&more.data[j][5]);
				got++;
				gt_att(LINK_A, confirm, 1, NULL);
			}
		}
	}
	return got;
}

static void test_service_changed(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	/* Registration before any link. */
	assert_int_equal(bt_gatt_service_register(&d_svc), 0);
	assert_int_equal(bt_gatt_attr_get_handle(&d_attrs[0]), 36);
	assert_int_equal(bt_gatt_attr_get_handle(&d_attrs[3]), 39);
	assert_int_equal(bt_gatt_service_register(&d_svc), -EALREADY);
	assert_int_equal(bt_gatt_service_register(&gap_svc), -EALREADY);
	struct bt_gatt_service empty = { 0 };
	assert_int_equal(bt_gatt_service_register(&empty), -EINVAL);
	assert_true(bt_gatt_service_is_registered(&d_svc));
	assert_int_equal(bt_gatt_service_unregister(&d_svc), 0);
	assert_int_equal(bt_gatt_attr_get_handle(&d_attrs[0]), 0);
	assert_int_equal(bt_gatt_service_unregister(&d_svc), -ENOENT);
	/* A subscribed link hears about changes. */
	gt_connect(LINK_A, 1);
	uint8_t sub[] = { 0x12, 9, 0, 0x02, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_A, sub, sizeof(sub), 0x13, NULL), 1);
	assert_int_equal(bt_gatt_service_register(&d_svc), 0);
	uint16_t r[4];
	assert_int_equal(take_indications(r, 1), 1);
	assert_int_equal(r[0], 36);
	assert_int_equal(r[1], 39);
	/* The new service is served. */
	uint8_t rd[] = { 0x0a, 38, 0 };
	assert_int_equal(gt_expect_rsp(LINK_A, rd, sizeof(rd), 0x0b, rsp), 4);
	assert_memory_equal(rsp + 1, "dyn", 3);
	/* Two at once: one in flight, the next after it. */
	assert_int_equal(bt_gatt_service_register(&e_svc), 0);
	assert_int_equal(bt_gatt_service_unregister(&d_svc), 0);
	assert_int_equal(take_indications(r, 2), 2);
	assert_int_equal(r[0], 40);
	assert_int_equal(r[1], 42);
	assert_int_equal(r[2], 36);
	assert_int_equal(r[3], 39);
	gt_expect_err(LINK_A, rd, sizeof(rd), 0x0a, 38, BT_ATT_ERR_INVALID_HANDLE);
	/* Re-registered: into the gap it left? No: after the last handle. */
	assert_int_equal(bt_gatt_service_register(&d_svc), 0);
	assert_int_equal(bt_gatt_attr_get_handle(&d_attrs[0]), 43);
	assert_int_equal(take_indications(r, 1), 1);
	assert_int_equal(r[0], 43);
	/* An unsubscribed link hears nothing. */
	uint8_t unsub[] = { 0x12, 9, 0, 0x00, 0x00 };
	assert_int_equal(gt_expect_rsp(LINK_A, unsub, sizeof(unsub), 0x13, NULL), 1);
	assert_int_equal(bt_gatt_service_unregister(&e_svc), 0);
	out.n = 0;
	gt_collect(&out);
	assert_int_equal(out.n, 0);
	assert_int_equal(bt_gatt_service_unregister(&d_svc), 0);
}

static void test_preset_handles(void **state)
{
	(void)state;
	assert_int_equal(bt_enable(NULL), 0);
	d_attrs[0].handle = 100;
	assert_int_equal(bt_gatt_service_register(&d_svc), 0);
	assert_int_equal(bt_gatt_attr_get_handle(&d_attrs[3]), 103);
	/* e_svc goes after the last handle, 104. */
	assert_int_equal(bt_gatt_service_register(&e_svc), 0);
	assert_int_equal(bt_gatt_attr_get_handle(&e_attrs[0]), 104);
	assert_int_equal(bt_gatt_service_unregister(&e_svc), 0);
	/* Overlapping presets are refused. */
	e_attrs[0].handle = 102;
	assert_int_equal(bt_gatt_service_register(&e_svc), -EEXIST);
	e_attrs[0].handle = 0;
	assert_int_equal(bt_gatt_service_unregister(&d_svc), 0);
	assert_int_equal(bt_gatt_attr_get_handle(&d_attrs[0]), 100); /* preset: kept */
	d_attrs[0].handle = 0;
}

/* ---- UUIDs ---- */

static void test_uuid(void **state)
{
	(void)state;
	const struct bt_uuid *u16 = BT_UUID_DECLARE_16(0x180d);
	const struct bt_uuid *u32 = BT_UUID_DECLARE_32(0x0000180d);
	const struct bt_uuid *u128 =
		BT_UUID_DECLARE_128(BT_UUID_128_ENCODE(0x0000180d, 0x0000, 0x1000, 0x8000, 0x00805f9b34fbULL));
	assert_int_equal(bt_uuid_cmp(u16, u32), 0);
	assert_int_equal(bt_uuid_cmp(u16, u128), 0);
	assert_int_equal(bt_uuid_cmp(u32, u128), 0);
	assert_true(bt_uuid_cmp(u16, BT_UUID_DECLARE_16(0x180f)) < 0);
	assert_true(bt_uuid_cmp(gt_uuid_b_svc, u16) != 0);
	union bt_uuid_any any;
	const uint8_t two[] = { 0x0d, 0x18 };
	assert_true(bt_uuid_create(&any.uuid, two, 2));
	assert_int_equal(any.uuid.type, BT_UUID_TYPE_16);
	assert_int_equal(bt_uuid_cmp(&any.uuid, u16), 0);
	const uint8_t four[] = { 0x0d, 0x18, 0x00, 0x00 };
	assert_true(bt_uuid_create(&any.uuid, four, 4));
	assert_int_equal(bt_uuid_cmp(&any.uuid, u128), 0);
	assert_true(bt_uuid_create(&any.uuid, BT_UUID_128(gt_uuid_b_svc)->val, 16));
	assert_int_equal(bt_uuid_cmp(&any.uuid, gt_uuid_b_svc), 0);
	assert_false(bt_uuid_create(&any.uuid, two, 3));
	char s[BT_UUID_STR_LEN];
	bt_uuid_to_str(u16, s, sizeof(s));
	assert_string_equal(s, "180d");
	bt_uuid_to_str(BT_UUID_DECLARE_32(0x12345678), s, sizeof(s));
	assert_string_equal(s, "12345678");
	bt_uuid_to_str(gt_uuid_b_svc, s, sizeof(s));
	assert_string_equal(s, "12345678-1234-5678-9abc-0123456789ab");
	bt_uuid_to_str(gt_uuid_b_svc, s, 5);
	assert_string_equal(s, "1234");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid),
		cmocka_unit_test_setup_teardown(test_layout, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_primary_services, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_find_by_type_value, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_characteristics_and_descriptors, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_device_name_and_appearance, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_reads, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_permissions, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_writes, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_prepare_execute, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_prepare_queue_per_link, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_prepare_queue_fair_share, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_prepare_queue_fair_bytes, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_ccc_two_links, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_notify_indicate, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_service_changed, gt_setup, gt_teardown),
		cmocka_unit_test_setup_teardown(test_preset_handles, gt_setup, gt_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
