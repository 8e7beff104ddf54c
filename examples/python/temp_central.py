# The central for temp_sensor.py: scans for the Environmental Sensing
# service, connects, finds the Temperature characteristic and its CCCD,
# reads the value once, then subscribes and prints every notification.
#
#   PYTHONPATH=build/python python3 examples/python/temp_central.py [--count N]
import struct
import sys
import time

import bluetooth
from micropython import const

import ble_adv

_IRQ_SCAN_RESULT = const(5)
_IRQ_SCAN_DONE = const(6)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_SERVICE_RESULT = const(9)
_IRQ_GATTC_SERVICE_DONE = const(10)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_DESCRIPTOR_RESULT = const(13)
_IRQ_GATTC_DESCRIPTOR_DONE = const(14)
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_READ_DONE = const(16)
_IRQ_GATTC_WRITE_DONE = const(17)
_IRQ_GATTC_NOTIFY = const(18)

_ADV_IND = const(0)
_ENV_SENSE_UUID = bluetooth.UUID(0x181A)
_TEMP_UUID = bluetooth.UUID(0x2A6E)
_CCCD_UUID = bluetooth.UUID(0x2902)


def celsius(data):
    return struct.unpack("<h", bytes(data))[0] / 100


class TemperatureCentral:
    """Each step starts the next from the IRQ handler: scan -> connect ->
    service -> characteristic -> CCCD -> read -> subscribe."""

    def __init__(self, ble):
        self.ble = ble
        self.peer = None
        self.conn = None
        self.range = None
        self.value = self.end = self.cccd = None
        self.notifications = 0
        self.state = "scanning"
        ble.active(True)
        ble.irq(self.irq)

    def start(self):
        # Active scan for up to 10 s, 30 ms window every 30 ms.
        self.ble.gap_scan(10_000, 30_000, 30_000, True)

    def irq(self, event, data):
        ble = self.ble
        if event == _IRQ_SCAN_RESULT:
            addr_type, addr, adv_type, rssi, adv_data = data
            if self.peer is None and adv_type == _ADV_IND and _ENV_SENSE_UUID in ble_adv.services(adv_data):
                self.peer = (addr_type, bytes(addr))
                print("found %s (%s), rssi %d" % (ble_adv.name(adv_data), bytes(addr).hex(":"), rssi))
                ble.gap_scan(None)
        elif event == _IRQ_SCAN_DONE:
            if self.peer is None:
                self.finish("no temperature sensor found (is temp_sensor.py running?)")
            else:
                ble.gap_connect(self.peer[0], self.peer[1])
        elif event == _IRQ_PERIPHERAL_CONNECT:
            self.conn = data[0]
            print("connected")
            ble.gattc_discover_services(self.conn, _ENV_SENSE_UUID)
        elif event == _IRQ_PERIPHERAL_DISCONNECT:
            self.conn = None
            self.finish("disconnected" if self.state != "scanning" else "could not connect")
        elif event == _IRQ_GATTC_SERVICE_RESULT:
            self.range = (data[1], data[2])
        elif event == _IRQ_GATTC_SERVICE_DONE:
            if self.range is None:
                return self.fail("no Environmental Sensing service")
            ble.gattc_discover_characteristics(self.conn, self.range[0], self.range[1], _TEMP_UUID)
        elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
            self.end, self.value = data[1], data[2]
        elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
            if self.value is None:
                return self.fail("no Temperature characteristic")
            ble.gattc_discover_descriptors(self.conn, self.value, self.end)
        elif event == _IRQ_GATTC_DESCRIPTOR_RESULT:
            if bluetooth.UUID(data[2]) == _CCCD_UUID:
                self.cccd = data[1]
        elif event == _IRQ_GATTC_DESCRIPTOR_DONE:
            ble.gattc_read(self.conn, self.value)
        elif event == _IRQ_GATTC_READ_RESULT:
            print("read: %.2f C" % celsius(data[2]))
        elif event == _IRQ_GATTC_READ_DONE:
            if self.cccd is None:
                return self.fail("the characteristic cannot notify (no CCCD)")
            ble.gattc_write(self.conn, self.cccd, struct.pack("<H", 1), 1)  # notifications on
        elif event == _IRQ_GATTC_WRITE_DONE:
            self.state = "subscribed"
            print("subscribed")
        elif event == _IRQ_GATTC_NOTIFY:
            self.notifications += 1
            print("notified: %.2f C" % celsius(data[2]))

    def fail(self, why):
        print(why)
        self.ble.gap_disconnect(self.conn)

    def finish(self, why):
        print(why)
        self.state = "done"


def main():
    count = int(sys.argv[sys.argv.index("--count") + 1]) if "--count" in sys.argv else None
    central = TemperatureCentral(bluetooth.BLE())
    central.start()
    try:
        while central.state != "done":
            if count is not None and central.notifications >= count and central.conn is not None:
                central.ble.gap_disconnect(central.conn)
                count = None
            time.sleep_ms(100)
    except KeyboardInterrupt:
        pass
    central.ble.active(False)


if __name__ == "__main__":
    main()
