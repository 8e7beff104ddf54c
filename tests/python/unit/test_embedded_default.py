"""The embedded default controller: with neither ZBLE_HCI nor MICROPYBTUART
set, scripts share a zble-sim radio that the first one starts (under a
lock: two scripts starting together get one server) and that stops by
itself once idle. Here in a private XDG_RUNTIME_DIR with a 1 s idle time."""

import os
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

import _zble_controller
from test_two_processes import CENTRAL, PERIPHERAL
from zble_test_util import HANG_GUARD_S, spawn

SERVER = os.environ.get("ZBLE_SIM_SERVER") or _zble_controller.sim_server_path()


@unittest.skipUnless(SERVER and os.access(SERVER, os.X_OK), "no zble_sim_server in this build")
class EmbeddedDefaultTest(unittest.TestCase):
    def setUp(self):
        self.runtime = tempfile.mkdtemp(prefix="zble-xdg-")
        self.env = {"XDG_RUNTIME_DIR": self.runtime, "ZBLE_SIM_SERVER": SERVER, "ZBLE_SIM_IDLE_EXIT": "1"}
        self.dir = os.path.join(self.runtime, "zble-sim-%d" % os.getuid())

    def tearDown(self):
        shutil.rmtree(self.runtime, ignore_errors=True)

    def test_two_scripts_share_one_server_that_stops_when_idle(self):
        # Both start at once: the lock makes one of them start the server.
        per = spawn(PERIPHERAL, self.env, spec=False)
        probe = spawn("import bluetooth; b = bluetooth.BLE(); print(b.active(True), b.config('mac')[1].hex())",
                      self.env, spec=False)
        line = per.stdout.readline().split()
        self.assertEqual(line[:1], ["ADDR"], per.stderr.read() if not line else line)
        pout, perr = probe.communicate(timeout=HANG_GUARD_S)
        self.assertEqual(perr, "")
        self.assertTrue(pout.startswith("True "), pout)
        self.assertNotEqual(pout.split()[1], line[2])  # a controller of its own

        cen = spawn(CENTRAL.replace("sys.argv[1], ", "%r, " % line[1]).replace(
            "bytes.fromhex(sys.argv[2])", "bytes.fromhex(%r)" % line[2]).replace("int(sys.argv[3])", line[3]),
            self.env, spec=False)
        cout, cerr = cen.communicate(timeout=HANG_GUARD_S)
        per.communicate(timeout=HANG_GUARD_S)
        self.assertEqual(cerr, "")
        self.assertIn("read result b'from the handler'", cout)
        self.assertTrue(cout.startswith("peripheral connect"), cout)

        mode = os.stat(self.dir).st_mode
        self.assertEqual(stat.S_IMODE(mode), 0o700)
        # Idle: the server removes its socket and exits (it logs it).
        sock = os.path.join(self.dir, "server")
        deadline = time.monotonic() + HANG_GUARD_S
        while os.path.exists(sock) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(os.path.exists(sock))
        log = os.path.join(self.dir, "server.log")
        while time.monotonic() < deadline:
            with open(log) as f:
                text = f.read()
            if "clients," in text:
                break
            time.sleep(0.05)
        self.assertIn("zble-sim: 3 clients,", text)  # one server for all three
        self.assertIn("exiting", text)

    def test_private_directory_is_checked(self):
        os.mkdir(self.dir, 0o755)
        os.chmod(self.dir, 0o755)
        p = spawn("import bluetooth\ntry:\n bluetooth.BLE().active(True)\nexcept OSError as e: print(type(e).__name__, e)",
                  self.env, spec=False)
        out, err = p.communicate(timeout=HANG_GUARD_S)
        self.assertIn("PermissionError", out)
        self.assertIn("not a private directory", out)

    def test_missing_server_binary(self):
        env = dict(self.env, ZBLE_SIM_SERVER=os.path.join(self.runtime, "nowhere"))
        p = spawn("import bluetooth\ntry:\n bluetooth.BLE().active(True)\nexcept OSError as e: print(e.errno, e)",
                  env, spec=False)
        out, err = p.communicate(timeout=HANG_GUARD_S)
        self.assertTrue(out.startswith("2 "), out + err)
        self.assertIn("ZBLE_HCI", out)

    def test_micropybtuart(self):
        # MicroPython's variable: a tty path (here the pty of a fixed
        # zble-sim device, whose address is known: dev2 is ...:03, which a
        # default server's first controller would not be).
        server = subprocess.Popen([SERVER, "--devices", "3", "--pty", "--unix", self.runtime],
                                  stdout=subprocess.PIPE, text=True)
        try:
            pty = None
            for line in server.stdout:
                if line.startswith("dev2: pty "):
                    pty = line.split()[2]
                if line.startswith("zble-sim: ready"):
                    break
            self.assertTrue(pty)
            p = spawn("import bluetooth; b = bluetooth.BLE(); b.active(True); print(b.config('mac'))",
                      dict(self.env, MICROPYBTUART=pty), spec=False)
            out, err = p.communicate(timeout=HANG_GUARD_S)
            self.assertEqual(out.strip(), "(0, b'\\xc0\\xff\\xeeZ\\x00\\x03')", err)
        finally:
            server.terminate()
            server.wait(HANG_GUARD_S)
            server.stdout.close()

    def test_unreachable_controller(self):
        missing = os.path.join(self.runtime, "no-such-socket")
        p = spawn("import bluetooth\ntry:\n bluetooth.BLE().active(True)\nexcept OSError as e: print(e.errno, e)",
                  dict(self.env, ZBLE_HCI="unix:" + missing), spec=False)
        out, err = p.communicate(timeout=HANG_GUARD_S)
        self.assertEqual(out.strip(), "2 [Errno 2] zble: cannot open the controller unix:%s: No such file or directory" % missing,
                         err)

    def test_bad_spec(self):
        p = spawn("import bluetooth\ntry:\n bluetooth.BLE().active(True)\nexcept OSError as e: print(e.errno, e)",
                  dict(self.env, ZBLE_HCI="bogus:1"), spec=False)
        out, err = p.communicate(timeout=HANG_GUARD_S)
        self.assertTrue(out.startswith("22 "), out + err)
        self.assertIn("bad controller spec 'bogus:1'", out)


if __name__ == "__main__":
    unittest.main()
