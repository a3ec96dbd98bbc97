"""Run the case tables against a library and print, per case, the exception type and first
line it raises: `python tests/bad_inputs/keras_oracle.py [keras|lamina] [name-filter]`.

Used to confirm the expected types against Keras 3 (JAX backend); not part of `make test`.
Each case gets a fresh world (a failed Keras call can leave a model broken for the next), so a
full run takes tens of minutes; pass a name filter to check a few cases.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("KERAS_BACKEND", "jax")


def main() -> None:
    from bad_inputs import World, all_cases

    library = sys.argv[1] if len(sys.argv) > 1 else "keras"
    wanted = sys.argv[2] if len(sys.argv) > 2 else ""
    K = importlib.import_module(library)
    for case in all_cases():
        if wanted not in case.name:
            continue
        with tempfile.TemporaryDirectory() as folder:  # a fresh world: Keras may break one
            world = World(K, folder)
            world.model, world.raw_model, world.emb_model, world.saved, world.saved_weights
            if case.setup is not None:
                case.setup(world)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ok = "-- "
                try:
                    case.call(world)
                    got = "NO ERROR"
                except BaseException as exc:  # noqa: BLE001 - report whatever it is
                    line = (str(exc).splitlines() or [""])[0][:150]
                    got = f"{type(exc).__name__}: {line}"
                    ok = "ok " if isinstance(exc, case.error) else "-- "
            print(f"{ok}{case.name:55s} want {case.error.__name__:18s} {got}")


if __name__ == "__main__":
    main()
