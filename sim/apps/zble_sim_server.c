/* zble-sim as a server: the simulated radio in real time, each device's
 * controller served as H4 (type byte + HCI packet) over a unix socket, a
 * TCP port on 127.0.0.1 or a pty, so that hosts in other processes -- zble
 * hosts (zble_demo --hci unix:DIR/server), BlueZ tools, MicroPython's unix
 * port with NimBLE on a tty -- share one radio.
 *
 *   zble_sim_server [--devices N] [--unix DIR] [--tcp PORT] [--pty]
 *                   [--seed S] [--btsnoop PREFIX] [--background-advertisers N]
 *                   [--verbose] [--fault SPEC]... [--idle-exit SECONDS]
 *
 * Two ways to get a controller:
 *  - fixed devices dev0..devN-1 (--devices, default 2): DIR/devK (unix),
 *    127.0.0.1:PORT+K (TCP), or, with --pty, a pty each (its slave path is
 *    printed: "dev0: pty /dev/pts/7"; with --unix DIR also as the symlink
 *    DIR/devK.pty). One client per device at a time; a second connection
 *    is refused (closed at once). With --pty the fixed devices are on ptys
 *    only.
 *  - DIR/server (with --unix): like btvirt's bt-server-le, every accepted
 *    connection gets a controller of its own (a new device while there is
 *    room, else one a gone client left). So the scripts written for btvirt
 *    run unchanged with BTVIRT_DIR=DIR and the socket name "server".
 *
 * Every controller starts from reset when a client takes it (addresses are
 * C0:FF:EE:5A:00:nn, nn = device index + 1). A client that disconnects
 * (end of file or error on its socket) leaves its controller reset: its
 * links end on its side and its peers see them time out (supervision
 * timeout), as when a device loses power. A pty cannot tell that its user
 * went away (the server keeps the slave open so that nothing is lost while
 * nobody has it open): its controller keeps its state until the next host
 * resets it, which hosts do when they start. Bytes that are not H4 are
 * skipped by the framer until the next packet type byte and counted
 * ("framing errors"), packets the controller refuses are counted too;
 * neither ends the connection.
 *
 * --btsnoop PREFIX captures each device's HCI traffic at the controller to
 * PREFIX<device>.snoop (e.g. PREFIXdev0.snoop), restarted when a new client
 * takes the device; timestamps are simulated time since start on a fixed
 * 2024-01-01 epoch. --background-advertisers N adds N advertisers without
 * hosts (a third each connectable, scannable, non-connectable).
 *
 * Sockets appear only once they accept connections (bound under a
 * temporary name, then renamed): a script may poll for them. The line
 * "zble-sim: ready" on stdout says everything is up. SIGINT/SIGTERM: clean
 * shutdown (sockets removed, captures closed, statistics printed), exit 0.
 *
 * --fault SPEC injects a fault into a device at a simulated time (packet
 * loss or CRC errors with a peer, dropped or delayed events, withheld
 * completions, Hardware Error, a command never answered, the device
 * vanishing): see fault_cli.h and --help.
 *
 * --idle-exit SECONDS: exit (status 0) once no client has been connected
 * for SECONDS, for a server started on demand (the Python module's shared
 * default radio). With --unix DIR the decision is taken holding
 * flock(DIR/lock), after accepting what is pending, and the sockets are
 * removed before the lock is released: a starter that holds the lock
 * while it connects is never cut off, and one that comes later finds no
 * socket and starts a new server. */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "zble/h4.h"
#include "zble/sim.h"

#include "fault_cli.h"

#define MAX_CLIENTS ZBLE_SIM_MAX_DEVICES
#define MAX_LISTENERS (2 * ZBLE_SIM_MAX_DEVICES + 1)
#define OUT_MAX 65536 /* controller->host bytes a slow client may owe */
#define MAX_BEACONS 4096
#define PATH_MAX_LEN 108 /* sun_path */

enum lkind { L_UNIX_DEV, L_TCP_DEV, L_UNIX_SERVER };

struct listener {
	int fd;
	enum lkind kind;
	int dev; /* fixed device, -1 for the server socket */
	char path[PATH_MAX_LEN];
};

struct client {
	bool used;
	bool pty;
	int fd;
	int pty_slave; /* kept open: see above */
	unsigned serial;
	struct zble_sim_device *dev;
	struct zble_h4 framer;
	uint32_t refused;      /* packets the controller refused */
	uint32_t out_dropped;  /* controller->host packets a full buffer lost */
	uint32_t errors_seen;  /* framing errors already reported */
	size_t out_len;
	uint8_t out[OUT_MAX];
};

struct server {
	struct zble_sim sim;
	struct listener lis[MAX_LISTENERS];
	unsigned nlis;
	struct client cl[MAX_CLIENTS];
	struct client *owner[ZBLE_SIM_MAX_DEVICES]; /* a device's client */
	bool fixed[ZBLE_SIM_MAX_DEVICES];
	bool ever_used[ZBLE_SIM_MAX_DEVICES];
	unsigned nfixed, serial;
	/* poll set of the last wait: fd i belongs to who[i] */
	struct pollfd pfd[1 + MAX_LISTENERS + MAX_CLIENTS];
	int who[1 + MAX_LISTENERS + MAX_CLIENTS]; /* -1 signal pipe, < 1000 listener, client + 1000 */
	unsigned npfd;
	int sig_rd;
	const char *dir, *snoop_prefix;
	bool verbose;
	struct fault_cli faults; /* --fault */
	uint64_t idle_exit_us;   /* --idle-exit, 0 = never */
	uint64_t busy_at_us;     /* monotonic time a client was last seen */
	uint32_t framing_errors, skipped_bytes, refused, out_dropped, clients_total;
	struct zble_sim_population pop;
	struct zble_sim_beacon beacons[MAX_BEACONS];
};

static struct server S;
static int sig_wr = -1;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("[%10.3f s] ", (double)zble_sim_now_us(&S.sim) / 1e6);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

static void on_signal(int sig)
{
	int saved = errno;
	uint8_t b = (uint8_t)sig;
	if (write(sig_wr, &b, 1) < 0) {
		/* the pipe is full: a stop is already pending */
	}
	errno = saved;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		return -errno;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* ---- controller -> client ---- */

static void flush_out(struct client *c)
{
	size_t off = 0;
	while (off < c->out_len) {
		ssize_t n = c->pty ? write(c->fd, c->out + off, c->out_len - off)
				   : send(c->fd, c->out + off, c->out_len - off, MSG_NOSIGNAL);
		if (n <= 0) {
			break; /* EAGAIN: later; an error shows up as a hang-up on read */
		}
		off += (size_t)n;
	}
	memmove(c->out, c->out + off, c->out_len - off);
	c->out_len -= off;
}

static int to_client(void *ctx, const uint8_t *pkt, size_t len)
{
	struct client *c = ctx;
	if (c->out_len + len > sizeof(c->out)) {
		flush_out(c);
	}
	if (c->out_len + len > sizeof(c->out)) {
		if (c->out_dropped++ == 0) {
			logf_("%s: client does not read: dropping controller packets", c->dev->name);
		}
		return -ENOBUFS;
	}
	memcpy(c->out + c->out_len, pkt, len);
	c->out_len += len;
	flush_out(c);
	return 0;
}

/* ---- client -> controller ---- */

static int from_client(void *ctx, const uint8_t *pkt, size_t len)
{
	struct client *c = ctx;
	struct zble_hci_driver *drv = zble_sim_device_driver(c->dev);
	int rc = drv->send(drv, pkt, len);
	if (rc < 0) {
		c->refused++;
		if (S.verbose || c->refused == 1) {
			logf_("%s: controller refused a packet (type 0x%02x, %zu bytes): %s", c->dev->name, pkt[0], len,
			      strerror(-rc));
		}
	}
	return rc;
}

static void capture(struct zble_sim_device *dev)
{
	if (!S.snoop_prefix) {
		return;
	}
	char path[512];
	snprintf(path, sizeof(path), "%s%s.snoop", S.snoop_prefix, dev->name);
	int err = zble_sim_device_capture(dev, path);
	if (err) {
		logf_("%s: capture %s: %s", dev->name, path, strerror(-err));
	}
}

static struct client *attach(int fd, struct zble_sim_device *dev, bool pty)
{
	struct client *c = NULL;
	for (unsigned i = 0; i < MAX_CLIENTS && !c; i++) {
		if (!S.cl[i].used) {
			c = &S.cl[i];
		}
	}
	if (!c) {
		return NULL;
	}
	memset(c, 0, offsetof(struct client, out));
	c->used = true;
	c->pty = pty;
	c->fd = fd;
	c->pty_slave = -1;
	c->dev = dev;
	c->serial = ++S.serial;
	zble_h4_init(&c->framer, ZBLE_H4_ACCEPT_CONTROLLER, 0, from_client, c);
	S.owner[dev->index] = c;
	S.ever_used[dev->index] = true;
	S.clients_total++;
	zble_sim_device_reset(dev);
	capture(dev);
	struct zble_hci_driver *drv = zble_sim_device_driver(dev);
	drv->open(drv, to_client, c);
	return c;
}

static void count_errors(struct client *c)
{
	uint32_t fe = c->framer.stats.framing_errors;
	if (fe != c->errors_seen) {
		logf_("%s: %" PRIu32 " framing error(s) so far (%" PRIu32 " bytes skipped), resynchronised",
		      c->dev->name, fe, c->framer.stats.skipped_bytes);
		c->errors_seen = fe;
	}
}

static void detach(struct client *c, const char *why)
{
	struct zble_sim_device *dev = c->dev;
	struct zble_hci_driver *drv = zble_sim_device_driver(dev);
	drv->close(drv);
	zble_sim_device_reset(dev); /* its links end: peers time out */
	logf_("%s: client %u gone (%s): %" PRIu32 " packets in, %" PRIu32 " framing errors, %" PRIu32 " refused",
	      dev->name, c->serial, why, c->framer.stats.packets, c->framer.stats.framing_errors, c->refused);
	S.framing_errors += c->framer.stats.framing_errors;
	S.skipped_bytes += c->framer.stats.skipped_bytes;
	S.refused += c->refused;
	S.out_dropped += c->out_dropped;
	close(c->fd);
	if (c->pty_slave >= 0) {
		close(c->pty_slave);
	}
	S.owner[dev->index] = NULL;
	c->used = false;
}

static void client_readable(struct client *c)
{
	uint8_t buf[4096];
	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t n = read(c->fd, buf, sizeof(buf));
		if (n > 0) {
			zble_h4_feed(&c->framer, buf, (size_t)n);
			count_errors(c);
			if (!c->used) {
				return;
			}
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			return;
		}
		if (c->pty) {
			return; /* EIO while no slave is open: nobody there */
		}
		detach(c, n == 0 ? "end of file" : strerror(errno));
		return;
	}
}

/* ---- listeners ---- */

static struct zble_sim_device *server_device(void)
{
	/* A device never used, else one a client left. */
	if (S.sim.ndev < ZBLE_SIM_MAX_DEVICES) {
		return zble_sim_add_device(&S.sim, NULL);
	}
	for (unsigned i = 0; i < S.sim.ndev; i++) {
		if (!S.fixed[i] && !S.owner[i]) {
			return &S.sim.devices[i];
		}
	}
	return NULL;
}

static void accept_on(struct listener *l)
{
	for (;;) {
		int fd = accept(l->fd, NULL, NULL);
		if (fd < 0) {
			return; /* EAGAIN, or an aborted connection */
		}
		set_nonblock(fd);
		if (l->kind == L_TCP_DEV) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		}
		struct zble_sim_device *dev = NULL;
		if (l->kind == L_UNIX_SERVER) {
			dev = server_device();
			if (!dev) {
				logf_("server: no controller left (%u devices): connection refused", ZBLE_SIM_MAX_DEVICES);
			}
		} else if (S.owner[l->dev]) {
			logf_("%s: already has a client: connection refused", S.sim.devices[l->dev].name);
		} else {
			dev = &S.sim.devices[l->dev];
		}
		struct client *c = dev ? attach(fd, dev, false) : NULL;
		if (!c) {
			close(fd);
			continue;
		}
		logf_("%s: client %u connected (%s)", dev->name, c->serial, l->path);
	}
}

static int listen_unix(const char *path, enum lkind kind, int dev)
{
	if (S.nlis >= MAX_LISTENERS) {
		return -ENOSPC;
	}
	char tmp[PATH_MAX_LEN];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int m = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (m < 0 || (size_t)m >= sizeof(sa.sun_path) || strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "zble-sim: socket path too long: %s\n", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, tmp, (size_t)m + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		return -errno;
	}
	unlink(tmp);
	unlink(path);
	/* Bound and listening under a temporary name, then renamed: the path
	 * exists only once it accepts connections. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 || rename(tmp, path) < 0) {
		int err = -errno;
		fprintf(stderr, "zble-sim: %s: %s\n", path, strerror(errno));
		close(fd);
		unlink(tmp);
		return err;
	}
	set_nonblock(fd);
	struct listener *l = &S.lis[S.nlis++];
	l->fd = fd;
	l->kind = kind;
	l->dev = dev;
	snprintf(l->path, sizeof(l->path), "%s", path);
	return 0;
}

static int listen_tcp(unsigned port, int dev)
{
	if (S.nlis >= MAX_LISTENERS) {
		return -ENOSPC;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		return -errno;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		int err = -errno;
		fprintf(stderr, "zble-sim: 127.0.0.1:%u: %s\n", port, strerror(errno));
		close(fd);
		return err;
	}
	set_nonblock(fd);
	struct listener *l = &S.lis[S.nlis++];
	l->fd = fd;
	l->kind = L_TCP_DEV;
	l->dev = dev;
	snprintf(l->path, sizeof(l->path), "127.0.0.1:%u", port);
	return 0;
}

static int open_pty(struct zble_sim_device *dev)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		int err = -errno;
		if (m >= 0) {
			close(m);
		}
		return err;
	}
	const char *name = ptsname(m);
	int s = name ? open(name, O_RDWR | O_NOCTTY) : -1;
	if (s < 0) {
		int err = -errno;
		close(m);
		return err;
	}
	struct termios t;
	if (tcgetattr(s, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(s, TCSANOW, &t);
	}
	set_nonblock(m);
	fcntl(s, F_SETFD, FD_CLOEXEC);
	struct client *c = attach(m, dev, true);
	if (!c) {
		close(m);
		close(s);
		return -ENOSPC;
	}
	c->pty_slave = s;
	printf("%s: pty %s\n", dev->name, name);
	if (S.dir) {
		char link[512];
		snprintf(link, sizeof(link), "%s/%s.pty", S.dir, dev->name);
		unlink(link);
		if (symlink(name, link) < 0) {
			fprintf(stderr, "zble-sim: symlink %s: %s\n", link, strerror(errno));
		}
	}
	return 0;
}

/* ---- the real-time hooks ---- */

static int rt_wait(void *ctx, uint64_t timeout_us)
{
	(void)ctx;
	unsigned n = 0;
	S.pfd[n] = (struct pollfd){ .fd = S.sig_rd, .events = POLLIN };
	S.who[n++] = -1;
	for (unsigned i = 0; i < S.nlis; i++) {
		S.pfd[n] = (struct pollfd){ .fd = S.lis[i].fd, .events = POLLIN };
		S.who[n++] = (int)i;
	}
	for (unsigned i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &S.cl[i];
		if (c->used) {
			S.pfd[n] = (struct pollfd){ .fd = c->fd, .events = (short)(POLLIN | (c->out_len ? POLLOUT : 0)) };
			S.who[n++] = 1000 + (int)i;
		}
	}
	S.npfd = n;
	int ms = -1;
	if (timeout_us != ZBLE_TIME_NEVER) {
		uint64_t t = (timeout_us + 999) / 1000; /* never early */
		ms = t > 60000 ? 60000 : (int)t;
	}
	int rc = poll(S.pfd, n, ms);
	if (rc < 0) {
		S.npfd = 0;
		return errno == EINTR ? 0 : -errno;
	}
	return rc > 0;
}

static int rt_input(void *ctx)
{
	(void)ctx;
	for (unsigned i = 0; i < S.npfd; i++) {
		short ev = S.pfd[i].revents;
		if (!ev) {
			continue;
		}
		int w = S.who[i];
		if (w < 0) {
			return -EINTR; /* SIGINT/SIGTERM */
		}
		if (w < 1000) {
			accept_on(&S.lis[w]);
			continue;
		}
		struct client *c = &S.cl[w - 1000];
		if (!c->used || c->fd != S.pfd[i].fd) {
			continue;
		}
		if (ev & POLLOUT) {
			flush_out(c);
		}
		if (ev & (POLLIN | POLLHUP | POLLERR)) {
			client_readable(c);
		}
	}
	S.npfd = 0;
	return 0;
}

static void trace(void *ctx, struct zble_sim_device *dev, bool to_host, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	printf("[%10.3f s] %-6s %s ", (double)zble_sim_now_us(&S.sim) / 1e6, dev->name, to_host ? "<-" : "->");
	for (size_t i = 0; i < len && i < 32; i++) {
		printf("%02x", pkt[i]);
	}
	printf("%s\n", len > 32 ? "..." : "");
}

/* ---- --idle-exit ---- */

static uint64_t monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool has_clients(void)
{
	for (unsigned i = 0; i < MAX_CLIENTS; i++) {
		if (S.cl[i].used) {
			return true;
		}
	}
	return false;
}

/* True when the server should stop for idleness. The lock descriptor is
 * left open on purpose: it is released when the process exits, after the
 * sockets are gone. */
static bool idle_expired(void)
{
	uint64_t now = monotonic_us();
	if (!S.idle_exit_us || has_clients()) {
		S.busy_at_us = now;
		return false;
	}
	if (now - S.busy_at_us < S.idle_exit_us) {
		return false;
	}
	if (S.dir) {
		char path[PATH_MAX_LEN + 16];
		snprintf(path, sizeof(path), "%s/lock", S.dir);
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (fd >= 0) {
				close(fd); /* someone is connecting: not idle */
			}
			return false;
		}
		for (unsigned i = 0; i < S.nlis; i++) {
			accept_on(&S.lis[i]);
		}
		if (has_clients()) {
			close(fd);
			S.busy_at_us = now;
			return false;
		}
		for (unsigned i = 0; i < S.nlis; i++) {
			if (S.lis[i].kind != L_TCP_DEV) {
				unlink(S.lis[i].path);
			}
		}
	}
	logf_("zble-sim: no client for %" PRIu64 " s: exiting", S.idle_exit_us / 1000000u);
	return true;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f, "usage: zble_sim_server [--devices N] [--unix DIR] [--tcp PORT] [--pty] [--seed S]\n"
		   "                       [--btsnoop PREFIX] [--background-advertisers N] [--verbose]\n"
		   "                       [--fault SPEC]... [--idle-exit SECONDS]\n"
		   "  --devices N   fixed devices dev0..devN-1 (default 2, at most %d)\n"
		   "  --unix DIR    DIR/devK per fixed device, DIR/server: a new controller per connection\n"
		   "  --tcp PORT    fixed device K on 127.0.0.1:PORT+K\n"
		   "  --pty         fixed devices on ptys (paths printed; DIR/devK.pty with --unix)\n"
		   "  --idle-exit S exit once no client has been connected for S seconds\n",
		ZBLE_SIM_MAX_DEVICES);
	fault_cli_usage(f);
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > max) {
		return false;
	}
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	unsigned long long ndev = 2, seed = 1, tcp = 0, beacons = 0, idle = 0;
	bool pty = false;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		bool ok = true;
		if (!strcmp(a, "--devices") && more) {
			ok = parse_uint(argv[++i], ZBLE_SIM_MAX_DEVICES, &ndev);
		} else if (!strcmp(a, "--unix") && more) {
			S.dir = argv[++i];
		} else if (!strcmp(a, "--tcp") && more) {
			ok = parse_uint(argv[++i], 65535, &tcp) && tcp > 0;
		} else if (!strcmp(a, "--pty")) {
			pty = true;
		} else if (!strcmp(a, "--seed") && more) {
			ok = parse_uint(argv[++i], UINT64_MAX, &seed);
		} else if (!strcmp(a, "--btsnoop") && more) {
			S.snoop_prefix = argv[++i];
		} else if (!strcmp(a, "--background-advertisers") && more) {
			ok = parse_uint(argv[++i], MAX_BEACONS, &beacons);
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			S.verbose = true;
		} else if (!strcmp(a, "--idle-exit") && more) {
			ok = parse_uint(argv[++i], 86400ull * 365, &idle) && idle > 0;
			S.idle_exit_us = idle * 1000000u;
		} else if (!strcmp(a, "--fault") && more) {
			ok = fault_cli_parse(&S.faults, argv[++i], stderr) == 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else {
			ok = false;
		}
		if (!ok) {
			fprintf(stderr, "zble-sim: bad argument %s\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!S.dir && !tcp && !pty) {
		fprintf(stderr, "zble-sim: nothing to serve: give --unix DIR, --tcp PORT or --pty\n");
		usage(stderr);
		return 2;
	}
	if (tcp && tcp + ndev > 65536) {
		fprintf(stderr, "zble-sim: TCP ports beyond 65535\n");
		return 2;
	}

	int sp[2];
	if (pipe(sp) < 0) {
		perror("zble-sim: pipe");
		return 1;
	}
	set_nonblock(sp[0]);
	set_nonblock(sp[1]);
	S.sig_rd = sp[0];
	sig_wr = sp[1];
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	zble_sim_init_realtime(&S.sim, seed,
			       &(struct zble_sim_realtime){ .wait = rt_wait, .input = rt_input });
	if (S.verbose) {
		S.sim.trace = trace;
	}
	for (unsigned k = 0; k < ndev; k++) {
		zble_sim_add_device(&S.sim, NULL);
		S.fixed[k] = true;
	}
	S.nfixed = (unsigned)ndev;
	if (fault_cli_check(&S.faults, &S.sim, stderr)) {
		return 2;
	}
	if (beacons) {
		int err = zble_sim_add_population(&S.sim, &S.pop, S.beacons, (unsigned)beacons, NULL);
		if (err) {
			fprintf(stderr, "zble-sim: background advertisers: %s\n", strerror(-err));
			return 1;
		}
	}

	int err = 0;
	if (S.dir) {
		if (mkdir(S.dir, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "zble-sim: %s: %s\n", S.dir, strerror(errno));
			return 1;
		}
		for (unsigned k = 0; k < ndev && !pty && !err; k++) {
			char path[PATH_MAX_LEN + 16];
			snprintf(path, sizeof(path), "%s/dev%u", S.dir, k);
			err = listen_unix(path, L_UNIX_DEV, (int)k);
			if (!err) {
				printf("dev%u: unix:%s\n", k, path);
			}
		}
		if (!err) {
			char path[PATH_MAX_LEN + 16];
			snprintf(path, sizeof(path), "%s/server", S.dir);
			err = listen_unix(path, L_UNIX_SERVER, -1);
			if (!err) {
				printf("server: unix:%s (a new controller per connection)\n", path);
			}
		}
	}
	for (unsigned k = 0; tcp && k < ndev && !err; k++) {
		err = listen_tcp((unsigned)tcp + k, (int)k);
		if (!err) {
			printf("dev%u: tcp:127.0.0.1:%llu\n", k, tcp + k);
		}
	}
	for (unsigned k = 0; pty && k < ndev && !err; k++) {
		err = open_pty(&S.sim.devices[k]);
		if (err) {
			fprintf(stderr, "zble-sim: pty: %s\n", strerror(-err));
		}
	}

	int rc = err;
	if (!err) {
		printf("zble-sim: ready (seed %llu, %llu fixed devices, %llu background advertisers, real time)\n", seed,
		       ndev, beacons);
		S.busy_at_us = monotonic_us();
		do {
			/* Up to a second at a time, stopping for faults due. */
			uint64_t next = fault_cli_apply(&S.faults, &S.sim, stdout);
			uint64_t until = zble_sim_now_us(&S.sim) + 1000000;
			rc = zble_sim_run_until(&S.sim, next < until ? next : until);
		} while (rc == 0 && !idle_expired());
		if (rc == -EINTR) {
			rc = 0;
			logf_("zble-sim: stopping");
		} else if (rc) {
			logf_("zble-sim: simulation stopped: %s", strerror(-rc));
		}
	}

	for (unsigned i = 0; i < MAX_CLIENTS; i++) {
		if (S.cl[i].used) {
			detach(&S.cl[i], "shutdown");
		}
	}
	for (unsigned i = 0; i < S.nlis; i++) {
		close(S.lis[i].fd);
		if (S.lis[i].kind != L_TCP_DEV) {
			unlink(S.lis[i].path);
		}
	}
	if (S.dir && pty) {
		for (unsigned k = 0; k < ndev; k++) {
			char link[PATH_MAX_LEN + 16];
			snprintf(link, sizeof(link), "%s/dev%u.pty", S.dir, k);
			unlink(link);
		}
	}
	printf("zble-sim: %" PRIu32 " clients, %" PRIu64 " simulation steps, %" PRIu32 " connections, %" PRIu32
	       " disconnections (%" PRIu32 " supervision timeouts), %" PRIu32 " framing errors (%" PRIu32
	       " bytes skipped), %" PRIu32 " packets refused, %" PRIu32 " to-host packets dropped, max lag %" PRIu64
	       " us\n",
	       S.clients_total, S.sim.stats.steps, S.sim.stats.connections, S.sim.stats.disconnections,
	       S.sim.stats.supervision_timeouts, S.framing_errors, S.skipped_bytes, S.refused, S.out_dropped,
	       S.sim.rt_stats.max_lag_us);
	zble_sim_deinit(&S.sim);
	close(sp[0]);
	close(sp[1]);
	return rc ? 1 : 0;
}
