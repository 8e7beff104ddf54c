/* A peripheral's Connection Parameter Update Requests seen by the central
 * (issue 9, fault 5): a flood is answered "accepted" only for the LE
 * Connection Updates that really started, never holds more than one command
 * per link, and leaves the command pool to the application. The controller
 * is scripted: it holds every LE Connection Update until the test gives its
 * Command Status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/conn.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "l2cap_test_util.h"

#define SIG_PARAM_REQ 0x12
#define SIG_PARAM_RSP 0x13
#define VENDOR_OP 0xfc01 /* a command the application keeps in flight */

static void cmd_status_in(uint16_t opcode, uint8_t status)
{
	uint8_t p[4] = { status, 1 };
	sys_put_le16(opcode, p + 2);
	fake_ctrl_event(&g->ctrl, BT_HCI_EVT_CMD_STATUS, p, sizeof(p));
	run();
}

static void cmd_complete_in(uint16_t opcode)
{
	uint8_t p[4] = { 1, 0, 0, 0 };
	sys_put_le16(opcode, p + 1);
	fake_ctrl_event(&g->ctrl, BT_HCI_EVT_CMD_COMPLETE, p, sizeof(p));
	run();
}

static void param_req_bytes(uint8_t *req, uint16_t interval)
{
	sys_put_le16(interval, req);
	sys_put_le16((uint16_t)(interval + 16), req + 2);
	sys_put_le16(0, req + 4);
	sys_put_le16(400, req + 6);
}

static uint16_t cmd_pool_free(void)
{
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&g->host.cmd_pool, &st);
	return st.free;
}

/* Lets the host run until cond holds (bounded: on the threads backend a
 * loaded machine may not run the host at once; the asserts that follow
 * catch a host that never gets there). */
#define WAIT_UNTIL(cond)                                                                      \
	do {                                                                                  \
		for (int tries_ = 0; tries_ < 500 && !(cond); tries_++) {                     \
			run();                                                                \
		}                                                                             \
	} while (0)

/* Requests the host has dealt with: answered, in flight or waiting. */
static uint32_t param_handled(void)
{
	k_mutex_lock(&g->host.lock, K_FOREVER);
	const struct zble_l2cap_conn *l = &g->conn->l2cap;
	uint32_t n = g->host.l2cap.stats.param_started + g->host.l2cap.stats.param_refused + l->param_busy +
		     (l->param_queued_ident != 0);
	k_mutex_unlock(&g->host.lock);
	return n;
}

static uint32_t param_answered(void)
{
	k_mutex_lock(&g->host.lock, K_FOREVER);
	uint32_t n = g->host.l2cap.stats.param_started + g->host.l2cap.stats.param_refused;
	k_mutex_unlock(&g->host.lock);
	return n;
}

static int vendor_sent(void)
{
	k_mutex_lock(&g->host.lock, K_FOREVER);
	int n = fake_ctrl_count(&g->ctrl, VENDOR_OP);
	k_mutex_unlock(&g->host.lock);
	return n;
}

static int updates_sent(void)
{
	k_mutex_lock(&g->host.lock, K_FOREVER);
	int n = fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_CONN_UPDATE);
	k_mutex_unlock(&g->host.lock);
	return n;
}

static int responses(int *accepted);

/* Collects responses until every answer the host gave is in g->out. */
static void take_responses(void)
{
	int accepted;
	for (int tries = 0; tries < 500; tries++) {
		take();
		if (responses(&accepted) == (int)param_answered()) {
			return;
		}
	}
}

/* Responses in g->out: how many, and how many of them accepted. */
static int responses(int *accepted)
{
	int n = 0, ok = 0;
	for (int idx; (idx = find_sig(SIG_PARAM_RSP, n)) >= 0; n++) {
		assert_int_equal(g->out[idx].len, 6);
		ok += sys_get_le16(g->out[idx].d + 4) == 0;
	}
	*accepted = ok;
	return n;
}

static void test_param_request_flood(void **state)
{
	(void)state;
	env_link();
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_LE_CONN_UPDATE, FAKE_SILENT, 0);
	enum { N = 200 };
	int answered = 0, started = 0;
	uint8_t req[8];
	out_reset();
	for (int i = 0; i < N; i++) {
		param_req_bytes(req, (uint16_t)(24 + i % 16));
		sig_in(SIG_PARAM_REQ, req, sizeof(req));
		WAIT_UNTIL(param_handled() == (uint32_t)i + 1);
		assert_int_equal(param_handled(), i + 1);
		take_responses(); /* the peer reads them: the ACL buffers come back */
		if (i % 10 != 9) {
			continue;
		}
		/* One LE Connection Update in flight, nothing queued behind it:
		 * the pool stays the application's. */
		WAIT_UNTIL(updates_sent() - answered == 1);
		assert_int_equal(updates_sent() - answered, 1);
		assert_int_equal(cmd_pool_free(), CONFIG_BT_BUF_CMD_TX_COUNT - 1);
		/* The controller starts two of three, refuses the third. */
		uint8_t status = answered % 3 == 2 ? BT_HCI_ERR_CMD_DISALLOWED : 0;
		uint32_t before = param_answered();
		cmd_status_in(BT_HCI_OP_LE_CONN_UPDATE, status);
		WAIT_UNTIL(param_answered() == before + 1);
		answered++;
		started += status == 0;
	}
	/* The newest request was still waiting: it goes now. */
	WAIT_UNTIL(updates_sent() - answered == 1);
	assert_int_equal(updates_sent() - answered, 1);
	k_mutex_lock(&g->host.lock, K_FOREVER);
	assert_memory_equal(g->ctrl.last_params + 2, req, sizeof(req));
	k_mutex_unlock(&g->host.lock);
	uint32_t before = param_answered();
	cmd_status_in(BT_HCI_OP_LE_CONN_UPDATE, 0);
	WAIT_UNTIL(param_answered() == before + 1);
	answered++;
	started++;
	take_responses();

	/* Every request answered once; "accepted" exactly for those started. */
	int accepted;
	assert_int_equal(responses(&accepted), N);
	assert_int_equal(accepted, started);
	assert_int_equal(g->host.l2cap.stats.param_started, (uint32_t)started);
	assert_int_equal(g->host.l2cap.stats.param_refused, (uint32_t)(N - started));
	assert_int_equal(g->host.stats.acl_dropped, 0);
	assert_int_equal(fake_ctrl_count(&g->ctrl, BT_HCI_OP_LE_CONN_UPDATE), answered);
	assert_int_equal(cmd_pool_free(), CONFIG_BT_BUF_CMD_TX_COUNT);

	/* The application's own commands still go through. */
	assert_int_equal(bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL), 0);
	assert_int_equal(bt_le_scan_stop(), 0);
	assert_int_equal(bt_le_adv_start(BT_LE_ADV_NCONN, NULL, 0, NULL, 0), 0);
	assert_int_equal(bt_le_adv_stop(), 0);
	assert_pools_full();
}

/* With the command pool down to its reserve (the application's commands
 * waiting for the controller), a request is refused at once and takes no
 * buffer; once the pool is back, a request is accepted after it started. */
static void test_param_request_keeps_reserve(void **state)
{
	(void)state;
	env_link();
	fake_ctrl_rule(&g->ctrl, VENDOR_OP, FAKE_SILENT, 0);
	enum { HELD = CONFIG_BT_BUF_CMD_TX_COUNT - ZBLE_L2CAP_PARAM_CMD_RESERVE };
	k_mutex_lock(&g->host.lock, K_FOREVER);
	for (int i = 0; i < HELD; i++) {
		assert_int_equal(zble_hci_cmd_send(&g->host, VENDOR_OP, NULL, 0, NULL, NULL, NULL), 0);
	}
	k_mutex_unlock(&g->host.lock);
	run();
	assert_int_equal(cmd_pool_free(), ZBLE_L2CAP_PARAM_CMD_RESERVE);

	uint8_t req[8];
	param_req_bytes(req, 40);
	out_reset();
	sig_in(SIG_PARAM_REQ, req, sizeof(req));
	WAIT_UNTIL(param_answered() == 1);
	take_responses();
	int accepted;
	assert_int_equal(responses(&accepted), 1);
	assert_int_equal(accepted, 0);
	assert_int_equal(updates_sent(), 0);
	assert_int_equal(cmd_pool_free(), ZBLE_L2CAP_PARAM_CMD_RESERVE);

	/* The controller answers the application's commands one by one. */
	for (int i = 0; i < HELD; i++) {
		WAIT_UNTIL(vendor_sent() == i + 1);
		assert_int_equal(vendor_sent(), i + 1);
		cmd_complete_in(VENDOR_OP);
	}
	WAIT_UNTIL(cmd_pool_free() == CONFIG_BT_BUF_CMD_TX_COUNT);
	assert_int_equal(cmd_pool_free(), CONFIG_BT_BUF_CMD_TX_COUNT);

	out_reset();
	sig_in(SIG_PARAM_REQ, req, sizeof(req));
	WAIT_UNTIL(param_answered() == 2);
	take_responses();
	assert_int_equal(responses(&accepted), 1);
	assert_int_equal(accepted, 1);
	assert_int_equal(updates_sent(), 1);
	k_mutex_lock(&g->host.lock, K_FOREVER);
	assert_memory_equal(g->ctrl.last_params + 2, req, sizeof(req));
	k_mutex_unlock(&g->host.lock);
	assert_int_equal(cmd_pool_free(), CONFIG_BT_BUF_CMD_TX_COUNT);
	assert_pools_full();
}

/* The link goes while its update is in flight: the late Command Status
 * answers nobody, the waiting request is dropped, the connection object is
 * released. */
static void test_param_request_link_lost(void **state)
{
	(void)state;
	env_link();
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_LE_CONN_UPDATE, FAKE_SILENT, 0);
	uint8_t req[8];
	out_reset();
	param_req_bytes(req, 30);
	sig_in(SIG_PARAM_REQ, req, sizeof(req));
	param_req_bytes(req, 50);
	sig_in(SIG_PARAM_REQ, req, sizeof(req));
	WAIT_UNTIL(param_handled() == 2);
	assert_int_equal(param_handled(), 2); /* one in flight, one waiting */
	take_all();
	int accepted;
	assert_int_equal(responses(&accepted), 0);
	fake_ctrl_disconn_complete(&g->ctrl, LINK, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
	assert_int_equal(k_sem_take(&g->disconnected, K_SECONDS(5)), 0);
	run();
	cmd_status_in(BT_HCI_OP_LE_CONN_UPDATE, 0);
	WAIT_UNTIL(atomic_get(&g->conn->ref) == 0);
	take_all();
	assert_int_equal(responses(&accepted), 0);
	assert_int_equal(updates_sent(), 1);
	assert_int_equal(atomic_get(&g->conn->ref), 0);
	assert_int_equal(cmd_pool_free(), CONFIG_BT_BUF_CMD_TX_COUNT);
}

/* bt_disable() with an update in flight and a request waiting: the flush
 * finishes the command, nothing new is queued behind it, the connection
 * object and every command buffer come back. */
static void test_param_request_at_disable(void **state)
{
	(void)state;
	env_link();
	fake_ctrl_rule(&g->ctrl, BT_HCI_OP_LE_CONN_UPDATE, FAKE_SILENT, 0);
	uint8_t req[8];
	out_reset();
	param_req_bytes(req, 30);
	sig_in(SIG_PARAM_REQ, req, sizeof(req));
	param_req_bytes(req, 50);
	sig_in(SIG_PARAM_REQ, req, sizeof(req));
	WAIT_UNTIL(param_handled() == 2 && updates_sent() == 1);
	assert_int_equal(param_handled(), 2); /* one in flight, one waiting */
	assert_int_equal(updates_sent(), 1);
	struct bt_conn *conn = g->conn;
	assert_int_equal(bt_disable(), 0);
	run();
	assert_int_equal(atomic_get(&conn->ref), 0);
	assert_int_equal(cmd_pool_free(), CONFIG_BT_BUF_CMD_TX_COUNT);
	assert_int_equal(updates_sent(), 1);
	/* Enabled again: no stale command of the old link goes out. */
	assert_int_equal(bt_enable(NULL), 0);
	run();
	assert_int_equal(updates_sent(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_param_request_flood, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_param_request_keeps_reserve, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_param_request_link_lost, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_param_request_at_disable, env_setup, env_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
