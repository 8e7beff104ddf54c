# instance0 broadcasts right after NEXT, before instance1 can have started:
# instance1 still gets the message (and a later one, in order).
import sys


def instance0():
    print("NEXT\nBROADCAST early")  # one write: both lines in one read
    sys.stdout.flush()
    multitest.wait("started")
    multitest.broadcast("late")
    print("i0 done")


def instance1():
    multitest.next()
    multitest.broadcast("started")
    multitest.wait("early")
    multitest.wait("late")
    print("i1 got both")
