"""Keras's default text path on a whole batch as NumPy array operations over its ASCII bytes.

`TextVectorization` with a built-in `standardize` and `split="whitespace"` runs on every batch a
model sees. Making one Python string per token is what made it slower than Keras's
tf.strings kernels; here the batch's bytes are standardized by one `bytes.translate`, cut at
whitespace with array masks, and each token becomes a fixed 16-byte key (its bytes, zero
padded), so lookups and counts are array operations too (`token_keys.py`). Semantics are
Keras's: `lower` lowercases ASCII letters, punctuation is ASCII punctuation (removed before
splitting), whitespace is `[ \\t\\n\\r\\v\\f]`. Batches this path cannot take exactly (non-ASCII
text, a NUL character inside a text) are declined, and the caller uses the exact string path.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__: list[str] = []

KEY_BYTES = 16  # tokens up to this long are keyed by their bytes; longer ones by their text
_SEPARATOR = 0  # what whitespace (and the padding after each text) becomes
_ROW_START = 0x80  # the byte before each text (never an ASCII byte; a separator too)
_CHUNK_BYTES = 1 << 20  # texts are tokenized a chunk at a time, its temporaries in cache


def _translation(lower: bool, strip_punctuation: bool) -> tuple[bytes, bytes]:
    """(table, deleted bytes) for `bytes.translate`: ASCII letters lowered, whitespace to
    the separator, punctuation deleted (when asked)."""
    table = bytearray(range(256))
    if lower:
        table[ord("A"):ord("Z") + 1] = b"abcdefghijklmnopqrstuvwxyz"
    for byte in b" \t\n\r\v\f":
        table[byte] = _SEPARATOR
    return bytes(table), string.punctuation.encode("ascii") if strip_punctuation else b""


_TRANSLATIONS = {(lo, st): _translation(lo, st) for lo in (False, True) for st in (False, True)}
_KEY_MASKS = np.array([[(1 << 8 * min(n, 8)) - 1 for n in range(KEY_BYTES + 1)],
                       [(1 << 8 * max(n - 8, 0)) - 1 for n in range(KEY_BYTES + 1)]],
                      dtype=np.uint64)  # [word, token length]: which bytes are the token's


@dataclass
class ByteTokens:
    """Some texts' tokens: text `i` holds `row_counts[i]` of them, in order; token `j`'s first
    KEY_BYTES bytes are `keys[:, j]`; the tokens longer than that are also given as text
    (`long_positions`, `long_texts`)."""

    keys: np.ndarray  # (2, tokens) uint64: the first KEY_BYTES bytes, zero padded
    row_counts: np.ndarray  # int64, one per text
    long_positions: np.ndarray  # int64
    long_texts: list[str]


def key_texts(keys: np.ndarray) -> list[str]:
    """The tokens whose (2, n) uint64 keys these are (tokens of at most KEY_BYTES bytes)."""
    raw = np.ascontiguousarray(keys.T).view(f"S{KEY_BYTES}").reshape(-1)
    return raw.astype(str).tolist()


def text_keys(tokens: list[str]) -> np.ndarray:
    """The (2, n) uint64 keys of ASCII tokens of 1 to KEY_BYTES bytes (ByteTokens' keys)."""
    raw = np.array([t.encode("ascii") for t in tokens], dtype=f"S{KEY_BYTES}")
    return raw.view(np.uint64).reshape(len(tokens), 2).T.copy()


def tokenize_batch(texts: np.ndarray, lower: bool, strip_punctuation: bool,
                   each: Callable[[ByteTokens], Any] = lambda tokens: tokens) -> list | None:
    """`each` of the tokens of every chunk of a batch of texts (a str or bytes array, one text
    per row), standardized and split as Keras does; None where the batch needs the exact string
    path. Chunks of about `_CHUNK_BYTES` keep temporaries in cache and memory pages reused
    (fresh pages cost as much as the work), so `each` should reduce a chunk right away."""
    texts = np.ascontiguousarray(texts.reshape(-1))
    if not _ascii_without_nul(texts):
        return None
    width = texts.dtype.itemsize // (4 if texts.dtype.kind == "U" else 1)
    step = max(1, _CHUNK_BYTES // (width + 2))
    translation = _TRANSLATIONS[lower, strip_punctuation]
    return [each(_tokenize_chunk(texts[i:i + step], *translation))
            for i in range(0, len(texts), step)]


def _tokenize_chunk(texts: np.ndarray, table: bytes, delete: bytes) -> ByteTokens:
    """The tokens of a few texts."""
    width = texts.dtype.itemsize // (4 if texts.dtype.kind == "U" else 1)
    padded = np.zeros((len(texts), width + 2), np.uint8)
    padded[:, 0] = _ROW_START
    padded[:, 1:-1] = texts.view(np.uint32 if texts.dtype.kind == "U" else np.uint8).reshape(
        len(texts), width)
    raw = padded.tobytes().translate(table, delete) + bytes(KEY_BYTES)
    data = np.frombuffer(raw, np.uint8)
    word = data.view(np.int8) > 0  # not a separator, not a row start
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1  # token starts and ends, alternating
    starts, ends = edges[0::2], edges[1::2]
    lengths = ends - starts
    row_counts = np.diff(np.searchsorted(starts, np.flatnonzero(data == _ROW_START)),
                         append=len(starts))
    long = np.flatnonzero(lengths > KEY_BYTES)
    long_texts = [raw[s:s + n].decode("ascii")
                  for s, n in zip(starts[long].tolist(), lengths[long].tolist())]
    return ByteTokens(_keys(data, starts, lengths), row_counts, long, long_texts)


def _ascii_without_nul(texts: np.ndarray) -> bool:
    """Whether a str or bytes array is non-empty ASCII without NUL characters inside its texts
    (NumPy drops trailing ones; a NUL is no separator to Keras)."""
    if texts.dtype.kind not in "US" or texts.size == 0 or sys.byteorder != "little":
        return False  # (the key masks assume little-endian words)
    codes = texts.view(np.uint32 if texts.dtype.kind == "U" else np.uint8)
    return bool(codes.max() < 128) and np.count_nonzero(codes) == np.char.str_len(texts).sum()


def _keys(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each token's first KEY_BYTES bytes as two little-endian uint64, zero padded: (2, n);
    `data` ends with KEY_BYTES zero bytes."""
    windows = np.ndarray((len(data) - KEY_BYTES + 1,), np.dtype((np.void, KEY_BYTES)),
                         buffer=data, strides=(1,))  # one (unaligned) window per byte
    raw = windows[starts].view(np.uint64).reshape(len(starts), 2)
    clipped = np.minimum(lengths, KEY_BYTES)
    keys = np.empty((2, len(starts)), np.uint64)
    np.bitwise_and(raw[:, 0], _KEY_MASKS[0].take(clipped), out=keys[0])
    np.bitwise_and(raw[:, 1], _KEY_MASKS[1].take(clipped), out=keys[1])
    return keys
