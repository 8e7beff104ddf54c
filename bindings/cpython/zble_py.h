/* The CPython `bluetooth` module: MicroPython's BLE API over the zble_mp
 * core (bindings/core). This layer only converts types: Python arguments
 * to C, core errors to OSError, core events to handler calls.
 *
 * Threads: the core runs on zble's threads kernel backend. Events arrive on
 * the host's work thread, which takes the GIL for the handler call; every
 * call into the core drops the GIL (ZBLE_PY_CALL), so the host can run the
 * handler meanwhile and a handler may call back into the core. */
#ifndef ZBLE_PY_H
#define ZBLE_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "zble/h4_posix.h"
#include "zble/host.h"
#include "zble/kernel.h"
#include "zble_mp/core.h"

/* Bytes for attribute values (the core's arena): room for gatts_set_buffer
 * and large values on many characteristics. */
#define ZBLE_PY_ARENA_SIZE (64 * 1024)

/* Everything C-side of one BLE object, allocated once (the structs are
 * large and must not move while the host runs). */
struct zble_py_stack {
	void *owner; /* the zble_py_ble, for events */
	struct zble_mp mp;
	struct zble_kernel kernel;
	struct zble_h4_posix hci;
	/* What the host opens: hci, recording why an open failed (the core
	 * can only say EIO). */
	struct zble_hci_driver hci_seen;
	int open_err; /* negative errno of the last failed open, else 0 */
	struct zble_host host;
	char spec[ZBLE_H4_POSIX_SPEC_MAX]; /* transport of the activation */
	/* GIL states of the event batches open on the host thread (the core's
	 * irq_batch): between a batch's events the script's thread stays out. */
	PyGILState_STATE batch_gil[8];
	unsigned batch_depth;
	/* Events being delivered (waiting for the GIL or running), atomic:
	 * machine.idle() does not return to the script meanwhile. */
	int events_busy;
	uint8_t *secret; /* the last GET_SECRET answer (PyMem_Raw) */
	size_t secret_cap;
	uint8_t arena[ZBLE_PY_ARENA_SIZE];
};

typedef struct {
	PyObject_HEAD
	PyObject *handler; /* callable or None; read and written under the GIL */
	/* Lifecycle calls (active) take it for writing, every other core call
	 * for reading, except on the host thread inside an event: the core
	 * forbids lifecycle calls concurrent with others, and a handler must
	 * never wait for it (active(False) waits for the handler). */
	pthread_rwlock_t life;
	struct zble_py_stack *st;
} zble_py_ble;

extern PyTypeObject zble_py_ble_type;
extern PyTypeObject zble_py_uuid_type;

/* ---- UUID (uuid.c) ---- */
typedef struct {
	PyObject_HEAD
	struct zble_mp_uuid u;
} zble_py_uuid;

PyObject *zble_py_uuid_new(const struct zble_mp_uuid *u);
static inline bool zble_py_is_uuid(PyObject *obj)
{
	return PyObject_TypeCheck(obj, &zble_py_uuid_type);
}

/* ---- events (events.c) ---- */
int zble_py_on_event(void *ctx, struct zble_mp_event *ev);
void zble_py_on_batch(void *ctx, bool begin);
/* True on a thread that is running an event handler. */
bool zble_py_in_event(void);

/* ---- BLE methods, one file per area (fastcall signatures) ---- */
typedef PyObject *zble_py_meth(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
typedef PyObject *zble_py_meth_kw(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
/* config.c */
zble_py_meth_kw zble_py_config;
/* gap.c */
zble_py_meth_kw zble_py_gap_advertise;
zble_py_meth zble_py_gap_scan, zble_py_gap_connect, zble_py_gap_disconnect, zble_py_gap_pair, zble_py_gap_passkey;
/* gatts.c */
zble_py_meth zble_py_gatts_register_services, zble_py_gatts_read, zble_py_gatts_write, zble_py_gatts_notify,
	zble_py_gatts_indicate, zble_py_gatts_set_buffer;
/* gattc.c */
zble_py_meth zble_py_gattc_discover_services, zble_py_gattc_discover_characteristics,
	zble_py_gattc_discover_descriptors, zble_py_gattc_read, zble_py_gattc_write, zble_py_gattc_exchange_mtu;
/* l2cap.c */
zble_py_meth zble_py_l2cap_listen, zble_py_l2cap_connect, zble_py_l2cap_disconnect, zble_py_l2cap_send,
	zble_py_l2cap_recvinto, zble_py_hci_cmd;

/* ---- helpers (ble.c) ---- */

/* atexit: deactivates the BLE object, if any. */
PyObject *zble_py_shutdown(PyObject *module, PyObject *unused);
/* bluetooth._events_busy(): True while an event is being delivered. */
PyObject *zble_py_events_busy(PyObject *module, PyObject *unused);

/* Brackets every core call: drops the GIL (the host thread may need it
 * for a handler meanwhile) and takes the lifecycle lock for reading unless
 * this thread is inside an event.
 *   struct zble_py_call c = zble_py_call_begin(self);
 *   rc = zble_mp_...(&self->st->mp, ...);
 *   zble_py_call_end(self, c); */
struct zble_py_call {
	PyThreadState *ts;
	bool locked;
};

static inline struct zble_py_call zble_py_call_begin(zble_py_ble *self)
{
	struct zble_py_call c = { .locked = !zble_py_in_event() };
	c.ts = PyEval_SaveThread();
	if (c.locked) {
		pthread_rwlock_rdlock(&self->life);
	}
	return c;
}

static inline void zble_py_call_end(zble_py_ble *self, struct zble_py_call c)
{
	if (c.locked) {
		pthread_rwlock_unlock(&self->life);
	}
	PyEval_RestoreThread(c.ts);
}

/* OSError(err) with the C library's text; NULL for convenience. */
PyObject *zble_py_raise_errno(int err);
/* None, or OSError when err is non-zero. */
PyObject *zble_py_result(int err);
/* MicroPython's mp_obj_get_int: an int (or __index__) as a C long;
 * -1 and an exception set on failure. */
int zble_py_int(PyObject *obj, long *out);
/* A read-only buffer of obj; str gives its UTF-8 bytes (MicroPython's str
 * has the buffer protocol). Release with zble_py_buffer_release. */
int zble_py_buffer(PyObject *obj, Py_buffer *view, int flags);
void zble_py_buffer_release(Py_buffer *view);
/* Arity checks in MicroPython's terms; self excluded from the counts. */
int zble_py_nargs(const char *name, Py_ssize_t n, Py_ssize_t min, Py_ssize_t max);

#endif
