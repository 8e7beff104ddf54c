# Notification throughput through the Python API: MTU 247 on a 7.5 ms
# connection interval, the peripheral notifies 300 values of MTU-3 bytes
# as fast as the stack takes them (retrying while its buffers are full);
# the central checks that all arrive whole and in order. The rate measured
# at the central is a metric (not compared).
# instance0 is the peripheral, instance1 the central.
import errno
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
COUNT = const(300)
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_NOTIFY = const(18)
_IRQ_MTU_EXCHANGED = const(21)

_FLAG_NOTIFY = const(0x0010)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
SERVICES = ((SERVICE_UUID, ((CHAR_UUID, _FLAG_NOTIFY),)),)

queued = []
found = {}
stream = {"count": 0, "good": 0, "bytes": 0}


def value(seq, n):
    return bytes([seq & 0xFF, seq >> 8]) + bytes((seq + j) & 0xFF for j in range(n - 2))


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        print("connect")
        found["conn"] = data[0]
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT):
        print("disconnect")
    elif event == _IRQ_GATTC_NOTIFY:
        got = bytes(data[2])
        if stream["count"] == 0:
            stream["t0"] = time.ticks_ms()
        if got == value(stream["count"], len(got)) and len(got) == found.get("mtu", 0) - 3:
            stream["good"] += 1
        stream["count"] += 1
        stream["bytes"] += len(got)
        stream["t1"] = time.ticks_ms()
        return
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
        time.sleep_ms(1)
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
    wait_for(_IRQ_MTU_EXCHANGED)
    conn, size = found["conn"], found["mtu"] - 3
    multitest.wait("ready")
    busy = 0
    for seq in range(COUNT):
        data = value(seq, size)
        while True:
            try:
                ble.gatts_notify(conn, char, data)
                break
            except OSError as e:
                if e.errno not in (errno.ENOMEM, errno.EAGAIN, errno.EBUSY):
                    raise
                busy += 1
                time.sleep_ms(1)
    print("all notified")
    multitest.output_metric("notify: %d times the stack was full" % busy)
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    ble.config(mtu=247)
    multitest.next()
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000, 7_500, 7_500)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    ble.gattc_exchange_mtu(found["conn"])
    wait_for(_IRQ_MTU_EXCHANGED)
    multitest.broadcast("ready")
    last, t_last = -1, time.ticks_ms()
    while stream["count"] < COUNT and time.ticks_diff(time.ticks_ms(), t_last) < TIMEOUT_MS:
        if stream["count"] != last:
            last, t_last = stream["count"], time.ticks_ms()
        time.sleep_ms(10)
    print("received:", stream["count"], "whole and in order:", stream["good"])
    if stream["count"] > 1:
        ms = max(1, time.ticks_diff(stream["t1"], stream["t0"]))
        multitest.output_metric("notify stream: %d bytes in %d ms, %d B/s at the central (7.5 ms interval, MTU %d)"
                                % (stream["bytes"], ms, stream["bytes"] * 1000 // ms, found["mtu"]))
    ble.gap_disconnect(found["conn"])
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
