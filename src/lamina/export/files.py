"""Write an artifact folder atomically, and never replace a folder that is not an artifact."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

#: Files that mark a folder as an earlier export (which a new export may replace).
ARTIFACT_MARKERS = ("manifest.json", "saved_model.pb")


@contextlib.contextmanager
def atomic_directory(path) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; on success it replaces `path` in one rename,
    on any error it is deleted and `path` is left as it was."""
    target = Path(path)
    check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.",
                                        suffix=".old"))
            os.replace(target, old / "artifact")
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def check_replaceable(target: Path) -> None:
    """Raise unless `target` is absent, an empty folder or an earlier artifact."""
    if not target.exists():
        return
    if not target.is_dir():
        raise ValueError(f"Cannot export to '{target}': it is a file, and an exported "
                         "artifact is a folder. Choose a new path, e.g. "
                         f"'{target.with_suffix('')}_export'.")
    if any(target.iterdir()) and not any((target / m).exists() for m in ARTIFACT_MARKERS):
        raise ValueError(f"Cannot export to '{target}': the folder exists and is not an "
                         f"exported artifact (it has no {' or '.join(ARTIFACT_MARKERS)}), so "
                         "lamina will not replace it. Choose a new path or empty it first.")
