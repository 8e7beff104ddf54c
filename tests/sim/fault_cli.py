#!/usr/bin/env python3
"""The --fault option of zble_sim_server, end to end (Python 3, standard
library; the H4 plumbing comes from outside_hci.py).

    fault_cli.py --server PATH [--demo DEMO]

1. Bad specs: the server exits with status 2 and a "--fault" message on
   stderr before it creates anything; a spec using every item is accepted
   (the run then stops at a later spec naming a device that does not
   exist, which only the check after parsing catches).

2. With --demo (a zble GAP demo, zble_demo_coop), under
   tests/sim/zble-sim-run.sh started with
       --fault dev=1,after=connect,at=HW_MS,hw-error=0x5a
       --fault dev=1,after=connect,at=VANISH_MS,vanish
   the demo is the peripheral on dev0 and this script the central on dev1
   (raw HCI): it finds the demo's advertising, connects (supervision
   timeout 320 ms) and waits. HW_MS after dev1's connection is up the
   Hardware Error event (code 0x5a) must reach this host; VANISH_MS after
   it dev1 vanishes and the demo must report the disconnection with reason
   0x08 (Connection Timeout). The faults count from the connection, not
   from the server's start, so a slow machine only makes the test slower:
   every wait here is for an event, bounded only by a generous hang guard
   (HANG_S).
   The demo itself then fails its own scenario's checks (it expected the
   central to disconnect it); its output is shown, its status ignored, and
   it is killed at the end.
Exit 0: all good.
"""
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import outside_hci  # noqa: E402
from outside_hci import MAGIC, Host, Transport, say  # noqa: E402

failures = 0
HANG_S = 60  # a hang guard only: each wait normally ends within a second


def check(ok, what):
    global failures
    if not ok:
        failures += 1
        say("CHECK FAILED: " + what)
    return ok


BAD_SPECS = [
    ("dev=0,loss=0.5", "needs dev=K"),            # loss without peer
    ("at=100,vanish", "needs dev=K"),             # no device
    ("dev=0,bogus=1", "bad item 'bogus'"),
    ("dev=0,loss=1.5,peer=1", "bad item 'loss'"),  # not a probability
    ("dev=0,crc=-0.1,peer=1", "bad item 'crc'"),
    ("dev=0,drop=x", "bad item 'drop'"),
    ("dev=0,hw-error=0x100", "bad item 'hw-error'"),
    ("dev=0,swallow=0", "bad item 'swallow'"),
    ("dev=0,swallow=0x2006*x", "bad item 'swallow'"),
    ("dev=0,drop-next=0", "bad item 'drop-next'"),
    ("dev=0,drop-next=0x3e/0x10000", "bad item 'drop-next'"),
    ("dev=0,vanish=1", "bad item 'vanish'"),
    ("dev=0,radio-off=yes", "bad item 'radio-off'"),
    ("dev=0,at=-1", "bad item 'at'"),
    ("dev=0,at", "bad item 'at'"),
    ("dev=0,delay=", "bad item 'delay'"),
    ("dev=0,after=start,vanish", "bad item 'after'"),
    ("dev=0,after,vanish", "bad item 'after'"),
    ("dev=99999", "bad item 'dev'"),
    ("dev=0," + "x" * 300, "too long"),
]
# Parsed, but the devices do not exist (--devices 2).
BAD_DEVICES = ["dev=2,vanish", "dev=0,peer=2,loss=0.1", "dev=1,peer=1,crc=0.1"]
GOOD = ("dev=0,at=10,after=connect,peer=1,loss=0.1,crc=0.2,drop=0,drop-next=0x3e/0x01*2,drop-next=0x0e*0,"
        "delay=100,hold=5,hw-error=1,swallow=0x2006*0,radio-off,vanish")


def run_server(server, args, tmp):
    missing = os.path.join(tmp, "never")
    p = subprocess.run([server, "--unix", missing, "--devices", "2"] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG_S)
    check(not os.path.exists(missing), "nothing created for %s" % args)
    return p.returncode, p.stderr.decode(errors="replace")


def bad_specs(server):
    with tempfile.TemporaryDirectory() as tmp:
        for spec, msg in BAD_SPECS:
            rc, err = run_server(server, ["--fault", spec], tmp)
            check(rc == 2 and ("--fault: " + msg) in err and "bad argument --fault" in err,
                  "--fault %s: exit %d, stderr %r" % (spec[:40], rc, err[:120]))
        for spec in BAD_DEVICES:
            rc, err = run_server(server, ["--fault", spec], tmp)
            check(rc == 2 and "--fault: no device" in err, "--fault %s: exit %d, stderr %r" % (spec, rc, err[:120]))
        # A spec with every item passes the parser; the run stops at the next.
        rc, err = run_server(server, ["--fault", GOOD, "--fault", "dev=3,hw-error=1"], tmp)
        check(rc == 2 and "--fault: no device 3" in err and "bad item" not in err,
              "a spec with every item accepted: exit %d, stderr %r" % (rc, err[:200]))
        rc, err = run_server(server, ["--fault"], tmp)
        check(rc == 2 and "bad argument --fault" in err, "--fault without a spec: exit %d" % rc)
        more = []
        for _ in range(17):
            more += ["--fault", "dev=0,vanish"]
        rc, err = run_server(server, more, tmp)
        check(rc == 2 and "--fault: at most 16" in err, "17 specs: exit %d, stderr %r" % (rc, err[:120]))
        p = subprocess.run([server, "--help"], stdout=subprocess.PIPE, timeout=HANG_S)
        check(p.returncode == 0 and b"--fault SPEC" in p.stdout and b"hw-error=C" in p.stdout, "--help lists --fault")
    say("bad specs: %d checked" % (len(BAD_SPECS) + len(BAD_DEVICES) + 4))


def server_lines(sim_dir, what):
    try:
        with open(os.path.join(sim_dir, "server.log")) as f:
            return [ln for ln in f if what in ln]
    except OSError:
        return []


def fault_lines(sim_dir):
    return server_lines(sim_dir, "fault applied to dev1")


def wait_for(cond, what):
    """Polls cond() until true; HANG_S is only a guard against a hang."""
    deadline = time.monotonic() + HANG_S
    while not cond():
        if time.monotonic() >= deadline:
            check(False, "timed out waiting for " + what)
            return False
        time.sleep(0.05)
    return True


def find_demo(h):
    """The demo's address from an advertising report carrying MAGIC."""
    deadline = time.monotonic() + HANG_S
    while time.monotonic() < deadline:
        ev = h.le_event(0x02, max(deadline - time.monotonic(), 0), "the demo's advertising")
        if not ev:
            return None
        p, n = 5, ev[4]
        for _ in range(n):
            if p + 9 > len(ev):
                break
            etype, atype, addr, dlen = ev[p], ev[p + 1], bytes(ev[p + 2:p + 8]), ev[p + 8]
            data = bytes(ev[p + 9:p + 9 + dlen])
            p += 9 + dlen + 1
            if MAGIC in data and etype in (0x00, 0x01):
                return atype, addr
    check(False, "no advertising report from the demo")
    return None


def live_run(demo):
    sim_dir = os.environ.get("ZBLE_SIM_DIR")
    if not sim_dir:
        raise SystemExit("--demo needs ZBLE_SIM_DIR (run under zble-sim-run.sh)")
    lines = []

    def reader(stream):
        for raw in stream:
            ln = raw.decode(errors="replace").rstrip("\n")
            lines.append(ln)
            print("  demo| " + ln, flush=True)

    proc = subprocess.Popen([demo, "--role", "peripheral", "--no-gatt", "--hci", "unix:" + sim_dir + "/dev0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    th = threading.Thread(target=reader, args=(proc.stdout,), daemon=True)
    th.start()
    t = Transport("unix:" + sim_dir + "/dev1")
    h = Host(t)
    try:
        st, _ = h.cmd(0x0C03)  # Reset
        check(st == 0, "reset")
        # Disconnection Complete (4), Hardware Error (15), LE Meta (61).
        st, _ = h.cmd(0x0C01, struct.pack("<Q", (1 << 4) | (1 << 15) | (1 << 61)))
        check(st == 0, "set event mask")
        st, _ = h.cmd(0x2001, struct.pack("<Q", 0x03))  # Connection Complete, Advertising Report
        check(st == 0, "LE set event mask")
        st, _ = h.cmd(0x200B, struct.pack("<BHHBB", 0, 0x10, 0x10, 0, 0))  # passive, 10 ms
        check(st == 0, "LE set scan parameters")
        st, _ = h.cmd(0x200C, b"\x01\x00")
        check(st == 0, "LE set scan enable")
        found = find_demo(h)
        h.cmd(0x200C, b"\x00\x00")
        if not found:
            return
        atype, addr = found
        say("the demo advertises as %s (type %d)" % (addr[::-1].hex(":").upper(), atype))
        # 30 ms interval, latency 0, supervision timeout 320 ms.
        st, _ = h.cmd(0x200D, struct.pack("<HHBB6sBHHHHHH", 0x10, 0x10, 0, atype, addr, 0,
                                          24, 24, 0, 32, 0, 0), status_only=True)
        check(st == 0, "LE create connection: 0x%02x" % st)
        ev = h.le_event(0x01, HANG_S, "LE Connection Complete")
        if not ev:
            return
        status, role = ev[4], ev[7]
        say("connected: status 0x%02x role %d" % (status, role))
        check(status == 0 and role == 0, "connected as central")
        ev = h.event(0x10, HANG_S, "Hardware Error")
        if ev:
            say("Hardware Error: code 0x%02x" % ev[3])
            check(ev[2] == 1 and ev[3] == 0x5A, "Hardware Error code 0x5a")
        wait_for(lambda: any("disconnected: reason" in ln for ln in lines), "the demo's disconnection")
        reasons = [ln for ln in lines if "disconnected: reason" in ln]
        check(len(reasons) == 1 and reasons[0].endswith("reason 0x08"),
              "the demo saw a supervision timeout (0x08): %s" % reasons)
        wait_for(lambda: len(fault_lines(sim_dir)) == 2, "the server's log of both faults")
        # Both were timed from dev1's connection: its line comes first.
        log = [ln for ln in server_lines(sim_dir, "dev1") if "fault" in ln]
        check(len(log) == 4 and all("connected: fault due" in ln for ln in log[:2]),
              "both faults timed from dev1's connection: %s" % log)
    finally:
        t.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        th.join(timeout=2)


def main():
    args = sys.argv[1:]
    server, demo = None, None
    while args:
        a = args.pop(0)
        if a == "--server" and args:
            server = args.pop(0)
        elif a == "--demo" and args:
            demo = args.pop(0)
        else:
            raise SystemExit(__doc__)
    if not server:
        raise SystemExit(__doc__)
    bad_specs(server)
    if demo:
        live_run(demo)
    total = failures + outside_hci.failures
    say("done: %s (%d failed checks)" % ("ok" if total == 0 else "FAILED", total))
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
