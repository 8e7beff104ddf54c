#!/usr/bin/env python3
"""Two zble-shell processes on zble_sim_server, driven through their stdin
(Python 3, standard library only). Run it under tests/sim/zble-sim-run.sh,
which exports ZBLE_SIM_DIR:

    shell_pair.py --shell PATH [--shell-b PATH]

Shell A is a GATT server and L2CAP listener that advertises; shell B
connects to it and, as a client:
  1. discovers, and every CCCD of A's database is reported (Service
     Changed's, 0xfff2's and 0xfff3's);
  2. writes 140 bytes with a command line of exactly 300 characters (a long
     write: prepared, executed) and reads them back;
  3. writes 400 bytes, more than its share of A's prepare queue holds at
     MTU 23: A answers Prepare Queue Full, B cancels the queue, and the
     value must not have changed;
  4. sends a line longer than the shell takes: refused whole, no bogus
     command from its pieces;
  5. subscribes to two characteristics at once, gets a notification and an
     indication, drops one subscription and keeps the other;
  6. opens an L2CAP credit-based channel to A's PSM, sends a 600-byte SDU
     (segmented), gets 5 bytes back, and closes it.
Both shells must then quit with status 0: under ASan a sanitizer report or
a leak makes it non-zero. Every wait is for an event, bounded only to fail
instead of hanging.
Exit 0: all good.
"""
import argparse
import os
import queue
import re
import subprocess
import sys
import threading
import time

WAIT_S = 60  # bound of one wait: only reached when something is broken
failures = 0
t0 = time.monotonic()
print_lock = threading.Lock()  # one line at a time from the reader threads


def show(line):
    with print_lock:
        print(line, flush=True)


def say(msg):
    show("[shell_pair %7.3f s] %s" % (time.monotonic() - t0, msg))


def check(ok, what):
    global failures
    if not ok:
        failures += 1
        say("CHECK FAILED: " + what)
    return ok


class Shell:
    def __init__(self, name, path, hci):
        self.name = name
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen([path, "--hci", hci], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.mark = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            show("  %s| %s" % (self.name, line))
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # end of output
            self.cond.notify_all()

    def send(self, line):
        """Sends a command line; later waits look at what comes after it."""
        with self.cond:
            self.mark = len(self.lines)
        shown = line if len(line) <= 100 else line[:60] + "...(%d characters)" % len(line)
        show("  %s> %s" % (self.name, shown))
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def pos(self):
        """Where the output is now: for expect(start=) and since()."""
        with self.cond:
            return len(self.lines)

    def since(self, start):
        with self.cond:
            return [ln for ln in self.lines[start:] if ln is not None]

    def since_mark(self):
        return self.since(self.mark)

    def expect(self, pattern, what=None, start=None):
        """The first line matching pattern (a regex) since start (default:
        the last send), waiting for it; None (and a failed check) if it
        never comes."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + WAIT_S
        with self.cond:
            i = self.mark if start is None else start
            while True:
                while i < len(self.lines):
                    ln = self.lines[i]
                    i += 1
                    if ln is None:
                        check(False, "%s ended waiting for %s" % (self.name, what or pattern))
                        return None
                    m = rx.search(ln)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    check(False, "%s: no line matching %s" % (self.name, what or pattern))
                    return None
                self.cond.wait(left)

    def command(self, line, result="ok"):
        """A command and the shell's "cmd: result" line for it."""
        self.send(line)
        cmd = line.split()[0]
        return self.expect(r"\] %s: %s$" % (re.escape(cmd), re.escape(result)), "'%s' -> %s" % (line[:40], result))

    def quit(self):
        self.send("quit")
        try:
            rc = self.proc.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.reader.join(timeout=10)
        return rc

    def all_output(self):
        with self.cond:
            return [ln for ln in self.lines if ln is not None]


def hexs(data):
    return data.hex()


def discover(a, b):
    b.send("gatt discover 0")
    b.expect(r"gatt: discovery complete")
    lines = b.since_mark()
    chrcs = {}
    for ln in lines:
        m = re.search(r"characteristic (\S+) value 0x([0-9a-f]{4})", ln)
        if m:
            chrcs[m.group(1)] = int(m.group(2), 16)
    cccds = sorted(int(m.group(1), 16) for m in (re.search(r"CCCD 0x([0-9a-f]{4})$", ln) for ln in lines) if m)
    check(any(re.search(r"service fff0 ", ln) for ln in lines), "service 0xfff0 discovered")
    for uuid in ("fff1", "fff2", "fff3", "2a05"):
        check(uuid in chrcs, "characteristic %s discovered" % uuid)
    if not all(u in chrcs for u in ("fff1", "fff2", "fff3", "2a05")):
        return None
    # Each CCCD follows its characteristic's value in these databases.
    want = sorted(chrcs[u] + 1 for u in ("2a05", "fff2", "fff3"))
    check(cccds == want, "CCCDs reported: %s, expected %s" % ([hex(h) for h in cccds], [hex(h) for h in want]))
    say("discovery: characteristics %s, CCCDs %s" % ({k: hex(v) for k, v in chrcs.items()}, [hex(h) for h in cccds]))
    return chrcs


def writes(a, b, h):
    value = bytes((7 * i + 3) & 0xFF for i in range(140))
    line = "gatt write 0 0x%04x %s" % (h, hexs(value))
    check(len(line) == 300, "the write's command line has 300 characters (%d)" % len(line))
    b.command(line)
    b.expect(r"gatt: write of 140 bytes to 0x%04x: done" % h, "the 140-byte write done")
    a.expect(r"written by a client: handle 0x%04x, 140 bytes: %s\.\.\." % (h, hexs(value[:64])),
             "A's value is the 140 bytes")
    for s in (a, b):
        check(not any("unknown command" in ln for ln in s.all_output()), "%s: no bogus command" % s.name)
    b.command("gatt read 0 0x%04x" % h)
    b.expect(r"gatt: read handle 0x%04x, 140 bytes: %s\.\.\." % (h, hexs(value[:64])), "read back")

    # More parts than A's prepare queue keeps for one link: cancelled.
    big = bytes((i * 5) & 0xFF for i in range(400))
    a_before = a.pos()
    b.command("gatt write 0 0x%04x %s" % (h, hexs(big)))
    b.expect(r"gatt: write of 400 bytes to 0x%04x: failed \(0x09\)" % h, "Prepare Queue Full")
    b.command("gatt read 0 0x%04x" % h)
    b.expect(r"gatt: read handle 0x%04x, 140 bytes: %s\.\.\." % (h, hexs(value[:64])), "the value is unchanged")
    a.command("info")  # everything A printed meanwhile is in
    check(not any("written by a client" in ln for ln in a.since(a_before)), "the cancelled write wrote nothing")

    # Longer than a line may be: refused whole.
    b.send("gatt write 0 0x%04x %s" % (h, "ab" * 700))
    b.expect(r"line too long \(more than \d+ characters\): ignored")
    b.command("conns")
    check(not any("unknown command" in ln or "gatt: " in ln for ln in b.since_mark() if "conns" not in ln),
          "no pieces of the long line ran")


def subscriptions(a, b, chrcs):
    f2, f3 = chrcs["fff2"], chrcs["fff3"]
    a_before = a.pos()
    b.command("gatt subscribe 0 0x%04x 0x%04x notify" % (f2, f2 + 1))
    b.expect(r"CCCD 0x%04x of 0x%04x written: 0x00" % (f2 + 1, f2))
    b.command("gatt subscribe 0 0x%04x 0x%04x indicate" % (f3, f3 + 1))
    b.expect(r"CCCD 0x%04x of 0x%04x written: 0x00" % (f3 + 1, f3))
    a.expect(r"set the CCCD 0x%04x to 0x0001" % (f2 + 1), "A saw the notify subscription", start=a_before)
    a.expect(r"set the CCCD 0x%04x to 0x0002" % (f3 + 1), "A saw the indicate subscription", start=a_before)
    a.command("gatt notify 0a0b")
    b.expect(r"notification/indication handle 0x%04x, 2 bytes: 0a0b" % f2)
    a.command("gatt indicate 0c0d fff3")
    b.expect(r"notification/indication handle 0x%04x, 2 bytes: 0c0d" % f3)
    a.expect(r"indication confirmed")
    a_before = a.pos()
    b.command("gatt unsubscribe 0 0x%04x" % f2)
    b.expect(r"unsubscribed from 0x%04x" % f2)
    a.expect(r"set the CCCD 0x%04x to 0x0000" % (f2 + 1), "A saw the unsubscribe", start=a_before)
    a.command("gatt indicate 0e0f fff3")
    b.expect(r"notification/indication handle 0x%04x, 2 bytes: 0e0f" % f3, "the other subscription stays")
    a.expect(r"indication confirmed")


def l2cap(a, b):
    a_before = a.pos()
    b.command("l2cap connect 0 0x0080")
    b.expect(r"l2cap: channel 0 connected on connection 0: PSM 0x0080")
    a.expect(r"l2cap: channel 0 connected on connection 0: PSM 0x0080", start=a_before)
    a_before = a.pos()
    sdu = bytes(i & 0xFF for i in range(600))
    b.command("l2cap send 0 len:600")
    a.expect(r"l2cap: channel 0 received 600 bytes, sum 0x%04x: %s\.\.\." % (sum(sdu) & 0xFFFF, hexs(sdu[:64])),
             "the 600-byte SDU", start=a_before)
    b.expect(r"l2cap: channel 0 sent an SDU")
    a.command("l2cap send 48656c6c6f")
    b.expect(r"l2cap: channel 0 received 5 bytes, sum 0x%04x: 48656c6c6f$" % (sum(b"Hello") & 0xFFFF))
    a_before = a.pos()
    b.command("l2cap disconnect")
    b.expect(r"l2cap: channel 0 disconnected \(err 0")
    a.expect(r"l2cap: channel 0 disconnected \(err 0", start=a_before)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shell", required=True, help="zble_shell_coop or zble_shell_threads")
    ap.add_argument("--shell-b", help="the second shell (default: the same)")
    args = ap.parse_args()
    sim_dir = os.environ.get("ZBLE_SIM_DIR")
    if not sim_dir:
        say("ZBLE_SIM_DIR is not set: run me under tests/sim/zble-sim-run.sh")
        return 2
    hci = "unix:" + os.path.join(sim_dir, "server")
    a = Shell("A", args.shell, hci)
    b = Shell("B", args.shell_b or args.shell, hci)
    try:
        m = a.expect(r"identity (\S+) \((public|random)\)", "A's identity", start=0)
        b.expect(r"identity (\S+)", "B's identity", start=0)
        if not m:
            return 1
        a.command("gatt server")
        a.command("l2cap listen 0x0080")
        a.command("adv on zble-a")
        a_before = a.pos()
        b.command("connect %s %s" % (m.group(1), m.group(2)))
        b.expect(r"connected 0: .* as central")
        a.expect(r"connected 0: .* as peripheral", start=a_before)
        if failures:
            return 1
        chrcs = discover(a, b)
        if chrcs:
            writes(a, b, chrcs["fff1"])
            subscriptions(a, b, chrcs)
        l2cap(a, b)
        a_before = a.pos()
        b.command("disconnect 0")
        b.expect(r"disconnected 0: reason")
        a.expect(r"disconnected 0: reason", start=a_before)
    finally:
        for s in (b, a):
            rc = s.quit()
            check(rc == 0, "%s exited with status %d" % (s.name, rc))
            bad = [ln for ln in s.all_output() if "Sanitizer" in ln or "runtime error" in ln]
            check(not bad, "%s: no sanitizer report (%s)" % (s.name, bad[:1]))
    say("%s" % ("all good" if failures == 0 else "%d check(s) failed" % failures))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
