"""An exact hash table of 16-byte token keys, filled and probed with NumPy over many keys at once.

`text_bytes.py` turns each token into a key of two uint64 (its bytes, zero padded). This table
stores keys in slots by open addressing with linear probing, in rounds over all pending keys;
every probe compares the whole key, so a hash collision costs one more probe, never a wrong
answer. `group` puts equal keys in one slot (adapt's counting; a vocabulary's table);
`KeyTable.find` answers each key's slot or -1 (every call's vocabulary lookup). An all-zero key
marks an empty slot: no token's key is all zeros.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []

_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_ROUNDS_BEFORE_CHECK = 32  # probe rounds after which `group` checks its table's load


def home_slots(keys: np.ndarray, bits: int) -> np.ndarray:
    """Each key's first slot in a table of 2**bits: the top bits of a multiplicative hash."""
    h = keys[1] * _MIX[1]
    h ^= keys[0]
    h ^= h >> np.uint64(29)  # digits and letters differ in low bits of high bytes: fold them
    h *= _MIX[0]
    h >>= np.uint64(64 - bits)
    return h.astype(np.intp)


def _columns(keys: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """keys[:, positions], one row at a time (a 2-D fancy index is several times slower)."""
    return keys[0].take(positions), keys[1].take(positions)


class KeyTable:
    """2**bits slots, each empty or holding one key (`keys[:, slot]`)."""

    def __init__(self, bits: int):
        self.bits = bits
        self.keys = np.zeros((2, 1 << bits), np.uint64)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The slot holding each of `keys` (2, n), -1 where the table does not hold it."""
        out = np.full(keys.shape[1], -1, np.intp)
        pending, slot = None, home_slots(keys, self.bits)
        while slot.size:
            own = keys if pending is None else _columns(keys, pending)
            stored = self.keys[0][slot]
            found = (stored == own[0]) & (self.keys[1][slot] == own[1])
            more = ~found & (stored != 0)  # an empty slot ends the search
            if pending is None:
                np.copyto(out, slot, where=found)
                pending = np.flatnonzero(more)
            else:
                out[pending[found]] = slot[found]
                pending = pending[more]
            slot = (slot[more] + 1) & ((1 << self.bits) - 1)
        return out

    def insert(self, keys: np.ndarray) -> np.ndarray | None:
        """Store `keys` (2, n), equal keys in one slot; each key's slot, or None when the table
        is more than half full (then nothing is certain about it)."""
        slot_of = home_slots(keys, self.bits)
        pending, slot, rounds = None, slot_of, 0
        while slot.size:
            own = keys if pending is None else _columns(keys, pending)
            empty = self.keys[0][slot] == 0
            self.keys[0][slot[empty]] = own[0][empty]  # equal or not, one key wins a slot
            self.keys[1][slot[empty]] = own[1][empty]
            found = (self.keys[0][slot] == own[0]) & (self.keys[1][slot] == own[1])
            pending = np.flatnonzero(~found) if pending is None else pending[~found]
            slot = (slot[~found] + 1) & ((1 << self.bits) - 1)
            slot_of[pending] = slot
            rounds += 1
            if rounds > _ROUNDS_BEFORE_CHECK and \
                    np.count_nonzero(self.keys[0]) > self.keys.shape[1] // 2:
                return None
        return slot_of


def group(keys: np.ndarray, bits: int) -> tuple[KeyTable, np.ndarray]:
    """A table holding `keys` (2, n) with equal keys in one slot, and each key's slot; the
    table grows four times whenever it is more than half full."""
    while True:
        table = KeyTable(bits)
        slot_of = table.insert(keys)
        if slot_of is not None:
            return table, slot_of
        bits += 2
