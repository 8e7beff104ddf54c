#!/usr/bin/env bash
# Coverage-guided fuzzing of zble's receive paths with libFuzzer (Clang,
# ASan+UBSan): builds the targets in build-fuzz/ and runs one target, or
# each in turn, for SECONDS (default 60), starting from the committed seed
# corpus and the saved regressions. libFuzzer prints executions, exec/s and
# coverage (cov: edges, ft: features) as it goes; crashes are written to
# build-fuzz/artifacts/<target>/. New corpus entries stay in build-fuzz/.
#   scripts/fuzz.sh                  every target, 60 s each
#   scripts/fuzz.sh gatt_client 600  one target, 10 minutes
# Targets: h4 hci_scan acl_periph gatt_client adv_data. Extra libFuzzer
# flags: ZBLE_FUZZ_FLAGS="-max_len=1024 -jobs=1".
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(h4 hci_scan acl_periph gatt_client adv_data)
target=${1:-all}
seconds=${2:-60}
build=${ZBLE_FUZZ_BUILD:-build-fuzz}

if ! command -v clang >/dev/null; then
	echo "fuzz.sh: clang is needed (apt-get install -y clang libclang-rt-14-dev)" >&2
	exit 1
fi
if [ "$target" != all ] && [[ ! " ${TARGETS[*]} " =~ " $target " ]]; then
	echo "fuzz.sh: unknown target '$target' (one of: ${TARGETS[*]})" >&2
	exit 2
fi

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZBLE_BACKENDS=coop \
	-DZBLE_FUZZ=ON >/dev/null
if [ "$target" = all ]; then
	run=("${TARGETS[@]}")
else
	run=("$target")
fi
cmake --build "$build" -j"$(nproc)" --target "${run[@]/#/fuzz_}"

# The host allocates nothing; a small quarantine keeps libFuzzer's own input
# copies from growing the process for nothing.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32}
for t in "${run[@]}"; do
	corpus="$build/corpus/$t"
	artifacts="$build/artifacts/$t"
	mkdir -p "$corpus" "$artifacts"
	seeds=(tests/fuzz/corpus/"$t")
	[ -d tests/fuzz/regressions/"$t" ] && seeds+=(tests/fuzz/regressions/"$t")
	echo "=== fuzz_$t for ${seconds}s"
	# shellcheck disable=SC2086
	"$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 \
		-artifact_prefix="$artifacts/" ${ZBLE_FUZZ_FLAGS:-} "$corpus" "${seeds[@]}" 2>&1 |
		grep -v -E '^#[0-9]+\s+(NEW|REDUCE)' || true
	if compgen -G "$artifacts/crash-*" >/dev/null || compgen -G "$artifacts/leak-*" >/dev/null ||
		compgen -G "$artifacts/timeout-*" >/dev/null; then
		echo "fuzz.sh: fuzz_$t found a problem: $(ls "$artifacts")" >&2
		exit 1
	fi
done
