"""TextVectorization's array path: vocabulary indices and adapt's token counts for a batch
tokenized by `text_bytes.tokenize_batch`, without one Python string per token.

Both are exact: short tokens are compared by their whole bytes (`token_keys.KeyTable`), and the
few tokens longer than `KEY_BYTES` go through Python strings and dictionaries.
"""

from __future__ import annotations

import codecs
import collections

import numpy as np

from lamina.layers.preprocessing.text_bytes import KEY_BYTES, ByteTokens, key_texts, text_keys
from lamina.layers.preprocessing.token_keys import KeyTable, group

__all__: list[str] = []

_SLOTS_PER_TERM = 4  # table slots per term, at least: few lookups probe past the first slot


class VocabularyKeys:
    """A lookup table (token -> index, the OOV index for other tokens) keyed for `ByteTokens`:
    tokens that whitespace splitting of ASCII text can produce are keyed, longer ones kept in
    a dictionary, the rest (non-ASCII, empty, holding NUL) left out: no batch on this path
    holds them. Built once per vocabulary (cached by the layer)."""

    def __init__(self, table: dict, oov_index: int):
        keyed = [(t, i) for t, i in table.items() if isinstance(t, str) and t.isascii()
                 and 0 < len(t) <= KEY_BYTES and "\x00" not in t]
        keyed.sort(key=lambda item: -item[1])  # frequent (low index) last: they win home slots
        self.table, slots = group(text_keys([t for t, _ in keyed]),
                                  max((_SLOTS_PER_TERM * len(keyed)).bit_length(), 4))
        self.indices = np.full(len(self.table.keys[0]) + 1, oov_index, np.int64)  # [-1]: missing
        self.indices[slots] = [i for _, i in keyed]
        self.long = {t: i for t, i in table.items() if isinstance(t, str) and len(t) > KEY_BYTES}
        self.oov_index = oov_index

    def indices_of(self, tokens: ByteTokens) -> np.ndarray:
        """Each token's vocabulary index (the OOV index for tokens not in the vocabulary)."""
        ids = self.indices[self.table.find(tokens.keys)]
        if tokens.long_texts:
            ids[tokens.long_positions] = [self.long.get(t, self.oov_index)
                                          for t in tokens.long_texts]
        return ids


class TokenCounter:
    """Counts of the tokens of `ByteTokens` chunks, added one chunk at a time (adapt)."""

    def __init__(self):
        self.table: KeyTable | None = None
        self.counts = np.zeros(0, np.int64)  # per slot of the table
        self.long: collections.Counter = collections.Counter()
        self.texts = 0

    def add(self, tokens: ByteTokens) -> None:
        """Count one chunk's tokens."""
        self.texts += len(tokens.row_counts)
        self.long.update(tokens.long_texts)
        keys = tokens.keys
        if len(tokens.long_positions):
            keys = np.delete(keys, tokens.long_positions, axis=1)
        if self.table is None:  # sized from the first chunk's distinct tokens
            self._grow(max(int(_SLOTS_PER_TERM * len(np.unique(keys[0]))).bit_length(), 10))
        slot_of = self.table.insert(keys)
        while slot_of is None:  # the table filled up: grow it, insert the chunk again
            self._grow(self.table.bits + 2)
            slot_of = self.table.insert(keys)
        np.add.at(self.counts, slot_of, 1)
        if 2 * np.count_nonzero(self.counts) > len(self.counts):
            self._grow(self.table.bits + 2)

    def _grow(self, bits: int) -> None:
        """Move the counted keys to a table of 2**bits slots."""
        used = np.flatnonzero(self.counts)
        keys = self.table.keys[:, used] if self.table is not None else np.zeros((2, 0), np.uint64)
        self.table, counts = KeyTable(bits), self.counts[used]
        self.counts = np.zeros(1 << bits, np.int64)
        self.counts[self.table.insert(keys)] = counts

    def result(self) -> dict:
        """Token text -> count."""
        used = np.flatnonzero(self.counts)
        out = dict(zip(key_texts(self.table.keys[:, used]), self.counts[used].tolist())) \
            if self.table is not None else {}
        for text, n in self.long.items():
            out[text] = out.get(text, 0) + n
        return out


def text_array(inputs, encoding: str) -> np.ndarray | None:
    """The batch as a str (or ASCII-compatible bytes) array for `tokenize_batch`, or None."""
    texts = np.asarray(inputs)
    if texts.dtype.kind == "O" and texts.size:
        items = texts.reshape(-1).tolist()
        if not all(type(t) is str and not t.endswith("\x00") for t in items):
            return None  # NumPy would drop trailing NULs
        texts = np.array(items).reshape(texts.shape)
    if texts.dtype.kind == "S" and codecs.lookup(encoding).name not in ("utf-8", "ascii"):
        return None
    return texts if texts.dtype.kind in "US" else None


def adapt_rows(data) -> np.ndarray:
    """An array given to `adapt`, as one batch: str and bytes arrays as they are (the array
    path takes them), anything else as objects."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "US":
        return data
    return np.asarray(data, dtype=object)
