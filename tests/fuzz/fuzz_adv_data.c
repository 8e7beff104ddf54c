/* libFuzzer target: advertising data. The input (after a configuration
 * byte) is advertising data; it goes through bt_data_parse directly and
 * through both report paths of a scanning host:
 *   - Legacy Advertising Reports of up to 31 bytes each;
 *   - Extended Advertising Reports, cut into fragments ("more data to
 *     come", then complete or truncated) at lengths taken from the
 *     configuration byte.
 * Every delivered report is parsed and checked against an independent
 * reading (fuzz_ad.c); a complete extended chain must arrive whole, exactly
 * once, byte for byte, when it fits the host's reassembly buffer, and a
 * truncated one never. Pools are checked after each input. */
#include <stdint.h>
#include <string.h>

#include <zephyr/bluetooth/bluetooth.h>
#include <zephyr/bluetooth/hci.h>
#include <zephyr/sys/byteorder.h>

#include "fuzz_ad.h"
#include "fuzz_env.h"

struct app {
	struct bt_le_scan_cb listener;
	const uint8_t *expect; /* the extended chain's data, or NULL */
	size_t expect_len;
	int legacy_reports, ext_reports, ext_whole;
};

static struct app st;

static void on_recv(const struct bt_le_scan_recv_info *info, struct net_buf_simple *ad)
{
	if (info->adv_props & BT_GAP_ADV_PROP_EXT_ADV) {
		st.ext_reports++;
		if (st.expect && ad->len == st.expect_len && memcmp(ad->data, st.expect, ad->len) == 0) {
			st.ext_whole++;
		}
	} else {
		FZ_ASSERT(ad->len <= 31);
		st.legacy_reports++;
	}
	(void)fz_ad_check(ad, info->rssi & 1 ? BT_DATA_FLAGS : 0x100);
}

static void legacy_report(const uint8_t *d, uint8_t len, uint8_t type)
{
	uint8_t p[2 + 10 + 31] = { BT_HCI_EVT_LE_ADVERTISING_REPORT, 1, type, BT_ADDR_LE_RANDOM, 1, 2, 3, 4, 5, 6,
				   len };
	memcpy(p + 11, d, len);
	p[11 + len] = (uint8_t)(-40 - (len & 1));
	fake_ctrl_event(&fz->ctrl, BT_HCI_EVT_LE_META_EVENT, p, (uint8_t)(12 + len));
}

static void ext_report(const uint8_t *d, uint8_t len, uint8_t status)
{
	uint8_t p[2 + 24 + 229] = { BT_HCI_EVT_LE_EXT_ADVERTISING_REPORT, 1 };
	uint8_t *r = p + 2;
	sys_put_le16((uint16_t)(status << 5), r); /* extended, non-connectable */
	r[2] = BT_ADDR_LE_PUBLIC;
	memcpy(r + 3, "\x11\x22\x33\x44\x55\x66", 6);
	r[9] = 1;
	r[10] = 2;
	r[11] = 3;    /* SID */
	r[12] = 0x7f; /* TX power n/a */
	r[13] = (uint8_t)-60;
	r[23] = len;
	memcpy(r + 24, d, len);
	fake_ctrl_event(&fz->ctrl, BT_HCI_EVT_LE_META_EVENT, p, (uint8_t)(2 + 24 + len));
}

static void setup(void)
{
	fz_up(27, 4, true);
	memset(&st, 0, sizeof(st));
	st.listener.recv = on_recv;
	FZ_ASSERT(bt_le_scan_cb_register(&st.listener) == 0);
	FZ_ASSERT(bt_le_scan_start(BT_LE_SCAN_PASSIVE, NULL) == 0);
	fz_run(1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) {
		return 0;
	}
	uint8_t cfg = data[0];
	data++;
	size--;
	if (size > 1650) {
		size = 1650; /* the longest advertising data */
	}

	/* bt_data_parse on its own, stopping early for some inputs. */
	struct net_buf_simple ad;
	net_buf_simple_init_with_data(&ad, (void *)data, size);
	(void)fz_ad_check(&ad, (cfg & 0x80) && size ? (uint16_t)data[size - 1] : 0x100);

	if (!fz_restore(0, &st, sizeof(st))) {
		setup();
		fz_save(0, &st, sizeof(st));
	}
	/* Legacy reports: the data in pieces of at most 31 bytes. */
	for (size_t off = 0; off < size && off < 31 * 8; off += 31) {
		size_t n = size - off < 31 ? size - off : 31;
		legacy_report(data + off, (uint8_t)n, (uint8_t)((cfg + off) % 5));
		fz_run(0);
	}
	/* One extended chain: fragments of 1 + (cfg & 0x3f) * 3 bytes (at
	 * most 229, what one event holds), all but the last "more to come";
	 * the last complete, or truncated when cfg bit 6 is set. */
	bool truncated = cfg & 0x40;
	size_t frag = 1 + (size_t)(cfg & 0x3f) * 3;
	frag = frag > 229 ? 229 : frag;
	st.expect = data;
	st.expect_len = size;
	size_t off = 0;
	do {
		size_t n = size - off < frag ? size - off : frag;
		bool last = off + n == size;
		ext_report(data + off, (uint8_t)n, last ? (truncated ? 2 : 0) : 1);
		off += n;
		fz_run(0);
	} while (off < size);
	fz_run(1);
	bool fits = size <= CONFIG_BT_EXT_SCAN_BUF_SIZE;
	FZ_ASSERT(st.ext_whole == (!truncated && fits ? 1 : 0));
	FZ_ASSERT(st.ext_reports == st.ext_whole);
	st.expect = NULL;
	fz_down();
	return 0;
}
