"""Load a mutated file and check the loader's contract: it returns a model holding the seed's
weights, or raises one of lamina's file errors; it ends within seconds, stays within 1 GiB of
extra memory, runs no code from the file, and leaves a model it failed to load into as it was.
"""

from __future__ import annotations

import contextlib
import faulthandler
import resource
import signal
import time
import warnings
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

import lamina as keras
from fuzz import hostile, seeds
from fuzz.mutators import Mutation

GIB = 1 << 30
TIME_LIMIT_S = 20  # a hard stop for a hung loader; hypothesis's deadline is the real bound
ALLOWED = (keras.errors.LaminaError,)  # SavedFileError, ConfigError, ShapeError, ...
LOADERS = {"keras": ("load_model", "model.load_weights", "saving.load_weights"),
           "h5": ("load_model", "model.load_weights"),
           "weights": ("model.load_weights", "saving.load_weights")}
_models: dict[str, keras.Model] = {}


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@contextlib.contextmanager
def bounded(extra: int = GIB, seconds: int = TIME_LIMIT_S) -> Iterator[None]:
    """Cap the address space at its current size plus `extra` (so a runaway allocation fails
    here instead of exhausting the machine) and the time at `seconds`; afterwards assert the
    peak resident memory grew by at most `extra`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _vm_bytes() + 2 * extra  # virtual size runs ahead of resident memory
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    rss_before = _rss_bytes()
    peak_before = _peak_bytes()

    def alarm(*_):
        raise TimeoutError(f"the loader ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    signal.alarm(seconds)
    # a hang inside C code holding the GIL never reaches the alarm's handler: this watchdog
    # thread dumps every stack and ends the process instead of hanging the run forever
    faulthandler.dump_traceback_later(3 * seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    peak = _peak_bytes()  # a high-water mark: it moves only when this load set a new peak
    assert peak == peak_before or peak - rss_before <= extra, \
        f"loading took {(peak - rss_before) / GIB:.2f} GiB"


def target_model(name: str) -> keras.Model:
    """The model `load_weights` loads into (one per seed model, reused across cases)."""
    if name not in _models:
        _models[name] = seeds.fresh_model(name)
    return _models[name]


def _call(loader: str, seed: seeds.Seed, path: Path) -> keras.Model:
    if loader == "load_model":
        return keras.models.load_model(path, custom_objects=seeds.CUSTOM_OBJECTS)
    model = target_model(seed.model)
    if loader == "model.load_weights":
        model.load_weights(path)
    else:
        keras.saving.load_weights(model, path)
    return model


def check_load(seed: seeds.Seed, mutation: Mutation, loader: str, folder: Path) -> None:
    """Apply `mutation` to `seed`, load the result with `loader`, check the contract."""
    path = folder / f"fuzzed{seed.suffix}"
    path.write_bytes(mutation.apply(seed.data))
    before = _weights(target_model(seed.model)) if loader != "load_model" else None
    start = time.perf_counter()
    with bounded(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # damaged files may warn (a fresh optimizer state...)
        try:
            model = _call(loader, seed, path)
        except ALLOWED as exc:
            model, error = None, exc
    assert not hostile.sentinel_fired(), f"{mutation} ran code from the file"
    assert time.perf_counter() - start < TIME_LIMIT_S
    if model is None:
        assert str(path) in str(error), f"the error does not name the file: {error}"
        if before is not None:
            _assert_same(before, _weights(target_model(seed.model)), "a failed load changed")
        return
    _check_loaded(seed, mutation, model, by_path=loader == "load_model")


def _weights(model: keras.Model) -> list[np.ndarray]:
    return [np.array(w) for w in model.get_weights()]


def _assert_same(expected: list, got: list, what: str) -> None:
    assert len(expected) == len(got), f"{what} the number of weights"
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b, err_msg=f"{what} the weights")


def _check_loaded(seed: seeds.Seed, mutation: Mutation, model: keras.Model, by_path: bool
                  ) -> None:
    """What loaded must be the seed's weights exactly when the format could detect damage to
    them (a `.keras` member's CRC); an HDF5 file has no checksums over its data, so there
    only their shapes and dtypes must be the seed's. Weights are matched by variable path
    for a model built from the file (`by_path`), else by position. A file whose config was
    edited may load a model with fewer or other layers: its matching weights are checked."""
    expected = dict(seed.weights) if by_path else dict(enumerate(w for _, w in seed.weights))
    got = ({seeds.layer_path(model, v): np.array(v) for v in model.weights} if by_path
           else dict(enumerate(_weights(model))))
    same_model = mutation.keeps_config and not (mutation.raw and by_path and seed.format == "h5")
    if same_model:
        assert sorted(map(str, got)) == sorted(map(str, expected)), f"{mutation} lost weights"
    exact = seed.format == "keras" and mutation.keeps_weights
    for key in expected.keys() & got.keys():
        a, b = expected[key], got[key]
        if exact:
            np.testing.assert_array_equal(a, b, err_msg=f"{mutation} loaded but changed {key}")
        elif same_model:
            assert (a.shape, a.dtype) == (b.shape, b.dtype), f"{mutation} changed {key}"


def run(seed: seeds.Seed, mutation: Mutation, loader: str, folder: Path,
        on_error: Callable[[BaseException], None] | None = None) -> None:
    """`check_load`, for exploration scripts: report instead of raising when asked."""
    try:
        check_load(seed, mutation, loader, folder)
    except BaseException as exc:  # noqa: BLE001 - reported to the caller
        if on_error is None:
            raise
        on_error(exc)
