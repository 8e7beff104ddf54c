#!/usr/bin/env bash
# Installs the Debian packages zble needs, only when something is missing.
# Usage: scripts/deps.sh [demo|test]   (what the demo / the test suite need too)
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

have_cmd cmake || need+=(cmake)
have_cmd cc || need+=(gcc)
have_cmd make || need+=(make)
have_pkg libssl-dev || need+=(libssl-dev)
have_pkg python3-dev || need+=(python3-dev) # the bluetooth Python module (bindings/cpython)
have_pkg libmbedtls-dev || need+=(libmbedtls-dev) # software crypto (CONFIG_BT_HOST_CRYPTO=1)
if [ "${1:-}" = "test" ] || [ "${1:-}" = "demo" ]; then
	have_cmd btvirt || need+=(bluez-test-tools)
	have_cmd btmon || need+=(bluez)
	have_pkg libcmocka-dev || need+=(libcmocka-dev)
fi
if [ "${1:-}" = "test" ]; then
	have_cmd python3 || need+=(python3) # tests/sim/outside_hci.py
	have_cmd clang || need+=(clang)     # the build-clang run of scripts/test.sh
	# clang's sanitizer and libFuzzer runtimes (only recommended by clang)
	have_pkg libclang-rt-dev || need+=(libclang-rt-dev)
	have_cmd arm-none-eabi-gcc || need+=(gcc-arm-none-eabi)
	have_pkg libnewlib-arm-none-eabi || need+=(libnewlib-arm-none-eabi)
fi

[ ${#need[@]} -eq 0 ] && exit 0
echo "deps: installing ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
