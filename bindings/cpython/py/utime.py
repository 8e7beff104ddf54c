"""`import utime` (MicroPython's old name) gives the standard `time` module
with MicroPython's extras."""

import sys
import time

import _zble_time

_zble_time.install()
sys.modules[__name__] = time
