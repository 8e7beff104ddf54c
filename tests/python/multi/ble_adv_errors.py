# Advertising payload limits give clear errors: 32 bytes of advertising or
# scan response data raise OSError(EINVAL) -- not an opaque negative stack
# code -- and leave the stack usable; 31 bytes of each are accepted, and an
# active scanner receives both whole (ADV_IND 0, then SCAN_RSP 4).
# instance0 advertises, instance1 scans.
import errno
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
_IRQ_SCAN_RESULT = const(5)
_IRQ_SCAN_DONE = const(6)

ADV_31 = b"\x02\x01\x06\x1b\xff" + bytes(range(26))
RESP_31 = b"\x1e\xff" + bytes(range(100, 129))

ble = bluetooth.BLE()


def try_advertise(label, adv_data=None, resp_data=None):
    try:
        ble.gap_advertise(100_000, adv_data, resp_data=resp_data)
        print(label, "accepted")
    except OSError as e:
        print(label, "OSError", "EINVAL" if e.errno == errno.EINVAL else e.errno)


def instance0():
    ble.active(1)
    multitest.globals(BDADDR=ble.config("mac"))
    try_advertise("adv 32", bytes(32))
    try_advertise("resp 32", b"", bytes(32))
    try_advertise("adv 255", bytes(255))
    print("lengths", len(ADV_31), len(RESP_31))
    try_advertise("adv 31 + resp 31", ADV_31, RESP_31)
    multitest.next()
    multitest.wait("scanned")
    ble.gap_advertise(None)
    ble.active(0)


def instance1():
    ble.active(1)
    seen = {}

    def irq(event, data):
        if event == _IRQ_SCAN_RESULT:
            addr_type, addr, adv_type, rssi, adv_data = data
            if addr_type == BDADDR[0] and bytes(addr) == BDADDR[1]:
                seen.setdefault(adv_type, bytes(adv_data))
        elif event == _IRQ_SCAN_DONE:
            seen["done"] = True

    ble.irq(irq)
    multitest.next()
    ble.gap_scan(0, 30_000, 30_000, True)
    t0 = time.ticks_ms()
    while not (0 in seen and 4 in seen) and time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        time.sleep_ms(10)
    ble.gap_scan(None)
    print("ADV_IND whole:", seen.get(0) == ADV_31)
    print("SCAN_RSP whole:", seen.get(4) == RESP_31)
    multitest.broadcast("scanned")
    ble.active(0)
