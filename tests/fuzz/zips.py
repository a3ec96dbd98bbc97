"""Zip archives built member by member, including ones `zipfile` itself refuses to write:
duplicate or traversing names, members whose CRC no longer matches, and zip bombs (a member
that inflates to gigabytes from a few megabytes of DEFLATE data)."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

BOMB_BLOCK = 64 << 20  # 64 MiB of zeros, compressed once and repeated


@dataclass(frozen=True)
class Member:
    """One zip member as stored: its name, the stored bytes, the method, the CRC and size of
    the data it claims to hold."""

    name: str
    stored: bytes
    method: int = zipfile.ZIP_STORED
    crc: int | None = None  # None: the CRC of `stored` (a STORED member)
    size: int | None = None  # None: len(stored)

    @staticmethod
    def deflated(name: str, data: bytes) -> Member:
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        return Member(name, packer.compress(data) + packer.flush(), zipfile.ZIP_DEFLATED,
                      zlib.crc32(data), len(data))


def members(data: bytes) -> list[Member]:
    """The members of a valid zip archive, stored uncompressed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [Member(info.filename, archive.read(info)) for info in archive.infolist()]


def build(entries: list[Member]) -> bytes:
    """A zip archive of `entries` exactly as given (no checks, no normalisation)."""
    out, central = io.BytesIO(), []
    for entry in entries:
        name = entry.name.encode("utf-8")
        crc = zlib.crc32(entry.stored) if entry.crc is None else entry.crc
        size = len(entry.stored) if entry.size is None else entry.size
        fields = (20, 0x800, entry.method, 0, 0x21, crc, len(entry.stored), size)
        central.append((out.tell(), name, fields))
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, len(name), 0))
        out.write(name + entry.stored)
    start = out.tell()
    for offset, name, fields in central:
        out.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, len(name), 0, 0, 0, 0,
                              0, offset))
        out.write(name)
    end = out.tell()
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central),
                          end - start, start, 0))
    return out.getvalue()


@functools.lru_cache(maxsize=None)
def _zero_block() -> bytes:
    """BOMB_BLOCK zeros as a byte-aligned, history-free DEFLATE segment (so it can repeat)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(bytes(BOMB_BLOCK)) + packer.flush(zlib.Z_FULL_FLUSH)


@functools.lru_cache(maxsize=None)
def _zeros_crc(blocks: int) -> int:
    crc, zeros = 0, bytes(BOMB_BLOCK)
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    return crc


def bomb(name: str, gib: float = 2.0, honest_crc: bool = True) -> Member:
    """A member that inflates to `gib` GiB of zeros from about a thousandth of that."""
    blocks = max(1, int(gib * 1024 ** 3) // BOMB_BLOCK)
    stored = _zero_block() * blocks + b"\x03\x00"  # a final, empty fixed-Huffman block
    crc = _zeros_crc(blocks) if honest_crc else 0
    return Member(name, stored, zipfile.ZIP_DEFLATED, crc, blocks * BOMB_BLOCK)
