/* libFuzzer target: the GATT client against a fuzzed server. The start
 * state is a link as central; each record of the input either starts a
 * client procedure (every kind: discovery of primary services, by UUID,
 * secondary, included, characteristics, descriptors, attributes; read,
 * read blob, read by UUID, read multiple and multiple variable; write,
 * long (prepared) write, write without response; subscribe, unsubscribe;
 * MTU exchange) or plays the server:
 *   op & 7 = 0     start procedure (op >> 3) with parameters from the input
 *            1, 2  the response to the outstanding request (its opcode,
 *                  fuzzed parameters)
 *            3     an Error Response to it (handle, code)
 *            4     any ATT PDU
 *            5     a notification or indication of a subscribed value
 *            6     time passes (op 0xfe: past the ATT transaction timeout)
 *            7     the peer drops the link and connects again
 * Checks: every procedure ends exactly once (final callback, or a
 * callback that stopped it), discovery reports only attributes inside the
 * requested range, subscriptions end with the link, and all host pools are
 * back once the link has gone. */
#include <stdint.h>
#include <string.h>

#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/bluetooth/l2cap.h>

#include "att_internal.h"
#include "fuzz_env.h"

#define LINK 0x0001
#define MAX_RECORDS 200

struct app {
	struct bt_conn *conn;
	struct bt_gatt_read_params read;
	struct bt_gatt_write_params write;
	struct bt_gatt_discover_params disc;
	struct bt_gatt_subscribe_params sub[2];
	struct bt_gatt_exchange_params mtu;
	bool read_busy, write_busy, disc_busy, mtu_busy, sub_busy[2], sub_on[2], unsubscribing[2];
	uint16_t disc_start, disc_end; /* the range asked for (the stack moves params' start) */
	uint8_t stop_after; /* callbacks stop an iteration after this many results */
	int results;
	uint16_t handles[4];
	uint8_t value[600];
};

static struct app st;

static const struct bt_uuid_16 uuid16 = BT_UUID_INIT_16(0x180f);
static const struct bt_uuid_128 uuid128 =
	BT_UUID_INIT_128(BT_UUID_128_ENCODE(0x5a5a0001, 0x1111, 0x2222, 0x3333, 0x444455556666ULL));

static void end(bool *busy)
{
	FZ_ASSERT(*busy);
	*busy = false;
}

/* CONTINUE, or STOP after stop_after results (then no final call comes). */
static uint8_t more(bool *busy)
{
	if (st.stop_after && ++st.results >= st.stop_after) {
		end(busy);
		return BT_GATT_ITER_STOP;
	}
	return BT_GATT_ITER_CONTINUE;
}

static uint8_t on_read(struct bt_conn *conn, uint8_t err, struct bt_gatt_read_params *params, const void *data,
		       uint16_t length)
{
	(void)conn;
	(void)err;
	(void)params;
	if (!data) {
		end(&st.read_busy);
		return BT_GATT_ITER_STOP;
	}
	FZ_ASSERT(length <= BT_ATT_MAX_ATTRIBUTE_LEN);
	return more(&st.read_busy);
}

static void on_write(struct bt_conn *conn, uint8_t err, struct bt_gatt_write_params *params)
{
	(void)conn;
	(void)err;
	(void)params;
	end(&st.write_busy);
}

static uint8_t on_discover(struct bt_conn *conn, const struct bt_gatt_attr *attr,
			   struct bt_gatt_discover_params *params)
{
	(void)conn;
	if (!attr) {
		end(&st.disc_busy);
		return BT_GATT_ITER_STOP;
	}
	FZ_ASSERT(attr->uuid);
	FZ_ASSERT(attr->handle >= st.disc_start && attr->handle <= st.disc_end);
	(void)params;
	return more(&st.disc_busy);
}

static int sub_index(struct bt_gatt_subscribe_params *params)
{
	int i = params == &st.sub[0] ? 0 : 1;
	FZ_ASSERT(params == &st.sub[i]);
	return i;
}

static uint8_t on_value(struct bt_conn *conn, struct bt_gatt_subscribe_params *params, const void *data,
			uint16_t length)
{
	(void)conn;
	(void)length;
	int i = sub_index(params);
	if (!data) {
		FZ_ASSERT(st.sub_on[i]);
		st.sub_on[i] = false;
		return BT_GATT_ITER_STOP;
	}
	FZ_ASSERT(st.sub_on[i]);
	return BT_GATT_ITER_CONTINUE;
}

static void on_subscribe(struct bt_conn *conn, uint8_t err, struct bt_gatt_subscribe_params *params)
{
	(void)conn;
	int i = sub_index(params);
	end(&st.sub_busy[i]);
	/* A failed CCC write ends the subscription without a value callback;
	 * an unsubscription ended it with notify(NULL) just before. */
	if (err && !st.unsubscribing[i]) {
		st.sub_on[i] = false;
	}
	FZ_ASSERT(!st.unsubscribing[i] || !st.sub_on[i]);
}

static void on_mtu(struct bt_conn *conn, uint8_t err, struct bt_gatt_exchange_params *params)
{
	(void)conn;
	(void)err;
	(void)params;
	end(&st.mtu_busy);
}

static void start(struct fz_in *in, uint8_t kind)
{
	uint16_t a = fz_u8(in), b = fz_u8(in);
	uint16_t s = (uint16_t)(1 + a);
	uint16_t e = b == 0xff ? 0xffff : (uint16_t)(s + b);
	st.stop_after = fz_u8(in) & 7;
	st.results = 0;
	int err;
	switch (kind % 16) {
	case 0: /* discovery: primary, by UUID, secondary, included, characteristics, descriptors, attributes */
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
	case 7: {
		if (st.disc_busy) {
			return;
		}
		static const uint8_t types[8] = { BT_GATT_DISCOVER_PRIMARY, BT_GATT_DISCOVER_PRIMARY,
						  BT_GATT_DISCOVER_SECONDARY, BT_GATT_DISCOVER_INCLUDE,
						  BT_GATT_DISCOVER_CHARACTERISTIC, BT_GATT_DISCOVER_DESCRIPTOR,
						  BT_GATT_DISCOVER_ATTRIBUTE, BT_GATT_DISCOVER_STD_CHAR_DESC };
		st.disc = (struct bt_gatt_discover_params){ .func = on_discover, .type = types[kind % 8],
							    .start_handle = s, .end_handle = e };
		if (kind % 8 == 1 || (kind % 8 == 4 && (a & 1))) {
			st.disc.uuid = (b & 1) ? &uuid128.uuid : &uuid16.uuid;
		}
		st.disc_start = s;
		st.disc_end = e;
		err = bt_gatt_discover(st.conn, &st.disc);
		st.disc_busy = err == 0;
		return;
	}
	case 8: /* read, read blob (offset), read by UUID, read multiple (variable) */
	case 9:
		if (st.read_busy) {
			return;
		}
		st.read = (struct bt_gatt_read_params){ .func = on_read, .handle_count = (size_t)(b % 4) };
		if (st.read.handle_count == 0) {
			st.read.by_uuid.start_handle = s;
			st.read.by_uuid.end_handle = e;
			st.read.by_uuid.uuid = (a & 1) ? &uuid128.uuid : &uuid16.uuid;
		} else if (st.read.handle_count == 1) {
			st.read.single.handle = s;
			st.read.single.offset = (kind & 1) ? (uint16_t)(a * 3) : 0;
		} else {
			st.read.multiple.handles = st.handles;
			st.read.multiple.variable = kind & 1;
		}
		st.read_busy = bt_gatt_read(st.conn, &st.read) == 0;
		return;
	case 10: /* write, long write (prepared), with an offset now and then */
	case 11:
		if (st.write_busy) {
			return;
		}
		st.write = (struct bt_gatt_write_params){ .func = on_write, .handle = s, .data = st.value,
							  .length = (uint16_t)((kind & 1) ? 20 + b * 2 : b % 20),
							  .offset = (a & 0x80) ? (uint16_t)(a & 0x1f) : 0 };
		st.write_busy = bt_gatt_write(st.conn, &st.write) == 0;
		return;
	case 12:
		(void)bt_gatt_write_without_response(st.conn, s, st.value, (uint16_t)(b % 40), false);
		return;
	case 13: /* subscribe or unsubscribe */
	case 14: {
		int i = kind & 1;
		if (st.sub_busy[i]) {
			return;
		}
		if (st.sub_on[i]) {
			st.sub_busy[i] = st.unsubscribing[i] = bt_gatt_unsubscribe(st.conn, &st.sub[i]) == 0;
			return;
		}
		st.unsubscribing[i] = false;
		st.sub[i] = (struct bt_gatt_subscribe_params){ .notify = on_value, .subscribe = on_subscribe,
								.value_handle = s, .ccc_handle = (uint16_t)(s + 1 + (b & 3)),
								.value = (uint16_t)(1 + (b >> 2) % 3) };
		err = bt_gatt_subscribe(st.conn, &st.sub[i]);
		st.sub_busy[i] = st.sub_on[i] = err == 0;
		return;
	}
	default:
		if (!st.mtu_busy) {
			st.mtu.func = on_mtu;
			st.mtu_busy = bt_gatt_exchange_mtu(st.conn, &st.mtu) == 0;
		}
		return;
	}
}

static void att_in(const uint8_t *pdu, size_t len)
{
	fz_l2cap(LINK, BT_L2CAP_CID_ATT, pdu, (uint16_t)len);
}

static void setup(void)
{
	fz_up(251, 8, false);
	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < sizeof(st.value); i++) {
		st.value[i] = (uint8_t)i;
	}
	st.handles[0] = 3;
	st.handles[1] = 7;
	st.handles[2] = 9;
	st.handles[3] = 0x20;
	st.conn = fz_connect(LINK, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	if (!fz_restore(0, &st, sizeof(st))) {
		setup();
		fz_save(0, &st, sizeof(st));
	}
	uint8_t pdu[300];
	for (int i = 0; i < MAX_RECORDS && in.n > 0; i++) {
		uint8_t op = fz_u8(&in);
		uint8_t req = st.conn->att.req_op;
		size_t n;
		switch (op & 7) {
		case 0:
			start(&in, op >> 3);
			break;
		case 1:
		case 2:
			pdu[0] = req ? (uint8_t)(req + 1) : fz_u8(&in);
			n = fz_bytes(&in, pdu + 1, fz_u8(&in));
			att_in(pdu, 1 + n);
			break;
		case 3:
			pdu[0] = BT_ATT_OP_ERROR_RSP;
			pdu[1] = req;
			n = fz_bytes(&in, pdu + 2, 3);
			att_in(pdu, 2 + n);
			break;
		case 4:
			n = fz_bytes(&in, pdu, fz_u8(&in));
			att_in(pdu, n);
			break;
		case 5: {
			int s = (op >> 3) & 1;
			pdu[0] = (op & 0x10) ? BT_ATT_OP_INDICATE : BT_ATT_OP_NOTIFY;
			pdu[1] = (uint8_t)st.sub[s].value_handle;
			pdu[2] = (uint8_t)(st.sub[s].value_handle >> 8);
			n = fz_bytes(&in, pdu + 3, fz_u8(&in));
			att_in(pdu, 3 + n);
			break;
		}
		case 6:
			fz_run(op == 0xfe ? ZBLE_ATT_TIMEOUT_MS + 10 : 4u * (op >> 3));
			break;
		default:
			/* (A controller reports only links it has: the host may
			 * have ended this one already, e.g. on an ATT timeout.) */
			if (st.conn->state != BT_CONN_STATE_DISCONNECTED) {
				fake_ctrl_disconn_complete(&fz->ctrl, LINK, BT_HCI_ERR_CONN_TIMEOUT);
			}
			fz_run(5);
			bt_conn_unref(st.conn);
			st.conn = fz_connect(LINK, true);
			break;
		}
		fz_run(1);
	}
	fz_down();
	FZ_ASSERT(!st.read_busy && !st.write_busy && !st.disc_busy && !st.mtu_busy);
	for (int i = 0; i < 2; i++) {
		FZ_ASSERT(!st.sub_busy[i] && !st.sub_on[i]);
	}
	bt_conn_unref(st.conn);
	return 0;
}
