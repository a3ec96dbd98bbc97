"""The compiled functions of one compiled model, built once and cached.

A second fit/evaluate/predict on the same shapes reuses them and compiles nothing; changing
which variables are trainable (or recompiling) starts a fresh cache.
"""

from __future__ import annotations

import threading
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from lamina.distribution import distribution
from lamina.distribution.placement import constrain_batch
from lamina.training import custom_steps, fused, heap, program_caches, steps
from lamina.training.state import TrainState


class Engine:
    def __init__(self, model, compile_config):
        self.model = model
        self.config = compile_config
        self._caches: dict = {}  # distribution -> {key: function}
        self._signature: tuple | None = None
        self._lock = threading.RLock()  # threads predicting at once build each function once
        self.live_state = None  # the latest train state while fit runs (for callbacks)
        heap.release_after_compiles()
        program_caches.register(self)

    @property
    def custom(self) -> bool:
        """Whether the model trains through its own `train_step` / `test_step`."""
        return custom_steps.overrides_steps(self.model)

    @property
    def metrics(self) -> list:
        """The metrics whose states the train state carries: Keras's `model.metrics` for
        custom steps, else the compiled metrics (the engine tracks the loss itself)."""
        if self.custom:
            return self.model.metrics
        return (self.config.metrics or []) if self.config else []

    def custom_call(self, train: bool):
        make = custom_steps.make_train_call if train else custom_steps.make_test_call
        return self._cached(("custom", train), lambda: make(self.model))

    def custom_predict_call(self):
        return self._cached(("custom", "predict"),
                            lambda: custom_steps.make_predict_call(self.model))

    def sync_metrics(self, state: TrainState) -> None:
        """Custom steps: the metric objects' variables take the state's values (so
        `model.metrics[i].result()` reads what the fit or evaluation accumulated)."""
        if not self.custom:
            return
        for metric, metric_state in zip(self.metrics, state.metrics):
            for variable, value in zip(metric.variables,
                                       jax.tree_util.tree_leaves(metric_state)):
                variable.assign(value)

    @property
    def sample_weighted(self) -> list[bool]:
        return self.config.sample_weighted if self.config else []

    def _cached(self, key, build: Callable, variables: tuple[list, list] | None = None):
        """The function `key`, built once while the model's variables stay the same ones
        (`variables`: the model's (trainable, non-trainable) lists when the caller has them)."""
        trainable, frozen = variables or (self.model.trainable_weights,
                                          self.model.non_trainable_variables)
        signature = (tuple(id(v) for v in trainable), tuple(id(v) for v in frozen))
        with self._lock:  # re-entrant: `build` may fetch the functions it wraps
            if signature != self._signature:
                self._caches.clear()
                self._signature = signature
            cache = self._cache
            if key not in cache:
                cache[key] = build()
            return cache[key]

    def cached_count(self) -> int:
        """How many compiled functions this engine holds (all distributions together)."""
        with self._lock:
            return sum(len(cache) for cache in self._caches.values())

    def clear(self) -> None:
        """Drop the compiled functions (the next call builds and compiles them again)."""
        with self._lock:
            self._caches.clear()
            self._signature = None

    @property
    def _cache(self) -> dict:
        """The functions built for the current distribution (each has its own: a split fit
        followed by a one-device predict, and the next fit, compile nothing new)."""
        return self._caches.setdefault(distribution(), {})

    def _loss(self):
        weight = self.config.loss_weights
        loss = self.config.loss
        if weight is None or isinstance(weight, (list, dict)):
            return loss
        return lambda *a, **k: weight * loss(*a, **k)

    def train_step(self):
        return self._cached("train_step", lambda: steps.make_train_step(
            self.model, self._loss(), self.config.optimizer, self.metrics, self.sample_weighted))

    def eval_step(self):
        return self._cached("eval_step", lambda: steps.make_eval_step(
            self.model, self._loss(), self.metrics, self.sample_weighted))

    # Chunks and batches return (state, logs): the logs are computed in the same call.
    def train_chunk(self, steps_per_call: int):
        return self._cached(("train", steps_per_call), lambda: fused.make_run_chunk(
            self.train_step(), steps_per_call, self._results(), donate=True))

    def eval_chunk(self, steps_per_call: int):
        return self._cached(("eval", steps_per_call), lambda: fused.make_run_chunk(
            self.eval_step(), steps_per_call, self._results()))

    def train_batch(self):
        return self._cached("train_batch", lambda: jax.jit(
            fused.with_results(_constrained(self.train_step()), self._results()),
            donate_argnums=0))

    def eval_batch(self):
        return self._cached("eval_batch", lambda: jax.jit(
            fused.with_results(_constrained(self.eval_step()), self._results())))

    def predict_chunk(self, steps_per_call: int):
        return self._cached(("predict", steps_per_call), lambda: fused.make_predict_chunk(
            steps.make_predict_step(self.model), steps_per_call))

    def predict_batch(self, variables: tuple[list, list] | None = None):
        return self._cached("predict_batch", lambda: jax.jit(
            _constrained(steps.make_predict_step(self.model))), variables)

    def _results(self) -> Callable[[TrainState], dict]:
        return steps.make_results(self.metrics)

    def results(self) -> Callable[[TrainState], dict]:
        """The logs of a state, compiled on its own (for states no chunk has just returned)."""
        return self._cached("results", lambda: jax.jit(self._results()))

    def reset_metrics(self, state: TrainState) -> TrainState:
        from lamina.training.state import empty_tracker, fresh_metric_states

        return state._replace(metrics=fresh_metric_states(self.metrics),
                              loss_tracker=empty_tracker())


def _constrained(step: Callable) -> Callable:
    """`step` with its batch split over the current distribution's data axis (if any)."""
    return lambda state, batch: step(state, constrain_batch(batch))


def pad_rows(tree, size: int):
    """Every host array of `tree` padded with zero rows up to `size` rows."""
    def fill(a):
        pad = size - len(a)
        return a if pad <= 0 else np.concatenate([a, np.zeros((pad, *a.shape[1:]), a.dtype)])

    return jax.tree_util.tree_map(fill, tree)


def pad_batch(batch: tuple, size: int) -> tuple:
    """Pad a host batch (x, y, w) to `size` rows and return (x, y, w, mask) for the step."""
    x, y, w = batch
    rows = len(jax.tree_util.tree_leaves(x)[0])
    mask = np.concatenate([np.ones(rows, np.float32), np.zeros(max(size - rows, 0), np.float32)])
    return (*pad_rows((x, y, w), size), jnp.asarray(mask))
