# Notification ping-pong on a 12.5 ms connection interval: the peripheral
# notifies a sequence number, the central's IRQ handler writes it back
# without response, the peripheral waits for it before the next one. The
# round-trip rate is reported as a metric (not compared).
# instance0 is the peripheral, instance1 the central.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
ROUNDS = const(100)
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_SERVICE_RESULT = const(9)
_IRQ_GATTC_SERVICE_DONE = const(10)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_NOTIFY = const(18)

_FLAG_READ = const(0x0002)
_FLAG_WRITE_NO_RESPONSE = const(0x0004)
_FLAG_NOTIFY = const(0x0010)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
SERVICES = ((SERVICE_UUID, ((CHAR_UUID, _FLAG_READ | _FLAG_WRITE_NO_RESPONSE | _FLAG_NOTIFY),)),)

queued = []
found = {}
echoed = []


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        print("connect")
        found["conn"] = data[0]
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT):
        print("disconnect")
    elif event == _IRQ_GATTS_WRITE:
        echoed.append(ble.gatts_read(data[1]))
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        found["value"] = data[2]
    elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE):
        if data[1] != 0:
            print("discovery failed", event, data[1])
    elif event == _IRQ_GATTC_NOTIFY:
        # Echo straight from the handler.
        ble.gattc_write(data[0], data[1], bytes(data[2]), 0)
    else:
        print("unexpected event", event)
    queued.append(event)


def wait_for(event):
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        if event in queued:
            queued.remove(event)
            return
        time.sleep_ms(1)
    raise RuntimeError("timed out waiting for event %d" % event)


ble = bluetooth.BLE()
ble.irq(irq)


def instance0():
    ble.active(1)
    multitest.globals(BDADDR=ble.config("mac"))
    ((char,),) = ble.gatts_register_services(SERVICES)
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    conn = found["conn"]
    multitest.wait("discovered")
    in_order = True
    t0 = time.ticks_ms()
    for i in range(ROUNDS):
        ble.gatts_notify(conn, char, b"%d" % i)
        wait_for(_IRQ_GATTS_WRITE)
        in_order = in_order and echoed.pop(0) == b"%d" % i
    ms = time.ticks_diff(time.ticks_ms(), t0)
    print("round trips:", ROUNDS, "in order:", in_order)
    multitest.output_metric("notify ping-pong: %d round trips in %d ms, %.1f ms each" % (ROUNDS, ms, ms / ROUNDS))
    multitest.broadcast("finished")
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    multitest.next()
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000, 12_500, 12_500)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    conn = found["conn"]
    ble.gattc_discover_services(conn, SERVICE_UUID)
    wait_for(_IRQ_GATTC_SERVICE_DONE)
    ble.gattc_discover_characteristics(conn, *found["service"])
    wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
    multitest.broadcast("discovered")
    multitest.wait("finished")
    ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
