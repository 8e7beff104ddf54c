/* bluetooth.UUID: MicroPython's semantics.
 *   UUID(0x2a00)                 16-bit (an int above 65535: ValueError)
 *   UUID(b'\x00\x2a')            a 2, 4 or 16-byte buffer, little-endian
 *   UUID('6e400001-b5a3-...')    128-bit text, dashes ignored
 * A str goes through the same rules as its bytes (MicroPython's str has the
 * buffer protocol, so a 4-character str is a 4-byte UUID there too).
 * Hashable, ordered (same size: the little-endian bytes compared in order;
 * different sizes: by size), read-only buffer of the little-endian bytes. */
#include "zble_py.h"

#include <string.h>

PyObject *zble_py_uuid_new(const struct zble_mp_uuid *u)
{
	zble_py_uuid *self = PyObject_New(zble_py_uuid, &zble_py_uuid_type);
	if (self) {
		self->u = *u;
	}
	return (PyObject *)self;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Text, most significant digit first, into little-endian bytes. */
static int parse_text(const char *s, Py_ssize_t len, struct zble_mp_uuid *u)
{
	int digits = 0;
	u->type = 16;
	memset(u->data, 0, sizeof(u->data));
	for (Py_ssize_t i = 0; i < len; i++) {
		if (s[i] == '-') {
			continue;
		}
		int v = hex_value(s[i]);
		if (v < 0) {
			PyErr_SetString(PyExc_ValueError, "invalid char in UUID");
			return -1;
		}
		if (digits == 32) {
			PyErr_SetString(PyExc_ValueError, "UUID too long");
			return -1;
		}
		int pos = 31 - digits++; /* nibble index from the least significant */
		u->data[pos / 2] |= (uint8_t)(pos % 2 ? v << 4 : v);
	}
	if (digits < 32) {
		PyErr_SetString(PyExc_ValueError, "UUID too short");
		return -1;
	}
	return 0;
}

static int from_int(PyObject *arg, struct zble_mp_uuid *u)
{
	int overflow = 0;
	long long v = PyLong_AsLongLongAndOverflow(arg, &overflow);
	if (v == -1 && PyErr_Occurred()) {
		return -1;
	}
	if (overflow || v < 0 || v > 0xffff) {
		PyErr_SetString(PyExc_ValueError, "invalid UUID");
		return -1;
	}
	u->type = 2;
	u->data[0] = (uint8_t)(v & 0xff);
	u->data[1] = (uint8_t)(v >> 8);
	return 0;
}

static PyObject *uuid_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
	PyObject *arg;
	if (kwargs && PyDict_GET_SIZE(kwargs)) {
		PyErr_SetString(PyExc_TypeError, "function doesn't take keyword arguments");
		return NULL;
	}
	if (PyTuple_GET_SIZE(args) != 1) {
		PyErr_Format(PyExc_TypeError, "function takes 1 positional arguments but %zd were given",
			     PyTuple_GET_SIZE(args));
		return NULL;
	}
	arg = PyTuple_GET_ITEM(args, 0);
	struct zble_mp_uuid u = { 0 };
	if (PyLong_Check(arg) && !PyBool_Check(arg)) {
		if (from_int(arg, &u)) {
			return NULL;
		}
	} else {
		Py_buffer view;
		if (zble_py_buffer(arg, &view, PyBUF_SIMPLE)) {
			return NULL;
		}
		int err = 0;
		if (view.len == 2 || view.len == 4 || view.len == 16) {
			u.type = (uint8_t)view.len;
			memcpy(u.data, view.buf, (size_t)view.len);
		} else {
			err = parse_text(view.buf, view.len, &u);
		}
		zble_py_buffer_release(&view);
		if (err) {
			return NULL;
		}
	}
	zble_py_uuid *self = (zble_py_uuid *)type->tp_alloc(type, 0);
	if (self) {
		self->u = u;
	}
	return (PyObject *)self;
}

static PyObject *uuid_repr(PyObject *obj)
{
	const struct zble_mp_uuid *u = &((zble_py_uuid *)obj)->u;
	char s[64];
	size_t n = 0;
	bool text = u->type == 16;
	n += (size_t)snprintf(s + n, sizeof(s) - n, "UUID(%s", text ? "'" : "0x");
	for (int i = 0; i < u->type; i++) {
		if (text && (i == 4 || i == 6 || i == 8 || i == 10)) {
			s[n++] = '-';
		}
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%02x", u->data[u->type - 1 - i]);
	}
	snprintf(s + n, sizeof(s) - n, "%s)", text ? "'" : "");
	return PyUnicode_FromString(s);
}

static Py_hash_t uuid_hash(PyObject *obj)
{
	const struct zble_mp_uuid *u = &((zble_py_uuid *)obj)->u;
	PyObject *b = PyBytes_FromStringAndSize((const char *)u->data, u->type);
	if (!b) {
		return -1;
	}
	Py_hash_t h = PyObject_Hash(b);
	Py_DECREF(b);
	return h;
}

static PyObject *uuid_richcompare(PyObject *a, PyObject *b, int op)
{
	if (!zble_py_is_uuid(a) || !zble_py_is_uuid(b)) {
		Py_RETURN_NOTIMPLEMENTED;
	}
	const struct zble_mp_uuid *ua = &((zble_py_uuid *)a)->u, *ub = &((zble_py_uuid *)b)->u;
	int c = ua->type == ub->type ? memcmp(ua->data, ub->data, ua->type) : (int)ua->type - (int)ub->type;
	Py_RETURN_RICHCOMPARE(c, 0, op);
}

static int uuid_getbuffer(PyObject *obj, Py_buffer *view, int flags)
{
	zble_py_uuid *self = (zble_py_uuid *)obj;
	return PyBuffer_FillInfo(view, obj, self->u.data, self->u.type, 1, flags);
}

static PyBufferProcs uuid_as_buffer = {
	.bf_getbuffer = uuid_getbuffer,
};

PyTypeObject zble_py_uuid_type = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "bluetooth.UUID",
	.tp_basicsize = sizeof(zble_py_uuid),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "UUID(value): a 16-bit int, a 2/4/16-byte little-endian buffer, or 128-bit text",
	.tp_new = uuid_new,
	.tp_repr = uuid_repr,
	.tp_hash = uuid_hash,
	.tp_richcompare = uuid_richcompare,
	.tp_as_buffer = &uuid_as_buffer,
};
