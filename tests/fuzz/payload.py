"""Code a hostile file would like a loader to run. Importing this module, calling `boom`,
building `Boom` or running the bytecode from `hostile.lambda_config` all create the file `SENTINEL`;
the fuzzer checks that no load ever does. Nothing may import this module except by a loader
following a config's `module` path (which must never happen)."""

from __future__ import annotations

from pathlib import Path

from fuzz.hostile import SENTINEL

Path(SENTINEL).touch()  # importing this module is itself running the file's code


def boom(*args, **kwargs):
    Path(SENTINEL).touch()


class Boom:
    def __init__(self, *args, **kwargs):
        Path(SENTINEL).touch()

    def get_config(self) -> dict:
        return {}
