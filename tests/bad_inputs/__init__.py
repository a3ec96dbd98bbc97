"""The adversarial corpus of bad inputs (issue 23): case tables and the harness that checks
THE RULE for each case.

A case is a name, an optional setup (run before the snapshot), the bad call (a function of
the `World`, which holds the shared models, data and a scratch folder), the built-in exception
type Keras raises in the same case (or, where Keras accepts the input silently or crashes with
an unrelated error, the type lamina's stricter check raises; `keras_differs` says how Keras
behaves), a regex that the message's first line must match (naming the argument or layer and
the received value) and optionally the next valid call (default: one train step of the shared
model).

Cases are written against the Keras API (`w.K` is the library), so the same table runs against
Keras itself (`python tests/bad_inputs/keras_oracle.py`) to confirm the expected types.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[World], Any]
    error: type[BaseException]
    match: str
    then: Callable[[World], Any] | None = None
    keras_differs: str = ""  # how Keras behaves where it differs (accepts, crashes later...)
    setup: Callable[[World], Any] | None = None  # run before the snapshot (e.g. write a file)


def case(name, call, error, match, then=None, keras_differs="", setup=None) -> Case:
    return Case(name, call, error, match, then, keras_differs, setup)


class World:
    """Shared, lazily built resources: one small compiled model reused by every case that does
    not change it, an Embedding model, data, and a scratch folder whose files are snapshotted."""

    def __init__(self, K, folder: str):
        self.K = K
        self.folder = folder
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(16, 4)).astype("float32")
        self.y = rng.integers(0, 3, size=(16,)).astype("int32")
        self.ids = rng.integers(0, 10, size=(8, 5)).astype("int32")
        self.ids_y = rng.normal(size=(8, 1)).astype("float32")
        self.models: list = []

    def path(self, name: str) -> str:
        return os.path.join(self.folder, name)

    @cached_property
    def model(self):
        """Dense classifier, compiled with Adam and trained one step (optimizer built)."""
        K = self.K
        model = K.Sequential([K.Input((4,)), K.layers.Dense(8, activation="relu"),
                              K.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.train_on_batch(self.x, self.y)
        self.models.append(model)
        return model

    @cached_property
    def raw_model(self):
        """The same architecture, not compiled."""
        K = self.K
        model = K.Sequential([K.Input((4,)), K.layers.Dense(3)])
        self.models.append(model)
        return model

    @cached_property
    def emb_model(self):
        """Embedding(10, 4) reading an int input, compiled, trained one step."""
        K = self.K
        model = K.Sequential([K.Input((5,), dtype="int32"), K.layers.Embedding(10, 4),
                              K.layers.GlobalAveragePooling1D(), K.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.train_on_batch(self.ids, self.ids_y)
        self.models.append(model)
        return model

    @cached_property
    def saved(self) -> str:
        """A valid .keras file of `model`."""
        path = self.path("good.keras")
        self.model.save(path)
        return path

    @cached_property
    def saved_weights(self) -> str:
        path = self.path("good.weights.h5")
        self.model.save_weights(path)
        return path

    def file(self, name: str, data: bytes) -> str:
        path = self.path(name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def train_step(self):
        """The default next valid call: one train step of the shared model, a finite loss."""
        out = self.model.train_on_batch(self.x, self.y)
        loss = out[0] if isinstance(out, (list, tuple)) else out
        assert np.isfinite(loss)
        return out


def generator(items):
    """A Python generator over `items` (each one batch as fit receives it)."""
    yield from items


# --- snapshots ------------------------------------------------------------------------------

def _optimizer_state(model) -> list:
    opt = getattr(model, "optimizer", None)
    if opt is None:
        return []
    values = [np.array(v.numpy() if hasattr(v, "numpy") else v) for v in opt.variables]
    return [int(np.asarray(opt.iterations)), float(np.asarray(opt.learning_rate))] + values


def _files(folder: str) -> dict:
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, folder)] = hashlib.sha1(f.read()).hexdigest()
    return found


@dataclass
class Snapshot:
    """Weights and optimizer state of every built model of the world, and the folder's files."""

    models: list = field(default_factory=list)
    files: dict = field(default_factory=dict)

    @classmethod
    def take(cls, world: World) -> Snapshot:
        return cls([(m, [np.array(w) for w in m.get_weights()], _optimizer_state(m))
                    for m in world.models], _files(world.folder))

    def assert_unchanged(self, world: World) -> None:
        for model, weights, opt_state in self.models:
            now = model.get_weights()
            assert len(now) == len(weights), f"{model.name}: the weight list changed"
            for before, after in zip(weights, now):
                np.testing.assert_array_equal(before, after, err_msg=f"{model.name} weights")
            after_state = _optimizer_state(model)
            assert len(after_state) == len(opt_state), f"{model.name}: optimizer state changed"
            for before, after in zip(opt_state, after_state):
                np.testing.assert_array_equal(before, after, err_msg=f"{model.name} optimizer")
        assert _files(world.folder) == self.files, "files in the folder changed"


def all_cases() -> list[Case]:
    from bad_inputs import (
        cases_callbacks,
        cases_data,
        cases_embedding,
        cases_layers,
        cases_misc,
        cases_optimizers,
        cases_saving,
    )

    return [*cases_data.CASES, *cases_embedding.CASES, *cases_layers.CASES,
            *cases_optimizers.CASES, *cases_callbacks.CASES, *cases_saving.CASES,
            *cases_misc.CASES]
