/* The `bluetooth` module: BLE, UUID, the FLAG_* constants MicroPython
 * exports, and _schedule for micropython.schedule. Importing it adds
 * MicroPython's extra functions to `time` (_zble_time.install) and
 * registers the exit hook that stops the host before the interpreter goes. */
#include "zble_py.h"

/* micropython.schedule's engine: run func(arg) on the main thread at its
 * next bytecode boundary. */
static int run_scheduled(void *arg)
{
	PyObject *pair = arg;
	PyObject *r = PyObject_CallOneArg(PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1));
	Py_DECREF(pair);
	if (!r) {
		return -1; /* raised in the main thread, as MicroPython does */
	}
	Py_DECREF(r);
	return 0;
}

static PyObject *schedule(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
	(void)module;
	if (nargs != 2) {
		PyErr_Format(PyExc_TypeError, "function takes 2 positional arguments but %zd were given", nargs);
		return NULL;
	}
	PyObject *pair = PyTuple_Pack(2, args[0], args[1]);
	if (!pair) {
		return NULL;
	}
	if (Py_AddPendingCall(run_scheduled, pair) < 0) {
		Py_DECREF(pair);
		PyErr_SetString(PyExc_RuntimeError, "schedule queue full");
		return NULL;
	}
	Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
	{ "_schedule", (PyCFunction)(void (*)(void))schedule, METH_FASTCALL, "micropython.schedule's engine" },
	{ "_shutdown", zble_py_shutdown, METH_NOARGS, "stop the host (registered with atexit)" },
	{ "_events_busy", zble_py_events_busy, METH_NOARGS, "an event is being delivered (machine.idle waits)" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "bluetooth",
	.m_doc = "MicroPython's bluetooth module on zble (a BLE host in C)",
	.m_size = -1,
	.m_methods = module_methods,
};

/* module.attr(*args) for the side effects of import. */
static int call_in(const char *module, const char *attr, PyObject *arg)
{
	PyObject *m = PyImport_ImportModule(module);
	if (!m) {
		return -1;
	}
	PyObject *r = arg ? PyObject_CallMethod(m, attr, "O", arg) : PyObject_CallMethod(m, attr, NULL);
	Py_DECREF(m);
	if (!r) {
		return -1;
	}
	Py_DECREF(r);
	return 0;
}

PyMODINIT_FUNC PyInit_bluetooth(void);
PyMODINIT_FUNC PyInit_bluetooth(void)
{
	if (PyType_Ready(&zble_py_uuid_type) < 0 || PyType_Ready(&zble_py_ble_type) < 0) {
		return NULL;
	}
	PyObject *m = PyModule_Create(&module_def);
	if (!m) {
		return NULL;
	}
	if (PyModule_AddObjectRef(m, "BLE", (PyObject *)&zble_py_ble_type) < 0 ||
	    PyModule_AddObjectRef(m, "UUID", (PyObject *)&zble_py_uuid_type) < 0 ||
	    PyModule_AddIntConstant(m, "FLAG_READ", ZBLE_MP_FLAG_READ) < 0 ||
	    PyModule_AddIntConstant(m, "FLAG_WRITE", ZBLE_MP_FLAG_WRITE) < 0 ||
	    PyModule_AddIntConstant(m, "FLAG_NOTIFY", ZBLE_MP_FLAG_NOTIFY) < 0 ||
	    PyModule_AddIntConstant(m, "FLAG_INDICATE", ZBLE_MP_FLAG_INDICATE) < 0 ||
	    PyModule_AddIntConstant(m, "FLAG_WRITE_NO_RESPONSE", ZBLE_MP_FLAG_WRITE_NO_RESPONSE) < 0) {
		Py_DECREF(m);
		return NULL;
	}
	PyObject *shutdown = PyObject_GetAttrString(m, "_shutdown");
	int err = !shutdown || call_in("_zble_time", "install", NULL) || call_in("atexit", "register", shutdown);
	Py_XDECREF(shutdown);
	if (err) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
