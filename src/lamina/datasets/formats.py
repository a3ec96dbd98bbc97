"""Readers for the file formats the data sets ship in: npz, IDX (gzipped or not), pickle.

Pickle runs code, so it is read only through `RestrictedUnpickler` (numpy array reconstruction
and nothing else), and callers only hand it files whose hash `get_file` has verified: CIFAR's
batches, and the ragged object arrays inside the IMDB / Reuters npz files.
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import zipfile
from typing import Any

import numpy as np

from lamina import errors

_ALLOWED_GLOBALS = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),  # bytes in protocol-2 pickles written by Python 3
})

# IDX type codes (http://yann.lecun.com/exdb/mnist/): byte 3 of the magic number.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles plain containers and numpy arrays; refuses every other global."""

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to unpickle `{module}.{name}` while loading a data set: only numpy arrays "
            "are allowed. The file is corrupted or malicious.")


def load_pickle(path: str | os.PathLike, encoding: str = "bytes") -> Any:
    """Read a pickle (e.g. a CIFAR batch) that may only contain containers and numpy arrays."""
    with open(path, "rb") as handle:
        try:
            return RestrictedUnpickler(handle, encoding=encoding).load()
        except (pickle.UnpicklingError, EOFError, ValueError) as exc:
            raise errors.DataError(f"Could not read {path}: {exc}") from None


def _read_npy(stream: io.BytesIO) -> np.ndarray:
    """One `.npy` member: numeric arrays with pickle disabled, object arrays restricted."""
    try:
        return np.lib.format.read_array(stream, allow_pickle=False)
    except ValueError:
        stream.seek(0)
        version = np.lib.format.read_magic(stream)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(stream)
        else:
            np.lib.format.read_array_header_2_0(stream)
        return RestrictedUnpickler(stream).load()


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All arrays of an `.npz` file as a dict (ragged object arrays included, safely)."""
    arrays = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".npy"):
                    with archive.open(member) as raw:
                        arrays[member[:-4]] = _read_npy(io.BytesIO(raw.read()))
    except (zipfile.BadZipFile, pickle.UnpicklingError, ValueError, EOFError) as exc:
        raise errors.DataError(f"{path} is not a valid .npz file ({exc}). Delete it so that it "
                               "is downloaded again.") from None
    return arrays


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """An IDX file (MNIST's format), gzipped or not, as a native-endian numpy array."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as exc:
        raise errors.DataError(f"Could not read {path}: {exc}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise errors.DataError(f"{path} is not an IDX file (bad magic number).")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(data[4:header], ">u4"))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(shape) != ndim or len(data) != expected:
        raise errors.DataError(f"{path} is truncated or corrupted: its header says shape "
                               f"{shape} ({expected} bytes) but it has {len(data)} bytes.")
    return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
