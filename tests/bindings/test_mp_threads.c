/* The MicroPython backend core on the threads backend: two cores in one
 * process, each with its own kernel and a host on an H4 socket of a
 * zble_sim_server (ZBLE_SIM_DIR, started by zble-sim-run.sh). Upcalls run
 * on the host threads while the test thread calls the core: connect,
 * discovery and read chained from the handlers, writes, notifications
 * from the main thread, active() refused inside an upcall, restart.
 * Waits are for events (with a generous bound as the failure guard). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "zble/h4_posix.h"
#include "zble/kernel.h"
#include "zble_mp/core.h"

#define LINES 256

struct dev {
	const char *name;
	char spec[300];
	struct zble_kernel k;
	struct zble_h4_posix h4;
	struct zble_host host;
	struct zble_mp mp;
	struct zble_mp_port port;
	uint8_t arena[2048];
	pthread_mutex_t lock;
	char lines[LINES][160];
	unsigned n;
	uint8_t addr[6];
	/* chain state (handler thread only) */
	uint16_t start, end, value;
	int active_err;
	uint16_t conn; /* the link's handle (btvirt's are not 0) */
};

static struct dev P_, C_;
#define P (&P_)
#define C (&C_)

static int on_open(void *ctx, struct zble_host **host)
{
	struct dev *d = ctx;
	if (zble_kernel_init(&d->k, NULL, NULL)) {
		return ZBLE_MP_EIO;
	}
	struct zble_kernel *prev = zble_port_current_kernel();
	zble_port_set_current_kernel(&d->k);
	struct zble_h4_posix_config cfg = { .spec = d->spec };
	int err = zble_h4_posix_init(&d->h4, &cfg) || zble_host_init(&d->host, &d->k, &d->h4.drv);
	zble_port_set_current_kernel(prev);
	if (err) {
		zble_kernel_deinit(&d->k);
		return ZBLE_MP_EIO;
	}
	*host = &d->host;
	return 0;
}

static void on_close(void *ctx, struct zble_host *host)
{
	struct dev *d = ctx;
	struct zble_kernel *prev = zble_port_current_kernel();
	zble_port_set_current_kernel(&d->k);
	zble_host_deinit(host);
	zble_kernel_deinit(&d->k);
	zble_port_set_current_kernel(prev == &d->k ? NULL : prev);
}

static void record(struct dev *d, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&d->lock);
	if (d->n < LINES) {
		strcpy(d->lines[d->n++], line);
	}
	pthread_mutex_unlock(&d->lock);
}

static int on_irq(void *ctx, struct zble_mp_event *ev)
{
	struct dev *d = ctx;
	struct zble_mp_uuid svc = { .type = 2, .data = { 0x0d, 0x18 } };
	switch (ev->code) {
	case ZBLE_MP_IRQ_PERIPHERAL_CONNECT:
		__atomic_store_n(&d->conn, ev->conn_handle, __ATOMIC_SEQ_CST);
		record(d, "peripheral_connect");
		d->active_err = zble_mp_active(&d->mp, false);
		assert_int_equal(zble_mp_gattc_discover_services(&d->mp, ev->conn_handle, &svc), 0);
		break;
	case ZBLE_MP_IRQ_CENTRAL_CONNECT:
		__atomic_store_n(&d->conn, ev->conn_handle, __ATOMIC_SEQ_CST);
		record(d, "central_connect");
		break;
	case ZBLE_MP_IRQ_CENTRAL_DISCONNECT:
	case ZBLE_MP_IRQ_PERIPHERAL_DISCONNECT:
		record(d, "%s %s", ev->code == 2 ? "central_disconnect" : "peripheral_disconnect",
		       ev->conn_handle == __atomic_load_n(&d->conn, __ATOMIC_SEQ_CST) ? "same" : "other");
		break;
	case ZBLE_MP_IRQ_GATTC_SERVICE_RESULT:
		d->start = ev->handle;
		d->end = ev->end_handle;
		record(d, "service %u %u", ev->handle, ev->end_handle);
		break;
	case ZBLE_MP_IRQ_GATTC_SERVICE_DONE:
		assert_int_equal(zble_mp_gattc_discover_characteristics(&d->mp, ev->conn_handle, d->start, d->end, NULL),
				 0);
		break;
	case ZBLE_MP_IRQ_GATTC_CHARACTERISTIC_RESULT:
		d->value = ev->handle;
		record(d, "chr %u %u", ev->end_handle, ev->handle);
		break;
	case ZBLE_MP_IRQ_GATTC_CHARACTERISTIC_DONE:
		assert_int_equal(zble_mp_gattc_read(&d->mp, ev->conn_handle, d->value), 0);
		break;
	case ZBLE_MP_IRQ_GATTC_READ_RESULT:
		record(d, "read %u %.*s", ev->handle, (int)ev->data_len, (const char *)ev->data);
		break;
	case ZBLE_MP_IRQ_GATTC_READ_DONE:
	case ZBLE_MP_IRQ_GATTC_WRITE_DONE:
		record(d, "%s %u %u", ev->code == 16 ? "read_done" : "write_done", ev->handle, ev->status);
		break;
	case ZBLE_MP_IRQ_GATTS_READ_REQUEST:
		/* Changes the value being served, from the host thread. */
		assert_int_equal(zble_mp_gatts_write(&d->mp, ev->handle, (const uint8_t *)"fromirq", 7, false), 0);
		record(d, "read_request %u", ev->handle);
		break;
	case ZBLE_MP_IRQ_GATTS_WRITE: {
		uint8_t v[32];
		size_t len;
		assert_int_equal(zble_mp_gatts_read(&d->mp, ev->handle, v, sizeof(v), &len), 0);
		record(d, "write %u %.*s", ev->handle, (int)len, (const char *)v);
		break;
	}
	case ZBLE_MP_IRQ_GATTC_NOTIFY:
		record(d, "notify %u %.*s", ev->handle, (int)ev->data_len, (const char *)ev->data);
		break;
	default:
		break;
	}
	return 0;
}

/* Waits (up to 20 s of wall clock, only a failure guard) for a line. */
static bool wait_line(struct dev *d, const char *line)
{
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&d->lock);
		bool found = false;
		for (unsigned j = 0; j < d->n && !found; j++) {
			found = !strcmp(d->lines[j], line);
		}
		pthread_mutex_unlock(&d->lock);
		if (found) {
			return true;
		}
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	fprintf(stderr, "no '%s' from %s\n", line, d->name);
	return false;
}

static void dev_init(struct dev *d, const char *name)
{
	/* zble-sim-run.sh and btvirt-run.sh both export BTVIRT_DIR; the
	 * socket giving a new controller per connection is "server" on
	 * zble_sim_server, "bt-server-le" on btvirt. */
	const char *dir = getenv("BTVIRT_DIR");
	const char *sock = getenv("ZBLE_SIM_DIR") ? "server" : "bt-server-le";
	assert_non_null(dir);
	memset(d, 0, sizeof(*d));
	d->name = name;
	snprintf(d->spec, sizeof(d->spec), "unix:%s/%s", dir, sock);
	pthread_mutex_init(&d->lock, NULL);
	d->port = (struct zble_mp_port){ .open = on_open, .close = on_close, .irq = on_irq };
	assert_int_equal(zble_mp_init(&d->mp, &d->port, d, d->arena, sizeof(d->arena)), 0);
}

static void test_threads(void **state)
{
	(void)state;
	dev_init(P, "p");
	dev_init(C, "c");
	uint8_t type;
	for (int round = 0; round < 2; round++) {
		assert_int_equal(zble_mp_active(&P->mp, true), 0);
		assert_int_equal(zble_mp_active(&C->mp, true), 0);
		assert_int_equal(zble_mp_get_mac(&P->mp, &type, P->addr), 0);
		struct zble_mp_uuid svc = { .type = 2, .data = { 0x0d, 0x18 } };
		struct zble_mp_uuid chr = { .type = 2, .data = { 0x37, 0x2a } };
		uint16_t fl = ZBLE_MP_FLAG_READ | ZBLE_MP_FLAG_WRITE | ZBLE_MP_FLAG_NOTIFY, h;
		assert_int_equal(zble_mp_gatts_register_begin(&P->mp, false), 0);
		assert_int_equal(zble_mp_gatts_register_service(&P->mp, &svc, &chr, &fl, NULL, NULL, NULL, 1, &h), 0);
		assert_int_equal(zble_mp_gatts_register_end(&P->mp), 0);
		assert_int_equal(h, 12);
		const uint8_t ad[] = { 2, 1, 6 };
		assert_int_equal(zble_mp_gap_advertise_start(&P->mp, true, 20000, ad, sizeof(ad), NULL, 0), 0);
		assert_int_equal(zble_mp_gap_connect(&C->mp, type, P->addr, 5000, 0, 0), 0);
		/* connect -> discover -> characteristics -> read, all in C's handler */
		assert_true(wait_line(C, "read_done 12 0"));
		assert_int_equal(C->active_err, ZBLE_MP_EBUSY);
		assert_true(wait_line(C, "service 10 13"));
		assert_true(wait_line(C, "chr 13 12"));
		assert_true(wait_line(C, "read 12 fromirq"));
		assert_true(wait_line(P, "read_request 12"));
		/* From the test thread while host threads run. */
		uint16_t pc = __atomic_load_n(&P->conn, __ATOMIC_SEQ_CST);
		uint16_t cc = __atomic_load_n(&C->conn, __ATOMIC_SEQ_CST);
		assert_int_equal(zble_mp_gattc_write(&C->mp, cc, 12, (const uint8_t *)"hi", 2, 1), 0);
		assert_true(wait_line(P, "write 12 hi"));
		assert_true(wait_line(C, "write_done 12 0"));
		for (int i = 0; i < 20; i++) {
			char v[8];
			snprintf(v, sizeof(v), "n%d", i);
			int err = zble_mp_gatts_notify_indicate(&P->mp, pc, 12, ZBLE_MP_GATTS_OP_NOTIFY, (const uint8_t *)v,
								strlen(v));
			assert_true(err == 0 || err == ZBLE_MP_ENOMEM);
		}
		assert_true(wait_line(C, "notify 12 n0"));
		assert_int_equal(zble_mp_gap_disconnect(&C->mp, cc), 0);
		assert_true(wait_line(C, "peripheral_disconnect same"));
		assert_true(wait_line(P, "central_disconnect same"));
		assert_int_equal(zble_mp_active(&C->mp, false), 0);
		assert_int_equal(zble_mp_active(&P->mp, false), 0);
		P->n = C->n = 0;
	}
	zble_mp_deinit(&P->mp);
	zble_mp_deinit(&C->mp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
