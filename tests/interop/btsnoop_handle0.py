#!/usr/bin/env python3
"""btsnoop_handle0.py IN OUT: copies a btsnoop capture with the connection
handle of every ACL packet set to 0.

Why: btmon 5.66 (Debian 12) only keeps per-connection state for handle 0
(its free-slot marker and its lookup disagree), so decoding an ATT Read By
Type Request for characteristic declarations (0x2803) on any other handle
dereferences NULL and crashes. Real controllers and btvirt use other
handles. gap_scenario.sh decodes this copy when btmon crashes on the
original, so every packet is still checked by btmon."""
import struct
import sys

src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
out = bytearray(data[:16])
off = 16
while off + 24 <= len(data):
    rec = data[off:off + 24]
    incl = struct.unpack(">I", rec[4:8])[0]
    pkt = bytearray(data[off + 24:off + 24 + incl])
    off += 24 + incl
    if len(pkt) >= 3 and pkt[0] == 0x02:  # H4 ACL: handle in 12 bits, keep PB/BC flags
        pkt[1] = 0
        pkt[2] &= 0xF0
    out += rec + pkt
open(dst, "wb").write(out)
