/* libFuzzer target: ACL data into a connected peripheral. The start state
 * (built once, fuzz_env.h): a GATT service (read, write, prepared write,
 * notify, indicate, a long value), an L2CAP server, a link as peripheral
 * and a credit-based channel the peer opened. Then each record:
 *   op & 7 = 0, 1  an ATT PDU (length, bytes)
 *            2     a signalling PDU on CID 5
 *            3     a K-frame on the open channel (or another dynamic CID)
 *            4     an SMP PDU on CID 6
 *            5     a raw ACL fragment: handle+flags, length, data
 *            6     time passes, with or without the controller completing
 *                  what the host sent
 *            7     the application acts: notify, indicate, send an SDU,
 *                  give credits, close or open a channel, disconnect
 * At the end the link goes; every host pool, the application's SDU pool
 * and the CCC state must be back, every channel released and every
 * indication completed exactly once. */
#include <stdint.h>
#include <string.h>

#include <zephyr/bluetooth/gatt.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/bluetooth/l2cap.h>
#include <zephyr/sys/byteorder.h>

#include "fuzz_env.h"

#define LINK 0x0042
#define PSM 0x0080
#define CHANS 3
#define SDU_BUFS 6
#define SDU_MTU 512
#define MAX_RECORDS 200

struct app {
	struct _bt_gatt_ccc ccc;
	uint8_t val[300];
	uint16_t val_len;
	int writes, prepares;
	struct bt_gatt_indicate_params ind;
	bool ind_busy;
	int ind_started, ind_done;
	struct bt_l2cap_server server;
	struct chan {
		struct bt_l2cap_le_chan le;
		int connected, disconnected, released, recvs;
	} chans[CHANS];
	NET_BUF_POOL_STORAGE(SDU_BUFS, BT_L2CAP_SDU_BUF_SIZE(SDU_MTU), 0) sdu_mem;
	struct net_buf_pool sdu_pool;
	struct bt_conn *conn;
};

static struct app st;

static ssize_t read_val(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			uint16_t offset)
{
	return bt_gatt_attr_read(conn, attr, buf, len, offset, st.val, st.val_len);
}

static ssize_t write_val(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			 uint16_t offset, uint8_t flags)
{
	(void)conn;
	(void)attr;
	if (flags & BT_GATT_WRITE_FLAG_PREPARE) {
		st.prepares++;
		return 0;
	}
	if (offset > st.val_len) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_OFFSET);
	}
	if ((size_t)offset + len > sizeof(st.val)) {
		return BT_GATT_ERR(BT_ATT_ERR_INVALID_ATTRIBUTE_LEN);
	}
	memcpy(st.val + offset, buf, len);
	st.val_len = (uint16_t)(offset + len);
	st.writes++;
	return len;
}

static ssize_t read_long(struct bt_conn *conn, const struct bt_gatt_attr *attr, void *buf, uint16_t len,
			 uint16_t offset)
{
	static const char text[] = "a characteristic value longer than any ATT_MTU the peer may choose, so that "
				   "reading it takes Read Blob Requests at growing offsets until the end, and a "
				   "few more bytes for good measure: 0123456789abcdefghijklmnopqrstuvwxyz";
	return bt_gatt_attr_read(conn, attr, buf, len, offset, text, sizeof(text));
}

static ssize_t write_sink(struct bt_conn *conn, const struct bt_gatt_attr *attr, const void *buf, uint16_t len,
			  uint16_t offset, uint8_t flags)
{
	(void)conn;
	(void)attr;
	(void)buf;
	(void)offset;
	(void)flags;
	return len;
}

BT_GATT_SERVICE_DEFINE(fuzz_svc,
	BT_GATT_PRIMARY_SERVICE(BT_UUID_DECLARE_16(0xfa00)),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xfa01),
			       BT_GATT_CHRC_READ | BT_GATT_CHRC_WRITE | BT_GATT_CHRC_NOTIFY | BT_GATT_CHRC_INDICATE,
			       BT_GATT_PERM_READ | BT_GATT_PERM_WRITE | BT_GATT_PERM_PREPARE_WRITE, read_val, write_val,
			       NULL),
	BT_GATT_CCC_MANAGED(&st.ccc, BT_GATT_PERM_READ | BT_GATT_PERM_WRITE),
	BT_GATT_CUD("fuzzed value", BT_GATT_PERM_READ),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_128(BT_UUID_128_ENCODE(0x5a5a0001, 0x1111, 0x2222, 0x3333,
								      0x444455556666ULL)),
			       BT_GATT_CHRC_READ, BT_GATT_PERM_READ, read_long, NULL, NULL),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xfa02), BT_GATT_CHRC_WRITE_WITHOUT_RESP | BT_GATT_CHRC_WRITE,
			       BT_GATT_PERM_WRITE, NULL, write_sink, NULL),
	BT_GATT_CHARACTERISTIC(BT_UUID_DECLARE_16(0xfa03), BT_GATT_CHRC_READ, BT_GATT_PERM_READ_ENCRYPT, read_val,
			       NULL, NULL));

#define CH(ch) CONTAINER_OF(BT_L2CAP_LE_CHAN(ch), struct chan, le)

static void ch_connected(struct bt_l2cap_chan *ch)
{
	CH(ch)->connected++;
}

static void ch_disconnected(struct bt_l2cap_chan *ch)
{
	CH(ch)->disconnected++;
}

static void ch_released(struct bt_l2cap_chan *ch)
{
	CH(ch)->released++;
}

static struct net_buf *ch_alloc(struct bt_l2cap_chan *ch)
{
	(void)ch;
	return net_buf_alloc(&st.sdu_pool, K_NO_WAIT);
}

static int ch_recv(struct bt_l2cap_chan *ch, struct net_buf *buf)
{
	FZ_ASSERT(buf->len <= BT_L2CAP_LE_CHAN(ch)->rx.mtu);
	CH(ch)->recvs++;
	return 0;
}

static const struct bt_l2cap_chan_ops ch_ops = {
	.connected = ch_connected,
	.disconnected = ch_disconnected,
	.released = ch_released,
	.alloc_buf = ch_alloc,
	.recv = ch_recv,
};

static struct chan *free_chan(void)
{
	for (int i = 0; i < CHANS; i++) {
		if (st.chans[i].le.state == BT_L2CAP_DISCONNECTED && st.chans[i].le.chan.conn == NULL) {
			struct chan *c = &st.chans[i];
			memset(&c->le, 0, sizeof(c->le));
			c->le.chan.ops = &ch_ops;
			c->le.rx.mtu = SDU_MTU;
			return c;
		}
	}
	return NULL;
}

static int accept(struct bt_conn *conn, struct bt_l2cap_server *server, struct bt_l2cap_chan **chan)
{
	(void)conn;
	(void)server;
	struct chan *c = free_chan();
	if (!c) {
		return -ENOMEM;
	}
	*chan = &c->le.chan;
	return 0;
}

static void ind_func(struct bt_conn *conn, struct bt_gatt_indicate_params *params, uint8_t err)
{
	(void)conn;
	(void)params;
	(void)err;
}

static void ind_destroy(struct bt_gatt_indicate_params *params)
{
	(void)params;
	FZ_ASSERT(st.ind_busy);
	st.ind_busy = false;
	st.ind_done++;
}

static void setup(void)
{
	fz_up(27, 8, false);
	memset(&st, 0, sizeof(st));
	NET_BUF_POOL_STORAGE_INIT(&st.sdu_pool, st.sdu_mem, 0, NULL);
	st.val_len = 5;
	memcpy(st.val, "fuzz!", 5);
	st.server.psm = PSM;
	st.server.accept = accept;
	FZ_ASSERT(bt_l2cap_server_register(&st.server) == 0);
	st.conn = fz_connect(LINK, false);
	/* The peer opens a channel: LE Credit Based Connection Request. */
	uint8_t req[4 + 10] = { 0x14, 0x01, 10, 0 };
	sys_put_le16(PSM, req + 4);
	sys_put_le16(0x0040, req + 6);
	sys_put_le16(256, req + 8);
	sys_put_le16(64, req + 10);
	sys_put_le16(4, req + 12);
	fz_l2cap(LINK, BT_L2CAP_CID_LE_SIG, req, sizeof(req));
	fz_run(5);
	FZ_ASSERT(st.chans[0].connected == 1 && st.chans[0].le.state == BT_L2CAP_CONNECTED);
}

static void app_call(struct fz_in *in, uint8_t op)
{
	struct chan *c = &st.chans[(op >> 6) % CHANS];
	const struct bt_gatt_attr *val = &attr_fuzz_svc[2];
	uint8_t data[SDU_MTU];
	memset(data, op, sizeof(data));
	switch ((op >> 3) & 7) {
	case 0:
		(void)bt_gatt_notify(st.conn, val, data, fz_u8(in) % 40);
		break;
	case 1:
		if (!st.ind_busy) {
			st.ind = (struct bt_gatt_indicate_params){ .attr = val, .func = ind_func, .destroy = ind_destroy,
								   .data = data, .len = (uint16_t)(fz_u8(in) % 40) };
			st.ind_busy = bt_gatt_indicate(st.conn, &st.ind) == 0;
			st.ind_started += st.ind_busy;
		}
		break;
	case 2: {
		struct net_buf *buf = net_buf_alloc(&st.sdu_pool, K_NO_WAIT);
		if (buf) {
			net_buf_reserve(buf, BT_L2CAP_SDU_CHAN_SEND_RESERVE);
			net_buf_add_mem(buf, data, fz_u16(in) % (SDU_MTU + 1));
			if (bt_l2cap_chan_send(&c->le.chan, buf)) {
				net_buf_unref(buf);
			}
		}
		break;
	}
	case 3:
		(void)bt_l2cap_chan_give_credits(&c->le.chan, fz_u8(in));
		break;
	case 4:
		(void)bt_l2cap_chan_disconnect(&c->le.chan);
		break;
	case 5:
		(void)bt_conn_disconnect(st.conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
		break;
	case 6: {
		struct chan *n = free_chan();
		if (n) {
			(void)bt_l2cap_chan_connect(st.conn, &n->le.chan, (uint16_t)(0x0080 + (op >> 7)));
		}
		break;
	}
	default:
		(void)bt_conn_le_param_update(st.conn, BT_LE_CONN_PARAM(6 + (op >> 6), 40, 0, 400));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	if (!fz_restore(0, &st, sizeof(st))) {
		setup();
		fz_save(0, &st, sizeof(st));
	}
	uint8_t buf[600];
	for (int i = 0; i < MAX_RECORDS && in.n > 0; i++) {
		uint8_t op = fz_u8(&in);
		size_t n;
		switch (op & 7) {
		case 0:
		case 1:
			n = fz_bytes(&in, buf, fz_u8(&in));
			fz_l2cap(LINK, BT_L2CAP_CID_ATT, buf, (uint16_t)n);
			break;
		case 2:
			n = fz_bytes(&in, buf, fz_u8(&in));
			fz_l2cap(LINK, BT_L2CAP_CID_LE_SIG, buf, (uint16_t)n);
			break;
		case 3: {
			uint16_t cid = (op & 0x08) ? (uint16_t)(0x0040 + (op >> 4)) : st.chans[0].le.rx.cid;
			n = fz_bytes(&in, buf, (size_t)fz_u8(&in) * ((op & 0x10) ? 2 : 1));
			fz_l2cap(LINK, cid, buf, (uint16_t)n);
			break;
		}
		case 4:
			n = fz_bytes(&in, buf, fz_u8(&in));
			fz_l2cap(LINK, BT_L2CAP_CID_SMP, buf, (uint16_t)n);
			break;
		case 5: {
			uint16_t hdr = fz_u16(&in);
			n = fz_bytes(&in, buf, fz_u8(&in));
			uint16_t handle = (hdr & 0x0800) ? (hdr & 0x0fff) : LINK;
			fz_acl(handle, (uint8_t)(hdr >> 12), buf, (uint16_t)n);
			break;
		}
		case 6:
			fz->hold = op & 0x08;
			fz_run(4u * (op >> 4));
			break;
		default:
			app_call(&in, op);
			break;
		}
		fz_run(1);
	}
	fz_down();
	for (int i = 0; i < CHANS; i++) {
		struct chan *c = &st.chans[i];
		FZ_ASSERT(c->le.state == BT_L2CAP_DISCONNECTED && c->le.chan.conn == NULL);
		FZ_ASSERT(c->disconnected == c->released);
	}
	FZ_ASSERT(!st.ind_busy && st.ind_done == st.ind_started);
	for (size_t i = 0; i < BT_GATT_CCC_MAX; i++) {
		FZ_ASSERT(st.ccc.cfg[i]._host == NULL); /* no bonding: nothing outlives the link */
	}
	struct net_buf_pool_stats ps;
	net_buf_pool_stats_get(&st.sdu_pool, &ps);
	FZ_ASSERT(ps.free == SDU_BUFS && ps.bad_unref == 0);
	return 0;
}
