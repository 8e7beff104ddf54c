/* BLE.gap_*: advertising, scanning, connections, pairing. */
#include "zble_py.h"

#include <string.h>

/* A buffer argument that may be None (NULL pointer: "keep the previous"). */
struct opt_buf {
	Py_buffer view;
	bool given;
};

static int opt_buf_get(PyObject *obj, struct opt_buf *b)
{
	b->given = false;
	if (!obj || obj == Py_None) {
		return 0;
	}
	if (zble_py_buffer(obj, &b->view, PyBUF_SIMPLE)) {
		return -1;
	}
	b->given = true;
	return 0;
}

static const uint8_t *opt_buf_ptr(const struct opt_buf *b)
{
	/* A given empty buffer is "clear it": never NULL. */
	return !b->given ? NULL : b->view.buf ? (const uint8_t *)b->view.buf : (const uint8_t *)"";
}

static void opt_buf_release(struct opt_buf *b)
{
	if (b->given) {
		zble_py_buffer_release(&b->view);
		b->given = false;
	}
}

/* gap_advertise(interval_us=500000, adv_data=None, *, resp_data=None,
 *               connectable=True) */
PyObject *zble_py_gap_advertise(PyObject *obj, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
	static const char *const names[] = { "interval_us", "adv_data", "resp_data", "connectable" };
	zble_py_ble *self = (zble_py_ble *)obj;
	PyObject *val[4] = { NULL, NULL, NULL, NULL };
	if (nargs > 2) {
		PyErr_SetString(PyExc_TypeError, "extra positional arguments given");
		return NULL;
	}
	for (Py_ssize_t i = 0; i < nargs; i++) {
		val[i] = args[i];
	}
	Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
	for (Py_ssize_t i = 0; i < nkw; i++) {
		const char *k = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, i));
		if (!k) {
			return NULL;
		}
		int j = 0;
		while (j < 4 && strcmp(k, names[j])) {
			j++;
		}
		if (j == 4) {
			PyErr_Format(PyExc_TypeError, "unexpected keyword argument '%s'", k);
			return NULL;
		}
		if (val[j]) {
			PyErr_Format(PyExc_TypeError, "argument '%s' given twice", k);
			return NULL;
		}
		val[j] = args[nargs + i];
	}

	struct zble_py_call c;
	int rc;
	if (val[0] == Py_None) {
		c = zble_py_call_begin(self);
		rc = zble_mp_gap_advertise_stop(&self->st->mp);
		zble_py_call_end(self, c);
		return zble_py_result(rc);
	}
	long interval_us = 500000;
	if (val[0] && zble_py_int(val[0], &interval_us)) {
		return NULL;
	}
	int connectable = val[3] ? PyObject_IsTrue(val[3]) : 1;
	if (connectable < 0) {
		return NULL;
	}
	struct opt_buf adv, sr;
	if (opt_buf_get(val[1], &adv)) {
		return NULL;
	}
	if (opt_buf_get(val[2], &sr)) {
		opt_buf_release(&adv);
		return NULL;
	}
	c = zble_py_call_begin(self);
	rc = zble_mp_gap_advertise_start(&self->st->mp, connectable, (int32_t)interval_us, opt_buf_ptr(&adv),
					 adv.given ? (size_t)adv.view.len : 0, opt_buf_ptr(&sr),
					 sr.given ? (size_t)sr.view.len : 0);
	zble_py_call_end(self, c);
	opt_buf_release(&adv);
	opt_buf_release(&sr);
	return zble_py_result(rc);
}

/* gap_scan(duration_ms=0, interval_us=1280000, window_us=11250,
 *          active=False, /); gap_scan(None) stops. */
PyObject *zble_py_gap_scan(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long duration_ms = 0, interval_us = 1280000, window_us = 11250;
	int active = 0;
	struct zble_py_call c;
	int rc;
	if (zble_py_nargs("gap_scan", nargs, 0, 4)) {
		return NULL;
	}
	if (nargs >= 1 && args[0] == Py_None) {
		c = zble_py_call_begin(self);
		rc = zble_mp_gap_scan_stop(&self->st->mp);
		zble_py_call_end(self, c);
		return zble_py_result(rc);
	}
	if ((nargs >= 1 && zble_py_int(args[0], &duration_ms)) || (nargs >= 2 && zble_py_int(args[1], &interval_us)) ||
	    (nargs >= 3 && zble_py_int(args[2], &window_us))) {
		return NULL;
	}
	if (nargs >= 4 && (active = PyObject_IsTrue(args[3])) < 0) {
		return NULL;
	}
	c = zble_py_call_begin(self);
	rc = zble_mp_gap_scan_start(&self->st->mp, (int32_t)duration_ms, (int32_t)interval_us, (int32_t)window_us,
				    active);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}

/* gap_connect(addr_type, addr, scan_duration_ms=2000,
 *             min_conn_interval_us=None, max_conn_interval_us=None, /);
 * gap_connect(None) cancels. */
PyObject *zble_py_gap_connect(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	struct zble_py_call c;
	int rc;
	if (zble_py_nargs("gap_connect", nargs, 1, 5)) {
		return NULL;
	}
	if (nargs == 1) {
		if (args[0] != Py_None) {
			PyErr_SetString(PyExc_TypeError, "invalid addr");
			return NULL;
		}
		c = zble_py_call_begin(self);
		rc = zble_mp_gap_connect_cancel(&self->st->mp);
		zble_py_call_end(self, c);
		return zble_py_result(rc);
	}
	long addr_type, duration_ms = 2000, min_us = 0, max_us = 0;
	if (zble_py_int(args[0], &addr_type)) {
		return NULL;
	}
	if ((nargs >= 3 && args[2] != Py_None && zble_py_int(args[2], &duration_ms)) ||
	    (nargs >= 4 && args[3] != Py_None && zble_py_int(args[3], &min_us)) ||
	    (nargs >= 5 && args[4] != Py_None && zble_py_int(args[4], &max_us))) {
		return NULL;
	}
	Py_buffer addr;
	if (zble_py_buffer(args[1], &addr, PyBUF_SIMPLE)) {
		return NULL;
	}
	if (addr.len != 6) {
		zble_py_buffer_release(&addr);
		PyErr_SetString(PyExc_ValueError, "invalid addr");
		return NULL;
	}
	uint8_t a[6];
	memcpy(a, addr.buf, 6);
	zble_py_buffer_release(&addr);
	c = zble_py_call_begin(self);
	rc = zble_mp_gap_connect(&self->st->mp, (uint8_t)addr_type, a, (int32_t)duration_ms, (int32_t)min_us,
				 (int32_t)max_us);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}

/* gap_disconnect(conn_handle) -> True, or False when not connected. */
PyObject *zble_py_gap_disconnect(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long conn;
	if (zble_py_nargs("gap_disconnect", nargs, 1, 1) || zble_py_int(args[0], &conn)) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gap_disconnect(&self->st->mp, (uint16_t)conn);
	zble_py_call_end(self, c);
	if (rc == ZBLE_MP_ENOTCONN) {
		Py_RETURN_FALSE;
	}
	if (rc) {
		return zble_py_raise_errno(rc);
	}
	Py_RETURN_TRUE;
}

PyObject *zble_py_gap_pair(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long conn;
	if (zble_py_nargs("gap_pair", nargs, 1, 1) || zble_py_int(args[0], &conn)) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gap_pair(&self->st->mp, (uint16_t)conn);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}

/* gap_passkey(conn_handle, action, passkey, /) */
PyObject *zble_py_gap_passkey(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long conn, action, passkey;
	if (zble_py_nargs("gap_passkey", nargs, 3, 3) || zble_py_int(args[0], &conn) ||
	    zble_py_int(args[1], &action) || zble_py_int(args[2], &passkey)) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gap_passkey(&self->st->mp, (uint16_t)conn, (uint8_t)action, (int32_t)passkey);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}
