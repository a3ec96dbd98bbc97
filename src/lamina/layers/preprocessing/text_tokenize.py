"""Keras's text standardization and whitespace splitting, fast on whole batches.

TextVectorization's default path (`lower_and_strip_punctuation`, `split="whitespace"`) runs on
every batch a model sees. Done text by text in Python it is several times slower than Keras's
tf.strings kernels; here the batch is joined into one string so that lowercasing and the
punctuation regex run once, in C, and the split is `str.split` wherever that agrees with Keras's
ASCII whitespace. Semantics are Keras's: `lower` lowercases ASCII letters only, punctuation is
ASCII punctuation, whitespace is `[ \\t\\n\\r\\v\\f]`.
"""

from __future__ import annotations

import re
import string

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


def standardized_tokens_flat(texts: list[str], lower: bool, strip_punctuation: bool):
    """All tokens of the batch in one flat list, each text's tokens followed by `ROW_END`
    (`str.split` of the whole standardized batch at once); None when the batch needs
    `standardized_token_rows` (non-ASCII text, a NUL inside a text)."""
    joined = _SEPARATOR.join(texts)
    if not texts or joined.count(_SEPARATOR) != len(texts) - 1:
        return None
    joined = standardize(joined, lower, strip_punctuation)
    if not _python_split_agrees(joined):
        return None
    return (joined + _SEPARATOR).replace(_SEPARATOR, f" {ROW_END} ").split()


#: The token that ends each text in `standardized_tokens_flat` (no text can hold it).
ROW_END = _SEPARATOR


def _python_split_agrees(text: str) -> bool:
    """Whether `str.split()` splits `text` exactly at Keras's ASCII whitespace."""
    return text.isascii() and not any(c in text for c in _PYTHON_ONLY_ASCII_SPACE)
