"""get_file: download once into Keras's cache, verify the hash, write atomically.

The cache is Keras's (`$KERAS_HOME` or `~/.keras`, sub-folder `datasets`), so files Keras already
downloaded are reused. A download goes to a temporary file next to its target and is renamed
into place only once it is complete and its hash matches: an interrupted, truncated or corrupted
download never leaves a file behind. Transient failures (5xx, timeouts, dropped connections) are
retried; permanent ones (404, no network) fail at once with a message that says where to put
the file by hand.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from lamina import errors
from lamina.datasets.archives import extract_archive
from lamina.saving.atomic import atomic_write

TRANSIENT_HTTP_CODES = frozenset({408, 425, 429, 500, 502, 503, 504})
RETRY_DELAYS = (0.25, 1.0)  # seconds slept before the 2nd and the 3rd attempt
_CHUNK = 1 << 16


class DownloadError(errors.LaminaError, OSError):
    """A file could not be fetched (offline, HTTP error, truncated) or failed verification."""


class HashMismatchError(DownloadError, ValueError):
    """The downloaded file's hash differs from the expected one (Keras raises ValueError)."""


class _Transient(Exception):
    """A failure worth retrying; carries the human-readable reason."""


def keras_home() -> Path:
    """`$KERAS_HOME`, or `~/.keras`."""
    return Path(os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras"))


def datasets_dir() -> Path:
    """`$KERAS_HOME/datasets` or `~/.keras/datasets`: where `get_file` caches by default."""
    return keras_home() / "datasets"



def resolve_hasher(algorithm: str = "auto", file_hash: str | None = None):
    """sha256 for 'sha256' (or 'auto' with a 64-digit hash), otherwise md5 — as Keras does."""
    if algorithm == "sha256" or (algorithm == "auto" and file_hash and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    return hashlib.new(algorithm)


def hash_file(fpath: str | os.PathLike, algorithm: str = "sha256",
              chunk_size: int = 65535) -> str:
    """Hex digest of a file ('sha256', 'md5', 'auto' = sha256, or any hashlib name)."""
    hasher = resolve_hasher("sha256" if algorithm == "auto" else algorithm)
    with open(fpath, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_size), b""):
            hasher.update(block)
    return hasher.hexdigest()



def validate_file(fpath: str | os.PathLike, file_hash: str, algorithm: str = "auto",
                  chunk_size: int = 65535) -> bool:
    """Whether the file's hash equals `file_hash` (algorithm picked as in `resolve_hasher`)."""
    hasher = resolve_hasher(algorithm, file_hash)
    with open(fpath, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_size), b""):
            hasher.update(block)
    return hasher.hexdigest() == str(file_hash).lower()


def get_file(fname: str | os.PathLike | None = None, origin: str | None = None,
             untar: bool = False, md5_hash: str | None = None, file_hash: str | None = None,
             cache_subdir: str = "datasets", hash_algorithm: str = "auto",
             extract: bool = False, archive_format="auto", cache_dir: str | None = None,
             force_download: bool = False, *, dataset: str | None = None,
             timeout: float = 30.0, retries: int = 2) -> str:
    """Download `origin` into the Keras cache unless a valid copy is there; return its path.

    Same arguments and cache layout as `keras.utils.get_file`. lamina extras (keyword-only):
    `dataset` names the data set in error messages, `timeout` is per network operation in
    seconds, `retries` is how many times a transient failure is retried.

    With `extract=True` the archive is extracted (safely, see `archives.extract_archive`) and
    the extraction folder is returned; an existing extraction is reused unless the archive was
    just downloaded.
    """
    if origin is None:
        raise errors.ConfigError('Please specify the "origin" argument (URL of the file to '
                                 "download).")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = _writable_dir(Path(os.path.expanduser(cache_dir)) if cache_dir else keras_home(),
                            cache_subdir)
    download_target, extraction_dir = _targets(fname, origin, datadir, extract or untar)
    what = f"the {dataset} data set ({download_target.name})" if dataset else \
        repr(download_target.name)

    downloaded = False
    if force_download or not download_target.exists():
        downloaded = True
    elif file_hash is not None and not validate_file(download_target, file_hash, hash_algorithm):
        print(f"A local file was found at {download_target}, but its {hash_algorithm} hash does "
              f"not match {file_hash}: it is incomplete or outdated, downloading it again.")
        downloaded = True
    if downloaded:
        _download(origin, download_target, file_hash, hash_algorithm, what, timeout, retries)

    if extraction_dir is None:
        return str(download_target)
    if downloaded or not extraction_dir.exists():
        if not extract_archive(download_target, extraction_dir,
                               "tar" if untar else archive_format):
            import warnings

            warnings.warn(f"Could not extract archive {download_target}: it is not a "
                          f"{archive_format} archive.", stacklevel=2)
    return str(extraction_dir)


def _writable_dir(base: Path, cache_subdir: str) -> Path:
    """`base/cache_subdir`, or `/tmp/.keras/cache_subdir` when `base` cannot be written (Keras)."""
    for root in (base, Path(tempfile.gettempdir()) / ".keras"):
        datadir = root / cache_subdir
        try:
            datadir.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(datadir, os.W_OK):
            return datadir
    raise DownloadError(f"Cannot write to the cache folder {base / cache_subdir}. Set KERAS_HOME "
                        "to a writable folder or pass cache_dir=.")


def _targets(fname, origin: str, datadir: Path, extract: bool) -> tuple[Path, Path | None]:
    """Keras's names: the file itself, or `<name>_archive` + the folder `<name>` to extract to."""
    name = os.fspath(fname) if fname is not None else ""
    if not name:
        name = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not name:
            raise errors.ConfigError(f"Can't parse the file name from the origin provided: "
                                     f"'{origin}'. Please specify the `fname` argument.")
        if extract:
            return datadir / f"{name}_archive", datadir / name
    elif os.sep in name or (os.altsep and os.altsep in name):
        raise errors.ConfigError(f"Paths are no longer accepted as the `fname` argument. To "
                                 f"specify the file's parent directory, use the `cache_dir` "
                                 f"argument. Received: fname={name}")
    if not extract:
        return datadir / name, None
    if "." in name:
        return datadir / name, datadir / f"{name[:name.find('.')]}_extracted"
    return datadir / f"{name}_archive", datadir / name


def _download(origin: str, target: Path, expected: str | None, algorithm: str, what: str,
              timeout: float, retries: int) -> None:
    """Fetch into a temporary file, verify, rename into place; retry transient failures."""
    by_hand = f"put the file at {target} by hand" + (
        f" (its {_algorithm_name(algorithm, expected)} hash must be {expected})" if expected
        else "")
    with atomic_write(target, every_process=True) as tmp:
        for attempt in range(retries + 1):
            try:
                _fetch(origin, tmp, timeout)
                break
            except _Transient as exc:
                if attempt == retries:
                    raise DownloadError(
                        f"Could not download {what} from {origin}: {exc} (tried "
                        f"{retries + 1} times). Try again later, or {by_hand}.") from None
                time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
            except DownloadError as exc:
                raise DownloadError(f"Could not download {what} from {origin}: {exc}. If you "
                                    f"are offline, {by_hand}.") from None
        if expected is not None and not validate_file(tmp, expected, algorithm):
            actual = hash_file(tmp, _algorithm_name(algorithm, expected))
            raise HashMismatchError(
                f"The file downloaded for {what} from {origin} is corrupted or not the expected "
                f"one: its {_algorithm_name(algorithm, expected)} hash is {actual}, expected "
                f"{expected}. It was discarded. Try again later, or {by_hand}.")


def _algorithm_name(algorithm: str, expected: str | None) -> str:
    return resolve_hasher(algorithm, expected).name


def _fetch(origin: str, path: Path, timeout: float) -> None:
    """One attempt: stream `origin` into `path`. Raises _Transient or DownloadError."""
    request = urllib.request.Request(origin, headers={"User-Agent": "lamina"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, \
                open(path, "wb") as out:
            total = response.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            bar = _progress(origin, total)
            received = 0
            for block in iter(lambda: response.read(_CHUNK), b""):
                out.write(block)
                received += len(block)
                if bar is not None:
                    bar.update(received)
            if total is not None and received < total:
                raise _Transient(f"the connection closed after {received} of {total} bytes")
            if bar is not None:
                bar.update(received, finalize=True)
    except urllib.error.HTTPError as exc:
        reason = f"HTTP error {exc.code} ({exc.reason})"
        if exc.code in TRANSIENT_HTTP_CODES:
            raise _Transient(reason) from None
        raise DownloadError(reason) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise _Transient(f"timed out ({exc.reason})") from None
        raise DownloadError(f"no connection ({exc.reason})") from None
    except (TimeoutError, socket.timeout) as exc:
        raise _Transient(f"timed out ({exc})") from None
    except (http.client.HTTPException, ConnectionError) as exc:
        raise _Transient(f"the connection broke ({type(exc).__name__}: {exc})") from None


def _progress(origin: str, total: int | None):
    """A progress bar on a terminal; None (quiet) when stdout is a file or a pipe."""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        if not (isatty and isatty()):
            return None
    except ValueError:
        return None
    from lamina.training.progbar import Progbar

    print(f"Downloading data from {origin}")
    return Progbar(total)
