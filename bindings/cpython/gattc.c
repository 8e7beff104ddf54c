/* BLE.gattc_*: the GATT client. Results arrive as events. */
#include "zble_py.h"

/* A UUID filter argument: None or a bluetooth.UUID (TypeError "UUID"). */
static int uuid_arg(PyObject *obj, const struct zble_mp_uuid **out)
{
	*out = NULL;
	if (obj == Py_None) {
		return 0;
	}
	if (!zble_py_is_uuid(obj)) {
		PyErr_SetString(PyExc_TypeError, "UUID");
		return -1;
	}
	*out = &((zble_py_uuid *)obj)->u;
	return 0;
}

static int ints(PyObject *const *args, Py_ssize_t n, long *out)
{
	for (Py_ssize_t i = 0; i < n; i++) {
		if (zble_py_int(args[i], &out[i])) {
			return -1;
		}
	}
	return 0;
}

/* gattc_discover_services(conn_handle, uuid=None, /) */
PyObject *zble_py_gattc_discover_services(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long v[1];
	const struct zble_mp_uuid *uuid = NULL;
	if (zble_py_nargs("gattc_discover_services", nargs, 1, 2) || ints(args, 1, v) ||
	    (nargs == 2 && uuid_arg(args[1], &uuid))) {
		return NULL;
	}
	struct zble_mp_uuid copy;
	if (uuid) {
		copy = *uuid; /* the object may go away while the GIL is released */
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gattc_discover_services(&self->st->mp, (uint16_t)v[0], uuid ? &copy : NULL);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}

/* gattc_discover_characteristics(conn_handle, start_handle, end_handle,
 *                                uuid=None, /) */
PyObject *zble_py_gattc_discover_characteristics(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long v[3];
	const struct zble_mp_uuid *uuid = NULL;
	if (zble_py_nargs("gattc_discover_characteristics", nargs, 3, 4) || ints(args, 3, v) ||
	    (nargs == 4 && uuid_arg(args[3], &uuid))) {
		return NULL;
	}
	struct zble_mp_uuid copy;
	if (uuid) {
		copy = *uuid;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gattc_discover_characteristics(&self->st->mp, (uint16_t)v[0], (uint16_t)v[1],
							(uint16_t)v[2], uuid ? &copy : NULL);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}

/* gattc_discover_descriptors(conn_handle, start_handle, end_handle, /) */
PyObject *zble_py_gattc_discover_descriptors(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long v[3];
	if (zble_py_nargs("gattc_discover_descriptors", nargs, 3, 3) || ints(args, 3, v)) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gattc_discover_descriptors(&self->st->mp, (uint16_t)v[0], (uint16_t)v[1], (uint16_t)v[2]);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}

/* gattc_read(conn_handle, value_handle, /) */
PyObject *zble_py_gattc_read(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long v[2];
	if (zble_py_nargs("gattc_read", nargs, 2, 2) || ints(args, 2, v)) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gattc_read(&self->st->mp, (uint16_t)v[0], (uint16_t)v[1]);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}

/* gattc_write(conn_handle, value_handle, data, mode=0, /) */
PyObject *zble_py_gattc_write(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long v[2], mode = ZBLE_MP_WRITE_MODE_NO_RESPONSE;
	if (zble_py_nargs("gattc_write", nargs, 3, 4) || ints(args, 2, v) ||
	    (nargs == 4 && zble_py_int(args[3], &mode))) {
		return NULL;
	}
	Py_buffer data;
	if (zble_py_buffer(args[2], &data, PyBUF_SIMPLE)) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = mode < 0 ? ZBLE_MP_EINVAL
			  : zble_mp_gattc_write(&self->st->mp, (uint16_t)v[0], (uint16_t)v[1], data.buf,
						(size_t)data.len, (unsigned)mode);
	zble_py_call_end(self, c);
	zble_py_buffer_release(&data);
	return zble_py_result(rc);
}

/* gattc_exchange_mtu(conn_handle, /) */
PyObject *zble_py_gattc_exchange_mtu(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long v[1];
	if (zble_py_nargs("gattc_exchange_mtu", nargs, 1, 1) || ints(args, 1, v)) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gattc_exchange_mtu(&self->st->mp, (uint16_t)v[0]);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}
