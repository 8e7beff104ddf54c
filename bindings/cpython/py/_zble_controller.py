"""Which controller BLE().active(True) opens.

1. ZBLE_HCI: a zble transport spec, used as given: unix:PATH, tcp:HOST:PORT,
   tty:PATH[,BAUD][,crtscts|nocrtscts], userchan:N (a real dongle).
2. MICROPYBTUART: a tty path, opened as MicroPython's unix port does
   (1000000 baud, RTS/CTS).
3. Otherwise the embedded default: a zble-sim radio shared by every script
   of the user. Its server (zble_sim_server --unix DIR) lives in
   ${XDG_RUNTIME_DIR:-/tmp}/zble-sim-$UID; the first script starts it, the
   others connect to DIR/server (a new controller per connection, one
   radio), and it exits by itself once no script has used it for
   ZBLE_SIM_IDLE_EXIT seconds (default 60). Starting and connecting happen
   under flock(DIR/lock), which the server also takes before it exits, so
   two scripts starting at once share one server and none is cut off.

open_spec() returns (spec, keep): the spec to give the core and an object
to close once the core has opened the transport (the embedded default
connects here and passes the descriptor as fd:N, which the core dups)."""

import errno
import fcntl
import os
import socket
import stat
import subprocess
import time

try:
    from _zble_paths import SIM_SERVER as _BUILT_SIM_SERVER
except ImportError:  # a module copied out of its build tree
    _BUILT_SIM_SERVER = ""

START_TIMEOUT_S = 10.0
DEFAULT_IDLE_EXIT_S = 60


def sim_dir():
    base = os.environ.get("XDG_RUNTIME_DIR") or "/tmp"
    return os.path.join(base, "zble-sim-%d" % os.getuid())


def sim_server_path():
    return os.environ.get("ZBLE_SIM_SERVER") or _BUILT_SIM_SERVER


def _private_dir(path):
    """Creates path (0700) or checks that it is ours and private: in /tmp
    another user could have made it first."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise PermissionError(errno.EACCES, "zble: %s is not a private directory of this user" % path)


def _connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError:
        s.close()
        raise
    return s


def _log_tail(log_path):
    try:
        with open(log_path, "rb") as f:
            return f.read()[-600:].decode(errors="replace").strip()
    except OSError:
        return ""


def _start_server(directory):
    server = sim_server_path()
    if not server or not os.access(server, os.X_OK):
        raise OSError(
            errno.ENOENT,
            "zble: no controller: set ZBLE_HCI (unix:PATH, tcp:HOST:PORT, tty:PATH, userchan:N) or "
            "MICROPYBTUART, or build zble_sim_server (or point ZBLE_SIM_SERVER at it); looked for %r" % server,
        )
    idle = os.environ.get("ZBLE_SIM_IDLE_EXIT") or str(DEFAULT_IDLE_EXIT_S)
    log_path = os.path.join(directory, "server.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [server, "--unix", directory, "--devices", "0", "--idle-exit", idle],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives this script, ignores its Ctrl-C
            close_fds=True,
        )
    path = os.path.join(directory, "server")
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            return _connect(path)
        except OSError:
            pass
        if proc.poll() is not None:
            raise OSError(errno.EIO, "zble: zble_sim_server exited (%s): %s" % (proc.returncode, _log_tail(log_path)))
        if time.monotonic() > deadline:
            raise OSError(errno.ETIMEDOUT, "zble: zble_sim_server did not come up: %s" % _log_tail(log_path))
        time.sleep(0.01)


def open_default():
    """A connected socket to the shared radio, starting its server if needed."""
    directory = sim_dir()
    _private_dir(directory)
    fd = os.open(os.path.join(directory, "lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            return _connect(os.path.join(directory, "server"))
        except OSError:
            return _start_server(directory)  # none, or a stale socket
    finally:
        os.close(fd)  # releases the lock


def open_spec():
    spec = os.environ.get("ZBLE_HCI")
    if spec:
        return spec, None
    uart = os.environ.get("MICROPYBTUART")
    if uart:
        return "tty:%s,1000000,crtscts" % uart, None
    s = open_default()
    return "fd:%d" % s.fileno(), s
