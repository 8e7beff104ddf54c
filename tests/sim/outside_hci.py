#!/usr/bin/env python3
"""An outside host for zble-sim, independent of zble: raw H4 over a unix
socket, TCP or a pty, Python 3 standard library only.

    outside_hci.py [--hci unix:PATH|tcp:HOST:PORT|tty:PATH] [--central DEMO ARGS...]

(default --hci unix:$ZBLE_SIM_DIR/dev0; $VARIABLES in the arguments are
expanded, for ctest, which passes them as written)

It plays the peripheral of the GAP demo's scenario (apps/gap_demo.c) by
hand: some garbage bytes first (the server's framer must skip them), HCI
Reset, Read BD_ADDR, event masks, LE Set Advertising Parameters / Data
(manufacturer data ff ff 'z' 'b' 'l' 'e') / Enable; then it expects an LE
Connection Complete as peripheral and a Disconnection Complete (the central
disconnects), advertises again, and on the second connection asks for a
100 ms interval over L2CAP signalling (Connection Parameter Update Request),
expects the accepting response and the LE Connection Update Complete, and
disconnects itself.

With --central, it starts that command (a zble central, e.g. zble_demo_coop
--role central --hci unix:$ZBLE_SIM_DIR/server) once it advertises and
requires its exit status 0 too. Under tests/sim/zble-sim-run.sh it also
checks that the server counted the garbage (server.log). Exit 0: all good.
"""
import os
import socket
import struct
import subprocess
import sys
import time

H4_CMD, H4_ACL, H4_EVT = 0x01, 0x02, 0x04
GARBAGE = bytes([0x00, 0xFF, 0x42, 0x99, 0x07, 0x08, 0x00, 0xAA])
MAGIC = bytes([0xFF, 0xFF]) + b"zble"

failures = 0
t0 = time.monotonic()
# Every wait here is for an event; this bound is only a guard against a
# hang, far above the usual (well under a second, even on a loaded machine).
HANG_S = 60


def say(msg):
    print("[outside %8.3f s] %s" % (time.monotonic() - t0, msg), flush=True)


def check(ok, what):
    global failures
    if not ok:
        failures += 1
        say("CHECK FAILED: " + what)
    return ok


class Transport:
    def __init__(self, spec):
        kind, _, rest = spec.partition(":")
        self.sock = None
        self.fd = None
        if kind == "unix":
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(rest)
        elif kind == "tcp":
            host, _, port = rest.rpartition(":")
            self.sock = socket.create_connection((host, int(port)))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        elif kind == "tty":
            import termios
            import tty
            self.fd = os.open(rest, os.O_RDWR | os.O_NOCTTY)
            tty.setraw(self.fd, termios.TCSANOW)
        else:
            raise SystemExit("unknown spec " + spec)
        self.buf = b""

    def send(self, data):
        if self.sock:
            self.sock.sendall(data)
        else:
            while data:
                n = os.write(self.fd, data)
                data = data[n:]

    def recv_some(self, timeout):
        if self.sock:
            self.sock.settimeout(timeout)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return None
            if not data:
                raise SystemExit("the server closed the connection")
            return data
        import select
        r, _, _ = select.select([self.fd], [], [], timeout)
        return os.read(self.fd, 4096) if r else None

    def packet(self, timeout):
        """The next H4 packet from the controller (type byte first), or None."""
        deadline = time.monotonic() + timeout
        while True:
            b = self.buf
            if len(b) >= 3 and b[0] == H4_EVT and len(b) >= 3 + b[2]:
                n = 3 + b[2]
                self.buf = b[n:]
                return b[:n]
            if len(b) >= 5 and b[0] == H4_ACL:
                n = 5 + struct.unpack_from("<H", b, 3)[0]
                if len(b) >= n:
                    self.buf = b[n:]
                    return b[:n]
            if b and b[0] not in (H4_EVT, H4_ACL):
                raise SystemExit("unexpected H4 type 0x%02x from the controller" % b[0])
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            data = self.recv_some(left)
            if data:
                self.buf += data

    def close(self):
        if self.sock:
            self.sock.close()
        else:
            os.close(self.fd)


class Host:
    def __init__(self, t):
        self.t = t
        self.pending = []  # events and ACL not consumed yet

    def _next(self, timeout):
        if self.pending:
            return self.pending.pop(0)
        return self.t.packet(timeout)

    def wait(self, match, timeout, what):
        """The first packet for which match(pkt) is true; others are kept."""
        deadline = time.monotonic() + timeout
        kept = []
        try:
            while True:
                left = deadline - time.monotonic()
                p = self._next(max(left, 0))
                if p is None:
                    check(False, "timed out waiting for " + what)
                    return None
                if match(p):
                    return p
                if p[0] == H4_EVT and p[1] == 0x13:
                    continue  # Number Of Completed Packets: nothing to do
                kept.append(p)
        finally:
            self.pending = kept + self.pending

    def cmd(self, opcode, params=b"", status_only=False):
        self.t.send(struct.pack("<BHB", H4_CMD, opcode, len(params)) + params)
        if status_only:
            ev = self.wait(lambda p: p[0] == H4_EVT and p[1] == 0x0F and
                           struct.unpack_from("<H", p, 5)[0] == opcode, HANG_S, "Command Status 0x%04x" % opcode)
            return (ev[3], b"") if ev else (0xFF, b"")
        ev = self.wait(lambda p: p[0] == H4_EVT and p[1] == 0x0E and
                       struct.unpack_from("<H", p, 4)[0] == opcode, HANG_S, "Command Complete 0x%04x" % opcode)
        if not ev:
            return 0xFF, b""
        return ev[6], bytes(ev[7:])

    def le_event(self, sub, timeout, what):
        return self.wait(lambda p: p[0] == H4_EVT and p[1] == 0x3E and p[3] == sub, timeout, what)

    def event(self, code, timeout, what):
        return self.wait(lambda p: p[0] == H4_EVT and p[1] == code, timeout, what)


def advertise(h):
    st, _ = h.cmd(0x200A, b"\x01")  # LE Set Advertising Enable
    check(st == 0, "advertising enable: status 0x%02x" % st)


def conn_complete(h, n):
    ev = h.le_event(0x01, HANG_S, "LE Connection Complete %d" % n)
    if not ev:
        return None
    status, handle, role, ptype = ev[4], struct.unpack_from("<H", ev, 5)[0], ev[7], ev[8]
    peer = ev[9:15][::-1].hex(":").upper()
    interval = struct.unpack_from("<H", ev, 15)[0]
    say("connected %d: status 0x%02x handle 0x%03x role %d peer %s (type %d) interval %d" %
        (n, status, handle, role, peer, ptype, interval))
    check(status == 0, "connection status")
    check(role == 1, "peripheral role")
    return handle


def disconn_complete(h, handle, what):
    ev = h.event(0x05, HANG_S, what)
    if not ev:
        return None
    status, hd, reason = ev[3], struct.unpack_from("<H", ev, 4)[0], ev[6]
    say("disconnected: status 0x%02x handle 0x%03x reason 0x%02x" % (status, hd, reason))
    check(status == 0 and hd == handle, "disconnection of our handle")
    return reason


def main():
    args = sys.argv[1:]
    spec, central = None, None
    while args:
        a = args.pop(0)
        if a == "--hci" and args:
            spec = os.path.expandvars(args.pop(0))
        elif a == "--central":
            central, args = [os.path.expandvars(x) for x in args], []
        else:
            raise SystemExit(__doc__)
    if not spec:
        d = os.environ.get("ZBLE_SIM_DIR")
        if not d:
            raise SystemExit("no --hci and no ZBLE_SIM_DIR")
        spec = "unix:" + d + "/dev0"

    t = Transport(spec)
    h = Host(t)
    say("on " + spec + ": sending %d garbage bytes, then HCI Reset" % len(GARBAGE))
    t.send(GARBAGE)
    st, _ = h.cmd(0x0C03)  # Reset
    check(st == 0, "reset: status 0x%02x" % st)
    st, rp = h.cmd(0x1009)  # Read BD_ADDR
    check(st == 0 and len(rp) == 6, "read BD_ADDR")
    addr = rp[::-1].hex(":").upper()
    say("BD_ADDR " + addr)
    check(rp != bytes(6), "a public address")
    # Disconnection Complete (bit 4) and LE Meta (bit 61); LE: connection
    # complete, advertising report, connection update complete.
    st, _ = h.cmd(0x0C01, struct.pack("<Q", (1 << 4) | (1 << 61)))
    check(st == 0, "set event mask")
    st, _ = h.cmd(0x2001, struct.pack("<Q", 0x07))
    check(st == 0, "LE set event mask")
    st, rp = h.cmd(0x2002)  # LE Read Buffer Size
    check(st == 0 and len(rp) == 3 and rp[2] > 0, "LE read buffer size")
    # 20..30 ms, ADV_IND, public, all channels, no filter.
    st, _ = h.cmd(0x2006, struct.pack("<HHBBB6sBB", 0x20, 0x30, 0, 0, 0, bytes(6), 7, 0))
    check(st == 0, "LE set advertising parameters: 0x%02x" % st)
    ad = bytes([2, 0x01, 0x06, len(MAGIC) + 1, 0xFF]) + MAGIC
    st, _ = h.cmd(0x2008, bytes([len(ad)]) + ad.ljust(31, b"\0"))
    check(st == 0, "LE set advertising data")
    advertise(h)
    say("advertising as %s with %s" % (addr, MAGIC.hex()))

    proc = subprocess.Popen(central) if central else None
    try:
        # First connection: the central sends data and disconnects.
        handle = conn_complete(h, 1)
        if handle is not None:
            reason = disconn_complete(h, handle, "the central's disconnection")
            check(reason == 0x13, "remote user terminated (0x%02x)" % (reason or 0))
            acl = [p for p in h.pending if p[0] == H4_ACL]
            say("received %d ACL packets on the first link" % len(acl))
            check(len(acl) >= 3, "the central's data arrived")
            h.pending = [p for p in h.pending if p[0] != H4_ACL]
            advertise(h)
            # Second connection: we ask for 100 ms over L2CAP signalling.
            handle = conn_complete(h, 2)
        if handle is not None:
            sig = struct.pack("<BBHHHHH", 0x12, 1, 8, 80, 80, 0, 400)
            l2cap = struct.pack("<HH", len(sig), 0x0005) + sig
            t.send(struct.pack("<BHH", H4_ACL, handle, len(l2cap)) + l2cap)
            say("sent a Connection Parameter Update Request (interval 80)")
            rsp = h.wait(lambda p: p[0] == H4_ACL and len(p) >= 11 and p[7] == 0x05 and p[9] == 0x13,
                         HANG_S, "Connection Parameter Update Response")
            if rsp:
                result = struct.unpack_from("<H", rsp, 13)[0]
                check(result == 0, "update accepted (result %d)" % result)
            ev = h.le_event(0x03, HANG_S, "LE Connection Update Complete")
            if ev:
                interval = struct.unpack_from("<H", ev, 7)[0]
                say("connection updated: interval %d" % interval)
                check(ev[4] == 0 and interval == 80, "new interval 80")
            time.sleep(0.3)
            st, _ = h.cmd(0x0406, struct.pack("<HB", handle, 0x13), status_only=True)
            check(st == 0, "disconnect: 0x%02x" % st)
            reason = disconn_complete(h, handle, "our disconnection")
            check(reason == 0x16, "terminated by local host (0x%02x)" % (reason or 0))
        if proc:
            rc = proc.wait(timeout=2 * HANG_S)
            say("central exit %d" % rc)
            check(rc == 0, "the central passed")
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
    t.close()

    d = os.environ.get("ZBLE_SIM_DIR")
    log = os.path.join(d, "server.log") if d else None
    if log and os.path.exists(log):
        # The server logs it when it resynchronises after our garbage.
        deadline = time.monotonic() + HANG_S
        while True:
            with open(log) as f:
                text = f.read()
            if "framing error(s) so far" in text or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        check("framing error(s) so far" in text, "the server counted our garbage")
    say("done: %s (%d failed checks)" % ("ok" if failures == 0 else "FAILED", failures))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
