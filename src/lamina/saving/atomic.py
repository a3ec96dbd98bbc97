"""Write files so that a crash never leaves a half-written one where a good one was."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from lamina.distribution.host import is_writer


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, every_process: bool = False) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; on success fsync it and rename it over
    `path` in one step; on any error delete it and leave `path` untouched.

    In a multi-process run only process 0 writes (unless `every_process`, e.g. for a download
    cache each host needs): the others still produce the file, so collective steps such as
    gathering sharded weights run in every process, but into a scratch file that is discarded.
    """
    if not (every_process or is_writer()):
        with tempfile.TemporaryDirectory(prefix="lamina-not-writer-") as scratch:
            yield Path(scratch) / Path(path).name
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
