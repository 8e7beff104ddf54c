/* btsnoop writer: the file header and record fields byte for byte (through a
 * RAM sink), drops, snaplen, sink errors; then a realistic capture written
 * with the POSIX file sink and decoded by BlueZ's btmon, whose output must
 * show every packet decoded and nothing flagged, and deliberately broken
 * captures that the same check must flag (so it really detects breakage). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zble/btsnoop.h"
#include "zble/hci_driver.h"

/* ---- a RAM sink ---- */

struct ram_sink {
	uint8_t buf[4096];
	size_t len;
	unsigned calls;
	unsigned fail_at; /* 1-based call number that fails; 0 never */
};

static int ram_write(void *ctx, const void *data, size_t len)
{
	struct ram_sink *r = ctx;
	r->calls++;
	if (r->fail_at != 0 && r->calls >= r->fail_at) {
		return -ENOSPC;
	}
	if (len > sizeof(r->buf) - r->len) {
		return -ENOSPC;
	}
	memcpy(&r->buf[r->len], data, len);
	r->len += len;
	return 0;
}

static uint32_t be32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }
static uint64_t be64(const uint8_t *p) { return ((uint64_t)be32(p) << 32) | be32(p + 4); }

static const uint8_t k_header[16] = { 'b', 't', 's', 'n', 'o', 'o', 'p', 0, 0, 0, 0, 1, 0, 0, 0x03, 0xEA };

static void test_header_bytes(void **state)
{
	(void)state;
	struct ram_sink r = { 0 };
	struct zble_btsnoop s;

	assert_int_equal(zble_btsnoop_init(&s, ram_write, &r), 0);
	assert_int_equal(r.len, 16);
	assert_memory_equal(r.buf, k_header, 16);
	assert_int_equal(zble_btsnoop_init(NULL, ram_write, &r), -EINVAL);
	assert_int_equal(zble_btsnoop_init(&s, NULL, &r), -EINVAL);

	struct ram_sink bad = { .fail_at = 1 };
	assert_int_equal(zble_btsnoop_init(&s, ram_write, &bad), -ENOSPC);
	const uint8_t pkt[] = { ZBLE_H4_CMD, 0x03, 0x0C, 0x00 };
	assert_int_equal(zble_btsnoop_record(&s, false, pkt, sizeof(pkt), 0), -ENOSPC);
}

/* Checks one record at r->buf[*off] and moves *off past it. */
static void check_record(const struct ram_sink *r, size_t *off, const uint8_t *pkt, size_t len, uint32_t flags,
			 uint32_t drops, uint64_t unix_us)
{
	const uint8_t *p = &r->buf[*off];
	assert_true(*off + 24 + len <= r->len);
	assert_int_equal(be32(p), len);
	assert_int_equal(be32(p + 4), len);
	assert_int_equal(be32(p + 8), flags);
	assert_int_equal(be32(p + 12), drops);
	assert_true(be64(p + 16) == unix_us + 0x00dcddb30f2f8000ull);
	assert_memory_equal(p + 24, pkt, len);
	*off += 24 + len;
}

static void test_record_fields(void **state)
{
	(void)state;
	static struct ram_sink r;
	struct zble_btsnoop s;
	const uint8_t cmd[] = { ZBLE_H4_CMD, 0x03, 0x0C, 0x00 };
	const uint8_t evt[] = { ZBLE_H4_EVT, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00 };
	const uint8_t acl_in[] = { ZBLE_H4_ACL, 0x40, 0x20, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x02, 0xF7, 0x00 };
	const uint8_t acl_out[] = { ZBLE_H4_ACL, 0x40, 0x00, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x03, 0xF7, 0x00 };
	const uint8_t iso_out[] = { ZBLE_H4_ISO, 0x01, 0x20, 0x02, 0x00, 0xAA, 0xBB };
	const uint64_t t0 = 1700000000123456ull;

	memset(&r, 0, sizeof(r));
	assert_int_equal(zble_btsnoop_init(&s, ram_write, &r), 0);
	assert_int_equal(zble_btsnoop_record(&s, false, cmd, sizeof(cmd), t0), 0);
	assert_int_equal(zble_btsnoop_record(&s, true, evt, sizeof(evt), t0 + 1), 0);
	assert_int_equal(zble_btsnoop_record(&s, true, acl_in, sizeof(acl_in), t0 + 2), 0);
	assert_int_equal(zble_btsnoop_record(&s, false, acl_out, sizeof(acl_out), t0 + 3), 0);
	assert_int_equal(zble_btsnoop_record(&s, false, iso_out, sizeof(iso_out), 0), 0);
	assert_int_equal(s.records, 5);

	size_t off = 16;
	check_record(&r, &off, cmd, sizeof(cmd), 2, 0, t0);       /* sent, command */
	check_record(&r, &off, evt, sizeof(evt), 3, 0, t0 + 1);   /* received, event */
	check_record(&r, &off, acl_in, sizeof(acl_in), 1, 0, t0 + 2); /* received, data */
	check_record(&r, &off, acl_out, sizeof(acl_out), 0, 0, t0 + 3); /* sent, data */
	check_record(&r, &off, iso_out, sizeof(iso_out), 0, 0, 0);
	assert_int_equal(off, r.len);

	/* The first record, byte for byte. */
	const uint8_t rec0[] = {
		0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0,
		0x00, 0xE2, 0xE7, 0xD7, 0x27, 0x4F, 0xA2, 0x40, /* 1700000000123456 us + 0x00dcddb30f2f8000 */
		0x01, 0x03, 0x0C, 0x00,
	};
	assert_memory_equal(&r.buf[16], rec0, sizeof(rec0));

	/* Flags helper. */
	assert_int_equal(zble_btsnoop_flags(false, cmd, sizeof(cmd)), 2);
	assert_int_equal(zble_btsnoop_flags(true, evt, sizeof(evt)), 3);
	assert_int_equal(zble_btsnoop_flags(true, acl_in, sizeof(acl_in)), 1);
	assert_int_equal(zble_btsnoop_flags(false, acl_out, sizeof(acl_out)), 0);

	/* Time zero of the Unix epoch in btsnoop time. */
	uint8_t hdr[24];
	zble_btsnoop_encode_record_hdr(hdr, 1, 1, 0, 0, 0);
	assert_true(be64(&hdr[16]) == 0x00dcddb30f2f8000ull);
}

static void test_drops_snaplen_and_errors(void **state)
{
	(void)state;
	static struct ram_sink r;
	struct zble_btsnoop s;
	const uint8_t evt[] = { ZBLE_H4_EVT, 0x05, 0x04, 0x00, 0x40, 0x00, 0x13 };

	memset(&r, 0, sizeof(r));
	assert_int_equal(zble_btsnoop_init(&s, ram_write, &r), 0);
	/* Refused packets are counted as drops in the next record. */
	assert_int_equal(zble_btsnoop_record(&s, true, evt, 0, 1), -EINVAL);
	assert_int_equal(zble_btsnoop_record(&s, true, NULL, 7, 1), -EINVAL);
	zble_btsnoop_add_drops(&s, 3);
	assert_int_equal(zble_btsnoop_record(&s, true, evt, sizeof(evt), 5), 0);
	size_t off = 16;
	check_record(&r, &off, evt, sizeof(evt), 3, 5, 5);

	/* snaplen: included length shorter than the original. */
	zble_btsnoop_set_snaplen(&s, 4);
	assert_int_equal(zble_btsnoop_record(&s, true, evt, sizeof(evt), 6), 0);
	const uint8_t *p = &r.buf[off];
	assert_int_equal(be32(p), 7);
	assert_int_equal(be32(p + 4), 4);
	assert_memory_equal(p + 24, evt, 4);
	off += 24 + 4;
	assert_int_equal(off, r.len);
	zble_btsnoop_set_snaplen(&s, 0);

	/* A sink error (here on the data after the header went out) leaves a
	 * partial record: the writer stops for good and counts drops. */
	r.fail_at = r.calls + 2;
	assert_int_equal(zble_btsnoop_record(&s, true, evt, sizeof(evt), 7), -ENOSPC);
	r.fail_at = 0;
	size_t len = r.len;
	assert_int_equal(zble_btsnoop_record(&s, true, evt, sizeof(evt), 8), -ENOSPC);
	assert_int_equal(r.len, len);
	assert_int_equal(s.drops, 7);
	assert_int_equal(s.records, 2);
}

/* ---- file sink + btmon ---- */

struct pkt {
	bool received;
	uint8_t len;
	uint8_t b[32];
};

/* Reset, LE advertising set-up, a peripheral connection, ATT MTU exchange
 * over ACL both ways, buffer credits, and a disconnection. */
static const struct pkt k_exchange[] = {
	{ false, 4, { 0x01, 0x03, 0x0C, 0x00 } },
	{ true, 7, { 0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00 } },
	{ false, 19, { 0x01, 0x06, 0x20, 0x0F, 0xA0, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0x07, 0x00 } },
	{ true, 7, { 0x04, 0x0E, 0x04, 0x01, 0x06, 0x20, 0x00 } },
	{ false, 5, { 0x01, 0x0A, 0x20, 0x01, 0x01 } },
	{ true, 7, { 0x04, 0x0E, 0x04, 0x01, 0x0A, 0x20, 0x00 } },
	{ true, 22, { 0x04, 0x3E, 0x13, 0x01, 0x00, 0x40, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x18, 0x00,
		      0x00, 0x00, 0x48, 0x00, 0x00 } },
	{ true, 12, { 0x02, 0x40, 0x20, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x02, 0xF7, 0x00 } },
	{ false, 12, { 0x02, 0x40, 0x00, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x03, 0xF7, 0x00 } },
	{ true, 8, { 0x04, 0x13, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00 } },
	{ false, 7, { 0x01, 0x06, 0x04, 0x03, 0x40, 0x00, 0x13 } },
	{ true, 7, { 0x04, 0x0F, 0x04, 0x00, 0x01, 0x06, 0x04 } },
	{ true, 7, { 0x04, 0x05, 0x04, 0x00, 0x40, 0x00, 0x16 } },
};
#define N_EXCHANGE (sizeof(k_exchange) / sizeof(k_exchange[0]))

static void temp_path(char *path, size_t n)
{
	const char *dir = getenv("TMPDIR");
	snprintf(path, n, "%s/zble-btsnoop-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

/* Writes the exchange, with extra inserted after packet `after` (if any). */
static size_t write_capture(const char *path, const struct pkt *extra, size_t after)
{
	struct zble_btsnoop_file f;
	uint64_t t = 1700000000000000ull;
	size_t n = 0;

	assert_int_equal(zble_btsnoop_file_open(&f, path), 0);
	for (size_t i = 0; i < N_EXCHANGE; i++) {
		const struct pkt *p = &k_exchange[i];
		assert_int_equal(zble_btsnoop_file_record(&f, p->received, p->b, p->len, t += 1250), 0);
		n++;
		if (extra != NULL && i == after) {
			assert_int_equal(zble_btsnoop_file_record(&f, extra->received, extra->b, extra->len, t += 1250), 0);
			n++;
		}
	}
	assert_int_equal(zble_btsnoop_file_close(&f), 0);
	return n;
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) {
			i++;
		}
		if (i == n) {
			return true;
		}
	}
	return false;
}

#ifdef ZBLE_BTMON
/* Runs btmon -r on path. Returns NULL when the capture decodes cleanly:
 * btmon exits 0, shows exactly `records` frames (btmon silently skips
 * records it cannot use, e.g. unknown packet types or a bad file header),
 * mentions every string of `must`, and flags nothing: no "invalid"
 * (btmon prints "invalid packet size" for a short or over-long packet),
 * "malformed" or "error" in any case. Otherwise a reason. */
static const char *btmon_check(const char *path, size_t records, const char *const *must, char *out, size_t outsz)
{
	static char why[256];
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "%s -r '%s' 2>&1", ZBLE_BTMON, path);
	FILE *fp = popen(cmd, "r");
	assert_non_null(fp);

	size_t used = 0, frames = 0;
	unsigned long max_frame = 0;
	char line[1024];
	out[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t l = strlen(line);
		if (used + l < outsz) {
			memcpy(&out[used], line, l + 1);
			used += l;
		}
		/* Frame lines: "< HCI Command: ... #1 0.000000". */
		if (line[0] == '<' || line[0] == '>' || line[0] == '@' || line[0] == '=') {
			const char *h = strstr(line, " #");
			if (h != NULL && isdigit((unsigned char)h[2])) {
				unsigned long nr = strtoul(h + 2, NULL, 10);
				frames++;
				max_frame = nr > max_frame ? nr : max_frame;
			}
		}
	}
	int st = pclose(fp);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, sizeof(why), "btmon exit status %d", st);
		return why;
	}
	if (frames != records || max_frame != records) {
		snprintf(why, sizeof(why), "btmon decoded %zu frames (last #%lu), %zu were written", frames, max_frame,
			 records);
		return why;
	}
	static const char *const bad[] = { "invalid", "malformed", "error" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (contains_nocase(out, bad[i])) {
			snprintf(why, sizeof(why), "btmon output says \"%s\"", bad[i]);
			return why;
		}
	}
	for (; must != NULL && *must != NULL; must++) {
		if (strstr(out, *must) == NULL) {
			snprintf(why, sizeof(why), "btmon output lacks \"%s\"", *must);
			return why;
		}
	}
	return NULL;
}
#endif

static void test_file_capture_btmon(void **state)
{
	(void)state;
	char path[256];
	temp_path(path, sizeof(path));
	size_t n = write_capture(path, NULL, 0);
	assert_int_equal(n, N_EXCHANGE);

	/* The file on its own terms: header, then records that add up. */
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	static uint8_t buf[4096];
	size_t len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_memory_equal(buf, k_header, 16);
	size_t off = 16, recs = 0;
	uint64_t last_ts = 0;
	while (off < len) {
		assert_true(off + 24 <= len);
		uint32_t orig = be32(&buf[off]), incl = be32(&buf[off + 4]), flags = be32(&buf[off + 8]);
		assert_int_equal(orig, incl);
		assert_int_equal(orig, k_exchange[recs].len);
		assert_int_equal(flags & 1, k_exchange[recs].received ? 1 : 0);
		assert_int_equal((flags >> 1) & 1, k_exchange[recs].b[0] == 0x01 || k_exchange[recs].b[0] == 0x04);
		assert_true(be64(&buf[off + 16]) > last_ts);
		last_ts = be64(&buf[off + 16]);
		assert_memory_equal(&buf[off + 24], k_exchange[recs].b, incl);
		off += 24 + incl;
		recs++;
	}
	assert_int_equal(off, len);
	assert_int_equal(recs, N_EXCHANGE);

#ifdef ZBLE_BTMON
	static char out[65536];
	const char *const must[] = { "Reset", "LE Set Advertising Parameters", "LE Connection Complete", "ACL Data RX",
				     "ACL Data TX", "Exchange MTU Request", "Disconnect", NULL };
	const char *why = btmon_check(path, n, must, out, sizeof(out));
	if (why != NULL) {
		print_error("%s\n", out);
		fail_msg("%s", why);
	}
	/* Both "Disconnect" (the command) and Disconnection Complete. */
	assert_non_null(strstr(out, "HCI Event: Disconnect Complete"));
	assert_non_null(strstr(out, "HCI Command: Disconnect"));
#else
	print_message("btmon not found at configure time (Debian package bluez): decode check skipped\n");
#endif
	unlink(path);
}

static void test_broken_captures_are_flagged(void **state)
{
	(void)state;
#ifdef ZBLE_BTMON
	static char out[65536];
	char path[256];
	const char *const must[] = { "Reset", NULL };
	/* Each is inserted after the LE Set Advertising Parameters exchange. */
	static const struct pkt broken[] = {
		/* Command Complete whose parameter length says 16, has 4. */
		{ true, 7, { 0x04, 0x0E, 0x10, 0x01, 0x03, 0x0C, 0x00 } },
		/* Command Complete for Reset without its status. */
		{ true, 6, { 0x04, 0x0E, 0x03, 0x01, 0x03, 0x0C } },
		/* LE Connection Complete cut short. */
		{ true, 9, { 0x04, 0x3E, 0x05, 0x01, 0x00, 0x40, 0x00, 0x01, 0x00 } },
		/* ACL whose data length says 9, has 7. */
		{ true, 12, { 0x02, 0x40, 0x20, 0x09, 0x00, 0x03, 0x00, 0x04, 0x00, 0x02, 0xF7, 0x00 } },
		/* Unknown H4 packet type: btmon skips it without a word. */
		{ true, 3, { 0x09, 0x01, 0x02 } },
		/* Disconnection Complete cut short. */
		{ true, 5, { 0x04, 0x05, 0x02, 0x00, 0x40 } },
	};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		temp_path(path, sizeof(path));
		size_t n = write_capture(path, &broken[i], 3);
		const char *why = btmon_check(path, n, must, out, sizeof(out));
		if (why == NULL) {
			print_error("%s\n", out);
			fail_msg("broken capture %zu not flagged", i);
		} else {
			print_message("broken capture %zu flagged: %s\n", i, why);
		}
		unlink(path);
	}

	/* A damaged file header: btmon decodes nothing. */
	temp_path(path, sizeof(path));
	size_t n = write_capture(path, NULL, 0);
	FILE *fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fputc('X', fp), 'X'); /* "Xtsnoop" */
	fclose(fp);
	const char *why = btmon_check(path, n, must, out, sizeof(out));
	assert_non_null(why);
	print_message("damaged header flagged: %s\n", why);
	unlink(path);

	/* And the intact capture passes the same check. */
	temp_path(path, sizeof(path));
	n = write_capture(path, NULL, 0);
	assert_null(btmon_check(path, n, must, out, sizeof(out)));
	unlink(path);
#else
	skip();
#endif
}

static void test_file_sink_errors(void **state)
{
	(void)state;
	struct zble_btsnoop_file f;
	assert_int_equal(zble_btsnoop_file_open(&f, "/nonexistent-dir/zble.snoop"), -ENOENT);
	assert_int_equal(zble_btsnoop_file_open(NULL, "/tmp/x"), -EINVAL);

	char path[256];
	temp_path(path, sizeof(path));
	assert_int_equal(zble_btsnoop_file_open(&f, path), 0);
	assert_int_equal(zble_btsnoop_file_close(&f), 0);
	assert_int_equal(zble_btsnoop_file_close(&f), -EBADF);
	const uint8_t cmd[] = { ZBLE_H4_CMD, 0x03, 0x0C, 0x00 };
	assert_int_equal(zble_btsnoop_file_record(&f, false, cmd, sizeof(cmd), 0), -EBADF);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 16);
	unlink(path);

	/* A plausible wall clock (after 2020). */
	assert_true(zble_btsnoop_unix_us() > 1577836800000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_record_fields),
		cmocka_unit_test(test_drops_snaplen_and_errors),
		cmocka_unit_test(test_file_capture_btmon),
		cmocka_unit_test(test_broken_captures_are_flagged),
		cmocka_unit_test(test_file_sink_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
