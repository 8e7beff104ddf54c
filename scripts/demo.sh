#!/usr/bin/env bash
# Builds and runs the demo. For now: the kernel layer on both backends.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=Release -DZBLE_TESTS=OFF >/dev/null
cmake --build build-demo -j"$(nproc)" >/dev/null
build-demo/apps/kernel_demo_coop
build-demo/apps/kernel_demo_threads
