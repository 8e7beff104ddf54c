# Repeated reconnects: eight rounds of connect, discover, read a value the
# peripheral changes every round, write one back, disconnect; the
# peripheral restarts advertising after each disconnect.
# instance0 is the peripheral, instance1 the central.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
ROUNDS = const(8)
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
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_READ_DONE = const(16)
_IRQ_GATTC_WRITE_DONE = const(17)

_FLAG_READ = const(0x0002)
_FLAG_WRITE = const(0x0008)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
SERVICES = ((SERVICE_UUID, ((CHAR_UUID, _FLAG_READ | _FLAG_WRITE),)),)

queued = []
found = {}


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        found["conn"] = data[0]
    elif event == _IRQ_GATTS_WRITE:
        found["written"] = ble.gatts_read(data[1])
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        found["value"] = data[2]
    elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE, _IRQ_GATTC_WRITE_DONE):
        if data[-1] != 0:
            print("failed", event, data[-1])
    elif event == _IRQ_GATTC_READ_RESULT:
        found["read"] = bytes(data[2])
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT, _IRQ_GATTS_READ_REQUEST,
                   _IRQ_GATTC_READ_DONE):
        pass
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
    multitest.globals(BDADDR=ble.config("mac"))
    ((char,),) = ble.gatts_register_services(SERVICES)
    multitest.next()
    for i in range(ROUNDS):
        ble.gatts_write(char, b"round %d" % i)
        ble.gap_advertise(20_000)
        multitest.broadcast("advertising %d" % i)
        wait_for(_IRQ_CENTRAL_CONNECT)
        wait_for(_IRQ_GATTS_WRITE)
        wait_for(_IRQ_CENTRAL_DISCONNECT)
        print("round", i, "got", found["written"])
    ble.active(0)


def instance1():
    ble.active(1)
    multitest.next()
    for i in range(ROUNDS):
        multitest.wait("advertising %d" % i)
        ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
        wait_for(_IRQ_PERIPHERAL_CONNECT)
        conn = found["conn"]
        ble.gattc_discover_services(conn, SERVICE_UUID)
        wait_for(_IRQ_GATTC_SERVICE_DONE)
        ble.gattc_discover_characteristics(conn, *found["service"])
        wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
        ble.gattc_read(conn, found["value"])
        wait_for(_IRQ_GATTC_READ_DONE)
        ble.gattc_write(conn, found["value"], b"ack " + found["read"], 1)
        wait_for(_IRQ_GATTC_WRITE_DONE)
        ble.gap_disconnect(conn)
        wait_for(_IRQ_PERIPHERAL_DISCONNECT)
        print("round", i, "read", found["read"])
    ble.active(0)
