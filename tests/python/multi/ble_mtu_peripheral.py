# MTU exchange started by the peripheral (MTU 220) against a central that
# prefers 210, 190 and 240 on three successive connections: both sides see
# min(220, theirs), and a client write of MTU+20 bytes lands cut to MTU-3.
# (zble's ATT MTU goes up to 247, so the values stay below that.)
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
_IRQ_MTU_EXCHANGED = const(21)

_FLAG_READ = const(0x0002)
_FLAG_WRITE = const(0x0008)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
SERVICES = ((SERVICE_UUID, ((CHAR_UUID, _FLAG_READ | _FLAG_WRITE),)),)
PERIPHERAL_MTU = const(220)
CENTRAL_MTUS = (210, 190, 240)

queued = []
found = {}


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        print("connect")
        found["conn"] = data[0]
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT):
        print("disconnect")
    elif event == _IRQ_GATTS_WRITE:
        print("_IRQ_GATTS_WRITE", len(ble.gatts_read(data[1])))
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        found["value"] = data[2]
    elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE):
        if data[1] != 0:
            print("discovery failed", event, data[1])
    elif event == _IRQ_GATTC_WRITE_DONE:
        print("_IRQ_GATTC_WRITE_DONE", data[2])
    elif event == _IRQ_MTU_EXCHANGED:
        print("_IRQ_MTU_EXCHANGED", data[1])
        found["mtu"] = data[1]
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
    ble.config(mtu=PERIPHERAL_MTU)
    multitest.globals(BDADDR=ble.config("mac"))
    ((char,),) = ble.gatts_register_services(SERVICES)
    ble.gatts_set_buffer(char, 500)
    multitest.next()
    for _ in CENTRAL_MTUS:
        ble.gap_advertise(20_000)
        multitest.broadcast("advertising")
        wait_for(_IRQ_CENTRAL_CONNECT)
        ble.gattc_exchange_mtu(found["conn"])
        wait_for(_IRQ_MTU_EXCHANGED)
        wait_for(_IRQ_GATTS_WRITE)
        wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    multitest.next()
    for mtu in CENTRAL_MTUS:
        ble.config(mtu=mtu)
        multitest.wait("advertising")
        ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
        wait_for(_IRQ_PERIPHERAL_CONNECT)
        conn = found["conn"]
        wait_for(_IRQ_MTU_EXCHANGED)
        ble.gattc_discover_services(conn, SERVICE_UUID)
        wait_for(_IRQ_GATTC_SERVICE_DONE)
        ble.gattc_discover_characteristics(conn, *found["service"])
        wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
        ble.gattc_write(conn, found["value"], bytes(found["mtu"] + 20), 1)
        wait_for(_IRQ_GATTC_WRITE_DONE)
        ble.gap_disconnect(conn)
        wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
