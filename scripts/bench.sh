#!/usr/bin/env bash
# Builds in release mode and runs every benchmark, printing their numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DZBLE_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
for b in build-bench/bench/idle_cpu_coop build-bench/bench/idle_cpu_threads; do
	"$b" "${IDLE_SECONDS:-3}"
done
for b in build-bench/bench/adv_flood build-bench/bench/throughput build-bench/bench/gatt_throughput; do if [ -x "$b" ]; then "$b"; fi; done # zble-sim (coop builds)
