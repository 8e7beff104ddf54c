/* zble/h4_posix.h: H4 over unix/TCP sockets, ttys and given descriptors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "zble/h4_posix.h"
#include "zble/os.h"
#include "zble/userchan.h"
#if !defined(ZBLE_KERNEL_THREADS)
#include "zble/posix_loop.h"
#endif

/* Reads per wake-up in loop/manual mode, so a flooding peer cannot keep the
 * coop loop from its timers; the loop calls again while data is there. */
#define RX_READS_PER_CALL 16

/* ---- spec parsing ---- */

struct baud_map {
	uint32_t rate;
	speed_t code;
};

static const struct baud_map bauds[] = {
	{ 9600, B9600 },     { 19200, B19200 },     { 38400, B38400 },     { 57600, B57600 },
	{ 115200, B115200 }, { 230400, B230400 },
#ifdef B460800
	{ 460800, B460800 },
#endif
#ifdef B500000
	{ 500000, B500000 },
#endif
#ifdef B576000
	{ 576000, B576000 },
#endif
#ifdef B921600
	{ 921600, B921600 },
#endif
#ifdef B1000000
	{ 1000000, B1000000 },
#endif
#ifdef B1152000
	{ 1152000, B1152000 },
#endif
#ifdef B1500000
	{ 1500000, B1500000 },
#endif
#ifdef B2000000
	{ 2000000, B2000000 },
#endif
#ifdef B2500000
	{ 2500000, B2500000 },
#endif
#ifdef B3000000
	{ 3000000, B3000000 },
#endif
#ifdef B3500000
	{ 3500000, B3500000 },
#endif
#ifdef B4000000
	{ 4000000, B4000000 },
#endif
};

static bool baud_code(uint32_t rate, speed_t *code)
{
	for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++) {
		if (bauds[i].rate == rate) {
			*code = bauds[i].code;
			return true;
		}
	}
	return false;
}

/* Decimal digits only, no sign, value <= max. */
static bool parse_uint(const char *s, size_t n, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 10) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max) {
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static int copy_str(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size) {
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static bool has_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);
	if (strncmp(s, prefix, n) != 0) {
		return false;
	}
	*rest = s + n;
	return true;
}

static int parse_tcp(struct zble_h4_posix *t, const char *s)
{
	const char *host = s, *host_end, *port;
	if (*s == '[') {
		host = s + 1;
		host_end = strchr(host, ']');
		if (!host_end || host_end[1] != ':') {
			return -EINVAL;
		}
		port = host_end + 2;
	} else {
		host_end = strrchr(s, ':');
		if (!host_end) {
			return -EINVAL;
		}
		port = host_end + 1;
	}
	uint32_t p;
	if (host_end == host || !parse_uint(port, strlen(port), 65535, &p) || p == 0) {
		return -EINVAL;
	}
	int rc = copy_str(t->addr, sizeof(t->addr), host, (size_t)(host_end - host));
	if (rc == 0) {
		rc = copy_str(t->port, sizeof(t->port), port, strlen(port));
	}
	t->kind = ZBLE_H4_POSIX_TCP;
	return rc;
}

static int parse_tty(struct zble_h4_posix *t, const char *s)
{
	const char *comma = strchr(s, ',');
	size_t n = comma ? (size_t)(comma - s) : strlen(s);
	if (n == 0) {
		return -EINVAL;
	}
	int rc = copy_str(t->addr, sizeof(t->addr), s, n);
	if (rc) {
		return rc;
	}
	t->kind = ZBLE_H4_POSIX_TTY;
	t->baud = 115200;
	t->crtscts = true;
	while (comma) {
		const char *opt = comma + 1;
		comma = strchr(opt, ',');
		n = comma ? (size_t)(comma - opt) : strlen(opt);
		uint32_t rate;
		speed_t code;
		if (parse_uint(opt, n, UINT32_MAX, &rate)) {
			if (!baud_code(rate, &code)) {
				return -EINVAL;
			}
			t->baud = rate;
		} else if ((n == 7 && !strncmp(opt, "crtscts", n)) || (n == 4 && !strncmp(opt, "flow", n))) {
			t->crtscts = true;
		} else if ((n == 9 && !strncmp(opt, "nocrtscts", n)) || (n == 6 && !strncmp(opt, "noflow", n))) {
			t->crtscts = false;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_spec(struct zble_h4_posix *t, const char *spec)
{
	const char *rest;
	if (strlen(spec) >= ZBLE_H4_POSIX_SPEC_MAX) {
		return -ENAMETOOLONG;
	}
	if (has_prefix(spec, "unix:", &rest)) {
		if (*rest == '\0') {
			return -EINVAL;
		}
		if (strlen(rest) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			return -ENAMETOOLONG;
		}
		t->kind = ZBLE_H4_POSIX_UNIX;
		return copy_str(t->addr, sizeof(t->addr), rest, strlen(rest));
	}
	if (has_prefix(spec, "tcp:", &rest)) {
		return parse_tcp(t, rest);
	}
	if (has_prefix(spec, "tty:", &rest)) {
		return parse_tty(t, rest);
	}
	if (has_prefix(spec, "fd:", &rest)) {
		uint32_t fd;
		if (!parse_uint(rest, strlen(rest), INT32_MAX, &fd)) {
			return -EINVAL;
		}
		t->kind = ZBLE_H4_POSIX_FD;
		t->user_fd = (int)fd;
		return 0;
	}
	if (has_prefix(spec, "userchan:", &rest)) {
		int index = zble_userchan_parse_index(rest);
		if (index < 0) {
			return index;
		}
		t->kind = ZBLE_H4_POSIX_USERCHAN;
		t->dev_index = (uint16_t)index;
		t->drv.name = "userchan";
		return 0;
	}
	return -EINVAL;
}

/* ---- opening ---- */

static int open_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	if (n >= sizeof(sa.sun_path)) {
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, n);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	int rc;
	do {
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	} while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int gai_to_errno(int rc)
{
	switch (rc) {
	case EAI_SYSTEM:
		return -errno;
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		return -EHOSTUNREACH;
	case EAI_AGAIN:
		return -EAGAIN;
	case EAI_MEMORY:
		return -ENOMEM;
	default:
		return -EINVAL;
	}
}

static int open_tcp(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		return gai_to_errno(rc);
	}
	int fd = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (s < 0) {
			fd = -errno;
			continue;
		}
		do {
			rc = connect(s, ai->ai_addr, ai->ai_addrlen);
		} while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			int one = 1;
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			fd = s;
			break;
		}
		fd = -errno;
		close(s);
	}
	freeaddrinfo(res);
	return fd;
}

static int open_tty(const char *path, uint32_t baud, bool crtscts)
{
	speed_t code;
	if (!baud_code(baud, &code)) {
		return -EINVAL;
	}
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	struct termios tio;
	int rc = 0;
	if (tcgetattr(fd, &tio) < 0) {
		rc = -errno;
		goto fail;
	}
	cfmakeraw(&tio); /* 8 data bits, no parity, no echo, no translation */
	tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB);
	tio.c_cflag |= CLOCAL | CREAD;
	if (crtscts) {
		tio.c_cflag |= CRTSCTS;
	} else {
		tio.c_cflag &= ~(tcflag_t)CRTSCTS;
	}
	tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	/* VMIN 1: with O_NONBLOCK an empty read is EAGAIN, so 0 means hang-up. */
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (cfsetispeed(&tio, code) < 0 || cfsetospeed(&tio, code) < 0) {
		rc = -EINVAL;
		goto fail;
	}
	if (tcsetattr(fd, TCSANOW, &tio) < 0) {
		rc = -errno;
		goto fail;
	}
	tcflush(fd, TCIOFLUSH); /* stale bytes from before we owned the line */
	return fd;
fail:
	close(fd);
	return rc;
}

/* ---- receive side ---- */

static void publish_stats(struct zble_h4_posix *t)
{
	const struct zble_h4_stats *s = &t->framer.stats;
	__atomic_store_n(&t->drv.stats.rx_packets, s->packets, __ATOMIC_RELAXED);
	__atomic_store_n(&t->drv.stats.rx_dropped, s->dropped, __ATOMIC_RELAXED);
	__atomic_store_n(&t->drv.stats.framing_errors, s->framing_errors, __ATOMIC_RELAXED);
	__atomic_store_n(&t->oversize, s->oversize, __ATOMIC_RELAXED);
	__atomic_store_n(&t->skipped_bytes, s->skipped_bytes, __ATOMIC_RELAXED);
}

/* The framer's callback: counters first, then the host's callback. */
static int rx_deliver(void *ctx, const uint8_t *pkt, size_t len)
{
	struct zble_h4_posix *t = ctx;
	publish_stats(t);
	return t->recv ? t->recv(t->recv_ctx, pkt, len) : 0;
}

static void hang_up(struct zble_h4_posix *t, int err)
{
	if (__atomic_load_n(&t->hung_up, __ATOMIC_ACQUIRE)) {
		return;
	}
	t->hangup_err = err;
	__atomic_fetch_add(&t->hangups, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&t->hung_up, true, __ATOMIC_RELEASE);
	zble_h4_reset(&t->framer); /* a packet cut by the hang-up is gone */
	publish_stats(t);
#if !defined(ZBLE_KERNEL_THREADS)
	if (t->in_loop) {
		/* Else poll() would report POLLHUP for ever. */
		zble_posix_loop_remove_fd(t->loop, t->fd);
		t->in_loop = false;
	}
#endif
	if (t->on_hangup) {
		t->on_hangup(t->hangup_ctx, err);
	}
}

/* Reads at most max_reads times, until the descriptor is empty. Returns
 * packets delivered, or -EPIPE when the peer hung up. */
static int rx_drain(struct zble_h4_posix *t, int max_reads)
{
	int delivered = 0;
	for (int i = 0; i < max_reads; i++) {
		ssize_t n = read(t->fd, t->rx_chunk, sizeof(t->rx_chunk));
		if (n > 0) {
			delivered += (int)zble_h4_feed(&t->framer, t->rx_chunk, (size_t)n);
			if ((t->flags & ZBLE_H4_POSIX_PACKETS) && zble_h4_busy(&t->framer)) {
				/* A packet socket cut a packet short. */
				t->framer.stats.framing_errors++;
				t->framer.stats.skipped_bytes += t->framer.pos;
				zble_h4_reset(&t->framer);
			}
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			break;
		}
		int err = n == 0 ? 0 : -errno;
		publish_stats(t);
		hang_up(t, err);
		return -EPIPE;
	}
	publish_stats(t);
	return delivered;
}

int zble_h4_posix_rx(struct zble_h4_posix *t)
{
	if (t->fd < 0) {
		return -ENOTCONN;
	}
	if (__atomic_load_n(&t->hung_up, __ATOMIC_ACQUIRE)) {
		return -EPIPE;
	}
	return rx_drain(t, RX_READS_PER_CALL);
}

#if !defined(ZBLE_KERNEL_THREADS)
static void on_readable(void *arg, int fd)
{
	(void)fd;
	zble_h4_posix_rx(arg);
}
#else
static void rx_thread(void *arg)
{
	struct zble_h4_posix *t = arg;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = t->fd, .events = POLLIN },
			{ .fd = t->stop_rd, .events = POLLIN },
		};
		int rc = poll(p, 2, -1);
		if (rc < 0) {
			if (errno == EINTR) {
				continue;
			}
			hang_up(t, -errno);
			return;
		}
		if (p[1].revents) {
			return; /* close() */
		}
		if (p[0].revents & POLLNVAL) {
			hang_up(t, -EBADF);
			return;
		}
		if (p[0].revents && rx_drain(t, RX_READS_PER_CALL) < 0) {
			return;
		}
	}
}
#endif

static int start_rx(struct zble_h4_posix *t)
{
	switch (t->rx_mode) {
	case ZBLE_H4_RX_LOOP:
#if !defined(ZBLE_KERNEL_THREADS)
	{
		int rc = zble_posix_loop_add_fd(t->loop, t->fd, on_readable, t);
		t->in_loop = rc == 0;
		return rc;
	}
#else
		return -ENOTSUP;
#endif
	case ZBLE_H4_RX_THREAD:
#if defined(ZBLE_KERNEL_THREADS)
	{
		int p[2];
		if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
			return -errno;
		}
		t->stop_rd = p[0];
		t->stop_wr = p[1];
		int rc = zble_os_thread_start(&t->rx_thread, "zble-h4-rx", ZBLE_OS_PRIO_RX, rx_thread, t);
		if (rc < 0) {
			close(p[0]);
			close(p[1]);
			t->stop_rd = t->stop_wr = -1;
		}
		return rc;
	}
#else
		return -ENOTSUP;
#endif
	default:
		return 0;
	}
}

static void stop_rx(struct zble_h4_posix *t)
{
#if !defined(ZBLE_KERNEL_THREADS)
	if (t->in_loop) {
		zble_posix_loop_remove_fd(t->loop, t->fd);
		t->in_loop = false;
	}
#else
	if (t->stop_wr >= 0) {
		char b = 1;
		ssize_t n;
		do {
			n = write(t->stop_wr, &b, 1);
		} while (n < 0 && errno == EINTR);
		zble_os_thread_join(&t->rx_thread);
		close(t->stop_rd);
		close(t->stop_wr);
		t->stop_rd = t->stop_wr = -1;
	}
#endif
}

/* ---- driver operations ---- */

int zble_h4_posix_attach(struct zble_h4_posix *t, int fd, unsigned flags, zble_hci_recv_t recv,
			 void *recv_ctx)
{
	if (fd < 0) {
		return -EBADF;
	}
	if (t->fd >= 0) {
		close(fd);
		return -EALREADY;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	struct stat st;
	t->is_socket = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
	t->fd = fd;
	t->flags = flags;
	t->tx_broken = false;
	t->hangup_err = 0;
	__atomic_store_n(&t->hung_up, false, __ATOMIC_RELEASE);
	zble_h4_reset(&t->framer);
	t->recv = recv;
	t->recv_ctx = recv_ctx;
	t->framer.recv = rx_deliver;
	t->framer.recv_ctx = t;
	int rc = start_rx(t);
	if (rc < 0) {
		close(fd);
		t->fd = -1;
	}
	return rc;
}

static int h4p_open(struct zble_hci_driver *drv, zble_hci_recv_t recv, void *recv_ctx)
{
	struct zble_h4_posix *t = (struct zble_h4_posix *)drv;
	int fd;
	if (t->fd >= 0) {
		return -EALREADY;
	}
	switch (t->kind) {
	case ZBLE_H4_POSIX_UNIX:
		fd = open_unix(t->addr);
		break;
	case ZBLE_H4_POSIX_TCP:
		fd = open_tcp(t->addr, t->port);
		break;
	case ZBLE_H4_POSIX_TTY:
		fd = open_tty(t->addr, t->baud, t->crtscts);
		break;
	case ZBLE_H4_POSIX_FD:
		fd = fcntl(t->user_fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			fd = -errno;
		}
		break;
	case ZBLE_H4_POSIX_USERCHAN:
		fd = zble_userchan_socket(t->dev_index);
		if (fd >= 0) {
			return zble_h4_posix_attach(t, fd, ZBLE_H4_POSIX_PACKETS, recv, recv_ctx);
		}
		break;
	default:
		return -EINVAL;
	}
	if (fd < 0) {
		return fd;
	}
	return zble_h4_posix_attach(t, fd, 0, recv, recv_ctx);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd takes more bytes. 0, -ETIMEDOUT or -errno. */
static int wait_writable(struct zble_h4_posix *t, int64_t deadline)
{
	__atomic_fetch_add(&t->tx_waits, 1, __ATOMIC_RELAXED);
	for (;;) {
		int timeout = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0) {
				return -ETIMEDOUT;
			}
			timeout = left > 60000 ? 60000 : (int)left;
		}
		struct pollfd p = { .fd = t->fd, .events = POLLOUT };
		int rc = poll(&p, 1, timeout);
		if (rc > 0) {
			return 0; /* writable, or an error the next write reports */
		}
		if (rc < 0 && errno != EINTR) {
			return -errno;
		}
	}
}

static int h4p_send(struct zble_hci_driver *drv, const uint8_t *pkt, size_t len)
{
	struct zble_h4_posix *t = (struct zble_h4_posix *)drv;
	if (t->fd < 0) {
		return -ENOTCONN;
	}
	if (__atomic_load_n(&t->hung_up, __ATOMIC_ACQUIRE)) {
		return -EPIPE;
	}
	if (t->tx_broken) {
		return -EIO;
	}
	/* A packet whose header disagrees with its length would desynchronise
	 * the controller's framer: refuse it. */
	if (!pkt || len == 0 || zble_h4_packet_len(pkt, len, 16383) != (int)len) {
		return -EINVAL;
	}
	int64_t deadline = t->tx_timeout_ms < 0 ? -1 : now_ms() + t->tx_timeout_ms;
	size_t off = 0;
	int err = 0;
	while (off < len) {
		ssize_t n;
		if (t->is_socket) {
			n = send(t->fd, pkt + off, len - off, MSG_NOSIGNAL);
		} else {
			n = write(t->fd, pkt + off, len - off);
		}
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			err = wait_writable(t, deadline);
			if (err == 0) {
				continue;
			}
		} else {
			err = n < 0 ? -errno : -EIO;
		}
		break;
	}
	if (err) {
		__atomic_fetch_add(&t->tx_errors, 1, __ATOMIC_RELAXED);
		if (off > 0) {
			t->tx_broken = true;
		}
		if (err == -ECONNRESET || err == -ENOTCONN) {
			err = -EPIPE;
		}
		return err;
	}
	__atomic_fetch_add(&t->drv.stats.tx_packets, 1, __ATOMIC_RELAXED);
	return 0;
}

static void h4p_close(struct zble_hci_driver *drv)
{
	struct zble_h4_posix *t = (struct zble_h4_posix *)drv;
	if (t->fd < 0) {
		return;
	}
	stop_rx(t);
	close(t->fd);
	t->fd = -1;
	zble_h4_reset(&t->framer);
}

int zble_h4_posix_init(struct zble_h4_posix *t, const struct zble_h4_posix_config *cfg)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->stop_rd = t->stop_wr = -1;
	t->user_fd = -1;
	t->drv.name = "h4";
	t->drv.open = h4p_open;
	t->drv.send = h4p_send;
	t->drv.close = h4p_close;
	if (!cfg) {
		return -EINVAL;
	}

	enum zble_h4_rx_mode mode = cfg->rx_mode;
	if (mode == ZBLE_H4_RX_AUTO) {
		mode = cfg->loop ? ZBLE_H4_RX_LOOP : ZBLE_H4_RX_THREAD;
	}
	switch (mode) {
	case ZBLE_H4_RX_LOOP:
		if (!cfg->loop) {
			return -EINVAL;
		}
#if defined(ZBLE_KERNEL_THREADS)
		return -ENOTSUP;
#else
		break;
#endif
	case ZBLE_H4_RX_THREAD:
#if !defined(ZBLE_KERNEL_THREADS)
		return -ENOTSUP;
#else
		break;
#endif
	case ZBLE_H4_RX_MANUAL:
		break;
	default:
		return -EINVAL;
	}
	t->rx_mode = mode;
	t->loop = cfg->loop;
	t->tx_timeout_ms = cfg->tx_timeout_ms ? cfg->tx_timeout_ms : ZBLE_H4_POSIX_TX_TIMEOUT_MS;
	t->on_hangup = cfg->on_hangup;
	t->hangup_ctx = cfg->hangup_ctx;
	zble_h4_init(&t->framer, ZBLE_H4_ACCEPT_HOST, cfg->data_max, NULL, NULL);

	if (!cfg->spec) {
		return 0; /* zble_h4_posix_attach() only */
	}
	int rc = parse_spec(t, cfg->spec);
	if (rc < 0) {
		t->kind = ZBLE_H4_POSIX_NONE;
	}
	return rc;
}

int zble_h4_posix_fd(const struct zble_h4_posix *t)
{
	return t->fd;
}

bool zble_h4_posix_hung_up(const struct zble_h4_posix *t)
{
	return __atomic_load_n(&t->hung_up, __ATOMIC_ACQUIRE);
}

void zble_h4_posix_get_stats(const struct zble_h4_posix *t, struct zble_h4_posix_stats *out)
{
	out->hci.rx_packets = __atomic_load_n(&t->drv.stats.rx_packets, __ATOMIC_RELAXED);
	out->hci.tx_packets = __atomic_load_n(&t->drv.stats.tx_packets, __ATOMIC_RELAXED);
	out->hci.rx_dropped = __atomic_load_n(&t->drv.stats.rx_dropped, __ATOMIC_RELAXED);
	out->hci.rx_discarded = __atomic_load_n(&t->drv.stats.rx_discarded, __ATOMIC_RELAXED);
	out->hci.framing_errors = __atomic_load_n(&t->drv.stats.framing_errors, __ATOMIC_RELAXED);
	out->hangups = __atomic_load_n(&t->hangups, __ATOMIC_RELAXED);
	out->tx_errors = __atomic_load_n(&t->tx_errors, __ATOMIC_RELAXED);
	out->tx_waits = __atomic_load_n(&t->tx_waits, __ATOMIC_RELAXED);
	out->oversize = __atomic_load_n(&t->oversize, __ATOMIC_RELAXED);
	out->skipped_bytes = __atomic_load_n(&t->skipped_bytes, __ATOMIC_RELAXED);
}
