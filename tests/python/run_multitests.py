#!/usr/bin/env python3
"""Run multi-instance Bluetooth test scripts, MicroPython's multitest way.

A test script defines instance0(), instance1(), ... (the number of
instances is one more than the highest N of a `def instanceN():`). Each
instance runs in a process of its own -- the system python3 with zble's
`bluetooth` module on PYTHONPATH, or any program given as `exec:PATH` that
accepts `-c CODE` (MicroPython's unix port, a sanitizer wrapper) -- and each
gets its own controller: by default one zble_sim_server per test run, every
instance connecting to DIR/server (a new controller on the same radio), or
BlueZ's btvirt (--btvirt).

The script talks to this runner through a `multitest` class appended to its
source, by printing control lines on stdout:
  NEXT              start the next instance (start-up is sequential)
  SET K = V         multitest.globals(K=v): `K = V` is run as source in
                    every instance started later
  BROADCAST msg     written to the stdin of every other instance, where
                    multitest.wait(msg) reads until it sees it
  SKIP              the test is skipped (the run is abandoned)
  OUTPUT_METRIC x   collected and printed, never compared
  WAIT_FOR_REBOOT f d   multitest.expect_reboot(f, d): the instance exits and
                    is started again running f() (a process "reboot")
Everything else an instance prints (stdout and stderr) is its output. The
outputs, as `--- instanceN ---` blocks in instance order, must equal the
script's .exp file exactly. An instance silent for longer than the timeout
(10 s, --timeout or ZBLE_MULTITEST_TIMEOUT) is recorded as TIMEOUT and fails
the test; so does an instance that exits with a non-zero status.

Exit status: 0 when every run passed (skips allowed), 1 when any failed, 77
when every run was skipped (ctest's skip code).
"""

import argparse
import difflib
import itertools
import os
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

DEFAULT_TIMEOUT_S = 10.0
EXIT_SKIPPED = 77

# Appended to every test script. It only prints control lines (and reads
# stdin for wait), so it runs on CPython and MicroPython alike.
MULTITEST_CLASS = r'''
class multitest:
    @staticmethod
    def flush():
        try:
            import sys
            sys.stdout.flush()
        except (ImportError, AttributeError):
            pass

    @staticmethod
    def _line(*args):
        print(*args)
        multitest.flush()

    @staticmethod
    def skip():
        multitest._line("SKIP")
        raise SystemExit

    @staticmethod
    def next():
        multitest._line("NEXT")

    @staticmethod
    def broadcast(msg):
        multitest._line("BROADCAST", msg)

    @staticmethod
    def wait(msg):
        import sys
        want = "BROADCAST " + msg
        while True:
            line = sys.stdin.readline()
            if not line:
                raise SystemExit("multitest.wait: stdin closed before " + repr(msg))
            if line.rstrip() == want:
                return

    @staticmethod
    def globals(**kw):
        for k in kw:
            multitest._line("SET {} = {!r}".format(k, kw[k]))

    @staticmethod
    def get_network_ip():
        return HOST_IP

    @staticmethod
    def expect_reboot(resume, delay_ms=0):
        multitest._line("WAIT_FOR_REBOOT", resume, delay_ms)

    @staticmethod
    def output_metric(data):
        multitest._line("OUTPUT_METRIC", data)
'''

INSTANCE_DEF = re.compile(r"^def instance(\d+)\(\):", re.M)


def count_instances(source):
    found = [int(n) for n in INSTANCE_DEF.findall(source)]
    return max(found) + 1 if found else 0


class Target:
    """How to start one instance: `python` or `exec:PROGRAM [ARGS]`, with
    optional `,NAME=VALUE` environment settings (`python,ZBLE_X=1`)."""

    def __init__(self, spec, python):
        self.spec = spec
        head, *assigns = spec.split(",")
        self.env = {}
        for a in assigns:
            name, sep, value = a.partition("=")
            if not sep or not name:
                raise ValueError("target %r: %r is not NAME=VALUE" % (spec, a))
            self.env[name] = value
        if head in ("python", "cpython"):
            self.argv = [python]
        elif head.startswith("exec:") and head[5:].strip():
            self.argv = shlex.split(head[5:])
        else:
            raise ValueError("target %r: expected python or exec:PROGRAM" % spec)

    def __str__(self):
        return self.spec


class Controller:
    """The radio the instances share for one test run; env() gives the
    variables that point an instance at a controller of its own."""

    def __init__(self, mode, args):
        self.mode = mode
        self.args = args
        self.proc = None
        self.dir = None
        self.logfile = None

    def start(self):
        if self.mode in ("none", "hci"):
            return
        self.dir = tempfile.mkdtemp(prefix="zble-multi.")
        self.logfile = os.path.join(self.dir, "controller.log")
        out = open(self.logfile, "wb")
        env = dict(os.environ)
        if self.mode == "sim":
            argv = [self.args.sim_server, "--unix", self.dir]
            self.socket = os.path.join(self.dir, "server")
        else:
            argv = [self.args.btvirt_program, "-s", "-l0"]
            env["BTVIRT_DIR"] = self.dir
            env["LD_PRELOAD"] = self.args.btvirt_shim
            self.socket = os.path.join(self.dir, "bt-server-" + self.args.btvirt_kind)
        self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        out.close()
        deadline = time.monotonic() + 60
        while not self._ready():
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited early (status %d):\n%s"
                                   % (argv[0], self.proc.returncode, self.read_log()))
            if time.monotonic() > deadline:
                raise RuntimeError("%s: no socket %s after 60 s:\n%s"
                                   % (argv[0], self.socket, self.read_log()))
            time.sleep(0.02)

    def _ready(self):
        if not os.path.exists(self.socket):
            return False
        return self.mode != "sim" or "zble-sim: ready" in self.read_log()

    def read_log(self):
        try:
            with open(self.logfile, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def env(self):
        if self.mode == "none":
            return {}
        if self.mode == "hci":
            return {"ZBLE_HCI": self.args.hci}
        return {"ZBLE_HCI": "unix:" + self.socket}

    def stop(self):
        """Stops the controller; returns a problem description or None. The
        sim server must shut down cleanly (a sanitizer report or a crash in
        it fails the run); btvirt is just ended."""
        problem = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
                    problem = "the controller did not stop on SIGTERM"
            elif self.mode == "sim":
                problem = "the sim server died during the test (status %d)" % self.proc.returncode
            if problem is None and self.mode == "sim" and self.proc.returncode != 0:
                problem = "the sim server's shutdown failed (status %d)" % self.proc.returncode
            if problem:
                problem += "\n---- controller log ----\n" + self.read_log()
            self.proc = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        return problem


class Instance:
    """One running instance: a process whose stdout and stderr are read
    line by line without blocking."""

    def __init__(self, idx, target, code, cwd, env):
        self.idx = idx
        self.target = target
        self.proc = subprocess.Popen(target.argv + ["-c", code], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.partial = {self.proc.stdout: b"", self.proc.stderr: b""}
        self.open = {self.proc.stdout, self.proc.stderr}
        self.lines = []
        self.last_read = time.monotonic()
        os.set_blocking(self.proc.stdout.fileno(), False)
        os.set_blocking(self.proc.stderr.fileno(), False)

    def feed(self, stream):
        """Reads what is available on stream; returns False at its end."""
        try:
            data = os.read(stream.fileno(), 65536)
        except BlockingIOError:
            return True
        if not data:
            rest = self.partial[stream]
            if rest:
                self.lines.append(rest.decode("utf-8", "replace").rstrip("\r"))
            self.partial[stream] = b""
            self.open.discard(stream)
            return False
        self.last_read = time.monotonic()
        buf = self.partial[stream] + data
        *complete, self.partial[stream] = buf.split(b"\n")
        for raw in complete:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\r"))
        return True

    def write(self, line):
        if self.proc.poll() is not None:
            return
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def finished(self):
        return not self.open and self.proc.poll() is not None

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                s.close()
            except OSError:
                pass


class Run:
    """One test script on one ordering of the targets."""

    def __init__(self, args, test_file, source, targets, trace):
        self.args = args
        self.test_file = test_file
        self.source = source
        self.targets = targets
        self.trace = trace
        self.n = len(targets)
        self.output = [[] for _ in range(self.n)]
        self.metrics = []
        self.injected = ""
        # Every broadcast so far, for instances that start later: with
        # MicroPython's runner they read them once all are running.
        self.broadcasts = []
        self.error = None
        self.skipped = False
        self.t0 = time.monotonic()

    def code_for(self, idx, entry):
        return (self.source + "\n" + MULTITEST_CLASS + "\nHOST_IP = '127.0.0.1'\n"
                + self.injected + "%s()\n" % entry)

    def show(self, idx, line):
        if self.trace:
            print("  [%7.3f] %d| %s" % (time.monotonic() - self.t0, idx, line), flush=True)

    def spawn(self, idx, entry, controller_env):
        env = dict(os.environ)
        if self.args.module_dir:
            paths = [self.args.module_dir] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
            env["PYTHONPATH"] = os.pathsep.join(paths)
        env["PYTHONUNBUFFERED"] = "1"
        env.update(controller_env)
        env.update(self.targets[idx].env)
        return Instance(idx, self.targets[idx], self.code_for(idx, entry),
                        os.path.dirname(os.path.abspath(self.test_file)), env)

    def run(self, controller_env):
        timeout = self.args.timeout
        self.instances = []
        sel = selectors.DefaultSelector()
        try:
            # Start-up: one instance at a time, each until it says NEXT.
            for idx in range(self.n):
                inst = self.spawn(idx, "instance%d" % idx, controller_env)
                self.instances.append(inst)
                for line in self.broadcasts:
                    inst.write(line)
                for s in (inst.proc.stdout, inst.proc.stderr):
                    sel.register(s, selectors.EVENT_READ, inst)
                if not self.pump(sel, timeout, starting=inst, controller_env=controller_env):
                    return
            # Together: until every instance has exited.
            self.pump(sel, timeout, starting=None, controller_env=controller_env)
        finally:
            for inst in self.instances:
                inst.kill()
            sel.close()

    def pump(self, sel, timeout, starting, controller_env):
        """Reads instance output and handles control lines. With `starting`,
        returns True once that instance said NEXT (False if the run must
        stop); otherwise returns when every instance has finished."""
        while True:
            if self.error or self.skipped:
                return False
            live = [i for i in self.instances if not i.finished()]
            if starting is None and not live:
                return True
            if starting is not None and starting.finished():
                # It ended without NEXT: the next instance can start anyway
                # (its own output decides whether the test passes).
                self.check_exit(starting)
                return not self.error
            for key, _ in sel.select(timeout=0.05):
                inst = key.data
                if not inst.feed(key.fileobj):
                    sel.unregister(key.fileobj)
                said_next = False
                while inst.lines:
                    line = inst.lines.pop(0)
                    if self.control(inst, line, sel, controller_env):
                        said_next = said_next or line == "NEXT"
                if said_next and inst is starting:
                    # Lines after NEXT in the same read stay queued in order.
                    return True
            now = time.monotonic()
            for inst in self.instances:
                if inst.finished():
                    continue
                if inst.proc.poll() is not None and inst.open:
                    # Exited; a child of its own may still hold the pipes.
                    if now - inst.last_read > timeout:
                        for s in list(inst.open):
                            sel.unregister(s)
                        inst.open.clear()
                    continue
                if now - inst.last_read > timeout:
                    self.output[inst.idx].append("TIMEOUT")
                    self.error = "instance%d silent for %.0f s" % (inst.idx, timeout)
                    return False
            for inst in self.instances:
                if inst.finished() and not getattr(inst, "checked", False):
                    self.check_exit(inst)

    def check_exit(self, inst):
        inst.checked = True
        code = inst.proc.returncode
        if code and not self.skipped and not getattr(inst, "rebooting", False):
            self.error = "instance%d exited with status %d" % (inst.idx, code)
        if getattr(inst, "rebooting", False):
            self.reboot(inst)

    def control(self, inst, line, sel, controller_env):
        """Handles one line; returns True if it was the NEXT control line."""
        self.show(inst.idx, line)
        if line == "NEXT":
            return True
        if line.startswith("SET "):
            self.injected += line[4:] + "\n"
            return False
        if line.startswith("BROADCAST "):
            self.broadcasts.append(line)
            for other in self.instances:
                if other is not inst:
                    other.write(line)
            return False
        if line.startswith("OUTPUT_METRIC "):
            self.metrics.append(line.split(" ", 1)[1])
            return False
        if line.startswith("WAIT_FOR_REBOOT "):
            parts = line.split()
            inst.rebooting = parts[1] if len(parts) > 1 else None
            inst.reboot_sel = (sel, controller_env)
            return False
        self.output[inst.idx].append(line)
        if line == "SKIP":
            self.skipped = True
        return False

    def reboot(self, old):
        """The instance has exited after expect_reboot: start it again
        running the named function, with the globals injected so far."""
        entry = old.rebooting
        sel, controller_env = old.reboot_sel
        old.rebooting = False
        if not entry or not re.match(r"^[A-Za-z_]\w*$", entry):
            self.error = "instance%d: bad expect_reboot entry %r" % (old.idx, entry)
            return
        new = self.spawn(old.idx, entry, controller_env)
        self.instances[old.idx] = new
        for s in (new.proc.stdout, new.proc.stderr):
            sel.register(s, selectors.EVENT_READ, new)

    def result_text(self):
        text = ""
        for idx, lines in enumerate(self.output):
            text += "--- instance%d ---\n" % idx
            text += "".join(line + "\n" for line in lines)
        return text


def find_default(candidates):
    for c in candidates:
        if c and os.path.exists(c):
            return c
    return None


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    p = argparse.ArgumentParser(
        description="Run multi-instance tests (MicroPython's multitest protocol) on zble.",
        epilog="Exit status: 0 all passed (skips allowed), 1 a failure, 77 all skipped.")
    p.add_argument("files", nargs="+", help="test scripts (each with a .exp file next to it)")
    p.add_argument("-t", "--target", action="append", default=[],
                   help="an instance: python[,NAME=VALUE...] or exec:PROGRAM[,NAME=VALUE...]; "
                        "repeat once per instance (missing ones repeat the last, or are `python`)")
    p.add_argument("-p", "--permutations", type=int, default=1,
                   help="run each test with this many orderings of the targets")
    p.add_argument("--perm", type=int, default=None,
                   help="run only the ordering with this index (0-based) of the -p set")
    p.add_argument("-s", "--show-output", action="store_true",
                   help="show every instance's output as it comes, with times")
    p.add_argument("-r", "--result-dir", default=None,
                   help="write NAME.out and NAME.exp of failed tests here")
    p.add_argument("--timeout", type=float,
                   default=float(os.environ.get("ZBLE_MULTITEST_TIMEOUT", DEFAULT_TIMEOUT_S)),
                   help="seconds an instance may stay silent (default 10, or $ZBLE_MULTITEST_TIMEOUT)")
    p.add_argument("--python", default=sys.executable, help="interpreter of `python` targets")
    p.add_argument("--module-dir", default=os.environ.get("ZBLE_PYTHON_MODULE_DIR")
                   or find_default([os.path.join(root, "build", "python")]),
                   help="directory with zble's bluetooth module, put first on PYTHONPATH")
    ctl = p.add_mutually_exclusive_group()
    ctl.add_argument("--sim", dest="controller", action="store_const", const="sim",
                     help="one zble_sim_server per test run (the default)")
    ctl.add_argument("--btvirt", dest="controller", action="store_const", const="btvirt",
                     help="one BlueZ btvirt per test run, with the LD_PRELOAD shim")
    ctl.add_argument("--hci", default=None,
                     help="no controller of our own: every instance gets ZBLE_HCI=SPEC")
    ctl.add_argument("--no-controller", dest="controller", action="store_const", const="none",
                     help="set nothing (for scripts that need no Bluetooth)")
    p.add_argument("--sim-server", default=find_default([os.path.join(root, "build", "sim", "zble_sim_server")]),
                   help="the zble_sim_server program")
    p.add_argument("--btvirt-program", default=shutil.which("btvirt") or "btvirt")
    p.add_argument("--btvirt-shim", default=os.environ.get("BTVIRT_SHIM")
                   or find_default([os.path.join(root, "build", "tests", "interop", "btvirt", "btvirt_shim.so")]))
    p.add_argument("--btvirt-kind", default="le", choices=["le", "bredrle"])
    args = p.parse_args(argv)
    if args.hci:
        args.controller = "hci"
    elif args.controller is None:
        args.controller = "sim"
    return args


def check_controller_args(args):
    """Returns None, or the reason the controller cannot be started (which
    makes every test skip: the tools are optional)."""
    if args.controller == "sim":
        if not args.sim_server or not os.access(args.sim_server, os.X_OK):
            return "no zble_sim_server (give --sim-server PATH)"
    if args.controller == "btvirt":
        if not shutil.which(args.btvirt_program) and not os.access(args.btvirt_program, os.X_OK):
            return "btvirt not found (apt-get install bluez-test-tools)"
        if not args.btvirt_shim or not os.path.exists(args.btvirt_shim):
            return "btvirt shim not found (build the btvirt_shim target, or --btvirt-shim)"
        args.btvirt_shim = os.path.abspath(args.btvirt_shim)
    return None


def orderings(targets, n, count, only):
    perms = list(itertools.islice(itertools.permutations(targets[:n]), max(count, 1)))
    if only is not None:
        if only >= len(perms):
            return []
        perms = [perms[only]]
    return perms


def run_one(args, test_file, targets, controller_problem):
    """Runs one ordering; returns ("pass"|"fail"|"skip", detail, seconds)."""
    t0 = time.monotonic()
    with open(test_file) as f:
        source = f.read()
    exp_file = test_file + ".exp"
    if not os.path.exists(exp_file):
        exp_file = os.path.splitext(test_file)[0] + ".exp"
    if not os.path.exists(exp_file):
        return "fail", "no expected output (%s.exp)" % test_file, 0.0
    with open(exp_file) as f:
        expected = f.read()
    if controller_problem:
        return "skip", controller_problem, 0.0

    controller = Controller(args.controller, args)
    run = Run(args, test_file, source, targets, args.show_output)
    problem = None
    try:
        controller.start()
        run.run(controller.env())
    except (OSError, RuntimeError) as e:
        problem = "could not run: %s" % e
    finally:
        stop_problem = controller.stop()
    seconds = time.monotonic() - t0
    for m in run.metrics:
        print("    metric: %s" % m)
    if run.skipped:
        return "skip", "SKIP printed by an instance", seconds
    actual = run.result_text()
    detail = []
    if problem:
        detail.append(problem)
    if run.error:
        detail.append(run.error)
    if stop_problem:
        detail.append(stop_problem)
    if actual != expected:
        detail.append("output differs from %s:" % os.path.basename(exp_file))
        detail.extend(line.rstrip("\n") for line in difflib.unified_diff(
            expected.splitlines(True), actual.splitlines(True), "expected", "actual"))
    if detail:
        if args.result_dir:
            os.makedirs(args.result_dir, exist_ok=True)
            base = os.path.join(args.result_dir, os.path.basename(test_file))
            with open(base + ".out", "w") as f:
                f.write(actual)
            with open(base + ".exp", "w") as f:
                f.write(expected)
        return "fail", "\n".join(detail), seconds
    return "pass", "", seconds


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        targets = [Target(t, args.python) for t in args.target]
    except ValueError as e:
        print("run_multitests: %s" % e, file=sys.stderr)
        return 2
    if args.timeout <= 0:
        print("run_multitests: the timeout must be positive", file=sys.stderr)
        return 2
    controller_problem = check_controller_args(args)
    results = []
    for test_file in args.files:
        try:
            with open(test_file) as f:
                n = count_instances(f.read())
        except OSError as e:
            print("FAIL %s: %s" % (test_file, e))
            results.append(("fail", test_file))
            continue
        if n == 0:
            print("FAIL %s: no `def instanceN():`" % test_file)
            results.append(("fail", test_file))
            continue
        # Missing targets repeat the last one given (or are `python`).
        pad = targets[-1] if targets else Target("python", args.python)
        ts = targets + [pad] * (n - len(targets))
        for order in orderings(ts, n, args.permutations, args.perm):
            label = "%s on %s" % (test_file, " | ".join(str(t) for t in order))
            status, detail, seconds = run_one(args, test_file, list(order), controller_problem)
            print("%s %s (%.1f s)" % (status.upper(), label, seconds), flush=True)
            if detail:
                for line in detail.splitlines():
                    print("    " + line)
            results.append((status, label))
    passed = [r for r in results if r[0] == "pass"]
    skipped = [r for r in results if r[0] == "skip"]
    failed = [r for r in results if r[0] == "fail"]
    print("%d runs: %d passed, %d skipped, %d failed" % (len(results), len(passed), len(skipped), len(failed)))
    for _, label in failed:
        print("  failed: %s" % label)
    if failed or not results:
        return 1
    if skipped and not passed:
        return EXIT_SKIPPED
    return 0


if __name__ == "__main__":
    sys.exit(main())
