"""MicroPython's `machine` module on CPython: the part BLE scripts use.

idle() is where a board waits for its next interrupt; the events of the
`bluetooth` module arrive on the host's own thread, so here it only gives
the processor away for a moment."""

import time as _time


def idle():
    _time.sleep(0.0002)
