/* Host on the scripted controller for the GATT tests (gatt_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "gatt_test.h"

struct gt_env *gt;

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	(void)err;
	gt->last_conn = conn;
	k_sem_give(&gt->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	(void)reason;
	k_sem_give(&gt->disconnected);
}

int gt_setup(void **state)
{
	gt = calloc(1, sizeof(*gt));
	ktest_setup(&gt->k);
	fake_ctrl_init(&gt->ctrl);
	assert_int_equal(zble_host_init(&gt->host, &gt->k.k, &gt->ctrl.drv), 0);
	k_sem_init(&gt->connected, 0, 10);
	k_sem_init(&gt->disconnected, 0, 10);
	gt->cb.connected = on_connected;
	gt->cb.disconnected = on_disconnected;
	bt_conn_cb_register(&gt->cb);
	gt_db_reset();
	*state = gt;
	return 0;
}

int gt_teardown(void **state)
{
	(void)state;
	zble_host_deinit(&gt->host);
	ktest_teardown(&gt->k);
	free(gt);
	gt = NULL;
	return 0;
}

struct bt_conn *gt_connect(uint16_t handle, uint8_t peer_last)
{
	if (!bt_is_ready()) {
		assert_int_equal(bt_enable(NULL), 0);
	}
	uint8_t peer[6] = { 0x10, 0x20, 0x30, 0x40, 0x50, peer_last };
	bt_addr_le_t a = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(a.a.val, peer, 6);
	struct bt_conn *conn = NULL;
	assert_int_equal(bt_conn_le_create(&a, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn), 0);
	fake_ctrl_conn_complete(&gt->ctrl, false, 0, handle, BT_HCI_ROLE_CENTRAL, peer);
	assert_int_equal(k_sem_take(&gt->connected, K_SECONDS(5)), 0);
	gt_collect(NULL); /* whatever the link set-up sent */
	return conn;
}

void gt_disconnect(uint16_t handle)
{
	fake_ctrl_disconn_complete(&gt->ctrl, handle, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	assert_int_equal(k_sem_take(&gt->disconnected, K_SECONDS(5)), 0);
}

static void emit(struct gt_pdus *out, uint16_t h, const uint8_t *pdu, uint16_t len)
{
	if (!out || sys_get_le16(pdu + 2) != 0x0004) {
		return;
	}
	assert_true(out->n < GT_MAX_PDUS);
	out->conn_handle[out->n] = h;
	out->len[out->n] = (uint16_t)(len - 4);
	memcpy(out->data[out->n], pdu + 4, len - 4u);
	out->n++;
}

/* Reassembles the fragments logged since the last call into PDUs. */
static void take_fragments(struct gt_pdus *out)
{
	struct fake_ctrl *c = &gt->ctrl;
	for (int i = gt->seen; i < c->n_acl; i++) {
		uint16_t h = c->acl_hdr[i] & 0x0fff;
		bool cont = ((c->acl_hdr[i] >> 12) & 3) == 1;
		const uint8_t *d = c->acl_data + gt->seen_bytes;
		uint16_t n = c->acl_len[i];
		gt->seen_bytes += n;
		int slot = -1;
		for (int s = 0; s < 4 && slot < 0; s++) {
			if (gt->rx[s].need && gt->rx[s].h == h) {
				slot = s;
			}
		}
		if (!cont) {
			for (int s = 0; s < 4 && slot < 0; s++) {
				if (!gt->rx[s].need) {
					slot = s;
				}
			}
			assert_true(slot >= 0 && n >= 4);
			gt->rx[slot].h = h;
			gt->rx[slot].got = 0;
			gt->rx[slot].need = (uint16_t)(4 + sys_get_le16(d));
		}
		assert_true(slot >= 0);
		assert_true(gt->rx[slot].got + n <= sizeof(gt->rx[slot].buf));
		memcpy(gt->rx[slot].buf + gt->rx[slot].got, d, n);
		gt->rx[slot].got = (uint16_t)(gt->rx[slot].got + n);
		if (gt->rx[slot].got >= gt->rx[slot].need) {
			emit(out, h, gt->rx[slot].buf, gt->rx[slot].need);
			gt->rx[slot].need = 0;
		}
	}
}

/* Collects until at least `least` PDUs are in out (bounded: a broken host
 * fails the caller's check instead of hanging), then until a few quiet
 * rounds pass. */
void gt_collect_wait(struct gt_pdus *out, int least)
{
	struct fake_ctrl *c = &gt->ctrl;
	/* Done after a few quiet rounds: on real threads the host may still be
	 * working on the last credits given back. The controller's log is
	 * read under the host lock, which the host holds when it sends. A
	 * loaded machine may not run the host for several rounds: an answer
	 * the caller knows must come is waited for. */
	for (int round = 0, quiet = 0; round < 4000 && (quiet < 3 || (out && out->n < least)); round++) {
		ktest_run_ms(&gt->k, 5);
		uint16_t nocp[64];
		int n_nocp = 0;
		k_mutex_lock(&gt->host.lock, K_FOREVER);
		if (c->n_acl != gt->seen) {
			take_fragments(out);
			for (int i = gt->seen; i < c->n_acl; i++) {
				nocp[n_nocp++] = c->acl_hdr[i] & 0x0fff;
			}
			gt->seen = c->n_acl;
			if (c->n_acl > 40) {
				c->n_acl = 0;
				c->acl_bytes = 0;
				gt->seen = 0;
				gt->seen_bytes = 0;
			}
		}
		k_mutex_unlock(&gt->host.lock);
		quiet = n_nocp ? 0 : quiet + 1;
		/* Give back each fragment's buffer to its link. */
		for (int i = 0; i < n_nocp; i++) {
			fake_ctrl_nocp(c, nocp[i], 1);
		}
	}
	/* Callbacks ran in the host context under its lock: taking it orders
	 * what they wrote before what the test reads (threads backend). */
	k_mutex_lock(&gt->host.lock, K_FOREVER);
	k_mutex_unlock(&gt->host.lock);
}

void gt_collect(struct gt_pdus *out)
{
	gt_collect_wait(out, 0);
}

int gt_att_wait(uint16_t conn_handle, const uint8_t *pdu, uint16_t len, struct gt_pdus *out, int least)
{
	uint8_t l2[4 + 512];
	assert_true(len <= 512);
	sys_put_le16(len, l2);
	sys_put_le16(0x0004, l2 + 2);
	memcpy(l2 + 4, pdu, len);
	if (out) {
		out->n = 0;
	}
	fake_ctrl_acl(&gt->ctrl, conn_handle, 2, l2, (uint16_t)(4 + len));
	gt_collect_wait(out, least);
	return out ? out->n : 0;
}

int gt_att(uint16_t conn_handle, const uint8_t *pdu, uint16_t len, struct gt_pdus *out)
{
	return gt_att_wait(conn_handle, pdu, len, out, 0);
}

void gt_expect_err(uint16_t conn_handle, const uint8_t *pdu, uint16_t len, uint8_t op, uint16_t handle, uint8_t err)
{
	static struct gt_pdus out;
	gt_att_wait(conn_handle, pdu, len, &out, 1);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.len[0], 5);
	assert_int_equal(out.data[0][0], 0x01);
	assert_int_equal(out.data[0][1], op);
	assert_int_equal(sys_get_le16(&out.data[0][2]), handle);
	assert_int_equal(out.data[0][4], err);
}

uint16_t gt_expect_rsp(uint16_t conn_handle, const uint8_t *pdu, uint16_t len, uint8_t rsp_op, uint8_t *rsp)
{
	static struct gt_pdus out;
	gt_att_wait(conn_handle, pdu, len, &out, 1);
	assert_int_equal(out.n, 1);
	if (out.data[0][0] != rsp_op) {
		print_error("expected opcode 0x%02x, got 0x%02x (%02x %02x %02x %02x)\n", rsp_op, out.data[0][0],
			    out.data[0][1], out.data[0][2], out.data[0][3], out.data[0][4]);
	}
	assert_int_equal(out.data[0][0], rsp_op);
	if (rsp) {
		memcpy(rsp, out.data[0], out.len[0]);
	}
	return out.len[0];
}
