/* zble/userchan.h: the Linux HCI user channel. No BlueZ headers needed:
 * the few constants and the address struct are the kernel's ABI. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zble/userchan.h"

#define UC_AF_BLUETOOTH 31
#define UC_BTPROTO_HCI 1
#define UC_HCI_CHANNEL_USER 1

/* struct sockaddr_hci of <linux/bluetooth/hci_sock.h>. */
struct uc_sockaddr_hci {
	sa_family_t hci_family;
	unsigned short hci_dev;
	unsigned short hci_channel;
};

int zble_userchan_socket(uint16_t dev_index)
{
	int fd = socket(UC_AF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, UC_BTPROTO_HCI);
	if (fd < 0) {
		return -errno;
	}
	struct uc_sockaddr_hci sa = {
		.hci_family = UC_AF_BLUETOOTH,
		.hci_dev = dev_index,
		.hci_channel = UC_HCI_CHANNEL_USER,
	};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int uc_open(struct zble_hci_driver *drv, zble_hci_recv_t recv, void *recv_ctx)
{
	struct zble_userchan *uc = (struct zble_userchan *)drv;
	if (zble_h4_posix_fd(&uc->h4) >= 0) {
		return -EALREADY;
	}
	int fd = zble_userchan_socket(uc->dev_index);
	if (fd < 0) {
		uc->last_error = fd;
		return fd;
	}
	uc->last_error = zble_h4_posix_attach(&uc->h4, fd, ZBLE_H4_POSIX_PACKETS, recv, recv_ctx);
	return uc->last_error;
}

int zble_userchan_init(struct zble_userchan *uc, const struct zble_userchan_config *cfg)
{
	struct zble_h4_posix_config hc = { 0 };
	if (cfg) {
		hc.rx_mode = cfg->rx_mode;
		hc.loop = cfg->loop;
		hc.on_hangup = cfg->on_hangup;
		hc.hangup_ctx = cfg->hangup_ctx;
	}
	int rc = zble_h4_posix_init(&uc->h4, &hc);
	uc->h4.drv.name = "userchan";
	uc->h4.drv.open = uc_open; /* send and close are the H4 driver's */
	uc->dev_index = cfg ? cfg->dev_index : 0;
	uc->last_error = 0;
	return cfg ? rc : -EINVAL;
}

int zble_userchan_parse_index(const char *name)
{
	if (!name) {
		return -EINVAL;
	}
	if (strncmp(name, "hci", 3) == 0) {
		name += 3;
	}
	if (*name == '\0' || strlen(name) > 5) {
		return -EINVAL;
	}
	long v = 0;
	for (const char *p = name; *p; p++) {
		if (*p < '0' || *p > '9') {
			return -EINVAL;
		}
		v = v * 10 + (*p - '0');
	}
	/* 0xffff is HCI_DEV_NONE. */
	return v < 0xffff ? (int)v : -EINVAL;
}

const char *zble_userchan_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case EAFNOSUPPORT:
		return "no Bluetooth sockets (AF_BLUETOOTH) in this kernel: not Linux, the bluetooth "
		       "module is not loaded, or a container/sandbox hides it";
	case EPROTONOSUPPORT:
		return "the kernel's Bluetooth support has no HCI sockets (BTPROTO_HCI)";
	case EPERM:
	case EACCES:
		return "the HCI user channel needs CAP_NET_ADMIN: run as root or grant it "
		       "(setcap cap_net_admin+ep PROGRAM)";
	case ENODEV:
		return "no such HCI device: list them with 'btmgmt info' or 'hciconfig'";
	case EBUSY:
		return "the HCI device is up or being set up by the kernel's host: power it off "
		       "first ('btmgmt --index N power off' or 'hciconfig hciN down'), or stop "
		       "bluetoothd";
#ifdef EUSERS
	case EUSERS:
		return "another program already holds the user channel of this HCI device";
#endif
#ifdef ERFKILL
	case ERFKILL:
		return "the HCI device is blocked by rfkill: 'rfkill unblock bluetooth'";
#endif
	case EALREADY:
		return "already open";
	case EINVAL:
		return "invalid HCI device index or malformed packet";
	case ENOTCONN:
		return "not open";
	case EPIPE:
		return "the HCI device went away (unplugged or reset) or the channel was closed";
	case ENETDOWN:
		return "the HCI device is down";
	case ENOTSUP:
		return "this receive mode is not available in this build of zble";
	default:
		return strerror(err < 0 ? -err : err);
	}
}
