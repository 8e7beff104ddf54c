#!/bin/sh
# run-python.sh BUILD_DIR [python args...]: python3 with BUILD_DIR's
# bluetooth module (and its sanitizer runtime, for build-asan/build-tsan).
#   bindings/cpython/run-python.sh build examples/python/peripheral.py
if [ $# -lt 1 ] || [ ! -x "$1/python/run-python" ]; then
	echo "usage: run-python.sh BUILD_DIR [args...] (BUILD_DIR/python/run-python is made by the build)" >&2
	exit 2
fi
dir=$1
shift
exec "$dir/python/run-python" "$@"
