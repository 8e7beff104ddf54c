# The device name (GAP characteristic 0x2A00) follows config(gap_name=):
# set before gatts_register_services and changed between connections; the
# central finds 0x2A00 by UUID and reads it on each connection.
# instance0 is the peripheral, instance1 the central.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_READ_DONE = const(16)

DEVICE_NAME = bluetooth.UUID(0x2A00)

queued = []
name_handle = []


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        print("connect")
        queued.append((event, data[0]))
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT):
        print("disconnect")
        queued.append((event, None))
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        if bluetooth.UUID(data[4]) == DEVICE_NAME:
            name_handle.append(data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
        print("characteristic done:", data[1], "found:", len(name_handle))
        queued.append((event, None))
    elif event == _IRQ_GATTC_READ_RESULT:
        print("read:", bytes(data[2]))
    elif event == _IRQ_GATTC_READ_DONE:
        print("read done:", data[2])
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
    ble.config(gap_name="GAPNAME0")
    ble.gatts_register_services([])
    print("gap_name:", ble.config("gap_name"))
    ble.gap_advertise(20_000)
    multitest.next()
    for name in ("GAPNAME1", "a name a bit longer"):
        wait_for(_IRQ_CENTRAL_CONNECT)
        wait_for(_IRQ_CENTRAL_DISCONNECT)
        ble.config(gap_name=name)
        print("gap_name:", ble.config("gap_name"))
        ble.gap_advertise(20_000)
        multitest.broadcast("renamed")
    wait_for(_IRQ_CENTRAL_CONNECT)
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    multitest.next()
    for round in range(3):
        if round:
            multitest.wait("renamed")
        ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
        conn = wait_for(_IRQ_PERIPHERAL_CONNECT)
        del name_handle[:]
        ble.gattc_discover_characteristics(conn, 1, 0xFFFF, DEVICE_NAME)
        wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
        for _ in range(2):
            ble.gattc_read(conn, name_handle[0])
            wait_for(_IRQ_GATTC_READ_DONE)
        ble.gap_disconnect(conn)
        wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
