# L2CAP connection-oriented channel: the peripheral listens, accepts (the
# _IRQ_L2CAP_ACCEPT handler returns 0) and both sides see the channel with
# the MTUs; 16 payloads of 400 down to 55 bytes go each way, the sender
# waiting for _IRQ_L2CAP_SEND_READY whenever l2cap_send returns False, the
# receiver draining with l2cap_recvinto until it returns 0; the byte counts
# and contents are exact; the central closes the channel, then the link.
# instance0 is the peripheral, instance1 the central.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_L2CAP_ACCEPT = const(22)
_IRQ_L2CAP_CONNECT = const(23)
_IRQ_L2CAP_DISCONNECT = const(24)
_IRQ_L2CAP_RECV = const(25)
_IRQ_L2CAP_SEND_READY = const(26)

PSM = const(0x0080)
MTU = const(512)
SIZES = [400 - 23 * i for i in range(16)]  # 400 ... 55

queued = []
link = {}
received = bytearray()
recv_buf = bytearray(MTU)


def irq(event, data):
    if event in (_IRQ_CENTRAL_CONNECT, _IRQ_PERIPHERAL_CONNECT):
        print("connect")
        link["conn"] = data[0]
    elif event in (_IRQ_CENTRAL_DISCONNECT, _IRQ_PERIPHERAL_DISCONNECT):
        print("disconnect")
    elif event == _IRQ_L2CAP_ACCEPT:
        conn, cid, psm, our_mtu, peer_mtu = data
        print("_IRQ_L2CAP_ACCEPT", psm, our_mtu, peer_mtu)
        return 0
    elif event == _IRQ_L2CAP_CONNECT:
        conn, cid, psm, our_mtu, peer_mtu = data
        print("_IRQ_L2CAP_CONNECT", psm, our_mtu, peer_mtu)
        link["cid"] = cid
    elif event == _IRQ_L2CAP_DISCONNECT:
        conn, cid, psm, status = data
        print("_IRQ_L2CAP_DISCONNECT", psm, status)
    elif event == _IRQ_L2CAP_RECV:
        conn, cid = data
        while True:
            n = ble.l2cap_recvinto(conn, cid, recv_buf)
            if n == 0:
                break
            received.extend(recv_buf[:n])
    elif event == _IRQ_L2CAP_SEND_READY:
        pass
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


def payload(i, n):
    return bytes((i * 7 + j) & 0xFF for j in range(n))


def send_all():
    conn, cid = link["conn"], link["cid"]
    for i, n in enumerate(SIZES):
        while _IRQ_L2CAP_SEND_READY in queued:
            queued.remove(_IRQ_L2CAP_SEND_READY)  # stale: from an earlier send
        if not ble.l2cap_send(conn, cid, payload(i, n)):
            wait_for(_IRQ_L2CAP_SEND_READY)


def receive_all():
    expected = b"".join(payload(i, n) for i, n in enumerate(SIZES))
    t0 = time.ticks_ms()
    while len(received) < len(expected) and time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        time.sleep_ms(10)
    print("received", len(received), "bytes, as sent:", bytes(received) == expected)
    del received[:]


ble = bluetooth.BLE()
if not hasattr(ble, "l2cap_connect"):
    multitest.skip()
ble.irq(irq)


def instance0():
    ble.active(1)
    multitest.globals(BDADDR=ble.config("mac"))
    ble.l2cap_listen(PSM, MTU)
    ble.gap_advertise(20_000)
    multitest.next()
    wait_for(_IRQ_CENTRAL_CONNECT)
    wait_for(_IRQ_L2CAP_CONNECT)
    receive_all()
    multitest.broadcast("received")
    send_all()
    wait_for(_IRQ_L2CAP_DISCONNECT)
    wait_for(_IRQ_CENTRAL_DISCONNECT)
    ble.active(0)


def instance1():
    ble.active(1)
    multitest.next()
    ble.gap_connect(BDADDR[0], BDADDR[1], 5000)
    wait_for(_IRQ_PERIPHERAL_CONNECT)
    ble.l2cap_connect(link["conn"], PSM, MTU)
    wait_for(_IRQ_L2CAP_CONNECT)
    send_all()
    multitest.wait("received")
    receive_all()
    ble.l2cap_disconnect(link["conn"], link["cid"])
    wait_for(_IRQ_L2CAP_DISCONNECT)
    ble.gap_disconnect(link["conn"])
    wait_for(_IRQ_PERIPHERAL_DISCONNECT)
    ble.active(0)
