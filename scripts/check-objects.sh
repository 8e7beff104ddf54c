#!/usr/bin/env bash
# check-objects.sh PREFIX OBJ...: fails if any object (or archive member)
# defines mutable file-scope data (object symbols in .bss/.data/.tbss/.tdata
# /small data/common; .data.rel.ro is read-only after relocation and fine) or
# calls an allocator (malloc, calloc, realloc, free). All state must live in
# the instance structs the caller owns. PREFIX is "" or "arm-none-eabi-".
set -euo pipefail
prefix=$1; shift
bad=0
for o in "$@"; do
	data=$("${prefix}objdump" -t "$o" | awk '
		/ O / {
			for (i = 1; i <= NF; i++) if ($i == "O") { sec = $(i + 1); name = $NF }
			if (sec ~ /^\.data\.rel\.ro/) next
			if (sec ~ /^(\.bss|\.data|\.sbss|\.sdata|\.tbss|\.tdata|\*COM\*)/) print name " (" sec ")"
		}')
	if [ -n "$data" ]; then
		echo "FAIL: $(basename "$o") has file-scope mutable data: $data"
		bad=1
	fi
	alloc=$("${prefix}nm" -u "$o" | awk '{print $NF}' | grep -Ex 'malloc|calloc|realloc|free' || true)
	if [ -n "$alloc" ]; then
		echo "FAIL: $(basename "$o") calls $alloc"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "check-objects: $# files, no mutable file-scope data, no allocator calls"
exit $bad
