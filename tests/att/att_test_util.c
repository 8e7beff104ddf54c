#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "att_test_util.h"

struct att_env *t;

static void on_connected(struct bt_conn *conn, uint8_t err)
{
	(void)conn;
	(void)err;
	k_sem_give(&t->connected);
}

static void on_disconnected(struct bt_conn *conn, uint8_t reason)
{
	(void)conn;
	(void)reason;
	t->disconnects++;
	k_sem_give(&t->disconnected);
}

int att_setup(void **state)
{
	t = calloc(1, sizeof(*t));
	ktest_setup(&t->k);
	fake_ctrl_init(&t->ctrl);
	t->ctrl.acl_mtu = 251;
	assert_int_equal(zble_host_init(&t->host, &t->k.k, &t->ctrl.drv), 0);
	k_sem_init(&t->connected, 0, 10);
	k_sem_init(&t->disconnected, 0, 10);
	t->cb.connected = on_connected;
	t->cb.disconnected = on_disconnected;
	bt_conn_cb_register(&t->cb);
	assert_int_equal(bt_enable(NULL), 0);
	att_connect();
	*state = t;
	return 0;
}

void att_connect(void)
{
	static const uint8_t peer[6] = { 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6 };
	bt_addr_le_t addr = { .type = BT_ADDR_LE_PUBLIC };
	memcpy(addr.a.val, peer, 6);
	if (t->conn) {
		bt_conn_unref(t->conn);
		t->conn = NULL;
	}
	assert_int_equal(bt_conn_le_create(&addr, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &t->conn), 0);
	fake_ctrl_conn_complete(&t->ctrl, false, 0, ATT_HANDLE, BT_HCI_ROLE_CENTRAL, peer);
	assert_int_equal(k_sem_take(&t->connected, K_SECONDS(5)), 0);
	att_run();
}

int att_teardown(void **state)
{
	(void)state;
	if (t->conn) {
		bt_conn_unref(t->conn);
	}
	zble_host_deinit(&t->host);
	ktest_teardown(&t->k);
	free(t);
	t = NULL;
	return 0;
}

void att_run(void)
{
	/* At least 20 ms: the bearer's buffer retry runs every 10 ms. */
	for (int i = 0; i < 40; i++) {
		ktest_run_ms(&t->k, 2);
		/* The host's TX work writes the count under the host lock
		 * (threads backend: another thread). */
		k_mutex_lock(&t->host.lock, K_FOREVER);
		int sent = t->ctrl.n_acl;
		k_mutex_unlock(&t->host.lock);
		if (t->hold || sent == t->acked) {
			if (i >= 10) {
				break;
			}
			continue;
		}
		fake_ctrl_nocp(&t->ctrl, ATT_HANDLE, (uint16_t)(sent - t->acked));
		t->acked = sent;
	}
}

void att_in(const uint8_t *pdu, uint16_t len)
{
	uint8_t l2[4 + 251];
	assert_true(len <= 251);
	sys_put_le16(len, l2);
	sys_put_le16(0x0004, l2 + 2);
	memcpy(l2 + 4, pdu, len);
	fake_ctrl_acl(&t->ctrl, ATT_HANDLE, 2, l2, (uint16_t)(4 + len));
}

const uint8_t *att_out(uint16_t *len)
{
	while (t->rd + 4 <= t->ctrl.acl_bytes) {
		const uint8_t *p = t->ctrl.acl_data + t->rd;
		uint16_t n = sys_get_le16(p);
		uint16_t cid = sys_get_le16(p + 2);
		t->rd += 4u + n;
		if (cid == 0x0004) {
			*len = n;
			return p + 4;
		}
	}
	/* All read: start the log over (the fake keeps 64 fragments). */
	if (t->rd == t->ctrl.acl_bytes && t->acked == t->ctrl.n_acl && !t->hold) {
		t->ctrl.acl_bytes = 0;
		t->ctrl.n_acl = 0;
		t->acked = 0;
		t->rd = 0;
	}
	return NULL;
}

void att_expect(const uint8_t *pdu, uint16_t len)
{
	uint16_t n = 0;
	const uint8_t *p = att_out(&n);
	assert_non_null(p);
	assert_int_equal(n, len);
	assert_memory_equal(p, pdu, len);
}

void att_expect_none(void)
{
	uint16_t n;
	assert_null(att_out(&n));
}

void att_drop_link(void)
{
	fake_ctrl_disconn_complete(&t->ctrl, ATT_HANDLE, BT_HCI_ERR_CONN_TIMEOUT);
	assert_int_equal(k_sem_take(&t->disconnected, K_SECONDS(5)), 0);
	att_run();
}

int att_tx_free(void)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&t->host.tx_pool, &st);
	return st.free;
}
