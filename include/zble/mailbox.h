/* A mailbox transport: the shape of controllers that hand the host whole HCI
 * packets from an interrupt handler (STM32WB IPCC, CYW43 over SDIO/SPI, a
 * controller running on another core of the same chip).
 *
 *   interrupt side                      host side (host context)
 *   --------------                      ------------------------
 *   zble_mailbox_isr_rx(mb, pkt, len)   zble_mailbox_drain(mb, max)
 *     copies the packet into the ring     hands queued packets, oldest
 *     and calls notify(notify_ctx)        first, to the receive callback
 *                                         given to drv.open()
 *                                       drv.send(pkt) -> tx(tx_ctx, pkt)
 *
 * The ring is a byte ring embedded in struct zble_mailbox with a compile-time
 * size; records are length-prefixed. It has exactly one producer (the
 * interrupt side) and one consumer (the host side) and no lock: the producer
 * owns the head index, the consumer the tail index, and each publishes its
 * index with a release store that the other side reads with an acquire load.
 * That is correct when the interrupt handler runs on another core or another
 * thread, and costs a plain load/store (plus a barrier) on a single core.
 * There must be one producer at a time: if two interrupts (say an event
 * channel and an ACL channel) feed the same mailbox they must not preempt each
 * other (same priority, or the caller masks).
 *
 * Burst policy (ARCHITECTURE.md P4). Discardable packets are advertising and
 * similar reports (zble_mailbox_pkt_is_discardable()); everything else is
 * essential. A discardable packet is taken only if, after taking it, at least
 * ZBLE_MAILBOX_RESERVE bytes of the ring stay free; otherwise it is dropped and
 * counted in drv.stats.rx_discarded. The reserve is kept for essential
 * packets, which are taken whenever they fit. An essential packet that does
 * not fit is dropped, counted in drv.stats.rx_dropped, and the overflow flag
 * is set (zble_mailbox_overflowed()): the host has lost state and should
 * reset the controller.
 *
 * Sizing: essential traffic towards the host is bounded by the host itself.
 * Command Complete/Status events are bounded by the command credits the host
 * uses (num_cmd, in practice 1), received ACL data by the host's ACL flow
 * control (or by the connection count times what a connection event carries
 * between two drains), Number Of Completed Packets by the ACL packets the host
 * has outstanding, connection events by the connection count. A ring whose
 * reserve holds that bound plus the per-record overhead (4 bytes and up to 3
 * bytes of alignment per packet, and at most one wrap pad) never drops an
 * essential packet; advertising bursts only ever eat the space above the
 * reserve. drv.stats.rx_dropped != 0 therefore means the ring (or the
 * reserve) is too small for the configuration, or the host stopped draining.
 *
 * Configuration (compile-time, must be the same for the library and for
 * every file that includes this header, e.g. as a PUBLIC compile definition):
 *
 *   ZBLE_MAILBOX_RING_SIZE  bytes of ring, a power of two >= 64 (default 4096)
 *   ZBLE_MAILBOX_RESERVE    bytes kept free for essential packets
 *                           (default a quarter of the ring)
 *
 * The largest packet accepted is ZBLE_MAILBOX_MAX_PKT (half the ring minus
 * the record header): a record never wraps, so that the receive callback gets
 * each packet as one contiguous buffer straight from the ring (no copy), and
 * half the ring is what is always free at one end or the other.
 *
 * No allocation, no file-scope state: everything lives in the struct, which
 * the caller owns. drv must stay the first member (a struct zble_hci_driver *
 * converts to the mailbox). */
#ifndef ZBLE_MAILBOX_H
#define ZBLE_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zble/hci_driver.h"

#ifndef ZBLE_MAILBOX_RING_SIZE
#define ZBLE_MAILBOX_RING_SIZE 4096u
#endif
#ifndef ZBLE_MAILBOX_RESERVE
#define ZBLE_MAILBOX_RESERVE (ZBLE_MAILBOX_RING_SIZE / 4u)
#endif

/* Per-record overhead: a 32-bit length; records start 4-byte aligned. */
#define ZBLE_MAILBOX_REC_HDR 4u
#define ZBLE_MAILBOX_MAX_PKT (ZBLE_MAILBOX_RING_SIZE / 2u - ZBLE_MAILBOX_REC_HDR)

_Static_assert(ZBLE_MAILBOX_RING_SIZE >= 64u && (ZBLE_MAILBOX_RING_SIZE & (ZBLE_MAILBOX_RING_SIZE - 1u)) == 0u,
	       "ZBLE_MAILBOX_RING_SIZE must be a power of two >= 64");
_Static_assert(ZBLE_MAILBOX_RESERVE < ZBLE_MAILBOX_RING_SIZE, "ZBLE_MAILBOX_RESERVE must be below the ring size");

/* drain(): no limit (still bounded by what was queued when the call began). */
#define ZBLE_MAILBOX_DRAIN_ALL SIZE_MAX

/* The platform write towards the controller (the IPCC/SDIO write). It copies
 * or finishes with pkt before returning; 0 or a negative errno. */
typedef int (*zble_mailbox_tx_t)(void *ctx, const uint8_t *pkt, size_t len);
/* Called from the interrupt side after a packet was queued (or an essential
 * one lost): asks for zble_mailbox_drain() to run soon in the host context,
 * e.g. the coop port's schedule() or k_work_submit(). Must not block. */
typedef void (*zble_mailbox_notify_t)(void *ctx);

struct zble_mailbox {
	struct zble_hci_driver drv; /* first member; stats are kept here */

	/* Set at init, read-only afterwards. */
	zble_mailbox_tx_t tx;
	void *tx_ctx;
	zble_mailbox_notify_t notify;
	void *notify_ctx;

	/* Host side only. */
	zble_hci_recv_t recv; /* NULL while closed */
	void *recv_ctx;
	uint32_t refused;       /* packets the receive callback refused */
	uint32_t overflow_seen; /* isr.dropped at the last clear: differs = flag */
	uint32_t epoch;         /* bumped by close(), also from a callback */

	/* Interrupt side only (written there, read atomically by the host). */
	struct {
		uint32_t discarded;  /* discardable packets dropped (reserve) */
		uint32_t dropped;    /* essential packets dropped (full, too big) */
		uint32_t framing;    /* malformed packets refused */
		uint32_t high_water; /* most ring bytes ever in use */
	} isr;

	/* Free-running byte indexes (mod 2^32): head is written only by the
	 * producer, tail only by the consumer; both accessed atomically. */
	uint32_t head;
	uint32_t tail;
	_Alignas(uint32_t) uint8_t ring[ZBLE_MAILBOX_RING_SIZE];
};

/* Sets up the mailbox and its driver ops (drv.name "mailbox"); the ring is
 * empty. notify may be NULL (the host then polls drain). Packets pushed before
 * drv.open() stay queued until a drain after open (a controller's boot event
 * is not lost). -EINVAL without mb or tx. Not concurrent with anything. */
int zble_mailbox_init(struct zble_mailbox *mb, zble_mailbox_tx_t tx, void *tx_ctx, zble_mailbox_notify_t notify,
		      void *notify_ctx);

/* The driver interface of the mailbox (same as &mb->drv). */
static inline struct zble_hci_driver *zble_mailbox_driver(struct zble_mailbox *mb) { return &mb->drv; }

/* Interrupt side: queues one complete H4 packet (type byte first) and calls
 * notify. Returns
 *   0        queued
 *   -EINVAL  malformed: len 0, unknown packet type, header length fields not
 *            matching len (counted in drv.stats.framing_errors), or longer
 *            than ZBLE_MAILBOX_MAX_PKT (an essential packet lost: counted in
 *            rx_dropped and sets the overflow flag)
 *   -ENOBUFS discardable packet refused to keep the reserve (rx_discarded)
 *   -ENOMEM  essential packet that does not fit: rx_dropped, overflow flag
 * Never blocks; copies pkt. One producer at a time. */
int zble_mailbox_isr_rx(struct zble_mailbox *mb, const uint8_t *pkt, size_t len);

/* Host side: delivers up to max_packets queued packets, oldest first, to the
 * receive callback given to open(), and returns how many it delivered. The
 * callback gets a pointer into the ring, valid only during the call (it copies
 * what it keeps); a negative return from it counts the packet in rx_dropped.
 * The callback may close (and reopen) the driver, which ends this drain, but
 * must not call drain itself (not reentrant).
 * Packets queued after the call began are left for the next drain (their
 * notify asks for it), so a busy interrupt side cannot keep drain looping.
 * Also refreshes drv.stats from the interrupt side's counters (max_packets 0
 * does only that). Returns 0 while closed, leaving the packets queued. */
size_t zble_mailbox_drain(struct zble_mailbox *mb, size_t max_packets);

/* Host side: true when packets are queued. */
bool zble_mailbox_pending(const struct zble_mailbox *mb);

/* Host side: true when an essential packet was lost since init or the last
 * zble_mailbox_clear_overflow(). */
bool zble_mailbox_overflowed(const struct zble_mailbox *mb);
void zble_mailbox_clear_overflow(struct zble_mailbox *mb);

/* Most ring bytes (records, headers and pads) ever in use. Any context. */
uint32_t zble_mailbox_high_water(const struct zble_mailbox *mb);

/* The burst policy's classifier, usable by any transport: true for a
 * complete H4 event packet that may be dropped under load: LE Advertising
 * Report, LE Directed Advertising Report, LE Extended Advertising Report whose
 * reports all come from legacy PDUs (an extended report may be one fragment
 * of a chain, and dropping a fragment would splice the wrong data together),
 * LE Scan Request Received, LE Connectionless IQ Report, LE BIGInfo
 * Advertising Report, and the BR/EDR inquiry results. */
bool zble_mailbox_pkt_is_discardable(const uint8_t *pkt, size_t len);

#endif
