# Two instances that hand values over: globals, broadcast/wait, metrics.
import sys


def instance0():
    multitest.globals(SECRET=[1, "two", b"\x03"])
    multitest.next()
    print("i0 start")
    multitest.wait("ready")
    print("i0 got ready")
    multitest.broadcast("go")
    multitest.output_metric("speed 42 units")
    multitest.wait("done")
    print("i0 end")


def instance1():
    multitest.next()
    print("i1 start", SECRET)
    multitest.broadcast("ready")
    multitest.wait("go")
    print("i1 got go")
    multitest.broadcast("done")
    print("i1 end")
