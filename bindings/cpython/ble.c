/* bluetooth.BLE: the singleton, active(), irq(), the port the core opens
 * the host through, and the argument helpers the method files share. */
#include "zble_py.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "zble/port.h"
#include "zble/userchan.h"

/* The one BLE object (MicroPython's BLE() is a singleton too). */
static PyObject *the_ble;

/* ---- helpers ---- */

PyObject *zble_py_raise_errno(int err)
{
	PyObject *e = PyObject_CallFunction(PyExc_OSError, "is", err, strerror(err));
	if (e) {
		PyErr_SetObject((PyObject *)Py_TYPE(e), e);
		Py_DECREF(e);
	}
	return NULL;
}

PyObject *zble_py_result(int err)
{
	if (err) {
		return zble_py_raise_errno(err);
	}
	Py_RETURN_NONE;
}

int zble_py_int(PyObject *obj, long *out)
{
	long v = PyLong_AsLong(obj);
	if (v == -1 && PyErr_Occurred()) {
		return -1;
	}
	*out = v;
	return 0;
}

int zble_py_buffer(PyObject *obj, Py_buffer *view, int flags)
{
	if (PyUnicode_Check(obj) && !(flags & PyBUF_WRITABLE)) {
		Py_ssize_t len;
		const char *s = PyUnicode_AsUTF8AndSize(obj, &len);
		if (!s) {
			return -1;
		}
		/* The UTF-8 form lives as long as the str: hold the str. */
		return PyBuffer_FillInfo(view, obj, (void *)s, len, 1, flags);
	}
	if (!PyObject_CheckBuffer(obj)) {
		PyErr_SetString(PyExc_TypeError, "object with buffer protocol required");
		return -1;
	}
	return PyObject_GetBuffer(obj, view, flags);
}

void zble_py_buffer_release(Py_buffer *view)
{
	PyBuffer_Release(view);
}

int zble_py_nargs(const char *name, Py_ssize_t n, Py_ssize_t min, Py_ssize_t max)
{
	(void)name;
	/* MicroPython's texts, which count self. */
	if (min == max && n != min) {
		PyErr_Format(PyExc_TypeError, "function takes %zd positional arguments but %zd were given", min + 1,
			     n + 1);
		return -1;
	}
	if (n < min) {
		PyErr_Format(PyExc_TypeError, "function missing %zd required positional arguments", min - n);
		return -1;
	}
	if (n > max) {
		PyErr_Format(PyExc_TypeError, "function expected at most %zd arguments, got %zd", max + 1, n + 1);
		return -1;
	}
	return 0;
}

/* ---- the port: the host the core runs on ---- */

static struct zble_py_stack *stack_of(struct zble_hci_driver *drv)
{
	return (struct zble_py_stack *)((char *)drv - offsetof(struct zble_py_stack, hci_seen));
}

static int seen_open(struct zble_hci_driver *drv, zble_hci_recv_t recv, void *recv_ctx)
{
	struct zble_py_stack *st = stack_of(drv);
	st->open_err = st->hci.drv.open(&st->hci.drv, recv, recv_ctx);
	return st->open_err;
}

static int seen_send(struct zble_hci_driver *drv, const uint8_t *pkt, size_t len)
{
	struct zble_py_stack *st = stack_of(drv);
	return st->hci.drv.send(&st->hci.drv, pkt, len);
}

static void seen_close(struct zble_hci_driver *drv)
{
	struct zble_py_stack *st = stack_of(drv);
	st->hci.drv.close(&st->hci.drv);
}

static int port_open(void *ctx, struct zble_host **host)
{
	struct zble_py_stack *st = ctx;
	memset(&st->kernel, 0, sizeof(st->kernel));
	memset(&st->hci, 0, sizeof(st->hci));
	memset(&st->host, 0, sizeof(st->host));
	if (zble_kernel_init(&st->kernel, NULL, NULL)) {
		return ZBLE_MP_EIO;
	}
	zble_port_set_current_kernel(&st->kernel);
	struct zble_h4_posix_config cfg = { .spec = st->spec, .rx_mode = ZBLE_H4_RX_THREAD };
	int err = zble_h4_posix_init(&st->hci, &cfg);
	st->hci_seen = (struct zble_hci_driver){
		.name = st->hci.drv.name, .open = seen_open, .send = seen_send, .close = seen_close
	};
	st->open_err = 0;
	if (!err) {
		err = zble_host_init(&st->host, &st->kernel, &st->hci_seen);
	}
	if (err) {
		zble_kernel_deinit(&st->kernel);
		return err == -ENAMETOOLONG ? ZBLE_MP_EINVAL : (err < 0 ? -err : ZBLE_MP_EIO);
	}
	*host = &st->host;
	return 0;
}

static void port_close(void *ctx, struct zble_host *host)
{
	struct zble_py_stack *st = ctx;
	zble_host_deinit(host);
	zble_kernel_deinit(&st->kernel);
}

PyObject *zble_py_events_busy(PyObject *module, PyObject *unused)
{
	(void)module;
	(void)unused;
	const zble_py_ble *self = (const zble_py_ble *)the_ble;
	return PyBool_FromLong(self && __atomic_load_n(&self->st->events_busy, __ATOMIC_SEQ_CST) > 0);
}

static const struct zble_mp_port py_port = {
	.open = port_open,
	.close = port_close,
	.irq = zble_py_on_event,
	.irq_batch = zble_py_on_batch,
};

/* ---- BLE() ---- */

static PyObject *ble_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
	(void)args;
	(void)kwargs;
	if (the_ble) {
		return Py_NewRef(the_ble);
	}
	zble_py_ble *self = (zble_py_ble *)type->tp_alloc(type, 0);
	if (!self) {
		return NULL;
	}
	self->st = PyMem_RawCalloc(1, sizeof(*self->st));
	if (!self->st) {
		Py_DECREF(self);
		return PyErr_NoMemory();
	}
	self->st->owner = self;
	self->handler = Py_NewRef(Py_None);
	pthread_rwlock_init(&self->life, NULL);
	if (zble_mp_init(&self->st->mp, &py_port, self->st, self->st->arena, sizeof(self->st->arena))) {
		PyErr_SetString(PyExc_RuntimeError, "zble: core init failed");
		Py_DECREF(self);
		return NULL;
	}
	the_ble = (PyObject *)self; /* kept for the process's life */
	return Py_NewRef(the_ble);
}

/* The controller of this activation, from _zble_controller.open_spec():
 * the spec goes to st->spec; *keep is what to close once the transport is
 * open (or None). */
static int choose_controller(zble_py_ble *self, PyObject **keep)
{
	PyObject *res = NULL, *mod = PyImport_ImportModule("_zble_controller");
	if (mod) {
		res = PyObject_CallMethod(mod, "open_spec", NULL);
		Py_DECREF(mod);
	}
	if (!res) {
		return -1;
	}
	const char *spec;
	if (!PyArg_ParseTuple(res, "sO", &spec, keep)) {
		Py_DECREF(res);
		return -1;
	}
	Py_INCREF(*keep);
	/* Parse it now for a clear error (the core would only say EINVAL). */
	struct zble_h4_posix probe;
	struct zble_h4_posix_config cfg = { .spec = spec, .rx_mode = ZBLE_H4_RX_THREAD };
	if (strlen(spec) >= sizeof(self->st->spec) || zble_h4_posix_init(&probe, &cfg)) {
		PyObject *e = PyUnicode_FromFormat("zble: bad controller spec %R (ZBLE_HCI takes unix:PATH, "
						   "tcp:HOST:PORT, tty:PATH[,BAUD][,crtscts], userchan:N)",
						   PyTuple_GET_ITEM(res, 0));
		if (e) {
			PyObject *exc = PyObject_CallFunction(PyExc_OSError, "iO", EINVAL, e);
			if (exc) {
				PyErr_SetObject(PyExc_OSError, exc);
				Py_DECREF(exc);
			}
			Py_DECREF(e);
		}
		Py_DECREF(res);
		Py_CLEAR(*keep);
		return -1;
	}
	snprintf(self->st->spec, sizeof(self->st->spec), "%s", spec);
	Py_DECREF(res);
	return 0;
}

static int set_active(zble_py_ble *self, bool on)
{
	PyObject *keep = NULL;
	PyThreadState *ts;
	int rc;
	if (zble_py_in_event()) {
		/* The core refuses at once (EBUSY). The lifecycle lock must not
		 * be waited for here: an active(False) may be waiting for us. */
		ts = PyEval_SaveThread();
		rc = zble_mp_active(&self->st->mp, on);
		PyEval_RestoreThread(ts);
		return rc;
	}
	if (on && choose_controller(self, &keep)) {
		return -1;
	}
	ts = PyEval_SaveThread();
	pthread_rwlock_wrlock(&self->life);
	/* EBUSY here (not in an event, not a host thread) means the host
	 * thread is inside an event right now: the core counts events, not
	 * which thread runs them. Wait for it to end, as a lock would. */
	while ((rc = zble_mp_active(&self->st->mp, on)) == ZBLE_MP_EBUSY) {
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	pthread_rwlock_unlock(&self->life);
	PyEval_RestoreThread(ts);
	if (keep && keep != Py_None) {
		/* The transport holds its own duplicate of the descriptor. */
		PyObject *r = PyObject_CallMethod(keep, "close", NULL);
		Py_XDECREF(r);
		PyErr_Clear();
	}
	Py_XDECREF(keep);
	return rc;
}

/* active(True) could not open the transport: OSError(errno) naming it. */
static PyObject *raise_open_error(const struct zble_py_stack *st)
{
	int err = -st->open_err;
	const char *why = strncmp(st->spec, "userchan:", 9) ? strerror(err) : zble_userchan_strerror(st->open_err);
	PyObject *msg = PyUnicode_FromFormat("zble: cannot open the controller %s: %s", st->spec, why);
	if (msg) {
		PyObject *exc = PyObject_CallFunction(PyExc_OSError, "iO", err, msg);
		if (exc) {
			PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
			Py_DECREF(exc);
		}
		Py_DECREF(msg);
	}
	return NULL;
}

static PyObject *ble_active(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	if (zble_py_nargs("active", nargs, 0, 1)) {
		return NULL;
	}
	if (nargs == 1) {
		int on = PyObject_IsTrue(args[0]);
		if (on < 0) {
			return NULL;
		}
		int rc = set_active(self, on);
		if (rc < 0) {
			return NULL;
		}
		if (rc && on && self->st->open_err) {
			return raise_open_error(self->st);
		}
		if (rc) {
			return zble_py_raise_errno(rc);
		}
	}
	struct zble_py_call c = zble_py_call_begin(self);
	bool active = zble_mp_is_active(&self->st->mp);
	zble_py_call_end(self, c);
	return PyBool_FromLong(active);
}

static PyObject *ble_irq(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	if (zble_py_nargs("irq", nargs, 1, 1)) {
		return NULL;
	}
	if (args[0] != Py_None && !PyCallable_Check(args[0])) {
		PyErr_SetString(PyExc_ValueError, "invalid handler");
		return NULL;
	}
	Py_SETREF(self->handler, Py_NewRef(args[0]));
	Py_RETURN_NONE;
}

/* At interpreter exit, before finalisation: stop the host, so that no
 * event thread tries to take the GIL of a dying interpreter (MicroPython
 * deinits on exit too). */
PyObject *zble_py_shutdown(PyObject *module, PyObject *unused)
{
	(void)module;
	(void)unused;
	if (the_ble) {
		zble_py_ble *self = (zble_py_ble *)the_ble;
		Py_CLEAR(self->handler);
		self->handler = Py_NewRef(Py_None);
		int rc = set_active(self, false);
		if (rc < 0) {
			PyErr_Clear();
		}
	}
	Py_RETURN_NONE;
}

#define FAST(name, fn) { name, (PyCFunction)(void (*)(void))(fn), METH_FASTCALL, NULL }
#define FAST_KW(name, fn) { name, (PyCFunction)(void (*)(void))(fn), METH_FASTCALL | METH_KEYWORDS, NULL }

static PyMethodDef ble_methods[] = {
	FAST("active", ble_active),
	FAST_KW("config", zble_py_config),
	FAST("irq", ble_irq),
	FAST_KW("gap_advertise", zble_py_gap_advertise),
	FAST("gap_scan", zble_py_gap_scan),
	FAST("gap_connect", zble_py_gap_connect),
	FAST("gap_disconnect", zble_py_gap_disconnect),
	FAST("gap_pair", zble_py_gap_pair),
	FAST("gap_passkey", zble_py_gap_passkey),
	FAST("gatts_register_services", zble_py_gatts_register_services),
	FAST("gatts_read", zble_py_gatts_read),
	FAST("gatts_write", zble_py_gatts_write),
	FAST("gatts_notify", zble_py_gatts_notify),
	FAST("gatts_indicate", zble_py_gatts_indicate),
	FAST("gatts_set_buffer", zble_py_gatts_set_buffer),
	FAST("gattc_discover_services", zble_py_gattc_discover_services),
	FAST("gattc_discover_characteristics", zble_py_gattc_discover_characteristics),
	FAST("gattc_discover_descriptors", zble_py_gattc_discover_descriptors),
	FAST("gattc_read", zble_py_gattc_read),
	FAST("gattc_write", zble_py_gattc_write),
	FAST("gattc_exchange_mtu", zble_py_gattc_exchange_mtu),
	FAST("l2cap_listen", zble_py_l2cap_listen),
	FAST("l2cap_connect", zble_py_l2cap_connect),
	FAST("l2cap_disconnect", zble_py_l2cap_disconnect),
	FAST("l2cap_send", zble_py_l2cap_send),
	FAST("l2cap_recvinto", zble_py_l2cap_recvinto),
	FAST("hci_cmd", zble_py_hci_cmd),
	{ NULL, NULL, 0, NULL },
};

PyTypeObject zble_py_ble_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "bluetooth.BLE",
	.tp_basicsize = sizeof(zble_py_ble),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "BLE(): the Bluetooth Low Energy interface (a singleton)",
	.tp_new = ble_new,
	.tp_methods = ble_methods,
};
