"""BLE() argument rules and the inactive state, without a controller:
MicroPython's TypeError/ValueError texts, OSError(ENODEV) from everything
that needs the stack, the config rules, and the settings that work while
inactive."""

import errno
import unittest

import bluetooth
from bluetooth import BLE, UUID

ble = BLE()


class InactiveTest(unittest.TestCase):
    def setUp(self):
        ble.active(False)

    def assertErrno(self, code, fn, *args, **kw):
        with self.assertRaises(OSError) as cm:
            fn(*args, **kw)
        self.assertEqual(cm.exception.errno, code, "%s%r" % (fn.__name__, args))
        self.assertEqual(cm.exception.args[0], code)

    def test_singleton_ignores_arguments(self):
        self.assertIs(BLE(), ble)
        self.assertIs(BLE(1, "x", key=None), ble)
        self.assertIsInstance(ble, bluetooth.BLE)
        self.assertFalse(ble.active())
        self.assertIs(ble.active(False), False)

    def test_enodev(self):
        e = errno.ENODEV
        self.assertErrno(e, ble.config, "mac")
        self.assertErrno(e, ble.config, "mtu")
        self.assertErrno(e, ble.config, mtu=100)
        self.assertErrno(e, ble.config, addr_mode=0)
        self.assertErrno(e, ble.gap_advertise, 100000)
        self.assertErrno(e, ble.gap_advertise, 100000, b"\x02\x01\x06")
        self.assertErrno(e, ble.gap_scan, 1000)
        self.assertErrno(e, ble.gap_connect, 0, bytes(6))
        self.assertErrno(e, ble.gap_disconnect, 0)  # not False: ENODEV is not ENOTCONN
        self.assertErrno(e, ble.gatts_register_services, [])
        self.assertErrno(e, ble.gatts_write, 1, b"x")
        self.assertErrno(e, ble.gatts_notify, 0, 1)
        self.assertErrno(e, ble.gatts_indicate, 0, 1, b"x")
        self.assertErrno(e, ble.gatts_set_buffer, 1, 100)
        self.assertErrno(e, ble.gattc_discover_services, 0)
        self.assertErrno(e, ble.gattc_discover_characteristics, 0, 1, 0xFFFF)
        self.assertErrno(e, ble.gattc_discover_descriptors, 0, 1, 0xFFFF)
        self.assertErrno(e, ble.gattc_read, 0, 1)
        self.assertErrno(e, ble.gattc_write, 0, 1, b"x", 1)
        self.assertErrno(e, ble.gattc_exchange_mtu, 0)
        self.assertErrno(e, ble.l2cap_listen, 0x80, 512)
        self.assertErrno(e, ble.l2cap_connect, 0, 0x80, 512)
        self.assertErrno(e, ble.l2cap_send, 0, 0x40, b"x")
        self.assertErrno(e, ble.l2cap_recvinto, 0, 0x40, None)
        self.assertErrno(e, ble.l2cap_disconnect, 0, 0x40)
        self.assertErrno(e, ble.hci_cmd, 4, 1, b"", bytearray(8))

    def test_gatts_read_gives_empty_bytes_on_error(self):
        self.assertEqual(ble.gatts_read(1), b"")
        self.assertEqual(ble.gatts_read(0xFFFF), b"")

    def test_settings_that_work_inactive(self):
        ble.config(gap_name=b"zble unit")
        self.assertEqual(ble.config("gap_name"), b"zble unit")
        ble.config(gap_name="text too")  # str has the buffer protocol on MicroPython
        self.assertEqual(ble.config("gap_name"), b"text too")
        ble.config(bond=True, mitm=True, le_secure=False, io=3)
        ble.config(io=0)
        self.assertErrno(errno.EINVAL, ble.config, io=5)

    def test_config_rules(self):
        with self.assertRaises(TypeError) as cm:
            ble.config()
        self.assertEqual(str(cm.exception), "must query one param")
        with self.assertRaises(TypeError) as cm:
            ble.config("mac", "mtu")
        self.assertEqual(str(cm.exception), "must query one param")
        with self.assertRaises(TypeError) as cm:
            ble.config("mac", mtu=100)
        self.assertEqual(str(cm.exception), "can't specify pos and kw args")
        for key in ("bogus", "rxbuf", "addr_mode", "io", "bond"):
            with self.assertRaises(ValueError, msg=key) as cm:
                ble.config(key)
            self.assertEqual(str(cm.exception), "unknown config param")
        for kw in ({"bogus": 1}, {"rxbuf": 2000}):
            with self.assertRaises(ValueError) as cm:
                ble.config(**kw)
            self.assertEqual(str(cm.exception), "unknown config param")
        with self.assertRaises(TypeError):
            ble.config(1)
        with self.assertRaises(TypeError):
            ble.config(gap_name=5)

    def test_irq_handler_rules(self):
        with self.assertRaises(ValueError) as cm:
            ble.irq(5)
        self.assertEqual(str(cm.exception), "invalid handler")
        ble.irq(lambda e, d: None)
        ble.irq(None)
        with self.assertRaises(TypeError):
            ble.irq()

    def test_argument_errors(self):
        with self.assertRaises(ValueError) as cm:
            ble.gap_connect(0, b"12345")
        self.assertEqual(str(cm.exception), "invalid addr")
        with self.assertRaises(TypeError) as cm:
            ble.gap_connect(0)
        self.assertEqual(str(cm.exception), "invalid addr")
        with self.assertRaises(TypeError):
            ble.gap_connect(0, 1234567)
        with self.assertRaises(TypeError) as cm:
            ble.gattc_discover_services(0, "180d")
        self.assertEqual(str(cm.exception), "UUID")
        with self.assertRaises(TypeError) as cm:
            ble.gattc_discover_characteristics(0, 1, 2, 0x2A00)
        self.assertEqual(str(cm.exception), "UUID")
        with self.assertRaises(TypeError):
            ble.gatts_write(1, 5)
        with self.assertRaises(TypeError):
            ble.gap_scan(1, 2, 3, 4, 5)
        with self.assertRaises(TypeError):
            ble.gap_disconnect()
        with self.assertRaises(TypeError):
            ble.gattc_read(0, 1.5)
        with self.assertRaises(TypeError) as cm:
            ble.gap_advertise(100000, None, None)
        self.assertEqual(str(cm.exception), "extra positional arguments given")
        with self.assertRaises(TypeError):
            ble.gap_advertise(100000, bogus=1)
        with self.assertRaises(TypeError):
            ble.gap_disconnect(conn_handle=0)

    def test_service_definition_errors(self):
        u = UUID(0x180D)
        c = UUID(0x2A37)
        cases = [
            ([(0x180D, ())], ValueError, "invalid service UUID"),
            ([(u, ((c,),))], ValueError, "invalid characteristic tuple"),
            ([(u, ((c, 2, (), 4),))], ValueError, "invalid characteristic tuple"),
            ([(u, ((0x2A37, 2),))], ValueError, "invalid characteristic UUID"),
            ([(u, ((c, 2, ((0x2902, 2),)),))], ValueError, "invalid descriptor UUID"),
            ([(u, ((c, 2, ((UUID(0x2901),),)),))], ValueError, "tuple/list has wrong length"),
            ([(u,)], ValueError, "tuple/list has wrong length"),
            ([u], TypeError, None),
            (5, TypeError, None),
            ([(u, ((c, "x"),))], TypeError, None),
        ]
        for definition, exc, text in cases:
            with self.assertRaises(exc, msg=repr(definition)) as cm:
                ble.gatts_register_services(definition)
            if text:
                self.assertEqual(str(cm.exception), text, repr(definition))

    def test_hci_cmd_needs_writable_response(self):
        with self.assertRaises(BufferError):
            ble.hci_cmd(4, 1, b"", b"immutable")
        with self.assertRaises(TypeError):
            ble.hci_cmd(4, 1, b"", None)


if __name__ == "__main__":
    unittest.main()
