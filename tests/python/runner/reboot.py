# expect_reboot: the instance exits and is started again in resume().
def instance0():
    multitest.next()
    print("before reboot")
    multitest.expect_reboot("resume", 0)
    raise SystemExit


def resume():
    print("after reboot")
    multitest.broadcast("back")


def instance1():
    multitest.next()
    multitest.wait("back")
    print("i1 saw the reboot")
