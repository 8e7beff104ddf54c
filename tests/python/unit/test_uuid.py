"""bluetooth.UUID: construction rules, errors, repr, hashing, ordering and
the buffer protocol, as MicroPython defines them."""

import ctypes
import unittest

import bluetooth
from bluetooth import UUID


class UuidTest(unittest.TestCase):
    def test_16_bit_int(self):
        u = UUID(0x2A00)
        self.assertEqual(repr(u), "UUID(0x2a00)")
        self.assertEqual(str(u), "UUID(0x2a00)")
        self.assertEqual(bytes(u), b"\x00\x2a")
        self.assertEqual(bytes(UUID(0x180D)), b"\r\x18")
        self.assertEqual(bytes(UUID(0)), b"\x00\x00")
        self.assertEqual(bytes(UUID(65535)), b"\xff\xff")

    def test_int_out_of_range(self):
        for bad in (65536, 1 << 40, 1 << 100, -1):
            with self.assertRaises(ValueError) as cm:
                UUID(bad)
            self.assertEqual(str(cm.exception), "invalid UUID")

    def test_buffers_are_little_endian(self):
        self.assertEqual(repr(UUID(b"\x0d\x18")), "UUID(0x180d)")
        self.assertEqual(repr(UUID(bytearray(b"\x78\x56\x34\x12"))), "UUID(0x12345678)")
        raw = bytes(range(16))
        u = UUID(memoryview(raw))
        self.assertEqual(bytes(u), raw)
        self.assertEqual(repr(u), "UUID('0f0e0d0c-0b0a-0908-0706-050403020100')")

    def test_128_bit_text(self):
        text = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
        u = UUID(text)
        self.assertEqual(repr(u), "UUID('%s')" % text)
        self.assertEqual(bytes(u), bytes.fromhex(text.replace("-", ""))[::-1])
        # Dashes anywhere (or none) and upper case are fine.
        self.assertEqual(UUID(text.replace("-", "").upper()), u)
        self.assertEqual(UUID("6E40-0001B5A3F393E0A9E50E24DCCA9E"), u)
        self.assertEqual(UUID(text.encode()), u)

    def test_text_errors(self):
        cases = {
            "6e400001-b5a3-f393-e0a9-e50e24dcca9": "UUID too short",
            "6e400001-b5a3-f393-e0a9-e50e24dcca9e0": "UUID too long",
            "6e400001-b5a3-f393-e0a9-e50e24dcca9g": "invalid char in UUID",
            "": "UUID too short",
            "x": "invalid char in UUID",
        }
        for text, message in cases.items():
            with self.assertRaises(ValueError, msg=text) as cm:
                UUID(text)
            self.assertEqual(str(cm.exception), message)

    def test_type_errors(self):
        for bad in (1.5, None, [1, 2], True):
            with self.assertRaises(TypeError):
                UUID(bad)
        with self.assertRaises(TypeError):
            UUID()
        with self.assertRaises(TypeError):
            UUID(1, 2)
        with self.assertRaises(TypeError):
            UUID(value=1)

    def test_copy_from_uuid(self):
        u = UUID("6e400001-b5a3-f393-e0a9-e50e24dcca9e")
        c = UUID(u)
        self.assertIsNot(c, u)
        self.assertEqual(c, u)
        self.assertEqual(UUID(UUID(0x1234)), UUID(0x1234))

    def test_equality_and_hash(self):
        self.assertEqual(UUID(0x2A00), UUID(b"\x00\x2a"))
        self.assertEqual(hash(UUID(0x2A00)), hash(UUID(b"\x00\x2a")))
        self.assertNotEqual(UUID(0x2A00), UUID(0x2A01))
        # Same value as a 32-bit UUID: a different UUID, as on MicroPython.
        self.assertNotEqual(UUID(0x2A00), UUID(b"\x00\x2a\x00\x00"))
        self.assertNotEqual(UUID(0x2A00), b"\x00\x2a")
        d = {UUID(0x180D): "hr", UUID("6e400001-b5a3-f393-e0a9-e50e24dcca9e"): "uart"}
        self.assertEqual(d[UUID(b"\x0d\x18")], "hr")
        self.assertEqual(len({UUID(1), UUID(1), UUID(2)}), 2)

    def test_ordering(self):
        # Same size: the little-endian bytes in order; else by size.
        self.assertLess(UUID(b"\x01\x02"), UUID(b"\x02\x01"))
        self.assertLess(UUID(0x0201), UUID(0x0102))
        self.assertLess(UUID(0xFFFF), UUID(b"\x00\x00\x00\x00"))
        self.assertGreater(UUID(bytes(16)), UUID(b"\xff\xff\xff\xff"))
        self.assertLessEqual(UUID(5), UUID(5))
        with self.assertRaises(TypeError):
            UUID(1) < 1

    def test_read_only_buffer(self):
        m = memoryview(UUID(0x1234))
        self.assertTrue(m.readonly)
        self.assertEqual(m.tobytes(), b"\x34\x12")
        with self.assertRaises(TypeError):
            m[0] = 0
        # A writable export is refused.
        with self.assertRaises(TypeError):
            (ctypes.c_char * 2).from_buffer(UUID(1))

    def test_module_constants(self):
        self.assertEqual(bluetooth.FLAG_READ, 0x02)
        self.assertEqual(bluetooth.FLAG_WRITE, 0x08)
        self.assertEqual(bluetooth.FLAG_NOTIFY, 0x10)
        self.assertEqual(bluetooth.FLAG_INDICATE, 0x20)
        self.assertEqual(bluetooth.FLAG_WRITE_NO_RESPONSE, 0x04)
        self.assertEqual({n for n in dir(bluetooth) if not n.startswith("_")},
                         {"BLE", "UUID", "FLAG_READ", "FLAG_WRITE", "FLAG_NOTIFY", "FLAG_INDICATE",
                          "FLAG_WRITE_NO_RESPONSE"})


if __name__ == "__main__":
    unittest.main()
