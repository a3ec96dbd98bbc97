"""Tell saved files apart by their bytes, and refuse bad ones with an error naming the file.

Kinds: 'keras' (a `.keras` zip), 'h5' (a legacy whole-model HDF5 file), 'legacy_weights'
(an HDF5 weights file of Keras 2 / legacy `save_weights`), 'weights' (Keras 3 `.weights.h5`).
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from typing import Iterator

import h5py

from lamina import errors
from lamina.saving import hdf5_heap

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
#: A zip member or HDF5 dataset larger than SMALL that claims more than MAX_RATIO times the
#: bytes it stores is refused (a zip bomb, or a dataset declared huge but never written).
#: Keras stores members and datasets uncompressed; DEFLATE reaches at most ~1032:1.
MAX_RATIO = 100
SMALL = 1 << 20
_FOREIGN = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"%PDF": "a PDF",
            b"\x80": "a Python pickle", b"\x93NUMPY": "a NumPy .npy array",
            b"\x1f\x8b": "a gzip archive", b"GIF8": "a GIF image"}


class SavedFileError(errors.LaminaError, ValueError, OSError):
    """A file is not a model or weights file lamina can read (missing, empty, corrupt,
    truncated or of another kind): a ValueError as Keras's `load_model` raises, and an
    OSError as h5py raises for unreadable `.h5` files."""


class MissingFileError(SavedFileError, FileNotFoundError):
    """The file does not exist."""


def bad_file(path: str, what: str, fix: str = "") -> SavedFileError:
    """A `SavedFileError` in lamina's style: the file, what is wrong, the fix."""
    text = f"Cannot read {path!r}: {what}"
    gap = "\n" if len(text) + 1 + len(fix) > errors.FIRST_LINE_LIMIT else " "
    return SavedFileError(f"{text}{gap}{fix}".strip())


def _describe_foreign(head: bytes) -> str:
    for magic, name in _FOREIGN.items():
        if head.startswith(magic):
            return name
    if head.lstrip()[:1] in (b"{", b"["):
        return "a JSON or text file"
    return "not a zip archive or an HDF5 file"


def check_exists(path: str) -> None:
    if not os.path.exists(path):
        raise MissingFileError(f"Cannot read {path!r}: no such file. Check the path (the "
                               f"working directory is {os.getcwd()!r}).")
    if os.path.isdir(path):
        raise bad_file(path, "it is a directory, not a file.",
                       "A TensorFlow SavedModel directory cannot be loaded by lamina; "
                       "save the model as .keras or .h5 with Keras first.")


def container_of(path: str) -> str:
    """'zip' or 'hdf5' from the first bytes of `path`, or a SavedFileError."""
    check_exists(path)
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise bad_file(path, "the file is empty (0 bytes).",
                       "It was probably cut off while being written; use an earlier copy.")
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(HDF5_MAGIC):
        return "hdf5"
    raise bad_file(path, f"it is {_describe_foreign(head)}, not a Keras model or weights "
                   "file (those are .keras zip archives or HDF5 files).")


def kind_of(path: str) -> str:
    """'keras', 'h5', 'legacy_weights' or 'weights', from the file's content."""
    if container_of(path) == "zip":
        return "keras"
    with open_h5(path) as f:
        if "model_config" in f.attrs:
            return "h5"
        if "layer_names" in f.attrs or "model_weights" in f:
            return "legacy_weights"
        if "vars" in f or "layers" in f or "_layer_checkpoint_dependencies" in f:
            return "weights"
    raise bad_file(path, "it is an HDF5 file but holds no Keras model or weights (no "
                   "'model_config', 'layer_names' or 'layers' entries).")


@contextlib.contextmanager
def open_h5(path: str) -> Iterator[h5py.File]:
    """Open an HDF5 file for reading, turning h5py's errors into a SavedFileError."""
    if container_of(path) != "hdf5":
        raise bad_file(path, "it is a zip archive (a .keras model), not an HDF5 file.",
                       "Load it with load_model().")
    check_heaps(hdf5_heap.check_file(path), path)
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise bad_file(path, f"the HDF5 data is truncated or corrupt ({exc}).",
                       "Use an intact copy of the file.") from None
    with handle, h5_errors(path):
        yield handle


def check_heaps(bad_offset: int | None, path: str) -> None:
    """Refuse an HDF5 file whose global heap is damaged (HDF5 would hang reading it)."""
    if bad_offset is not None:
        raise bad_file(path, f"the HDF5 global heap at byte {bad_offset} is corrupt.",
                       "Use an intact copy of the file.")


@contextlib.contextmanager
def h5_errors(path: str) -> Iterator[None]:
    """Turn h5py's errors while reading an open file (a damaged object, a dangling or
    external link, a missing member) into a SavedFileError naming the file."""
    try:
        yield
    except (OSError, KeyError, RuntimeError, IndexError, UnicodeError) as exc:
        if isinstance(exc, errors.LaminaError):  # UnicodeError: a damaged name, undecodable
            raise
        raise bad_file(path, f"the HDF5 data is truncated or corrupt ({exc}).",
                       "Use an intact copy of the file.") from None


@contextlib.contextmanager
def open_zip(path: str) -> Iterator[zipfile.ZipFile]:
    """Open a `.keras` zip, checking its central directory and member checksums."""
    if container_of(path) != "zip":
        raise bad_file(path, "it is an HDF5 file, not a .keras zip archive.",
                       "Load it with load_model() (legacy .h5) or load_weights().")
    try:
        archive = zipfile.ZipFile(path, "r")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise bad_file(path, f"the zip archive is truncated or corrupt ({exc}).",
                       "Use an intact copy of the file.") from None
    try:
        check_zip_sizes(archive, path)
        bad_member = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError) as exc:
        archive.close()
        if isinstance(exc, errors.LaminaError):
            raise
        raise bad_file(path, f"the zip archive is truncated or corrupt ({exc}).",
                       "Use an intact copy of the file.") from None
    if bad_member is not None:
        archive.close()
        raise bad_file(path, f"the zip member {bad_member!r} is corrupt (bad CRC).",
                       "Use an intact copy of the file.")
    with archive:
        yield archive


def check_zip_sizes(archive: zipfile.ZipFile, path: str) -> None:
    """Refuse a zip bomb before inflating anything: a member (or the whole archive) that
    claims far more bytes than it stores."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > SMALL and info.file_size > MAX_RATIO * info.compress_size:
            raise bad_file(path, f"its member {info.filename!r} claims {info.file_size} bytes "
                           f"from {info.compress_size} stored bytes (a zip bomb).",
                           "Only load .keras files from trusted sources.")
    if total > SMALL and total > MAX_RATIO * os.path.getsize(path):
        raise bad_file(path, f"its members claim {total} bytes in all from a file of "
                       f"{os.path.getsize(path)} bytes (a zip bomb).",
                       "Only load .keras files from trusted sources.")
