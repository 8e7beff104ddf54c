# instance1 raises: its traceback becomes output and its status is non-zero.
def instance0():
    multitest.next()
    print("i0 fine")


def instance1():
    multitest.next()
    print("i1 before")
    raise ValueError("instance1 broke")
