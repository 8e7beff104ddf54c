/* BLE.gatts_*: the GATT server. gatts_register_services converts the
 * definition (MicroPython's shape and errors) into the core's flat arrays;
 * the core decides the handle layout. */
#include "zble_py.h"

#include <string.h>

/* One service of the definition, as the core takes it. */
struct svc {
	struct zble_mp_uuid uuid;
	Py_ssize_t n_chrs, n_dscs;
	struct zble_mp_uuid *chr_uuids, *dsc_uuids;
	uint16_t *chr_flags, *dsc_flags;
	uint8_t *num_dscs;
	uint16_t *handles; /* n_chrs + n_dscs */
};

static void svc_free(struct svc *s)
{
	PyMem_Free(s->chr_uuids);
	PyMem_Free(s->dsc_uuids);
	PyMem_Free(s->chr_flags);
	PyMem_Free(s->dsc_flags);
	PyMem_Free(s->num_dscs);
	PyMem_Free(s->handles);
	memset(s, 0, sizeof(*s));
}

/* MicroPython's mp_obj_get_array_fixed_n / mp_obj_get_array: a tuple or a
 * list (of n items unless n < 0). Returns a new reference to a sequence. */
static PyObject *tuple_or_list(PyObject *obj, Py_ssize_t n)
{
	if (!PyTuple_Check(obj) && !PyList_Check(obj)) {
		PyErr_Format(PyExc_TypeError, "object '%s' isn't a tuple or list", Py_TYPE(obj)->tp_name);
		return NULL;
	}
	PyObject *seq = PySequence_Fast(obj, "");
	if (seq && n >= 0 && PySequence_Fast_GET_SIZE(seq) != n) {
		Py_DECREF(seq);
		PyErr_SetString(PyExc_ValueError, "tuple/list has wrong length");
		return NULL;
	}
	return seq;
}

static int get_u16(PyObject *obj, uint16_t *out)
{
	long v;
	if (zble_py_int(obj, &v)) {
		return -1;
	}
	*out = (uint16_t)v; /* as MicroPython: flags are 16 bits */
	return 0;
}

/* Appends the descriptors of one characteristic. */
static int parse_descriptors(PyObject *dscs, struct svc *s, Py_ssize_t ci)
{
	Py_ssize_t n = PyObject_Length(dscs);
	if (n < 0) {
		return -1;
	}
	if (n > 255) {
		PyErr_SetString(PyExc_ValueError, "too many descriptors");
		return -1;
	}
	Py_ssize_t total = s->n_dscs + n;
	if (n && (!PyMem_Resize(s->dsc_uuids, struct zble_mp_uuid, total) ||
		  !PyMem_Resize(s->dsc_flags, uint16_t, total))) {
		PyErr_NoMemory();
		return -1;
	}
	PyObject *it = PyObject_GetIter(dscs), *item;
	if (!it) {
		return -1;
	}
	Py_ssize_t got = 0;
	while ((item = PyIter_Next(it))) {
		PyObject *d = got < n ? tuple_or_list(item, 2) : NULL;
		Py_DECREF(item);
		if (!d) {
			if (!PyErr_Occurred()) {
				PyErr_SetString(PyExc_RuntimeError, "descriptors changed size during iteration");
			}
			Py_DECREF(it);
			return -1;
		}
		PyObject *uuid = PySequence_Fast_GET_ITEM(d, 0);
		if (!zble_py_is_uuid(uuid)) {
			PyErr_SetString(PyExc_ValueError, "invalid descriptor UUID");
		} else {
			s->dsc_uuids[s->n_dscs + got] = ((zble_py_uuid *)uuid)->u;
			get_u16(PySequence_Fast_GET_ITEM(d, 1), &s->dsc_flags[s->n_dscs + got]);
		}
		Py_DECREF(d);
		if (PyErr_Occurred()) {
			Py_DECREF(it);
			return -1;
		}
		got++;
	}
	Py_DECREF(it);
	if (PyErr_Occurred()) {
		return -1;
	}
	s->num_dscs[ci] = (uint8_t)got;
	s->n_dscs += got;
	return 0;
}

static int parse_service(PyObject *def, struct svc *s)
{
	PyObject *pair = tuple_or_list(def, 2);
	if (!pair) {
		return -1;
	}
	int rc = -1;
	PyObject *uuid = PySequence_Fast_GET_ITEM(pair, 0), *chrs = PySequence_Fast_GET_ITEM(pair, 1), *it = NULL;
	if (!zble_py_is_uuid(uuid)) {
		PyErr_SetString(PyExc_ValueError, "invalid service UUID");
		goto out;
	}
	s->uuid = ((zble_py_uuid *)uuid)->u;
	Py_ssize_t n = PyObject_Length(chrs);
	if (n < 0) {
		goto out;
	}
	s->chr_uuids = PyMem_New(struct zble_mp_uuid, n ? n : 1);
	s->chr_flags = PyMem_New(uint16_t, n ? n : 1);
	s->num_dscs = PyMem_New(uint8_t, n ? n : 1);
	if (!s->chr_uuids || !s->chr_flags || !s->num_dscs) {
		PyErr_NoMemory();
		goto out;
	}
	it = PyObject_GetIter(chrs);
	if (!it) {
		goto out;
	}
	PyObject *item;
	while ((item = PyIter_Next(it))) {
		PyObject *c = s->n_chrs < n ? tuple_or_list(item, -1) : NULL;
		Py_DECREF(item);
		if (!c) {
			if (!PyErr_Occurred()) {
				PyErr_SetString(PyExc_RuntimeError, "characteristics changed size during iteration");
			}
			goto out;
		}
		Py_ssize_t len = PySequence_Fast_GET_SIZE(c);
		Py_ssize_t ci = s->n_chrs;
		s->num_dscs[ci] = 0;
		if (len < 2 || len > 3) {
			PyErr_SetString(PyExc_ValueError, "invalid characteristic tuple");
		} else if (!zble_py_is_uuid(PySequence_Fast_GET_ITEM(c, 0))) {
			PyErr_SetString(PyExc_ValueError, "invalid characteristic UUID");
		} else if (!(len == 3 && parse_descriptors(PySequence_Fast_GET_ITEM(c, 2), s, ci))) {
			s->chr_uuids[ci] = ((zble_py_uuid *)PySequence_Fast_GET_ITEM(c, 0))->u;
			get_u16(PySequence_Fast_GET_ITEM(c, 1), &s->chr_flags[ci]);
		}
		Py_DECREF(c);
		if (PyErr_Occurred()) {
			goto out;
		}
		s->n_chrs++;
	}
	if (PyErr_Occurred()) {
		goto out;
	}
	s->handles = PyMem_New(uint16_t, s->n_chrs + s->n_dscs + 1);
	if (!s->handles) {
		PyErr_NoMemory();
		goto out;
	}
	for (Py_ssize_t i = 0; i < s->n_chrs + s->n_dscs; i++) {
		s->handles[i] = 0xffff;
	}
	rc = 0;
out:
	Py_XDECREF(it);
	Py_DECREF(pair);
	return rc;
}

/* gatts_register_services(definition) -> ((value_handle, descriptor
 * handles..., ...), ...) per service. Replaces every user service. */
PyObject *zble_py_gatts_register_services(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	if (zble_py_nargs("gatts_register_services", nargs, 1, 1)) {
		return NULL;
	}
	Py_ssize_t n = PyObject_Length(args[0]);
	if (n < 0) {
		return NULL;
	}
	struct svc *svcs = PyMem_Calloc((size_t)(n ? n : 1), sizeof(*svcs));
	PyObject *it = svcs ? PyObject_GetIter(args[0]) : NULL, *item, *result = NULL;
	Py_ssize_t got = 0;
	if (!svcs) {
		return PyErr_NoMemory();
	}
	if (!it) {
		goto out;
	}
	while ((item = PyIter_Next(it))) {
		int err = got < n ? parse_service(item, &svcs[got]) : -1;
		Py_DECREF(item);
		if (err) {
			if (!PyErr_Occurred()) {
				PyErr_SetString(PyExc_RuntimeError, "services changed size during iteration");
			}
			goto out;
		}
		got++;
	}
	if (PyErr_Occurred()) {
		goto out;
	}

	struct zble_mp *mp = &self->st->mp;
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gatts_register_begin(mp, false);
	for (Py_ssize_t i = 0; i < got && !rc; i++) {
		struct svc *s = &svcs[i];
		rc = zble_mp_gatts_register_service(mp, &s->uuid, s->chr_uuids, s->chr_flags, s->dsc_uuids,
						    s->dsc_flags, s->num_dscs, (size_t)s->n_chrs, s->handles);
	}
	if (!rc) {
		rc = zble_mp_gatts_register_end(mp);
	}
	zble_py_call_end(self, c);
	if (rc) {
		zble_py_raise_errno(rc);
		goto out;
	}

	result = PyTuple_New(got);
	for (Py_ssize_t i = 0; result && i < got; i++) {
		struct svc *s = &svcs[i];
		PyObject *t = PyTuple_New(s->n_chrs + s->n_dscs);
		for (Py_ssize_t j = 0; t && j < s->n_chrs + s->n_dscs; j++) {
			PyObject *h = PyLong_FromLong(s->handles[j]);
			if (!h) {
				Py_CLEAR(t);
				break;
			}
			PyTuple_SET_ITEM(t, j, h);
		}
		if (!t) {
			Py_CLEAR(result);
			break;
		}
		PyTuple_SET_ITEM(result, i, t);
	}
out:
	Py_XDECREF(it);
	for (Py_ssize_t i = 0; i < n; i++) {
		svc_free(&svcs[i]);
	}
	PyMem_Free(svcs);
	return result;
}

/* gatts_read(value_handle) -> bytes; b'' on any error (MicroPython). */
PyObject *zble_py_gatts_read(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long h;
	if (zble_py_nargs("gatts_read", nargs, 1, 1) || zble_py_int(args[0], &h)) {
		return NULL;
	}
	uint8_t small[512];
	uint8_t *buf = small;
	size_t cap = sizeof(small), len = 0;
	for (;;) {
		struct zble_py_call c = zble_py_call_begin(self);
		int rc = zble_mp_gatts_read(&self->st->mp, (uint16_t)h, buf, cap, &len);
		zble_py_call_end(self, c);
		if (rc) {
			len = 0;
			break;
		}
		if (len <= cap) {
			break;
		}
		/* Larger than the buffer: nothing was consumed (append mode
		 * clears only after a whole copy); retry with room. */
		if (buf != small) {
			PyMem_Free(buf);
		}
		cap = len;
		buf = PyMem_Malloc(cap);
		if (!buf) {
			return PyErr_NoMemory();
		}
	}
	PyObject *r = PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)len);
	if (buf != small) {
		PyMem_Free(buf);
	}
	return r;
}

/* gatts_write(value_handle, data, send_update=False, /) -> len(data) */
PyObject *zble_py_gatts_write(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long h;
	int update = 0;
	if (zble_py_nargs("gatts_write", nargs, 2, 3)) {
		return NULL;
	}
	Py_buffer data;
	if (zble_py_buffer(args[1], &data, PyBUF_SIMPLE)) {
		return NULL;
	}
	if ((nargs == 3 && (update = PyObject_IsTrue(args[2])) < 0) || zble_py_int(args[0], &h)) {
		zble_py_buffer_release(&data);
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gatts_write(&self->st->mp, (uint16_t)h, data.buf, (size_t)data.len, update);
	zble_py_call_end(self, c);
	Py_ssize_t len = data.len;
	zble_py_buffer_release(&data);
	if (rc) {
		return zble_py_raise_errno(rc);
	}
	return PyLong_FromSsize_t(len);
}

static PyObject *notify_indicate(PyObject *obj, PyObject *const *args, Py_ssize_t nargs, int op, const char *name)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long conn, h;
	if (zble_py_nargs(name, nargs, 2, 3) || zble_py_int(args[0], &conn) || zble_py_int(args[1], &h)) {
		return NULL;
	}
	Py_buffer data = { .buf = NULL, .len = 0 };
	bool given = nargs == 3 && args[2] != Py_None;
	if (given && zble_py_buffer(args[2], &data, PyBUF_SIMPLE)) {
		return NULL;
	}
	const uint8_t *p = given ? (data.buf ? (const uint8_t *)data.buf : (const uint8_t *)"") : NULL;
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_gatts_notify_indicate(&self->st->mp, (uint16_t)conn, (uint16_t)h, op, p, (size_t)data.len);
	zble_py_call_end(self, c);
	if (given) {
		zble_py_buffer_release(&data);
	}
	return zble_py_result(rc);
}

/* gatts_notify(conn_handle, value_handle, data=None, /) */
PyObject *zble_py_gatts_notify(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	return notify_indicate(obj, args, nargs, ZBLE_MP_GATTS_OP_NOTIFY, "gatts_notify");
}

/* gatts_indicate(conn_handle, value_handle, data=None, /) */
PyObject *zble_py_gatts_indicate(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	return notify_indicate(obj, args, nargs, ZBLE_MP_GATTS_OP_INDICATE, "gatts_indicate");
}

/* gatts_set_buffer(value_handle, len, append=False, /) */
PyObject *zble_py_gatts_set_buffer(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long h, len;
	int append = 0;
	if (zble_py_nargs("gatts_set_buffer", nargs, 2, 3) || zble_py_int(args[0], &h) ||
	    zble_py_int(args[1], &len)) {
		return NULL;
	}
	if (nargs == 3 && (append = PyObject_IsTrue(args[2])) < 0) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = len < 0 ? ZBLE_MP_EINVAL : zble_mp_gatts_set_buffer(&self->st->mp, (uint16_t)h, (size_t)len, append);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}
