# One central, two peripherals, both links up at once (users of ports that
# allow a single link get ENOTCONN on the second gap_connect): the central
# reads each peripheral's value over its own link, both peripherals notify
# while both links are up, and each notification arrives on the right link.
# instance0 and instance1 are peripherals, instance2 the central.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_READ_REQUEST = const(4)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_SERVICE_RESULT = const(9)
_IRQ_GATTC_SERVICE_DONE = const(10)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_READ_DONE = const(16)
_IRQ_GATTC_NOTIFY = const(18)

_FLAG_READ = const(0x0002)
_FLAG_NOTIFY = const(0x0010)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
SERVICES = ((SERVICE_UUID, ((CHAR_UUID, _FLAG_READ | _FLAG_NOTIFY),)),)

queued = []
found = {}
links = {}  # conn handle -> peripheral name (central)
notified = []


def irq(event, data):
    if event == _IRQ_CENTRAL_CONNECT:
        print("_IRQ_CENTRAL_CONNECT")
        found["conn"] = data[0]
    elif event == _IRQ_CENTRAL_DISCONNECT:
        print("_IRQ_CENTRAL_DISCONNECT")
    elif event == _IRQ_GATTS_READ_REQUEST:
        print("_IRQ_GATTS_READ_REQUEST")
    elif event == _IRQ_PERIPHERAL_CONNECT:
        found["conn"] = data[0]
    elif event == _IRQ_PERIPHERAL_DISCONNECT:
        found["gone"] = found.get("gone", 0) + 1
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        found["value"] = data[2]
    elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE):
        if data[1] != 0:
            print("discovery failed", event, data[1])
    elif event == _IRQ_GATTC_READ_RESULT:
        print("read on the link to", links[data[0]], bytes(data[2]))
    elif event == _IRQ_GATTC_READ_DONE:
        pass
    elif event == _IRQ_GATTC_NOTIFY:
        notified.append((links[data[0]], bytes(data[2])))
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


def peripheral(index):
    ble.active(1)
    multitest.globals(**{"ADDR%d" % index: ble.config("mac")})
    ((char,),) = ble.gatts_register_services(SERVICES)
    ble.gatts_write(char, b"peripheral %d" % index)
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    wait_for(_IRQ_GATTS_READ_REQUEST)
    multitest.wait("notify")
    ble.gatts_notify(found["conn"], char, b"hello from %d" % index)
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance0():
    peripheral(0)


def instance1():
    peripheral(1)


def instance2():
    ble.active(1)
    multitest.next()
    conns = []
    for name, addr in (("peripheral 0", ADDR0), ("peripheral 1", ADDR1)):
        ble.gap_connect(addr[0], addr[1], 5000)
        wait_for(_IRQ_PERIPHERAL_CONNECT)
        links[found["conn"]] = name
        conns.append(found["conn"])
    print("links up at once:", len(set(conns)))
    for conn in conns:
        ble.gattc_discover_services(conn, SERVICE_UUID)
        wait_for(_IRQ_GATTC_SERVICE_DONE)
        ble.gattc_discover_characteristics(conn, *found["service"])
        wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
        ble.gattc_read(conn, found["value"])
        wait_for(_IRQ_GATTC_READ_DONE)
    multitest.broadcast("notify")
    wait_for(_IRQ_GATTC_NOTIFY, 2)
    for link, data in sorted(notified):
        print("notified on the link to", link, data)
    for conn in conns:
        print("gap_disconnect:", ble.gap_disconnect(conn))
    wait_for(_IRQ_PERIPHERAL_DISCONNECT, 2)
    ble.active(0)
