"""get_file: download once into Keras's cache, verify the hash, write atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from lamina import errors


class DownloadError(errors.LaminaError, OSError):
    """A data set file could not be fetched or failed verification."""


def cache_dir() -> Path:
    """`$KERAS_HOME/datasets` or `~/.keras/datasets`: files Keras downloaded are reused."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def file_hash(path: Path, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def get_file(fname: str, origin: str, file_hash: str | None = None, cache_subdir: str = "",
             hash_algorithm: str = "sha256", timeout: float = 30.0) -> str:
    """Return the local path of `fname`, downloading it from `origin` if it is not cached."""
    target = cache_dir() / cache_subdir / fname
    if target.exists() and (file_hash is None or _matches(target, file_hash, hash_algorithm)):
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{fname}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(origin, timeout=timeout) as resp:
            for block in iter(lambda: resp.read(1 << 20), b""):
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if file_hash is not None and not _matches(Path(tmp), file_hash, hash_algorithm):
            raise DownloadError(f"The file downloaded from {origin} does not match its expected "
                                f"{hash_algorithm} hash; it was discarded. Try again later.")
        os.replace(tmp, target)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        if isinstance(exc, DownloadError):
            raise
        raise DownloadError(f"Could not download {fname!r} from {origin} ({exc}). If you are "
                            f"offline, put the file at {target} by hand.") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return str(target)


def _matches(path: Path, expected: str, algorithm: str) -> bool:
    return file_hash(path, algorithm) == expected
