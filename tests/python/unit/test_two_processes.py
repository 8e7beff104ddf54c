"""Two BLE objects in two processes on one radio: a peripheral advertising
a service, a central connecting to it and reading a characteristic (the
peripheral answers the read request from its handler), both seeing the
connect and disconnect events."""

import unittest

from zble_test_util import HANG_GUARD_S, need_controller, spawn

PERIPHERAL = r"""
import sys, bluetooth
from bluetooth import UUID
ble = bluetooth.BLE()

def irq(event, data):
    if event == 1:  # _IRQ_CENTRAL_CONNECT
        conn, addr_type, addr = data
        print("central connect", conn, addr_type, len(bytes(addr)), flush=True)
    elif event == 2:  # _IRQ_CENTRAL_DISCONNECT
        print("central disconnect", data[0], flush=True)
        sys.stdin.close()
    elif event == 4:  # _IRQ_GATTS_READ_REQUEST
        print("read request", data[1] == HANDLE, flush=True)
        ble.gatts_write(HANDLE, b"from the handler")
        return 0

ble.irq(irq)
ble.active(True)
((HANDLE,),) = ble.gatts_register_services([(UUID(0x181A), ((UUID(0x2A6E), bluetooth.FLAG_READ),))])
ble.gatts_write(HANDLE, b"before")
addr_type, addr = ble.config("mac")
ble.gap_advertise(20000, b"\x02\x01\x06")
print("ADDR", addr_type, addr.hex(), HANDLE, flush=True)
for line in sys.stdin:
    pass
ble.active(False)
print("peripheral done", flush=True)
"""

CENTRAL = r"""
import sys, threading, bluetooth
ble = bluetooth.BLE()
addr_type, addr, handle = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3])
done = threading.Event()

def irq(event, data):
    if event == 7:  # _IRQ_PERIPHERAL_CONNECT
        conn, at, a = data
        print("peripheral connect", conn, at, bytes(a) == addr, flush=True)
        ble.gattc_read(conn, handle)  # a call from the handler
    elif event == 15:  # _IRQ_GATTC_READ_RESULT
        print("read result", bytes(data[2]), flush=True)
    elif event == 16:  # _IRQ_GATTC_READ_DONE
        print("read done", data[2], flush=True)
        print("disconnect", ble.gap_disconnect(data[0]), flush=True)
    elif event == 8:  # _IRQ_PERIPHERAL_DISCONNECT
        print("peripheral disconnect", data[0], flush=True)
        done.set()

ble.irq(irq)
ble.active(True)
ble.gap_connect(int(addr_type), addr, 5000)
done.wait(60)
ble.active(False)
print("central done", flush=True)
"""


@need_controller
class TwoProcessTest(unittest.TestCase):
    def test_connect_read_disconnect(self):
        per = spawn(PERIPHERAL)
        try:
            line = per.stdout.readline().split()
            self.assertEqual(line[0], "ADDR", per.stderr.read() if not line else line)
            cen = spawn(CENTRAL.replace("sys.argv[1], ", "%r, " % line[1]).replace(
                "bytes.fromhex(sys.argv[2])", "bytes.fromhex(%r)" % line[2]).replace("int(sys.argv[3])", line[3]))
            cout, cerr = cen.communicate(timeout=HANG_GUARD_S)
            pout, perr = per.communicate(timeout=HANG_GUARD_S)
        finally:
            for p in (per,):
                if p.poll() is None:
                    p.kill()
        self.assertEqual(cen.returncode, 0, cerr)
        self.assertEqual(per.returncode, 0, perr)
        self.assertEqual(cerr, "")
        self.assertEqual(perr, "")
        central = cout.splitlines()
        conn = central[0].split()[2]
        self.assertEqual(central, [
            "peripheral connect %s %s True" % (conn, line[1]),
            "read result b'from the handler'",
            "read done 0",
            "disconnect True",
            "peripheral disconnect %s" % conn,
            "central done",
        ])
        peripheral = pout.splitlines()
        self.assertEqual(len(peripheral), 4, pout)
        self.assertRegex(peripheral[0], r"^central connect \d+ [01] 6$")
        pconn = peripheral[0].split()[2]
        self.assertEqual(peripheral[1:], ["read request True", "central disconnect %s" % pconn, "peripheral done"])


if __name__ == "__main__":
    unittest.main()
