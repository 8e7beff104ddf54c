/* The POSIX H4 driver (zble/h4_posix.h) and the user channel driver, built
 * per backend: coop receives through a struct zble_posix_loop, threads
 * through the RX thread. Peers are socketpairs, TCP/unix listeners and ptys
 * driven from the test (and from helper threads for bursts). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "zble/h4_posix.h"
#include "zble/userchan.h"
#if !defined(ZBLE_KERNEL_THREADS)
#include "zble/posix_loop.h"
#endif

#define TIMEOUT_MS 30000 /* generous: a loaded 2-core machine, sanitizers */
#define RX_BYTES (4u << 20)

struct env {
#if !defined(ZBLE_KERNEL_THREADS)
	struct zble_posix_loop loop;
#endif
	pthread_mutex_t m;
	pthread_cond_t c;
	uint8_t rx[RX_BYTES];
	size_t rx_len;
	unsigned rx_pkts;
	unsigned hangups;
	int hangup_err;
	struct zble_h4_posix t;
	int peer;
};

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	pthread_mutex_init(&e->m, NULL);
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&e->c, &a);
	pthread_condattr_destroy(&a);
#if !defined(ZBLE_KERNEL_THREADS)
	assert_int_equal(zble_posix_loop_init(&e->loop), 0);
#endif
	e->peer = -1;
	return e;
}

static void env_free(struct env *e)
{
	if (e->t.drv.close) {
		e->t.drv.close(&e->t.drv);
	}
	if (e->peer >= 0) {
		close(e->peer);
	}
#if !defined(ZBLE_KERNEL_THREADS)
	zble_posix_loop_deinit(&e->loop);
#endif
	pthread_cond_destroy(&e->c);
	pthread_mutex_destroy(&e->m);
	free(e);
}

static int on_recv(void *ctx, const uint8_t *pkt, size_t len)
{
	struct env *e = ctx;
	pthread_mutex_lock(&e->m);
	if (e->rx_len + len <= RX_BYTES) {
		memcpy(e->rx + e->rx_len, pkt, len);
		e->rx_len += len;
	}
	e->rx_pkts++;
	pthread_cond_broadcast(&e->c);
	pthread_mutex_unlock(&e->m);
	return 0;
}

static void on_hangup(void *ctx, int err)
{
	struct env *e = ctx;
	pthread_mutex_lock(&e->m);
	e->hangups++;
	e->hangup_err = err;
	pthread_cond_broadcast(&e->c);
	pthread_mutex_unlock(&e->m);
}

static struct zble_h4_posix_config env_config(struct env *e, const char *spec)
{
	struct zble_h4_posix_config cfg = { .spec = spec, .on_hangup = on_hangup, .hangup_ctx = e };
#if !defined(ZBLE_KERNEL_THREADS)
	cfg.loop = &e->loop;
#endif
	return cfg;
}

static int env_open(struct env *e, const char *spec)
{
	struct zble_h4_posix_config cfg = env_config(e, spec);
	int rc = zble_h4_posix_init(&e->t, &cfg);
	if (rc == 0) {
		rc = e->t.drv.open(&e->t.drv, on_recv, e);
	}
	return rc;
}

/* The driver on one end of a socketpair ("fd:N"), the test on the other. */
static void env_open_pair(struct env *e)
{
	int sv[2];
	char spec[32];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	snprintf(spec, sizeof(spec), "fd:%d", sv[0]);
	assert_int_equal(env_open(e, spec), 0);
	close(sv[0]); /* the driver holds its own dup */
	e->peer = sv[1];
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

typedef bool (*pred_t)(struct env *e, uintptr_t arg);

/* Waits until pred holds (checked under e->m): coop pumps the posix loop
 * (the receive callbacks run inside its wait), threads sleeps on the
 * condition variable the callbacks signal. */
static bool wait_until(struct env *e, pred_t pred, uintptr_t arg)
{
	uint64_t deadline = now_us() + (uint64_t)TIMEOUT_MS * 1000u;
#if !defined(ZBLE_KERNEL_THREADS)
	for (;;) {
		pthread_mutex_lock(&e->m);
		bool ok = pred(e, arg);
		pthread_mutex_unlock(&e->m);
		if (ok) {
			return true;
		}
		uint64_t now = now_us();
		if (now >= deadline) {
			return false;
		}
		uint64_t until = now + 50000 < deadline ? now + 50000 : deadline;
		zble_posix_loop_port.wait(&e->loop, until);
	}
#else
	struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000), .tv_nsec = (long)(deadline % 1000000) * 1000 };
	bool ok;
	pthread_mutex_lock(&e->m);
	while (!(ok = pred(e, arg))) {
		/* Short slices too, for predicates no callback signals. */
		uint64_t now = now_us();
		if (now >= deadline) {
			break;
		}
		uint64_t until = now + 50000 < deadline ? now + 50000 : deadline;
		ts = (struct timespec){ .tv_sec = (time_t)(until / 1000000), .tv_nsec = (long)(until % 1000000) * 1000 };
		pthread_cond_timedwait(&e->c, &e->m, &ts);
	}
	pthread_mutex_unlock(&e->m);
	return ok;
#endif
}

static bool have_pkts(struct env *e, uintptr_t n)
{
	return e->rx_pkts >= n;
}

static bool have_hangup(struct env *e, uintptr_t n)
{
	(void)n;
	return e->hangups > 0;
}

static bool driver_drained(struct env *e, uintptr_t n)
{
	(void)n;
	int pending = -1;
	ioctl(zble_h4_posix_fd(&e->t), FIONREAD, &pending);
	return pending == 0;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/* Reads exactly len bytes within TIMEOUT_MS; false on timeout or EOF. */
static bool read_exact(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t deadline = now_us() + (uint64_t)TIMEOUT_MS * 1000u;
	while (len > 0) {
		uint64_t now = now_us();
		if (now >= deadline) {
			return false;
		}
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int rc = poll(&pf, 1, (int)((deadline - now) / 1000) + 1);
		if (rc <= 0) {
			if (rc < 0 && errno == EINTR) {
				continue;
			}
			return rc < 0 ? false : len == 0;
		}
		ssize_t n = read(fd, p, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static uint32_t rng_next(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static size_t make_pkt(uint8_t *out, uint8_t type, size_t plen, uint32_t *seed)
{
	size_t n = 0;
	out[n++] = type;
	if (type == ZBLE_H4_EVT) {
		out[n++] = 0x3e;
		out[n++] = (uint8_t)plen;
	} else if (type == ZBLE_H4_CMD) {
		out[n++] = 0x01;
		out[n++] = 0x20;
		out[n++] = (uint8_t)plen;
	} else {
		out[n++] = 0x01;
		out[n++] = 0x20;
		out[n++] = (uint8_t)plen;
		out[n++] = (uint8_t)(plen >> 8);
	}
	for (size_t i = 0; i < plen; i++) {
		out[n++] = (uint8_t)rng_next(seed);
	}
	return n;
}

static const uint8_t reset_cmd[] = { 0x01, 0x03, 0x0c, 0x00 };
static const uint8_t reset_cc[] = { 0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00 };

/* ---- tests ---- */

static void test_roundtrip_socketpair(void **state)
{
	(void)state;
	struct env *e = env_new();
	env_open_pair(e);

	/* host -> controller */
	uint8_t acl[5 + 27];
	uint32_t seed = 1;
	size_t acl_len = make_pkt(acl, ZBLE_H4_ACL, 27, &seed);
	assert_int_equal(e->t.drv.send(&e->t.drv, reset_cmd, sizeof(reset_cmd)), 0);
	assert_int_equal(e->t.drv.send(&e->t.drv, acl, acl_len), 0);
	uint8_t got[64];
	assert_true(read_exact(e->peer, got, sizeof(reset_cmd) + acl_len));
	assert_memory_equal(got, reset_cmd, sizeof(reset_cmd));
	assert_memory_equal(got + sizeof(reset_cmd), acl, acl_len);

	/* controller -> host: one event split in three writes, each consumed
	 * by the driver before the next arrives (partial reads) */
	write_all(e->peer, reset_cc, 2);
	assert_true(wait_until(e, driver_drained, 0));
	write_all(e->peer, reset_cc + 2, 3);
	assert_true(wait_until(e, driver_drained, 0));
	write_all(e->peer, reset_cc + 5, 2);
	assert_true(wait_until(e, have_pkts, 1));

	/* two packets in one write */
	uint8_t two[sizeof(reset_cc) + sizeof(acl)];
	memcpy(two, reset_cc, sizeof(reset_cc));
	memcpy(two + sizeof(reset_cc), acl, acl_len);
	write_all(e->peer, two, sizeof(reset_cc) + acl_len);
	assert_true(wait_until(e, have_pkts, 3));

	pthread_mutex_lock(&e->m);
	assert_int_equal(e->rx_pkts, 3);
	assert_int_equal(e->rx_len, 2 * sizeof(reset_cc) + acl_len);
	assert_memory_equal(e->rx, reset_cc, sizeof(reset_cc));
	assert_memory_equal(e->rx + sizeof(reset_cc), two, sizeof(reset_cc) + acl_len);
	pthread_mutex_unlock(&e->m);

	struct zble_h4_posix_stats st;
	zble_h4_posix_get_stats(&e->t, &st);
	assert_int_equal(st.hci.tx_packets, 2);
	assert_int_equal(st.hci.rx_packets, 3);
	assert_int_equal(st.hci.framing_errors, 0);
	assert_int_equal(st.hangups, 0);
	env_free(e);
}

/* ---- burst both ways, with the driver's socket buffer kept small ---- */

#define BURST_RX_PKTS 2000
#define BURST_TX_PKTS 300

struct burst {
	struct env *e;
	uint8_t *rx_stream; /* what the peer writes */
	size_t rx_len;
	uint8_t *tx_stream; /* what the driver sends */
	size_t tx_len;
	size_t tx_offs[BURST_TX_PKTS + 1];
	bool tx_ok;
	bool all_sent; /* atomic */
};

static void *peer_writer(void *arg)
{
	struct burst *b = arg;
	uint32_t seed = 3;
	size_t pos = 0;
	while (pos < b->rx_len) {
		size_t chunk = 1 + rng_next(&seed) % 3000;
		if (chunk > b->rx_len - pos) {
			chunk = b->rx_len - pos;
		}
		ssize_t n = write(b->e->peer, b->rx_stream + pos, chunk);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		pos += (size_t)n;
	}
	return NULL;
}

static void *peer_reader(void *arg)
{
	struct burst *b = arg;
	/* Start reading only once the driver had to wait for the socket to
	 * drain (or sent everything): this forces the EAGAIN/POLLOUT path. */
	uint64_t deadline = now_us() + (uint64_t)TIMEOUT_MS * 1000u;
	for (;;) {
		struct zble_h4_posix_stats st;
		zble_h4_posix_get_stats(&b->e->t, &st);
		if (st.tx_waits > 0 || __atomic_load_n(&b->all_sent, __ATOMIC_ACQUIRE) || now_us() > deadline) {
			break;
		}
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	uint8_t *got = malloc(b->tx_len);
	b->tx_ok = got && read_exact(b->e->peer, got, b->tx_len) && memcmp(got, b->tx_stream, b->tx_len) == 0;
	free(got);
	return NULL;
}

static void test_burst_both_ways(void **state)
{
	(void)state;
	struct env *e = env_new();
	int sv[2];
	char spec[32];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	int small = 4096;
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	snprintf(spec, sizeof(spec), "fd:%d", sv[0]);
	assert_int_equal(env_open(e, spec), 0);
	close(sv[0]);
	e->peer = sv[1];

	struct burst *b = calloc(1, sizeof(*b));
	b->e = e;
	b->rx_stream = malloc(BURST_RX_PKTS * (5 + ZBLE_H4_DATA_MAX));
	b->tx_stream = malloc(BURST_TX_PKTS * (5 + ZBLE_H4_DATA_MAX));
	uint32_t seed = 77;
	for (int i = 0; i < BURST_RX_PKTS; i++) {
		uint8_t type = i % 3 == 0 ? ZBLE_H4_EVT : ZBLE_H4_ACL;
		size_t max = type == ZBLE_H4_EVT ? 255 : ZBLE_H4_DATA_MAX;
		b->rx_len += make_pkt(b->rx_stream + b->rx_len, type, rng_next(&seed) % (max + 1), &seed);
	}
	for (int i = 0; i < BURST_TX_PKTS; i++) {
		b->tx_offs[i] = b->tx_len;
		b->tx_len += make_pkt(b->tx_stream + b->tx_len, ZBLE_H4_ACL, ZBLE_H4_DATA_MAX - (size_t)i, &seed);
	}
	b->tx_offs[BURST_TX_PKTS] = b->tx_len;

	pthread_t w, r;
	assert_int_equal(pthread_create(&w, NULL, peer_writer, b), 0);
	assert_int_equal(pthread_create(&r, NULL, peer_reader, b), 0);
	for (int i = 0; i < BURST_TX_PKTS; i++) {
		int rc = e->t.drv.send(&e->t.drv, b->tx_stream + b->tx_offs[i], b->tx_offs[i + 1] - b->tx_offs[i]);
		assert_int_equal(rc, 0);
	}
	__atomic_store_n(&b->all_sent, true, __ATOMIC_RELEASE);
	assert_true(wait_until(e, have_pkts, BURST_RX_PKTS));
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	assert_true(b->tx_ok);

	pthread_mutex_lock(&e->m);
	assert_int_equal(e->rx_pkts, BURST_RX_PKTS);
	assert_int_equal(e->rx_len, b->rx_len);
	assert_memory_equal(e->rx, b->rx_stream, b->rx_len);
	pthread_mutex_unlock(&e->m);

	struct zble_h4_posix_stats st;
	zble_h4_posix_get_stats(&e->t, &st);
	assert_int_equal(st.hci.tx_packets, BURST_TX_PKTS);
	assert_int_equal(st.hci.rx_packets, BURST_RX_PKTS);
	assert_true(st.tx_waits > 0);
	assert_int_equal(st.tx_errors, 0);
	assert_int_equal(st.hci.framing_errors, 0);
	free(b->rx_stream);
	free(b->tx_stream);
	free(b);
	env_free(e);
}

static void test_hangup_peer_close(void **state)
{
	(void)state;
	struct env *e = env_new();
	env_open_pair(e);
	write_all(e->peer, reset_cc, sizeof(reset_cc));
	assert_true(wait_until(e, have_pkts, 1));
	assert_false(zble_h4_posix_hung_up(&e->t));

	close(e->peer);
	e->peer = -1;
	assert_true(wait_until(e, have_hangup, 0));
	pthread_mutex_lock(&e->m);
	assert_int_equal(e->hangups, 1);
	assert_int_equal(e->hangup_err, 0); /* end of file */
	pthread_mutex_unlock(&e->m);
	assert_true(zble_h4_posix_hung_up(&e->t));
	/* no SIGPIPE, a clear error */
	assert_int_equal(e->t.drv.send(&e->t.drv, reset_cmd, sizeof(reset_cmd)), -EPIPE);
#if !defined(ZBLE_KERNEL_THREADS)
	assert_int_equal(e->loop.nfds, 0); /* the receive side stopped */
#endif
	struct zble_h4_posix_stats st;
	zble_h4_posix_get_stats(&e->t, &st);
	assert_int_equal(st.hangups, 1);

	/* close and open again on a fresh pair */
	e->t.drv.close(&e->t.drv);
	assert_int_equal(zble_h4_posix_fd(&e->t), -1);
	env_open_pair(e);
	assert_false(zble_h4_posix_hung_up(&e->t));
	assert_int_equal(e->t.drv.send(&e->t.drv, reset_cmd, sizeof(reset_cmd)), 0);
	uint8_t got[4];
	assert_true(read_exact(e->peer, got, 4));
	env_free(e);
}

static void test_send_to_closed_peer(void **state)
{
	(void)state;
	struct env *e = env_new();
	env_open_pair(e);
	close(e->peer);
	e->peer = -1;
	/* Whether the RX side noticed yet or not: -EPIPE, and no SIGPIPE. */
	int rc = e->t.drv.send(&e->t.drv, reset_cmd, sizeof(reset_cmd));
	assert_int_equal(rc, -EPIPE);
	assert_true(wait_until(e, have_hangup, 0));
	env_free(e);
}

/* A peer that never reads: send gives up after tx_timeout_ms with
 * -ETIMEDOUT; a packet cut in the middle leaves the stream unusable, which
 * later sends report as -EIO until the driver is reopened. */
static void test_send_timeout(void **state)
{
	(void)state;
	struct env *e = env_new();
	int sv[2];
	char spec[32];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	int small = 4096;
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	snprintf(spec, sizeof(spec), "fd:%d", sv[0]);
	struct zble_h4_posix_config cfg = env_config(e, spec);
	cfg.tx_timeout_ms = 200;
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), 0);
	assert_int_equal(e->t.drv.open(&e->t.drv, on_recv, e), 0);
	close(sv[0]);
	e->peer = sv[1];

	static uint8_t acl[5 + ZBLE_H4_DATA_MAX];
	uint32_t seed = 9;
	size_t n = make_pkt(acl, ZBLE_H4_ACL, ZBLE_H4_DATA_MAX, &seed);
	int rc = 0, sent = 0;
	uint64_t t0 = now_us();
	while (rc == 0 && sent < 100000) {
		rc = e->t.drv.send(&e->t.drv, acl, n);
		sent += rc == 0;
	}
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(now_us() - t0 >= 150000);
	struct zble_h4_posix_stats st;
	zble_h4_posix_get_stats(&e->t, &st);
	assert_int_equal(st.tx_errors, 1);
	assert_int_equal(st.hci.tx_packets, (uint32_t)sent);
	if (e->t.tx_broken) {
		assert_int_equal(e->t.drv.send(&e->t.drv, reset_cmd, sizeof(reset_cmd)), -EIO);
	}
	env_free(e);
}

static void test_garbage_over_transport(void **state)
{
	(void)state;
	struct env *e = env_new();
	env_open_pair(e);
	const uint8_t junk[] = { 0x00, 0xff, 0x42, 0x99 };
	write_all(e->peer, junk, sizeof(junk));
	write_all(e->peer, reset_cc, sizeof(reset_cc));
	assert_true(wait_until(e, have_pkts, 1));
	struct zble_h4_posix_stats st;
	zble_h4_posix_get_stats(&e->t, &st);
	assert_int_equal(st.hci.framing_errors, 1);
	assert_int_equal(st.skipped_bytes, sizeof(junk));
	pthread_mutex_lock(&e->m);
	assert_memory_equal(e->rx, reset_cc, sizeof(reset_cc));
	pthread_mutex_unlock(&e->m);
	env_free(e);
}

/* ---- ptys ---- */

static void check_tty_attrs(int fd, speed_t speed, bool crtscts)
{
	struct termios tio;
	assert_int_equal(tcgetattr(fd, &tio), 0);
	assert_int_equal(cfgetospeed(&tio), speed);
	assert_int_equal(cfgetispeed(&tio), speed);
	assert_int_equal(!!(tio.c_cflag & CRTSCTS), crtscts);
	assert_int_equal(tio.c_lflag & (ICANON | ECHO | ISIG), 0);
	assert_int_equal(tio.c_oflag & OPOST, 0);
	assert_int_equal(tio.c_cflag & CSIZE, CS8);
}

static void test_pty_roundtrip_and_hangup(void **state)
{
	(void)state;
	struct env *e = env_new();
	int master, slave;
	char name[128], spec[160];
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	fcntl(master, F_SETFD, FD_CLOEXEC);
	snprintf(spec, sizeof(spec), "tty:%s,1000000", name);
	assert_int_equal(env_open(e, spec), 0);
	check_tty_attrs(slave, B1000000, true); /* termios is per tty: any fd shows it */
	close(slave);
	e->peer = master;

	/* bytes that a cooked tty would mangle: CR, NL, ^C, ^D, XON/XOFF */
	uint8_t evt[] = { 0x04, 0xff, 0x08, 0x0d, 0x0a, 0x03, 0x04, 0x11, 0x13, 0x7f, 0x00 };
	write_all(master, evt, sizeof(evt));
	assert_true(wait_until(e, have_pkts, 1));
	pthread_mutex_lock(&e->m);
	assert_int_equal(e->rx_len, sizeof(evt));
	assert_memory_equal(e->rx, evt, sizeof(evt));
	pthread_mutex_unlock(&e->m);

	const uint8_t cmd[] = { 0x01, 0x01, 0x20, 0x04, 0x0d, 0x0a, 0x03, 0x11 };
	assert_int_equal(e->t.drv.send(&e->t.drv, cmd, sizeof(cmd)), 0);
	uint8_t got[sizeof(cmd)];
	assert_true(read_exact(master, got, sizeof(got)));
	assert_memory_equal(got, cmd, sizeof(cmd));

	close(master);
	e->peer = -1;
	assert_true(wait_until(e, have_hangup, 0));
	assert_true(zble_h4_posix_hung_up(&e->t));
	assert_int_equal(e->t.drv.send(&e->t.drv, reset_cmd, sizeof(reset_cmd)), -EPIPE);
	env_free(e);
}

static void test_pty_defaults_and_no_flow_control(void **state)
{
	(void)state;
	struct env *e = env_new();
	int master, slave;
	char name[128], spec[160];
	assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
	snprintf(spec, sizeof(spec), "tty:%s,nocrtscts", name);
	assert_int_equal(env_open(e, spec), 0);
	check_tty_attrs(slave, B115200, false);
	assert_int_equal(e->t.baud, 115200);
	e->t.drv.close(&e->t.drv);

	snprintf(spec, sizeof(spec), "tty:%s", name);
	assert_int_equal(env_open(e, spec), 0);
	check_tty_attrs(slave, B115200, true); /* RTS/CTS on by default */
	e->t.drv.close(&e->t.drv);

	snprintf(spec, sizeof(spec), "tty:%s,noflow,921600", name);
	assert_int_equal(env_open(e, spec), 0);
	check_tty_attrs(slave, B921600, false);
	close(slave);
	close(master);
	env_free(e);
}

/* ---- sockets by name ---- */

static int accept_one(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	if (poll(&p, 1, TIMEOUT_MS) != 1) {
		return -1;
	}
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static void roundtrip_once(struct env *e)
{
	assert_int_equal(e->t.drv.send(&e->t.drv, reset_cmd, sizeof(reset_cmd)), 0);
	uint8_t got[4];
	assert_true(read_exact(e->peer, got, 4));
	assert_memory_equal(got, reset_cmd, 4);
	write_all(e->peer, reset_cc, sizeof(reset_cc));
	assert_true(wait_until(e, have_pkts, 1));
}

static void test_tcp(void **state)
{
	(void)state;
	struct env *e = env_new();
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	socklen_t sl = sizeof(sa);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	char spec[64];
	snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%u", ntohs(sa.sin_port));
	assert_int_equal(env_open(e, spec), 0);
	e->peer = accept_one(lfd);
	assert_true(e->peer >= 0);
	close(lfd);
	roundtrip_once(e);
	env_free(e);
}

static void test_unix(void **state)
{
	(void)state;
	struct env *e = env_new();
	char dir[] = "/tmp/zble-h4-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl", dir);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	char spec[160];
	snprintf(spec, sizeof(spec), "unix:%s", sa.sun_path);
	assert_int_equal(env_open(e, spec), 0);
	e->peer = accept_one(lfd);
	assert_true(e->peer >= 0);
	close(lfd);
	roundtrip_once(e);
	unlink(sa.sun_path);
	rmdir(dir);
	env_free(e);
}

static void test_manual_mode(void **state)
{
	(void)state;
	struct env *e = env_new();
	int sv[2];
	char spec[32];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	snprintf(spec, sizeof(spec), "fd:%d", sv[0]);
	struct zble_h4_posix_config cfg = { .spec = spec, .rx_mode = ZBLE_H4_RX_MANUAL };
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), 0);
	assert_int_equal(zble_h4_posix_rx(&e->t), -ENOTCONN);
	assert_int_equal(e->t.drv.open(&e->t.drv, on_recv, e), 0);
	close(sv[0]);
	e->peer = sv[1];
	assert_int_equal(zble_h4_posix_rx(&e->t), 0); /* nothing there, no blocking */
	write_all(e->peer, reset_cc, sizeof(reset_cc));
	write_all(e->peer, reset_cc, sizeof(reset_cc));
	int got = 0;
	while (got < 2) {
		struct pollfd p = { .fd = zble_h4_posix_fd(&e->t), .events = POLLIN };
		assert_int_equal(poll(&p, 1, TIMEOUT_MS), 1);
		int rc = zble_h4_posix_rx(&e->t);
		assert_true(rc >= 0);
		got += rc;
	}
	assert_int_equal(e->rx_pkts, 2);
	close(e->peer);
	e->peer = -1;
	struct pollfd p = { .fd = zble_h4_posix_fd(&e->t), .events = POLLIN };
	assert_int_equal(poll(&p, 1, TIMEOUT_MS), 1);
	assert_int_equal(zble_h4_posix_rx(&e->t), -EPIPE);
	assert_true(zble_h4_posix_hung_up(&e->t));
	env_free(e);
}

static void test_spec_and_usage_errors(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct zble_h4_posix_config cfg = env_config(e, NULL);
	static const char *const bad[] = {
		"", "bogus:x", "unix:", "tcp:", "tcp:host", "tcp:host:", "tcp::1234", "tcp:host:0",
		"tcp:host:65536", "tcp:host:12a", "tcp:[::1]1234", "tty:", "tty:/dev/x,abc",
		"tty:/dev/x,12345", "tty:/dev/x,", "fd:", "fd:-1", "fd:x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.spec = bad[i];
		if (zble_h4_posix_init(&e->t, &cfg) != -EINVAL) {
			fail_msg("spec \"%s\" accepted", bad[i]);
		}
	}
	char longspec[300];
	memset(longspec, 'a', sizeof(longspec) - 1);
	longspec[sizeof(longspec) - 1] = '\0';
	memcpy(longspec, "unix:", 5);
	cfg.spec = longspec;
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), -ENAMETOOLONG);
	longspec[5 + 120] = '\0'; /* fits the spec, not sun_path */
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), -ENAMETOOLONG);

	cfg.spec = "tcp:[::1]:1234";
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), 0);
	assert_string_equal(e->t.addr, "::1");
	assert_string_equal(e->t.port, "1234");
	cfg.spec = "tty:/dev/ttyUSB0,3000000,crtscts";
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), 0);
	assert_int_equal(e->t.baud, 3000000);
	assert_true(e->t.crtscts);

	/* open failures are negative errnos */
	cfg.spec = "unix:/nonexistent/zble-no-such-socket";
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), 0);
	assert_int_equal(e->t.drv.open(&e->t.drv, on_recv, e), -ENOENT);
	cfg.spec = "tty:/dev/null";
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), 0);
	assert_int_equal(e->t.drv.open(&e->t.drv, on_recv, e), -ENOTTY);
	cfg.spec = "tty:/nonexistent/tty";
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), 0);
	assert_int_equal(e->t.drv.open(&e->t.drv, on_recv, e), -ENOENT);
	cfg.spec = "fd:1000000";
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), 0);
	assert_int_equal(e->t.drv.open(&e->t.drv, on_recv, e), -EBADF);

	/* send before open, open twice, malformed packets */
	assert_int_equal(e->t.drv.send(&e->t.drv, reset_cmd, sizeof(reset_cmd)), -ENOTCONN);
	e->t.drv.close(&e->t.drv); /* harmless when not open */
	env_open_pair(e);
	assert_int_equal(e->t.drv.open(&e->t.drv, on_recv, e), -EALREADY);
	assert_int_equal(e->t.drv.send(&e->t.drv, reset_cmd, 3), -EINVAL);
	assert_int_equal(e->t.drv.send(&e->t.drv, reset_cmd, 0), -EINVAL);
	const uint8_t bad_type[] = { 0x07, 0x00, 0x00, 0x00 };
	assert_int_equal(e->t.drv.send(&e->t.drv, bad_type, sizeof(bad_type)), -EINVAL);
	const uint8_t too_long[] = { 0x01, 0x03, 0x0c, 0x00, 0x00 };
	assert_int_equal(e->t.drv.send(&e->t.drv, too_long, sizeof(too_long)), -EINVAL);
	assert_int_equal(e->t.drv.send(&e->t.drv, NULL, 4), -EINVAL);
	struct zble_h4_posix_stats st;
	zble_h4_posix_get_stats(&e->t, &st);
	assert_int_equal(st.hci.tx_packets, 0);
	env_free(e);

	/* the receive mode this build lacks, and bad modes */
	struct zble_h4_posix t;
#if !defined(ZBLE_KERNEL_THREADS)
	struct zble_h4_posix_config m = { .spec = "fd:0", .rx_mode = ZBLE_H4_RX_THREAD };
	assert_int_equal(zble_h4_posix_init(&t, &m), -ENOTSUP);
	m.rx_mode = ZBLE_H4_RX_AUTO; /* no loop: would be the RX thread */
	assert_int_equal(zble_h4_posix_init(&t, &m), -ENOTSUP);
#else
	struct zble_posix_loop *fake = (struct zble_posix_loop *)&t;
	struct zble_h4_posix_config m = { .spec = "fd:0", .rx_mode = ZBLE_H4_RX_LOOP, .loop = fake };
	assert_int_equal(zble_h4_posix_init(&t, &m), -ENOTSUP);
#endif
	m.rx_mode = ZBLE_H4_RX_LOOP;
	m.loop = NULL;
	assert_int_equal(zble_h4_posix_init(&t, &m), -EINVAL);
	m.rx_mode = (enum zble_h4_rx_mode)42;
	assert_int_equal(zble_h4_posix_init(&t, &m), -EINVAL);
	assert_int_equal(zble_h4_posix_init(&t, NULL), -EINVAL);
}

/* ---- the user channel: cannot run here, must fail clearly ---- */

static void test_userchan(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct zble_userchan *uc = calloc(1, sizeof(*uc));
	struct zble_userchan_config cfg = { .dev_index = 0, .on_hangup = on_hangup, .hangup_ctx = e };
#if !defined(ZBLE_KERNEL_THREADS)
	cfg.loop = &e->loop;
#endif
	assert_int_equal(zble_userchan_init(uc, &cfg), 0);
	assert_string_equal(uc->h4.drv.name, "userchan");
	struct zble_hci_driver *drv = &uc->h4.drv;
	assert_ptr_equal((void *)drv, (void *)uc);
	assert_int_equal(drv->send(drv, reset_cmd, sizeof(reset_cmd)), -ENOTCONN);
	int rc = drv->open(drv, on_recv, e);
	const char *msg = zble_userchan_strerror(rc);
	printf("userchan hci0: %d: %s\n", rc, msg);
	if (rc == 0) {
		/* A real controller and the rights to it: say hello. */
		assert_int_equal(drv->send(drv, reset_cmd, sizeof(reset_cmd)), 0);
		assert_true(wait_until(e, have_pkts, 1));
		drv->close(drv);
	} else {
		assert_true(rc == -EAFNOSUPPORT || rc == -EPERM || rc == -EACCES || rc == -ENODEV ||
			    rc == -EBUSY || rc == -EUSERS || rc == -ERFKILL || rc == -EPROTONOSUPPORT);
		assert_int_equal(uc->last_error, rc);
		assert_int_equal(zble_h4_posix_fd(&uc->h4), -1);
		assert_non_null(msg);
		assert_true(strlen(msg) > 10);
	}
	/* Every documented error has its own explanation. */
	assert_non_null(strstr(zble_userchan_strerror(-EAFNOSUPPORT), "AF_BLUETOOTH"));
	assert_non_null(strstr(zble_userchan_strerror(-EPERM), "CAP_NET_ADMIN"));
	assert_non_null(strstr(zble_userchan_strerror(-ENODEV), "no such HCI device"));
	assert_non_null(strstr(zble_userchan_strerror(-EBUSY), "power it off"));
	assert_non_null(strstr(zble_userchan_strerror(-EUSERS), "another program"));
	assert_non_null(strstr(zble_userchan_strerror(-ERFKILL), "rfkill"));
	assert_non_null(zble_userchan_strerror(-12345));

	assert_int_equal(zble_userchan_parse_index("hci0"), 0);
	assert_int_equal(zble_userchan_parse_index("hci12"), 12);
	assert_int_equal(zble_userchan_parse_index("3"), 3);
	assert_int_equal(zble_userchan_parse_index("hci"), -EINVAL);
	assert_int_equal(zble_userchan_parse_index("hcix"), -EINVAL);
	assert_int_equal(zble_userchan_parse_index("65535"), -EINVAL);
	assert_int_equal(zble_userchan_parse_index(NULL), -EINVAL);

	/* the same through the H4 POSIX driver's spec string */
	struct zble_h4_posix_config hc = env_config(e, "userchan:hci0");
	assert_int_equal(zble_h4_posix_init(&e->t, &hc), 0);
	assert_string_equal(e->t.drv.name, "userchan");
	assert_int_equal(e->t.dev_index, 0);
	int rc2 = e->t.drv.open(&e->t.drv, on_recv, e);
	assert_int_equal(rc2, rc);
	if (rc2 == 0) {
		e->t.drv.close(&e->t.drv);
	}
	hc.spec = "userchan:7";
	assert_int_equal(zble_h4_posix_init(&e->t, &hc), 0);
	assert_int_equal(e->t.dev_index, 7);
	hc.spec = "userchan:hcix";
	assert_int_equal(zble_h4_posix_init(&e->t, &hc), -EINVAL);
	hc.spec = "userchan:";
	assert_int_equal(zble_h4_posix_init(&e->t, &hc), -EINVAL);
	free(uc);
	env_free(e);
}

/* The user channel's receive path, on a packet socket we can make: a
 * SOCK_SEQPACKET pair delivers one packet per read like the kernel does,
 * and a packet cut short is a framing error, not a desync. */
static void test_packet_socket_mode(void **state)
{
	(void)state;
	struct env *e = env_new();
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	struct zble_h4_posix_config cfg = env_config(e, NULL);
	assert_int_equal(zble_h4_posix_init(&e->t, &cfg), 0);
	assert_int_equal(e->t.drv.open(&e->t.drv, on_recv, e), -EINVAL); /* no spec */
	assert_int_equal(zble_h4_posix_attach(&e->t, sv[0], ZBLE_H4_POSIX_PACKETS, on_recv, e), 0);
	e->peer = sv[1];
	write_all(e->peer, reset_cc, 4); /* truncated */
	write_all(e->peer, reset_cc, sizeof(reset_cc));
	assert_true(wait_until(e, have_pkts, 1));
	struct zble_h4_posix_stats st;
	zble_h4_posix_get_stats(&e->t, &st);
	assert_int_equal(st.hci.framing_errors, 1);
	assert_int_equal(st.skipped_bytes, 4);
	pthread_mutex_lock(&e->m);
	assert_int_equal(e->rx_len, sizeof(reset_cc));
	assert_memory_equal(e->rx, reset_cc, sizeof(reset_cc));
	pthread_mutex_unlock(&e->m);
	assert_int_equal(e->t.drv.send(&e->t.drv, reset_cmd, sizeof(reset_cmd)), 0);
	uint8_t got[16];
	assert_int_equal(read(e->peer, got, sizeof(got)), sizeof(reset_cmd));
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_socketpair),
		cmocka_unit_test(test_burst_both_ways),
		cmocka_unit_test(test_hangup_peer_close),
		cmocka_unit_test(test_send_to_closed_peer),
		cmocka_unit_test(test_send_timeout),
		cmocka_unit_test(test_garbage_over_transport),
		cmocka_unit_test(test_pty_roundtrip_and_hangup),
		cmocka_unit_test(test_pty_defaults_and_no_flow_control),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_manual_mode),
		cmocka_unit_test(test_spec_and_usage_errors),
		cmocka_unit_test(test_userchan),
		cmocka_unit_test(test_packet_socket_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
