/* L2CAP credit-based channels and the life cycle through the MicroPython
 * backend core on two zble-sim devices: listen/accept/connect, SDUs both
 * ways with SEND_READY back-pressure and recvinto draining (credits back
 * only once drained), refusal from the ACCEPT handler, disconnect; restart
 * without leaks; active() refused inside an upcall; ETIMEDOUT without a
 * controller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <zephyr/bluetooth/hci.h>

#include "mp_test.h"

static char buf[16384];
#define TAKE(d) mpt_take((d), buf, sizeof(buf))

static struct mpt *T;
#define P (&T->d[0])
#define C (&T->d[1])

#define PSM 0x80

static const uint8_t adv_data[] = { 2, 0x01, 0x06 };

static int setup(void **state)
{
	(void)state;
	T = mpt_new(3);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mpt_free(T);
	return 0;
}

static void activate_connect(void)
{
	uint8_t type;
	assert_int_equal(zble_mp_active(&P->mp, true), 0);
	assert_int_equal(zble_mp_active(&C->mp, true), 0);
	assert_int_equal(zble_mp_get_mac(&P->mp, &type, P->addr), 0);
	assert_int_equal(zble_mp_get_mac(&C->mp, &type, C->addr), 0);
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 20000, adv_data, sizeof(adv_data), NULL, 0), 0);
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, P->addr, 2000, 0, 0), 0);
	assert_true(mpt_wait(T, C, "peripheral_connect 0 ", 3000) >= 0);
	assert_true(mpt_wait(T, P, "central_connect 0 ", 100) >= 0);
}

/* The receiver drains inside L2CAP_RECV, in small pieces, and counts. */
struct rx {
	size_t got;
	uint8_t last;
	bool hold; /* do not drain: the peer must stall */
	int refuse;
};

static int rx_hook(struct mpt_dev *d, struct zble_mp_event *ev)
{
	struct rx *r = d->user;
	if (ev->code == ZBLE_MP_IRQ_L2CAP_ACCEPT) {
		return r->refuse;
	}
	if (ev->code != ZBLE_MP_IRQ_L2CAP_RECV || r->hold) {
		return 0;
	}
	for (;;) {
		uint8_t piece[37];
		size_t n = sizeof(piece);
		assert_int_equal(zble_mp_l2cap_recvinto(&d->mp, ev->conn_handle, ev->cid, piece, &n), 0);
		if (!n) {
			break;
		}
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(piece[i], (uint8_t)(r->got + i));
		}
		r->got += n;
	}
	return 0;
}

static void test_l2cap(void **state)
{
	(void)state;
	activate_connect();
	struct rx prx = { 0 }, crx = { 0 };
	P->user = &prx;
	P->hook = rx_hook;
	C->user = &crx;
	C->hook = rx_hook;
	assert_int_equal(zble_mp_l2cap_listen(&P->mp, PSM, 400), 0);
	assert_int_equal(zble_mp_l2cap_listen(&P->mp, PSM, 400), ZBLE_MP_EALREADY);
	assert_int_equal(zble_mp_l2cap_connect(&C->mp, 7, PSM, 300), ZBLE_MP_ENOTCONN);
	assert_int_equal(zble_mp_l2cap_connect(&C->mp, 0, PSM, 300), 0);
	assert_int_equal(zble_mp_l2cap_connect(&C->mp, 0, PSM, 300), ZBLE_MP_EALREADY);
	mpt_run(T, 300);
	assert_string_equal(TAKE(P), "l2cap_accept 0 64 128 400 300\nl2cap_connect 0 64 128 400 300\n");
	assert_string_equal(TAKE(C), "l2cap_connect 0 64 128 300 400\n");
	/* Sizes: above the peer's MTU is refused. */
	uint8_t data[1024];
	bool stalled;
	assert_int_equal(zble_mp_l2cap_send(&C->mp, 0, 64, data, 401, &stalled), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_l2cap_send(&C->mp, 0, 65, data, 10, &stalled), ZBLE_MP_EINVAL);
	/* 16 SDUs of 400 down to 55 bytes, one stream of counting bytes. */
	size_t sent = 0;
	int stalls = 0;
	for (int k = 0; k < 16; k++) {
		size_t len = 400 - (size_t)k * 23;
		for (size_t i = 0; i < len; i++) {
			data[i] = (uint8_t)(sent + i);
		}
		int err = zble_mp_l2cap_send(&C->mp, 0, 64, data, len, &stalled);
		assert_int_equal(err, 0);
		sent += len;
		if (stalled) {
			stalls++;
			TAKE(C);
			assert_true(mpt_wait(T, C, "l2cap_send_ready 0 64 0", 2000) >= 0);
		}
	}
	assert_true(stalls > 0);
	mpt_run(T, 1000);
	assert_int_equal(prx.got, sent);
	/* A receiver that does not drain holds the sender: credits only come
	 * back once the SDU is read. */
	prx.hold = true;
	prx.got = 0;
	size_t n = 0;
	for (int k = 0; k < 6; k++) {
		for (size_t i = 0; i < 300; i++) {
			data[i] = (uint8_t)((size_t)k * 300 + i);
		}
		int err = zble_mp_l2cap_send(&C->mp, 0, 64, data, 300, &stalled);
		if (err == ZBLE_MP_ENOMEM) {
			break;
		}
		assert_int_equal(err, 0);
		n++;
		mpt_run(T, 200);
	}
	assert_true(n < 6); /* back-pressure reached the sender */
	size_t avail = 99;
	assert_int_equal(zble_mp_l2cap_recvinto(&P->mp, 0, 64, NULL, &avail), 0);
	assert_int_equal(avail, 300);
	prx.hold = false;
	TAKE(C);
	/* Drain what is held; the rest follows, SEND_READY reaches the sender. */
	uint8_t big[400];
	size_t m = sizeof(big);
	assert_int_equal(zble_mp_l2cap_recvinto(&P->mp, 0, 64, big, &m), 0);
	assert_int_equal(m, 300);
	for (size_t i = 0; i < m; i++) {
		assert_int_equal(big[i], (uint8_t)i);
	}
	prx.got = m;
	mpt_run(T, 2000);
	assert_int_equal(prx.got, n * 300);
	assert_non_null(strstr(TAKE(C), "l2cap_send_ready 0 64 0"));
	/* Disconnect from the peripheral: both sides, status 0. */
	TAKE(P);
	assert_int_equal(zble_mp_l2cap_disconnect(&P->mp, 0, 65), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_l2cap_disconnect(&P->mp, 0, 64), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(P), "l2cap_disconnect 0 64 128 0\n");
	assert_string_equal(TAKE(C), "l2cap_disconnect 0 64 128 0\n");
	/* Refused by the ACCEPT handler, asked when the request arrives (the
	 * peer's MTU already known): the request is answered "no resources"
	 * (4), so the connector's channel never opens. */
	prx.refuse = 1;
	uint32_t refused = P->mp.host->l2cap.stats.refused;
	assert_int_equal(zble_mp_l2cap_connect(&C->mp, 0, PSM, 100), 0);
	mpt_run(T, 500);
	assert_string_equal(TAKE(P), "l2cap_accept 0 64 128 400 100\n");
	assert_string_equal(TAKE(C), "l2cap_disconnect 0 64 128 4\n");
	assert_int_equal(P->mp.host->l2cap.stats.refused, refused + 1);
	/* Accepted again afterwards. */
	prx.refuse = 0;
	assert_int_equal(zble_mp_l2cap_connect(&C->mp, 0, PSM, 100), 0);
	mpt_run(T, 500);
	assert_string_equal(TAKE(P), "l2cap_accept 0 64 128 400 100\nl2cap_connect 0 64 128 400 100\n");
	assert_string_equal(TAKE(C), "l2cap_connect 0 64 128 100 400\n");
	assert_int_equal(zble_mp_l2cap_disconnect(&C->mp, 0, 64), 0);
	mpt_run(T, 300);
	TAKE(P);
	TAKE(C);
	/* An unknown PSM: refused (status = the L2CAP result). */
	assert_int_equal(zble_mp_l2cap_connect(&C->mp, 0, 0x99, 100), 0);
	mpt_run(T, 500);
	assert_string_equal(TAKE(C), "l2cap_disconnect 0 64 153 2\n");
	assert_string_equal(TAKE(P), "");
}

/* ---- life cycle ---- */

static int in_upcall_active(struct mpt_dev *d, struct zble_mp_event *ev)
{
	if (ev->code == ZBLE_MP_IRQ_CENTRAL_CONNECT) {
		*(int *)d->user = zble_mp_active(&d->mp, false) * 1000 + zble_mp_active(&d->mp, true);
	}
	return 0;
}

static void test_restart(void **state)
{
	(void)state;
	int rc = -1;
	P->user = &rc;
	P->hook = in_upcall_active;
	activate_connect();
	assert_int_equal(rc, ZBLE_MP_EBUSY * 1000 + ZBLE_MP_EBUSY);
	/* active(True) while active restarts: no events for the dropped link
	 * on this side, the peer sees it go. */
	TAKE(P);
	assert_int_equal(zble_mp_active(&P->mp, true), 0);
	assert_int_equal(P->opens, 2);
	assert_int_equal(P->closes, 1);
	assert_true(mpt_wait(T, C, "peripheral_disconnect 0 ", 10000) >= 0);
	assert_string_equal(TAKE(P), "");
	/* Nothing leaked: same handles, values empty, name kept, MTU kept. */
	assert_int_equal(zble_mp_set_gap_name(&P->mp, (const uint8_t *)"again", 5), 0);
	uint16_t h[1];
	struct zble_mp_uuid svc = mpt_uuid16(0x1234), chr = mpt_uuid16(0x5678);
	uint16_t fl = ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_NOTIFY;
	for (int round = 0; round < 3; round++) {
		assert_int_equal(zble_mp_gatts_register_begin(&P->mp, false), 0);
		assert_int_equal(zble_mp_gatts_register_service(&P->mp, &svc, &chr, &fl, NULL, NULL, NULL, 1, h), 0);
		assert_int_equal(zble_mp_gatts_register_end(&P->mp), 0);
		assert_int_equal(h[0], 12);
		size_t len = 9;
		assert_int_equal(zble_mp_gatts_read(&P->mp, 12, NULL, 0, &len), 0);
		assert_int_equal(len, 0);
		assert_int_equal(zble_mp_gatts_write(&P->mp, 12, (const uint8_t *)"abc", 3, false), 0);
		assert_int_equal(zble_mp_active(&P->mp, false), 0);
		assert_false(zble_mp_is_active(&P->mp));
		assert_int_equal(zble_mp_active(&P->mp, true), 0);
	}
	const uint8_t *name;
	size_t nl;
	zble_mp_get_gap_name(&P->mp, &name, &nl);
	assert_int_equal(nl, 5);
	/* The name is served by 0x2A00 after the restart. */
	P->hook = NULL;
	TAKE(C);
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 20000, adv_data, sizeof(adv_data), NULL, 0), 0);
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, P->addr, 2000, 0, 0), 0);
	int i = mpt_wait(T, C, "peripheral_connect ", 3000);
	assert_true(i >= 0);
	unsigned ch;
	assert_int_equal(sscanf(C->lines[i], "peripheral_connect %u", &ch), 1);
	assert_int_equal(zble_mp_gattc_read(&C->mp, (uint16_t)ch, 3), 0);
	assert_true(mpt_wait(T, C, "gattc_read_result", 2000) >= 0);
	assert_non_null(strstr(C->lines[C->cursor - 1], "616761696e"));
	assert_int_equal(P->opens, 5);
	assert_int_equal(P->closes, 4);
}

static void test_enable_timeout(void **state)
{
	(void)state;
	/* A controller that never answers HCI Reset: ETIMEDOUT, host closed. */
	zble_sim_fault_swallow_cmd(P->dev, BT_HCI_OP_RESET, 1);
	zble_mp_set_enable_timeout(&P->mp, 500);
	assert_int_equal(zble_mp_active(&P->mp, true), ZBLE_MP_ETIMEDOUT);
	assert_false(zble_mp_is_active(&P->mp));
	assert_int_equal(P->opens, 1);
	assert_int_equal(P->closes, 1);
	uint8_t type, addr[6];
	assert_int_equal(zble_mp_get_mac(&P->mp, &type, addr), ZBLE_MP_ENODEV);
	/* It answers again: active works. */
	assert_int_equal(zble_mp_active(&P->mp, true), 0);
	assert_int_equal(zble_mp_get_mac(&P->mp, &type, addr), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_l2cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_timeout, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
