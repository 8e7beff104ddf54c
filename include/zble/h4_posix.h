/* H4 over a POSIX byte stream: unix socket, TCP, tty (UART or pty), or a
 * descriptor the caller already has. Implements struct zble_hci_driver.
 *
 *   struct zble_h4_posix t;
 *   zble_h4_posix_init(&t, &(struct zble_h4_posix_config){
 *           .spec = "unix:/tmp/bt-server-le", .loop = &loop });
 *   struct zble_hci_driver *drv = &t.drv;   (drv is the first member)
 *   drv->open(drv, recv, ctx); drv->send(drv, pkt, len); drv->close(drv);
 *
 * Spec strings:
 *   unix:PATH                  AF_UNIX stream socket (btvirt, zble-sim)
 *   tcp:HOST:PORT              TCP, TCP_NODELAY; HOST may be [v6-address]
 *   tty:PATH[,BAUD][,FLOW]     serial port or pty in raw 8N1 mode. BAUD
 *                              defaults to 115200 (the rate controllers
 *                              start at). FLOW is "crtscts" (default) or
 *                              "nocrtscts"; "flow"/"noflow" also work.
 *                              RTS/CTS is on by default because H4 requires
 *                              it (Core Vol 4 Part A): without it a UART
 *                              drops bytes under load. Use nocrtscts only
 *                              for links without the two wires. A pty
 *                              accepts and ignores the setting.
 *   fd:N                       a descriptor the caller opened: open() dups
 *                              it, close() closes only the dup
 *   userchan:N | userchan:hciN the Linux HCI user channel of hciN (the
 *                              kernel frames packets; see zble/userchan.h
 *                              for its requirements and
 *                              zble_userchan_strerror() for open() errors)
 *
 * Receive modes (rx_mode; chosen at init, fixed for the instance):
 *   ZBLE_H4_RX_LOOP    coop backend: the descriptor is registered with a
 *                      struct zble_posix_loop; when it is readable, the loop
 *                      calls the driver, which reads what is there without
 *                      blocking and feeds the framer. The receive callback
 *                      runs inside the loop's wait().
 *   ZBLE_H4_RX_THREAD  threads backend: an RX thread at ZBLE_OS_PRIO_RX
 *                      sleeps in poll() on the descriptor and on a stop pipe,
 *                      reads what is there and feeds the framer. The receive
 *                      callback runs on that thread. close() wakes it through
 *                      the stop pipe and joins it, whatever the descriptor
 *                      type (no reliance on shutdown()).
 *   ZBLE_H4_RX_MANUAL  the caller watches zble_h4_posix_fd() and calls
 *                      zble_h4_posix_rx() when it is readable (a runtime's
 *                      own event loop, e.g. MicroPython's event-poll hook).
 *   ZBLE_H4_RX_AUTO    LOOP when a loop is given, else THREAD.
 * LOOP needs the coop build of the library (zble_drivers_coop), THREAD the
 * threads build; asking for the other one fails with -ENOTSUP.
 *
 * open() connects synchronously (for TCP to an unreachable host that is the
 * kernel's connect timeout); on success the receive side is running.
 *
 * The descriptor is always non-blocking. send() checks that the packet's
 * header matches its length (-EINVAL otherwise: it would desynchronise the
 * controller), then writes the whole packet, looping over partial writes
 * and waiting in poll(POLLOUT) while the descriptor is full (the controller
 * is flow-controlling us), up to tx_timeout_ms: -ETIMEDOUT. A packet cut off
 * that way leaves the stream unusable: later sends fail with -EIO until the
 * driver is closed and reopened. It never raises SIGPIPE. In coop mode such
 * a wait holds up the loop; with the default 5 s it only happens when the
 * controller is stuck.
 *
 * Hang-up: end of file or a read error (peer closed the socket, pty master
 * closed, USB serial unplugged) stops the receive side (the descriptor
 * leaves the loop, the RX thread ends), counts a hang-up, sets the flag read
 * by zble_h4_posix_hung_up() and calls on_hangup once from the receive
 * context. send() then fails with -EPIPE. close() and open() start over.
 *
 * Threads: open/send/close belong to one context (the host); statistics may
 * be read from any thread with zble_h4_posix_get_stats(). They are published
 * before each packet is handed to the receive callback (and before
 * on_hangup), so whoever the callback wakes sees counters that include that
 * packet and any framing error before it. Do not call close() from the
 * receive or hang-up callback. */
#ifndef ZBLE_H4_POSIX_H
#define ZBLE_H4_POSIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zble/h4.h"
#include "zble/hci_driver.h"
#include "zble/os.h"

struct zble_posix_loop;

#define ZBLE_H4_POSIX_SPEC_MAX 160
#define ZBLE_H4_POSIX_TX_TIMEOUT_MS 5000

enum zble_h4_rx_mode {
	ZBLE_H4_RX_AUTO = 0,
	ZBLE_H4_RX_LOOP,
	ZBLE_H4_RX_THREAD,
	ZBLE_H4_RX_MANUAL,
};

/* err: 0 for an orderly end of file, else the negative errno of the read. */
typedef void (*zble_h4_hangup_t)(void *ctx, int err);

struct zble_h4_posix_config {
	const char *spec;       /* copied; NULL only for zble_h4_posix_attach() use */
	enum zble_h4_rx_mode rx_mode;
	struct zble_posix_loop *loop; /* ZBLE_H4_RX_LOOP */
	size_t data_max;        /* ACL/ISO payload limit; 0 = ZBLE_H4_DATA_MAX */
	int tx_timeout_ms;      /* 0 = ZBLE_H4_POSIX_TX_TIMEOUT_MS, < 0 = forever */
	zble_h4_hangup_t on_hangup;
	void *hangup_ctx;
};

struct zble_h4_posix_stats {
	struct zble_hci_driver_stats hci;
	uint32_t hangups;
	uint32_t tx_errors;     /* sends that failed after writing was attempted */
	uint32_t tx_waits;      /* times send() waited for the descriptor to drain */
	uint32_t oversize;      /* framer: headers announcing too much payload */
	uint32_t skipped_bytes; /* framer: bytes discarded while resynchronising */
};

enum zble_h4_posix_kind {
	ZBLE_H4_POSIX_NONE,
	ZBLE_H4_POSIX_UNIX,
	ZBLE_H4_POSIX_TCP,
	ZBLE_H4_POSIX_TTY,
	ZBLE_H4_POSIX_FD,
	ZBLE_H4_POSIX_USERCHAN,
};

/* Flags of zble_h4_posix_attach(). */
#define ZBLE_H4_POSIX_PACKETS 0x1u /* every read returns whole packets (a
				    * packet socket): a packet left incomplete
				    * by a read is a framing error */

struct zble_h4_posix {
	struct zble_hci_driver drv; /* first: a zble_h4_posix is a driver */

	/* configuration, from init */
	enum zble_h4_rx_mode rx_mode;
	enum zble_h4_posix_kind kind;
	struct zble_posix_loop *loop;
	int tx_timeout_ms;
	zble_h4_hangup_t on_hangup;
	void *hangup_ctx;
	char addr[ZBLE_H4_POSIX_SPEC_MAX]; /* path or host */
	char port[8];
	uint32_t baud;
	bool crtscts;
	int user_fd;       /* fd:N */
	uint16_t dev_index; /* userchan:N */

	/* while open */
	int fd;
	unsigned flags;
	bool is_socket;
	bool in_loop;
	bool tx_broken;    /* a send timed out mid-packet: stream desynchronised */
	bool hung_up;      /* atomic */
	int hangup_err;
	zble_hci_recv_t recv; /* the host's receive callback */
	void *recv_ctx;
	int stop_rd, stop_wr;
	struct zble_os_thread rx_thread;
	uint32_t hangups, tx_errors, tx_waits, oversize, skipped_bytes; /* atomic */
	struct zble_h4 framer;
	uint8_t rx_chunk[ZBLE_H4_PKT_MAX];
};

/* Parses the spec and fills t (nothing is opened yet). 0, -EINVAL for a
 * malformed spec or mode, -ENAMETOOLONG, -ENOTSUP for a mode this build of
 * the library lacks. */
int zble_h4_posix_init(struct zble_h4_posix *t, const struct zble_h4_posix_config *cfg);
/* Opens on a descriptor the caller created, taking ownership (close() closes
 * it, also when this fails). What drv.open does after connecting; used by
 * the user channel driver. */
int zble_h4_posix_attach(struct zble_h4_posix *t, int fd, unsigned flags, zble_hci_recv_t recv,
			 void *recv_ctx);
/* The open descriptor, or -1. */
int zble_h4_posix_fd(const struct zble_h4_posix *t);
/* ZBLE_H4_RX_MANUAL (usable in any mode from the receive context): reads what
 * is available without blocking and feeds the framer. Returns the packets
 * delivered, or -EPIPE once hung up, -ENOTCONN when not open. */
int zble_h4_posix_rx(struct zble_h4_posix *t);
bool zble_h4_posix_hung_up(const struct zble_h4_posix *t);
void zble_h4_posix_get_stats(const struct zble_h4_posix *t, struct zble_h4_posix_stats *out);

#endif
