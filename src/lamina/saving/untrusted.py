"""The boundary where a file's content becomes objects: a config built into a model, an HDF5
dataset read into an array. A file may be damaged or hostile, so whatever goes wrong there
leaves as an error naming the file (never a KeyError or MemoryError from deep inside), and
nothing is read that the file does not really hold."""

from __future__ import annotations

import contextlib
from typing import Iterator

import h5py
import numpy as np

from lamina import errors
from lamina.saving import sniff
from lamina.saving.sniff import MAX_RATIO, SMALL

NUMERIC_KINDS = "biufc"  # bool, int, uint, float, complex


def _tagged(exc: errors.LaminaError, path: str) -> errors.LaminaError:
    """`exc` with the file's path in front of its message (once)."""
    if path in str(exc):
        return exc
    try:
        return type(exc)(f"{path}: {exc}")
    except TypeError:  # an error class whose constructor takes other arguments
        return exc


@contextlib.contextmanager
def building_from(path: str, what: str = "its config") -> Iterator[None]:
    """Turn any failure while building objects from a file into an error naming the file:
    lamina's own errors keep their type, TypeError/ValueError stay those types (as Keras
    raises them), and anything else (KeyError, RecursionError, MemoryError, ...) becomes a
    `SavedFileError`."""
    try:
        yield
    except errors.LaminaError as exc:
        raise _tagged(exc, path) from None
    except RecursionError:
        raise sniff.bad_file(path, f"{what} is nested too deeply to be a Keras model.",
                             "Use an intact copy of the file.") from None
    except MemoryError as exc:
        raise sniff.bad_file(path, f"{what} asks for more memory than is available ({exc}).",
                             "Check the shapes and sizes it declares.") from None
    except TypeError as exc:
        raise errors.ArgumentTypeError(f"{path}: {what} cannot be loaded: {exc}") from exc
    except ValueError as exc:
        raise errors.ConfigError(f"{path}: {what} cannot be loaded: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - a damaged file can break any builder
        raise sniff.bad_file(path, f"{what} cannot be loaded ({type(exc).__name__}: {exc}).",
                             "The file is damaged or was not written by Keras.") from exc


def read_dataset(obj: object, path: str, numeric: bool = True) -> np.ndarray:
    """The array an HDF5 dataset of a weights file holds, after checking that it is a dataset
    stored inside the file, of a numeric dtype (unless `numeric=False`), and no larger than
    the bytes it stores allow."""
    name = getattr(obj, "name", "?")
    if not isinstance(obj, h5py.Dataset):
        raise sniff.bad_file(path, f"{name!r} should be a dataset of weights but is "
                             f"{type(obj).__name__}.", "Use an intact copy of the file.")
    if obj.external or obj.is_virtual:
        raise sniff.bad_file(path, f"the dataset {name!r} keeps its data outside the file.",
                             "lamina reads weights only from inside the file itself.")
    if numeric and obj.dtype.kind not in NUMERIC_KINDS:
        raise sniff.bad_file(path, f"the dataset {name!r} holds {obj.dtype} values, not "
                             "numbers.", "Use an intact copy of the file.")
    stored = obj.id.get_storage_size()
    if obj.nbytes > SMALL and obj.nbytes > MAX_RATIO * stored:
        raise sniff.bad_file(path, f"the dataset {name!r} declares shape {obj.shape} "
                             f"({obj.nbytes} bytes) but stores only {stored} bytes.",
                             "The file is damaged or hostile; use an intact copy.")
    return np.asarray(obj)
