/* Shared by the GATT server tests: a host on the scripted controller, ATT
 * exchanges on its links, and the test database (gatt_test_db.c). */
#ifndef GATT_TEST_H
#define GATT_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include <zephyr/bluetooth/gatt.h>

#include "fake_ctrl.h"
#include "ktest.h"
#include "zble/host.h"

struct gt_env {
	struct ktest_env k;
	struct fake_ctrl ctrl;
	struct zble_host host;
	struct bt_conn_cb cb;
	struct k_sem connected, disconnected;
	struct bt_conn *last_conn;
	int seen; /* ACL fragments of ctrl's log already collected */
	size_t seen_bytes;
	struct {
		uint16_t h, got, need; /* need 0: idle */
		uint8_t buf[4 + 256];
	} rx[4]; /* reassembly per link (by slot) */
};

extern struct gt_env *gt;

int gt_setup(void **state);
int gt_teardown(void **state);
/* bt_enable, then a central link with that handle to peer ..:peer_last. */
struct bt_conn *gt_connect(uint16_t handle, uint8_t peer_last);
void gt_disconnect(uint16_t handle);

#define GT_MAX_PDUS 48
/* ATT PDUs the host sent (L2CAP header removed), with their link. */
struct gt_pdus {
	int n;
	uint16_t conn_handle[GT_MAX_PDUS];
	uint16_t len[GT_MAX_PDUS];
	uint8_t data[GT_MAX_PDUS][256];
};

/* Lets the host run, gives the controller's buffers back, and collects
 * every ATT PDU sent meanwhile into out (appended; may be NULL). */
void gt_collect(struct gt_pdus *out);
/* As gt_collect, waiting (bounded) until out holds at least `least` PDUs. */
void gt_collect_wait(struct gt_pdus *out, int least);
/* Sends one ATT PDU from the peer of conn_handle; returns the PDUs sent
 * back (out is cleared first). */
int gt_att(uint16_t conn_handle, const uint8_t *pdu, uint16_t len, struct gt_pdus *out);
/* As gt_att, waiting (bounded) until at least `least` PDUs came back: for
 * answers that must come, on a loaded machine too. */
int gt_att_wait(uint16_t conn_handle, const uint8_t *pdu, uint16_t len, struct gt_pdus *out, int least);
/* As gt_att, asserting exactly one answer: an Error Response with these
 * fields. */
void gt_expect_err(uint16_t conn_handle, const uint8_t *pdu, uint16_t len, uint8_t op, uint16_t handle, uint8_t err);
/* As gt_att, asserting exactly one answer with that opcode; returns its
 * length and copies it to rsp (may be NULL). */
uint16_t gt_expect_rsp(uint16_t conn_handle, const uint8_t *pdu, uint16_t len, uint8_t rsp_op, uint8_t *rsp);

/* ---- the test database (gatt_test_db.c) ----
 * a_svc  10..26  primary 0xaaa0
 * b_svc  27..32  primary 128-bit, includes c_sec
 * c_sec  33..35  secondary 0xaac0
 * (registered ones from 36 on) */
extern const struct bt_gatt_attr attr_a_svc[];
extern const struct bt_gatt_attr attr_b_svc[];
extern const struct bt_gatt_attr attr_c_sec[];
extern const struct bt_uuid *const gt_uuid_b_svc;
extern const struct bt_uuid *const gt_uuid_long_chrc;

#define H_VAL1 12
#define H_VAL1_CCC 13
#define H_CUD 14
#define H_LONG_DECL 15
#define H_LONG 16
#define H_ENC 18
#define H_RO 20
#define H_WO 22
#define H_APPERR 24
#define H_AUTH 26
#define H_B_SVC 27
#define H_B_VAL 30
#define H_B_CCC 31
#define H_C_SEC 33
#define GT_LONG_LEN 100

struct gt_db {
	uint8_t val1[BT_ATT_MAX_ATTRIBUTE_LEN];
	uint16_t val1_len;
	int val1_writes, val1_prepares;
	uint8_t last_flags;
	uint16_t last_offset;
	int sink_writes;
	uint16_t sink_len;
	uint8_t sink_flags;
	int ccc_changes;
	uint16_t ccc_value;
	int reads;
};
extern struct gt_db gt_db;
void gt_db_reset(void);

#endif
