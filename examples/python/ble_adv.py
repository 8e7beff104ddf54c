# Building and reading advertising payloads (AD structures: a length byte,
# a type byte, the data), shared by the examples.
import struct

import bluetooth

AD_FLAGS = 0x01
AD_UUID16_COMPLETE = 0x03
AD_UUID128_COMPLETE = 0x07
AD_NAME_COMPLETE = 0x09
AD_APPEARANCE = 0x19

FLAGS_GENERAL_NO_BREDR = 0x06


def payload(name=None, services=(), appearance=None):
    """The advertising data for a name, service UUIDs and an appearance.
    Raises ValueError when it does not fit the 31 bytes of legacy
    advertising (the stack would refuse it with OSError EINVAL)."""
    out = bytearray()

    def add(ad_type, value):
        out.extend(struct.pack("BB", len(value) + 1, ad_type) + value)

    add(AD_FLAGS, bytes([FLAGS_GENERAL_NO_BREDR]))
    for uuid in services:
        raw = bytes(uuid)
        add(AD_UUID16_COMPLETE if len(raw) == 2 else AD_UUID128_COMPLETE, raw)
    if appearance is not None:
        add(AD_APPEARANCE, struct.pack("<H", appearance))
    if name:
        add(AD_NAME_COMPLETE, name.encode() if isinstance(name, str) else bytes(name))
    if len(out) > 31:
        raise ValueError("advertising payload of %d bytes (31 at most)" % len(out))
    return bytes(out)


def fields(adv_data, ad_type):
    """The values of every AD structure of that type."""
    data = bytes(adv_data)
    found = []
    i = 0
    while i + 1 < len(data):
        length = data[i]
        if length == 0:
            break
        if data[i + 1] == ad_type:
            found.append(data[i + 2:i + 1 + length])
        i += 1 + length
    return found


def name(adv_data):
    values = fields(adv_data, AD_NAME_COMPLETE)
    return values[0].decode("utf-8", "replace") if values else None


def services(adv_data):
    uuids = []
    for v in fields(adv_data, AD_UUID16_COMPLETE):
        uuids += [bluetooth.UUID(struct.unpack("<H", v[i:i + 2])[0]) for i in range(0, len(v) - 1, 2)]
    for v in fields(adv_data, AD_UUID128_COMPLETE):
        uuids += [bluetooth.UUID(v[i:i + 16]) for i in range(0, len(v) - 15, 16)]
    return uuids
