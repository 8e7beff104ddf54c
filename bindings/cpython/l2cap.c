/* BLE.l2cap_* (credit-based channels) and BLE.hci_cmd. */
#include "zble_py.h"

/* MicroPython clamps an L2CAP MTU argument to 32..65535. */
static uint16_t clamp_mtu(long mtu)
{
	return (uint16_t)(mtu < 32 ? 32 : mtu > 0xffff ? 0xffff : mtu);
}

/* l2cap_listen(psm, mtu, /) */
PyObject *zble_py_l2cap_listen(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long psm, mtu;
	if (zble_py_nargs("l2cap_listen", nargs, 2, 2) || zble_py_int(args[0], &psm) || zble_py_int(args[1], &mtu)) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_l2cap_listen(&self->st->mp, (uint16_t)psm, clamp_mtu(mtu));
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}

/* l2cap_connect(conn_handle, psm, mtu, /) */
PyObject *zble_py_l2cap_connect(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long conn, psm, mtu;
	if (zble_py_nargs("l2cap_connect", nargs, 3, 3) || zble_py_int(args[0], &conn) ||
	    zble_py_int(args[1], &psm) || zble_py_int(args[2], &mtu)) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_l2cap_connect(&self->st->mp, (uint16_t)conn, (uint16_t)psm, clamp_mtu(mtu));
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}

/* l2cap_disconnect(conn_handle, cid, /) */
PyObject *zble_py_l2cap_disconnect(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long conn, cid;
	if (zble_py_nargs("l2cap_disconnect", nargs, 2, 2) || zble_py_int(args[0], &conn) ||
	    zble_py_int(args[1], &cid)) {
		return NULL;
	}
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_l2cap_disconnect(&self->st->mp, (uint16_t)conn, (uint16_t)cid);
	zble_py_call_end(self, c);
	return zble_py_result(rc);
}

/* l2cap_send(conn_handle, cid, buf, /) -> True: may send again now. */
PyObject *zble_py_l2cap_send(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long conn, cid;
	if (zble_py_nargs("l2cap_send", nargs, 3, 3) || zble_py_int(args[0], &conn) || zble_py_int(args[1], &cid)) {
		return NULL;
	}
	Py_buffer data;
	if (zble_py_buffer(args[2], &data, PyBUF_SIMPLE)) {
		return NULL;
	}
	bool stalled = false;
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_l2cap_send(&self->st->mp, (uint16_t)conn, (uint16_t)cid, data.buf, (size_t)data.len,
				    &stalled);
	zble_py_call_end(self, c);
	zble_py_buffer_release(&data);
	if (rc) {
		return zble_py_raise_errno(rc);
	}
	return PyBool_FromLong(!stalled);
}

/* l2cap_recvinto(conn_handle, cid, buf, /) -> bytes copied; buf None:
 * bytes available. */
PyObject *zble_py_l2cap_recvinto(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long conn, cid;
	if (zble_py_nargs("l2cap_recvinto", nargs, 3, 3) || zble_py_int(args[0], &conn) ||
	    zble_py_int(args[1], &cid)) {
		return NULL;
	}
	Py_buffer buf = { .buf = NULL, .len = 0 };
	bool given = args[2] != Py_None;
	if (given && zble_py_buffer(args[2], &buf, PyBUF_WRITABLE)) {
		return NULL;
	}
	size_t len = (size_t)buf.len;
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = zble_mp_l2cap_recvinto(&self->st->mp, (uint16_t)conn, (uint16_t)cid, given ? buf.buf : NULL, &len);
	zble_py_call_end(self, c);
	if (given) {
		zble_py_buffer_release(&buf);
	}
	if (rc) {
		return zble_py_raise_errno(rc);
	}
	return PyLong_FromSize_t(len);
}

/* hci_cmd(ogf, ocf, request, response, /) -> the controller's status; the
 * return parameters after the status go into response. */
PyObject *zble_py_hci_cmd(PyObject *obj, PyObject *const *args, Py_ssize_t nargs)
{
	zble_py_ble *self = (zble_py_ble *)obj;
	long ogf, ocf;
	if (zble_py_nargs("hci_cmd", nargs, 4, 4) || zble_py_int(args[0], &ogf) || zble_py_int(args[1], &ocf)) {
		return NULL;
	}
	Py_buffer req, resp;
	if (zble_py_buffer(args[2], &req, PyBUF_SIMPLE)) {
		return NULL;
	}
	if (zble_py_buffer(args[3], &resp, PyBUF_WRITABLE)) {
		zble_py_buffer_release(&req);
		return NULL;
	}
	uint8_t status = 0;
	size_t got = 0;
	bool fits = ogf >= 0 && ogf <= 0xffff && ocf >= 0 && ocf <= 0xffff;
	struct zble_py_call c = zble_py_call_begin(self);
	int rc = fits ? zble_mp_hci_cmd(&self->st->mp, (uint16_t)ogf, (uint16_t)ocf, req.buf, (size_t)req.len,
					resp.buf, (size_t)resp.len, &got, &status)
		      : ZBLE_MP_EINVAL;
	zble_py_call_end(self, c);
	zble_py_buffer_release(&req);
	zble_py_buffer_release(&resp);
	if (rc) {
		return zble_py_raise_errno(rc);
	}
	return PyLong_FromLong(status);
}
