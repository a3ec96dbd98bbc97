"""Keras's text standardization and whitespace splitting on Python strings, plus the small
text helpers of TextVectorization's exact path (n-grams, decoding, the column of texts).

ASCII batches take the array path of `text_bytes.py`; this is the exact path for the rest
(non-ASCII text, custom callables, n-grams), still fast on whole batches: the batch is joined
into one string so that lowercasing and the punctuation regex run once, in C, and the split is
`str.split` wherever that agrees with Keras's ASCII whitespace. Semantics are Keras's: `lower`
lowercases ASCII letters only, punctuation is ASCII punctuation, whitespace is
`[ \\t\\n\\r\\v\\f]`.
"""

from __future__ import annotations

import re
import string

import numpy as np

PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
WHITESPACE = re.compile(r"[ \t\n\r\v\f]+")
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PUNCTUATION_BYTES = string.punctuation.encode("ascii")  # the class of PUNCTUATION
_SEPARATOR = "\x00"
_PYTHON_ONLY_ASCII_SPACE = "\x1c\x1d\x1e\x1f"  # str.split() splits there, Keras does not


def standardize(text: str, lower: bool, strip_punctuation: bool) -> str:
    """One string (or a joined batch) standardized as Keras does."""
    if text.isascii():  # bytes' lower/translate are plain C loops
        data = text.encode("ascii")
        data = data.lower() if lower else data
        data = data.translate(None, _PUNCTUATION_BYTES) if strip_punctuation else data
        return data.decode("ascii")
    if lower:
        text = text.lower() if text.isascii() else text.translate(ASCII_LOWER)
    if strip_punctuation:
        text = PUNCTUATION.sub("", text)
    return text


def standardize_many(texts: list[str], lower: bool, strip_punctuation: bool) -> list[str]:
    """`standardize` of each text, in one pass over the joined batch where possible."""
    if not texts:
        return []
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:  # a text holds the separator itself
        return [standardize(t, lower, strip_punctuation) for t in texts]
    return standardize(joined, lower, strip_punctuation).split(_SEPARATOR)


def split_whitespace(texts: list[str]) -> list[list[str]]:
    """Each text's tokens between runs of ASCII whitespace (no empty tokens)."""
    joined = _SEPARATOR.join(texts)
    if _python_split_agrees(joined):
        return [text.split() for text in texts]
    return [[t for t in WHITESPACE.split(text) if t] for text in texts]


def standardized_token_rows(texts: list[str], lower: bool,
                            strip_punctuation: bool) -> list[list[str]]:
    """`split_whitespace(standardize_many(...))` with one join of the batch for both steps."""
    if not texts:
        return []
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:  # a text holds the separator itself
        return split_whitespace(standardize_many(texts, lower, strip_punctuation))
    joined = standardize(joined, lower, strip_punctuation)
    rows = joined.split(_SEPARATOR)
    if _python_split_agrees(joined):
        return [row.split() for row in rows]
    return [[t for t in WHITESPACE.split(row) if t] for row in rows]


def _python_split_agrees(text: str) -> bool:
    """Whether `str.split()` splits `text` exactly at Keras's ASCII whitespace."""
    return text.isascii() and not any(c in text for c in _PYTHON_ONLY_ASCII_SPACE)


def ngrams_of(tokens: list, widths: tuple) -> list:
    """tf.strings.ngrams with separator " " and no padding: all width-n grams, n in order."""
    return [" ".join(tokens[i:i + n]) for n in widths for i in range(len(tokens) - n + 1)]


def dense_ngrams(texts: np.ndarray, widths: tuple) -> np.ndarray:
    """n-grams along the last axis of unsplit texts (what tf.strings.ngrams does there)."""
    rows = texts.reshape(-1, texts.shape[-1]) if texts.ndim else texts.reshape(1, 1)
    grams = [ngrams_of([str(t) for t in row], widths) for row in rows]
    out = np.empty((len(grams), len(grams[0]) if grams else 0), dtype=object)
    for i, row in enumerate(grams):
        out[i, :] = row
    return out.reshape(texts.shape[:-1] + (out.shape[-1],))


def text_column(texts: np.ndarray) -> np.ndarray:
    """A batch of texts to split: rank 1, or rank 2 with one text per row."""
    if texts.ndim > 1:
        if texts.shape[-1] != 1:
            raise ValueError("When using `TextVectorization` to tokenize strings, the input "
                             "rank must be 1 or the last shape dimension must be 1. "
                             f"Received: inputs.shape={texts.shape} with rank={texts.ndim}")
        texts = texts[..., 0]
    return texts


def decode_text(value, encoding: str) -> str:
    """A text given as str or bytes (decoded with `encoding`), as str."""
    if isinstance(value, bytes):
        return value.decode(encoding)
    if isinstance(value, (str, np.str_)):
        return str(value)
    raise TypeError(f"TextVectorization expects strings (str or bytes). Received: {value!r} "
                    f"of type {type(value).__name__}.")
