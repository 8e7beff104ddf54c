/* ACL data through a link: raw hosts on both controllers. The sender keeps
 * the controller's buffers full (refilling on Number Of Completed Packets),
 * the receiver checks order and content; throughput is compared with the
 * link-layer capacity on LE 1M (reference-hosts.md 6.4); lost packets are
 * retransmitted; payloads larger than the LL data length are fragmented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

struct flow {
	struct raw_host *tx, *rx;
	unsigned total, sent, nocp, received, bytes;
	uint16_t size;
	uint8_t outstanding, max_outstanding;
	uint64_t first_rx, last_rx;
	unsigned bad_order, bad_pb, bad_data;
	unsigned frag_off; /* receiver: bytes into the current packet */
	uint16_t rx_handle;
};

static void send_next(struct flow *f)
{
	while (f->sent < f->total && f->outstanding < f->max_outstanding) {
		uint8_t pkt[5 + 251];
		pkt[0] = ZBLE_H4_ACL;
		pkt[1] = 0x00;
		pkt[2] = 0x00; /* handle 0, PB 00: first non-flushable */
		pkt[3] = (uint8_t)f->size;
		pkt[4] = (uint8_t)(f->size >> 8);
		for (unsigned i = 0; i < f->size; i++) {
			pkt[5 + i] = (uint8_t)(f->sent + i);
		}
		memcpy(pkt + 5, &f->sent, 4);
		assert_int_equal(f->tx->drv->send(f->tx->drv, pkt, 5u + f->size), 0);
		f->sent++;
		f->outstanding++;
	}
}

static void tx_hook(struct raw_host *rh, const uint8_t *pkt, size_t len)
{
	struct flow *f = rh->user;
	if (len >= 8 && pkt[0] == ZBLE_H4_EVT && pkt[1] == 0x13) {
		unsigned n = pkt[6] | (pkt[7] << 8);
		f->nocp += n;
		f->outstanding = (uint8_t)(f->outstanding - n);
		send_next(f);
	}
}

static void rx_hook(struct raw_host *rh, const uint8_t *pkt, size_t len)
{
	struct flow *f = rh->user;
	if (len < 5 || pkt[0] != ZBLE_H4_ACL) {
		return;
	}
	uint16_t hf = (uint16_t)(pkt[1] | (pkt[2] << 8));
	uint16_t n = (uint16_t)(pkt[3] | (pkt[4] << 8));
	uint8_t pb = (uint8_t)((hf >> 12) & 3);
	f->rx_handle = hf & 0x0fff;
	if ((pb == 0x02) != (f->frag_off == 0)) {
		f->bad_pb++;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned off = f->frag_off + i;
		if (off >= 4 && pkt[5 + i] != (uint8_t)(f->received + off)) {
			f->bad_data++;
		}
	}
	if (f->frag_off == 0) {
		uint32_t seq;
		memcpy(&seq, pkt + 5, 4);
		if (seq != f->received) {
			f->bad_order++;
		}
	}
	f->frag_off += n;
	f->bytes += n;
	if (f->frag_off >= f->size) {
		f->frag_off = 0;
		f->received++;
		if (!f->first_rx) {
			f->first_rx = zble_sim_now_us(rh->dev->sim);
		}
		f->last_rx = zble_sim_now_us(rh->dev->sim);
	}
}

struct env {
	struct zble_sim *sim;
	struct raw_host p, c;
};

static void make_link(struct env *e, uint64_t seed, bool dle)
{
	e->sim = calloc(1, sizeof(*e->sim));
	zble_sim_init(e->sim, seed);
	raw_init(&e->p, zble_sim_add_device(e->sim, NULL));
	raw_init(&e->c, zble_sim_add_device(e->sim, NULL));
	uint64_t le_mask = 0x1f | (1ull << 6); /* + Data Length Change */
	raw_setup(&e->p, le_mask);
	raw_setup(&e->c, le_mask);
	uint8_t ap[15] = { 0x20, 0, 0x20, 0, 0x00 };
	ap[13] = 7;
	assert_int_equal(raw_cmd(&e->p, 0x2006, ap, 15, NULL, 0), 0);
	assert_int_equal(raw_cmd(&e->p, 0x200a, (uint8_t[]){ 1 }, 1, NULL, 0), 0);
	uint8_t cp[25] = { 0x10, 0, 0x10, 0, 0, 0x00, 0x01, 0x00, 0x5a, 0xee, 0xff, 0xc0, 0 };
	cp[13] = 40; /* 50 ms */
	cp[15] = 40;
	cp[19] = 200; /* 2 s */
	assert_int_equal(raw_cmd(&e->c, 0x200d, cp, 25, NULL, 0), 0);
	zble_sim_run_for(e->sim, 100000);
	assert_true(raw_find_le(&e->c, 0x01, 0) >= 0);
	assert_true(raw_find_le(&e->p, 0x01, 0) >= 0);
	if (dle) {
		uint8_t rp[2];
		assert_int_equal(raw_cmd(&e->c, 0x2022, (uint8_t[]){ 0, 0, 251, 0, 0x48, 0x08 }, 6, rp, 2), 0);
		zble_sim_run_for(e->sim, 300000);
		int dc = raw_find_le(&e->c, 0x07, 0), dp = raw_find_le(&e->p, 0x07, 0);
		assert_true(dc >= 0 && dp >= 0);
		const uint8_t *ev = e->c.log[dc].data;
		assert_int_equal(ev[6] | (ev[7] << 8), 251);  /* MaxTxOctets */
		assert_int_equal(ev[8] | (ev[9] << 8), 2120); /* MaxTxTime */
		ev = e->p.log[dp].data;
		assert_int_equal(ev[10] | (ev[11] << 8), 251); /* peripheral's MaxRxOctets */
	}
}

static void free_link(struct env *e)
{
	raw_free(&e->p);
	raw_free(&e->c);
	zble_sim_deinit(e->sim);
	free(e->sim);
}

static void run_flow(struct env *e, struct flow *f, unsigned total, uint16_t size, uint64_t limit_us)
{
	memset(f, 0, sizeof(*f));
	f->tx = &e->c;
	f->rx = &e->p;
	f->total = total;
	f->size = size;
	f->max_outstanding = e->c.dev->ctrl.acl_num;
	e->c.user = f;
	e->p.user = f;
	e->c.hook = tx_hook;
	e->p.hook = rx_hook;
	send_next(f);
	uint64_t until = zble_sim_now_us(e->sim) + limit_us;
	while (f->received < total && zble_sim_now_us(e->sim) < until) {
		zble_sim_run_for(e->sim, 10000);
	}
	assert_int_equal(f->received, total);
	assert_int_equal(f->nocp, total);
	assert_int_equal(f->bad_order, 0);
	assert_int_equal(f->bad_pb, 0);
	assert_int_equal(f->bad_data, 0);
	assert_int_equal(f->rx_handle, 0);
}

static void test_throughput(void **state)
{
	(void)state;
	struct env e;
	make_link(&e, 21, true);
	struct flow f;
	run_flow(&e, &f, 400, 251, 60000000);
	double secs = (double)(f.last_rx - f.first_rx) / 1e6;
	double kbps = (double)(f.received - 1) * 251 * 8 / secs / 1e3;
	/* Capacity: a 251-byte packet and an empty one, two T_IFS. */
	uint32_t cycle = zble_sim_air_time_us(251) + 150 + zble_sim_air_time_us(0) + 150;
	double cap = 251.0 * 8 / cycle * 1e3;
	print_message("400 x 251 bytes: %.1f kbit/s, capacity %.1f kbit/s (%.1f%%), cycle %u us\n", kbps, cap,
		      100 * kbps / cap, cycle);
	assert_int_equal(cycle, 2468);
	assert_true(kbps > 0.95 * cap && kbps <= cap * 1.001);
	assert_int_equal(e.c.dev->ctrl.stats.acl_overflow, 0);
	free_link(&e);
}

static void test_loss_retransmits(void **state)
{
	(void)state;
	struct env e;
	make_link(&e, 22, true);
	zble_sim_set_loss(e.sim, e.p.dev, e.c.dev, 0.1);
	struct flow f;
	run_flow(&e, &f, 200, 251, 60000000);
	uint32_t retx = e.c.dev->ctrl.stats.retransmissions;
	assert_true(retx > 0);
	print_message("10%% loss: 200 packets in order, %u retransmissions\n", retx);
	free_link(&e);
}

static void test_fragmentation_without_dle(void **state)
{
	(void)state;
	struct env e;
	make_link(&e, 23, false);
	struct flow f;
	run_flow(&e, &f, 20, 251, 10000000); /* 251 bytes in 27-byte LL PDUs */
	assert_int_equal(e.p.dev->ctrl.stats.acl_to_host, 20 * 10);
	free_link(&e);
}

static void test_buffer_overflow(void **state)
{
	(void)state;
	struct env e;
	make_link(&e, 24, true);
	uint8_t pkt[5 + 10] = { ZBLE_H4_ACL, 0, 0, 10, 0 };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(e.c.drv->send(e.c.drv, pkt, sizeof(pkt)), 0);
	}
	assert_int_equal(e.c.dev->ctrl.stats.acl_overflow, 1); /* 4 buffers */
	assert_true(raw_find_evt(&e.c, 0x1a, 0) >= 0);       /* Data Buffer Overflow */
	free_link(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_throughput),
		cmocka_unit_test(test_loss_retransmits),
		cmocka_unit_test(test_fragmentation_without_dle),
		cmocka_unit_test(test_buffer_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
