"""pad_sequences, as `keras.utils.pad_sequences`."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from lamina import errors


def pad_sequences(sequences: Sequence, maxlen: int | None = None, dtype="int32",
                  padding: str = "pre", truncating: str = "pre", value=0.0) -> np.ndarray:
    """Pad (or cut) each sequence to `maxlen` (default: the longest) into one array of shape
    `(len(sequences), maxlen) + sample_shape`. `padding`/`truncating` pick the side ("pre"
    or "post"); `value` fills the padding; use `dtype=object` for strings."""
    if not hasattr(sequences, "__len__"):
        raise errors.ConfigError("`sequences` must be iterable. Received: "
                                 f"sequences={sequences!r}. Pass a list of lists of ints.")
    for name, side in (("padding", padding), ("truncating", truncating)):
        if side not in ("pre", "post"):
            raise errors.ConfigError(f'{name.capitalize()} type "{side}" not understood: use '
                                     f'"pre" or "post". Received: {name}={side!r}')
    lengths, sample_shape = [], ()
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError:
            raise errors.ConfigError("`sequences` must be a list of iterables. Found "
                                     f"non-iterable: {x!s}") from None
        if not sample_shape and len(x):
            sample_shape = np.asarray(x).shape[1:]
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    elif maxlen < 0:
        raise errors.ConfigError(f"`maxlen` must be None or >= 0. Received: maxlen={maxlen}.")
    is_str = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_str:
        raise errors.ConfigError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                                 f"{type(value)}. Set `dtype=object` for variable length strings.")
    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        trunc = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise errors.ShapeError(f"Shape of sample {trunc.shape[1:]} of sequence at position "
                                    f"{i} is different from expected shape {sample_shape}.")
        if padding == "post":
            out[i, : len(trunc)] = trunc
        else:
            out[i, -len(trunc):] = trunc
    return out
