"""Check an HDF5 file's global heap collections before HDF5 reads them.

Variable-length strings (the JSON `model_config` of a legacy `.h5`, layer and weight names)
live in global heap collections ("GCOL" blocks). HDF5 1.14 loops forever, holding the GIL,
on a collection whose free-space object has a wrong size, so a damaged file would hang the
loader beyond any timeout. The layout (HDF5 spec, "Global Heap", version 1): signature,
version 1, 3 reserved bytes, the collection size (8 bytes); then objects of a 2-byte index,
2-byte reference count, 4 reserved bytes, 8-byte size and the data padded to 8 bytes; index 0
is the free space, whose size is everything left, header included.
"""

from __future__ import annotations

import mmap
import struct

SIGNATURE = b"GCOL\x01\x00\x00\x00"
_HEADER, _OBJECT = struct.Struct("<8sQ"), struct.Struct("<HHIQ")
MIN_COLLECTION = 4096  # HDF5 never writes a smaller collection


def first_bad_collection(data: bytes | mmap.mmap) -> int | None:
    """The offset of the first global heap collection that is inconsistent, else None."""
    start = data.find(SIGNATURE)
    while start >= 0:
        _, size = _HEADER.unpack_from(data, start)
        if MIN_COLLECTION <= size <= len(data) - start and not _consistent(data, start, size):
            return start
        start = data.find(SIGNATURE, start + 1)
    return None


def _consistent(data, start: int, size: int) -> bool:
    pos, end = start + _HEADER.size, start + size
    while pos + _OBJECT.size <= end:
        index, _, _, length = _OBJECT.unpack_from(data, pos)
        if index == 0:
            return length == end - pos
        pos += _OBJECT.size + (length + 7) // 8 * 8
    return pos <= end


def check_file(path: str) -> int | None:
    """`first_bad_collection` of the file at `path`, read through a memory map."""
    with open(path, "rb") as handle:
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return first_bad_collection(data)
