/* The MicroPython backend core on two zble-sim devices: errors while
 * inactive, bring-up and restart, the handle layout, advertising and
 * scanning, connecting both ways, a failed connect, the GATT server and
 * client events byte for byte, MTU on both sides, calls from inside
 * upcalls. Coop backend, virtual time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mp_test.h"

static char buf[8192];

#define TAKE(d) mpt_take((d), buf, sizeof(buf))

static struct mpt *T;
#define P (&T->d[0])
#define C (&T->d[1])

static int setup(void **state)
{
	(void)state;
	T = mpt_new(7);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mpt_free(T);
	return 0;
}

static void activate_both(void)
{
	assert_int_equal(zble_mp_active(&P->mp, true), 0);
	assert_int_equal(zble_mp_active(&C->mp, true), 0);
	uint8_t type;
	assert_int_equal(zble_mp_get_mac(&P->mp, &type, P->addr), 0);
	assert_int_equal(zble_mp_get_mac(&C->mp, &type, C->addr), 0);
}

/* One service: a read+notify characteristic, and a read/write/notify/
 * indicate one with a user descriptor. Handles 12, 15, 17. */
static void register_services(struct mpt_dev *d, uint16_t handles[3])
{
	struct zble_mp_uuid svc = mpt_uuid16(0x180d);
	struct zble_mp_uuid chrs[2] = { mpt_uuid16(0x2a37), mpt_uuid16(0x2a38) };
	uint16_t flags[2] = { ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_NOTIFY,
			      ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_WRITE | ZBLE_MP_FLAG_WRITE_NO_RESPONSE |
				      ZBLE_MP_FLAG_NOTIFY | ZBLE_MP_FLAG_INDICATE };
	struct zble_mp_uuid dscs[1] = { mpt_uuid16(0x2901) };
	uint16_t dflags[1] = { ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_WRITE };
	uint8_t nd[2] = { 0, 1 };
	assert_int_equal(zble_mp_gatts_register_begin(&d->mp, false), 0);
	assert_int_equal(zble_mp_gatts_register_service(&d->mp, &svc, chrs, flags, dscs, dflags, nd, 2, handles), 0);
	assert_int_equal(zble_mp_gatts_register_end(&d->mp), 0);
}

static void test_inactive(void **state)
{
	(void)state;
	uint8_t type, addr[6];
	uint16_t mtu;
	size_t len;
	uint16_t h[3];
	struct zble_mp_uuid u = mpt_uuid16(0x180d);
	bool stalled;
	assert_int_equal(zble_mp_get_mac(&P->mp, &type, addr), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_get_mtu(&P->mp, &mtu), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_set_mtu(&P->mp, 100), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_set_addr_mode(&P->mp, 0), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 100000, NULL, 0, NULL, 0), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gap_advertise_stop(&P->mp), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gap_scan_start(&P->mp, 0, 1280000, 11250, false), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gap_scan_stop(&P->mp), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gap_connect(&P->mp, 0, addr, 0, 0, 0), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gap_disconnect(&P->mp, 0), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gatts_register_begin(&P->mp, false), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gatts_register_service(&P->mp, &u, NULL, NULL, NULL, NULL, NULL, 0, h),
			 ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gatts_read(&P->mp, 12, NULL, 0, &len), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gatts_write(&P->mp, 12, (const uint8_t *)"x", 1, false), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 12, 1, NULL, 0), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gattc_read(&P->mp, 0, 3), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_gattc_write(&P->mp, 0, 3, NULL, 0, 5), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_l2cap_listen(&P->mp, 0x80, 100), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_l2cap_send(&P->mp, 0, 0x40, (const uint8_t *)"x", 1, &stalled), ZBLE_MP_ENODEV);
	assert_int_equal(zble_mp_hci_cmd(&P->mp, 4, 1, NULL, 0, NULL, 0, NULL, &type), ZBLE_MP_ENODEV);
	assert_false(zble_mp_is_active(&P->mp));
	/* active(False) while off is a no-op */
	assert_int_equal(zble_mp_active(&P->mp, false), 0);
	assert_int_equal(P->opens, 0);
	/* The pairing settings and the name work while inactive. */
	assert_int_equal(zble_mp_set_io(&P->mp, 5), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_set_io(&P->mp, 3), 0);
	zble_mp_set_bond(&P->mp, true);
	zble_mp_set_mitm(&P->mp, true);
	zble_mp_set_le_secure(&P->mp, true);
	const uint8_t *name;
	zble_mp_get_gap_name(&P->mp, &name, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(name, "MPY ZBLE", 8);
	assert_int_equal(zble_mp_set_gap_name(&P->mp, (const uint8_t *)"0123456789012345678901234567890", 31),
			 ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_set_gap_name(&P->mp, (const uint8_t *)"a\0b", 3), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_set_gap_name(&P->mp, (const uint8_t *)"periph", 6), 0);
	zble_mp_get_gap_name(&P->mp, &name, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(name, "periph", 6);
	assert_int_equal(P->n, 0);
}

static void test_config_active(void **state)
{
	(void)state;
	activate_both();
	assert_true(zble_mp_is_active(&P->mp));
	char a[20];
	mpt_addr_str(P->addr, a);
	assert_string_equal(a, "c0:ff:ee:5a:00:01");
	uint16_t mtu;
	assert_int_equal(zble_mp_get_mtu(&P->mp, &mtu), 0);
	assert_int_equal(mtu, 256);
	assert_int_equal(zble_mp_set_mtu(&P->mp, 22), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_set_mtu(&P->mp, 518), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_set_mtu(&P->mp, 517), 0);
	assert_int_equal(zble_mp_get_mtu(&P->mp, &mtu), 0);
	assert_int_equal(mtu, 517);
	assert_int_equal(zble_mp_set_addr_mode(&P->mp, ZBLE_MP_ADDR_MODE_PUBLIC), 0);
	assert_int_equal(zble_mp_set_addr_mode(&P->mp, ZBLE_MP_ADDR_MODE_RPA), ZBLE_MP_EOPNOTSUPP);
	assert_int_equal(zble_mp_set_addr_mode(&P->mp, ZBLE_MP_ADDR_MODE_NRPA), ZBLE_MP_EOPNOTSUPP);
	assert_int_equal(zble_mp_set_addr_mode(&P->mp, 4), ZBLE_MP_EINVAL);
	/* Advertising payloads: raw AD structures, 31 bytes at most. */
	uint8_t big[32] = { 31, 0xff };
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 100000, big, 32, NULL, 0), ZBLE_MP_EINVAL);
	uint8_t bad[3] = { 5, 0x09, 'a' };
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 100000, bad, 3, NULL, 0), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 100000, NULL, 0, bad, 3), ZBLE_MP_EINVAL);
	/* Bad handles and arguments. */
	size_t len;
	assert_int_equal(zble_mp_gatts_read(&P->mp, 12, NULL, 0, &len), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_gatts_write(&P->mp, 3, (const uint8_t *)"x", 1, false), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_gatts_set_buffer(&P->mp, 99, 10, false), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_gap_disconnect(&P->mp, 0), ZBLE_MP_ENOTCONN);
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 12, 1, NULL, 0), ZBLE_MP_ENOTCONN);
	assert_int_equal(zble_mp_gattc_read(&P->mp, 0, 3), ZBLE_MP_ENOTCONN);
	assert_int_equal(zble_mp_gattc_write(&P->mp, 0, 3, NULL, 0, 2), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_gatts_register_begin(&P->mp, true), ZBLE_MP_EOPNOTSUPP);
	uint8_t st;
	uint8_t rp[16];
	size_t rl = 0;
	/* HCI Read Local Version Information: status 0 and 8 bytes. */
	assert_int_equal(zble_mp_hci_cmd(&P->mp, 4, 1, NULL, 0, rp, sizeof(rp), &rl, &st), 0);
	assert_int_equal(st, 0);
	assert_int_equal(rl, 8);
	/* An unknown command: the controller's status, not an errno. */
	assert_int_equal(zble_mp_hci_cmd(&P->mp, 0x3f, 0x3ff, NULL, 0, rp, sizeof(rp), &rl, &st), 0);
	assert_int_equal(st, 0x01);
	assert_int_equal(zble_mp_hci_cmd(&P->mp, 0x40, 1, NULL, 0, rp, sizeof(rp), &rl, &st), ZBLE_MP_EINVAL);
	assert_int_equal(P->n, 0);
}

static void test_layout_and_store(void **state)
{
	(void)state;
	activate_both();
	uint16_t h[3];
	register_services(P, h);
	assert_int_equal(h[0], 12);
	assert_int_equal(h[1], 15);
	assert_int_equal(h[2], 17);
	size_t len = 99;
	uint8_t v[600];
	/* Unwritten: b''. */
	assert_int_equal(zble_mp_gatts_read(&P->mp, 12, v, sizeof(v), &len), 0);
	assert_int_equal(len, 0);
	/* A local write grows the value. */
	memset(v, 0x5a, 100);
	assert_int_equal(zble_mp_gatts_write(&P->mp, 15, v, 100, false), 0);
	assert_int_equal(zble_mp_gatts_write(&P->mp, 17, (const uint8_t *)"desc", 4, false), 0);
	assert_int_equal(zble_mp_gatts_read(&P->mp, 15, NULL, 0, &len), 0);
	assert_int_equal(len, 100);
	/* gatts_set_buffer(h, 500) moves the values after it. */
	assert_int_equal(zble_mp_gatts_set_buffer(&P->mp, 12, 500, false), 0);
	assert_int_equal(zble_mp_gatts_read(&P->mp, 17, v, sizeof(v), &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(v, "desc", 4);
	assert_int_equal(zble_mp_gatts_read(&P->mp, 15, v, sizeof(v), &len), 0);
	assert_int_equal(len, 100);
	assert_int_equal(v[99], 0x5a);
	/* The arena is full: ENOMEM, nothing changed. */
	assert_int_equal(zble_mp_gatts_set_buffer(&P->mp, 15, MPT_ARENA, false), ZBLE_MP_ENOMEM);
	assert_int_equal(zble_mp_gatts_read(&P->mp, 15, NULL, 0, &len), 0);
	assert_int_equal(len, 100);
	/* Re-registration drops the values: same handles, b'' again. */
	register_services(P, h);
	assert_int_equal(h[2], 17);
	assert_int_equal(zble_mp_gatts_read(&P->mp, 15, NULL, 0, &len), 0);
	assert_int_equal(len, 0);
	/* Two services with characteristics: the second one's handles follow
	 * the first's attributes and are what the host's database has. */
	{
		struct zble_mp_uuid sa = mpt_uuid16(0x1811), sb = mpt_uuid16(0x180f);
		struct zble_mp_uuid ca = mpt_uuid16(0x2a3f), cb = mpt_uuid16(0x2a19), db = mpt_uuid16(0x2904);
		uint16_t fa = ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_NOTIFY, fb = ZBLE_MP_FLAG_READ, fd = ZBLE_MP_FLAG_READ;
		uint8_t nb = 1;
		uint16_t ha[1], hb[2];
		assert_int_equal(zble_mp_gatts_register_begin(&P->mp, false), 0);
		assert_int_equal(zble_mp_gatts_register_service(&P->mp, &sa, &ca, &fa, NULL, NULL, NULL, 1, ha), 0);
		assert_int_equal(zble_mp_gatts_register_service(&P->mp, &sb, &cb, &fb, &db, &fd, &nb, 1, hb), 0);
		assert_int_equal(zble_mp_gatts_register_end(&P->mp), 0);
		assert_int_equal(ha[0], 12);
		assert_int_equal(hb[0], 16);
		assert_int_equal(hb[1], 17);
		zble_sim_device_select(P->dev);
		const struct bt_gatt_attr *a16 = NULL, *a17 = NULL;
		uint16_t n = 0;
		for (const struct bt_gatt_attr *a = bt_gatt_find_by_uuid(NULL, 0, BT_UUID_DECLARE_16(0x2a19)); a;
		     a = NULL) {
			a16 = a;
		}
		for (const struct bt_gatt_attr *a = bt_gatt_find_by_uuid(NULL, 0, BT_UUID_DECLARE_16(0x2904)); a;
		     a = NULL) {
			a17 = a;
		}
		assert_non_null(a16);
		assert_non_null(a17);
		n = bt_gatt_attr_get_handle(a16);
		assert_int_equal(n, 16);
		assert_int_equal(bt_gatt_attr_get_handle(a17), 17);
		assert_int_equal(zble_mp_gatts_write(&P->mp, 17, (const uint8_t *)"d", 1, false), 0);
		assert_int_equal(zble_mp_gatts_write(&P->mp, 15, (const uint8_t *)"d", 1, false), ZBLE_MP_EINVAL);
	}
	/* E2BIG beyond the service table. */
	struct zble_mp_uuid s = mpt_uuid16(0x1234);
	assert_int_equal(zble_mp_gatts_register_begin(&P->mp, false), 0);
	for (int i = 0; i < ZBLE_MP_MAX_SERVICES; i++) {
		assert_int_equal(zble_mp_gatts_register_service(&P->mp, &s, NULL, NULL, NULL, NULL, NULL, 0, h), 0);
	}
	assert_int_equal(zble_mp_gatts_register_service(&P->mp, &s, NULL, NULL, NULL, NULL, NULL, 0, h),
			 ZBLE_MP_E2BIG);
	struct zble_mp_uuid bad = { .type = 3 };
	assert_int_equal(zble_mp_gatts_register_service(&P->mp, &bad, NULL, NULL, NULL, NULL, NULL, 0, h),
			 ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_gatts_register_end(&P->mp), 0);
}

/* ---- advertising, scanning, connections ---- */

static const uint8_t adv_data[] = { 2, 0x01, 0x06, 5, 0x09, 'z', 'b', 'l', 'e' };

/* An upcall run inside an application call (SCAN_DONE from scan_stop):
 * active() there is refused too. */
static int scan_done_active(struct mpt_dev *d, struct zble_mp_event *ev)
{
	if (ev->code == ZBLE_MP_IRQ_SCAN_DONE) {
		*(int *)d->user = zble_mp_active(&d->mp, false);
	}
	return 0;
}

static void test_advertise_scan(void **state)
{
	(void)state;
	activate_both();
	int rc = -1;
	C->user = &rc;
	C->hook = scan_done_active;
	char a[20], want[120];
	mpt_addr_str(P->addr, a);
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, false, 100000, adv_data, sizeof(adv_data), NULL, 0), 0);
	assert_int_equal(zble_mp_gap_scan_start(&C->mp, 1000, 30000, 30000, false), 0);
	snprintf(want, sizeof(want), "scan_result 0 %s 2 02010605097a626c65", a);
	assert_true(mpt_wait(T, C, want, 1000) >= 0);
	/* Connectable now: ADV_IND, the same payload (NULL keeps it). */
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 20000, NULL, 0, NULL, 0), 0);
	snprintf(want, sizeof(want), "scan_result 0 %s 0 02010605097a626c65", a);
	assert_true(mpt_wait(T, C, want, 1000) >= 0);
	assert_true(mpt_wait(T, C, "scan_done", 2000) >= 0);
	/* Nothing after SCAN_DONE. */
	mpt_run(T, 200);
	assert_string_equal(TAKE(C), "");
	/* Active scan: the scan response (4) too; stop gives SCAN_DONE. */
	const uint8_t sr[] = { 3, 0xff, 0x01, 0x02 };
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, false, 20000, NULL, 0, sr, sizeof(sr)), 0);
	assert_int_equal(zble_mp_gap_scan_start(&C->mp, 0, 30000, 30000, true), 0);
	snprintf(want, sizeof(want), "scan_result 0 %s 4 03ff0102", a);
	assert_true(mpt_wait(T, C, want, 1000) >= 0);
	assert_int_equal(zble_mp_gap_scan_stop(&C->mp), 0);
	assert_true(mpt_wait(T, C, "scan_done", 0) >= 0);
	assert_int_equal(rc, ZBLE_MP_EBUSY);
	assert_true(zble_mp_is_active(&C->mp));
	assert_int_equal(zble_mp_gap_scan_stop(&C->mp), 0); /* not scanning: nothing */
	/* Empty payload clears it. */
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, false, 20000, (const uint8_t *)"", 0, NULL, 0), 0);
	assert_int_equal(zble_mp_gap_scan_start(&C->mp, 300, 30000, 30000, false), 0);
	snprintf(want, sizeof(want), "scan_result 0 %s 2 \n", a);
	mpt_run(T, 400);
	assert_non_null(strstr(TAKE(C), want));
	assert_int_equal(zble_mp_gap_advertise_stop(&P->mp), 0);
	assert_int_equal(zble_mp_gap_advertise_stop(&P->mp), 0);
	assert_int_equal(P->n, 0);
}

/* A new scan started from the SCAN_DONE handler (MicroPython programs
 * chain scans so): it runs, as on NimBLE, instead of EALREADY. */
struct scan_chain {
	int left, n;
	int rc[4];
};

static int scan_done_restart(struct mpt_dev *d, struct zble_mp_event *ev)
{
	struct scan_chain *ch = d->user;
	if (ev->code == ZBLE_MP_IRQ_SCAN_DONE && ch->left > 0) {
		ch->left--;
		ch->rc[ch->n++] = zble_mp_gap_scan_start(&d->mp, 200, 30000, 30000, false);
	}
	return 0;
}

static void test_scan_chained(void **state)
{
	(void)state;
	activate_both();
	struct scan_chain ch = { .left = 2 };
	C->user = &ch;
	C->hook = scan_done_restart;
	char a[20], want[120];
	mpt_addr_str(P->addr, a);
	snprintf(want, sizeof(want), "scan_result 0 %s 2 ", a);
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, false, 20000, adv_data, sizeof(adv_data), NULL, 0), 0);
	assert_int_equal(zble_mp_gap_scan_start(&C->mp, 200, 30000, 30000, false), 0);
	for (int i = 0; i < 3; i++) {
		assert_true(mpt_wait(T, C, want, 300) >= 0);
		assert_true(mpt_wait(T, C, "scan_done", 300) >= 0);
	}
	assert_int_equal(ch.n, 2);
	assert_int_equal(ch.rc[0], 0);
	assert_int_equal(ch.rc[1], 0);
	/* The last one ended for good. */
	mpt_run(T, 500);
	assert_string_equal(TAKE(C), "");
	/* And a thread-side restart right after a stop works too. */
	ch.left = 0;
	assert_int_equal(zble_mp_gap_scan_start(&C->mp, 0, 30000, 30000, false), 0);
	assert_int_equal(zble_mp_gap_scan_stop(&C->mp), 0);
	assert_int_equal(zble_mp_gap_scan_start(&C->mp, 0, 30000, 30000, false), 0);
	assert_true(mpt_wait(T, C, want, 300) >= 0);
	assert_int_equal(zble_mp_gap_scan_stop(&C->mp), 0);
}

/* C connects to P; both see their connect events. */
static void connect_pc(void)
{
	char want[120], a[20];
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 20000, adv_data, sizeof(adv_data), NULL, 0), 0);
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, P->addr, 2000, 0, 0), 0);
	mpt_addr_str(P->addr, a);
	snprintf(want, sizeof(want), "peripheral_connect 0 0 %s", a);
	assert_true(mpt_wait(T, C, want, 3000) >= 0);
	mpt_addr_str(C->addr, a);
	snprintf(want, sizeof(want), "central_connect 0 0 %s", a);
	assert_true(mpt_wait(T, P, want, 100) >= 0);
}

static void test_connect(void **state)
{
	(void)state;
	activate_both();
	char want[200], a[20];
	/* A scan running when gap_connect starts ends first (SCAN_DONE). */
	assert_int_equal(zble_mp_gap_scan_start(&C->mp, 0, 30000, 30000, false), 0);
	connect_pc();
	assert_string_equal(TAKE(C), "");
	C->cursor = 0;
	assert_true(mpt_wait(T, C, "scan_done", 0) >= 0);
	C->cursor = C->n;
	/* Advertising stopped with the connection: a scan finds nothing of P. */
	assert_int_equal(zble_mp_gap_scan_start(&C->mp, 300, 30000, 30000, false), 0);
	mpt_run(T, 400);
	mpt_addr_str(P->addr, a);
	assert_null(strstr(TAKE(C), a));
	/* A peer already connected is refused at once. */
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, P->addr, 2000, 0, 0), ZBLE_MP_EINVAL);
	/* Disconnect from the central: both sides. */
	assert_int_equal(zble_mp_gap_disconnect(&C->mp, 0), 0);
	snprintf(want, sizeof(want), "peripheral_disconnect 0 0 %s", a);
	assert_true(mpt_wait(T, C, want, 1000) >= 0);
	mpt_addr_str(C->addr, a);
	snprintf(want, sizeof(want), "central_disconnect 0 0 %s", a);
	assert_true(mpt_wait(T, P, want, 1000) >= 0);
	assert_int_equal(zble_mp_gap_disconnect(&C->mp, 0), ZBLE_MP_ENOTCONN);
	/* Re-advertise, reconnect, disconnect from the peripheral. */
	connect_pc();
	assert_int_equal(zble_mp_gap_disconnect(&P->mp, 0), 0);
	assert_true(mpt_wait(T, P, "central_disconnect 0 0", 1000) >= 0);
	assert_true(mpt_wait(T, C, "peripheral_disconnect 0 0", 1000) >= 0);
	assert_string_equal(TAKE(P), "");
	assert_string_equal(TAKE(C), "");
	/* The connection intervals asked for are the link's. */
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 20000, adv_data, sizeof(adv_data), NULL, 0), 0);
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, P->addr, 2000, 100000, 100000), 0);
	assert_true(mpt_wait(T, C, "peripheral_connect 0 ", 3000) >= 0);
	struct bt_conn_info info;
	assert_int_equal(bt_conn_get_info(C->mp.conns[0].conn, &info), 0);
	assert_int_equal(info.le.interval, 80);
	assert_int_equal(zble_mp_gap_disconnect(&C->mp, 0), 0);
	assert_true(mpt_wait(T, C, "peripheral_disconnect 0 ", 3000) >= 0);
	assert_true(mpt_wait(T, P, "central_disconnect 0 ", 100) >= 0);
	TAKE(P);
	/* Cancel: the failure event, with the asked address. */
	uint8_t nobody[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, nobody, 5000, 0, 0), 0);
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, nobody, 5000, 0, 0), ZBLE_MP_EALREADY);
	mpt_run(T, 100);
	assert_int_equal(zble_mp_gap_connect_cancel(&C->mp), 0);
	mpt_run(T, 100);
	assert_string_equal(TAKE(C), "peripheral_disconnect 65535 255 11:22:33:44:55:66\n");
	/* Timeout: the same event after the scan duration. */
	assert_int_equal(zble_mp_gap_connect(&C->mp, 1, nobody, 300, 7500, 4000000), 0);
	mpt_run(T, 250);
	assert_string_equal(TAKE(C), "");
	mpt_run(T, 200);
	assert_string_equal(TAKE(C), "peripheral_disconnect 65535 255 11:22:33:44:55:66\n");
	assert_int_equal(zble_mp_gap_connect(&C->mp, 2, nobody, 300, 0, 0), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, nobody, 300, 50000, 30000), ZBLE_MP_EINVAL);
	assert_string_equal(TAKE(P), "");
}

static void test_connection_update(void **state)
{
	(void)state;
	activate_both();
	connect_pc();
	/* Nothing spontaneous after connecting (data length, PHY). */
	mpt_run(T, 3000);
	assert_string_equal(TAKE(C), "");
	assert_string_equal(TAKE(P), "");
	/* A procedure: both sides, raw HCI units. */
	zble_sim_device_select(C->dev);
	struct bt_le_conn_param prm = BT_LE_CONN_PARAM_INIT(80, 80, 0, 500);
	assert_int_equal(bt_conn_le_param_update(C->mp.conns[0].conn, &prm), 0);
	mpt_run(T, 2000);
	assert_string_equal(TAKE(C), "connection_update 0 80 0 500 0\n");
	assert_string_equal(TAKE(P), "connection_update 0 80 0 500 0\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inactive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_active, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_and_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_advertise_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_chained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_update, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
