/* The H4 POSIX driver against BlueZ's virtual controllers (btvirt): run by
 * btvirt/btvirt-run.sh, which starts a private btvirt and exports
 * BTVIRT_DIR. Built per backend: coop receives through the posix loop,
 * threads through the RX thread. On bt-server-le and bt-server-bredrle:
 * HCI Reset and Read BD_ADDR complete with status 0 and a non-zero address;
 * two connections at once are two controllers with different addresses. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "zble/h4_posix.h"
#if !defined(ZBLE_KERNEL_THREADS)
#include "zble/posix_loop.h"
#define BACKEND "coop"
#else
#define BACKEND "threads"
#endif

#define TIMEOUT_MS 30000 /* generous: loaded 2-core machine, sanitizers */
#define LOG_BYTES 8192

struct link {
	pthread_mutex_t m;
	pthread_cond_t c;
	uint8_t log[LOG_BYTES]; /* received packets, back to back */
	size_t len;
	size_t cursor; /* packets before it were already examined */
	bool hung_up;
	struct zble_h4_posix t;
};

/* One loop for all links of a test (coop). */
struct world {
#if !defined(ZBLE_KERNEL_THREADS)
	struct zble_posix_loop loop;
#endif
	char dir[96]; /* sun_path holds 108 */
};

static struct world w; /* tests only */

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int on_recv(void *ctx, const uint8_t *pkt, size_t len)
{
	struct link *l = ctx;
	pthread_mutex_lock(&l->m);
	if (l->len + len <= LOG_BYTES) {
		memcpy(l->log + l->len, pkt, len);
		l->len += len;
	}
	pthread_cond_broadcast(&l->c);
	pthread_mutex_unlock(&l->m);
	return 0;
}

static void on_hangup(void *ctx, int err)
{
	struct link *l = ctx;
	print_message("hang-up (%d)\n", err);
	pthread_mutex_lock(&l->m);
	l->hung_up = true;
	pthread_cond_broadcast(&l->c);
	pthread_mutex_unlock(&l->m);
}

static struct link *link_open(const char *server)
{
	struct link *l = calloc(1, sizeof(*l));
	assert_non_null(l);
	pthread_mutex_init(&l->m, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->c, &ca);
	pthread_condattr_destroy(&ca);
	char spec[ZBLE_H4_POSIX_SPEC_MAX];
	snprintf(spec, sizeof(spec), "unix:%s/%s", w.dir, server);
	struct zble_h4_posix_config cfg = { .spec = spec, .on_hangup = on_hangup, .hangup_ctx = l };
#if !defined(ZBLE_KERNEL_THREADS)
	cfg.loop = &w.loop;
#endif
	assert_int_equal(zble_h4_posix_init(&l->t, &cfg), 0);
	/* The socket file appears at bind(), a moment before listen(): retry
	 * refusals for a while. */
	uint64_t deadline = now_us() + (uint64_t)TIMEOUT_MS * 1000u;
	int rc;
	for (;;) {
		rc = l->t.drv.open(&l->t.drv, on_recv, l);
		if (rc != -ECONNREFUSED && rc != -ENOENT && rc != -EAGAIN) {
			break;
		}
		if (now_us() > deadline) {
			break;
		}
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
	}
	if (rc != 0) {
		fail_msg("open %s: %d (%s)", spec, rc, strerror(-rc));
	}
	return l;
}

static void link_close(struct link *l)
{
	l->t.drv.close(&l->t.drv);
	pthread_cond_destroy(&l->c);
	pthread_mutex_destroy(&l->m);
	free(l);
}

/* Finds the next Command Complete for opcode after the cursor (skipping
 * other packets) and copies its return parameters (status first). Returns
 * their length, or -1 if it has not arrived. Called with l->m held. */
static int find_cc(struct link *l, uint16_t opcode, uint8_t *ret, size_t ret_max)
{
	size_t off = l->cursor;
	while (off + 3 <= l->len) {
		size_t plen = (size_t)zble_h4_packet_len(l->log + off, l->len - off, 0);
		assert_true(plen > 0 && off + plen <= l->len); /* the driver delivers whole packets */
		const uint8_t *p = l->log + off;
		off += plen;
		if (p[0] == ZBLE_H4_EVT && p[1] == 0x0e && p[2] >= 3 && (p[4] | (p[5] << 8)) == opcode) {
			size_t n = (size_t)p[2] - 3;
			assert_true(n <= ret_max);
			memcpy(ret, p + 6, n);
			l->cursor = off;
			return (int)n;
		}
		if (p[0] == ZBLE_H4_EVT && p[1] == 0x0f && p[2] == 4 && (p[5] | (p[6] << 8)) == opcode) {
			fail_msg("opcode 0x%04x: Command Status 0x%02x instead of Command Complete", opcode, p[3]);
		}
	}
	return -1;
}

/* Sends a command without parameters and waits for its Command Complete. */
static int command(struct link *l, uint16_t opcode, uint8_t *ret, size_t ret_max)
{
	const uint8_t cmd[] = { ZBLE_H4_CMD, (uint8_t)opcode, (uint8_t)(opcode >> 8), 0 };
	int rc = l->t.drv.send(&l->t.drv, cmd, sizeof(cmd));
	if (rc != 0) {
		fail_msg("send 0x%04x: %d", opcode, rc);
	}
	uint64_t deadline = now_us() + (uint64_t)TIMEOUT_MS * 1000u;
	for (;;) {
		pthread_mutex_lock(&l->m);
		int n = find_cc(l, opcode, ret, ret_max);
		bool hung_up = l->hung_up;
#if defined(ZBLE_KERNEL_THREADS)
		if (n < 0 && !hung_up && now_us() < deadline) {
			uint64_t until = now_us() + 50000;
			struct timespec ts = { .tv_sec = (time_t)(until / 1000000), .tv_nsec = (long)(until % 1000000) * 1000 };
			pthread_cond_timedwait(&l->c, &l->m, &ts);
		}
#endif
		pthread_mutex_unlock(&l->m);
		if (n >= 0) {
			return n;
		}
		if (hung_up) {
			fail_msg("opcode 0x%04x: controller hung up", opcode);
		}
		if (now_us() >= deadline) {
			fail_msg("opcode 0x%04x: no Command Complete within %d ms", opcode, TIMEOUT_MS);
		}
#if !defined(ZBLE_KERNEL_THREADS)
		/* the coop "interrupt": callbacks run inside the loop's wait */
		zble_posix_loop_port.wait(&w.loop, now_us() + 50000);
#endif
	}
}

#define OP_RESET 0x0c03
#define OP_READ_BD_ADDR 0x1009
#define OP_READ_LOCAL_VERSION 0x1001

static void read_bd_addr(struct link *l, uint8_t addr[6])
{
	uint8_t ret[32];
	int n = command(l, OP_READ_BD_ADDR, ret, sizeof(ret));
	assert_int_equal(n, 7);
	assert_int_equal(ret[0], 0x00);
	memcpy(addr, ret + 1, 6);
	static const uint8_t zero[6];
	assert_memory_not_equal(addr, zero, 6);
}

static void bring_up(const char *server)
{
	struct link *l = link_open(server);
	uint8_t ret[32], addr[6];

	/* exactly the bytes of the brief: 01 03 0c 00 and 01 09 10 00 */
	int n = command(l, OP_RESET, ret, sizeof(ret));
	assert_int_equal(n, 1);
	assert_int_equal(ret[0], 0x00);
	read_bd_addr(l, addr);
	n = command(l, OP_READ_LOCAL_VERSION, ret, sizeof(ret));
	assert_int_equal(n, 9);
	assert_int_equal(ret[0], 0x00);
	print_message("%s %s: BD_ADDR %02x:%02x:%02x:%02x:%02x:%02x, HCI version %u\n", BACKEND, server,
		      addr[5], addr[4], addr[3], addr[2], addr[1], addr[0], ret[1]);

	struct zble_h4_posix_stats st;
	zble_h4_posix_get_stats(&l->t, &st);
	assert_int_equal(st.hci.tx_packets, 3);
	assert_true(st.hci.rx_packets >= 3);
	assert_int_equal(st.hci.framing_errors, 0);
	assert_int_equal(st.hangups, 0);
	link_close(l);
}

static void test_le(void **state)
{
	(void)state;
	bring_up("bt-server-le");
}

static void test_bredrle(void **state)
{
	(void)state;
	bring_up("bt-server-bredrle");
}

/* Two connections, two controllers, both served by one loop (coop) or by
 * two RX threads (threads). */
static void test_two_controllers(void **state)
{
	(void)state;
	struct link *a = link_open("bt-server-le");
	struct link *b = link_open("bt-server-le");
	uint8_t ret[32], addr_a[6], addr_b[6];
	assert_int_equal(command(a, OP_RESET, ret, sizeof(ret)), 1);
	assert_int_equal(command(b, OP_RESET, ret, sizeof(ret)), 1);
	read_bd_addr(a, addr_a);
	read_bd_addr(b, addr_b);
	assert_memory_not_equal(addr_a, addr_b, 6);
	link_close(a);
	link_close(b);
}

static int group_setup(void **state)
{
	(void)state;
	const char *dir = getenv("BTVIRT_DIR");
	if (!dir || strlen(dir) >= sizeof(w.dir)) {
		return -1;
	}
	snprintf(w.dir, sizeof(w.dir), "%s", dir);
#if !defined(ZBLE_KERNEL_THREADS)
	return zble_posix_loop_init(&w.loop);
#else
	return 0;
#endif
}

static int group_teardown(void **state)
{
	(void)state;
#if !defined(ZBLE_KERNEL_THREADS)
	zble_posix_loop_deinit(&w.loop);
#endif
	return 0;
}

int main(void)
{
	if (!getenv("BTVIRT_DIR")) {
		fprintf(stderr, "BTVIRT_DIR not set: run me through tests/interop/btvirt/btvirt-run.sh -- ...; skipped\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_le),
		cmocka_unit_test(test_bredrle),
		cmocka_unit_test(test_two_controllers),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
