"""MicroPython's extra `time` functions, added to CPython's `time` module
when `bluetooth` is imported (install()).

Ticks wrap with the period of MicroPython's 32-bit ports, 2**30, so a
script's wrap-around arithmetic (ticks_diff/ticks_add) is exercised as on a
board: ticks_us wraps every ~18 minutes, ticks_ms every ~12 days."""

import threading
import time as _time

TICKS_PERIOD = 1 << 30
_MASK = TICKS_PERIOD - 1
_HALF = TICKS_PERIOD // 2

# Set by micropython.schedule(): a sleep_ms/sleep_us in progress returns to
# the interpreter loop briefly, so that the scheduled call runs during the
# sleep, as MicroPython's scheduler does.
_wake_event = threading.Event()


def wake():
    _wake_event.set()


def ticks_ms():
    return (_time.monotonic_ns() // 1000000) & _MASK


def ticks_us():
    return (_time.monotonic_ns() // 1000) & _MASK


def ticks_cpu():
    return _time.perf_counter_ns() & _MASK


def ticks_diff(ticks1, ticks2):
    """Signed distance ticks1 - ticks2 across a wrap, in [-2**29, 2**29)."""
    return ((ticks1 - ticks2 + _HALF) & _MASK) - _HALF


def ticks_add(ticks, delta):
    # Beyond half a period ticks_diff could not give delta back.
    if delta <= -_HALF or delta >= _HALF:
        raise OverflowError("ticks interval overflow")
    return (ticks + delta) & _MASK


def _sleep_until(deadline_ns):
    while True:
        left = deadline_ns - _time.monotonic_ns()
        if left <= 0:
            return
        if _wake_event.wait(left / 1e9):
            _wake_event.clear()  # back in the loop: pending calls run here


def sleep_ms(ms):
    if ms > 0:
        _sleep_until(_time.monotonic_ns() + int(ms * 1000000))


def sleep_us(us):
    if us > 0:
        _sleep_until(_time.monotonic_ns() + int(us * 1000))


_EXTRAS = ("ticks_ms", "ticks_us", "ticks_cpu", "ticks_diff", "ticks_add", "sleep_ms", "sleep_us")


def install():
    """Adds the functions to the standard `time` module (idempotent; a name
    CPython already has is left alone)."""
    for name in _EXTRAS:
        if not hasattr(_time, name):
            setattr(_time, name, globals()[name])
