/* Mailbox transport: driver ops and TX hook, malformed input, the ring
 * wrapping with variable-size packets over many laps (also across the 2^32
 * wrap of its indexes), the burst policy (advertising reports give way,
 * essential events still fit after a burst), ordering, the discardable
 * classifier, refusal and close, and a producer thread playing the interrupt
 * handler against the host draining concurrently (run under TSan too).
 *
 * Built twice: with the default ring and with a small one
 * (ZBLE_MAILBOX_RING_SIZE=256), so nothing here may assume a size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "zble/mailbox.h"

#define RING ((uint32_t)ZBLE_MAILBOX_RING_SIZE)
#define RESERVE ((uint32_t)ZBLE_MAILBOX_RESERVE)
#define MAX_PKT ((size_t)ZBLE_MAILBOX_MAX_PKT)

static struct zble_mailbox g_mb;

static uint32_t rec_bytes(size_t len) { return (uint32_t)((ZBLE_MAILBOX_REC_HDR + len + 3u) & ~(size_t)3u); }
static uint32_t ring_used(const struct zble_mailbox *mb)
{
	return __atomic_load_n(&mb->head, __ATOMIC_ACQUIRE) - __atomic_load_n(&mb->tail, __ATOMIC_ACQUIRE);
}

/* Deterministic PRNG (xorshift32), one state per user. */
static uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
static uint32_t get_le32(const uint8_t *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24); }

/* ---- packet builders; each carries a 32-bit sequence number and a byte
 * pattern derived from it, so torn or misplaced copies are seen ---- */

static uint8_t pat(uint32_t seq, size_t i) { return (uint8_t)(seq * 31u + i * 7u + 1u); }

/* ACL, total length len >= 9: handle, seq, pattern. */
static size_t build_acl(uint8_t *p, size_t len, uint32_t seq)
{
	size_t dlen = len - 5;
	p[0] = ZBLE_H4_ACL;
	p[1] = 0x40;
	p[2] = 0x20;
	p[3] = (uint8_t)dlen;
	p[4] = (uint8_t)(dlen >> 8);
	put_le32(&p[5], seq);
	for (size_t i = 9; i < len; i++) {
		p[i] = pat(seq, i);
	}
	return len;
}

/* Vendor event (essential), total length len in [7, 258]. */
static size_t build_vendor_evt(uint8_t *p, size_t len, uint32_t seq)
{
	p[0] = ZBLE_H4_EVT;
	p[1] = 0xFF;
	p[2] = (uint8_t)(len - 3);
	put_le32(&p[3], seq);
	for (size_t i = 7; i < len; i++) {
		p[i] = pat(seq, i);
	}
	return len;
}

/* Command Complete (essential) with the seq as return parameters. */
static size_t build_cmd_complete(uint8_t *p, uint32_t seq)
{
	const uint8_t hdr[] = { ZBLE_H4_EVT, 0x0E, 0x08, 0x01, 0x03, 0x0C, 0x00 };
	memcpy(p, hdr, sizeof(hdr));
	put_le32(&p[7], seq);
	return 11;
}

static size_t build_disconn_complete(uint8_t *p, uint16_t handle)
{
	const uint8_t pkt[] = { ZBLE_H4_EVT, 0x05, 0x04, 0x00, (uint8_t)handle, (uint8_t)(handle >> 8), 0x13 };
	memcpy(p, pkt, sizeof(pkt));
	return sizeof(pkt);
}

/* LE Advertising Report, one report, data_len bytes of AD (<= 31); the
 * address carries the seq. */
static size_t build_adv_report(uint8_t *p, uint32_t seq, size_t data_len)
{
	size_t n = 0;
	p[n++] = ZBLE_H4_EVT;
	p[n++] = 0x3E;
	p[n++] = 0; /* set below */
	p[n++] = 0x02; /* LE Advertising Report */
	p[n++] = 1;    /* num reports */
	p[n++] = 0x00; /* ADV_IND */
	p[n++] = 0x01; /* random */
	put_le32(&p[n], seq);
	n += 4;
	p[n++] = 0xC0;
	p[n++] = 0xDE;
	p[n++] = (uint8_t)data_len;
	for (size_t i = 0; i < data_len; i++) {
		p[n++] = pat(seq, i);
	}
	p[n++] = (uint8_t)-60; /* RSSI */
	p[2] = (uint8_t)(n - 3);
	return n;
}
static uint32_t adv_report_seq(const uint8_t *p) { return get_le32(&p[7]); }

/* LE Extended Advertising Report with one report of event type evt_type. */
static size_t build_ext_adv_report(uint8_t *p, uint16_t evt_type, size_t data_len)
{
	size_t n = 0;
	p[n++] = ZBLE_H4_EVT;
	p[n++] = 0x3E;
	p[n++] = 0;
	p[n++] = 0x0D;
	p[n++] = 1;
	p[n++] = (uint8_t)evt_type;
	p[n++] = (uint8_t)(evt_type >> 8);
	memset(&p[n], 0, 21); /* addr type .. direct addr */
	n += 21;
	p[n++] = (uint8_t)data_len;
	memset(&p[n], 0xAB, data_len);
	n += data_len;
	p[2] = (uint8_t)(n - 3);
	return n;
}

/* ---- a recording receive callback ---- */

#define LOG_MAX 4096
struct rx_log {
	size_t n;
	uint8_t first[LOG_MAX][12]; /* leading bytes of each packet */
	size_t len[LOG_MAX];
	int ret;            /* what the callback returns */
	bool close_in_cb;   /* close the driver from the callback */
};
static struct rx_log g_log;

static int log_recv(void *ctx, const uint8_t *pkt, size_t len)
{
	struct rx_log *l = ctx;
	if (l->n < LOG_MAX) {
		memcpy(l->first[l->n], pkt, len < 12 ? len : 12);
		l->len[l->n] = len;
	}
	l->n++;
	if (l->close_in_cb) {
		g_mb.drv.close(&g_mb.drv);
	}
	return l->ret;
}

/* ---- TX hook ---- */

struct tx_log {
	size_t calls;
	uint8_t last[64];
	size_t last_len;
	int ret;
};
static struct tx_log g_tx;

static int tx_hook(void *ctx, const uint8_t *pkt, size_t len)
{
	struct tx_log *t = ctx;
	t->calls++;
	t->last_len = len;
	memcpy(t->last, pkt, len < sizeof(t->last) ? len : sizeof(t->last));
	return t->ret;
}

static unsigned g_notified;
static void notify_hook(void *ctx) { (*(unsigned *)ctx)++; }

static int setup(void **state)
{
	(void)state;
	memset(&g_log, 0, sizeof(g_log));
	memset(&g_tx, 0, sizeof(g_tx));
	g_notified = 0;
	assert_int_equal(zble_mailbox_init(&g_mb, tx_hook, &g_tx, notify_hook, &g_notified), 0);
	return 0;
}

static void open_log(void) { assert_int_equal(g_mb.drv.open(&g_mb.drv, log_recv, &g_log), 0); }

/* ---- tests ---- */

static void test_init_open_send_close(void **state)
{
	(void)state;
	struct zble_mailbox mb2;
	assert_int_equal(zble_mailbox_init(NULL, tx_hook, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(zble_mailbox_init(&mb2, NULL, NULL, NULL, NULL), -EINVAL);

	struct zble_hci_driver *drv = zble_mailbox_driver(&g_mb);
	assert_ptr_equal(drv, &g_mb.drv);
	assert_ptr_equal((void *)drv, (void *)&g_mb);
	assert_string_equal(drv->name, "mailbox");

	const uint8_t reset[] = { ZBLE_H4_CMD, 0x03, 0x0C, 0x00 };
	assert_int_equal(drv->send(drv, reset, sizeof(reset)), -ENETDOWN);
	assert_int_equal(drv->open(drv, NULL, NULL), -EINVAL);
	open_log();
	assert_int_equal(drv->open(drv, log_recv, &g_log), -EALREADY);

	assert_int_equal(drv->send(drv, reset, sizeof(reset)), 0);
	assert_int_equal(g_tx.calls, 1);
	assert_int_equal(g_tx.last_len, sizeof(reset));
	assert_memory_equal(g_tx.last, reset, sizeof(reset));
	assert_int_equal(drv->stats.tx_packets, 1);
	assert_int_equal(drv->send(drv, reset, 0), -EINVAL);
	assert_int_equal(drv->send(drv, NULL, 4), -EINVAL);

	g_tx.ret = -EIO; /* the platform write fails: passed through, not counted */
	assert_int_equal(drv->send(drv, reset, sizeof(reset)), -EIO);
	assert_int_equal(drv->stats.tx_packets, 1);

	drv->close(drv);
	assert_int_equal(drv->send(drv, reset, sizeof(reset)), -ENETDOWN);
	open_log(); /* can be opened again */
}

static void test_malformed_rejected(void **state)
{
	(void)state;
	static uint8_t big[ZBLE_MAILBOX_RING_SIZE + 64];
	uint8_t p[16];
	open_log();

	build_disconn_complete(p, 0x40);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, 0), -EINVAL);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, NULL, 7), -EINVAL);
	assert_int_equal(zble_mailbox_isr_rx(NULL, p, 7), -EINVAL);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, 6), -EINVAL); /* plen says 4, has 3 */
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, 2), -EINVAL);
	const uint8_t unknown[] = { 0x09, 0x01, 0x02 };
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, unknown, sizeof(unknown)), -EINVAL);
	const uint8_t cmd[] = { ZBLE_H4_CMD, 0x03, 0x0C, 0x00 }; /* not from a controller */
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, cmd, sizeof(cmd)), -EINVAL);
	const uint8_t acl_short[] = { ZBLE_H4_ACL, 0x40, 0x20, 0x05, 0x00, 1, 2 };
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, acl_short, sizeof(acl_short)), -EINVAL);
	const uint8_t sco[] = { ZBLE_H4_SCO, 0x01, 0x00, 0x02, 0xAA, 0xBB };
	const uint8_t iso[] = { ZBLE_H4_ISO, 0x01, 0x20, 0x02, 0x40, 0xAA, 0xBB }; /* flags in len's top bits */
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, sco, sizeof(sco)), 0);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, iso, sizeof(iso)), 0);
	zble_mailbox_drain(&g_mb, 0);
	assert_int_equal(g_mb.drv.stats.framing_errors, 7); /* the NULL mailbox counts nowhere */
	assert_int_equal(g_mb.drv.stats.rx_dropped, 0);
	assert_false(zble_mailbox_overflowed(&g_mb));

	/* Well-formed but larger than any record the ring can hold: an
	 * essential packet lost, so it is a drop and sets the overflow flag. */
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, big, build_acl(big, MAX_PKT + 1, 1)), -EINVAL);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, big, build_acl(big, RING + 1, 2)), -EINVAL);
	zble_mailbox_drain(&g_mb, 0);
	assert_int_equal(g_mb.drv.stats.rx_dropped, 2);
	assert_true(zble_mailbox_overflowed(&g_mb));
	zble_mailbox_clear_overflow(&g_mb);
	assert_false(zble_mailbox_overflowed(&g_mb));

	/* The largest packet fits, in an empty ring, wherever the indexes are. */
	assert_int_equal(zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL), 2);
	for (uint32_t i = 0; i < 2 * RING / 16; i++) {
		assert_int_equal(zble_mailbox_isr_rx(&g_mb, big, build_acl(big, MAX_PKT, i)), 0);
		assert_int_equal(zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL), 1);
		assert_int_equal(g_log.len[g_log.n - 1], MAX_PKT);
		assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, build_vendor_evt(p, 8, i)), 0);
		assert_int_equal(zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL), 1);
	}
	assert_int_equal(g_mb.drv.stats.rx_dropped, 2);
}

/* Pushes variable-size essential packets until the ring refuses one, drains
 * a random number, and checks every packet comes back once, in order and
 * intact, over many laps of the ring. start: initial index (white box). */
struct wrap_rx {
	uint32_t next_seq;
	size_t expect_len[LOG_MAX];
	uint32_t q_head; /* seqs pushed */
	uint64_t bytes;
	bool bad;
};

static int wrap_recv(void *ctx, const uint8_t *pkt, size_t len)
{
	struct wrap_rx *w = ctx;
	uint32_t seq = get_le32(&pkt[5]);
	bool ok = pkt[0] == ZBLE_H4_ACL && seq == w->next_seq && len == w->expect_len[seq % LOG_MAX];
	for (size_t i = 9; ok && i < len; i++) {
		ok = pkt[i] == pat(seq, i);
	}
	if (!ok) {
		w->bad = true;
	}
	w->next_seq++;
	w->bytes += len;
	return 0;
}

static void run_wrap(uint32_t start)
{
	static struct wrap_rx w;
	static uint8_t p[ZBLE_MAILBOX_RING_SIZE];
	uint32_t rs = 0x12345678u ^ start;
	memset(&w, 0, sizeof(w));

	g_mb.head = g_mb.tail = start;
	assert_int_equal(g_mb.drv.open(&g_mb.drv, wrap_recv, &w), 0);

	uint32_t outstanding_bytes = 0; /* record bytes queued, pads excluded */
	unsigned full = 0;
	while (w.bytes < 64ull * RING) {
		/* Mostly small, sometimes up to the maximum. */
		size_t maxlen = (rnd(&rs) % 8 == 0) ? MAX_PKT : (MAX_PKT < 80 ? MAX_PKT : 80);
		size_t len = 9 + rnd(&rs) % (maxlen - 8);
		int rc = zble_mailbox_isr_rx(&g_mb, p, build_acl(p, len, w.q_head));
		if (rc == 0) {
			assert_true(w.q_head - w.next_seq < LOG_MAX);
			w.expect_len[w.q_head % LOG_MAX] = len;
			w.q_head++;
			outstanding_bytes += rec_bytes(len);
			assert_true(ring_used(&g_mb) <= RING);
			continue;
		}
		assert_int_equal(rc, -ENOMEM);
		full++;
		/* Refused only when the ring really is (nearly) full: in use are
		 * the queued records plus at most one pad (shorter than the
		 * record that needed it), and a record is refused only when it
		 * fits neither before the end nor, after a pad, at the start. */
		uint32_t used = ring_used(&g_mb);
		assert_true(used >= outstanding_bytes);
		assert_true(used - outstanding_bytes < rec_bytes(MAX_PKT));
		assert_true(used + 2 * rec_bytes(len) > RING);
		size_t k = 1 + rnd(&rs) % (w.q_head - w.next_seq);
		uint32_t before = w.next_seq;
		assert_int_equal(zble_mailbox_drain(&g_mb, k), k);
		assert_false(w.bad);
		for (uint32_t s = before; s < w.next_seq; s++) {
			outstanding_bytes -= rec_bytes(w.expect_len[s % LOG_MAX]);
		}
	}
	/* Counted before the drain, which advances next_seq (argument evaluation
	 * order is unspecified: clang and gcc differ). */
	uint32_t left = w.q_head - w.next_seq;
	assert_int_equal(zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL), left);
	assert_false(w.bad);
	assert_int_equal(w.next_seq, w.q_head);
	assert_false(zble_mailbox_pending(&g_mb));
	assert_int_equal(ring_used(&g_mb), 0);
	assert_true(full > 10);
	assert_int_equal(g_mb.drv.stats.rx_packets, w.q_head);
	/* The refusals above were essential packets that did not fit. */
	assert_int_equal(g_mb.drv.stats.rx_dropped, full);
	assert_true(zble_mailbox_overflowed(&g_mb));
	assert_true(zble_mailbox_high_water(&g_mb) > RING - 2 * rec_bytes(MAX_PKT));
	assert_true(zble_mailbox_high_water(&g_mb) <= RING);
}

static void test_ring_wraps_variable_sizes(void **state)
{
	(void)state;
	run_wrap(0);
}

static void test_ring_wraps_across_index_overflow(void **state)
{
	(void)state;
	run_wrap(UINT32_MAX - 3 * RING + 1); /* aligned, laps across 2^32 */
	assert_true(g_mb.head < UINT32_MAX - 3 * RING); /* the index did wrap */
}

static void test_burst_keeps_reserve(void **state)
{
	(void)state;
	uint8_t p[64];
	open_log();

	unsigned accepted = 0, discarded = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		int rc = zble_mailbox_isr_rx(&g_mb, p, build_adv_report(p, i, i % 32));
		if (rc == 0) {
			accepted++;
		} else {
			assert_int_equal(rc, -ENOBUFS);
			discarded++;
		}
		assert_true(RING - ring_used(&g_mb) >= RESERVE);
	}
	assert_true(accepted > 0);
	assert_true(discarded > 0);
	assert_int_equal(accepted + discarded, 1000);
	/* The reports filled the ring up to the reserve (within one record). */
	assert_true(RING - ring_used(&g_mb) < RESERVE + rec_bytes(48) + rec_bytes(48));
	assert_int_equal(g_notified, accepted);

	/* Essential events after the burst are still taken. */
	size_t n = build_cmd_complete(p, 0xC0DE);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, n), 0);
	n = build_disconn_complete(p, 0x40);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, n), 0);

	zble_mailbox_drain(&g_mb, 0);
	assert_int_equal(g_mb.drv.stats.rx_discarded, discarded);
	assert_int_equal(g_mb.drv.stats.rx_dropped, 0);
	assert_false(zble_mailbox_overflowed(&g_mb));

	/* Order: the accepted reports (the first ones, in order), then the two. */
	assert_int_equal(zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL), accepted + 2);
	assert_int_equal(g_log.n, accepted + 2);
	for (unsigned i = 0; i < accepted; i++) {
		assert_int_equal(g_log.first[i][3], 0x02);
		assert_int_equal(adv_report_seq(g_log.first[i]), i);
	}
	assert_int_equal(g_log.first[accepted][1], 0x0E);
	assert_int_equal(g_log.first[accepted + 1][1], 0x05);
	assert_int_equal(g_mb.drv.stats.rx_packets, accepted + 2);

	/* Essential packets use the reserve, down to the last byte. */
	unsigned ess = 0;
	for (;;) {
		n = build_vendor_evt(p, 24, ess);
		int rc = zble_mailbox_isr_rx(&g_mb, p, n);
		if (rc != 0) {
			assert_int_equal(rc, -ENOMEM);
			break;
		}
		ess++;
	}
	assert_true(RING - ring_used(&g_mb) < 2 * rec_bytes(24));
	/* ... and meanwhile no report gets in. */
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, build_adv_report(p, 0, 0)), -ENOBUFS);
	unsigned notified = g_notified;
	zble_mailbox_drain(&g_mb, 0);
	assert_int_equal(g_mb.drv.stats.rx_dropped, 1);
	assert_int_equal(g_mb.drv.stats.rx_discarded, discarded + 1);
	assert_true(zble_mailbox_overflowed(&g_mb));
	assert_int_equal(g_notified, notified); /* drain does not notify */
	assert_int_equal(zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL), ess);
}

static void test_order_mixed(void **state)
{
	(void)state;
	uint8_t p[64];
	uint8_t expect[8][12];
	size_t elen[8];
	size_t n;
	open_log();
#define EXPECT(i) (elen[i] = n, memcpy(expect[i], p, n < 12 ? n : 12))

	/* Queued before open is kept (a controller's boot event); and drain
	 * while closed leaves it queued. */
	g_mb.drv.close(&g_mb.drv);
	n = build_adv_report(p, 1, 3);
	EXPECT(0);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, n), 0);
	assert_int_equal(zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL), 0);
	assert_true(zble_mailbox_pending(&g_mb));
	open_log();

	n = build_cmd_complete(p, 2);
	EXPECT(1);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, n), 0);
	n = build_adv_report(p, 3, 31);
	EXPECT(2);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, n), 0);
	n = build_acl(p, 40, 4);
	EXPECT(3);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, n), 0);
	n = build_disconn_complete(p, 5);
	EXPECT(4);
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, n), 0);

	/* drain honours max_packets. */
	assert_int_equal(zble_mailbox_drain(&g_mb, 2), 2);
	assert_int_equal(zble_mailbox_drain(&g_mb, 1), 1);
	assert_int_equal(zble_mailbox_drain(&g_mb, 10), 2);
	assert_int_equal(zble_mailbox_drain(&g_mb, 10), 0);
	assert_int_equal(g_log.n, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(g_log.len[i], elen[i]);
		assert_memory_equal(g_log.first[i], expect[i], elen[i] < 12 ? elen[i] : 12);
	}
#undef EXPECT
}

static void test_discardable_classifier(void **state)
{
	(void)state;
	uint8_t p[300];
	size_t n;

	n = build_adv_report(p, 7, 10);
	assert_true(zble_mailbox_pkt_is_discardable(p, n));
	assert_false(zble_mailbox_pkt_is_discardable(p, n - 1)); /* length mismatch */
	p[3] = 0x0B; /* Directed Advertising Report */
	assert_true(zble_mailbox_pkt_is_discardable(p, n));
	p[3] = 0x01; /* LE Connection Complete */
	assert_false(zble_mailbox_pkt_is_discardable(p, n));
	p[3] = 0x0A; /* LE Enhanced Connection Complete */
	assert_false(zble_mailbox_pkt_is_discardable(p, n));
	p[3] = 0x22; /* BIGInfo Advertising Report */
	assert_true(zble_mailbox_pkt_is_discardable(p, n));

	/* Extended reports: legacy PDUs only (never fragmented). */
	n = build_ext_adv_report(p, 0x0013, 20); /* legacy ADV_IND */
	assert_true(zble_mailbox_pkt_is_discardable(p, n));
	n = build_ext_adv_report(p, 0x0001, 20); /* extended, complete */
	assert_false(zble_mailbox_pkt_is_discardable(p, n));
	n = build_ext_adv_report(p, 0x0021, 20); /* extended, more to come */
	assert_false(zble_mailbox_pkt_is_discardable(p, n));
	n = build_ext_adv_report(p, 0x0013, 20);
	p[28] = 21; /* data length beyond the event */
	assert_false(zble_mailbox_pkt_is_discardable(p, n));
	n = build_ext_adv_report(p, 0x0013, 20);
	p[4] = 2; /* claims two reports, has one */
	assert_false(zble_mailbox_pkt_is_discardable(p, n));

	n = build_cmd_complete(p, 0);
	assert_false(zble_mailbox_pkt_is_discardable(p, n));
	n = build_disconn_complete(p, 1);
	assert_false(zble_mailbox_pkt_is_discardable(p, n));
	n = build_acl(p, 20, 0);
	assert_false(zble_mailbox_pkt_is_discardable(p, n));
	const uint8_t inquiry_rssi[] = { ZBLE_H4_EVT, 0x22, 0x01, 0x00 };
	assert_true(zble_mailbox_pkt_is_discardable(inquiry_rssi, sizeof(inquiry_rssi)));
	const uint8_t empty_meta[] = { ZBLE_H4_EVT, 0x3E, 0x00 };
	assert_false(zble_mailbox_pkt_is_discardable(empty_meta, sizeof(empty_meta)));
	assert_false(zble_mailbox_pkt_is_discardable(NULL, 0));
}

static void test_refused_and_close(void **state)
{
	(void)state;
	uint8_t p[64];
	open_log();

	g_log.ret = -ENOMEM; /* the host had no buffer */
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, build_acl(p, 20, i)), 0);
	}
	assert_int_equal(zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL), 3);
	assert_int_equal(g_mb.drv.stats.rx_dropped, 3);
	assert_int_equal(g_mb.drv.stats.rx_packets, 3);
	assert_false(zble_mailbox_overflowed(&g_mb)); /* host refusals are not ring overflow */
	g_log.ret = 0;

	/* close() from inside the callback: the rest is thrown away. */
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, build_acl(p, 20, 10 + i)), 0);
	}
	g_log.close_in_cb = true;
	assert_int_equal(zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL), 1);
	assert_false(zble_mailbox_pending(&g_mb));
	assert_int_equal(ring_used(&g_mb), 0);
	g_log.close_in_cb = false;

	/* Re-open: new packets flow again. */
	open_log();
	assert_int_equal(zble_mailbox_isr_rx(&g_mb, p, build_acl(p, 20, 20)), 0);
	assert_int_equal(zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL), 1);
	assert_int_equal(get_le32(&g_log.first[g_log.n - 1][5]), 20);
}

/* ---- the interrupt side on another thread ----
 *
 * The producer pushes a mix of essential packets (ACL, vendor events,
 * Command Complete, sizes varying) and advertising reports. Essential
 * traffic is flow-controlled like the real thing (command credits, ACL
 * credits): at most CREDITS essential packets outstanding, returned by the
 * host after a drain. With CREDITS * (largest essential record) plus one pad
 * inside the reserve, no essential packet may ever be refused.
 *
 * notify and the credits use relaxed atomics only, so the one
 * synchronisation between the threads that TSan sees is the ring's own
 * head/tail acquire/release: a missing barrier there is reported. */
#define THREAD_PACKETS 100000u
#define CREDITS 3u
#define ESS_MAX_REC (RESERVE / (CREDITS + 1u))
#define ESS_MAX_LEN ((size_t)(ESS_MAX_REC - ZBLE_MAILBOX_REC_HDR) < 258 ? (size_t)(ESS_MAX_REC - ZBLE_MAILBOX_REC_HDR) : 258)

_Static_assert(ESS_MAX_REC - ZBLE_MAILBOX_REC_HDR >= 11, "ring too small for the threads test");

struct mt {
	struct zble_mailbox *mb;
	/* shared, relaxed atomics */
	uint32_t credits;
	uint32_t notifies;
	uint32_t producer_done;
	/* producer only (read after join) */
	uint32_t ess_sent, adv_sent, adv_refused, ess_refused, other_err;
	/* consumer only */
	uint32_t ess_next, adv_last, adv_got, ess_got, bad, credits_back;
};

static void mt_notify(void *ctx)
{
	struct mt *m = ctx;
	__atomic_fetch_add(&m->notifies, 1, __ATOMIC_RELAXED);
}

static void *mt_producer(void *arg)
{
	struct mt *m = arg;
	uint8_t p[300];
	uint32_t rs = 0xBADC0DEu;

	for (uint32_t i = 0; i < THREAD_PACKETS; i++) {
		uint32_t r = rnd(&rs);
		/* A scan burst every few thousand packets, mixed traffic else. */
		bool burst = (i / 1024) % 4 == 3;
		if (r % 100 < (burst ? 98u : 55u)) {
			size_t n = build_adv_report(p, m->adv_sent + 1, (r >> 8) % 32);
			m->adv_sent++;
			int rc = zble_mailbox_isr_rx(m->mb, p, n);
			if (rc == -ENOBUFS) {
				m->adv_refused++;
			} else if (rc != 0) {
				m->other_err++;
			}
			continue;
		}
		/* Essential: wait for a credit (flow control). */
		while (__atomic_load_n(&m->credits, __ATOMIC_RELAXED) == 0) {
			sched_yield();
		}
		__atomic_fetch_sub(&m->credits, 1, __ATOMIC_RELAXED);
		size_t n;
		uint32_t seq = m->ess_sent;
		switch ((r >> 8) % 3) {
		case 0:
			n = build_acl(p, 9 + (r >> 12) % (ESS_MAX_LEN - 8), seq);
			break;
		case 1:
			n = build_vendor_evt(p, 7 + (r >> 12) % (ESS_MAX_LEN - 6), seq);
			break;
		default:
			n = build_cmd_complete(p, seq);
			break;
		}
		m->ess_sent++;
		int rc = zble_mailbox_isr_rx(m->mb, p, n);
		if (rc == -ENOMEM) {
			m->ess_refused++;
		} else if (rc != 0) {
			m->other_err++;
		}
	}
	__atomic_store_n(&m->producer_done, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int mt_recv(void *ctx, const uint8_t *pkt, size_t len)
{
	struct mt *m = ctx;
	uint32_t seq;
	size_t from;

	if (pkt[0] == ZBLE_H4_EVT && pkt[1] == 0x3E && pkt[3] == 0x02) {
		seq = adv_report_seq(pkt);
		if (seq <= m->adv_last || len != 15u + pkt[13]) {
			m->bad++;
		}
		for (size_t i = 0; i < pkt[13]; i++) {
			if (pkt[14 + i] != pat(seq, i)) {
				m->bad++;
				break;
			}
		}
		m->adv_last = seq;
		m->adv_got++;
		return 0;
	}
	if (pkt[0] == ZBLE_H4_ACL) {
		seq = get_le32(&pkt[5]);
		from = 9;
	} else if (pkt[0] == ZBLE_H4_EVT && pkt[1] == 0xFF) {
		seq = get_le32(&pkt[3]);
		from = 7;
	} else if (pkt[0] == ZBLE_H4_EVT && pkt[1] == 0x0E && len == 11) {
		seq = get_le32(&pkt[7]);
		from = len;
	} else {
		m->bad++;
		return 0;
	}
	for (size_t i = from; i < len; i++) {
		if (pkt[i] != pat(seq, i)) {
			m->bad++;
			break;
		}
	}
	if (seq != m->ess_next) {
		m->bad++;
	}
	m->ess_next = seq + 1;
	m->ess_got++;
	m->credits_back++;
	return 0;
}

static void test_threads_producer_consumer(void **state)
{
	(void)state;
	static struct mt m;
	memset(&m, 0, sizeof(m));
	m.mb = &g_mb;
	m.credits = CREDITS;
	assert_int_equal(zble_mailbox_init(&g_mb, tx_hook, &g_tx, mt_notify, &m), 0);
	assert_int_equal(g_mb.drv.open(&g_mb.drv, mt_recv, &m), 0);

	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, mt_producer, &m), 0);
	uint32_t rs = 99;
	unsigned idle = 0;
	for (;;) {
		/* Now and then the host is busy elsewhere: the reports pile up
		 * to the reserve and the policy has to act. */
		if (rnd(&rs) % 512 == 0) {
			usleep(200);
		}
		size_t got = zble_mailbox_drain(&g_mb, 1 + rnd(&rs) % 8);
		if (m.credits_back) {
			/* The host gives credits back after handling (the
			 * controller learns of it from later commands/events). */
			__atomic_fetch_add(&m.credits, m.credits_back, __ATOMIC_RELAXED);
			m.credits_back = 0;
		}
		if (got == 0) {
			if (__atomic_load_n(&m.producer_done, __ATOMIC_RELAXED) && !zble_mailbox_pending(&g_mb)) {
				break;
			}
			if (++idle % 64 == 0) {
				sched_yield();
			}
		}
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	zble_mailbox_drain(&g_mb, ZBLE_MAILBOX_DRAIN_ALL); /* producer_done is relaxed: may see it early */

	print_message("threads: %u essential, %u reports sent, %u reports discarded, high water %u/%u\n",
		      m.ess_sent, m.adv_sent, m.adv_refused, zble_mailbox_high_water(&g_mb), RING);
	assert_int_equal(m.bad, 0);
	assert_int_equal(m.other_err, 0);
	assert_int_equal(m.ess_refused, 0);
	assert_int_equal(m.ess_got, m.ess_sent);     /* every essential packet once, in order */
	assert_int_equal(m.ess_next, m.ess_sent);
	assert_int_equal(m.adv_got + m.adv_refused, m.adv_sent);
	assert_int_equal(m.ess_sent + m.adv_sent, THREAD_PACKETS);
	assert_int_equal(g_mb.drv.stats.rx_discarded, m.adv_refused);
	assert_int_equal(g_mb.drv.stats.rx_dropped, 0);
	assert_int_equal(g_mb.drv.stats.rx_packets, m.ess_got + m.adv_got);
	assert_false(zble_mailbox_overflowed(&g_mb));
	assert_int_equal(__atomic_load_n(&m.notifies, __ATOMIC_RELAXED), m.ess_got + m.adv_got);
	assert_true(m.ess_sent > THREAD_PACKETS / 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_open_send_close, setup),
		cmocka_unit_test_setup(test_malformed_rejected, setup),
		cmocka_unit_test_setup(test_ring_wraps_variable_sizes, setup),
		cmocka_unit_test_setup(test_ring_wraps_across_index_overflow, setup),
		cmocka_unit_test_setup(test_burst_keeps_reserve, setup),
		cmocka_unit_test_setup(test_order_mixed, setup),
		cmocka_unit_test_setup(test_discardable_classifier, setup),
		cmocka_unit_test_setup(test_refused_and_close, setup),
		cmocka_unit_test_setup(test_threads_producer_consumer, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
