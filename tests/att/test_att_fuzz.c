/* A few thousand random ATT PDUs from the peer (plausible answers to our
 * requests and plain garbage) while the client runs random procedures and
 * the server side sends notifications and indications, with the odd
 * transaction timeout and reconnection. Checks: no crash (ASan/UBSan in
 * their build), every procedure ends exactly once, every buffer comes
 * back. Coop backend, fixed seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/sys/byteorder.h>

#include "att_test_util.h"
#include "fuzz_seed.h"

#define ITERATIONS 4000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* One params struct per procedure kind, reused when its procedure ended. */
static struct {
	struct bt_gatt_read_params read;
	struct bt_gatt_write_params write;
	struct bt_gatt_discover_params disc;
	struct bt_gatt_subscribe_params sub;
	struct bt_gatt_exchange_params mtu;
	bool read_busy, write_busy, disc_busy, sub_on, sub_busy, mtu_busy;
	uint16_t handles[4];
	uint8_t value[600];
	int ends, started, values, ind_done, ind_started;
} f;

static uint8_t on_read(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params, const void *data,
		       uint16_t length)
{
	(void)conn;
	(void)err;
	(void)params;
	(void)length;
	if (!data) {
		assert_true(f.read_busy);
		f.read_busy = false;
		f.ends++;
		return BT_GATT_ITER_STOP;
	}
	return rnd(8) ? BT_GATT_ITER_CONTINUE : BT_GATT_ITER_STOP;
}

static void on_write(struct bt_conn *conn, uint8_t err, struct bt_gatt_write_params *params)
{
	(void)conn;
	(void)err;
	(void)params;
	assert_true(f.write_busy);
	f.write_busy = false;
	f.ends++;
}

static uint8_t on_discover(struct bt_conn *conn, const struct bt_gatt_attr *attr, struct bt_gatt_discover_params *params)
{
	(void)conn;
	(void)params;
	if (!attr) {
		assert_true(f.disc_busy);
		f.disc_busy = false;
		f.ends++;
		return BT_GATT_ITER_STOP;
	}
	assert_non_null(attr->uuid);
	return rnd(8) ? BT_GATT_ITER_CONTINUE : BT_GATT_ITER_STOP;
}

static uint8_t on_value(struct bt_conn *conn, struct bt_gatt_subscribe_params *params, const void *data,
			uint16_t length)
{
	(void)conn;
	(void)params;
	(void)length;
	if (!data) {
		f.sub_on = false;
		return BT_GATT_ITER_STOP;
	}
	f.values++;
	return BT_GATT_ITER_CONTINUE;
}

static void on_subscribe(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *params)
{
	(void)conn;
	(void)params;
	assert_true(f.sub_busy);
	f.sub_busy = false;
	f.ends++;
	if (err && params->value) {
		f.sub_on = false;
	}
}

static void on_mtu(struct bt_conn *conn, uint8_t err, struct bt_gatt_exchange_params *params)
{
	(void)conn;
	(void)err;
	(void)params;
	assert_true(f.mtu_busy);
	f.mtu_busy = false;
	f.ends++;
}

/* Stops rnd() reuse of params that a procedure still holds: a stopped
 * iteration ends the procedure without a final call. */
static uint8_t stop_means_end(uint8_t ret, bool *busy)
{
	if (ret == BT_GATT_ITER_STOP) {
		*busy = false;
		f.ends++;
	}
	return ret;
}

static uint8_t on_read_any(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params, const void *data,
			   uint16_t length)
{
	uint8_t ret = on_read(conn, err, params, data, length);
	return data ? stop_means_end(ret, &f.read_busy) : ret;
}

static uint8_t on_discover_any(struct bt_conn *conn, const struct bt_gatt_attr *attr,
			       struct bt_gatt_discover_params *params)
{
	uint8_t ret = on_discover(conn, attr, params);
	return attr ? stop_means_end(ret, &f.disc_busy) : ret;
}

static void ind_done(struct bt_conn *conn, int err, void *user_data)
{
	(void)conn;
	(void)err;
	(void)user_data;
	f.ind_done++;
}

/* UUIDs that outlive the call that queues a procedure. */
static const struct bt_uuid_16 uuid_2a19 = BT_UUID_INIT_16(0x2a19);
static const struct bt_uuid_16 uuid_180f = BT_UUID_INIT_16(0x180f);

static void client_call(void)
{
	int err;
	switch (rnd(7)) {
	case 0:
		if (f.read_busy) {
			break;
		}
		f.read = (struct bt_gatt_read_params){ .func = on_read_any };
		f.read.handle_count = rnd(4);
		if (f.read.handle_count == 0) {
			f.read.by_uuid.start_handle = (uint16_t)(1 + rnd(40));
			f.read.by_uuid.end_handle = (uint16_t)(f.read.by_uuid.start_handle + rnd(100));
			f.read.by_uuid.uuid = &uuid_2a19.uuid;
		} else if (f.read.handle_count == 1) {
			f.read.single.handle = (uint16_t)(1 + rnd(40));
			f.read.single.offset = (uint16_t)(rnd(3) ? 0 : rnd(30));
		} else {
			f.read.multiple.handles = f.handles;
			f.read.multiple.variable = rnd(2);
		}
		f.read_busy = (err = bt_gatt_read(t->conn, &f.read)) == 0;
		f.started += !err;
		break;
	case 1:
		if (f.write_busy) {
			break;
		}
		f.write = (struct bt_gatt_write_params){ .func = on_write, .handle = (uint16_t)(1 + rnd(40)),
							 .data = f.value, .length = (uint16_t)rnd(120),
							 .offset = (uint16_t)(rnd(4) ? 0 : rnd(20)) };
		f.write_busy = (err = bt_gatt_write(t->conn, &f.write)) == 0;
		f.started += !err;
		break;
	case 2:
		if (f.disc_busy) {
			break;
		}
		f.disc = (struct bt_gatt_discover_params){ .func = on_discover_any, .type = (uint8_t)rnd(6) };
		f.disc.start_handle = (uint16_t)(1 + rnd(30));
		f.disc.end_handle = rnd(2) ? 0xffff : (uint16_t)(f.disc.start_handle + rnd(50));
		if (rnd(3) == 0) {
			f.disc.uuid = &uuid_180f.uuid;
		}
		f.disc_busy = (err = bt_gatt_discover(t->conn, &f.disc)) == 0;
		f.started += !err;
		break;
	case 3:
		if (f.sub_busy) {
			break;
		}
		if (f.sub_on) {
			f.sub_busy = (err = bt_gatt_unsubscribe(t->conn, &f.sub)) == 0;
		} else {
			f.sub = (struct bt_gatt_subscribe_params){ .notify = on_value, .subscribe = on_subscribe,
								   .value_handle = (uint16_t)(1 + rnd(10)),
								   .ccc_handle = (uint16_t)(11 + rnd(10)),
								   .value = (uint16_t)(1 + rnd(3)) };
			f.sub_busy = f.sub_on = (err = bt_gatt_subscribe(t->conn, &f.sub)) == 0;
		}
		f.started += !err;
		break;
	case 4:
		if (!f.mtu_busy) {
			f.mtu.func = on_mtu;
			f.mtu_busy = (err = bt_gatt_exchange_mtu(t->conn, &f.mtu)) == 0;
			f.started += !err;
		}
		break;
	case 5:
		(void)bt_gatt_write_without_response(t->conn, (uint16_t)rnd(50), f.value, (uint16_t)rnd(30), false);
		break;
	default: {
		k_mutex_lock(&t->host.lock, K_FOREVER);
		uint8_t op = rnd(2) ? BT_ATT_OP_NOTIFY : BT_ATT_OP_INDICATE;
		struct net_buf *buf = zble_att_pdu_alloc(t->conn, op);
		if (buf) {
			net_buf_add_le16(buf, (uint16_t)rnd(20));
			net_buf_add_mem(buf, f.value, rnd(20));
			if (op == BT_ATT_OP_NOTIFY) {
				(void)zble_att_send_notify(t->conn, buf, NULL, NULL);
			} else {
				f.ind_started += zble_att_send_indicate(t->conn, buf, ind_done, NULL) == 0;
			}
		}
		k_mutex_unlock(&t->host.lock);
		break;
	}
	}
}

static const uint8_t ops[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
			       0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x16, 0x17, 0x18, 0x19, 0x1b, 0x1d, 0x1e,
			       0x20, 0x21, 0x23, 0x52, 0xd2, 0x3f, 0x7f, 0x00, 0xff };

/* A PDU from the peer: often the answer our outstanding request expects
 * (with random contents), otherwise any opcode. */
static void peer_pdu(void)
{
	uint8_t pdu[80];
	uint16_t len = (uint16_t)(rnd(10) ? rnd(25) : rnd(sizeof(pdu)));
	for (uint16_t i = 0; i < len; i++) {
		pdu[i] = (uint8_t)rnd(256);
	}
	if (len > 0) {
		uint8_t req = t->conn->att.req_op;
		if (req && rnd(3)) {
			pdu[0] = rnd(4) ? (uint8_t)(req + 1) : BT_ATT_OP_ERROR_RSP;
			if (pdu[0] == BT_ATT_OP_ERROR_RSP && len >= 2 && rnd(4)) {
				pdu[1] = req;
			}
			/* Small handles and sane list formats now and then. */
			if (len >= 2 && rnd(2)) {
				static const uint8_t elens[] = { 1, 2, 4, 6, 7, 8, 20, 21 };
				pdu[1] = elens[rnd(sizeof(elens))];
			}
			if (len >= 4 && rnd(2)) {
				pdu[3] = 0;
			}
		} else {
			pdu[0] = ops[rnd(sizeof(ops))];
		}
		/* Values for our subscription now and then. */
		if (f.sub_on && len >= 3 && rnd(2) &&
		    (pdu[0] == BT_ATT_OP_NOTIFY || pdu[0] == BT_ATT_OP_INDICATE)) {
			sys_put_le16(f.sub.value_handle, pdu + 1);
		}
	}
	att_in(pdu, len);
}

static void test_fuzz(void **state)
{
	(void)state;
	rng = zble_fuzz_seed("att_fuzz", 0x9e3779b97f4a7c15ull);
	rng = rng ? rng : 0x9e3779b97f4a7c15ull; /* xorshift: any seed but 0 */
	for (size_t i = 0; i < sizeof(f.value); i++) {
		f.value[i] = (uint8_t)i;
	}
	f.handles[0] = 3;
	f.handles[1] = 7;
	f.handles[2] = 9;
	f.handles[3] = 11;
	uint16_t len;
	for (int i = 0; i < ITERATIONS; i++) {
		if (rnd(3)) {
			peer_pdu();
		} else {
			client_call();
		}
		if (rnd(4) == 0) {
			t->hold = rnd(3) == 0;
			att_run();
		} else {
			ktest_run_ms(&t->k, 1);
		}
		while (att_out(&len)) {
		}
		/* Now and then a silent peer: the transaction timeout ends the
		 * link; then a new one. */
		if (i % 997 == 996) {
			t->hold = false;
			ktest_run_ms(&t->k, ZBLE_ATT_TIMEOUT_MS + 10);
			att_run();
			if (t->disconnects == 0 || t->conn->state != BT_CONN_STATE_DISCONNECTED) {
				att_drop_link();
			}
			t->disconnects = 0;
			k_sem_reset(&t->disconnected);
			while (att_out(&len)) {
			}
			att_connect();
		}
	}
	t->hold = false;
	att_run();
	att_drop_link();
	while (att_out(&len)) {
	}
	/* Every procedure ended once; nothing holds a buffer. */
	assert_false(f.read_busy || f.write_busy || f.disc_busy || f.sub_busy || f.mtu_busy);
	assert_int_equal(f.ends, f.started);
	assert_int_equal(f.ind_done, f.ind_started);
	assert_int_equal(att_tx_free(), CONFIG_BT_L2CAP_TX_BUF_COUNT);
	struct net_buf_pool_stats st;
	net_buf_pool_stats_get(&t->host.pdu_pool, &st);
	assert_int_equal(st.free, CONFIG_BT_MAX_CONN);
	print_message("fuzz: %d procedures, %d values, %d indications, malformed %u, att dropped %u\n", f.started,
		      f.values, f.ind_started, t->host.stats.malformed, t->host.att.stats.dropped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fuzz, att_setup, att_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
