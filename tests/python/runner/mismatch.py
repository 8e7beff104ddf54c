# Runs fine, but prints something the .exp file does not have.
def instance0():
    multitest.next()
    print("value", 6 * 7)


def instance1():
    multitest.next()
    print("other")
