#!/usr/bin/env bash
# zble-sim-run.sh --server PATH [--timeout SECONDS] [--arg SERVER_ARG]...
#                 [-- COMMAND ARGS...]
#
# Starts zble_sim_server (PATH; real time) with `--unix DIR` on a fresh
# temporary directory DIR plus the given --arg arguments, and waits until
# its sockets DIR/server and DIR/dev0.. exist (they appear only once they
# accept connections). Then:
#   with a COMMAND: runs it with ZBLE_SIM_DIR=DIR exported, and also
#                   BTVIRT_DIR=DIR so that the scripts written for
#                   btvirt-run.sh work unchanged with the socket name
#                   "server" (a new controller per connection, like
#                   bt-server-le); stops the server with SIGTERM, removes
#                   DIR and exits with the command's status, or 1 when the
#                   server did not shut down cleanly (a crash, a sanitizer
#                   report). The server's log is printed when anything failed.
#   without:        prints ZBLE_SIM_DIR=... and keeps the server running
#                   until interrupted.
# Each invocation has its own server, so tests can run in parallel.
# Exit status 125 when the server does not come up.
set -euo pipefail

server=""
timeout=60
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--server) server=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--arg) args+=("$2"); shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "zble-sim-run: unknown option $1" >&2; exit 2 ;;
	esac
done
if [ -z "$server" ] || [ ! -x "$server" ]; then
	echo "zble-sim-run: no server executable (--server PATH): '$server'" >&2
	exit 2
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/zble-sim.XXXXXX")
pid=""
stop_server() {
	local rc=0
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || rc=$?
		pid=""
	fi
	return $rc
}
cleanup() {
	stop_server || true
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# If this script is killed outright (ctest timeout), the parent-death
# signal still stops the server.
pdeath=()
if command -v setpriv >/dev/null 2>&1 && setpriv --pdeathsig TERM true 2>/dev/null; then
	pdeath=(setpriv --pdeathsig TERM --)
fi
"${pdeath[@]}" "$server" --unix "$dir" "${args[@]}" >"$dir/server.log" 2>&1 &
pid=$!

deadline=$((SECONDS + timeout))
until [ -S "$dir/server" ] && grep -q "zble-sim: ready" "$dir/server.log" 2>/dev/null; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "zble-sim-run: the server exited early:" >&2
		cat "$dir/server.log" >&2 || true
		pid=""
		exit 125
	fi
	if [ $SECONDS -ge $deadline ]; then
		echo "zble-sim-run: no sockets in $dir after ${timeout}s" >&2
		cat "$dir/server.log" >&2 || true
		exit 125
	fi
	sleep 0.02
done

export ZBLE_SIM_DIR=$dir BTVIRT_DIR=$dir
if [ $# -eq 0 ]; then
	echo "ZBLE_SIM_DIR=$dir"
	echo "zble-sim running (pid $pid); Ctrl-C stops it" >&2
	wait "$pid" || true
	pid=""
	exit 0
fi

status=0
"$@" || status=$?
if ! kill -0 "$pid" 2>/dev/null; then
	echo "zble-sim-run: the server died during the command" >&2
	wait "$pid" 2>/dev/null || true
	pid=""
	[ $status -ne 0 ] || status=1
fi
srv=0
stop_server || srv=$?
if [ $srv -ne 0 ]; then
	echo "zble-sim-run: the server's shutdown failed (exit $srv)" >&2
	[ $status -ne 0 ] || status=1
fi
if [ $status -ne 0 ]; then
	echo "---- zble-sim server log ----" >&2
	cat "$dir/server.log" >&2 || true
else
	tail -n 1 "$dir/server.log" || true
fi
exit $status
