# BLE calls from inside the IRQ handler: the central runs the whole client
# chain from its handler -- connect -> discover the service by UUID -> its
# characteristic -> its descriptors -> MTU exchange -> CCCD write -> two
# reads -- and recursion without end inside the handler raises a catchable
# RuntimeError. Both handlers look events up in a table of the expected
# ones: any other event (a connection update nobody asked for, a write
# event for the CCCD) raises KeyError in the handler and fails the test.
# instance0 is the peripheral, instance1 the central.
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
_IRQ_GATTC_DESCRIPTOR_RESULT = const(13)
_IRQ_GATTC_DESCRIPTOR_DONE = const(14)
_IRQ_GATTC_READ_RESULT = const(15)
_IRQ_GATTC_READ_DONE = const(16)
_IRQ_GATTC_WRITE_DONE = const(17)
_IRQ_MTU_EXCHANGED = const(21)

# Only these: 3 (GATTS_WRITE), 5, 6, 18-20 and 22-31 are not expected.
PERIPHERAL_EVENTS = {
    _IRQ_CENTRAL_CONNECT: "_IRQ_CENTRAL_CONNECT",
    _IRQ_CENTRAL_DISCONNECT: "_IRQ_CENTRAL_DISCONNECT",
    _IRQ_GATTS_READ_REQUEST: "_IRQ_GATTS_READ_REQUEST",
    _IRQ_MTU_EXCHANGED: "_IRQ_MTU_EXCHANGED",
}
CENTRAL_EVENTS = {
    _IRQ_PERIPHERAL_CONNECT: "_IRQ_PERIPHERAL_CONNECT",
    _IRQ_PERIPHERAL_DISCONNECT: "_IRQ_PERIPHERAL_DISCONNECT",
    _IRQ_GATTC_SERVICE_RESULT: "_IRQ_GATTC_SERVICE_RESULT",
    _IRQ_GATTC_SERVICE_DONE: "_IRQ_GATTC_SERVICE_DONE",
    _IRQ_GATTC_CHARACTERISTIC_RESULT: "_IRQ_GATTC_CHARACTERISTIC_RESULT",
    _IRQ_GATTC_CHARACTERISTIC_DONE: "_IRQ_GATTC_CHARACTERISTIC_DONE",
    _IRQ_GATTC_DESCRIPTOR_RESULT: "_IRQ_GATTC_DESCRIPTOR_RESULT",
    _IRQ_GATTC_DESCRIPTOR_DONE: "_IRQ_GATTC_DESCRIPTOR_DONE",
    _IRQ_GATTC_READ_RESULT: "_IRQ_GATTC_READ_RESULT",
    _IRQ_GATTC_READ_DONE: "_IRQ_GATTC_READ_DONE",
    _IRQ_GATTC_WRITE_DONE: "_IRQ_GATTC_WRITE_DONE",
    _IRQ_MTU_EXCHANGED: "_IRQ_MTU_EXCHANGED",
}

_FLAG_READ = const(0x0002)
_FLAG_NOTIFY = const(0x0010)

SERVICE_UUID = bluetooth.UUID("a5a5a5a5-ffff-9999-1111-5a5a5a5a5a5a")
CHAR_UUID = bluetooth.UUID("00000000-1111-2222-3333-444444444444")
DESC_A = bluetooth.UUID("00000000-1111-2222-3333-aaaaaaaaaaaa")
DESC_B = bluetooth.UUID("00000000-1111-2222-3333-bbbbbbbbbbbb")
CCCD_UUID = bluetooth.UUID(0x2902)
CHAR = (CHAR_UUID, _FLAG_READ | _FLAG_NOTIFY, ((DESC_A, _FLAG_READ), (DESC_B, _FLAG_READ)))
SERVICES = ((SERVICE_UUID, (CHAR,)),)

ble = bluetooth.BLE()
seen = []


def recurse(n):
    return recurse(n + 1) + 1


def deep_recursion():
    try:
        recurse(0)
    except RuntimeError:
        print("deep recursion: RuntimeError caught")


def peripheral_irq(event, data):
    print(PERIPHERAL_EVENTS[event])
    if event == _IRQ_MTU_EXCHANGED:
        print("mtu", data[1])
    seen.append(event)


class Central:
    def __init__(self):
        self.conn = None
        self.service = None
        self.value = None
        self.end = None
        self.cccd = None
        self.reads = 0
        self.descriptors = []

    def irq(self, event, data):
        print(CENTRAL_EVENTS[event])
        if event == _IRQ_PERIPHERAL_CONNECT:
            self.conn = data[0]
            deep_recursion()
            ble.gattc_discover_services(self.conn, SERVICE_UUID)
        elif event == _IRQ_GATTC_SERVICE_RESULT:
            self.service = (data[1], data[2])
            print("service range", data[2] - data[1], bluetooth.UUID(data[3]))
        elif event == _IRQ_GATTC_SERVICE_DONE:
            ble.gattc_discover_characteristics(self.conn, self.service[0], self.service[1], CHAR_UUID)
        elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
            self.end, self.value = data[1], data[2]
            print("characteristic", bluetooth.UUID(data[4]), hex(data[3]))
        elif event == _IRQ_GATTC_CHARACTERISTIC_DONE:
            ble.gattc_discover_descriptors(self.conn, self.value, self.end)
        elif event == _IRQ_GATTC_DESCRIPTOR_RESULT:
            uuid = bluetooth.UUID(data[2])
            print("descriptor", uuid)
            if uuid == CCCD_UUID:
                self.cccd = data[1]
        elif event == _IRQ_GATTC_DESCRIPTOR_DONE:
            ble.gattc_exchange_mtu(self.conn)
        elif event == _IRQ_MTU_EXCHANGED:
            print("mtu", data[1])
            ble.gattc_write(self.conn, self.cccd, b"\x01\x00", 1)
        elif event == _IRQ_GATTC_WRITE_DONE:
            print("status", data[2])
            ble.gattc_read(self.conn, self.value)
        elif event == _IRQ_GATTC_READ_RESULT:
            print("read", bytes(data[2]))
        elif event == _IRQ_GATTC_READ_DONE:
            self.reads += 1
            if self.reads < 2:
                ble.gattc_read(self.conn, self.value)
            else:
                ble.gap_disconnect(self.conn)
        seen.append(event)


def wait_for(event):
    t0 = time.ticks_ms()
    while time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        if event in seen:
            seen.remove(event)
            return
        time.sleep_ms(10)
    raise RuntimeError("timed out waiting for event %d" % event)


def instance0():
    ble.active(1)
    ble.config(mtu=200)
    multitest.globals(BDADDR=ble.config("mac"))
    ((char, desc_a, desc_b),) = ble.gatts_register_services(SERVICES)
    ble.gatts_write(char, b"value of the characteristic")
    ble.irq(peripheral_irq)
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    ble.config(mtu=160)
    central = Central()
    ble.irq(central.irq)
    multitest.next()
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    t0 = time.ticks_ms()
    while _IRQ_PERIPHERAL_DISCONNECT not in seen and time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        time.sleep_ms(10)
    print("chain complete:", _IRQ_PERIPHERAL_DISCONNECT in seen)
    ble.active(0)
