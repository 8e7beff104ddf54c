# A peripheral for several centrals restarts advertising from its
# _IRQ_CENTRAL_CONNECT handler (advertising stops with each connection), so
# a second central can connect while the first link is up; both read.
# instance0 is the peripheral, instance1 and instance2 the centrals.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_READ_REQUEST = const(4)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_READ_DONE = const(16)

_FLAG_READ = const(0x0002)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
SERVICES = ((SERVICE_UUID, ((CHAR_UUID, _FLAG_READ),)),)

queued = []
found = {}
ble = bluetooth.BLE()


def irq(event, data):
    if event == _IRQ_CENTRAL_CONNECT:
        print("_IRQ_CENTRAL_CONNECT")
        try:
            ble.gap_advertise(20_000)
            print("advertising again")
        except OSError as e:
            print("gap_advertise from the handler:", e)
    elif event == _IRQ_CENTRAL_DISCONNECT:
        print("_IRQ_CENTRAL_DISCONNECT")
    elif event == _IRQ_GATTS_READ_REQUEST:
        pass
    elif event == _IRQ_PERIPHERAL_CONNECT:
        found["conn"] = data[0]
    elif event == _IRQ_PERIPHERAL_DISCONNECT:
        pass
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        found["value"] = data[2]
    elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
        if data[1] != 0:
            print("discovery failed", data[1])
    elif event == _IRQ_GATTC_READ_RESULT:
        print("read", bytes(data[2]))
    elif event == _IRQ_GATTC_READ_DONE:
        pass
    else:
        print("unexpected event", event)
    queued.append(event)


def wait_for(event, count=1):
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        if queued.count(event) >= count:
            for _ in range(count):
                queued.remove(event)
            return
        time.sleep_ms(10)
    raise RuntimeError("timed out waiting for event %d" % event)


ble.irq(irq)


def instance0():
    ble.active(1)
    multitest.globals(BDADDR=ble.config("mac"))
    ((char,),) = ble.gatts_register_services(SERVICES)
    ble.gatts_write(char, b"shared value")
    ble.gap_advertise(20_000, b"\x02\x01\x06")
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT, 2)
    wait_for(_IRQ_CENTRAL_DISCONNECT, 2)
    ble.gap_advertise(None)
    ble.active(0)


def central(first):
    ble.active(1)
    multitest.next()
    if not first:
        multitest.wait("first central connected")
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    conn = found["conn"]
    if first:
        multitest.broadcast("first central connected")
    ble.gattc_discover_characteristics(conn, 1, 0xFFFF, CHAR_UUID)
    wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
    ble.gattc_read(conn, found["value"])
    wait_for(_IRQ_GATTC_READ_DONE)
    if first:
        multitest.wait("second central done")
    else:
        multitest.broadcast("second central done")
    ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)


def instance1():
    central(True)


def instance2():
    central(False)
