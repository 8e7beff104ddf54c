# instance0 finds that something it needs is missing and skips the test.
def instance0():
    print("checking")
    multitest.skip()


def instance1():
    multitest.next()
    print("should never run")
