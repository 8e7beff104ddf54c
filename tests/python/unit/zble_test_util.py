"""Shared by the unit tests of the bluetooth module (run by ctest through
build/python/run-python, so `import bluetooth` finds this build's module).

The controller: ZBLE_HCI when set, else the socket of the radio the ctest
wrapper started (zble-sim-run.sh exports ZBLE_SIM_DIR, btvirt-run.sh
BTVIRT_DIR): every connection to it is a new controller on one radio."""

import os
import subprocess
import sys
import unittest


def controller_spec():
    if os.environ.get("ZBLE_HCI"):
        return os.environ["ZBLE_HCI"]
    if os.environ.get("ZBLE_SIM_DIR"):
        return "unix:" + os.path.join(os.environ["ZBLE_SIM_DIR"], "server")
    if os.environ.get("BTVIRT_DIR"):
        return "unix:" + os.path.join(os.environ["BTVIRT_DIR"], "bt-server-le")
    return None


def need_controller(test):
    """Skips a test (class) without a radio to talk to."""
    return unittest.skipUnless(controller_spec(), "no controller (run under zble-sim-run.sh or btvirt-run.sh)")(test)


def spawn(code, env_extra=None, spec=True):
    """Starts `python3 -c code` with this interpreter and environment (so
    the module and a sanitizer preload carry over); ZBLE_HCI set to the
    test controller unless spec is False."""
    env = dict(os.environ)
    if spec:
        env["ZBLE_HCI"] = controller_spec()
    else:
        env.pop("ZBLE_HCI", None)
        env.pop("MICROPYBTUART", None)
    env.update(env_extra or {})
    return subprocess.Popen(
        [sys.executable, "-u", "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )


# A guard against a hang, far above the seconds these tests take: a test
# never waits for a time to pass, only for events.
HANG_GUARD_S = 60


ADVERTISER = r"""
import sys, bluetooth
ble = bluetooth.BLE()
ble.active(True)
ble.gap_advertise(20000, b"\x02\x01\x06\x05\x09zble")
print("ADVERTISING", flush=True)
sys.stdin.read()  # until the test closes stdin
ble.active(False)
"""


class Advertiser:
    """A second process advertising on the test radio while in a with-block."""

    def __enter__(self):
        self.proc = spawn(ADVERTISER)
        line = self.proc.stdout.readline()
        if line.strip() != "ADVERTISING":
            self.proc.kill()
            raise RuntimeError("advertiser failed: %r %s" % (line, self.proc.stderr.read()))
        return self

    def __exit__(self, *exc):
        self.proc.stdin.close()
        self.proc.wait(HANG_GUARD_S)
        self.proc.stdout.close()
        self.proc.stderr.close()
