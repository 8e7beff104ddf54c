#!/usr/bin/env bash
# Cross-compiles the coop kernel for Cortex-M4 (no warnings allowed), checks
# the objects hold no mutable file-scope state and call no allocator, and
# prints a size report. Used by ctest (label kernel) and runnable by hand.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$(mktemp -d)}
mkdir -p "$out"
cc=arm-none-eabi-gcc
flags=(-std=c11 -Os -mcpu=cortex-m4 -mthumb -ffunction-sections -fdata-sections
       -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers
       -DZBLE_KERNEL_COOP=1 -I"$root/include" -I"$root/src/kernel")

# compile OUTDIR SOURCES...: objects into OUTDIR, their paths in $objs.
compile() {
	local dir=$out/$1; shift
	mkdir -p "$dir"
	objs=()
	for s in "$@"; do
		o="$dir/$(basename "${s%.c}").o"
		"$cc" "${flags[@]}" -I"$root/src/host" -c "$s" -o "$o"
		objs+=("$o")
	done
}

compile kernel "$root"/src/kernel/*.c "$root"/src/kernel/coop/*.c
kernel_objs=("${objs[@]}")
# The host and the portable transports (not the POSIX ones, not the file
# sink, not the mbedTLS crypto: a Cortex-M build offloads to the controller).
host_srcs=()
for s in "$root"/src/host/*.c; do
	case "$(basename "$s")" in btsnoop_file.c | crypto_mbedtls.c) ;; *) host_srcs+=("$s") ;; esac
done
compile host "${host_srcs[@]}" "$root/src/drivers/h4.c" "$root/src/drivers/mailbox.c"
host_objs=("${objs[@]}")
# The MicroPython backend core (bindings/core): what a MicroPython port links.
flags+=(-I"$root/bindings/core/include")
compile mp_core "$root"/bindings/core/src/*.c
mp_objs=("${objs[@]}")

"$root/scripts/check-objects.sh" arm-none-eabi- "${kernel_objs[@]}" "${host_objs[@]}" "${mp_objs[@]}"

echo "Cortex-M4 -Os size of the coop kernel (per object and total):"
arm-none-eabi-size -t "${kernel_objs[@]}" | sed "s|$out/||"
echo "Cortex-M4 -Os size of the host and portable transports (per object and total):"
arm-none-eabi-size -t "${host_objs[@]}" | sed "s|$out/||"
echo "Cortex-M4 -Os size of the MicroPython backend core (per object and total):"
arm-none-eabi-size -t "${mp_objs[@]}" | sed "s|$out/||"

# RAM: one host instance (all its state, pools included) and one kernel, as
# a Cortex-M4 build with the default CONFIG_* lays them out.
cat >"$out/ram_probe.c" <<'PROBE'
#include "zble/host.h"
const char zble_ram_host[sizeof(struct zble_host)] = { 0 };
const char zble_ram_conn[sizeof(struct bt_conn)] = { 0 };
const char zble_ram_kernel[sizeof(struct zble_kernel)] = { 0 };
#include "zble_mp/core.h"
const char zble_ram_mp_core[sizeof(struct zble_mp)] = { 0 };
PROBE
"$cc" "${flags[@]}" -c "$out/ram_probe.c" -o "$out/ram_probe.o"
echo "Cortex-M4 RAM (bytes, defaults: $(grep -o 'CONFIG_BT_MAX_CONN [0-9]*' "$root/include/zble/host.h" | head -1) links):"
arm-none-eabi-nm -S --size-sort "$out/ram_probe.o" | while read -r _ size _ name; do
	printf "  %-18s %6d\n" "$name" "$((16#$size))"
done
