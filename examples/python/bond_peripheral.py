# A peripheral whose characteristic can only be read over an encrypted
# link, and that keeps bonds (bond_store.py, in bond-peripheral.json), so a
# bonded central reconnects and reads without pairing again. Run
# bond_central.py in another terminal.
#
#   PYTHONPATH=build/python python3 examples/python/bond_peripheral.py
import time

import bluetooth
from micropython import const

import ble_adv
from bond_store import BondStore

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_READ_REQUEST = const(4)
_IRQ_ENCRYPTION_UPDATE = const(28)
_FLAG_READ_ENCRYPTED = const(0x0200)

SECRET_SERVICE = bluetooth.UUID("3c1e0001-2f2a-4c47-9a1d-7a6a1b0e5e11")
SECRET_CHAR = bluetooth.UUID("3c1e0002-2f2a-4c47-9a1d-7a6a1b0e5e11")


def main():
    ble = bluetooth.BLE()
    store = BondStore("bond-peripheral.json")
    # The pairing settings are accepted before active().
    ble.config(bond=True, le_secure=True, mitm=False)

    def irq(event, data):
        handled, answer = store.handle(event, data)
        if handled:
            return answer
        if event == _IRQ_CENTRAL_CONNECT:
            print("connected")
        elif event == _IRQ_CENTRAL_DISCONNECT:
            print("disconnected")
            ble.gap_advertise(250_000)
        elif event == _IRQ_ENCRYPTION_UPDATE:
            conn, encrypted, authenticated, bonded, key_size = data
            print("encrypted:", bool(encrypted), "bonded:", bool(bonded), "key size:", key_size)
        elif event == _IRQ_GATTS_READ_REQUEST:
            print("read on an encrypted link")

    ble.active(True)
    ble.irq(irq)
    ((handle,),) = ble.gatts_register_services(
        ((SECRET_SERVICE, ((SECRET_CHAR, bluetooth.FLAG_READ | _FLAG_READ_ENCRYPTED),)),))
    ble.gatts_write(handle, b"the secret")
    ble.gap_advertise(250_000, ble_adv.payload(name="zblebond", services=[SECRET_SERVICE]))
    print("advertising as zblebond; %d stored secrets; Ctrl-C stops" % len(store.secrets))
    try:
        while True:
            time.sleep_ms(200)
    except KeyboardInterrupt:
        pass
    ble.active(False)


if __name__ == "__main__":
    main()
