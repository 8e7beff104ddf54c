# One characteristic with read, write, write without response, notify and
# indicate: client read, write with response (WRITE_DONE) and without
# (nothing on the client), notify of the stored value, notify with explicit
# data (the stored value stays), indicate and INDICATE_DONE, in this order.
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
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_READ_DONE = const(16)
_IRQ_GATTC_WRITE_DONE = const(17)
_IRQ_GATTC_NOTIFY = const(18)
_IRQ_GATTC_INDICATE = const(19)
_IRQ_GATTS_INDICATE_DONE = const(20)

_FLAG_READ = const(0x0002)
_FLAG_WRITE_NO_RESPONSE = const(0x0004)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)
_FLAG_INDICATE = const(0x0020)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
CHAR = (CHAR_UUID, _FLAG_READ | _FLAG_WRITE | _FLAG_WRITE_NO_RESPONSE | _FLAG_NOTIFY | _FLAG_INDICATE)
SERVICES = ((SERVICE_UUID, (CHAR,)),)

queued = []
handles = {}


def irq(event, data):
    if event == _IRQ_CENTRAL_CONNECT:
        print("_IRQ_CENTRAL_CONNECT")
        handles["conn"] = data[0]
    elif event == _IRQ_CENTRAL_DISCONNECT:
        print("_IRQ_CENTRAL_DISCONNECT")
    elif event == _IRQ_GATTS_WRITE:
        print("_IRQ_GATTS_WRITE", ble.gatts_read(data[1]))
    elif event == _IRQ_GATTS_READ_REQUEST:
        print("_IRQ_GATTS_READ_REQUEST")
    elif event == _IRQ_PERIPHERAL_CONNECT:
        print("_IRQ_PERIPHERAL_CONNECT")
        handles["conn"] = data[0]
    elif event == _IRQ_PERIPHERAL_DISCONNECT:
        print("_IRQ_PERIPHERAL_DISCONNECT")
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        print("_IRQ_GATTC_SERVICE_RESULT", bluetooth.UUID(data[3]))
        handles["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_SERVICE_DONE:
        print("_IRQ_GATTC_SERVICE_DONE", data[1])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        print("_IRQ_GATTC_CHARACTERISTIC_RESULT", bluetooth.UUID(data[4]), hex(data[3]))
        handles["value"] = data[2]
    elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
        print("_IRQ_GATTC_CHARACTERISTIC_DONE", data[1])
    elif event == _IRQ_GATTC_READ_RESULT:
        print("_IRQ_GATTC_READ_RESULT", bytes(data[2]))
    elif event == _IRQ_GATTC_READ_DONE:
        print("_IRQ_GATTC_READ_DONE", data[2])
    elif event == _IRQ_GATTC_WRITE_DONE:
        print("_IRQ_GATTC_WRITE_DONE", data[2])
    elif event == _IRQ_GATTC_NOTIFY:
        print("_IRQ_GATTC_NOTIFY", bytes(data[2]))
    elif event == _IRQ_GATTC_INDICATE:
        print("_IRQ_GATTC_INDICATE", bytes(data[2]))
    elif event == _IRQ_GATTS_INDICATE_DONE:
        print("_IRQ_GATTS_INDICATE_DONE", data[2])
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
    ble.gatts_write(char, "periph0")
    print("gap_advertise")
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    conn = handles["conn"]
    wait_for(_IRQ_GATTS_READ_REQUEST)
    wait_for(_IRQ_GATTS_WRITE)
    wait_for(_IRQ_GATTS_WRITE)

    print("gatts_notify stored")
    ble.gatts_write(char, "periph1")
    ble.gatts_notify(conn, char)
    print("gatts_notify explicit")
    ble.gatts_notify(conn, char, "periph2")
    wait_for(_IRQ_GATTS_READ_REQUEST)
    multitest.wait("read done")

    print("gatts_indicate")
    ble.gatts_indicate(conn, char)
    wait_for(_IRQ_GATTS_INDICATE_DONE)
    multitest.broadcast("indicate done")
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    multitest.next()
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    conn = handles["conn"]
    ble.gattc_discover_services(conn, SERVICE_UUID)
    wait_for(_IRQ_GATTC_SERVICE_DONE)
    start, end = handles["service"]
    ble.gattc_discover_characteristics(conn, start, end)
    wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
    value = handles["value"]

    print("gattc_read")
    ble.gattc_read(conn, value)
    wait_for(_IRQ_GATTC_READ_DONE)
    print("gattc_write with response")
    ble.gattc_write(conn, value, "central0", 1)
    wait_for(_IRQ_GATTC_WRITE_DONE)
    print("gattc_write without response")
    ble.gattc_write(conn, value, "central1", 0)

    wait_for(_IRQ_GATTC_NOTIFY)
    wait_for(_IRQ_GATTC_NOTIFY)
    print("gattc_read")
    ble.gattc_read(conn, value)
    wait_for(_IRQ_GATTC_READ_DONE)
    multitest.broadcast("read done")

    wait_for(_IRQ_GATTC_INDICATE)
    # The confirmation must reach the server before the link goes.
    multitest.wait("indicate done")
    ok = ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    print("gap_disconnect:", ok)
    ble.active(0)
