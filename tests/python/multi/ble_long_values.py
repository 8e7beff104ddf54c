# Values longer than 20 bytes: before the MTU exchange a notification is cut
# to 20 bytes (MTU 23 - 3); after exchanging MTU 247, a 100-byte value is
# read whole, a 150-byte write lands whole in a buffer set to 200 bytes, and
# a 200-byte notification arrives whole.
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
_IRQ_MTU_EXCHANGED = const(21)

_FLAG_READ = const(0x0002)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
SERVICES = ((SERVICE_UUID, ((CHAR_UUID, _FLAG_READ | _FLAG_WRITE | _FLAG_NOTIFY),)),)

queued = []
found = {}


def pattern(n, seed):
    return bytes((seed + 3 * j) & 0xFF for j in range(n))


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        print("connect")
        found["conn"] = data[0]
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT):
        print("disconnect")
    elif event == _IRQ_GATTS_WRITE:
        got = ble.gatts_read(data[1])
        print("_IRQ_GATTS_WRITE", len(got), got == pattern(150, 2))
    elif event == _IRQ_GATTS_READ_REQUEST:
        pass
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        found["value"] = data[2]
    elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE):
        if data[1] != 0:
            print("discovery failed", event, data[1])
    elif event == _IRQ_GATTC_READ_RESULT:
        print("_IRQ_GATTC_READ_RESULT", len(data[2]), bytes(data[2]) == pattern(100, 1))
    elif event == _IRQ_GATTC_READ_DONE:
        print("_IRQ_GATTC_READ_DONE", data[2])
    elif event == _IRQ_GATTC_WRITE_DONE:
        print("_IRQ_GATTC_WRITE_DONE", data[2])
    elif event == _IRQ_GATTC_NOTIFY:
        n = len(data[2])
        print("_IRQ_GATTC_NOTIFY", n, bytes(data[2]) == pattern(n, 4))
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
    ble.config(mtu=247)
    multitest.globals(BDADDR=ble.config("mac"))
    ((char,),) = ble.gatts_register_services(SERVICES)
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    conn = found["conn"]
    multitest.wait("discovered")
    ble.gatts_notify(conn, char, pattern(100, 4))  # MTU 23: 20 bytes go
    wait_for(_IRQ_MTU_EXCHANGED)
    ble.gatts_write(char, pattern(100, 1))
    print("gatts_read", len(ble.gatts_read(char)))
    ble.gatts_set_buffer(char, 200)
    ble.gatts_write(char, pattern(100, 1))
    multitest.broadcast("value set")
    wait_for(_IRQ_GATTS_WRITE)
    ble.gatts_notify(conn, char, pattern(200, 4))
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    ble.config(mtu=247)
    multitest.next()
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    conn = found["conn"]
    ble.gattc_discover_services(conn, SERVICE_UUID)
    wait_for(_IRQ_GATTC_SERVICE_DONE)
    ble.gattc_discover_characteristics(conn, *found["service"])
    wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
    value = found["value"]
    multitest.broadcast("discovered")
    wait_for(_IRQ_GATTC_NOTIFY)
    ble.gattc_exchange_mtu(conn)
    wait_for(_IRQ_MTU_EXCHANGED)
    multitest.wait("value set")
    ble.gattc_read(conn, value)
    wait_for(_IRQ_GATTC_READ_DONE)
    ble.gattc_write(conn, value, pattern(150, 2), 1)
    wait_for(_IRQ_GATTC_WRITE_DONE)
    wait_for(_IRQ_GATTC_NOTIFY)
    ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
