/* Mailbox transport: a lock-free single-producer / single-consumer ring of
 * length-prefixed H4 packets between an interrupt handler and the host
 * context. Design and policy: zble/mailbox.h.
 *
 * Ring layout. head and tail are free-running byte counts (mod 2^32); the
 * byte at count c lives at ring[c % SIZE] (SIZE is a power of two, so that
 * stays consistent when the counts wrap). head - tail is the number of bytes
 * in use. A record is a 32-bit length (native byte order, written with
 * memcpy) followed by the packet, padded to a multiple of 4, so every record
 * starts 4-byte aligned and there are always at least 4 bytes before the end
 * of the ring. A record never wraps: when it does not fit before the end, the
 * producer writes a PAD header there, gives up the rest of the ring up to the
 * end and puts the record at offset 0. The consumer skips a PAD header to the
 * start of the ring.
 *
 * Ordering. The producer writes the record bytes, then publishes the new head
 * with a release store; the consumer reads head with an acquire load, so it
 * sees the bytes. The consumer hands the record to the callback, and only then
 * publishes the new tail with a release store; the producer reads tail with an
 * acquire load before reusing that space, so it never overwrites a record
 * still being read.
 *
 * Counters. The interrupt side's counters have one writer each and are
 * updated with a relaxed load + store (no read-modify-write instruction, so
 * this also works on cores without LDREX/STREX); the host folds them into
 * drv.stats in drain(), so drv.stats is only ever written by the host. */
#include "zble/mailbox.h"

#include <errno.h>
#include <string.h>

#define RING_SIZE ((uint32_t)ZBLE_MAILBOX_RING_SIZE)
#define RING_MASK (RING_SIZE - 1u)
#define REC_HDR ((uint32_t)ZBLE_MAILBOX_REC_HDR)
#define REC_PAD UINT32_MAX

/* HCI event codes and LE subevents the burst policy looks at. */
#define EVT_INQUIRY_RESULT 0x02u
#define EVT_INQUIRY_RESULT_RSSI 0x22u
#define EVT_EXT_INQUIRY_RESULT 0x2Fu
#define EVT_LE_META 0x3Eu
#define LE_ADV_REPORT 0x02u
#define LE_DIRECTED_ADV_REPORT 0x0Bu
#define LE_EXT_ADV_REPORT 0x0Du
#define LE_SCAN_REQ_RECEIVED 0x13u
#define LE_CONNLESS_IQ_REPORT 0x15u
#define LE_BIGINFO_ADV_REPORT 0x22u

/* LE Extended Advertising Report: fixed part of one report, and the Legacy
 * bit of its Event_Type. */
#define EXT_REPORT_FIXED 24u
#define EXT_EVT_TYPE_LEGACY 0x0010u

static inline uint32_t load_acquire(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void store_release(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline uint32_t load_relaxed(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void store_relaxed(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }

/* Single-writer counter bump (see "Counters" above). */
static inline void bump(uint32_t *p) { store_relaxed(p, load_relaxed(p) + 1u); }

static inline uint32_t rec_size(uint32_t len) { return (REC_HDR + len + 3u) & ~3u; }

static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

/* Whole-packet framing: a known type whose header length matches len. */
static bool h4_well_formed(const uint8_t *pkt, size_t len)
{
	switch (pkt[0]) {
	case ZBLE_H4_EVT:
		return len >= 3 && len == 3u + pkt[2];
	case ZBLE_H4_ACL:
		return len >= 5 && len == 5u + le16(&pkt[3]);
	case ZBLE_H4_SCO:
		return len >= 4 && len == 4u + pkt[3];
	case ZBLE_H4_ISO:
		return len >= 5 && len == 5u + (le16(&pkt[3]) & 0x3FFFu);
	default:
		return false;
	}
}

/* An Extended Advertising Report event is discardable only when every
 * report in it is a legacy PDU: those are never fragmented. Anything that
 * does not parse is left to the host (essential). */
static bool ext_reports_all_legacy(const uint8_t *p, size_t n)
{
	if (n < 1) {
		return false;
	}
	size_t count = p[0], off = 1;
	if (count == 0) {
		return false;
	}
	for (size_t i = 0; i < count; i++) {
		if (n - off < EXT_REPORT_FIXED) {
			return false;
		}
		const uint8_t *r = &p[off];
		if ((le16(r) & EXT_EVT_TYPE_LEGACY) == 0) {
			return false;
		}
		size_t data_len = r[EXT_REPORT_FIXED - 1u];
		off += EXT_REPORT_FIXED;
		if (n - off < data_len) {
			return false;
		}
		off += data_len;
	}
	return off == n;
}

bool zble_mailbox_pkt_is_discardable(const uint8_t *pkt, size_t len)
{
	if (pkt == NULL || len < 3 || pkt[0] != ZBLE_H4_EVT || len != 3u + pkt[2]) {
		return false;
	}
	switch (pkt[1]) {
	case EVT_INQUIRY_RESULT:
	case EVT_INQUIRY_RESULT_RSSI:
	case EVT_EXT_INQUIRY_RESULT:
		return true;
	case EVT_LE_META:
		if (len < 4) {
			return false;
		}
		switch (pkt[3]) {
		case LE_ADV_REPORT:
		case LE_DIRECTED_ADV_REPORT:
		case LE_SCAN_REQ_RECEIVED:
		case LE_CONNLESS_IQ_REPORT:
		case LE_BIGINFO_ADV_REPORT:
			return true;
		case LE_EXT_ADV_REPORT:
			return ext_reports_all_legacy(&pkt[4], len - 4);
		default:
			return false;
		}
	default:
		return false;
	}
}

/* ---- interrupt side ---- */

static void lost_essential(struct zble_mailbox *mb)
{
	bump(&mb->isr.dropped);
	if (mb->notify) {
		mb->notify(mb->notify_ctx); /* let the host see the overflow */
	}
}

int zble_mailbox_isr_rx(struct zble_mailbox *mb, const uint8_t *pkt, size_t len)
{
	if (mb == NULL) {
		return -EINVAL;
	}
	if (pkt == NULL || len == 0 || !h4_well_formed(pkt, len)) {
		bump(&mb->isr.framing);
		return -EINVAL;
	}
	if (len > ZBLE_MAILBOX_MAX_PKT) {
		/* Well formed but can never be queued: the ring is too small. */
		lost_essential(mb);
		return -EINVAL;
	}

	const bool discardable = zble_mailbox_pkt_is_discardable(pkt, len);
	const uint32_t head = mb->head; /* ours */
	const uint32_t tail = load_acquire(&mb->tail);
	const uint32_t used = head - tail;
	const uint32_t free_bytes = RING_SIZE - used;
	const uint32_t off = head & RING_MASK;
	const uint32_t to_end = RING_SIZE - off; /* >= 4: records are aligned */
	const uint32_t rec = rec_size((uint32_t)len);
	/* Bytes this packet takes, including the pad when it must wrap. */
	const uint32_t cost = rec <= to_end ? rec : to_end + rec;

	if (cost > free_bytes) {
		if (discardable) {
			bump(&mb->isr.discarded);
			return -ENOBUFS;
		}
		lost_essential(mb);
		return -ENOMEM;
	}
	if (discardable && free_bytes - cost < ZBLE_MAILBOX_RESERVE) {
		bump(&mb->isr.discarded);
		return -ENOBUFS;
	}

	uint32_t at = off;
	if (rec > to_end) {
		const uint32_t pad = REC_PAD;
		memcpy(&mb->ring[off], &pad, sizeof(pad));
		at = 0;
	}
	const uint32_t len32 = (uint32_t)len;
	memcpy(&mb->ring[at], &len32, sizeof(len32));
	memcpy(&mb->ring[at + REC_HDR], pkt, len);

	if (used + cost > load_relaxed(&mb->isr.high_water)) {
		store_relaxed(&mb->isr.high_water, used + cost);
	}
	store_release(&mb->head, head + cost);

	if (mb->notify) {
		mb->notify(mb->notify_ctx);
	}
	return 0;
}

/* ---- host side ---- */

static void sync_stats(struct zble_mailbox *mb)
{
	struct zble_hci_driver_stats *s = &mb->drv.stats;

	s->rx_discarded = load_relaxed(&mb->isr.discarded);
	s->rx_dropped = load_relaxed(&mb->isr.dropped) + mb->refused;
	s->framing_errors = load_relaxed(&mb->isr.framing);
}

size_t zble_mailbox_drain(struct zble_mailbox *mb, size_t max_packets)
{
	size_t n = 0;

	if (mb == NULL) {
		return 0;
	}
	if (mb->recv != NULL) {
		const uint32_t head = load_acquire(&mb->head);
		const uint32_t epoch = mb->epoch;
		uint32_t tail = mb->tail; /* ours */

		while (tail != head && n < max_packets) {
			const uint32_t off = tail & RING_MASK;
			uint32_t len;

			memcpy(&len, &mb->ring[off], sizeof(len));
			if (len == REC_PAD) {
				tail += RING_SIZE - off;
				store_release(&mb->tail, tail);
				continue;
			}
			/* The callback reads the packet in place; the space is
			 * only given back once it has returned. */
			int err = mb->recv(mb->recv_ctx, &mb->ring[off + REC_HDR], len);
			if (err < 0) {
				mb->refused++;
			}
			mb->drv.stats.rx_packets++;
			n++;
			if (mb->epoch != epoch) {
				break; /* the callback closed the driver: flushed */
			}
			tail += rec_size(len);
			store_release(&mb->tail, tail);
		}
	}
	sync_stats(mb);
	return n;
}

bool zble_mailbox_pending(const struct zble_mailbox *mb)
{
	return load_acquire(&mb->head) != mb->tail;
}

bool zble_mailbox_overflowed(const struct zble_mailbox *mb)
{
	return load_relaxed(&mb->isr.dropped) != mb->overflow_seen;
}

void zble_mailbox_clear_overflow(struct zble_mailbox *mb)
{
	mb->overflow_seen = load_relaxed(&mb->isr.dropped);
}

uint32_t zble_mailbox_high_water(const struct zble_mailbox *mb)
{
	return load_relaxed(&mb->isr.high_water);
}

/* ---- driver ops (host context) ---- */

static int mb_open(struct zble_hci_driver *drv, zble_hci_recv_t recv, void *recv_ctx)
{
	struct zble_mailbox *mb = (struct zble_mailbox *)drv;

	if (recv == NULL) {
		return -EINVAL;
	}
	if (mb->recv != NULL) {
		return -EALREADY;
	}
	mb->recv_ctx = recv_ctx;
	mb->recv = recv;
	return 0;
}

static int mb_send(struct zble_hci_driver *drv, const uint8_t *pkt, size_t len)
{
	struct zble_mailbox *mb = (struct zble_mailbox *)drv;

	if (pkt == NULL || len == 0) {
		return -EINVAL;
	}
	if (mb->recv == NULL) {
		return -ENETDOWN;
	}
	int err = mb->tx(mb->tx_ctx, pkt, len);
	if (err < 0) {
		return err;
	}
	drv->stats.tx_packets++;
	return 0;
}

/* Closing throws away what is queued (the consumer may move tail up to
 * head at any time); the interrupt side may keep pushing, and what it pushes
 * after this waits for the next open. */
static void mb_close(struct zble_hci_driver *drv)
{
	struct zble_mailbox *mb = (struct zble_mailbox *)drv;

	mb->recv = NULL;
	mb->recv_ctx = NULL;
	mb->epoch++;
	store_release(&mb->tail, load_acquire(&mb->head));
	sync_stats(mb);
}

int zble_mailbox_init(struct zble_mailbox *mb, zble_mailbox_tx_t tx, void *tx_ctx, zble_mailbox_notify_t notify,
		      void *notify_ctx)
{
	if (mb == NULL || tx == NULL) {
		return -EINVAL;
	}
	memset(mb, 0, offsetof(struct zble_mailbox, ring));
	mb->drv.name = "mailbox";
	mb->drv.open = mb_open;
	mb->drv.send = mb_send;
	mb->drv.close = mb_close;
	mb->tx = tx;
	mb->tx_ctx = tx_ctx;
	mb->notify = notify;
	mb->notify_ctx = notify_ctx;
	return 0;
}
