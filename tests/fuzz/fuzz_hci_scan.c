/* libFuzzer target: HCI events (and the odd ACL packet or API call) into a
 * scanning host. Each input brings a host up through the scripted
 * controller (legacy or extended commands, chosen by the first byte),
 * starts scanning, then replays its records:
 *   op & 7 = 0     LE Meta event: subevent, length, parameters
 *            1..3  any event: code, length, parameters
 *            4     raw H4 packet bytes (any type, any length field)
 *            5     time passes (op >> 3 steps of 8 ms)
 *            6     an API call (scan stop/start, connect, disconnect)
 *            7     an ACL fragment: handle+flags, length, data
 * Every report that reaches the application is parsed with bt_data_parse
 * and checked against an independent reading. At the end every link goes,
 * all timeouts run out and every host pool must be full again. */
#include <stdint.h>
#include <string.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/hci.h>

#include "fuzz_ad.h"
#include "fuzz_env.h"

#define MAX_RECORDS 200

struct scan_state {
	struct bt_le_scan_cb listener;
	int reports;
};

static struct scan_state sc;

static void on_recv(const struct bt_le_scan_recv_info *info, struct net_buf_simple *ad)
{
	FZ_ASSERT(info->addr);
	sc.reports++;
	(void)fz_ad_check(ad, 0x100);
}

static void on_legacy(const bt_addr_le_t *addr, int8_t rssi, uint8_t adv_type, struct net_buf_simple *ad)
{
	(void)rssi;
	(void)adv_type;
	FZ_ASSERT(addr);
	(void)fz_ad_check(ad, BT_DATA_NAME_COMPLETE);
}

static void on_conn(struct bt_conn *conn, void *data)
{
	(void)data;
	(void)bt_conn_disconnect(conn, BT_HCI_ERR_REMOTE_USER_TERM_CONN);
}

static void api_call(uint8_t op)
{
	switch ((op >> 3) & 3) {
	case 0:
		(void)bt_le_scan_stop();
		break;
	case 1:
		(void)bt_le_scan_start((op & 0x20) ? BT_LE_SCAN_ACTIVE : BT_LE_SCAN_PASSIVE, on_legacy);
		break;
	case 2: {
		bt_addr_le_t addr = { .type = (uint8_t)(op >> 7), .a = { { 0x10, 0x20, 0x30, 0x40, 0x50, op } } };
		struct bt_conn *conn = NULL;
		if (bt_conn_le_create(&addr, BT_CONN_LE_CREATE_CONN, BT_LE_CONN_PARAM_DEFAULT, &conn) == 0) {
			bt_conn_unref(conn);
		}
		break;
	}
	default:
		bt_conn_foreach(BT_CONN_TYPE_LE, on_conn, NULL);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	/* Variants: extended or legacy commands; active scanning with the
	 * legacy callback too, or passive with listeners only. */
	unsigned variant = fz_u8(&in) & 3;
	if (!fz_restore(variant, &sc, sizeof(sc))) {
		fz_up(27, 4, variant & 1);
		memset(&sc, 0, sizeof(sc));
		sc.listener.recv = on_recv;
		FZ_ASSERT(bt_le_scan_cb_register(&sc.listener) == 0);
		FZ_ASSERT(bt_le_scan_start((variant & 2) ? BT_LE_SCAN_ACTIVE : BT_LE_SCAN_PASSIVE,
					   (variant & 2) ? on_legacy : NULL) == 0);
		fz_run(1);
		fz_save(variant, &sc, sizeof(sc));
	}

	uint8_t buf[300];
	for (int i = 0; i < MAX_RECORDS && in.n > 0; i++) {
		uint8_t op = fz_u8(&in);
		switch (op & 7) {
		case 0: {
			buf[0] = fz_u8(&in);
			uint8_t len = fz_u8(&in);
			size_t n = fz_bytes(&in, buf + 1, len < 254 ? len : 254);
			fake_ctrl_event(&fz->ctrl, BT_HCI_EVT_LE_META_EVENT, buf, (uint8_t)(1 + n));
			break;
		}
		case 1:
		case 2:
		case 3: {
			uint8_t code = fz_u8(&in);
			uint8_t len = fz_u8(&in);
			size_t n = fz_bytes(&in, buf, len);
			fake_ctrl_event(&fz->ctrl, code, buf, (uint8_t)n);
			break;
		}
		case 4: {
			uint8_t len = fz_u8(&in);
			size_t n = fz_bytes(&in, buf, len);
			fake_ctrl_raw(&fz->ctrl, buf, n);
			break;
		}
		case 5:
			fz_run(8u * (op >> 3));
			break;
		case 6:
			api_call(op);
			break;
		default: {
			uint16_t hdr = fz_u16(&in);
			uint8_t len = fz_u8(&in);
			size_t n = fz_bytes(&in, buf, len);
			fz_acl(hdr & 0x0fff, (uint8_t)(hdr >> 12), buf, (uint16_t)n);
			break;
		}
		}
		fz_run(1);
	}
	fz_down();
	return 0;
}
