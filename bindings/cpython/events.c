/* Core events -> handler(event, data), synchronously, on the host's work
 * thread (MicroPython's sync-event mode).
 *
 * The thread takes the GIL for the call. Buffers (addr, adv_data,
 * char_data, notify_data, key, value) reach the handler as read-only
 * memoryviews that are released when it returns, as MicroPython's are only
 * valid during the call. They are views of a private copy, so a handler
 * that kept a slice or an export of one still holds valid memory (the core's
 * buffer is gone by then). The return value answers read requests, L2CAP
 * accepts and secrets. An exception in the handler is printed and turns the
 * handler off, as on MicroPython. */
#include "zble_py.h"

#include <string.h>

/* Depth of handler calls on this thread: calls into the core made from a
 * handler skip the lifecycle lock (see zble_py_ble.life). */
static __thread unsigned event_depth;
static __thread bool stack_checked;

/* Handlers recurse as deep as the recursion limit on the host's work
 * thread, which has the C library's default stack (RLIMIT_STACK, 8 MiB on
 * Debian). Say so once if it is too small for that. */
#define MIN_EVENT_STACK (1024 * 1024)

#if PY_VERSION_HEX >= 0x030D0000
#define zble_py_finalizing() Py_IsFinalizing()
#else
#define zble_py_finalizing() _Py_IsFinalizing()
#endif

static void check_stack(void)
{
	pthread_attr_t attr;
	size_t size = 0;
	stack_checked = true;
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		pthread_attr_getstacksize(&attr, &size);
		pthread_attr_destroy(&attr);
	}
	if (size && size < MIN_EVENT_STACK &&
	    PyErr_WarnFormat(PyExc_RuntimeWarning, 1,
			     "zble: the BLE host thread has a %zu KiB stack: deep recursion in the IRQ handler "
			     "may overflow it (raise `ulimit -s`)",
			     size / 1024) < 0) {
		PyErr_Clear();
	}
}

bool zble_py_in_event(void)
{
	return event_depth > 0;
}

#define MAX_VIEWS 2

struct views {
	PyObject *mv[MAX_VIEWS];
	int n;
};

/* A read-only memoryview of a copy of data, or None for NULL. */
static PyObject *view_of(struct views *v, const uint8_t *data, size_t len)
{
	if (!data) {
		return Py_NewRef(Py_None);
	}
	PyObject *copy = PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)len);
	if (!copy) {
		return NULL;
	}
	PyObject *mv = PyMemoryView_FromObject(copy);
	Py_DECREF(copy);
	if (mv && v->n < MAX_VIEWS) {
		v->mv[v->n++] = Py_NewRef(mv);
	}
	return mv;
}

static void release_views(struct views *v)
{
	for (int i = 0; i < v->n; i++) {
		/* Fails (BufferError) while the handler still holds an export:
		 * harmless, the memory is the copy's. */
		PyObject *r = PyObject_CallMethod(v->mv[i], "release", NULL);
		if (!r) {
			PyErr_Clear();
		}
		Py_XDECREF(r);
		Py_DECREF(v->mv[i]);
	}
	v->n = 0;
}

/* The data tuple of an event, in MicroPython's field order. */
static PyObject *event_tuple(const struct zble_mp_event *ev, struct views *v)
{
	PyObject *addr, *data, *uuid, *key;
	switch (ev->code) {
	case ZBLE_MP_IRQ_CENTRAL_CONNECT:
	case ZBLE_MP_IRQ_CENTRAL_DISCONNECT:
	case ZBLE_MP_IRQ_PERIPHERAL_CONNECT:
	case ZBLE_MP_IRQ_PERIPHERAL_DISCONNECT:
		addr = view_of(v, ev->addr, 6);
		return addr ? Py_BuildValue("(iiN)", ev->conn_handle, ev->addr_type, addr) : NULL;
	case ZBLE_MP_IRQ_GATTS_WRITE:
	case ZBLE_MP_IRQ_GATTS_READ_REQUEST:
		return Py_BuildValue("(ii)", ev->conn_handle, ev->handle);
	case ZBLE_MP_IRQ_SCAN_RESULT:
		addr = view_of(v, ev->addr, 6);
		if (!addr) {
			return NULL;
		}
		data = view_of(v, ev->data ? ev->data : (const uint8_t *)"", ev->data_len);
		if (!data) {
			Py_DECREF(addr);
			return NULL;
		}
		return Py_BuildValue("(iNiiN)", ev->addr_type, addr, ev->adv_type, ev->rssi, data);
	case ZBLE_MP_IRQ_SCAN_DONE:
		return PyTuple_New(0);
	case ZBLE_MP_IRQ_GATTC_SERVICE_RESULT:
		uuid = zble_py_uuid_new(&ev->uuid);
		return uuid ? Py_BuildValue("(iiiN)", ev->conn_handle, ev->handle, ev->end_handle, uuid) : NULL;
	case ZBLE_MP_IRQ_GATTC_CHARACTERISTIC_RESULT:
		uuid = zble_py_uuid_new(&ev->uuid);
		return uuid ? Py_BuildValue("(iiiiN)", ev->conn_handle, ev->end_handle, ev->handle, ev->properties,
					    uuid)
			    : NULL;
	case ZBLE_MP_IRQ_GATTC_DESCRIPTOR_RESULT:
		uuid = zble_py_uuid_new(&ev->uuid);
		return uuid ? Py_BuildValue("(iiN)", ev->conn_handle, ev->handle, uuid) : NULL;
	case ZBLE_MP_IRQ_GATTC_SERVICE_DONE:
	case ZBLE_MP_IRQ_GATTC_CHARACTERISTIC_DONE:
	case ZBLE_MP_IRQ_GATTC_DESCRIPTOR_DONE:
		return Py_BuildValue("(ii)", ev->conn_handle, ev->status);
	case ZBLE_MP_IRQ_GATTC_READ_RESULT:
	case ZBLE_MP_IRQ_GATTC_NOTIFY:
	case ZBLE_MP_IRQ_GATTC_INDICATE:
		data = view_of(v, ev->data ? ev->data : (const uint8_t *)"", ev->data_len);
		return data ? Py_BuildValue("(iiN)", ev->conn_handle, ev->handle, data) : NULL;
	case ZBLE_MP_IRQ_GATTC_READ_DONE:
	case ZBLE_MP_IRQ_GATTC_WRITE_DONE:
	case ZBLE_MP_IRQ_GATTS_INDICATE_DONE:
		return Py_BuildValue("(iii)", ev->conn_handle, ev->handle, ev->status);
	case ZBLE_MP_IRQ_MTU_EXCHANGED:
		return Py_BuildValue("(ii)", ev->conn_handle, ev->mtu);
	case ZBLE_MP_IRQ_L2CAP_ACCEPT:
	case ZBLE_MP_IRQ_L2CAP_CONNECT:
		return Py_BuildValue("(iiiii)", ev->conn_handle, ev->cid, ev->psm, ev->our_mtu, ev->peer_mtu);
	case ZBLE_MP_IRQ_L2CAP_DISCONNECT:
		return Py_BuildValue("(iiii)", ev->conn_handle, ev->cid, ev->psm, ev->status);
	case ZBLE_MP_IRQ_L2CAP_RECV:
		return Py_BuildValue("(ii)", ev->conn_handle, ev->cid);
	case ZBLE_MP_IRQ_L2CAP_SEND_READY:
		return Py_BuildValue("(iii)", ev->conn_handle, ev->cid, ev->status);
	case ZBLE_MP_IRQ_CONNECTION_UPDATE:
		return Py_BuildValue("(iiiii)", ev->conn_handle, ev->conn_interval, ev->conn_latency,
				     ev->supervision_timeout, ev->status);
	case ZBLE_MP_IRQ_ENCRYPTION_UPDATE:
		/* Integers, not bools, as MicroPython passes them. */
		return Py_BuildValue("(iiiii)", ev->conn_handle, ev->encrypted, ev->authenticated, ev->bonded,
				     ev->key_size);
	case ZBLE_MP_IRQ_GET_SECRET:
		key = view_of(v, ev->key, ev->key_len);
		return key ? Py_BuildValue("(iiN)", ev->sec_type, ev->index, key) : NULL;
	case ZBLE_MP_IRQ_SET_SECRET:
		key = view_of(v, ev->key, ev->key_len);
		if (!key) {
			return NULL;
		}
		data = view_of(v, ev->data, ev->data_len);
		if (!data) {
			Py_DECREF(key);
			return NULL;
		}
		return Py_BuildValue("(iNN)", ev->sec_type, key, data);
	case ZBLE_MP_IRQ_PASSKEY_ACTION:
		return Py_BuildValue("(iik)", ev->conn_handle, ev->action, (unsigned long)ev->passkey);
	default:
		return NULL;
	}
}

/* MicroPython's message, then the traceback; the handler that raised is
 * switched off (unless another thread already installed a new one). */
static void report_unhandled(zble_py_ble *self, PyObject *handler)
{
	PyObject *type, *value, *tb;
	PyErr_Fetch(&type, &value, &tb);
	PyErr_NormalizeException(&type, &value, &tb);
	if (tb && value) {
		PyException_SetTraceback(value, tb);
	}
	PyObject *out = PySys_GetObject("stdout");
	if (out) {
		PyObject *r = PyObject_CallMethod(out, "flush", NULL);
		Py_XDECREF(r);
		PyErr_Clear();
	}
	PySys_WriteStderr("Unhandled exception in IRQ callback handler\n");
	PyErr_Display(type, value, tb); /* not PyErr_Print: SystemExit must not exit from here */
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);
	if (self->handler == handler) {
		Py_SETREF(self->handler, Py_NewRef(Py_None));
	}
}

/* What the event answers to the core, from the handler's return value. */
static int answer(zble_py_ble *self, PyObject *handler, struct zble_mp_event *ev, PyObject *res)
{
	switch (ev->code) {
	case ZBLE_MP_IRQ_GATTS_READ_REQUEST:
	case ZBLE_MP_IRQ_L2CAP_ACCEPT: {
		/* MicroPython: an int (or bool) is the answer, anything else 0. */
		if (!PyLong_Check(res)) {
			return 0;
		}
		long v = PyLong_AsLong(res);
		if (v == -1 && PyErr_Occurred()) {
			PyErr_Clear();
			return 0xff;
		}
		return (int)v;
	}
	case ZBLE_MP_IRQ_SET_SECRET: {
		int t = PyObject_IsTrue(res);
		if (t < 0) {
			report_unhandled(self, handler);
			return 0;
		}
		return t;
	}
	case ZBLE_MP_IRQ_GET_SECRET: {
		if (res == Py_None) {
			return 0;
		}
		/* The core reads the value just after this returns: hand it a
		 * copy that lives in the stack struct until the next one. */
		Py_buffer view;
		if (zble_py_buffer(res, &view, PyBUF_SIMPLE)) {
			report_unhandled(self, handler);
			return 0;
		}
		struct zble_py_stack *st = self->st;
		size_t len = (size_t)view.len;
		if (len > st->secret_cap) {
			uint8_t *grown = PyMem_RawRealloc(st->secret, len);
			if (!grown) {
				zble_py_buffer_release(&view);
				return 0;
			}
			st->secret = grown;
			st->secret_cap = len;
		}
		memcpy(st->secret, view.buf, len);
		zble_py_buffer_release(&view);
		ev->out_value = st->secret;
		ev->out_len = len;
		return 1;
	}
	default:
		return 0;
	}
}

/* The core's event batches: the GIL stays with the host thread from the
 * first event to the last, so the script sees both or neither. */
void zble_py_on_batch(void *ctx, bool begin)
{
	struct zble_py_stack *st = ctx;
	if (begin) {
		__atomic_add_fetch(&st->events_busy, 1, __ATOMIC_SEQ_CST);
		unsigned d = st->batch_depth++;
		if (d < sizeof(st->batch_gil) / sizeof(st->batch_gil[0]) && !zble_py_finalizing()) {
			st->batch_gil[d] = PyGILState_Ensure();
		} else if (d < sizeof(st->batch_gil) / sizeof(st->batch_gil[0])) {
			st->batch_gil[d] = (PyGILState_STATE)-1; /* not taken */
		}
		return;
	}
	if (!st->batch_depth) {
		return;
	}
	unsigned d = --st->batch_depth;
	if (d < sizeof(st->batch_gil) / sizeof(st->batch_gil[0]) && st->batch_gil[d] != (PyGILState_STATE)-1) {
		PyGILState_Release(st->batch_gil[d]);
	}
	__atomic_sub_fetch(&st->events_busy, 1, __ATOMIC_SEQ_CST);
}

int zble_py_on_event(void *ctx, struct zble_mp_event *ev)
{
	struct zble_py_stack *st = ctx;
	zble_py_ble *self = st->owner;
	if (zble_py_finalizing()) {
		return 0;
	}
	__atomic_add_fetch(&st->events_busy, 1, __ATOMIC_SEQ_CST);
	PyGILState_STATE g = PyGILState_Ensure();
	if (!stack_checked) {
		check_stack();
	}
	event_depth++;
	int rc = 0;
	if (self->handler != Py_None) {
		struct views v = { .n = 0 };
		PyObject *handler = Py_NewRef(self->handler); /* it may replace itself */
		PyObject *data = event_tuple(ev, &v);
		PyObject *res = NULL;
		if (data) {
			PyObject *code = PyLong_FromLong(ev->code);
			if (code) {
				res = PyObject_CallFunctionObjArgs(handler, code, data, NULL);
				Py_DECREF(code);
			}
		}
		PyObject *et, *ev_, *tb;
		PyErr_Fetch(&et, &ev_, &tb); /* no calls with an exception set */
		release_views(&v);
		PyErr_Restore(et, ev_, tb);
		if (res) {
			rc = answer(self, handler, ev, res);
			Py_DECREF(res);
		} else if (PyErr_Occurred()) {
			report_unhandled(self, handler);
		} /* else: an event code this module does not know: dropped */
		Py_XDECREF(data);
		Py_DECREF(handler);
	}
	event_depth--;
	PyGILState_Release(g);
	__atomic_sub_fetch(&st->events_busy, 1, __ATOMIC_SEQ_CST);
	return rc;
}
