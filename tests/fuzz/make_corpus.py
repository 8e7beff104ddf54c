#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets (tests/fuzz/corpus/):
valid packets and exchanges in each target's input format (see the
comment at the top of each fuzz_*.c). Run from anywhere; it rewrites the
generated files (seed_*), hand-made ones stay."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def u16(v):
    return struct.pack('<H', v)


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed_' + name), 'wb') as f:
        f.write(bytes(data))


# ---- h4: config byte, chunking seed, stream ----
cc_reset = bytes([0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00])
acl = bytes([0x02, 0x40, 0x20, 0x07, 0x00, 0x03, 0x00, 0x04, 0x00, 0x0a, 0x03, 0x00])
iso = bytes([0x05, 0x01, 0x00, 0x04, 0x00, 1, 2, 3, 4])
cmd = bytes([0x01, 0x03, 0x0c, 0x00])
write('h4', 'events', [0x01, 0x11] + list(cc_reset * 3))
write('h4', 'mixed', [0x03, 0x2b] + list(cc_reset + acl + iso + cc_reset))
write('h4', 'controller', [0x02, 0x85] + list(cmd + acl + cmd))
write('h4', 'garbage', [0x05, 0x07] + list(b'\xff\x00\x02\xff\xff' + cc_reset + b'\x04\x3e' + acl))

# ---- hci_scan: variant byte, records ----
def le_meta(sub, params):
    return [0x00, sub, len(params)] + list(params)


def event(code, params):
    return [0x01, code, len(params)] + list(params)


addr = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66]
ad = [0x02, 0x01, 0x06, 0x05, 0x09] + list(b'zble')
adv_report = le_meta(0x02, [1, 0x00, 0x00] + addr + [len(ad)] + ad + [0xc4])
ext = [1] + list(u16(0x0013)) + [0] + addr + [1, 0, 0xff, 0x7f, 0xc4] + list(u16(0)) + [0] + [0] * 6 + [len(ad)] + ad
ext_report = le_meta(0x0d, ext)
conn = [0x00] + list(u16(0x0040)) + [0x01, 0x00] + addr + list(u16(0x28)) + list(u16(0)) + list(u16(400)) + [0]
conn_complete = le_meta(0x01, conn)
disconn = event(0x05, [0x00] + list(u16(0x0040)) + [0x13])
nocp = event(0x13, [1] + list(u16(0x0040)) + list(u16(1)))
nop = event(0x0e, [0x01, 0x00, 0x00])
stray = event(0x0e, [0x01, 0x05, 0x20, 0x00])
status = event(0x0f, [0x00, 0x01, 0x0d, 0x20])
hw_error = event(0x10, [0x01])
dle = le_meta(0x07, list(u16(0x0040)) + list(u16(251)) + list(u16(2120)) + list(u16(251)) + list(u16(2120)))
write('hci_scan', 'legacy_reports', [0x00] + adv_report * 3 + [0x05 | (4 << 3)] + adv_report)
write('hci_scan', 'ext_reports', [0x01] + ext_report * 2)
write('hci_scan', 'connection', [0x02] + conn_complete + dle + nocp + disconn)
write('hci_scan', 'credits', [0x00] + nop + stray + status + hw_error + [0x06 | (1 << 3)] + adv_report)
write('hci_scan', 'acl', [0x03] + conn_complete + [0x07] + list(u16(0x2040)) + [7, 3, 0, 4, 0, 0x02, 0x17, 0x00]
      + disconn)

# ---- acl_periph: records ----
def att(pdu):
    return [0x00, len(pdu)] + list(pdu)


def sig(pdu):
    return [0x02, len(pdu)] + list(pdu)


def kframe(payload):
    return [0x03, len(payload)] + list(payload)


def smp(pdu):
    return [0x04, len(pdu)] + list(pdu)


write('acl_periph', 'discovery', att([0x02, 0xf7, 0x00]) + att([0x10, 1, 0, 0xff, 0xff, 0x00, 0x28])
      + att([0x08, 10, 0, 0xff, 0xff, 0x03, 0x28]) + att([0x04, 12, 0, 0xff, 0xff]))
write('acl_periph', 'read_write', att([0x0a, 12, 0]) + att([0x0c, 16, 0, 22, 0]) + att([0x12, 13, 0, 1, 0])
      + att([0x12, 12, 0]) + list(b'hello') + [0x07 | (0 << 3), 10] + att([0x1e, 0x00]))
write('acl_periph', 'prepared', att([0x16, 12, 0, 0, 0] + list(b'abcd')) + att([0x16, 12, 0, 4, 0] + list(b'efgh'))
      + att([0x18, 0x01]) + att([0x16, 12, 0, 0, 0, 1]) + att([0x18, 0x00]))
write('acl_periph', 'signalling', sig([0x12, 0x05, 8, 0] + list(u16(6)) + list(u16(12)) + list(u16(0)) + list(u16(400)))
      + sig([0x16, 0x06, 4, 0] + list(u16(0x0040)) + list(u16(3)))
      + sig([0x14, 0x07, 10, 0] + list(u16(0x0080)) + list(u16(0x0041)) + list(u16(100)) + list(u16(50)) + list(u16(2)))
      + sig([0x06, 0x08, 4, 0] + list(u16(0x0040)) + list(u16(0x0040))))
write('acl_periph', 'coc_data', kframe(list(u16(10)) + list(range(10))) + kframe(list(u16(100)) + list(range(62)))
      + kframe(list(range(38))) + [0x07 | (2 << 3), 50, 0])
write('acl_periph', 'smp', smp([0x01, 0x03, 0x00, 0x01, 0x10, 0x07, 0x07]) + smp([0x05, 0x05]))

# ---- gatt_client: records; op & 7 == 0 starts procedure op >> 3 ----
def start(kind, a, b, stop=0):
    return [kind << 3, a, b, stop]


def rsp(body):
    return [0x01, len(body)] + list(body)


def err(handle, code):
    return [0x03] + list(u16(handle)) + [code]


write('gatt_client', 'primary', start(0, 0, 0xff) + rsp([6] + list(u16(1)) + list(u16(5)) + list(u16(0x1800))
                                                       + list(u16(6)) + list(u16(9)) + list(u16(0x1801)))
      + err(10, 0x0a))
write('gatt_client', 'by_uuid', start(1, 0, 0xff) + rsp(list(u16(0x10)) + list(u16(0x20))) + err(0x21, 0x0a))
write('gatt_client', 'characteristics', start(4, 0, 0xff) + rsp([7] + list(u16(2)) + [0x1a] + list(u16(3))
                                                               + list(u16(0x2a19))) + err(4, 0x0a))
write('gatt_client', 'descriptors', start(5, 2, 0x10) + rsp([1] + list(u16(4)) + list(u16(0x2902))
                                                           + list(u16(5)) + list(u16(0x2901))) + err(6, 0x0a))
write('gatt_client', 'included', start(3, 0, 0x20) + rsp([8] + list(u16(2)) + list(u16(0x10)) + list(u16(0x12))
                                                        + list(u16(0x180f))) + err(3, 0x0a))
write('gatt_client', 'read_long', start(8, 2, 1) + rsp(list(range(22))) + rsp(list(range(22))) + rsp([1, 2]))
write('gatt_client', 'read_multiple', start(9, 0, 2) + rsp(list(u16(2)) + [1, 2] + list(u16(1)) + [3]))
write('gatt_client', 'write_long', start(11, 2, 20) + [0x01, 40] + [0] * 40 + [0x01, 40] + [0] * 40
      + [0x01, 0] * 3)
write('gatt_client', 'subscribe', start(13, 2, 0) + rsp([]) + [0x05, 4, 1, 2, 3, 4] + [0x15, 2, 9, 9]
      + start(13, 2, 0) + rsp([]))
write('gatt_client', 'mtu', start(15, 0, 0) + rsp(list(u16(100))) + start(8, 2, 1) + [0xfe])

# ---- adv_data: configuration byte, advertising data ----
flags_name = [0x02, 0x01, 0x06, 0x05, 0x09] + list(b'zble') + [0x03, 0x03, 0x0f, 0x18]
write('adv_data', 'short', [0x05] + flags_name)
write('adv_data', 'long_chain', [0x0a] + flags_name * 20)
write('adv_data', 'truncated', [0x4c] + flags_name * 6)
write('adv_data', 'manufacturer', [0x80] + [0x07, 0xff, 0x59, 0x00, 1, 2, 3, 4, 0x00, 0x11])
