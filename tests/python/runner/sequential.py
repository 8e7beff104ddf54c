# Start-up is sequential: instance1 starts only after instance0 said NEXT,
# and sees the globals instance0 set before; three instances.
import time


def instance0():
    multitest.globals(T0=time.time())
    time.sleep(0.3)
    multitest.globals(LATE="set after a pause")
    multitest.next()
    print("i0")


def instance1():
    print("i1 started after i0's NEXT:", time.time() >= T0 + 0.3, LATE)
    multitest.next()


def instance2():
    multitest.next()
    print("i2 sees", LATE)
