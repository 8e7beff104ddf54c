"""MicroPython's `micropython` module on CPython: the part BLE scripts use.

const() is the identity (MicroPython folds it at compile time), schedule()
runs a function soon on the main thread, the others accept their arguments
and do nothing that matters on a PC."""

import _zble_time
from bluetooth import _schedule

_opt = 0


def const(value):
    return value


def schedule(func, arg):
    """Calls func(arg) on the main thread at its next bytecode boundary
    (also while it waits in time.sleep_ms/sleep_us). RuntimeError("schedule
    queue full") when too many calls are pending, as on MicroPython."""
    _schedule(func, arg)
    _zble_time.wake()


def alloc_emergency_exception_buf(size):
    """Nothing to reserve: CPython allocates exceptions from its heap."""
    return None


def opt_level(level=None):
    global _opt
    if level is None:
        return _opt
    _opt = int(level)
    return None


def native(func):
    """@micropython.native compiles to machine code on MicroPython; here the
    function stays as it is."""
    return func
