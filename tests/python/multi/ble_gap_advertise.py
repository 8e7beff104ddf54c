# Advertising as a passive scanner sees it: non-connectable advertising is
# reported as ADV_SCAN_IND (2), connectable as ADV_IND (0), every packet is
# reported (no duplicate filter) and the payload is the one given.
# instance0 advertises, instance1 scans.
import time
import bluetooth
from micropython import const

TIMEOUT_MS = const(5000)
_IRQ_SCAN_RESULT = const(5)
_IRQ_SCAN_DONE = const(6)

ADV_DATA = b"\x02\x01\x06\x0b\x09zble-multi"
REPORTS_WANTED = const(5)

ble = bluetooth.BLE()


def instance0():
    ble.active(1)
    multitest.globals(BDADDR=ble.config("mac"))
    print("advertise non-connectable")
    ble.gap_advertise(100_000, ADV_DATA, connectable=False)
    multitest.next()
    multitest.wait("saw non-connectable")
    print("advertise connectable")
    ble.gap_advertise(20_000, ADV_DATA, connectable=True)
    multitest.wait("saw connectable")
    print("advertise stop")
    ble.gap_advertise(None)
    multitest.broadcast("stopped")
    multitest.wait("done")
    ble.active(0)


def instance1():
    ble.active(1)
    reports = {}  # adv_type -> count of reports from instance0
    payloads = set()
    done = []

    def irq(event, data):
        if event == _IRQ_SCAN_RESULT:
            addr_type, addr, adv_type, rssi, adv_data = data
            if addr_type == BDADDR[0] and bytes(addr) == BDADDR[1]:
                reports[adv_type] = reports.get(adv_type, 0) + 1
                payloads.add(bytes(adv_data))
        elif event == _IRQ_SCAN_DONE:
            done.append(1)

    def wait_reports(adv_type, count):
        t0 = time.ticks_ms()
        while reports.get(adv_type, 0) < count:
            if time.ticks_diff(time.ticks_ms(), t0) > TIMEOUT_MS:
                raise RuntimeError("only %r after %d ms" % (reports, TIMEOUT_MS))
            time.sleep_ms(10)

    ble.irq(irq)
    multitest.next()
    print("scan")
    ble.gap_scan(0, 30_000, 30_000)
    wait_reports(2, REPORTS_WANTED)
    multitest.broadcast("saw non-connectable")
    wait_reports(0, REPORTS_WANTED)
    multitest.broadcast("saw connectable")
    multitest.wait("stopped")
    ble.gap_scan(None)
    t0 = time.ticks_ms()
    while not done and time.ticks_diff(time.ticks_ms(), t0) < TIMEOUT_MS:
        time.sleep_ms(10)
    print("scan done:", len(done))
    print("adv types:", sorted(reports))
    print("each reported again and again:", all(n >= REPORTS_WANTED for n in reports.values()))
    print("payloads:", [p for p in payloads])
    multitest.broadcast("done")
    ble.active(0)
