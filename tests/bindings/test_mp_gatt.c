/* GATT through the MicroPython backend core, server and client on two
 * zble-sim devices: discovery (services, characteristics with computed end
 * handles, descriptors from an exclusive start), reads with READ_REQUEST
 * first (and refusals), writes with and without response, no GATTS_WRITE
 * for CCCD writes, notify/indicate regardless of subscription, send_update
 * to subscribers only (notification preferred), truncation to ATT_MTU - 3,
 * append buffers, MTU_EXCHANGED on both sides, and a connect -> discover ->
 * read chain run from inside the upcalls. Event lines compared exactly. */
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

static const uint8_t adv_data[] = { 2, 0x01, 0x06 };
static const uint8_t uuid128[16] = { 0xf0, 0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12,
				     0x78, 0x56, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12 };

static int setup(void **state)
{
	(void)state;
	T = mpt_new(11);
	assert_int_equal(zble_mp_active(&P->mp, true), 0);
	assert_int_equal(zble_mp_active(&C->mp, true), 0);
	uint8_t type;
	assert_int_equal(zble_mp_get_mac(&P->mp, &type, P->addr), 0);
	assert_int_equal(zble_mp_get_mac(&C->mp, &type, C->addr), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mpt_free(T);
	return 0;
}

/* Service 1 (16-bit 0x180d): chr A 0x2a37 R|N (12, CCC 13), chr B 128-bit
 * R|W|WNR|N|I (15, CCC 16) with descriptor 0x2901 R|W (17); chr C 0x2a39
 * R|W (19). Service 2 (0x180f), no characteristics (20). */
static uint16_t H[4];

static void register_services(void)
{
	struct zble_mp_uuid svc = mpt_uuid16(0x180d), svc2 = mpt_uuid16(0x180f);
	struct zble_mp_uuid chrs[3] = { mpt_uuid16(0x2a37), { .type = 16 }, mpt_uuid16(0x2a39) };
	memcpy(chrs[1].data, uuid128, 16);
	uint16_t flags[3] = { ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_NOTIFY,
			      ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_WRITE | ZBLE_MP_FLAG_WRITE_NO_RESPONSE |
				      ZBLE_MP_FLAG_NOTIFY | ZBLE_MP_FLAG_INDICATE,
			      ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_WRITE };
	struct zble_mp_uuid dscs[1] = { mpt_uuid16(0x2901) };
	uint16_t dflags[1] = { ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_WRITE };
	uint8_t nd[3] = { 0, 1, 0 };
	uint16_t none[1];
	assert_int_equal(zble_mp_gatts_register_begin(&P->mp, false), 0);
	assert_int_equal(zble_mp_gatts_register_service(&P->mp, &svc, chrs, flags, dscs, dflags, nd, 3, H), 0);
	assert_int_equal(zble_mp_gatts_register_service(&P->mp, &svc2, NULL, NULL, NULL, NULL, NULL, 0, none), 0);
	assert_int_equal(zble_mp_gatts_register_end(&P->mp), 0);
	assert_int_equal(H[0], 12);
	assert_int_equal(H[1], 15);
	assert_int_equal(H[2], 17);
	assert_int_equal(H[3], 19);
}

static void connect_pc(void)
{
	assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 20000, adv_data, sizeof(adv_data), NULL, 0), 0);
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, P->addr, 2000, 0, 0), 0);
	assert_true(mpt_wait(T, C, "peripheral_connect 0 ", 3000) >= 0);
	assert_true(mpt_wait(T, P, "central_connect 0 ", 100) >= 0);
}

/* Runs until d logged n lines since its cursor or ms pass. */
static void run_until_lines(struct mpt_dev *d, unsigned n, uint32_t ms)
{
	for (uint32_t i = 0; i < ms && d->n - d->cursor < n; i++) {
		mpt_run(T, 1);
	}
}

static void test_discovery(void **state)
{
	(void)state;
	register_services();
	zble_mp_set_gap_name(&P->mp, (const uint8_t *)"zble-p", 6);
	connect_pc();
	assert_int_equal(zble_mp_gattc_discover_services(&C->mp, 0, NULL), 0);
	run_until_lines(C, 5, 2000);
	assert_string_equal(TAKE(C), "gattc_service_result 0 1 5 UUID(0x1800)\n"
				     "gattc_service_result 0 6 9 UUID(0x1801)\n"
				     "gattc_service_result 0 10 19 UUID(0x180d)\n"
				     "gattc_service_result 0 20 20 UUID(0x180f)\n"
				     "gattc_service_done 0 0\n");
	struct zble_mp_uuid u = mpt_uuid16(0x180f);
	assert_int_equal(zble_mp_gattc_discover_services(&C->mp, 0, &u), 0);
	run_until_lines(C, 2, 2000);
	assert_string_equal(TAKE(C), "gattc_service_result 0 20 20 UUID(0x180f)\n"
				     "gattc_service_done 0 0\n");
	/* End handles: the next declaration - 1, the range's end for the last. */
	assert_int_equal(zble_mp_gattc_discover_characteristics(&C->mp, 0, 10, 19, NULL), 0);
	run_until_lines(C, 4, 2000);
	assert_string_equal(TAKE(C), "gattc_characteristic_result 0 13 12 18 UUID(0x2a37)\n"
				     "gattc_characteristic_result 0 17 15 62 UUID(1234567812345678123456789abcdef0)\n"
				     "gattc_characteristic_result 0 19 19 10 UUID(0x2a39)\n"
				     "gattc_characteristic_done 0 0\n");
	/* By UUID: the end handle still stops before the next declaration. */
	u = mpt_uuid16(0x2a37);
	assert_int_equal(zble_mp_gattc_discover_characteristics(&C->mp, 0, 10, 19, &u), 0);
	run_until_lines(C, 2, 2000);
	assert_string_equal(TAKE(C), "gattc_characteristic_result 0 13 12 18 UUID(0x2a37)\n"
				     "gattc_characteristic_done 0 0\n");
	/* Descriptors: the start handle (the value) is exclusive. */
	assert_int_equal(zble_mp_gattc_discover_descriptors(&C->mp, 0, 15, 17), 0);
	run_until_lines(C, 3, 2000);
	assert_string_equal(TAKE(C), "gattc_descriptor_result 0 16 UUID(0x2902)\n"
				     "gattc_descriptor_result 0 17 UUID(0x2901)\n"
				     "gattc_descriptor_done 0 0\n");
	assert_int_equal(zble_mp_gattc_discover_descriptors(&C->mp, 0, 19, 19), 0);
	assert_string_equal(TAKE(C), "gattc_descriptor_done 0 0\n");
	assert_int_equal(zble_mp_gattc_discover_descriptors(&C->mp, 0, 20, 19), ZBLE_MP_EINVAL);
	/* Overlapping procedures queue (no EBUSY), each in order. */
	assert_int_equal(zble_mp_gattc_read(&C->mp, 0, 3), 0);
	assert_int_equal(zble_mp_gattc_discover_descriptors(&C->mp, 0, 12, 13), 0);
	run_until_lines(C, 4, 2000);
	assert_string_equal(TAKE(C), "gattc_read_result 0 3 7a626c652d70\n"
				     "gattc_read_done 0 3 0\n"
				     "gattc_descriptor_result 0 13 UUID(0x2902)\n"
				     "gattc_descriptor_done 0 0\n");
	assert_string_equal(TAKE(P), "");
}

static int p_hook(struct mpt_dev *d, struct zble_mp_event *ev)
{
	if (ev->code == ZBLE_MP_IRQ_GATTS_READ_REQUEST && ev->handle == 19) {
		return 0x02; /* read not permitted */
	}
	if (ev->code == ZBLE_MP_IRQ_GATTS_READ_REQUEST && ev->handle == 17) {
		/* A new value written from the handler is what the client gets. */
		assert_int_equal(zble_mp_gatts_write(&d->mp, 17, (const uint8_t *)"fresh", 5, false), 0);
	}
	if (ev->code == ZBLE_MP_IRQ_GATTS_WRITE) {
		/* The value is stored before the event. */
		uint8_t v[8];
		size_t len;
		assert_int_equal(zble_mp_gatts_read(&d->mp, ev->handle, NULL, 0, &len), 0);
		assert_true(len > 0 || ev->handle == 15);
		(void)v;
	}
	return 0;
}

static void gatts_value(uint16_t h, const char *want)
{
	uint8_t v[600];
	size_t len = 0;
	assert_int_equal(zble_mp_gatts_read(&P->mp, h, v, sizeof(v), &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(v, want, len);
}

static void test_read_write(void **state)
{
	(void)state;
	register_services();
	connect_pc();
	P->hook = p_hook;
	assert_int_equal(zble_mp_gatts_write(&P->mp, 12, (const uint8_t *)"hello", 5, false), 0);
	assert_int_equal(zble_mp_gattc_read(&C->mp, 0, 12), 0);
	run_until_lines(C, 2, 2000);
	assert_string_equal(TAKE(P), "gatts_read_request 0 12\n");
	assert_string_equal(TAKE(C), "gattc_read_result 0 12 68656c6c6f\ngattc_read_done 0 12 0\n");
	/* Refused by the handler: READ_DONE with 0x100 + the ATT error. */
	assert_int_equal(zble_mp_gattc_read(&C->mp, 0, 19), 0);
	run_until_lines(C, 1, 2000);
	assert_string_equal(TAKE(P), "gatts_read_request 0 19\n");
	assert_string_equal(TAKE(C), "gattc_read_done 0 19 258\n");
	/* Written inside the request: served. An unwritten value reads b''. */
	assert_int_equal(zble_mp_gattc_read(&C->mp, 0, 17), 0);
	run_until_lines(C, 2, 2000);
	assert_string_equal(TAKE(C), "gattc_read_result 0 17 6672657368\ngattc_read_done 0 17 0\n");
	assert_int_equal(zble_mp_gattc_read(&C->mp, 0, 15), 0);
	run_until_lines(C, 2, 2000);
	assert_string_equal(TAKE(C), "gattc_read_result 0 15 \ngattc_read_done 0 15 0\n");
	TAKE(P);
	/* Writes: with response (WRITE_DONE), without (no event). */
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 15, (const uint8_t *)"abc", 3, 1), 0);
	run_until_lines(C, 1, 2000);
	assert_string_equal(TAKE(C), "gattc_write_done 0 15 0\n");
	assert_string_equal(TAKE(P), "gatts_write 0 15\n");
	gatts_value(15, "abc");
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 15, (const uint8_t *)"xyz", 3, 0), 0);
	run_until_lines(P, 1, 2000);
	mpt_run(T, 100);
	assert_string_equal(TAKE(P), "gatts_write 0 15\n");
	assert_string_equal(TAKE(C), "");
	gatts_value(15, "xyz");
	/* A remote write is cut to the capacity. */
	assert_int_equal(zble_mp_gatts_set_buffer(&P->mp, 19, 4, false), 0);
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 19, (const uint8_t *)"123456", 6, 1), 0);
	run_until_lines(C, 1, 2000);
	gatts_value(19, "1234");
	/* Append mode accumulates; a local read takes it all. */
	assert_int_equal(zble_mp_gatts_set_buffer(&P->mp, 15, 10, true), 0);
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 15, (const uint8_t *)"ab", 2, 1), 0);
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 15, (const uint8_t *)"cd", 2, 0), 0);
	mpt_run(T, 300);
	gatts_value(15, "abcd");
	gatts_value(15, "");
	/* A CCCD write: no GATTS_WRITE. */
	TAKE(C);
	TAKE(P);
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 13, (const uint8_t *)"\x01\x00", 2, 1), 0);
	run_until_lines(C, 1, 2000);
	mpt_run(T, 100);
	assert_string_equal(TAKE(C), "gattc_write_done 0 13 0\n");
	assert_string_equal(TAKE(P), "");
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 15, (const uint8_t *)"a", 1, 7), ZBLE_MP_EINVAL);
}

static void test_notify_indicate(void **state)
{
	(void)state;
	register_services();
	connect_pc();
	/* Subscribed to 12 (notify): send_update notifies; 15 unsubscribed: nothing. */
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 13, (const uint8_t *)"\x01\x00", 2, 1), 0);
	run_until_lines(C, 1, 2000);
	TAKE(C);
	assert_int_equal(zble_mp_gatts_write(&P->mp, 12, (const uint8_t *)"n1", 2, true), 0);
	assert_int_equal(zble_mp_gatts_write(&P->mp, 15, (const uint8_t *)"i1", 2, true), 0);
	assert_int_equal(zble_mp_gatts_write(&P->mp, 12, (const uint8_t *)"n2", 2, false), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "gattc_notify 0 12 6e31\n");
	/* Both bits: one update, the notification. */
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 16, (const uint8_t *)"\x03\x00", 2, 1), 0);
	run_until_lines(C, 1, 2000);
	TAKE(C);
	assert_int_equal(zble_mp_gatts_write(&P->mp, 15, (const uint8_t *)"i2", 2, true), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "gattc_notify 0 15 6932\n");
	/* Indicate only: the indication, confirmed. */
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 16, (const uint8_t *)"\x02\x00", 2, 1), 0);
	run_until_lines(C, 1, 2000);
	TAKE(C);
	assert_int_equal(zble_mp_gatts_write(&P->mp, 15, (const uint8_t *)"i3", 2, true), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "gattc_indicate 0 15 6933\n");
	assert_string_equal(TAKE(P), "gatts_indicate_done 0 15 0\n");
	/* Regardless of the CCCD (19 cannot even notify); NULL sends the
	 * stored value; explicit data is not stored. */
	assert_int_equal(zble_mp_gatts_write(&P->mp, 19, (const uint8_t *)"st", 2, false), 0);
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 19, ZBLE_MP_GATTS_OP_NOTIFY, NULL, 0), 0);
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 19, ZBLE_MP_GATTS_OP_NOTIFY,
						       (const uint8_t *)"zz", 2), 0);
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 12, ZBLE_MP_GATTS_OP_INDICATE,
						       (const uint8_t *)"ind", 3), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "gattc_notify 0 19 7374\ngattc_notify 0 19 7a7a\ngattc_indicate 0 12 696e64\n");
	assert_string_equal(TAKE(P), "gatts_indicate_done 0 12 0\n");
	gatts_value(19, "st");
	gatts_value(12, "n2");
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 19, 3, NULL, 0), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 99, 1, NULL, 0), ZBLE_MP_EINVAL);
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 5, 19, 1, NULL, 0), ZBLE_MP_ENOTCONN);
	/* Truncated to ATT_MTU - 3 (23 before an exchange). */
	uint8_t big[300];
	for (int i = 0; i < 300; i++) {
		big[i] = (uint8_t)i;
	}
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 12, 1, big, 30), 0);
	mpt_run(T, 200);
	assert_string_equal(TAKE(C), "gattc_notify 0 12 000102030405060708090a0b0c0d0e0f10111213\n");
	/* MTU: both sides see the result of the exchange. */
	assert_int_equal(zble_mp_set_mtu(&P->mp, 100), 0);
	assert_int_equal(zble_mp_set_mtu(&C->mp, 200), 0);
	assert_int_equal(zble_mp_gattc_exchange_mtu(&C->mp, 0), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "mtu_exchanged 0 100\n");
	assert_string_equal(TAKE(P), "mtu_exchanged 0 100\n");
	assert_int_equal(zble_mp_gattc_exchange_mtu(&C->mp, 0), ZBLE_MP_EALREADY);
	/* A client write of MTU + 20 bytes arrives cut to MTU - 3. */
	assert_int_equal(zble_mp_gatts_set_buffer(&P->mp, 15, 200, false), 0);
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 15, big, 120, 1), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "gattc_write_done 0 15 0\n");
	size_t len;
	assert_int_equal(zble_mp_gatts_read(&P->mp, 15, NULL, 0, &len), 0);
	assert_int_equal(len, 97);
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 15, 1, big, 120), 0);
	mpt_run(T, 200);
	char want[300] = "gattc_notify 0 15 ";
	for (int i = 0; i < 97; i++) {
		sprintf(want + strlen(want), "%02x", i);
	}
	strcat(want, "\n");
	assert_string_equal(TAKE(C), want);
}

/* The last notification's value, whole (a recorded line is cut short). */
struct notified {
	int count;
	size_t len;
	uint8_t data[600];
};

static int keep_notify(struct mpt_dev *d, struct zble_mp_event *ev)
{
	struct notified *n = d->user;
	if (ev->code == ZBLE_MP_IRQ_GATTC_NOTIFY && ev->data_len <= sizeof(n->data)) {
		n->count++;
		n->len = ev->data_len;
		memcpy(n->data, ev->data, ev->data_len);
	}
	return 0;
}

/* ATT_MTU above 247 (the bindings' host allows 517): the exchange gives
 * the smaller offer on both sides, as NimBLE; values up to MTU - 3 travel
 * in one PDU split over several ACL packets. */
static void test_large_mtu(void **state)
{
	(void)state;
	register_services();
	connect_pc();
	assert_int_equal(zble_mp_set_mtu(&P->mp, 517), 0);
	assert_int_equal(zble_mp_set_mtu(&C->mp, 300), 0);
	assert_int_equal(zble_mp_gattc_exchange_mtu(&C->mp, 0), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "mtu_exchanged 0 300\n");
	assert_string_equal(TAKE(P), "mtu_exchanged 0 300\n");
	uint8_t big[400];
	for (int i = 0; i < 400; i++) {
		big[i] = (uint8_t)(i * 7);
	}
	/* A write of 320 bytes is cut to 297 and stored whole. */
	assert_int_equal(zble_mp_gatts_set_buffer(&P->mp, 15, 400, false), 0);
	assert_int_equal(zble_mp_gattc_write(&C->mp, 0, 15, big, 320, 1), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "gattc_write_done 0 15 0\n");
	assert_string_equal(TAKE(P), "gatts_write 0 15\n");
	uint8_t got[400];
	size_t len;
	assert_int_equal(zble_mp_gatts_read(&P->mp, 15, got, sizeof(got), &len), 0);
	assert_int_equal(len, 297);
	assert_memory_equal(got, big, 297);
	/* A notification of 400 bytes arrives as one value of 297. */
	struct notified n = { 0 };
	C->user = &n;
	C->hook = keep_notify;
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 15, ZBLE_MP_GATTS_OP_NOTIFY, big, 400), 0);
	mpt_run(T, 300);
	assert_int_equal(n.count, 1);
	assert_int_equal(n.len, 297);
	assert_memory_equal(n.data, big, 297);
	C->hook = NULL;
	TAKE(C);
	/* The largest: 517 both ways (a second link, to Q). */
	struct mpt_dev *Q = &T->d[2];
	uint8_t type;
	assert_int_equal(zble_mp_active(&Q->mp, true), 0);
	assert_int_equal(zble_mp_get_mac(&Q->mp, &type, Q->addr), 0);
	assert_int_equal(zble_mp_set_mtu(&Q->mp, 517), 0);
	assert_int_equal(zble_mp_set_mtu(&C->mp, 517), 0);
	assert_int_equal(zble_mp_gap_advertise_start(&Q->mp, true, 20000, adv_data, sizeof(adv_data), NULL, 0), 0);
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, Q->addr, 2000, 0, 0), 0);
	assert_true(mpt_wait(T, C, "peripheral_connect 1 ", 3000) >= 0);
	assert_true(mpt_wait(T, Q, "central_connect 0 ", 100) >= 0);
	assert_int_equal(zble_mp_gattc_exchange_mtu(&C->mp, 1), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "mtu_exchanged 1 517\n");
	assert_string_equal(TAKE(Q), "mtu_exchanged 0 517\n");
}

/* A read's READ_RESULT and READ_DONE, a discovery's last result and its
 * DONE come inside one irq_batch (a threaded shim keeps its application
 * out in between, as MicroPython's single scheduler pass does). */
static void test_batches(void **state)
{
	(void)state;
	register_services();
	assert_int_equal(zble_mp_gatts_write(&P->mp, 12, (const uint8_t *)"v", 1, false), 0);
	connect_pc();
	C->batches = true;
	assert_int_equal(zble_mp_gattc_read(&C->mp, 0, 12), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "batch{\ngattc_read_result 0 12 76\ngattc_read_done 0 12 0\n}batch\n");
	/* A failed read (NimBLE's 0x100 + ATT error): READ_DONE alone, still bracketed. */
	assert_int_equal(zble_mp_gattc_read(&C->mp, 0, 99), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "batch{\ngattc_read_done 0 99 257\n}batch\n");
	assert_int_equal(zble_mp_gattc_discover_services(&C->mp, 0, NULL), 0);
	mpt_run(T, 500);
	const char *got = TAKE(C);
	assert_non_null(strstr(got, "batch{\ngattc_service_done 0 0\n}batch\n"));
	/* Notifications are single events: no batch. */
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 12, ZBLE_MP_GATTS_OP_NOTIFY, NULL, 0), 0);
	mpt_run(T, 300);
	assert_string_equal(TAKE(C), "gattc_notify 0 12 76\n");
}

/* ---- calls from inside upcalls ---- */

struct chain {
	uint16_t start, end, value;
	int active_err, hci_err;
};

static int c_chain(struct mpt_dev *d, struct zble_mp_event *ev)
{
	struct chain *ch = d->user;
	struct zble_mp_uuid svc = mpt_uuid16(0x180d);
	switch (ev->code) {
	case ZBLE_MP_IRQ_PERIPHERAL_CONNECT:
		ch->active_err = zble_mp_active(&d->mp, false);
		uint8_t st;
		ch->hci_err = zble_mp_hci_cmd(&d->mp, 4, 1, NULL, 0, NULL, 0, NULL, &st);
		assert_int_equal(zble_mp_gattc_exchange_mtu(&d->mp, ev->conn_handle), 0);
		assert_int_equal(zble_mp_gattc_discover_services(&d->mp, ev->conn_handle, &svc), 0);
		break;
	case ZBLE_MP_IRQ_GATTC_SERVICE_RESULT:
		ch->start = ev->handle;
		ch->end = ev->end_handle;
		break;
	case ZBLE_MP_IRQ_GATTC_SERVICE_DONE:
		assert_int_equal(zble_mp_gattc_discover_characteristics(&d->mp, ev->conn_handle, ch->start, ch->end, NULL),
				 0);
		break;
	case ZBLE_MP_IRQ_GATTC_CHARACTERISTIC_RESULT:
		if (!ch->value) {
			ch->value = ev->handle;
		}
		break;
	case ZBLE_MP_IRQ_GATTC_CHARACTERISTIC_DONE:
		assert_int_equal(zble_mp_gattc_write(&d->mp, ev->conn_handle, (uint16_t)(ch->value + 1),
						     (const uint8_t *)"\x01\x00", 2, 1), 0);
		assert_int_equal(zble_mp_gattc_read(&d->mp, ev->conn_handle, ch->value), 0);
		assert_int_equal(zble_mp_gattc_read(&d->mp, ev->conn_handle, ch->value), 0);
		break;
	case ZBLE_MP_IRQ_GATTC_READ_DONE:
		if (ch->value == ev->handle && ev->status == 0 && d->n > 0 &&
		    strstr(d->lines[d->n - 2], "gattc_read_result") && ch->end) {
			ch->end = 0; /* after the second read: disconnect from the handler */
			return 0;
		}
		break;
	default:
		break;
	}
	return 0;
}

static void test_upcall_chain(void **state)
{
	(void)state;
	register_services();
	assert_int_equal(zble_mp_gatts_write(&P->mp, 12, (const uint8_t *)"v", 1, false), 0);
	struct chain ch = { 0 };
	C->user = &ch;
	C->hook = c_chain;
	connect_pc();
	mpt_run(T, 2000);
	assert_int_equal(ch.active_err, ZBLE_MP_EBUSY);
	assert_int_equal(ch.hci_err, ZBLE_MP_EBUSY);
	assert_true(zble_mp_is_active(&C->mp));
	assert_string_equal(TAKE(C), "mtu_exchanged 0 256\n"
				     "gattc_service_result 0 10 19 UUID(0x180d)\n"
				     "gattc_service_done 0 0\n"
				     "gattc_characteristic_result 0 13 12 18 UUID(0x2a37)\n"
				     "gattc_characteristic_result 0 17 15 62 UUID(1234567812345678123456789abcdef0)\n"
				     "gattc_characteristic_result 0 19 19 10 UUID(0x2a39)\n"
				     "gattc_characteristic_done 0 0\n"
				     "gattc_write_done 0 13 0\n"
				     "gattc_read_result 0 12 76\n"
				     "gattc_read_done 0 12 0\n"
				     "gattc_read_result 0 12 76\n"
				     "gattc_read_done 0 12 0\n");
	/* The peripheral saw the MTU and two read requests, no write. */
	assert_string_equal(TAKE(P), "mtu_exchanged 0 256\ngatts_read_request 0 12\ngatts_read_request 0 12\n");
}

/* Two links at once from one central, each with its own handle, client
 * queue and MTU; one goes, the other stays. */
static void test_two_links(void **state)
{
	(void)state;
	struct mpt_dev *Q = &T->d[2];
	uint8_t type;
	assert_int_equal(zble_mp_active(&Q->mp, true), 0);
	assert_int_equal(zble_mp_get_mac(&Q->mp, &type, Q->addr), 0);
	register_services();
	connect_pc();
	struct zble_mp_uuid svc = mpt_uuid16(0x181a), chr = mpt_uuid16(0x2a6e);
	uint16_t fl = ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_NOTIFY, h;
	assert_int_equal(zble_mp_gatts_register_begin(&Q->mp, false), 0);
	assert_int_equal(zble_mp_gatts_register_service(&Q->mp, &svc, &chr, &fl, NULL, NULL, NULL, 1, &h), 0);
	assert_int_equal(zble_mp_gatts_register_end(&Q->mp), 0);
	assert_int_equal(h, 12);
	assert_int_equal(zble_mp_gatts_write(&Q->mp, 12, (const uint8_t *)"q", 1, false), 0);
	assert_int_equal(zble_mp_gatts_write(&P->mp, 12, (const uint8_t *)"p", 1, false), 0);
	assert_int_equal(zble_mp_gap_advertise_start(&Q->mp, true, 20000, adv_data, sizeof(adv_data), NULL, 0), 0);
	assert_int_equal(zble_mp_gap_connect(&C->mp, 0, Q->addr, 2000, 0, 0), 0);
	assert_true(mpt_wait(T, C, "peripheral_connect 1 ", 3000) >= 0);
	assert_true(mpt_wait(T, Q, "central_connect 0 ", 100) >= 0);
	/* Both links at once: reads queued on each. */
	assert_int_equal(zble_mp_gattc_read(&C->mp, 0, 12), 0);
	assert_int_equal(zble_mp_gattc_read(&C->mp, 1, 12), 0);
	assert_int_equal(zble_mp_set_mtu(&Q->mp, 64), 0);
	assert_int_equal(zble_mp_gattc_exchange_mtu(&C->mp, 1), 0);
	mpt_run(T, 500);
	const char *got = TAKE(C);
	assert_non_null(strstr(got, "gattc_read_result 0 12 70\ngattc_read_done 0 12 0\n"));
	assert_non_null(strstr(got, "gattc_read_result 1 12 71\ngattc_read_done 1 12 0\n"));
	assert_non_null(strstr(got, "mtu_exchanged 1 64\n"));
	assert_null(strstr(got, "mtu_exchanged 0"));
	assert_string_equal(TAKE(Q), "gatts_read_request 0 12\nmtu_exchanged 0 64\n");
	/* Forced notifications on each link. */
	assert_int_equal(zble_mp_gatts_notify_indicate(&P->mp, 0, 12, 1, NULL, 0), 0);
	assert_int_equal(zble_mp_gatts_notify_indicate(&Q->mp, 0, 12, 1, NULL, 0), 0);
	mpt_run(T, 300);
	got = TAKE(C);
	assert_non_null(strstr(got, "gattc_notify 0 12 70\n"));
	assert_non_null(strstr(got, "gattc_notify 1 12 71\n"));
	/* The first link goes; the second keeps working. */
	assert_int_equal(zble_mp_gap_disconnect(&C->mp, 0), 0);
	assert_true(mpt_wait(T, C, "peripheral_disconnect 0 ", 1000) >= 0);
	assert_int_equal(zble_mp_gattc_read(&C->mp, 0, 12), ZBLE_MP_ENOTCONN);
	assert_int_equal(zble_mp_gattc_read(&C->mp, 1, 12), 0);
	assert_true(mpt_wait(T, C, "gattc_read_done 1 12 0", 1000) >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_discovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_indicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_mtu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upcall_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_links, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
