# GATT client procedures issued back to back, without waiting for the one
# before to finish (users of other ports get EALREADY/EBUSY here): four at
# a time -- the depth of zble's per-link queue -- three reads and a write
# with response, then a descriptor discovery and an MTU exchange; each
# completes, in the order issued.
# instance0 is the peripheral, instance1 the central.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_GATTS_READ_REQUEST = const(4)
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
_IRQ_MTU_EXCHANGED = const(21)

_FLAG_READ = const(0x0002)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_A = bluetooth.UUID("00000000-1111-2222-3333-aaaaaaaaaaaa")
CHAR_B = bluetooth.UUID("00000000-1111-2222-3333-bbbbbbbbbbbb")
SERVICES = ((SERVICE_UUID, (
    (CHAR_A, _FLAG_READ | _FLAG_WRITE | _FLAG_NOTIFY),
    (CHAR_B, _FLAG_READ),
)),)

queued = []
found = {}
names = {}


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        print("connect")
        found["conn"] = data[0]
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT):
        print("disconnect")
    elif event == _IRQ_GATTS_WRITE:
        print("_IRQ_GATTS_WRITE", ble.gatts_read(data[1]))
    elif event == _IRQ_GATTS_READ_REQUEST:
        pass
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        uuid = bluetooth.UUID(data[4])
        name = "a" if uuid == CHAR_A else "b"
        found[name] = (data[2], data[1])
        names[data[2]] = name
    elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE):
        if data[1] != 0:
            print("discovery failed", event, data[1])
    elif event == _IRQ_GATTC_DESCRIPTOR_RESULT:
        print("_IRQ_GATTC_DESCRIPTOR_RESULT", bluetooth.UUID(data[2]))
    elif event == _IRQ_GATTC_DESCRIPTOR_DONE:
        print("_IRQ_GATTC_DESCRIPTOR_DONE", data[1])
    elif event == _IRQ_GATTC_READ_RESULT:
        print("_IRQ_GATTC_READ_RESULT", names[data[1]], bytes(data[2]))
    elif event == _IRQ_GATTC_READ_DONE:
        print("_IRQ_GATTC_READ_DONE", names[data[1]], data[2])
    elif event == _IRQ_GATTC_WRITE_DONE:
        print("_IRQ_GATTC_WRITE_DONE", names[data[1]], data[2])
    elif event == _IRQ_MTU_EXCHANGED:
        print("_IRQ_MTU_EXCHANGED", data[1])
    else:
        print("unexpected event", event)
    queued.append(event)


def wait_for(event):
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        if event in queued:
            queued.remove(event)
            return
        time.sleep_ms(10)
    raise RuntimeError("timed out waiting for event %d" % event)


ble = bluetooth.BLE()
ble.irq(irq)


def instance0():
    ble.active(1)
    ble.config(mtu=100)
    multitest.globals(BDADDR=ble.config("mac"))
    ((a, b),) = ble.gatts_register_services(SERVICES)
    ble.gatts_write(a, b"value a")
    ble.gatts_write(b, b"value b")
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    wait_for(_IRQ_GATTS_WRITE)
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    ble.config(mtu=100)
    multitest.next()
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    conn = found["conn"]
    ble.gattc_discover_services(conn, SERVICE_UUID)
    wait_for(_IRQ_GATTC_SERVICE_DONE)
    ble.gattc_discover_characteristics(conn, *found["service"])
    wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
    a, a_end = found["a"]
    b, _ = found["b"]

    print("issue four procedures")
    ble.gattc_read(conn, a)
    ble.gattc_read(conn, b)
    ble.gattc_write(conn, a, b"written", 1)
    ble.gattc_read(conn, a)
    for _ in range(3):
        wait_for(_IRQ_GATTC_READ_DONE)
    print("issue two more")
    ble.gattc_discover_descriptors(conn, a, a_end)
    ble.gattc_exchange_mtu(conn)
    wait_for(_IRQ_MTU_EXCHANGED)
    ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
