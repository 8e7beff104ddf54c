# Subscriptions through the CCCD: gatts_write(send_update=True) reaches a
# client only as its CCCD says (notify 0x0001, indicate 0x0002, both: notify
# wins, 0: nothing), send_update=False sends nothing, gatts_notify is
# forced regardless, and CCCD writes raise no _IRQ_GATTS_WRITE. After each
# step the client reads the value: an update sent by mistake would show up
# before the read result.
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
_IRQ_GATTC_NOTIFY = const(18)
_IRQ_GATTC_INDICATE = const(19)
_IRQ_GATTS_INDICATE_DONE = const(20)

_FLAG_READ = const(0x0002)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)
_FLAG_INDICATE = const(0x0020)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
CCCD_UUID = bluetooth.UUID(0x2902)
CHAR = (CHAR_UUID, _FLAG_READ | _FLAG_WRITE | _FLAG_NOTIFY | _FLAG_INDICATE)
SERVICES = ((SERVICE_UUID, (CHAR,)),)

queued = []
found = {}


def irq(event, data):
    if event == _IRQ_CENTRAL_CONNECT:
        print("_IRQ_CENTRAL_CONNECT")
        found["conn"] = data[0]
    elif event == _IRQ_CENTRAL_DISCONNECT:
        print("_IRQ_CENTRAL_DISCONNECT")
    elif event == _IRQ_GATTS_WRITE:
        print("_IRQ_GATTS_WRITE (unexpected: CCCD writes raise none)")
    elif event == _IRQ_GATTS_READ_REQUEST:
        pass  # one per client read; the client prints those
    elif event == _IRQ_PERIPHERAL_CONNECT:
        print("_IRQ_PERIPHERAL_CONNECT")
        found["conn"] = data[0]
    elif event == _IRQ_PERIPHERAL_DISCONNECT:
        print("_IRQ_PERIPHERAL_DISCONNECT")
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        found["char"] = (data[2], data[1])
    elif event == _IRQ_GATTC_DESCRIPTOR_RESULT:
        if bluetooth.UUID(data[2]) == CCCD_UUID:
            found["cccd"] = data[1]
    elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE, _IRQ_GATTC_DESCRIPTOR_DONE):
        if data[1] != 0:
            print("discovery failed", event, data[1])
    elif event == _IRQ_GATTC_READ_RESULT:
        print("read", bytes(data[2]))
    elif event == _IRQ_GATTC_READ_DONE:
        pass
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

# The server's steps: (value, send_update, forced notify, indication expected)
STEPS = (
    (b"v0", True, False, False),  # not subscribed yet: nothing
    (b"v1", True, False, False),  # notify subscribed: a notification
    (b"v2", False, True, False),  # no update, but a forced notification
    (b"v3", True, False, True),  # indicate subscribed: an indication
    (b"v4", True, False, False),  # both: the notification only
    (b"v5", True, False, False),  # unsubscribed: nothing
)


def instance0():
    ble.active(1)
    multitest.globals(BDADDR=ble.config("mac"))
    ((char,),) = ble.gatts_register_services(SERVICES)
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    conn = found["conn"]
    for i, (value, send_update, forced, indication) in enumerate(STEPS):
        multitest.wait("step %d" % i)
        print("gatts_write", value, send_update)
        ble.gatts_write(char, value, send_update)
        if forced:
            print("gatts_notify")
            ble.gatts_notify(conn, char)
        if indication:
            wait_for(_IRQ_GATTS_INDICATE_DONE)
        multitest.broadcast("written %d" % i)
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    multitest.next()
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    conn = found["conn"]
    ble.gattc_discover_services(conn, SERVICE_UUID)
    wait_for(_IRQ_GATTC_SERVICE_DONE)
    ble.gattc_discover_characteristics(conn, *found["service"])
    wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
    value, end = found["char"]
    ble.gattc_discover_descriptors(conn, value, end)
    wait_for(_IRQ_GATTC_DESCRIPTOR_DONE)
    cccd = found["cccd"]
    print("cccd follows the value:", cccd == value + 1)

    subscribe = {1: b"\x01\x00", 3: b"\x02\x00", 4: b"\x03\x00", 5: b"\x00\x00"}
    for i in range(len(STEPS)):
        if i in subscribe:
            print("subscribe", subscribe[i])
            ble.gattc_write(conn, cccd, subscribe[i], 1)
            wait_for(_IRQ_GATTC_WRITE_DONE)
        multitest.broadcast("step %d" % i)
        multitest.wait("written %d" % i)
        ble.gattc_read(conn, value)
        wait_for(_IRQ_GATTC_READ_DONE)
    ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
