#!/usr/bin/env bash
# gap_multi.sh DEMO KIND: the GAP demo's multi scenario on btvirt's KIND
# socket (run under btvirt-run.sh): two peripherals and a central that
# advertises while scanning, holds both links at once, updates one link's
# parameters and disconnects it.
set -uo pipefail
demo=$1
kind=$2
sock="unix:$BTVIRT_DIR/$kind"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$demo" --role peripheral --scenario multi --hci "$sock" >"$out/p1.log" 2>&1 &
p1=$!
"$demo" --role peripheral --scenario multi --hci "$sock" >"$out/p2.log" 2>&1 &
p2=$!
sleep 0.2
"$demo" --role central --scenario multi --hci "$sock" >"$out/c.log" 2>&1
crc=$?
wait $p1; r1=$?
wait $p2; r2=$?
cat "$out/p1.log" "$out/p2.log" "$out/c.log"
echo "peripherals exit $r1 $r2, central exit $crc"
[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ $crc -eq 0 ] || exit 1
# Both peripherals saw their connection.
n=$(cat "$out/p1.log" "$out/p2.log" | grep -c "\] connected: ")
[ "$n" -eq 2 ] || { echo "peripherals saw $n connections, expected 2"; exit 1; }
grep -q "2 simultaneous connections" "$out/c.log" || exit 1
grep -q "parameters updated: interval 80" "$out/c.log" || exit 1
