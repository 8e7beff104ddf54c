#!/usr/bin/env bash
# Builds and runs every test: with the default compiler (gcc) a plain build
# (both kernel backends), an ASan+UBSan build (both) and a ThreadSanitizer
# build (threads backend); with clang an ASan+UBSan build (both: clang's
# warnings under -Werror, its sanitizers, the targets only clang builds);
# and the Cortex-M cross-compile check. Extra arguments go to every ctest run, e.g.
#   scripts/test.sh -L kernel
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test

jobs=$(nproc 2>/dev/null || echo 2)
run() {
	local dir=$1; shift
	echo "== $dir: cmake $*"
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null
	cmake --build "$dir" -j"$jobs" >/dev/null
	ctest --test-dir "$dir" --output-on-failure -j"$jobs" "${CTEST_ARGS[@]}"
}
CTEST_ARGS=("$@")

run build
run build-asan -DZBLE_SANITIZE=address,undefined
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" run build-tsan -DZBLE_SANITIZE=thread
run build-clang -DCMAKE_C_COMPILER=clang -DZBLE_SANITIZE=address,undefined
echo "== Cortex-M4 size report (coop kernel)"
scripts/cross-check.sh build/cortex-m4 | tail -n +2
echo "== idle CPU (3 s each backend; expected well under 1 % of wall time)"
for b in build/bench/idle_cpu_coop build/bench/idle_cpu_threads; do "$b" 3; done
echo "== all test builds passed"
