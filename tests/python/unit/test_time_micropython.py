"""MicroPython's `time` extras (added by `import bluetooth`) and the
`micropython` module."""

import sys
import threading
import unittest

import time  # noqa: E402 -- before bluetooth on purpose: the extras appear on it

import bluetooth  # noqa: F401
import micropython

PERIOD = 1 << 30


class TimeTest(unittest.TestCase):
    def test_extras_on_the_standard_module(self):
        import time as again

        for name in ("sleep_ms", "sleep_us", "ticks_ms", "ticks_us", "ticks_cpu", "ticks_add", "ticks_diff"):
            self.assertTrue(callable(getattr(again, name)), name)
        self.assertIs(sys.modules["time"], time)

    def test_utime_alias(self):
        import utime

        self.assertIs(utime, time)

    def test_ticks_in_range(self):
        for f in (time.ticks_ms, time.ticks_us, time.ticks_cpu):
            v = f()
            self.assertIsInstance(v, int)
            self.assertTrue(0 <= v < PERIOD)

    def test_ticks_diff_wraps(self):
        self.assertEqual(time.ticks_diff(5, 2), 3)
        self.assertEqual(time.ticks_diff(2, 5), -3)
        self.assertEqual(time.ticks_diff(5, PERIOD - 3), 8)  # across the wrap
        self.assertEqual(time.ticks_diff(PERIOD - 3, 5), -8)
        self.assertEqual(time.ticks_diff(PERIOD // 2 - 1, 0), PERIOD // 2 - 1)
        self.assertEqual(time.ticks_diff(PERIOD // 2, 0), -PERIOD // 2)

    def test_ticks_add_wraps_and_checks(self):
        self.assertEqual(time.ticks_add(PERIOD - 1, 1), 0)
        self.assertEqual(time.ticks_add(0, -1), PERIOD - 1)
        t = PERIOD - 100
        for delta in (1, 1000, -1000, PERIOD // 2 - 1, -(PERIOD // 2) + 1):
            self.assertEqual(time.ticks_diff(time.ticks_add(t, delta), t), delta)
        for bad in (PERIOD // 2, -(PERIOD // 2), PERIOD):
            with self.assertRaises(OverflowError) as cm:
                time.ticks_add(0, bad)
            self.assertEqual(str(cm.exception), "ticks interval overflow")

    def test_ticks_are_monotonic(self):
        a = time.ticks_us()
        time.sleep_us(200)
        self.assertGreaterEqual(time.ticks_diff(time.ticks_us(), a), 200)
        a = time.ticks_ms()
        time.sleep_ms(2)
        self.assertGreaterEqual(time.ticks_diff(time.ticks_ms(), a), 2)
        time.sleep_ms(0)
        time.sleep_ms(-5)  # returns at once, as on MicroPython


class MicropythonTest(unittest.TestCase):
    def test_const_and_friends(self):
        self.assertEqual(micropython.const(0x1234), 0x1234)
        self.assertIsNone(micropython.alloc_emergency_exception_buf(100))
        micropython.opt_level(2)
        self.assertEqual(micropython.opt_level(), 2)
        micropython.opt_level(0)

    def test_schedule_runs_on_the_main_thread(self):
        ran = []
        micropython.schedule(lambda arg: ran.append((arg, threading.current_thread())), "x")
        deadline = time.monotonic() + 30
        while not ran and time.monotonic() < deadline:
            pass  # bytecode boundaries: the pending call runs here
        self.assertEqual(ran, [("x", threading.main_thread())])

    def test_schedule_from_another_thread_wakes_sleep_ms(self):
        ran = threading.Event()
        got = []

        def worker():
            micropython.schedule(lambda arg: (got.append(threading.current_thread()), ran.set()), None)

        t = threading.Thread(target=worker)
        t.start()
        t.join()
        # The scheduled call runs inside the sleep (it wakes it): ran is
        # set before sleep_ms gives back control, whatever the machine's
        # speed (the sleep is long only as a ceiling).
        start = time.monotonic()
        while not ran.is_set() and time.monotonic() - start < 30:
            time.sleep_ms(30000)
        self.assertTrue(ran.is_set())
        self.assertEqual(got, [threading.main_thread()])

    def test_schedule_queue_full(self):
        # Another thread fills the queue while the main thread waits in
        # join() (no bytecode runs there, so nothing is drained).
        calls, errors = [], []

        def worker():
            try:
                for _ in range(1000):
                    micropython.schedule(calls.append, 1)
            except RuntimeError as e:
                errors.append(str(e))

        t = threading.Thread(target=worker)
        t.start()
        t.join()
        self.assertEqual(errors, ["schedule queue full"])
        for _ in range(10):
            pass
        self.assertGreater(len(calls), 0)  # the queued ones ran

    def test_schedule_exception_reaches_main_code(self):
        def boom(_):
            raise KeyError("scheduled")

        with self.assertRaises(KeyError):
            micropython.schedule(boom, None)
            for _ in range(1000):
                pass


if __name__ == "__main__":
    unittest.main()
