# A serial port over BLE in the shape of Nordic's UART Service: the central
# writes to RX, we notify on TX. This one answers every line it receives
# with the line in upper case. Run uart_central.py in another terminal.
#
#   PYTHONPATH=build/python python3 examples/python/uart_peripheral.py
import time

import bluetooth
from micropython import const

import ble_adv

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_MTU_EXCHANGED = const(21)

UART_UUID = bluetooth.UUID("6E400001-B5A3-F393-E0A9-E50E24DCCA9E")
RX_UUID = bluetooth.UUID("6E400002-B5A3-F393-E0A9-E50E24DCCA9E")  # central -> us
TX_UUID = bluetooth.UUID("6E400003-B5A3-F393-E0A9-E50E24DCCA9E")  # us -> central
UART_SERVICE = (UART_UUID, (
    (TX_UUID, bluetooth.FLAG_READ | bluetooth.FLAG_NOTIFY),
    (RX_UUID, bluetooth.FLAG_WRITE | bluetooth.FLAG_WRITE_NO_RESPONSE),
))


class UartPeripheral:
    def __init__(self, ble, name="zbleuart", on_line=None):
        self.ble = ble
        self.conns = set()
        self.pending = bytearray()
        self.on_line = on_line
        ble.active(True)
        ble.irq(self.irq)
        ((self.tx, self.rx),) = ble.gatts_register_services((UART_SERVICE,))
        # Writes accumulate (append mode) until we read them; room for more
        # than one write between two reads.
        ble.gatts_set_buffer(self.rx, 512, True)
        # Flags, the 128-bit UUID and a name of up to 8 bytes fill the 31.
        self.adv = ble_adv.payload(name=name, services=[UART_UUID])
        self.advertise()

    def advertise(self):
        self.ble.gap_advertise(100_000, self.adv)

    def irq(self, event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            self.conns.add(data[0])
            print("connected")
        elif event == _IRQ_CENTRAL_DISCONNECT:
            self.conns.discard(data[0])
            print("disconnected")
            self.advertise()
        elif event == _IRQ_MTU_EXCHANGED:
            print("MTU", data[1])
        elif event == _IRQ_GATTS_WRITE and data[1] == self.rx:
            self.pending += self.ble.gatts_read(self.rx)
            while b"\n" in self.pending:
                line, _, rest = bytes(self.pending).partition(b"\n")
                self.pending = bytearray(rest)
                if self.on_line:
                    self.on_line(data[0], line)

    def send(self, conn, data):
        # Notifications are cut to MTU-3 bytes; the central asks for a
        # larger MTU so that a line fits in one.
        self.ble.gatts_notify(conn, self.tx, data)


def main():
    ble = bluetooth.BLE()
    uart = None

    def answer(conn, line):
        text = line.decode("utf-8", "replace")
        print("received:", text)
        uart.send(conn, text.upper().encode() + b"\n")

    uart = UartPeripheral(ble, on_line=answer)
    print("advertising as zbleuart; Ctrl-C stops")
    try:
        while True:
            time.sleep_ms(200)
    except KeyboardInterrupt:
        pass
    ble.active(False)


if __name__ == "__main__":
    main()
