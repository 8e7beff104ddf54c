# Each instance reaches a controller of its own through ZBLE_HCI (raw H4:
# HCI_Reset, then its Command Complete; no bluetooth module needed).
import os
import socket


def reset():
    spec = os.environ["ZBLE_HCI"]
    assert spec.startswith("unix:"), spec
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(spec[5:])
    s.settimeout(10)
    s.sendall(bytes([0x01, 0x03, 0x0C, 0x00]))
    got = b""
    while len(got) < 7:
        got += s.recv(7 - len(got))
    print("reset:", got.hex())
    s.close()


def instance0():
    reset()
    multitest.next()


def instance1():
    multitest.next()
    reset()
