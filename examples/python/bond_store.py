# A bond store for the _IRQ_GET_SECRET / _IRQ_SET_SECRET events: the keys
# the stack hands over, kept in a JSON file so that a bond survives a
# restart of the script. The stack decides what the blobs mean; the store
# only keeps them by (type, key).
import binascii
import json

_IRQ_GET_SECRET = 29
_IRQ_SET_SECRET = 30


class BondStore:
    def __init__(self, path):
        self.path = path
        self.secrets = {}  # (sec_type, key bytes) -> value bytes
        try:
            with open(path) as f:
                for sec_type, key, value in json.load(f):
                    self.secrets[(sec_type, binascii.unhexlify(key))] = binascii.unhexlify(value)
        except (OSError, ValueError):
            pass

    def save(self):
        with open(self.path, "w") as f:
            json.dump([[t, binascii.hexlify(k).decode(), binascii.hexlify(v).decode()]
                       for (t, k), v in self.secrets.items()], f)

    def handle(self, event, data):
        """Answers a secret event; returns (True, answer) when it was one."""
        if event == _IRQ_GET_SECRET:
            sec_type, index, key = data
            if key is None:  # the index-th secret of this type
                values = [v for (t, _), v in sorted(self.secrets.items()) if t == sec_type]
                return True, (values[index] if index < len(values) else None)
            return True, self.secrets.get((sec_type, bytes(key)))
        if event == _IRQ_SET_SECRET:
            sec_type, key, value = data
            if value is None:
                self.secrets.pop((sec_type, bytes(key)), None)
            else:
                self.secrets[(sec_type, bytes(key))] = bytes(value)
            self.save()
            return True, True
        return False, None
