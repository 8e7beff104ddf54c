#!/usr/bin/env bash
# btvirt-run.sh [--shim PATH] [--timeout SECONDS] [-- COMMAND ARGS...]
#
# Starts BlueZ's virtual controller server (`btvirt -s -l0`, Debian package
# bluez-test-tools) with the LD_PRELOAD shim (btvirt_shim.c: AF_ALG crypto
# emulation, sockets moved to $BTVIRT_DIR) in a fresh temporary directory,
# and waits until its sockets bt-server-le and bt-server-bredrle exist.
# Then:
#   with a COMMAND: runs it with BTVIRT_DIR exported, stops btvirt, removes
#                   the directory and exits with the command's status;
#   without:        prints BTVIRT_DIR=... and keeps btvirt running until
#                   interrupted (for trying things by hand).
# Each invocation has its own btvirt, so tests can run in parallel.
#
# The shim is --shim PATH, else $BTVIRT_SHIM, else btvirt_shim.so next to
# this script. Exit status 77 (ctest: skipped) when btvirt or the shim is
# missing; 125 when btvirt does not come up.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
shim=${BTVIRT_SHIM:-$here/btvirt_shim.so}
timeout=60

while [ $# -gt 0 ]; do
	case "$1" in
	--shim) shim=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "btvirt-run: unknown option $1" >&2; exit 2 ;;
	esac
done

btvirt=$(command -v btvirt || true)
if [ -z "$btvirt" ]; then
	echo "btvirt-run: btvirt not found (apt-get install bluez-test-tools): skipped" >&2
	exit 77
fi
if [ ! -f "$shim" ]; then
	echo "btvirt-run: shim $shim not found (build the btvirt_shim target): skipped" >&2
	exit 77
fi
shim=$(cd "$(dirname "$shim")" && pwd)/$(basename "$shim")

dir=$(mktemp -d "${TMPDIR:-/tmp}/btvirt.XXXXXX")
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=""
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# LD_PRELOAD only for btvirt: the command may be sanitizer-instrumented.
# If this script is killed outright (ctest timeout), the parent-death signal
# still stops btvirt.
pdeath=()
if command -v setpriv >/dev/null 2>&1 && setpriv --pdeathsig TERM true 2>/dev/null; then
	pdeath=(setpriv --pdeathsig TERM --)
fi
BTVIRT_DIR=$dir LD_PRELOAD=$shim "${pdeath[@]}" "$btvirt" -s -l0 >"$dir/btvirt.log" 2>&1 &
pid=$!

# Poll for the sockets; btvirt binds and listens on each at start-up.
deadline=$((SECONDS + timeout))
until [ -S "$dir/bt-server-le" ] && [ -S "$dir/bt-server-bredrle" ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "btvirt-run: btvirt exited early:" >&2
		cat "$dir/btvirt.log" >&2 || true
		pid=""
		exit 125
	fi
	if [ $SECONDS -ge $deadline ]; then
		echo "btvirt-run: no sockets in $dir after ${timeout}s" >&2
		cat "$dir/btvirt.log" >&2 || true
		exit 125
	fi
	sleep 0.02
done

export BTVIRT_DIR=$dir
if [ $# -eq 0 ]; then
	echo "BTVIRT_DIR=$dir"
	echo "btvirt running (pid $pid); Ctrl-C stops it" >&2
	wait "$pid" || true
	pid=""
	exit 0
fi

status=0
"$@" || status=$?
if ! kill -0 "$pid" 2>/dev/null; then
	echo "btvirt-run: btvirt died during the command:" >&2
	cat "$dir/btvirt.log" >&2 || true
fi
exit $status
