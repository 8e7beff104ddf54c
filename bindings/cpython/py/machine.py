"""MicroPython's `machine` module on CPython: the part BLE scripts use.

idle() is where a board waits for its next interrupt. The events of the
`bluetooth` module arrive on the host's own thread; MicroPython runs a
handler between two bytecodes of the script, never beside it, so idle()
also waits until no event is being delivered before the script goes on
(a script then sees all of an event's effects, or none)."""

import threading as _threading
import time as _time

import bluetooth as _bluetooth


def idle():
    _time.sleep(0.0002)
    if _threading.current_thread() is not _threading.main_thread():
        return  # called from a handler: the event in delivery is this one
    deadline = _time.monotonic() + 1.0  # never hang on a stuck handler
    while _bluetooth._events_busy() and _time.monotonic() < deadline:
        _time.sleep(0.0002)
