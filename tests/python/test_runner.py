#!/usr/bin/env python3
"""The multitest runner's own tests: it runs the scripts in runner/ (plain
Python, no Bluetooth) and checks that each outcome is reported as it must
be -- status line, details and exit status.

    python3 tests/python/test_runner.py [-v] [RunnerTest.test_timeout]
"""
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "run_multitests.py")


def run(*args, timeout=120):
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, RUNNER, "--no-controller"] + list(args),
                       cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, time.monotonic() - t0


def script(name):
    return os.path.join("runner", name + ".py")


class RunnerTest(unittest.TestCase):
    def test_pass(self):
        rc, out, _ = run(script("pass"))
        self.assertEqual(rc, 0, out)
        self.assertIn("PASS runner/pass.py", out)
        self.assertIn("1 runs: 1 passed, 0 skipped, 0 failed", out)
        # OUTPUT_METRIC lines are reported, not compared.
        self.assertIn("metric: speed 42 units", out)

    def test_failing_instance(self):
        rc, out, _ = run(script("fail_exception"))
        self.assertEqual(rc, 1, out)
        self.assertIn("FAIL runner/fail_exception.py", out)
        self.assertIn("instance1 exited with status 1", out)
        # The traceback (stderr) is part of the instance's output.
        self.assertIn("+ValueError: instance1 broke", out)

    def test_non_zero_exit_fails(self):
        rc, out, _ = run(script("exit_status"))
        self.assertEqual(rc, 1, out)
        self.assertIn("instance0 exited with status 3", out)

    def test_timeout(self):
        rc, out, seconds = run("--timeout", "1", script("timeout"))
        self.assertEqual(rc, 1, out)
        self.assertIn("FAIL runner/timeout.py", out)
        self.assertIn("+TIMEOUT", out)
        self.assertRegex(out, r"instance\d silent for 1 s")
        # Stopped by the timeout, not by instance1's 60 s sleep.
        self.assertLess(seconds, 30)

    def test_timeout_from_environment(self):
        env = dict(os.environ, ZBLE_MULTITEST_TIMEOUT="1")
        t0 = time.monotonic()
        p = subprocess.run([sys.executable, RUNNER, "--no-controller", script("timeout")],
                           cwd=HERE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("+TIMEOUT", p.stdout)
        self.assertLess(time.monotonic() - t0, 30)

    def test_mismatch(self):
        rc, out, _ = run(script("mismatch"))
        self.assertEqual(rc, 1, out)
        self.assertIn("output differs from mismatch.py.exp", out)
        self.assertIn("-value 41", out)
        self.assertIn("+value 42", out)

    def test_skip(self):
        rc, out, _ = run(script("skip"))
        self.assertEqual(rc, 77, out)
        self.assertIn("SKIP runner/skip.py", out)
        self.assertIn("1 runs: 0 passed, 1 skipped, 0 failed", out)

    def test_skip_beside_pass_is_success(self):
        rc, out, _ = run(script("skip"), script("pass"))
        self.assertEqual(rc, 0, out)
        self.assertIn("2 runs: 1 passed, 1 skipped, 0 failed", out)

    def test_one_failure_fails_the_run(self):
        rc, out, _ = run(script("pass"), script("mismatch"))
        self.assertEqual(rc, 1, out)
        self.assertIn("failed: runner/mismatch.py", out)

    def test_globals_broadcast_wait(self):
        # pass.py hands a list over with globals and orders its lines with
        # broadcast/wait; sequential.py checks start-up order with 3 instances.
        rc, out, _ = run(script("pass"), script("sequential"))
        self.assertEqual(rc, 0, out)
        self.assertIn("PASS runner/sequential.py on python | python | python", out)

    def test_broadcast_before_the_next_instance_starts(self):
        rc, out, _ = run(script("early_broadcast"))
        self.assertEqual(rc, 0, out)

    def test_permutations(self):
        rc, out, _ = run("-p", "2", "-t", "python,ROLE=a", "-t", "python,ROLE=b", script("order"))
        self.assertEqual(rc, 1, out)
        self.assertIn("PASS runner/order.py on python,ROLE=a | python,ROLE=b", out)
        self.assertIn("FAIL runner/order.py on python,ROLE=b | python,ROLE=a", out)
        self.assertIn("+i0 runs on b", out)

    def test_single_permutation(self):
        rc, out, _ = run("-p", "2", "--perm", "0", "-t", "python,ROLE=a", "-t", "python,ROLE=b",
                         script("order"))
        self.assertEqual(rc, 0, out)
        self.assertIn("1 runs: 1 passed", out)

    def test_reboot(self):
        rc, out, _ = run(script("reboot"))
        self.assertEqual(rc, 0, out)

    def test_exec_target(self):
        rc, out, _ = run("-t", "exec:" + sys.executable, "-t", "python", script("pass"))
        self.assertEqual(rc, 0, out)
        self.assertIn("on exec:%s | python" % sys.executable, out)

    def test_missing_exp_fails(self):
        rc, out, _ = run(os.path.join("runner", "no_such_test.py"))
        self.assertEqual(rc, 1, out)

    def test_bad_target(self):
        rc, out, _ = run("-t", "nonsense", script("pass"))
        self.assertEqual(rc, 2, out)
        self.assertIn("expected python or exec:PROGRAM", out)

    def test_missing_sim_server_skips(self):
        p = subprocess.run([sys.executable, RUNNER, "--sim", "--sim-server", "/nonexistent/zble_sim_server",
                            script("pass")], cwd=HERE, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
        self.assertEqual(p.returncode, 77, p.stdout)
        self.assertIn("no zble_sim_server", p.stdout)

    def controller_run(self, *args):
        p = subprocess.run([sys.executable, RUNNER] + list(args) + [script("controller")],
                           cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
        return p.returncode, p.stdout

    @unittest.skipUnless(os.environ.get("ZBLE_SIM_SERVER"), "ZBLE_SIM_SERVER not set")
    def test_sim_controller_per_instance(self):
        rc, out = self.controller_run("--sim-server", os.environ["ZBLE_SIM_SERVER"])
        self.assertEqual(rc, 0, out)

    @unittest.skipUnless(os.environ.get("BTVIRT_SHIM"), "BTVIRT_SHIM not set")
    def test_btvirt_controller_per_instance(self):
        rc, out = self.controller_run("--btvirt", "--btvirt-shim", os.environ["BTVIRT_SHIM"])
        self.assertIn(rc, (0, 77), out)


if __name__ == "__main__":
    unittest.main()
