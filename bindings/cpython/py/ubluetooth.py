"""`import ubluetooth` (MicroPython's old name) gives `bluetooth`."""

import sys

import bluetooth

sys.modules[__name__] = bluetooth
