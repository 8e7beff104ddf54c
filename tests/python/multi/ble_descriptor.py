# A characteristic with a descriptor of its own: descriptor discovery from
# the value handle (exclusive) finds the CCCD first (it sits right after
# the value) and then ours; client reads and writes (with and without
# response) of the characteristic and of the descriptor; the server sees
# _IRQ_GATTS_WRITE for both, with the handle of what was written.
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

_FLAG_READ = const(0x0002)
_FLAG_WRITE_NO_RESPONSE = const(0x0004)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
DESC_UUID = bluetooth.UUID("00000000-1111-2222-3333-555555555555")
RW = _FLAG_READ | _FLAG_WRITE | _FLAG_WRITE_NO_RESPONSE
CHAR = (CHAR_UUID, RW | _FLAG_NOTIFY, ((DESC_UUID, RW),))
SERVICES = ((SERVICE_UUID, (CHAR,)),)

queued = []
found = {}
names = {}


def irq(event, data):
    if event == _IRQ_CENTRAL_CONNECT:
        print("_IRQ_CENTRAL_CONNECT")
    elif event == _IRQ_CENTRAL_DISCONNECT:
        print("_IRQ_CENTRAL_DISCONNECT")
    elif event == _IRQ_GATTS_WRITE:
        print("_IRQ_GATTS_WRITE", names[data[1]], ble.gatts_read(data[1]))
    elif event == _IRQ_GATTS_READ_REQUEST:
        print("_IRQ_GATTS_READ_REQUEST", names[data[1]])
    elif event == _IRQ_PERIPHERAL_CONNECT:
        print("_IRQ_PERIPHERAL_CONNECT")
        found["conn"] = data[0]
    elif event == _IRQ_PERIPHERAL_DISCONNECT:
        print("_IRQ_PERIPHERAL_DISCONNECT")
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_SERVICE_DONE:
        print("_IRQ_GATTC_SERVICE_DONE", data[1])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        found["char"] = (data[2], data[1])  # value handle, end handle
        names[data[2]] = "char"
    elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
        print("_IRQ_GATTC_CHARACTERISTIC_DONE", data[1])
    elif event == _IRQ_GATTC_DESCRIPTOR_RESULT:
        uuid = bluetooth.UUID(data[2])
        print("_IRQ_GATTC_DESCRIPTOR_RESULT", uuid, data[1] - found["char"][0])
        if uuid == DESC_UUID:
            found["desc"] = data[1]
            names[data[1]] = "desc"
    elif event == _IRQ_GATTC_DESCRIPTOR_DONE:
        print("_IRQ_GATTC_DESCRIPTOR_DONE", data[1])
    elif event == _IRQ_GATTC_READ_RESULT:
        print("_IRQ_GATTC_READ_RESULT", names[data[1]], bytes(data[2]))
    elif event == _IRQ_GATTC_READ_DONE:
        print("_IRQ_GATTC_READ_DONE", data[2])
    elif event == _IRQ_GATTC_WRITE_DONE:
        print("_IRQ_GATTC_WRITE_DONE", names[data[1]], data[2])
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
    ((char, desc),) = ble.gatts_register_services(SERVICES)
    print("handles: descriptor after char:", desc > char)
    names[char] = "char"
    names[desc] = "desc"
    ble.gatts_write(char, b"char0")
    ble.gatts_write(desc, b"desc0")
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    for _ in range(2):
        wait_for(_IRQ_GATTS_READ_REQUEST)
    for _ in range(4):
        wait_for(_IRQ_GATTS_WRITE)
    multitest.broadcast("writes seen")
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
    # Prints each descriptor's offset from the value handle: CCCD at +1.
    ble.gattc_discover_descriptors(conn, value, end)
    wait_for(_IRQ_GATTC_DESCRIPTOR_DONE)
    desc = found["desc"]

    for handle in (value, desc):
        ble.gattc_read(conn, handle)
        wait_for(_IRQ_GATTC_READ_DONE)
    ble.gattc_write(conn, value, b"char1", 1)
    wait_for(_IRQ_GATTC_WRITE_DONE)
    ble.gattc_write(conn, desc, b"desc1", 1)
    wait_for(_IRQ_GATTC_WRITE_DONE)
    ble.gattc_write(conn, value, b"char2", 0)
    ble.gattc_write(conn, desc, b"desc2", 0)
    multitest.wait("writes seen")
    ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
