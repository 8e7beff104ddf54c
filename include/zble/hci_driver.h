/* The HCI driver interface: how the host talks to a controller.
 *
 * Packets in both directions carry the H4 packet-type byte first
 * (ZBLE_H4_CMD/ACL/SCO/EVT/ISO). A driver delivers every complete packet
 * through the receive callback given to open(). That callback is the
 * driver's "interrupt": it may run in an interrupt handler, a transport's
 * RX thread (threads backend) or a descriptor callback of the coop port
 * (zble/posix_loop.h); it never blocks, it copies what it keeps, and it
 * returns 0 when the packet was taken or a negative errno when it was
 * dropped (the driver counts drops).
 *
 * send() copies the packet or finishes writing it before returning, so the
 * caller keeps ownership of its buffer. It is called from the host context. */
#ifndef ZBLE_HCI_DRIVER_H
#define ZBLE_HCI_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#define ZBLE_H4_CMD 0x01
#define ZBLE_H4_ACL 0x02
#define ZBLE_H4_SCO 0x03
#define ZBLE_H4_EVT 0x04
#define ZBLE_H4_ISO 0x05

typedef int (*zble_hci_recv_t)(void *ctx, const uint8_t *pkt, size_t len);

struct zble_hci_driver_stats {
	uint32_t rx_packets;
	uint32_t tx_packets;
	uint32_t rx_dropped;     /* receive callback refused, or ring full */
	uint32_t rx_discarded;   /* discardable events dropped under bursts */
	uint32_t framing_errors; /* unknown packet types, bad lengths: resynced */
};

struct zble_hci_driver {
	const char *name;
	int (*open)(struct zble_hci_driver *drv, zble_hci_recv_t recv, void *recv_ctx);
	int (*send)(struct zble_hci_driver *drv, const uint8_t *pkt, size_t len);
	void (*close)(struct zble_hci_driver *drv);
	struct zble_hci_driver_stats stats;
};

#endif
