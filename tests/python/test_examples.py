#!/usr/bin/env python3
"""Runs each example pair of examples/python on a zble_sim_server of its
own and checks what the central prints.

    test_examples.py --python RUN_PYTHON --sim-server PATH temp|uart|bond
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples", "python")

# peripheral, central (with arguments), patterns the central must print.
PAIRS = {
    "temp": ("temp_sensor.py", ["temp_central.py", "--count", "2"],
             [r"found zble-temp", r"read: 2\d\.\d\d C", r"subscribed",
              r"notified: 2\d\.\d\d C\n.*notified: 2\d\.\d\d C", r"disconnected"]),
    "uart": ("uart_peripheral.py", ["uart_central.py", "hello", "two words"],
             [r"found zbleuart", r"connected, MTU 247", r"reply: HELLO\n", r"reply: TWO WORDS\n", r"disconnected"]),
    # Pairing: the encrypted read, or the explanation while gap_pair is
    # not supported; either way a connection and a clean end.
    "bond": ("bond_peripheral.py", ["bond_central.py"],
             [r"connected", r"(read: b'the secret'|This stack cannot pair yet)", r"disconnected"]),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--python", required=True)
    p.add_argument("--sim-server", required=True)
    p.add_argument("pair", choices=sorted(PAIRS))
    args = p.parse_args()
    args.python = os.path.abspath(args.python)
    args.sim_server = os.path.abspath(args.sim_server)
    if not os.access(args.sim_server, os.X_OK):
        print("no zble_sim_server at %s: skipped" % args.sim_server)
        return 77
    peripheral, central, patterns = PAIRS[args.pair]
    work = tempfile.mkdtemp(prefix="zble-examples.")
    server = periph = None
    try:
        server = subprocess.Popen([args.sim_server, "--unix", work], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        for line in server.stdout:
            if "zble-sim: ready" in line:
                break
        else:
            print("the sim server did not start")
            return 1
        env = dict(os.environ, ZBLE_HCI="unix:" + os.path.join(work, "server"), PYTHONUNBUFFERED="1")
        periph = subprocess.Popen([args.python, os.path.join(EXAMPLES, peripheral)], cwd=work, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # The peripheral says when it advertises.
        first = periph.stdout.readline()
        print("peripheral:", first.rstrip())
        c = subprocess.run([args.python, os.path.join(EXAMPLES, central[0])] + central[1:], cwd=work,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        print("central (status %d):\n%s" % (c.returncode, c.stdout))
        periph.send_signal(signal.SIGINT)
        rest, _ = periph.communicate(timeout=30)
        print("peripheral (status %d):\n%s%s" % (periph.returncode, first, rest))
        failed = [pat for pat in patterns if not re.search(pat, c.stdout, re.S)]
        for pat in failed:
            print("missing in the central's output:", pat)
        if c.returncode != 0 or periph.returncode != 0 or failed:
            return 1
        return 0
    finally:
        for proc in (periph, server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
