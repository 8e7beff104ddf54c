/* H4 stream framer: turns an arbitrary byte stream (UART, socket, pty) into
 * HCI packets.
 *
 * H4 (Core spec Vol 4 Part A) sends each HCI packet as one packet-type byte
 * (ZBLE_H4_CMD/ACL/SCO/EVT/ISO) followed by the packet's own header and
 * payload; it has no sync marker and no checksum. The framer is fed chunks
 * of any size (one byte, half a packet, several packets) and calls the
 * receive callback once per complete packet, type byte included, from the
 * feeding context.
 *
 * Resynchronisation: a byte that is not an accepted packet type where a
 * packet must start, or a header announcing more payload than the framer
 * accepts, loses sync. The framer then counts one framing error, discards
 * bytes until the next accepted type byte and starts over there (after a
 * bad header it rescans the header bytes themselves, since the real packet
 * may start inside them). framing_errors counts losses of sync: it is not
 * bumped again until a complete packet has been delivered. Whatever H4 does,
 * a false start inside garbage can swallow one real packet: the stream has
 * no better marker than the type byte.
 *
 * Pure C11, no OS: also built for Cortex-M. State lives in the struct,
 * including the packet buffer (ZBLE_H4_PKT_MAX bytes). */
#ifndef ZBLE_H4_H
#define ZBLE_H4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zble/hci_driver.h"

/* Largest ACL or ISO payload the buffer can hold. Every translation unit
 * must see the same value (it sizes struct zble_h4): set it project-wide.
 * 1021 is the largest BR/EDR ACL buffer in common controllers; LE needs 251. */
#ifndef ZBLE_H4_DATA_MAX
#define ZBLE_H4_DATA_MAX 1024
#endif

#if ZBLE_H4_DATA_MAX < 255 || ZBLE_H4_DATA_MAX > 16383
#error "ZBLE_H4_DATA_MAX must be 255..16383"
#endif

/* Type byte + largest header (ACL/ISO: 4 bytes) + largest payload. */
#define ZBLE_H4_PKT_MAX (1 + 4 + ZBLE_H4_DATA_MAX)

/* Bit masks of packet types for the accept argument of zble_h4_init(). */
#define ZBLE_H4_TYPE_BIT(type) (1u << (type))
/* What a host receives from a controller. */
#define ZBLE_H4_ACCEPT_HOST                                                         \
	(ZBLE_H4_TYPE_BIT(ZBLE_H4_EVT) | ZBLE_H4_TYPE_BIT(ZBLE_H4_ACL) |            \
	 ZBLE_H4_TYPE_BIT(ZBLE_H4_SCO) | ZBLE_H4_TYPE_BIT(ZBLE_H4_ISO))
/* What a controller (a simulator's H4 server) receives from a host. */
#define ZBLE_H4_ACCEPT_CONTROLLER                                                   \
	(ZBLE_H4_TYPE_BIT(ZBLE_H4_CMD) | ZBLE_H4_TYPE_BIT(ZBLE_H4_ACL) |            \
	 ZBLE_H4_TYPE_BIT(ZBLE_H4_SCO) | ZBLE_H4_TYPE_BIT(ZBLE_H4_ISO))

struct zble_h4_stats {
	uint32_t packets;        /* delivered to the callback */
	uint32_t dropped;        /* delivered, but the callback returned < 0 */
	uint32_t framing_errors; /* losses of sync (see above) */
	uint32_t oversize;       /* headers that announced too much payload */
	uint32_t skipped_bytes;  /* bytes discarded while resynchronising */
};

struct zble_h4 {
	zble_hci_recv_t recv;
	void *recv_ctx;
	uint16_t accept;   /* ZBLE_H4_TYPE_BIT mask */
	uint16_t data_max; /* ACL/ISO payload limit, <= ZBLE_H4_DATA_MAX */
	uint16_t pos;      /* bytes of the current packet in buf; 0 = idle */
	uint16_t need;     /* bytes of the current packet known so far */
	bool hdr_done;     /* need includes the payload */
	bool in_sync;      /* false from a framing error to the next packet */
	struct zble_h4_stats stats;
	uint8_t buf[ZBLE_H4_PKT_MAX];
};

/* accept: ZBLE_H4_ACCEPT_HOST, ZBLE_H4_ACCEPT_CONTROLLER or any mask of
 * ZBLE_H4_TYPE_BIT(); 0 means ZBLE_H4_ACCEPT_HOST. data_max: ACL/ISO payload
 * limit; 0 or anything above ZBLE_H4_DATA_MAX means ZBLE_H4_DATA_MAX.
 * Events, commands and SCO are limited by their 1-byte length field (255). */
void zble_h4_init(struct zble_h4 *h, uint16_t accept, size_t data_max, zble_hci_recv_t recv,
		  void *recv_ctx);
/* Consumes all len bytes; returns the number of packets delivered. */
size_t zble_h4_feed(struct zble_h4 *h, const uint8_t *data, size_t len);
/* Forgets a partial packet (counting nothing): for transports that know a
 * packet boundary, e.g. after a reconnect. Statistics are kept. */
void zble_h4_reset(struct zble_h4 *h);
/* True while a packet has been started but not completed. */
bool zble_h4_busy(const struct zble_h4 *h);
/* Length of the packet whose first bytes (type byte first) are pkt[0..len):
 * > 0 the full length, 0 when more bytes are needed to know, -EBADMSG for an
 * unknown type or -EMSGSIZE for a payload above data_max. Usable without a
 * framer instance, e.g. to validate a packet before sending it. */
int zble_h4_packet_len(const uint8_t *pkt, size_t len, size_t data_max);

#endif
