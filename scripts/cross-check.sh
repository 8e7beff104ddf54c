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

srcs=("$root"/src/kernel/*.c "$root"/src/kernel/coop/*.c)
objs=()
for s in "${srcs[@]}"; do
	o="$out/$(basename "${s%.c}").o"
	"$cc" "${flags[@]}" -c "$s" -o "$o"
	objs+=("$o")
done
arm-none-eabi-ar rcs "$out/libzble_kernel_coop_m4.a" "${objs[@]}"

"$root/scripts/check-objects.sh" arm-none-eabi- "${objs[@]}"

echo "Cortex-M4 -Os size of the coop kernel (per object and total):"
arm-none-eabi-size -t "${objs[@]}" | sed "s|$out/||"
