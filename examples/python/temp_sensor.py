# A temperature sensor peripheral: the Environmental Sensing service with a
# Temperature characteristic (0.01 degC, signed 16-bit little-endian), read
# and notify. Every second the value changes and subscribed centrals get a
# notification. Run the central (temp_central.py) in another terminal.
#
#   PYTHONPATH=build/python python3 examples/python/temp_sensor.py [--seconds N]
import struct
import sys
import time

import bluetooth
from micropython import const

import ble_adv

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_READ_REQUEST = const(4)

_ENV_SENSE_UUID = bluetooth.UUID(0x181A)
_TEMP_UUID = bluetooth.UUID(0x2A6E)
_APPEARANCE_THERMOMETER = const(768)

SERVICE = (_ENV_SENSE_UUID, ((_TEMP_UUID, bluetooth.FLAG_READ | bluetooth.FLAG_NOTIFY),))


class TemperatureSensor:
    def __init__(self, ble, name="zble-temp"):
        self.ble = ble
        self.connections = set()
        ble.active(True)
        ble.irq(self.irq)
        ble.config(gap_name=name)
        ((self.handle,),) = ble.gatts_register_services((SERVICE,))
        self.adv = ble_adv.payload(name=name, services=[_ENV_SENSE_UUID], appearance=_APPEARANCE_THERMOMETER)
        self.advertise()

    def irq(self, event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            conn, addr_type, addr = data
            self.connections.add(conn)
            print("connected:", bytes(addr).hex(":"))
        elif event == _IRQ_CENTRAL_DISCONNECT:
            conn, addr_type, addr = data
            self.connections.discard(conn)
            print("disconnected:", bytes(addr).hex(":"))
            self.advertise()
        elif event == _IRQ_GATTS_READ_REQUEST:
            print("read by a central")

    def advertise(self):
        try:
            self.ble.gap_advertise(250_000, self.adv)
        except OSError as e:  # e.g. no room for one more link
            print("not advertising:", e)

    def set_temperature(self, celsius):
        # Stored for reads; notified to every central that subscribed.
        self.ble.gatts_write(self.handle, struct.pack("<h", int(celsius * 100)), True)


def main():
    seconds = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else None
    ble = bluetooth.BLE()
    sensor = TemperatureSensor(ble)
    print("advertising as zble-temp, address", bytes(ble.config("mac")[1]).hex(":"))
    t = 21.5
    tick = 0
    try:
        while seconds is None or tick < seconds:
            # A slow made-up drift between 20 and 25 degC.
            t = 20 + (t - 20 + 0.37) % 5
            sensor.set_temperature(t)
            print("temperature %.2f C" % t)
            time.sleep_ms(1000)
            tick += 1
    except KeyboardInterrupt:
        pass
    ble.active(False)


if __name__ == "__main__":
    main()
