/* btsnoop capture of HCI traffic (ARCHITECTURE.md P7): files that open in
 * Wireshark and `btmon -r`.
 *
 * Format (all integers big-endian): a 16-byte file header
 *   "btsnoop\0", version (u32) = 1, datalink (u32) = 1002 (HCI UART, H4)
 * then one record per packet:
 *   original length (u32), included length (u32), flags (u32),
 *   cumulative drops (u32), timestamp (i64, microseconds since midnight
 *   1 Jan 0 AD = Unix time in us + 0x00dcddb30f2f8000), packet bytes
 * With datalink 1002 the packet bytes are the H4 packet, type byte included.
 * Flags: bit 0 = direction (0 sent host->controller, 1 received), bit 1 =
 * command/event (1) or data (0).
 *
 * The writer needs no stdio, no clock and no allocation: it writes through a
 * sink callback (a file, a UART, a RAM ring) and takes the timestamp from the
 * caller, so it runs on a microcontroller as it does on POSIX. A POSIX file
 * sink is in zble_btsnoop_file_* below (src/host/btsnoop_file.c).
 *
 * Not locked: the caller serialises calls (the host records both directions
 * from its own context). */
#ifndef ZBLE_BTSNOOP_H
#define ZBLE_BTSNOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZBLE_BTSNOOP_HDR_LEN 16u
#define ZBLE_BTSNOOP_REC_HDR_LEN 24u
#define ZBLE_BTSNOOP_VERSION 1u
#define ZBLE_BTSNOOP_DATALINK_H4 1002u
/* Microseconds from 0 AD to the Unix epoch, as btsnoop counts time. */
#define ZBLE_BTSNOOP_EPOCH_DELTA_US 0x00dcddb30f2f8000ull

#define ZBLE_BTSNOOP_FLAG_RECEIVED 0x1u
#define ZBLE_BTSNOOP_FLAG_CMD_EVT 0x2u

/* Writes len bytes; 0 when all of them were written, a negative errno
 * otherwise. */
typedef int (*zble_btsnoop_write_t)(void *ctx, const void *data, size_t len);

struct zble_btsnoop {
	zble_btsnoop_write_t write;
	void *ctx;
	uint32_t snaplen; /* 0: whole packets; else bytes kept per packet */
	uint32_t records; /* records written */
	uint32_t drops;   /* packets not recorded (they show up in later records) */
	int err;          /* first sink error; the stream is then closed */
};

/* Binds the writer to a sink and writes the file header. 0, the sink's error
 * (the writer is then unusable), or -EINVAL. */
int zble_btsnoop_init(struct zble_btsnoop *s, zble_btsnoop_write_t write, void *ctx);

/* Keeps at most snaplen bytes of each packet (included length < original
 * length); 0 keeps whole packets. For slow sinks (a UART). */
void zble_btsnoop_set_snaplen(struct zble_btsnoop *s, uint32_t snaplen);

/* Flags of an H4 packet: direction from received, command/event from its
 * type byte (commands and events are 1, ACL/SCO/ISO data 0). */
uint32_t zble_btsnoop_flags(bool received, const uint8_t *h4_pkt, size_t len);

/* Encodes one record header into out (ZBLE_BTSNOOP_REC_HDR_LEN bytes). */
void zble_btsnoop_encode_record_hdr(uint8_t out[ZBLE_BTSNOOP_REC_HDR_LEN], uint32_t orig_len, uint32_t incl_len,
				    uint32_t flags, uint32_t drops, uint64_t unix_us);

/* Records one H4 packet (type byte first). received: controller->host.
 * unix_us: the time in microseconds since the Unix epoch (the caller's
 * clock; a monotonic clock gives valid if not wall-clock times). Returns 0;
 * -EINVAL for a missing or empty packet (counted as a drop); or the sink's
 * error. A sink error may leave a partial record, so the writer stops there:
 * that call and every later one return the first error and count a drop. */
int zble_btsnoop_record(struct zble_btsnoop *s, bool received, const uint8_t *h4_pkt, size_t len, uint64_t unix_us);

/* Counts n packets lost before reaching the writer (e.g. a capture queue
 * that overflowed); later records carry them in their drops field. */
void zble_btsnoop_add_drops(struct zble_btsnoop *s, uint32_t n);

/* ---- POSIX file sink (btsnoop_file.c) ---- */
#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>

/* Records may come from several threads at once (on the threads backend
 * the host's receive thread and its work queue both see packets): the
 * sink serialises them. */
struct zble_btsnoop_file {
	struct zble_btsnoop snoop;
	int fd;
	pthread_mutex_t lock;
};

/* Creates (truncates) path and writes the header. 0 or a negative errno. */
int zble_btsnoop_file_open(struct zble_btsnoop_file *f, const char *path);
/* zble_btsnoop_record(&f->snoop, ...). */
int zble_btsnoop_file_record(struct zble_btsnoop_file *f, bool received, const uint8_t *h4_pkt, size_t len,
			     uint64_t unix_us);
/* Closes the file: 0, or the first error of the capture or of close(). */
int zble_btsnoop_file_close(struct zble_btsnoop_file *f);
/* Unix time in microseconds from the system clock (CLOCK_REALTIME). */
uint64_t zble_btsnoop_unix_us(void);

#endif /* POSIX */

#endif
