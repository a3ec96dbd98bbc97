"""Safe extraction of tar and zip archives: regular files and folders only, all inside the target.

Keras skips suspicious members with a warning; lamina refuses the whole archive before writing
anything, and extracts into a temporary folder that is renamed into place only when complete.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from lamina import errors


class UnsafeArchiveError(errors.LaminaError, ValueError):
    """An archive holds a link, a device, an absolute path or a path that leaves its folder."""


def _check_name(archive: str, name: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise UnsafeArchiveError(
            f"Refusing to extract {archive}: member {name!r} would be written outside the "
            "target folder. The archive is corrupted or malicious; nothing was extracted.")


def _refuse(archive: str, name: str, kind: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(f"Refusing to extract {archive}: member {name!r} is a {kind}. "
                              "Only regular files and folders are extracted; nothing was.")


def _checked_tar_members(tar: tarfile.TarFile, archive: str) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for info in members:
        _check_name(archive, info.name)
        if info.issym() or info.islnk():
            raise _refuse(archive, info.name, "link")
        if not (info.isfile() or info.isdir()):
            raise _refuse(archive, info.name, "device or special file")
    return members


def _checked_zip_members(zf: zipfile.ZipFile, archive: str) -> list[zipfile.ZipInfo]:
    members = zf.infolist()
    for info in members:
        _check_name(archive, info.filename)
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise _refuse(archive, info.filename, "link")
    return members


def archive_kind(path: str | os.PathLike, archive_format="auto") -> str | None:
    """'tar' or 'zip' when `path` is an archive of an allowed format, else None."""
    if archive_format is None:
        return None
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(path):
            return "tar"
        if kind == "zip" and zipfile.is_zipfile(path):
            return "zip"
        if kind not in ("tar", "zip"):
            raise errors.ConfigError(f"Unknown archive_format {kind!r}. Use 'auto', 'tar' or "
                                     "'zip'.")
    return None


def extract_archive(file_path: str | os.PathLike, path: str | os.PathLike = ".",
                    archive_format="auto") -> bool:
    """Extract a tar (.tar, .tar.gz, .tar.bz2, .tar.xz) or zip archive into `path`.

    Returns False when the file is not an archive of an allowed format (as Keras does).
    Raises `UnsafeArchiveError` before writing anything if a member is a link, a special file,
    or would land outside `path`. The folder appears complete or not at all.
    """
    kind = archive_kind(file_path, archive_format)
    if kind is None:
        return False
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial"))
    try:
        if kind == "tar":
            with tarfile.open(file_path) as tar:
                members = _checked_tar_members(tar, str(file_path))
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                tar.extractall(tmp, members=members, **kwargs)
        else:
            with zipfile.ZipFile(file_path) as zf:
                zf.extractall(tmp, members=_checked_zip_members(zf, str(file_path)))
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return True
