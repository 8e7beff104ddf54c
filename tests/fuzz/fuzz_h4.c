/* libFuzzer target: the H4 framer (src/drivers/h4.c) over an arbitrary
 * byte stream. The first two bytes choose the accepted packet types, the
 * payload limit and how the stream is cut into chunks; the rest is the
 * stream. The same stream fed whole, byte by byte and in random chunks
 * must give the same packets and counters (framing does not depend on how
 * the transport splits its reads), every packet must be complete and of an
 * accepted type, and every byte is accounted for: delivered, skipped, or
 * held as the start of the next packet. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zble/h4.h"

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz check failed: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                             \
		}                                                                            \
	} while (0)

struct run {
	struct zble_h4 h4;
	size_t data_max;
	uint64_t hash; /* FNV-1a over every packet, in order */
	size_t packets, bytes, returned;
};

static int on_packet(void *ctx, const uint8_t *pkt, size_t len)
{
	struct run *r = ctx;
	CHECK(len >= 1 && len <= ZBLE_H4_PKT_MAX);
	CHECK(pkt[0] < 16 && (r->h4.accept & (1u << pkt[0])));
	CHECK(zble_h4_packet_len(pkt, len, r->data_max) == (int)len);
	for (size_t i = 0; i < len; i++) {
		r->hash = (r->hash ^ pkt[i]) * 0x100000001b3ull;
	}
	r->hash = (r->hash ^ 0xff) * 0x100000001b3ull;
	r->packets++;
	r->bytes += len;
	/* Some packets are refused by the receiver (counted as dropped). */
	return (pkt[len - 1] & 0x0f) == 0x0f ? -1 : 0;
}

static const uint16_t accepts[4] = { 0, ZBLE_H4_ACCEPT_HOST, ZBLE_H4_ACCEPT_CONTROLLER, 0xffff };
static const size_t limits[4] = { 0, 255, 251, 300 };

static void run_init(struct run *r, uint8_t cfg)
{
	memset(r, 0, sizeof(*r));
	r->hash = 0xcbf29ce484222325ull;
	r->data_max = limits[(cfg >> 2) & 3];
	zble_h4_init(&r->h4, accepts[cfg & 3], r->data_max, on_packet, r);
	r->data_max = r->h4.data_max;
}

static void run_check(const struct run *r, size_t total)
{
	CHECK(r->returned == r->packets);
	CHECK(r->h4.stats.packets == r->packets);
	CHECK(r->bytes + r->h4.stats.skipped_bytes + r->h4.pos == total);
	CHECK(zble_h4_busy(&r->h4) == (r->h4.pos != 0));
}

static void run_same(const struct run *a, const struct run *b)
{
	CHECK(a->hash == b->hash && a->packets == b->packets && a->bytes == b->bytes);
	CHECK(a->h4.pos == b->h4.pos && memcmp(a->h4.buf, b->h4.buf, a->h4.pos) == 0);
	CHECK(memcmp(&a->h4.stats, &b->h4.stats, sizeof(a->h4.stats)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run whole, bytewise, chunked;
	if (size < 2) {
		return 0;
	}
	uint8_t cfg = data[0];
	uint32_t seed = data[1] | 1u;
	data += 2;
	size -= 2;

	run_init(&whole, cfg);
	whole.returned = zble_h4_feed(&whole.h4, data, size);
	run_check(&whole, size);

	run_init(&bytewise, cfg);
	for (size_t i = 0; i < size; i++) {
		bytewise.returned += zble_h4_feed(&bytewise.h4, data + i, 1);
	}
	run_check(&bytewise, size);
	run_same(&whole, &bytewise);

	run_init(&chunked, cfg);
	for (size_t off = 0; off < size;) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		size_t n = 1 + seed % ((cfg & 0x80) ? 7 : 300);
		n = n > size - off ? size - off : n;
		chunked.returned += zble_h4_feed(&chunked.h4, data + off, n);
		off += n;
	}
	run_check(&chunked, size);
	run_same(&whole, &chunked);

	/* A reset forgets the partial packet and nothing else. */
	struct zble_h4_stats before = chunked.h4.stats;
	zble_h4_reset(&chunked.h4);
	CHECK(!zble_h4_busy(&chunked.h4));
	CHECK(memcmp(&before, &chunked.h4.stats, sizeof(before)) == 0);
	return 0;
}
