"""The `assets/` tree of a `.keras` file: each layer with `save_assets(dir)` (a lookup layer's
`vocabulary.txt`) writes into `assets/<its weights path>/`, as Keras's saver does, and
`load_assets(dir)` reads it back after the weights."""

from __future__ import annotations

import os
import tempfile
import zipfile

from lamina.saving import sniff
from lamina.saving.weights_h5 import walk

__all__: list[str] = []

PREFIX = "assets/"


def write_assets(archive: zipfile.ZipFile, model) -> None:
    """Write every layer's assets under `assets/` in `archive`."""
    with tempfile.TemporaryDirectory() as tmp:
        def visit(path: str, layer) -> None:
            if hasattr(layer, "save_assets"):
                folder = os.path.join(tmp, path)
                os.makedirs(folder, exist_ok=True)
                layer.save_assets(folder)

        walk(model, visit)
        for root, _, files in os.walk(tmp):
            for name in sorted(files):
                full = os.path.join(root, name)
                archive.write(full, PREFIX + os.path.relpath(full, tmp).replace(os.sep, "/"))


def read_assets(archive: zipfile.ZipFile, model, path: str) -> None:
    """Give each layer with `load_assets` its folder of the archive's `assets/` tree."""
    names = [n for n in archive.namelist() if n.startswith(PREFIX) and not n.endswith("/")]
    if not names:
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.realpath(tmp)
        for name in names:
            target = os.path.realpath(os.path.join(root, name[len(PREFIX):]))
            if not target.startswith(root + os.sep):
                raise sniff.bad_file(path, f"its asset {name!r} points outside the assets "
                                     "folder.", "Only load .keras files from trusted sources.")
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(archive.read(name))
            except OSError as exc:  # e.g. both 'assets/a' and 'assets/a/b'
                raise sniff.bad_file(path, f"its asset {name!r} cannot be unpacked ({exc}).",
                                     "Use an intact copy of the file.") from None

        def visit(layer_path: str, layer) -> None:
            folder = os.path.join(root, layer_path)
            if hasattr(layer, "load_assets") and os.path.isdir(folder):
                layer.load_assets(folder)

        walk(model, visit)
