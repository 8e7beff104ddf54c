/* The H4 stream framer (zble/h4.h): packets split over and merged into
 * chunks, byte-by-byte feeding, resynchronisation after garbage and after
 * over-length headers, limits, and a fixed-seed fuzz run that checks the
 * framer's byte accounting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "zble/h4.h"

#include "../support/fuzz_seed.h"

/* ---- helpers ---- */

#define LOG_BYTES (2u << 20)
#define LOG_PKTS 8192

struct rxlog {
	uint8_t bytes[LOG_BYTES];
	size_t len;
	size_t off[LOG_PKTS + 1];
	size_t npkts;
	int refuse;        /* callback return value */
	bool check_shape;  /* assert each packet is well formed */
	size_t data_max;
};

static struct rxlog rx; /* tests only: src/ keeps no file-scope state */

static int on_packet(void *ctx, const uint8_t *pkt, size_t len)
{
	struct rxlog *l = ctx;
	assert_true(len >= 1 && len <= ZBLE_H4_PKT_MAX);
	if (l->check_shape) {
		assert_int_equal(zble_h4_packet_len(pkt, len, l->data_max), (int)len);
	}
	if (l->npkts < LOG_PKTS && l->len + len <= LOG_BYTES) {
		memcpy(&l->bytes[l->len], pkt, len);
		l->off[l->npkts] = l->len;
		l->len += len;
		l->npkts++;
		l->off[l->npkts] = l->len;
	}
	return l->refuse;
}

static void log_reset(void)
{
	memset(&rx, 0, sizeof(rx));
}

static uint32_t rng_next(uint32_t *s)
{
	/* xorshift32: deterministic, seedable */
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Appends one well-formed packet of the given type and payload length. */
static size_t put_pkt(uint8_t *out, uint8_t type, size_t plen, uint32_t *seed)
{
	size_t n = 0;
	out[n++] = type;
	switch (type) {
	case ZBLE_H4_EVT:
		out[n++] = (uint8_t)(1 + rng_next(seed) % 0x3e); /* never 0 */
		out[n++] = (uint8_t)plen;
		break;
	case ZBLE_H4_CMD:
		out[n++] = 0x03;
		out[n++] = 0x0c;
		out[n++] = (uint8_t)plen;
		break;
	case ZBLE_H4_SCO:
		out[n++] = 0x01;
		out[n++] = 0x00;
		out[n++] = (uint8_t)plen;
		break;
	case ZBLE_H4_ACL:
	case ZBLE_H4_ISO:
		out[n++] = 0x40;
		out[n++] = 0x20;
		out[n++] = (uint8_t)plen;
		out[n++] = (uint8_t)(plen >> 8);
		break;
	}
	for (size_t i = 0; i < plen; i++) {
		/* Payload bytes are never type bytes: keeps resync tests exact. */
		out[n++] = (uint8_t)(0x10 + rng_next(seed) % 0xe0);
	}
	return n;
}

/* A stream of count random packets (host-side types); returns its length
 * and records packet boundaries in offs (count + 1 entries). */
static size_t make_stream(uint8_t *out, size_t count, size_t *bounds, uint32_t seed)
{
	static const uint8_t types[] = { ZBLE_H4_EVT, ZBLE_H4_ACL, ZBLE_H4_SCO, ZBLE_H4_ISO };
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		uint8_t type = types[rng_next(&seed) % 4];
		size_t max = (type == ZBLE_H4_ACL || type == ZBLE_H4_ISO) ? ZBLE_H4_DATA_MAX : 255;
		size_t plen = rng_next(&seed) % 4 == 0 ? max : rng_next(&seed) % (max + 1);
		if (rng_next(&seed) % 8 == 0) {
			plen = 0;
		}
		bounds[i] = n;
		n += put_pkt(out + n, type, plen, &seed);
	}
	bounds[count] = n;
	assert_true(n <= (2u << 20));
	return n;
}

static struct zble_h4 h4;
static uint8_t stream[2u << 20];
static size_t offs[LOG_PKTS + 1];

static void assert_log_equals(const uint8_t *s, const size_t *o, size_t count)
{
	assert_int_equal(rx.npkts, count);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(rx.off[i + 1] - rx.off[i], o[i + 1] - o[i]);
		assert_memory_equal(&rx.bytes[rx.off[i]], &s[o[i]], o[i + 1] - o[i]);
	}
}

/* Every byte fed is delivered, skipped, or part of the packet in progress. */
static void assert_accounting(size_t fed)
{
	assert_int_equal(fed, rx.len + h4.stats.skipped_bytes + h4.pos);
}

static int setup(void **state)
{
	(void)state;
	log_reset();
	zble_h4_init(&h4, ZBLE_H4_ACCEPT_HOST, 0, on_packet, &rx);
	return 0;
}

/* ---- tests ---- */

static void test_packet_len(void **state)
{
	(void)state;
	const uint8_t evt[] = { 0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 };
	assert_int_equal(zble_h4_packet_len(evt, 0, 0), 0);
	assert_int_equal(zble_h4_packet_len(evt, 1, 0), 0);
	assert_int_equal(zble_h4_packet_len(evt, 2, 0), 0);
	assert_int_equal(zble_h4_packet_len(evt, 3, 0), 7);
	assert_int_equal(zble_h4_packet_len(evt, sizeof(evt), 0), 7);
	const uint8_t cmd[] = { 0x01, 0x03, 0x0c, 0x00 };
	assert_int_equal(zble_h4_packet_len(cmd, 4, 0), 4);
	const uint8_t acl[] = { 0x02, 0x01, 0x20, 0xfb, 0x00 };
	assert_int_equal(zble_h4_packet_len(acl, 4, 0), 0);
	assert_int_equal(zble_h4_packet_len(acl, 5, 0), 5 + 251);
	assert_int_equal(zble_h4_packet_len(acl, 5, 251), 5 + 251);
	assert_int_equal(zble_h4_packet_len(acl, 5, 250), -EMSGSIZE);
	const uint8_t iso[] = { 0x05, 0x01, 0x00, 0x10, 0xc0 }; /* RFU bits set, len 16 */
	assert_int_equal(zble_h4_packet_len(iso, 5, 0), 5 + 16);
	const uint8_t sco[] = { 0x03, 0x01, 0x00, 0xff };
	assert_int_equal(zble_h4_packet_len(sco, 4, 0), 4 + 255);
	const uint8_t bad[] = { 0x06, 0x00 };
	assert_int_equal(zble_h4_packet_len(bad, 2, 0), -EBADMSG);
	const uint8_t zero[] = { 0x00 };
	assert_int_equal(zble_h4_packet_len(zero, 1, 0), -EBADMSG);
}

static void test_single_event(void **state)
{
	(void)state;
	const uint8_t evt[] = { 0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 };
	assert_int_equal(zble_h4_feed(&h4, evt, sizeof(evt)), 1);
	assert_int_equal(rx.npkts, 1);
	assert_int_equal(rx.len, sizeof(evt));
	assert_memory_equal(rx.bytes, evt, sizeof(evt));
	assert_false(zble_h4_busy(&h4));
	assert_int_equal(h4.stats.packets, 1);
	assert_int_equal(h4.stats.framing_errors, 0);
}

static void test_split_header_and_payload(void **state)
{
	(void)state;
	uint8_t acl[5 + 27];
	uint32_t seed = 7;
	size_t n = put_pkt(acl, ZBLE_H4_ACL, 27, &seed);
	/* split inside the header, then inside the payload */
	for (size_t a = 1; a < n; a++) {
		for (size_t b = a; b < n; b++) {
			log_reset();
			zble_h4_init(&h4, 0, 0, on_packet, &rx);
			assert_int_equal(zble_h4_feed(&h4, acl, a), 0);
			assert_true(zble_h4_busy(&h4));
			assert_int_equal(zble_h4_feed(&h4, acl + a, b - a), 0);
			assert_int_equal(zble_h4_feed(&h4, acl + b, n - b), 1);
			assert_int_equal(rx.npkts, 1);
			assert_memory_equal(rx.bytes, acl, n);
		}
	}
}

static void test_zero_length_packets(void **state)
{
	(void)state;
	const uint8_t s[] = { 0x04, 0x3e, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x05, 0x02, 0x00, 0x00, 0x00 };
	assert_int_equal(zble_h4_feed(&h4, s, sizeof(s)), 3);
	assert_int_equal(rx.off[1], 3);
	assert_int_equal(rx.off[2], 8);
	assert_int_equal(rx.off[3], 13);
}

static void test_merged_chunk(void **state)
{
	(void)state;
	size_t n = make_stream(stream, 300, offs, 1234);
	assert_int_equal(zble_h4_feed(&h4, stream, n), 300);
	assert_log_equals(stream, offs, 300);
	assert_int_equal(h4.stats.framing_errors, 0);
	assert_accounting(n);
}

static void test_byte_by_byte(void **state)
{
	(void)state;
	size_t n = make_stream(stream, 200, offs, 99);
	size_t got = 0;
	for (size_t i = 0; i < n; i++) {
		got += zble_h4_feed(&h4, &stream[i], 1);
	}
	assert_int_equal(got, 200);
	assert_log_equals(stream, offs, 200);
	assert_accounting(n);
}

static void test_random_splits(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 20; seed++) {
		log_reset();
		zble_h4_init(&h4, 0, 0, on_packet, &rx);
		size_t n = make_stream(stream, 150, offs, seed * 7919);
		uint32_t s = seed;
		size_t pos = 0;
		while (pos < n) {
			size_t chunk = 1 + rng_next(&s) % (seed % 2 ? 8 : 700);
			if (chunk > n - pos) {
				chunk = n - pos;
			}
			zble_h4_feed(&h4, stream + pos, chunk);
			pos += chunk;
		}
		assert_log_equals(stream, offs, 150);
		assert_int_equal(h4.stats.framing_errors, 0);
	}
}

static void test_empty_feed(void **state)
{
	(void)state;
	assert_int_equal(zble_h4_feed(&h4, NULL, 0), 0);
	assert_int_equal(rx.npkts, 0);
}

static void test_garbage_resync(void **state)
{
	(void)state;
	/* packets with runs of non-type bytes before, between and after them */
	uint32_t seed = 42;
	size_t n = 0, garbage = 0, runs = 0;
	size_t good[41];
	uint8_t ref[1u << 16];
	size_t refn = 0;
	size_t count = 0;
	for (int i = 0; i < 40; i++) {
		if (i % 3 != 1) {
			size_t g = 1 + rng_next(&seed) % 20;
			for (size_t k = 0; k < g; k++) {
				uint8_t b = (uint8_t)rng_next(&seed);
				if (b >= 0x01 && b <= 0x05) {
					b = (uint8_t)(b + 0x40);
				}
				stream[n++] = b;
			}
			garbage += g;
			runs++;
		}
		uint8_t type = (i % 2) ? ZBLE_H4_EVT : ZBLE_H4_ACL;
		size_t len = put_pkt(stream + n, type, (size_t)(rng_next(&seed) % 100), &seed);
		good[count] = refn;
		memcpy(ref + refn, stream + n, len);
		refn += len;
		n += len;
		count++;
	}
	good[count] = refn;
	/* feed in uneven chunks */
	size_t pos = 0;
	while (pos < n) {
		size_t chunk = 1 + rng_next(&seed) % 37;
		if (chunk > n - pos) {
			chunk = n - pos;
		}
		zble_h4_feed(&h4, stream + pos, chunk);
		pos += chunk;
	}
	assert_log_equals(ref, good, count);
	assert_int_equal(h4.stats.skipped_bytes, garbage);
	assert_int_equal(h4.stats.framing_errors, runs);
	assert_accounting(n);
}

static void test_unknown_type_counted_once_per_loss(void **state)
{
	(void)state;
	const uint8_t junk[] = { 0x00, 0xff, 0x06, 0x07, 0x80 };
	zble_h4_feed(&h4, junk, sizeof(junk));
	zble_h4_feed(&h4, junk, sizeof(junk));
	assert_int_equal(h4.stats.framing_errors, 1);
	assert_int_equal(h4.stats.skipped_bytes, 10);
	const uint8_t evt[] = { 0x04, 0x13, 0x00 };
	zble_h4_feed(&h4, evt, sizeof(evt));
	zble_h4_feed(&h4, junk, 1);
	assert_int_equal(h4.stats.framing_errors, 2);
	assert_int_equal(rx.npkts, 1);
}

static void test_oversize_acl_resync(void **state)
{
	(void)state;
	/* ACL announcing 2000 bytes (> 1024), then a good event */
	const uint8_t s[] = { 0x02, 0x40, 0x20, 0xd0, 0x07, 0xaa, 0xbb,
			      0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 };
	assert_int_equal(zble_h4_feed(&h4, s, sizeof(s)), 1);
	assert_int_equal(rx.npkts, 1);
	assert_memory_equal(rx.bytes, s + 7, 7);
	assert_int_equal(h4.stats.oversize, 1);
	assert_int_equal(h4.stats.framing_errors, 1);
	assert_int_equal(h4.stats.skipped_bytes, 7);
	assert_accounting(sizeof(s));
}

static void test_oversize_rescans_header_bytes(void **state)
{
	(void)state;
	/* The bogus ACL "header" holds a real event start: 02 | 04 0e 00 ff.
	 * The event (04 0e 00) is found by rescanning the header bytes; 0xff is
	 * skipped; the rest of the stream follows. */
	const uint8_t s[] = { 0x02, 0x04, 0x0e, 0x00, 0xff, 0x04, 0x05, 0x00 };
	zble_h4_init(&h4, 0, 100, on_packet, &rx);
	assert_int_equal(zble_h4_feed(&h4, s, sizeof(s)), 2);
	assert_int_equal(rx.npkts, 2);
	assert_memory_equal(rx.bytes, s + 1, 3);
	assert_memory_equal(rx.bytes + 3, s + 5, 3);
	assert_int_equal(h4.stats.oversize, 1);
	assert_accounting(sizeof(s));
}

static void test_data_max_limit(void **state)
{
	(void)state;
	uint32_t seed = 5;
	zble_h4_init(&h4, 0, 251, on_packet, &rx);
	size_t n = put_pkt(stream, ZBLE_H4_ACL, 251, &seed);
	size_t m = put_pkt(stream + n, ZBLE_H4_ACL, 252, &seed);
	size_t k = put_pkt(stream + n + m, ZBLE_H4_ISO, 251, &seed);
	zble_h4_feed(&h4, stream, n + m + k);
	assert_int_equal(h4.stats.oversize, 1);
	assert_int_equal(rx.npkts, 2);
	assert_int_equal(rx.off[1], n);
	assert_memory_equal(rx.bytes + n, stream + n + m, k);
	assert_accounting(n + m + k);
}

static void test_largest_packets(void **state)
{
	(void)state;
	uint32_t seed = 11;
	size_t n = put_pkt(stream, ZBLE_H4_ACL, ZBLE_H4_DATA_MAX, &seed);
	n += put_pkt(stream + n, ZBLE_H4_EVT, 255, &seed);
	n += put_pkt(stream + n, ZBLE_H4_ISO, ZBLE_H4_DATA_MAX, &seed);
	assert_int_equal(zble_h4_feed(&h4, stream, n), 3);
	assert_int_equal(rx.off[1], ZBLE_H4_PKT_MAX);
	assert_int_equal(h4.stats.framing_errors, 0);
	/* data_max above the buffer is clamped to it */
	zble_h4_init(&h4, 0, 100000, on_packet, &rx);
	assert_int_equal(h4.data_max, ZBLE_H4_DATA_MAX);
}

static void test_accept_mask(void **state)
{
	(void)state;
	const uint8_t cmd[] = { 0x01, 0x03, 0x0c, 0x00 };
	/* host side: a command from the controller is garbage */
	zble_h4_feed(&h4, cmd, sizeof(cmd));
	assert_int_equal(rx.npkts, 0);
	assert_int_equal(h4.stats.framing_errors, 1);
	/* controller side: commands yes, events no */
	log_reset();
	zble_h4_init(&h4, ZBLE_H4_ACCEPT_CONTROLLER, 0, on_packet, &rx);
	assert_int_equal(zble_h4_feed(&h4, cmd, sizeof(cmd)), 1);
	const uint8_t evt[] = { 0x04, 0x13, 0x00 };
	assert_int_equal(zble_h4_feed(&h4, evt, sizeof(evt)), 0);
	assert_int_equal(h4.stats.skipped_bytes, 3);
	/* 0 means the host mask */
	zble_h4_init(&h4, 0, 0, on_packet, &rx);
	assert_int_equal(h4.accept, ZBLE_H4_ACCEPT_HOST);
}

static void test_refused_packets_counted(void **state)
{
	(void)state;
	const uint8_t evt[] = { 0x04, 0x13, 0x00, 0x04, 0x13, 0x00 };
	rx.refuse = -ENOMEM;
	assert_int_equal(zble_h4_feed(&h4, evt, sizeof(evt)), 2);
	assert_int_equal(h4.stats.packets, 2);
	assert_int_equal(h4.stats.dropped, 2);
	/* and without a callback nothing breaks */
	zble_h4_init(&h4, 0, 0, NULL, NULL);
	assert_int_equal(zble_h4_feed(&h4, evt, sizeof(evt)), 2);
}

static void test_reset_drops_partial(void **state)
{
	(void)state;
	const uint8_t part[] = { 0x04, 0x0e, 0x04, 0x01 };
	const uint8_t evt[] = { 0x04, 0x13, 0x00 };
	zble_h4_feed(&h4, part, sizeof(part));
	assert_true(zble_h4_busy(&h4));
	zble_h4_reset(&h4);
	assert_false(zble_h4_busy(&h4));
	assert_int_equal(zble_h4_feed(&h4, evt, sizeof(evt)), 1);
	assert_memory_equal(rx.bytes, evt, 3);
	assert_int_equal(h4.stats.framing_errors, 0);
}

/* 200k random bytes in random chunks: must not crash, every delivered
 * packet must be well formed, and the byte accounting must balance. */
static void test_fuzz_random_bytes(void **state)
{
	(void)state;
	const size_t total = 200000;
	uint32_t seed = (uint32_t)zble_fuzz_seed("h4 random bytes", 0xC0FFEEu);
	seed = seed ? seed : 0xC0FFEEu; /* xorshift: any seed but 0 */
	rx.check_shape = true;
	for (int round = 0; round < 2; round++) {
		log_reset();
		rx.check_shape = true;
		rx.data_max = round ? 64 : 0;
		zble_h4_init(&h4, round ? ZBLE_H4_ACCEPT_CONTROLLER : 0, rx.data_max, on_packet, &rx);
		for (size_t i = 0; i < total; i++) {
			stream[i] = (uint8_t)rng_next(&seed);
		}
		size_t pos = 0;
		while (pos < total) {
			size_t chunk = 1 + rng_next(&seed) % 512;
			if (chunk > total - pos) {
				chunk = total - pos;
			}
			zble_h4_feed(&h4, stream + pos, chunk);
			pos += chunk;
		}
		assert_accounting(total);
		assert_true(h4.stats.framing_errors > 0);
		assert_true(h4.pos <= ZBLE_H4_PKT_MAX);
	}
}

/* Valid traffic with random corruption: after each burst of garbage the
 * framer must be back in sync within a few packets. */
static void test_fuzz_corrupted_stream(void **state)
{
	(void)state;
	uint32_t seed = (uint32_t)zble_fuzz_seed("h4 corrupted stream", 0xBEEF);
	seed = seed ? seed : 0xBEEF; /* xorshift: any seed but 0 */
	rx.check_shape = true;
	make_stream(stream, 2000, offs, 777);
	for (size_t i = 0; i < 2000; i++) {
		size_t a = offs[i], b = offs[i + 1];
		if (rng_next(&seed) % 10 == 0) {
			uint8_t junk[64];
			size_t j = 1 + rng_next(&seed) % sizeof(junk);
			for (size_t k = 0; k < j; k++) {
				junk[k] = (uint8_t)rng_next(&seed);
			}
			zble_h4_feed(&h4, junk, j);
		}
		zble_h4_feed(&h4, stream + a, b - a);
	}
	/* a final clean packet always arrives once the stream is idle */
	zble_h4_reset(&h4);
	size_t before = rx.npkts;
	const uint8_t evt[] = { 0x04, 0x13, 0x00 };
	zble_h4_feed(&h4, evt, sizeof(evt));
	assert_int_equal(rx.npkts, before + 1);
	assert_true(rx.npkts > 1600);
	assert_true(h4.stats.framing_errors > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_packet_len, setup),
		cmocka_unit_test_setup(test_single_event, setup),
		cmocka_unit_test_setup(test_split_header_and_payload, setup),
		cmocka_unit_test_setup(test_zero_length_packets, setup),
		cmocka_unit_test_setup(test_merged_chunk, setup),
		cmocka_unit_test_setup(test_byte_by_byte, setup),
		cmocka_unit_test_setup(test_random_splits, setup),
		cmocka_unit_test_setup(test_empty_feed, setup),
		cmocka_unit_test_setup(test_garbage_resync, setup),
		cmocka_unit_test_setup(test_unknown_type_counted_once_per_loss, setup),
		cmocka_unit_test_setup(test_oversize_acl_resync, setup),
		cmocka_unit_test_setup(test_oversize_rescans_header_bytes, setup),
		cmocka_unit_test_setup(test_data_max_limit, setup),
		cmocka_unit_test_setup(test_largest_packets, setup),
		cmocka_unit_test_setup(test_accept_mask, setup),
		cmocka_unit_test_setup(test_refused_packets_counted, setup),
		cmocka_unit_test_setup(test_reset_drops_partial, setup),
		cmocka_unit_test_setup(test_fuzz_random_bytes, setup),
		cmocka_unit_test_setup(test_fuzz_corrupted_stream, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
