# Output matches, but instance0 exits with status 3.
import sys


def instance0():
    multitest.next()
    print("done")
    sys.exit(3)


def instance1():
    multitest.next()
    print("done")
