# Primary service discovery: the GAP (0x1800) and GATT (0x1801) services
# come first, then two services without characteristics, one with a 16-bit
# and one with a 128-bit UUID; discovery by UUID finds only the one asked.
# instance0 is the peripheral, instance1 the central.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_SERVICE_RESULT = const(9)
_IRQ_GATTC_SERVICE_DONE = const(10)

SERVICE_16 = bluetooth.UUID(0x180D)
SERVICE_128 = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
SERVICES = ((SERVICE_16, ()), (SERVICE_128, ()))

queued = []
found = []


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        print("connect")
        queued.append((event, data[0]))
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT):
        print("disconnect")
        queued.append((event, None))
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        conn, start, end, uuid = data
        found.append((bluetooth.UUID(uuid), start, end))
    elif event == _IRQ_GATTC_SERVICE_DONE:
        print("service done:", data[1])
        queued.append((event, None))
    else:
        print("unexpected event", event)


def wait_for(event):
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        for i, (ev, value) in enumerate(queued):
            if ev == event:
                del queued[i]
                return value
        time.sleep_ms(10)
    raise RuntimeError("timed out waiting for event %d" % event)


ble = bluetooth.BLE()
ble.irq(irq)


def instance0():
    ble.active(1)
    multitest.globals(BDADDR=ble.config("mac"))
    print("register:", ble.gatts_register_services(SERVICES))
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    multitest.next()
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    conn = wait_for(_IRQ_PERIPHERAL_CONNECT)

    ble.gattc_discover_services(conn)
    wait_for(_IRQ_GATTC_SERVICE_DONE)
    print("services:", [u for u, _, _ in found])
    ours = [(s, e) for u, s, e in found if u in (SERVICE_16, SERVICE_128)]
    # Empty services are one handle each, in ascending order.
    print("empty, ascending:", all(s == e for s, e in ours), ours[0][0] < ours[1][0])

    for uuid in (SERVICE_128, SERVICE_16):
        del found[:]
        ble.gattc_discover_services(conn, uuid)
        wait_for(_IRQ_GATTC_SERVICE_DONE)
        print("by uuid:", [u for u, _, _ in found])

    ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
