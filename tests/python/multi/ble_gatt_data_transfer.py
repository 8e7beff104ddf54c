# Data transfer the Nordic UART way: the RX characteristic's buffer is set
# to 100 bytes in append mode, four client writes (with and without
# response) accumulate, and one gatts_read returns them all and empties it;
# notifications on two characteristics arrive in the order they were sent.
# instance0 is the peripheral, instance1 the central.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_SERVICE_RESULT = const(9)
_IRQ_GATTC_SERVICE_DONE = const(10)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_WRITE_DONE = const(17)
_IRQ_GATTC_NOTIFY = const(18)

_FLAG_READ = const(0x0002)
_FLAG_WRITE_NO_RESPONSE = const(0x0004)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)

SERVICE_UUID = bluetooth.UUID("6e400001-b5a3-f393-e0a9-e50e24dcca9e")
RX_UUID = bluetooth.UUID("6e400002-b5a3-f393-e0a9-e50e24dcca9e")
TX_UUID = bluetooth.UUID("6e400003-b5a3-f393-e0a9-e50e24dcca9e")
STATUS_UUID = bluetooth.UUID("6e400004-b5a3-f393-e0a9-e50e24dcca9e")
SERVICES = ((SERVICE_UUID, (
    (RX_UUID, _FLAG_WRITE | _FLAG_WRITE_NO_RESPONSE),
    (TX_UUID, _FLAG_READ | _FLAG_NOTIFY),
    (STATUS_UUID, _FLAG_READ | _FLAG_NOTIFY),
)),)

queued = []
found = {}
names = {}


def irq(event, data):
    if event == _IRQ_CENTRAL_CONNECT:
        print("_IRQ_CENTRAL_CONNECT")
        found["conn"] = data[0]
    elif event == _IRQ_CENTRAL_DISCONNECT:
        print("_IRQ_CENTRAL_DISCONNECT")
    elif event == _IRQ_GATTS_WRITE:
        pass  # counted; the data is read once all writes are in
    elif event == _IRQ_PERIPHERAL_CONNECT:
        print("_IRQ_PERIPHERAL_CONNECT")
        found["conn"] = data[0]
    elif event == _IRQ_PERIPHERAL_DISCONNECT:
        print("_IRQ_PERIPHERAL_DISCONNECT")
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        uuid = bluetooth.UUID(data[4])
        for name, u in (("rx", RX_UUID), ("tx", TX_UUID), ("status", STATUS_UUID)):
            if uuid == u:
                found[name] = data[2]
                names[data[2]] = name
    elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE):
        if data[1] != 0:
            print("discovery failed", event, data[1])
    elif event == _IRQ_GATTC_WRITE_DONE:
        print("_IRQ_GATTC_WRITE_DONE", data[2])
    elif event == _IRQ_GATTC_NOTIFY:
        print("_IRQ_GATTC_NOTIFY", names[data[1]], bytes(data[2]))
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


ble = bluetooth.BLE()
ble.irq(irq)


def instance0():
    ble.active(1)
    multitest.globals(BDADDR=ble.config("mac"))
    ((rx, tx, status),) = ble.gatts_register_services(SERVICES)
    ble.gatts_set_buffer(rx, 100, True)
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    conn = found["conn"]
    wait_for(_IRQ_GATTS_WRITE, 4)
    print("rx:", ble.gatts_read(rx))
    print("rx again:", ble.gatts_read(rx))
    for i in range(3):
        ble.gatts_notify(conn, tx, b"line %d" % i)
        ble.gatts_notify(conn, status, b"ok %d" % i)
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
    rx = found["rx"]
    ble.gattc_write(conn, rx, b"one ", 0)
    ble.gattc_write(conn, rx, b"two ", 1)
    wait_for(_IRQ_GATTC_WRITE_DONE)
    ble.gattc_write(conn, rx, b"three ", 0)
    ble.gattc_write(conn, rx, b"four", 1)
    wait_for(_IRQ_GATTC_WRITE_DONE)
    wait_for(_IRQ_GATTC_NOTIFY, 6)
    ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
