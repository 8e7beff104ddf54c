/* BLE.config('param') / BLE.config(key=value, ...), with MicroPython's
 * rules: a query takes exactly one name ("must query one param"), a set
 * takes only keywords ("can't specify pos and kw args"), an unknown name is
 * ValueError("unknown config param"). This is a sync-events build, so
 * rxbuf is unknown as well (MicroPython's sync builds say the same). */
#include "zble_py.h"

#include <string.h>

static PyObject *unknown(void)
{
	PyErr_SetString(PyExc_ValueError, "unknown config param");
	return NULL;
}

static PyObject *query(zble_py_ble *self, PyObject *name)
{
	if (!PyUnicode_Check(name)) {
		PyErr_Format(PyExc_TypeError, "can't convert '%s' object to str implicitly", Py_TYPE(name)->tp_name);
		return NULL;
	}
	const char *key = PyUnicode_AsUTF8(name);
	if (!key) {
		return NULL;
	}
	struct zble_mp *mp = &self->st->mp;
	struct zble_py_call c;
	int rc;
	if (!strcmp(key, "gap_name")) {
		uint8_t copy[ZBLE_MP_GAP_NAME_MAX + 1];
		const uint8_t *name_buf;
		size_t len;
		c = zble_py_call_begin(self);
		zble_mp_get_gap_name(mp, &name_buf, &len);
		len = len < sizeof(copy) ? len : sizeof(copy);
		memcpy(copy, name_buf, len);
		zble_py_call_end(self, c);
		return PyBytes_FromStringAndSize((const char *)copy, (Py_ssize_t)len);
	}
	if (!strcmp(key, "mac")) {
		uint8_t type = 0, addr[6] = { 0 };
		c = zble_py_call_begin(self);
		rc = zble_mp_get_mac(mp, &type, addr);
		zble_py_call_end(self, c);
		if (rc) {
			return zble_py_raise_errno(rc);
		}
		return Py_BuildValue("(iy#)", type, (const char *)addr, (Py_ssize_t)6);
	}
	if (!strcmp(key, "mtu")) {
		uint16_t mtu = 0;
		c = zble_py_call_begin(self);
		rc = zble_mp_get_mtu(mp, &mtu);
		zble_py_call_end(self, c);
		if (rc) {
			return zble_py_raise_errno(rc);
		}
		return PyLong_FromLong(mtu);
	}
	return unknown();
}

/* One key=value; 0, or -1 with an exception set. */
static int set_one(zble_py_ble *self, const char *key, PyObject *value)
{
	struct zble_mp *mp = &self->st->mp;
	struct zble_py_call c;
	int rc = 0;
	long v = 0;
	if (!strcmp(key, "gap_name")) {
		Py_buffer view;
		if (zble_py_buffer(value, &view, PyBUF_SIMPLE)) {
			return -1;
		}
		c = zble_py_call_begin(self);
		rc = zble_mp_set_gap_name(mp, view.buf, (size_t)view.len);
		zble_py_call_end(self, c);
		zble_py_buffer_release(&view);
	} else if (!strcmp(key, "mtu") || !strcmp(key, "addr_mode") || !strcmp(key, "io")) {
		if (zble_py_int(value, &v)) {
			return -1;
		}
		bool fits = v >= 0 && v <= 0xffff;
		c = zble_py_call_begin(self);
		if (!strcmp(key, "mtu")) {
			rc = fits ? zble_mp_set_mtu(mp, (uint16_t)v) : ZBLE_MP_EINVAL;
		} else if (!strcmp(key, "addr_mode")) {
			rc = fits && v <= 0xff ? zble_mp_set_addr_mode(mp, (uint8_t)v) : ZBLE_MP_EINVAL;
		} else {
			rc = fits && v <= 0xff ? zble_mp_set_io(mp, (uint8_t)v) : ZBLE_MP_EINVAL;
		}
		zble_py_call_end(self, c);
	} else if (!strcmp(key, "bond") || !strcmp(key, "mitm") || !strcmp(key, "le_secure")) {
		int on = PyObject_IsTrue(value);
		if (on < 0) {
			return -1;
		}
		c = zble_py_call_begin(self);
		if (!strcmp(key, "bond")) {
			zble_mp_set_bond(mp, on);
		} else if (!strcmp(key, "mitm")) {
			zble_mp_set_mitm(mp, on);
		} else {
			zble_mp_set_le_secure(mp, on);
		}
		zble_py_call_end(self, c);
	} else {
		unknown();
		return -1;
	}
	if (rc) {
		zble_py_raise_errno(rc);
		return -1;
	}
	return 0;
}

PyObject *zble_py_config(PyObject *obj, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
	if (nkw == 0) {
		if (nargs != 1) {
			PyErr_SetString(PyExc_TypeError, "must query one param");
			return NULL;
		}
		return query(self, args[0]);
	}
	if (nargs != 0) {
		PyErr_SetString(PyExc_TypeError, "can't specify pos and kw args");
		return NULL;
	}
	for (Py_ssize_t i = 0; i < nkw; i++) {
		const char *key = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, i));
		if (!key || set_one(self, key, args[i])) {
			return NULL;
		}
	}
	Py_RETURN_NONE;
}
