"""One BLE object on a controller: active on/off/restart, local GATT server
state, events on the host thread, calls from inside the handler, handler
errors and recursion, memoryview lifetimes, and the host running while the
main thread blocks. Run by ctest on a zble-sim (or btvirt) radio."""

import errno
import io
import os
import socket
import sys
import threading
import unittest

import bluetooth
from bluetooth import BLE, UUID
from zble_test_util import HANG_GUARD_S, Advertiser, controller_spec, need_controller

_IRQ_SCAN_RESULT = 5
_IRQ_SCAN_DONE = 6

ble = BLE()

HR = (
    UUID(0x180D),
    (
        (UUID(0x2A37), bluetooth.FLAG_READ | bluetooth.FLAG_NOTIFY),
        (UUID(0x2A38), bluetooth.FLAG_READ | bluetooth.FLAG_WRITE, ((UUID(0x2901), bluetooth.FLAG_READ),)),
    ),
)


def wait(event):
    if not event.wait(HANG_GUARD_S):
        raise AssertionError("no event within %d s" % HANG_GUARD_S)


@need_controller
class ActiveTest(unittest.TestCase):
    def setUp(self):
        os.environ["ZBLE_HCI"] = controller_spec()
        ble.irq(None)
        self.assertTrue(ble.active(True))

    def tearDown(self):
        ble.irq(None)
        ble.active(False)

    def test_on_off_restart(self):
        addr_type, addr = ble.config("mac")
        self.assertIn(addr_type, (0, 1))
        self.assertIsInstance(addr, bytes)
        self.assertEqual(len(addr), 6)
        self.assertEqual(ble.config("mtu"), 256)
        ble.config(mtu=300)
        first = ble.gatts_register_services((HR,))
        ble.gatts_write(first[0][0], b"kept?")
        # active(True) while active restarts the stack: user state goes,
        # config stays.
        self.assertTrue(ble.active(True))
        self.assertEqual(ble.config("mtu"), 300)
        self.assertEqual(ble.gatts_read(first[0][0]), b"")
        self.assertEqual(ble.gatts_register_services((HR,)), first)
        self.assertFalse(ble.active(False))
        self.assertFalse(ble.active())
        with self.assertRaises(OSError) as cm:
            ble.config("mac")
        self.assertEqual(cm.exception.errno, errno.ENODEV)
        self.assertFalse(ble.active(False))  # a no-op when off
        for _ in range(3):
            self.assertTrue(ble.active(True))
            self.assertEqual(ble.gatts_register_services((HR,)), first)
            self.assertFalse(ble.active(False))
        self.assertTrue(ble.active(True))
        ble.config(mtu=256)

    def test_handle_layout_and_local_values(self):
        ((hr, loc, desc),) = ble.gatts_register_services((HR,))
        # GAP and GATT come first; a CCCD follows the notify value.
        self.assertEqual(loc, hr + 3)
        self.assertEqual(desc, loc + 1)
        self.assertEqual(ble.gatts_register_services([]), ())
        ((hr, loc, desc),) = ble.gatts_register_services([HR])
        self.assertIsInstance(ble.gatts_register_services([HR, (UUID(0x1800 + 0x99), ())]), tuple)
        ((hr, loc, desc), ()) = ble.gatts_register_services([HR, (UUID(0x1899), ())])
        self.assertEqual(ble.gatts_read(hr), b"")
        self.assertEqual(ble.gatts_write(hr, b"\x01\x02"), 2)
        self.assertEqual(ble.gatts_read(hr), b"\x01\x02")
        self.assertEqual(ble.gatts_write(hr, bytes(range(100))), 100)  # grows
        self.assertEqual(ble.gatts_read(hr), bytes(range(100)))
        self.assertEqual(ble.gatts_write(desc, "text"), 4)
        self.assertEqual(ble.gatts_read(desc), b"text")
        ble.gatts_set_buffer(loc, 200, True)
        self.assertEqual(ble.gatts_read(loc), b"")
        self.assertEqual(ble.gatts_read(0xFFF0), b"")
        with self.assertRaises(OSError) as cm:
            ble.gatts_write(0xFFF0, b"x")
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertIs(ble.gap_disconnect(0x0EFE), False)  # not connected

    def test_event_on_host_thread_and_calls_inside(self):
        got = []
        done = threading.Event()

        def handler(event, data):
            got.append((event, data, threading.current_thread() is threading.main_thread()))
            # Calls from the handler: queries, a local write, and a
            # lifecycle call (refused at once, never a hang).
            got.append(ble.config("mac"))
            got.append(ble.gatts_write(hr, b"from irq"))
            try:
                ble.active(False)
            except OSError as e:
                got.append(e.errno)
            done.set()

        ((hr, _, _),) = ble.gatts_register_services((HR,))
        ble.irq(handler)
        ble.gap_scan(20, 30000, 30000)
        wait(done)
        self.assertEqual(got[0], (_IRQ_SCAN_DONE, (), False))
        self.assertEqual(got[1], ble.config("mac"))
        self.assertEqual(got[2], 8)
        self.assertEqual(got[3], errno.EBUSY)
        self.assertEqual(ble.gatts_read(hr), b"from irq")
        self.assertTrue(ble.active())

    def test_recursion_in_handler(self):
        result = []
        done = threading.Event()

        def recurse(n):
            return recurse(n + 1)

        def handler(event, data):
            try:
                recurse(0)
            except RuntimeError as e:  # RecursionError is a RuntimeError
                result.append(type(e))
            done.set()

        ble.irq(handler)
        ble.gap_scan(20, 30000, 30000)
        wait(done)
        self.assertEqual(result, [RecursionError])
        self.assertTrue(issubclass(RecursionError, RuntimeError))

    def test_exception_in_handler_turns_it_off(self):
        calls = []
        first = threading.Event()
        second = threading.Event()

        def failing(event, data):
            calls.append(event)
            first.set()
            raise KeyError("from the handler")

        def later(event, data):
            second.set()

        err = io.StringIO()
        saved, sys.stderr = sys.stderr, err
        try:
            with Advertiser():
                ble.irq(failing)
                ble.gap_scan(0, 20000, 20000)  # results keep coming
                wait(first)
                ble.irq(later)
                wait(second)
                ble.gap_scan(None)
        finally:
            sys.stderr = saved
        self.assertEqual(calls, [_IRQ_SCAN_RESULT])
        text = err.getvalue()
        self.assertTrue(text.startswith("Unhandled exception in IRQ callback handler\n"), text)
        self.assertIn("Traceback", text)
        self.assertIn("KeyError: 'from the handler'", text)

    def test_scan_result_views(self):
        kept = []
        done = threading.Event()

        def handler(event, data):
            if event == _IRQ_SCAN_RESULT and not done.is_set():
                addr_type, addr, adv_type, rssi, adv = data
                kept.append((addr_type, addr, adv_type, rssi, adv, bytes(addr), bytes(adv), adv[2:],
                             addr.readonly, adv.readonly))
                done.set()

        with Advertiser():
            ble.irq(handler)
            ble.gap_scan(0, 20000, 20000)
            wait(done)
            ble.gap_scan(None)
        addr_type, addr, adv_type, rssi, adv, addr_copy, adv_copy, tail, ro1, ro2 = kept[0]
        self.assertIn(addr_type, (0, 1))
        self.assertEqual(len(addr_copy), 6)
        self.assertIn(adv_type, (0, 4))
        self.assertIsInstance(rssi, int)
        self.assertEqual(adv_copy, b"\x02\x01\x06\x05\x09zble")
        self.assertTrue(ro1 and ro2)
        # Released after the call, like MicroPython's (valid only during
        # it); a slice the handler kept stays readable (private copy).
        with self.assertRaises(ValueError):
            bytes(addr)
        with self.assertRaises(ValueError):
            adv[0]
        self.assertEqual(bytes(tail), adv_copy[2:])

    def test_host_runs_while_main_blocks_in_a_socket(self):
        rd, wr = socket.socketpair()

        def handler(event, data):
            if event == _IRQ_SCAN_DONE:
                wr.send(b"done")

        ble.irq(handler)
        ble.gap_scan(20, 30000, 30000)
        rd.settimeout(HANG_GUARD_S)
        self.assertEqual(rd.recv(4), b"done")  # the main thread sits in recv()
        rd.close()
        wr.close()


if __name__ == "__main__":
    unittest.main()
