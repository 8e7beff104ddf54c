/* Linux HCI user channel: exclusive raw access to a controller the kernel
 * knows (a USB dongle, a UART attached with btattach), bypassing the
 * kernel's own host. Implements struct zble_hci_driver.
 *
 * The kernel frames the packets (one whole packet per read and per write,
 * H4 type byte first), so no byte-stream framing is needed; the receive
 * side is the H4 POSIX driver's (same rx modes, hang-up reporting and
 * statistics, see zble/h4_posix.h), with packet-socket checks.
 *
 * Requirements, and what open() returns when they are not met:
 *   -EAFNOSUPPORT  no Bluetooth in this kernel (or not Linux, or a sandbox)
 *   -EPERM         the process lacks CAP_NET_ADMIN
 *   -ENODEV        there is no hciN with that index
 *   -EBUSY         hciN is up (owned by the kernel host / bluetoothd):
 *                  power it off first
 *   -EUSERS        another program holds the user channel
 *   -ERFKILL       blocked by rfkill
 * zble_userchan_strerror() turns these into a sentence with the fix.
 *
 * The same driver is reachable through the H4 POSIX driver's spec string
 * "userchan:N" (zble/h4_posix.h); struct zble_userchan is the direct way.
 *
 *   struct zble_userchan uc;
 *   zble_userchan_init(&uc, &(struct zble_userchan_config){ .dev_index = 0 });
 *   struct zble_hci_driver *drv = &uc.h4.drv;
 *   int rc = drv->open(drv, recv, ctx);
 *   if (rc < 0) fprintf(stderr, "hci0: %s\n", zble_userchan_strerror(rc)); */
#ifndef ZBLE_USERCHAN_H
#define ZBLE_USERCHAN_H

#include <stdint.h>

#include "zble/h4_posix.h"

struct zble_userchan_config {
	uint16_t dev_index; /* N of hciN */
	enum zble_h4_rx_mode rx_mode;
	struct zble_posix_loop *loop;
	zble_h4_hangup_t on_hangup; /* e.g. the dongle was unplugged */
	void *hangup_ctx;
};

struct zble_userchan {
	struct zble_h4_posix h4; /* first: h4.drv is the driver */
	uint16_t dev_index;
	int last_error; /* of the last open(), 0 after success */
};

/* 0, or what zble_h4_posix_init() returns for the mode. */
int zble_userchan_init(struct zble_userchan *uc, const struct zble_userchan_config *cfg);
/* Creates the HCI socket and binds it to the user channel of hciN: a
 * non-blocking descriptor, or a negative errno (the list above). */
int zble_userchan_socket(uint16_t dev_index);
/* "hci0", "hci12" or "0" -> index; -EINVAL otherwise. */
int zble_userchan_parse_index(const char *name);
/* A human explanation of an error returned by open() (negative errno) or
 * send(); never NULL. */
const char *zble_userchan_strerror(int err);

#endif
