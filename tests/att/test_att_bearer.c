/* The ATT bearer against a scripted peer: Exchange MTU both ways and the
 * callbacks on our side, unknown and malformed PDUs, answers that wait for
 * a TX buffer, indications one at a time with their timeout, many
 * notifications in flight, values for subscriptions. Both backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/sys/byteorder.h>

#include "att_test_util.h"

static struct {
	int mtu_calls;
	uint16_t tx, rx;
	int exchange_calls;
	uint8_t exchange_err;
	int done_calls[8];
	int done_err[8];
} r;

static void mtu_updated(struct bt_conn *conn, uint16_t tx, uint16_t rx)
{
	assert_ptr_equal(conn, t->conn);
	r.mtu_calls++;
	r.tx = tx;
	r.rx = rx;
}

static struct bt_gatt_cb gatt_cb = { .att_mtu_updated = mtu_updated };

static int setup(void **state)
{
	memset(&r, 0, sizeof(r));
	int rc = att_setup(state);
	bt_gatt_cb_register(&gatt_cb);
	return rc;
}

static void exchange_func(struct bt_conn *conn, uint8_t err, struct bt_gatt_exchange_params *params)
{
	(void)conn;
	(void)params;
	r.exchange_calls++;
	r.exchange_err = err;
}

/* The peer asks: we answer with our MTU; the smaller one applies, once. */
static void test_mtu_peer_asks(void **state)
{
	(void)state;
	assert_int_equal(bt_gatt_get_mtu(t->conn), 23);
	ATT_IN(0x02, 100, 0);
	att_run();
	ATT_EXPECT(0x03, CONFIG_BT_ATT_MTU & 0xff, CONFIG_BT_ATT_MTU >> 8);
	assert_int_equal(bt_gatt_get_mtu(t->conn), 100);
	assert_int_equal(r.mtu_calls, 1);
	assert_int_equal(r.tx, 100);
	assert_int_equal(r.rx, 100);
	/* Again: answered, nothing changes. */
	ATT_IN(0x02, 200, 0);
	att_run();
	ATT_EXPECT(0x03, CONFIG_BT_ATT_MTU & 0xff, CONFIG_BT_ATT_MTU >> 8);
	assert_int_equal(bt_gatt_get_mtu(t->conn), 100);
	assert_int_equal(r.mtu_calls, 1);
	assert_int_equal(t->host.att.stats.mtu_repeats, 1);
	/* Our side may still ask once. */
	struct bt_gatt_exchange_params xp = { .func = exchange_func };
	assert_int_equal(bt_gatt_exchange_mtu(t->conn, &xp), 0);
	att_run();
	ATT_EXPECT(0x02, CONFIG_BT_ATT_MTU & 0xff, CONFIG_BT_ATT_MTU >> 8);
	ATT_IN(0x03, 100, 0);
	att_run();
	assert_int_equal(r.exchange_calls, 1);
	assert_int_equal(r.exchange_err, 0);
	assert_int_equal(r.mtu_calls, 1);
	assert_int_equal(bt_gatt_exchange_mtu(t->conn, &xp), -EALREADY);
}

/* A truncated request and an MTU below 23: Invalid PDU. */
static void test_mtu_invalid(void **state)
{
	(void)state;
	ATT_IN(0x02, 0x17);
	att_run();
	ATT_EXPECT(0x01, 0x02, 0x00, 0x00, BT_ATT_ERR_INVALID_PDU);
	ATT_IN(0x02, 22, 0);
	att_run();
	ATT_EXPECT(0x01, 0x02, 0x00, 0x00, BT_ATT_ERR_INVALID_PDU);
	assert_int_equal(bt_gatt_get_mtu(t->conn), 23);
	assert_int_equal(r.mtu_calls, 0);
}

/* We ask; the answer sets the MTU and runs both callbacks. */
static void test_mtu_we_ask(void **state)
{
	(void)state;
	struct bt_gatt_exchange_params xp = { .func = exchange_func };
	assert_int_equal(bt_gatt_exchange_mtu(t->conn, NULL), -EINVAL);
	assert_int_equal(bt_gatt_exchange_mtu(t->conn, &xp), 0);
	assert_int_equal(bt_gatt_exchange_mtu(t->conn, &xp), -EALREADY);
	att_run();
	ATT_EXPECT(0x02, CONFIG_BT_ATT_MTU & 0xff, CONFIG_BT_ATT_MTU >> 8);
	/* The peer's own request crosses ours. */
	ATT_IN(0x02, 0x00, 0x01);
	att_run();
	ATT_EXPECT(0x03, CONFIG_BT_ATT_MTU & 0xff, CONFIG_BT_ATT_MTU >> 8);
	assert_int_equal(r.mtu_calls, 1);
	assert_int_equal(r.tx, CONFIG_BT_ATT_MTU);
	ATT_IN(0x03, 0x00, 0x01);
	att_run();
	assert_int_equal(r.exchange_calls, 1);
	assert_int_equal(r.exchange_err, 0);
	assert_int_equal(r.mtu_calls, 1);
	assert_int_equal(bt_gatt_get_mtu(t->conn), CONFIG_BT_ATT_MTU);
}

static void test_mtu_bad_response(void **state)
{
	(void)state;
	struct bt_gatt_exchange_params xp = { .func = exchange_func };
	assert_int_equal(bt_gatt_exchange_mtu(t->conn, &xp), 0);
	att_run();
	ATT_EXPECT(0x02, CONFIG_BT_ATT_MTU & 0xff, CONFIG_BT_ATT_MTU >> 8);
	ATT_IN(0x03, 0x05); /* truncated */
	att_run();
	assert_int_equal(r.exchange_calls, 1);
	assert_int_equal(r.exchange_err, BT_ATT_ERR_UNLIKELY);
	assert_int_equal(bt_gatt_get_mtu(t->conn), 23);
	assert_int_equal(r.mtu_calls, 0);
}

static void test_unknown_and_malformed(void **state)
{
	(void)state;
	uint32_t malformed = t->host.stats.malformed;
	/* An unknown request: Request Not Supported. */
	ATT_IN(0x3f, 0x01, 0x02);
	att_run();
	ATT_EXPECT(0x01, 0x3f, 0x00, 0x00, BT_ATT_ERR_NOT_SUPPORTED);
	/* An unknown command: ignored. */
	ATT_IN(0x7f, 0x01);
	att_run();
	att_expect_none();
	assert_int_equal(t->host.att.stats.dropped, 1);
	/* Empty PDU, a response nobody asked for, a lone confirmation. */
	uint8_t none[1] = { 0 };
	att_in(none, 0);
	ATT_IN(0x0b, 0x01, 0x02);
	ATT_IN(0x1e);
	att_run();
	att_expect_none();
	assert_int_equal(t->host.stats.malformed, malformed + 1);
	assert_int_equal(t->host.att.stats.unexpected_rsp, 1);
	assert_int_equal(t->host.att.stats.unexpected_confirm, 1);
	/* A request longer than the MTU: Invalid PDU. */
	uint8_t big[30] = { 0x0a, 0x03, 0x00 };
	att_in(big, sizeof(big));
	att_run();
	ATT_EXPECT(0x01, 0x0a, 0x00, 0x00, BT_ATT_ERR_INVALID_PDU);
	/* Short notifications and indications: no confirmation. */
	ATT_IN(0x1b, 0x01);
	ATT_IN(0x1d, 0x01);
	att_run();
	att_expect_none();
	assert_int_equal(t->host.stats.malformed, malformed + 3);
	/* Still serving. */
	ATT_IN(0x02, 50, 0);
	att_run();
	ATT_EXPECT(0x03, CONFIG_BT_ATT_MTU & 0xff, CONFIG_BT_ATT_MTU >> 8);
}

/* Every TX buffer taken (e.g. by notifications): a request is answered
 * when one frees, never dropped; a second request meanwhile is the
 * peer's fault and ignored. */
static void test_answer_waits_for_buffer(void **state)
{
	(void)state;
	struct net_buf *held[CONFIG_BT_L2CAP_TX_BUF_COUNT];
	int n = 0;
	while (n < CONFIG_BT_L2CAP_TX_BUF_COUNT && (held[n] = zble_acl_alloc(&t->host, K_NO_WAIT)) != NULL) {
		n++;
	}
	assert_int_equal(att_tx_free(), 0);
	ATT_IN(0x02, 64, 0);
	att_run();
	att_expect_none();
	assert_int_equal(t->host.att.stats.deferred, 1);
	ATT_IN(0x3f); /* before our answer */
	ATT_IN(0x1d, 0x05, 0x00, 0xaa); /* an indication: its confirmation waits too */
	ktest_run_ms(&t->k, 100);
	att_run();
	att_expect_none();
	/* One buffer: the confirmation takes it, the answer follows as soon
	 * as the controller has it. */
	net_buf_unref(held[--n]);
	att_run();
	ATT_EXPECT(0x1e);
	ATT_EXPECT(0x03, CONFIG_BT_ATT_MTU & 0xff, CONFIG_BT_ATT_MTU >> 8);
	att_expect_none();
	assert_int_equal(bt_gatt_get_mtu(t->conn), 64);
	while (n) {
		net_buf_unref(held[--n]);
	}
	att_run();
	assert_int_equal(att_tx_free(), CONFIG_BT_L2CAP_TX_BUF_COUNT);
}

static void ind_done(struct bt_conn *conn, int err, void *user_data)
{
	(void)conn;
	int i = (int)(intptr_t)user_data;
	r.done_calls[i]++;
	r.done_err[i] = err;
}

static int indicate(uint8_t value, int id)
{
	k_mutex_lock(&t->host.lock, K_FOREVER);
	struct net_buf *buf = zble_att_pdu_alloc(t->conn, BT_ATT_OP_INDICATE);
	int err = -ENOMEM;
	if (buf) {
		net_buf_add_le16(buf, 0x0010);
		net_buf_add_u8(buf, value);
		err = zble_att_send_indicate(t->conn, buf, ind_done, (void *)(intptr_t)id);
	}
	k_mutex_unlock(&t->host.lock);
	return err;
}

static void test_indications_one_at_a_time(void **state)
{
	(void)state;
	assert_int_equal(indicate(1, 0), 0);
	assert_int_equal(indicate(2, 1), 0);
	assert_int_equal(indicate(3, 2), 0);
	att_run();
	ATT_EXPECT(0x1d, 0x10, 0x00, 1);
	att_expect_none();
	ATT_IN(0x1e);
	att_run();
	assert_int_equal(r.done_calls[0], 1);
	assert_int_equal(r.done_err[0], 0);
	ATT_EXPECT(0x1d, 0x10, 0x00, 2);
	att_expect_none();
	ATT_IN(0x1e);
	att_run();
	ATT_EXPECT(0x1d, 0x10, 0x00, 3);
	ATT_IN(0x1e);
	ATT_IN(0x1e); /* nothing outstanding: ignored, counted */
	att_run();
	assert_int_equal(r.done_calls[1], 1);
	assert_int_equal(r.done_calls[2], 1);
	assert_int_equal(r.done_err[2], 0);
	assert_int_equal(t->host.att.stats.unexpected_confirm, 1);
	/* The queue is bounded. */
	for (int i = 0; i <= CONFIG_BT_ATT_IND_QUEUE; i++) {
		assert_int_equal(indicate((uint8_t)i, 3), 0);
	}
	assert_int_equal(indicate(9, 4), -ENOMEM);
	att_run();
	/* The link goes: the outstanding and the queued ones fail. */
	att_drop_link();
	assert_int_equal(r.done_calls[3], CONFIG_BT_ATT_IND_QUEUE + 1);
	assert_int_equal(r.done_err[3], -ENOTCONN);
	assert_int_equal(indicate(9, 4), -ENOTCONN);
	assert_int_equal(att_tx_free(), CONFIG_BT_L2CAP_TX_BUF_COUNT);
}

/* No confirmation in 30 s: the indication fails, the bearer is done and
 * the link is disconnected. */
static void test_indication_timeout(void **state)
{
	(void)state;
	if (!ktest_is_coop()) {
		skip(); /* 30 s of real time */
	}
	assert_int_equal(indicate(1, 0), 0);
	assert_int_equal(indicate(2, 1), 0);
	att_run();
	ATT_EXPECT(0x1d, 0x10, 0x00, 1);
	ktest_run_ms(&t->k, ZBLE_ATT_TIMEOUT_MS - 100);
	assert_int_equal(r.done_calls[0], 0);
	ktest_run_ms(&t->k, 200);
	assert_int_equal(r.done_calls[0], 1);
	assert_int_equal(r.done_err[0], -ETIMEDOUT);
	assert_int_equal(r.done_calls[1], 1);
	assert_int_equal(r.done_err[1], -ENOTCONN);
	assert_int_equal(t->host.att.stats.timeouts, 1);
	/* Nothing more goes out on the bearer; the link is ended. */
	ATT_IN(0x02, 64, 0);
	att_run();
	att_expect_none();
	assert_int_equal(indicate(3, 2), -ENOTCONN);
	assert_int_equal(k_sem_take(&t->disconnected, K_SECONDS(5)), 0);
	assert_int_equal(fake_ctrl_count(&t->ctrl, BT_HCI_OP_DISCONNECT), 1);
}

static void notify_done(struct bt_conn *conn, int err, void *user_data)
{
	(void)conn;
	(void)user_data;
	r.done_calls[0]++;
	r.done_err[0] = err ? err : r.done_err[0];
}

/* Notifications: as many in flight as there are buffers, -ENOMEM beyond
 * (back-pressure, nothing dropped), each completed once sent. */
static void test_notifications_in_flight(void **state)
{
	(void)state;
	t->hold = true;
	int sent = 0;
	k_mutex_lock(&t->host.lock, K_FOREVER);
	for (;;) {
		struct net_buf *buf = zble_att_pdu_alloc(t->conn, BT_ATT_OP_NOTIFY);
		if (!buf) {
			break;
		}
		net_buf_add_le16(buf, 0x0010);
		net_buf_add_u8(buf, (uint8_t)sent);
		assert_int_equal(zble_att_send_notify(t->conn, buf, notify_done, NULL), 0);
		sent++;
	}
	/* Longer than the MTU: refused. */
	k_mutex_unlock(&t->host.lock);
	assert_true(sent >= CONFIG_BT_L2CAP_TX_BUF_COUNT - 1);
	att_run();
	assert_int_equal(r.done_calls[0], 0);
	t->hold = false;
	att_run();
	att_run();
	assert_int_equal(r.done_calls[0], sent);
	assert_int_equal(r.done_err[0], 0);
	for (int i = 0; i < sent; i++) {
		uint16_t len;
		const uint8_t *p = att_out(&len);
		assert_non_null(p);
		assert_int_equal(len, 4);
		assert_int_equal(p[3], i);
	}
	k_mutex_lock(&t->host.lock, K_FOREVER);
	struct net_buf *buf = zble_att_pdu_alloc(t->conn, BT_ATT_OP_NOTIFY);
	net_buf_add_mem(buf, (uint8_t[30]){ 0 }, 30);
	assert_int_equal(zble_att_send_notify(t->conn, buf, notify_done, NULL), -EMSGSIZE);
	k_mutex_unlock(&t->host.lock);
	assert_int_equal(att_tx_free(), CONFIG_BT_L2CAP_TX_BUF_COUNT);
}

static struct {
	int calls, ends;
	uint8_t last[8];
	uint16_t last_len;
	int sub_calls;
	uint8_t sub_err;
	uint8_t ret;
} v;

static uint8_t on_value(struct bt_conn *conn, struct bt_gatt_subscribe_params *params, const void *data,
			uint16_t length)
{
	(void)conn;
	(void)params;
	if (!data) {
		v.ends++;
		return BT_GATT_ITER_STOP;
	}
	v.calls++;
	v.last_len = length;
	memcpy(v.last, data, MIN(length, sizeof(v.last)));
	return v.ret;
}

static void on_subscribed(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *params)
{
	(void)conn;
	(void)params;
	v.sub_calls++;
	v.sub_err = err;
}

static void test_subscriptions(void **state)
{
	(void)state;
	memset(&v, 0, sizeof(v));
	v.ret = BT_GATT_ITER_CONTINUE;
	struct bt_gatt_subscribe_params sp = { .notify = on_value, .subscribe = on_subscribed, .value_handle = 0x21,
					       .ccc_handle = 0x22, .value = BT_GATT_CCC_NOTIFY };
	struct bt_gatt_subscribe_params sp2 = sp;
	sp2.value = BT_GATT_CCC_INDICATE;
	assert_int_equal(bt_gatt_subscribe(t->conn, &sp), 0);
	assert_int_equal(bt_gatt_subscribe(t->conn, &sp), -EALREADY);
	att_run();
	ATT_EXPECT(0x12, 0x22, 0x00, 0x01, 0x00);
	ATT_IN(0x13);
	att_run();
	assert_int_equal(v.sub_calls, 1);
	assert_int_equal(v.sub_err, 0);
	/* A second subscription to the same CCC: the union is written. */
	assert_int_equal(bt_gatt_subscribe(t->conn, &sp2), 0);
	att_run();
	ATT_EXPECT(0x12, 0x22, 0x00, 0x03, 0x00);
	ATT_IN(0x13);
	att_run();
	/* Values go to both; other handles to nobody. */
	ATT_IN(0x1b, 0x21, 0x00, 0xaa, 0xbb);
	ATT_IN(0x1b, 0x31, 0x00, 0xcc);
	att_run();
	assert_int_equal(v.calls, 2);
	assert_int_equal(v.last_len, 2);
	assert_int_equal(v.last[1], 0xbb);
	ATT_IN(0x1d, 0x21, 0x00, 0xdd);
	att_run();
	ATT_EXPECT(0x1e);
	assert_int_equal(v.calls, 4);
	/* Multiple Handle Value Notification; a malformed tail is counted. */
	uint32_t malformed = t->host.stats.malformed;
	ATT_IN(0x23, 0x21, 0x00, 0x02, 0x00, 0x01, 0x02, 0x21, 0x00, 0x01, 0x00, 0x03, 0x21, 0x00, 0x09, 0x00, 0x01);
	att_run();
	assert_int_equal(v.calls, 8);
	assert_int_equal(v.last_len, 1);
	assert_int_equal(v.last[0], 0x03);
	assert_int_equal(t->host.stats.malformed, malformed + 1);
	/* Unsubscribe one: the CCC keeps what the other needs. */
	assert_int_equal(bt_gatt_unsubscribe(t->conn, &sp), 0);
	assert_int_equal(bt_gatt_unsubscribe(t->conn, &sp), -EINVAL);
	att_run();
	ATT_EXPECT(0x12, 0x22, 0x00, 0x02, 0x00);
	ATT_IN(0x13);
	att_run();
	assert_int_equal(v.ends, 1);
	assert_int_equal(v.sub_calls, 3);
	/* A refused subscription is removed again. */
	struct bt_gatt_subscribe_params sp3 = sp;
	sp3.value_handle = 0x41;
	sp3.ccc_handle = 0x42;
	assert_int_equal(bt_gatt_subscribe(t->conn, &sp3), 0);
	att_run();
	ATT_EXPECT(0x12, 0x42, 0x00, 0x01, 0x00);
	ATT_IN(0x01, 0x12, 0x42, 0x00, BT_ATT_ERR_WRITE_NOT_PERMITTED);
	att_run();
	assert_int_equal(v.sub_err, BT_ATT_ERR_WRITE_NOT_PERMITTED);
	ATT_IN(0x1b, 0x41, 0x00, 0x01);
	att_run();
	assert_int_equal(v.calls, 8);
	/* The link goes: the remaining subscription ends with NULL. */
	att_drop_link();
	assert_int_equal(v.ends, 2);
	assert_int_equal(bt_gatt_subscribe(t->conn, &sp), -ENOTCONN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mtu_peer_asks, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_mtu_invalid, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_mtu_we_ask, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_mtu_bad_response, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_malformed, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_answer_waits_for_buffer, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_indications_one_at_a_time, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_indication_timeout, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_notifications_in_flight, setup, att_teardown),
		cmocka_unit_test_setup_teardown(test_subscriptions, setup, att_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
