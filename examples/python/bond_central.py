# Pairs with bond_peripheral.py and bonds (keys in bond-central.json),
# disconnects, reconnects and reads the characteristic that needs an
# encrypted link: on the second connection the stored keys encrypt the
# link without pairing again. While the stack has no pairing yet
# (gap_pair raises OSError EOPNOTSUPP), it says so and stops.
#
#   PYTHONPATH=build/python python3 examples/python/bond_central.py
import errno
import time

import bluetooth
from micropython import const

import ble_adv
from bond_store import BondStore

_IRQ_SCAN_RESULT = const(5)
_IRQ_SCAN_DONE = const(6)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_READ_DONE = const(16)
_IRQ_ENCRYPTION_UPDATE = const(28)

SECRET_SERVICE = bluetooth.UUID("3c1e0001-2f2a-4c47-9a1d-7a6a1b0e5e11")
SECRET_CHAR = bluetooth.UUID("3c1e0002-2f2a-4c47-9a1d-7a6a1b0e5e11")


class Central:
    def __init__(self, ble, store):
        self.ble = ble
        self.store = store
        self.peer = self.conn = self.value = None
        self.events = []

    def irq(self, event, data):
        handled, answer = self.store.handle(event, data)
        if handled:
            return answer
        if event == _IRQ_SCAN_RESULT:
            addr_type, addr, adv_type, rssi, adv_data = data
            if self.peer is None and SECRET_SERVICE in ble_adv.services(adv_data):
                self.peer = (addr_type, bytes(addr))
                self.ble.gap_scan(None)
        elif event == _IRQ_PERIPHERAL_CONNECT:
            self.conn = data[0]
        elif event == _IRQ_PERIPHERAL_DISCONNECT:
            self.conn = None
        elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
            self.value = data[2]
        elif event == _IRQ_ENCRYPTION_UPDATE:
            conn, encrypted, authenticated, bonded, key_size = data
            print("encrypted:", bool(encrypted), "bonded:", bool(bonded), "key size:", key_size)
        elif event == _IRQ_GATTC_READ_RESULT:
            print("read:", bytes(data[2]))
        elif event == _IRQ_GATTC_READ_DONE and data[2] != 0:
            print("read refused, ATT status", hex(data[2]))
        self.events.append(event)

    def wait(self, event, seconds=10):
        t0 = time.ticks_ms()
        while time.ticks_diff(time.ticks_ms(), t0) < seconds * 1000:
            if event in self.events:
                self.events.remove(event)
                return True
            time.sleep_ms(20)
        return False

    def connect(self):
        self.ble.gap_connect(self.peer[0], self.peer[1])
        if not self.wait(_IRQ_PERIPHERAL_CONNECT) or self.conn is None:
            raise SystemExit("could not connect")
        print("connected")

    def secure_read(self):
        """Encrypts the link (pairing the first time, with the stored keys
        afterwards) and reads the protected value. False: no pairing here."""
        try:
            self.ble.gap_pair(self.conn)
        except OSError as e:
            if e.errno == errno.EOPNOTSUPP:
                return False
            raise
        if not self.wait(_IRQ_ENCRYPTION_UPDATE):
            raise SystemExit("the link was not encrypted")
        if self.value is None:
            self.ble.gattc_discover_characteristics(self.conn, 1, 0xFFFF, SECRET_CHAR)
            self.wait(_IRQ_GATTC_CHARACTERISTIC_DONE)
        self.ble.gattc_read(self.conn, self.value)
        self.wait(_IRQ_GATTC_READ_DONE)
        return True

    def disconnect(self):
        self.ble.gap_disconnect(self.conn)
        self.wait(_IRQ_PERIPHERAL_DISCONNECT)
        print("disconnected")


def main():
    ble = bluetooth.BLE()
    ble.config(bond=True, le_secure=True, mitm=False)
    central = Central(ble, BondStore("bond-central.json"))
    ble.active(True)
    ble.irq(central.irq)
    ble.gap_scan(10_000, 30_000, 30_000, True)
    if not central.wait(_IRQ_SCAN_DONE, 15) or central.peer is None:
        print("no bond_peripheral.py found")
        ble.active(False)
        return
    for attempt in ("first connection: pairing and bonding", "reconnection: encrypted with the stored keys"):
        print(attempt)
        central.connect()
        if not central.secure_read():
            print("This stack cannot pair yet (gap_pair: EOPNOTSUPP): zble's Security Manager is\n"
                  "not there, so the encrypted characteristic stays unreadable. Nothing to do\n"
                  "on your side; this example works once pairing lands.")
            central.disconnect()
            break
        central.disconnect()
    ble.active(False)


if __name__ == "__main__":
    main()
