# instance1 stays silent far longer than the runner's timeout.
import time


def instance0():
    multitest.next()
    print("i0 waits")
    multitest.wait("never sent")


def instance1():
    multitest.next()
    time.sleep(60)
    print("i1 woke")
