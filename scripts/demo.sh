#!/usr/bin/env bash
# Builds and runs the demo: a zble peripheral and a zble central, as two
# processes, against BlueZ's virtual controller (btvirt), one line per event.
#   scripts/demo.sh [coop|threads] [le|bredrle]
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-coop}
kind=${2:-le}
scripts/deps.sh demo
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=Release -DZBLE_TESTS=ON >/dev/null
cmake --build build-demo -j"$(nproc)" --target zble_demo_"$backend" btvirt_shim >/dev/null
demo=build-demo/apps/zble_demo_"$backend"
echo "zble demo: $backend kernel backend, btvirt bt-server-$kind, captures in build-demo/*.snoop"
exec tests/interop/btvirt/btvirt-run.sh --shim build-demo/tests/interop/btvirt/btvirt_shim.so -- bash -c '
	"$0" --role peripheral --hci "unix:$BTVIRT_DIR/bt-server-$1" --btsnoop build-demo/peripheral.snoop &
	p=$!
	sleep 0.2
	"$0" --role central --hci "unix:$BTVIRT_DIR/bt-server-$1" --btsnoop build-demo/central.snoop
	c=$?
	wait $p
	p=$?
	echo "peripheral exit $p, central exit $c (decode a capture with: btmon -r build-demo/central.snoop)"
	[ $p -eq 0 ] && [ $c -eq 0 ]' "$demo" "$kind"
