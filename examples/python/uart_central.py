# The central for uart_peripheral.py: finds the UART service, connects,
# asks for a larger MTU, subscribes to TX and sends lines to RX -- the
# arguments, or what you type (one line at a time) -- printing what comes
# back. BLE keeps running while Python waits in input().
#
#   PYTHONPATH=build/python python3 examples/python/uart_central.py [LINE...]
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
_IRQ_GATTC_WRITE_DONE = const(17)
_IRQ_GATTC_NOTIFY = const(18)
_IRQ_MTU_EXCHANGED = const(21)

UART_UUID = bluetooth.UUID("6E400001-B5A3-F393-E0A9-E50E24DCCA9E")
RX_UUID = bluetooth.UUID("6E400002-B5A3-F393-E0A9-E50E24DCCA9E")
TX_UUID = bluetooth.UUID("6E400003-B5A3-F393-E0A9-E50E24DCCA9E")
CCCD_UUID = bluetooth.UUID(0x2902)


class UartCentral:
    def __init__(self, ble):
        self.ble = ble
        self.peer = self.conn = self.range = None
        self.handles = {}
        self.cccd = None
        self.ready = False
        self.done = False
        self.replies = 0
        ble.active(True)
        ble.config(mtu=247)
        ble.irq(self.irq)
        ble.gap_scan(10_000, 30_000, 30_000, True)

    def irq(self, event, data):
        ble = self.ble
        if event == _IRQ_SCAN_RESULT:
            addr_type, addr, adv_type, rssi, adv_data = data
            if self.peer is None and UART_UUID in ble_adv.services(adv_data):
                self.peer = (addr_type, bytes(addr))
                print("found", ble_adv.name(adv_data))
                ble.gap_scan(None)
        elif event == _IRQ_SCAN_DONE:
            if self.peer:
                ble.gap_connect(*self.peer)
            else:
                print("no UART peripheral found (is uart_peripheral.py running?)")
                self.done = True
        elif event == _IRQ_PERIPHERAL_CONNECT:
            self.conn = data[0]
            ble.gattc_exchange_mtu(self.conn)
        elif event == _IRQ_MTU_EXCHANGED:
            print("connected, MTU", data[1])
            ble.gattc_discover_services(self.conn, UART_UUID)
        elif event == _IRQ_PERIPHERAL_DISCONNECT:
            print("disconnected")
            self.done = True
        elif event == _IRQ_GATTC_SERVICE_RESULT:
            self.range = (data[1], data[2])
        elif event == _IRQ_GATTC_SERVICE_DONE:
            ble.gattc_discover_characteristics(self.conn, self.range[0], self.range[1])
        elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
            self.handles[bluetooth.UUID(data[4])] = (data[2], data[1])
        elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
            tx, tx_end = self.handles[TX_UUID]
            ble.gattc_discover_descriptors(self.conn, tx, tx_end)
        elif event == _IRQ_GATTC_DESCRIPTOR_RESULT:
            if bluetooth.UUID(data[2]) == CCCD_UUID:
                self.cccd = data[1]
        elif event == _IRQ_GATTC_DESCRIPTOR_DONE:
            ble.gattc_write(self.conn, self.cccd, struct.pack("<H", 1), 1)
        elif event == _IRQ_GATTC_WRITE_DONE:
            self.ready = True
        elif event == _IRQ_GATTC_NOTIFY:
            self.replies += 1
            print("reply:", bytes(data[2]).decode("utf-8", "replace").rstrip("\n"))

    def send(self, text):
        self.ble.gattc_write(self.conn, self.handles[RX_UUID][0], text.encode() + b"\n", 1)


def wait(predicate, seconds):
    t0 = time.ticks_ms()
    while not predicate() and time.ticks_diff(time.ticks_ms(), t0) < seconds * 1000:
        time.sleep_ms(20)
    return predicate()


def main():
    uart = UartCentral(bluetooth.BLE())
    if not wait(lambda: uart.ready or uart.done, 20) or uart.done:
        uart.ble.active(False)
        return
    lines = sys.argv[1:]
    interactive = not lines
    if interactive:
        print("type lines to send; an empty line or Ctrl-D ends")
    try:
        while not uart.done:
            if interactive:
                try:
                    text = input()
                except EOFError:
                    break
                if not text:
                    break
            elif lines:
                text = lines.pop(0)
            else:
                break
            expected = uart.replies + 1
            uart.send(text)
            wait(lambda: uart.replies >= expected or uart.done, 5)
    except KeyboardInterrupt:
        pass
    if uart.conn is not None and not uart.done:
        uart.ble.gap_disconnect(uart.conn)
        wait(lambda: uart.done, 5)
    uart.ble.active(False)


if __name__ == "__main__":
    main()
