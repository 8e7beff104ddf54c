# Write throughput with an ATT MTU of 131: the central writes 128-byte
# values, first with response (one at a time), then without response as
# fast as the stack takes them (retrying while its buffers are full); the
# peripheral checks that every value arrives whole and in sequence. The
# rates are reported as metrics (not compared).
# instance0 is the peripheral, instance1 the central.
import errno
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
WITH_RESPONSE = const(20)
WITHOUT_RESPONSE = const(200)
SIZE = const(128)
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

_FLAG_WRITE_NO_RESPONSE = const(0x0004)
_FLAG_WRITE = const(0x0008)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
SERVICES = ((SERVICE_UUID, ((CHAR_UUID, _FLAG_WRITE | _FLAG_WRITE_NO_RESPONSE),)),)

queued = []
found = {}
arrived = {"count": 0, "good": 0, "next": 0}


def value(seq):
    return bytes([seq & 0xFF, seq >> 8]) + bytes((seq + j) & 0xFF for j in range(SIZE - 2))


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        print("connect")
        found["conn"] = data[0]
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT):
        print("disconnect")
    elif event == _IRQ_GATTS_WRITE:
        got = ble.gatts_read(data[1])
        if got == value(arrived["next"]):
            arrived["good"] += 1
        arrived["next"] += 1
        arrived["count"] += 1
        if arrived["count"] == WITH_RESPONSE + 1:
            arrived["t_first"] = time.ticks_ms()
        elif arrived["count"] == WITH_RESPONSE + WITHOUT_RESPONSE:
            arrived["t_last"] = time.ticks_ms()
        return
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        found["value"] = data[2]
    elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE):
        if data[1] != 0:
            print("discovery failed", event, data[1])
    elif event == _IRQ_GATTC_WRITE_DONE:
        if data[2] != 0:
            print("write failed", data[2])
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
        time.sleep_ms(1)
    raise RuntimeError("timed out waiting for event %d" % event)


ble = bluetooth.BLE()
ble.irq(irq)


def instance0():
    ble.active(1)
    ble.config(mtu=131)
    multitest.globals(BDADDR=ble.config("mac"))
    ((char,),) = ble.gatts_register_services(SERVICES)
    ble.gatts_set_buffer(char, SIZE)
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    wait_for(_IRQ_MTU_EXCHANGED)
    total = WITH_RESPONSE + WITHOUT_RESPONSE
    # Waits while values keep coming (at most TIMEOUT_MS between two).
    last, t_last = -1, time.ticks_ms()
    while arrived["count"] < total and time.ticks_diff(time.ticks_ms(), t_last) < TIMEOUT_MS:
        if arrived["count"] != last:
            last, t_last = arrived["count"], time.ticks_ms()
        time.sleep_ms(10)
    print("values:", arrived["count"], "whole and in sequence:", arrived["good"])
    if "t_first" in arrived and "t_last" in arrived:
        ms = max(1, time.ticks_diff(arrived["t_last"], arrived["t_first"]))
        multitest.output_metric("write without response at the server: %d B/s" % ((WITHOUT_RESPONSE - 1) * SIZE * 1000 // ms))
    multitest.broadcast("all arrived")
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    ble.config(mtu=131)
    multitest.next()
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    conn = found["conn"]
    ble.gattc_exchange_mtu(conn)
    wait_for(_IRQ_MTU_EXCHANGED)
    ble.gattc_discover_services(conn, SERVICE_UUID)
    wait_for(_IRQ_GATTC_SERVICE_DONE)
    ble.gattc_discover_characteristics(conn, *found["service"])
    wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
    handle = found["value"]

    t0 = time.ticks_ms()
    for seq in range(WITH_RESPONSE):
        ble.gattc_write(conn, handle, value(seq), 1)
        wait_for(_IRQ_GATTC_WRITE_DONE)
    ms = max(1, time.ticks_diff(time.ticks_ms(), t0))
    multitest.output_metric("write with response: %d B/s" % (WITH_RESPONSE * SIZE * 1000 // ms))

    t0 = time.ticks_ms()
    for seq in range(WITH_RESPONSE, WITH_RESPONSE + WITHOUT_RESPONSE):
        while True:
            try:
                ble.gattc_write(conn, handle, value(seq), 0)
                break
            except OSError as e:
                if e.errno not in (errno.ENOMEM, errno.EAGAIN, errno.EBUSY):
                    raise
                time.sleep_ms(1)
    ms = max(1, time.ticks_diff(time.ticks_ms(), t0))
    multitest.output_metric("write without response: %d B/s (queued)" % (WITHOUT_RESPONSE * SIZE * 1000 // ms))
    print("all written")
    multitest.wait("all arrived")
    ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
