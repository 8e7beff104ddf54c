# Connect and disconnect, from each side: the central disconnects the first
# link, the peripheral the second; advertising is restarted after each
# disconnect; gap_disconnect is True on a live link and False afterwards.
# Last, a connect to nobody times out (scan_duration_ms) and still ends in
# _IRQ_PERIPHERAL_DISCONNECT with handle 65535 and address type 255.
# instance0 is the peripheral, instance1 the central.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)

NAMES = {
    _IRQ_CENTRAL_CONNECT: "_IRQ_CENTRAL_CONNECT",
    _IRQ_CENTRAL_DISCONNECT: "_IRQ_CENTRAL_DISCONNECT",
    _IRQ_PERIPHERAL_CONNECT: "_IRQ_PERIPHERAL_CONNECT",
    _IRQ_PERIPHERAL_DISCONNECT: "_IRQ_PERIPHERAL_DISCONNECT",
}

queued = []


def irq(event, data):
    # Any event not named above is unexpected here: print it as a number.
    print(NAMES.get(event, event))
    if event in NAMES:
        queued.append((event, data[0], data[1]))


def wait_for(event):
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        for i, (ev, conn, addr_type) in enumerate(queued):
            if ev == event:
                del queued[i]
                return conn, addr_type
        time.sleep_ms(10)
    raise RuntimeError("timed out waiting for %s" % NAMES[event])


ble = bluetooth.BLE()
ble.irq(irq)


def instance0():
    ble.active(1)
    multitest.globals(BDADDR=ble.config("mac"))
    print("gap_advertise")
    ble.gap_advertise(20_000, b"\x02\x01\x06\x04\xffzbl")
    multitest.next()
    # First link: the central ends it.
    wait_for(_IRQ_CENTRAL_CONNECT)
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    print("gap_advertise")
    ble.gap_advertise(20_000)  # the previous payload is kept
    multitest.broadcast("advertising again")
    # Second link: we end it.
    conn, _ = wait_for(_IRQ_CENTRAL_CONNECT)
    multitest.wait("second link up")
    # The event may come before the call returns (events arrive on the
    # host's thread): print the result once both are in.
    ok = ble.gap_disconnect(conn)
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    print("gap_disconnect:", ok)
    print("gap_disconnect again:", ble.gap_disconnect(conn))
    ble.active(0)


def instance1():
    ble.active(1)
    multitest.next()
    print("gap_connect")
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    conn, _ = wait_for(_IRQ_PERIPHERAL_CONNECT)
    ok = ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    print("gap_disconnect:", ok)
    print("gap_disconnect again:", ble.gap_disconnect(conn))

    # (btvirt's controllers connect only to a peer advertising already.)
    multitest.wait("advertising again")
    print("gap_connect")
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    multitest.broadcast("second link up")
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)

    print("gap_connect to nobody")
    ble.gap_connect(0, b"\x00\x00\x5a\x0b\x1e\x00", 1000)
    print("failed connect:", wait_for(_IRQ_PERIPHERAL_DISCONNECT))
    ble.active(0)
