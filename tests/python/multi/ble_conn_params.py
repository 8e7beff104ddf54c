# Connection intervals given to gap_connect are the link's: with a 250 ms
# interval every read needs at least one connection event to get its
# response, so four reads take at least 4 x 250 ms; on a 7.5 ms link the
# same reads come back well within that. (Only the physical lower bound is
# asserted; how fast the fast link is, is a metric.) The peripheral sees no
# connection update it did not ask for.
# instance0 is the peripheral, instance1 the central.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
READS = const(4)
SLOW_US = const(250_000)
FAST_US = const(7_500)
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
_IRQ_CONNECTION_UPDATE = const(27)

_FLAG_READ = const(0x0002)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
SERVICES = ((SERVICE_UUID, ((CHAR_UUID, _FLAG_READ),)),)

queued = []
found = {}


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        print("connect")
        found["conn"] = data[0]
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT):
        print("disconnect")
    elif event == _IRQ_GATTC_SERVICE_RESULT:
        found["service"] = (data[1], data[2])
    elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
        found["value"] = data[2]
    elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE, _IRQ_GATTC_READ_DONE):
        if data[-1] != 0:
            print("failed", event, data[-1])
    elif event in (_IRQ_GATTS_READ_REQUEST, _IRQ_GATTC_READ_RESULT):
        pass
    elif event == _IRQ_CONNECTION_UPDATE:
        print("_IRQ_CONNECTION_UPDATE (unexpected)", data[1:])
    else:
        print("unexpected event", event)
    queued.append(event)


def wait_for(event, timeout_ms=TIMEOUT_MS):
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < timeout_ms:
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
    ble.gatts_write(char, b"x")
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT, 8000)
    wait_for(_IRQ_CENTRAL_DISCONNECT, 8000)
    ble.gap_advertise(20_000)
    multitest.broadcast("advertising")
    wait_for(_IRQ_CENTRAL_CONNECT, 8000)
    wait_for(_IRQ_CENTRAL_DISCONNECT, 8000)
    ble.active(0)


def timed_reads(interval_us):
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000, interval_us, interval_us)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    conn = found["conn"]
    ble.gattc_discover_services(conn, SERVICE_UUID)
    wait_for(_IRQ_GATTC_SERVICE_DONE)
    ble.gattc_discover_characteristics(conn, *found["service"])
    wait_for(_IRQ_GATTC_CHARACTERISTIC_DONE)
    t0 = time.ticks_ms()
    for _ in range(READS):
        ble.gattc_read(conn, found["value"])
        wait_for(_IRQ_GATTC_READ_DONE)
    ms = time.ticks_diff(time.ticks_ms(), t0)
    ble.gap_disconnect(conn)
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    return ms


def instance1():
    ble.active(1)
    multitest.next()
    fast = timed_reads(FAST_US)
    multitest.wait("advertising")
    slow = timed_reads(SLOW_US)
    print("slow link: reads took at least READS x interval:", slow >= READS * SLOW_US // 1000)
    multitest.output_metric("%d reads: %d ms at 7.5 ms, %d ms at 250 ms" % (READS, fast, slow))
    ble.active(0)
