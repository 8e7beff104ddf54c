# Prints the ROLE its target sets: only one ordering of two different
# targets can match the .exp file, which shows -p swaps them.
import os


def instance0():
    multitest.next()
    print("i0 runs on", os.environ.get("ROLE"))


def instance1():
    multitest.next()
    print("i1 runs on", os.environ.get("ROLE"))
