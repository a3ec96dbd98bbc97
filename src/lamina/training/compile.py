"""compile(): resolve optimizer, loss and metric identifiers; check labels against the loss."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lamina import errors, losses, metrics as metrics_module
from lamina.training.compile_metrics import keras_log_names
from lamina.training.outputs import (
    OutputLosses,
    per_output,
    resolve_output_metrics,
    unwrap_single,
)


@dataclass
class CompileConfig:
    """What compile() was given, resolved to objects. Metrics resolve on first data because
    'accuracy' depends on the label and output shapes, as in Keras."""

    optimizer: Any
    loss: Any
    metric_identifiers: list
    weighted_metric_identifiers: list = field(default_factory=list)
    loss_weights: Any = None
    steps_per_execution: int | str = 1
    run_eagerly: bool = False
    jit_compile: Any = "auto"
    metrics: list | None = field(default=None)

    output_names: list | None = None  # set for models with several outputs
    _weighted_flags: list | None = None

    def resolve_metrics(self, y, output_shape) -> list:
        """Metric objects: the unweighted `metrics` first, then the `weighted_metrics`; with
        several outputs, the per-output loss means first and each metric bound to its output."""
        if self.metrics is None and isinstance(self.loss, OutputLosses):
            self.metrics, self._weighted_flags = resolve_output_metrics(self, y, output_shape)
        if self.metrics is None:
            y_true = np.zeros((1, *np.shape(y)[1:])) if y is not None else None
            y_pred = np.zeros((1, *output_shape[1:]))
            identifiers = self.metric_identifiers + self.weighted_metric_identifiers
            self.metrics = [metrics_module.get(m, y_true, y_pred) for m in identifiers]
            names = keras_log_names([getattr(m, "name", "") for m in self.metrics],
                                    self.sample_weighted)
            for metric, name in zip(self.metrics, names):
                if metric is not None and metric.name != name:  # logs are keyed by name
                    metric.name = name
        return self.metrics

    @property
    def sample_weighted(self) -> list[bool]:
        """Which metrics see sample weights: only weighted_metrics, as in Keras."""
        if self._weighted_flags is not None:
            return self._weighted_flags
        return [False] * len(self.metric_identifiers) + [True] * len(
            self.weighted_metric_identifiers)


def _as_list(metrics) -> list:
    if metrics is None:
        return []
    if isinstance(metrics, (str, dict)) or callable(metrics):
        return [metrics]
    if not isinstance(metrics, (list, tuple)):
        raise errors.ConfigError(
            "Expected `metrics` argument to be a list, tuple, or dict. Received instead: "
            f"metrics={metrics!r} of type {type(metrics)}. Use e.g. metrics=['accuracy'].")
    return list(metrics)


def make_compile_config(optimizer, loss, metrics, loss_weights, run_eagerly, jit_compile,
                        steps_per_execution, weighted_metrics=None,
                        output_names: list | None = None) -> CompileConfig:
    """Resolve compile()'s arguments; `output_names` (several outputs) enables per-output
    losses, metrics and loss_weights given as lists or dicts keyed by output name."""
    if output_names and len(output_names) > 1:
        return _multi_output_config(optimizer, loss, metrics, loss_weights, run_eagerly,
                                    jit_compile, steps_per_execution, weighted_metrics,
                                    output_names)
    if output_names:  # one output: unwrap [x] and {name: x}
        loss, metrics, loss_weights, weighted_metrics = (
            unwrap_single(v, output_names[0], what)
            for v, what in ((loss, "loss"), (metrics, "metrics"),
                            (loss_weights, "loss_weights"),
                            (weighted_metrics, "weighted_metrics")))
    metrics, weighted_metrics = _as_list(metrics), _as_list(weighted_metrics)
    if isinstance(steps_per_execution, bool) or not (
            steps_per_execution == "auto" or
            (isinstance(steps_per_execution, int) and steps_per_execution >= 1)):
        raise errors.ConfigError(f"steps_per_execution must be a positive integer or 'auto'. "
                                 f"Received: steps_per_execution={steps_per_execution!r}")
    resolved_loss = None if loss is None else losses.get(loss)
    check_metric_names(metrics + weighted_metrics)
    from lamina import optimizers  # lazily: optax is not needed until a model is compiled

    return CompileConfig(optimizers.get(optimizer), resolved_loss, metrics, weighted_metrics,
                         loss_weights, steps_per_execution, bool(run_eagerly), jit_compile)


def check_metric_names(identifiers: list) -> None:
    """Fail at compile, not at the first fit, on a metric name that does not resolve. Keras
    3 does not resolve 'crossentropy' / 'ce' as metrics (only as losses): its error, early."""
    for m in identifiers:
        if isinstance(m, (list, tuple)):  # one output's list
            check_metric_names(list(m))
        elif isinstance(m, str) and m.lower() in ("crossentropy", "ce"):
            raise errors.ConfigError(
                f"Could not interpret metric identifier: {m}. Name the crossentropy, e.g. "
                "metrics=['binary_crossentropy'] (or 'categorical_crossentropy', "
                "'sparse_categorical_crossentropy').")
        elif isinstance(m, str) and m.lower() not in ("accuracy", "acc"):
            metrics_module.get(m)


def loss_kind(loss) -> str | None:
    """Which label convention a loss expects: 'sparse', 'categorical', 'binary' or None."""
    name = getattr(loss, "name", "") or ""
    fn = getattr(getattr(loss, "fn", None), "__name__", "")
    for candidate in (type(loss).__name__, name, fn):
        key = candidate.lower().replace("_", "")
        if "sparsecategoricalcrossentropy" in key:
            return "sparse"
        if key in ("categoricalcrossentropy", "categoricalfocalcrossentropy"):
            return "categorical"
        if key in ("binarycrossentropy", "binaryfocalcrossentropy"):
            return "binary"
    return None


def check_labels(loss, y, output_shape) -> None:
    """Refuse labels that cannot be right for the loss and the model's output shape."""
    if y is None or loss is None:
        return
    kind, classes = loss_kind(loss), output_shape[-1]
    y = np.asarray(y)
    if kind == "sparse":
        _check_sparse(loss, y, output_shape, classes)
    elif kind == "categorical":
        _check_categorical(y, output_shape, classes)
    elif kind == "binary" and y.size and (y.min() < 0 or y.max() > 1):
        raise errors.DataError(errors.message(
            "binary_crossentropy needs labels in [0, 1].", expected="values in [0, 1]",
            got=f"labels from {y.min()} to {y.max()}",
            fix="For several classes use loss='sparse_categorical_crossentropy' with a softmax "
                "output of one unit per class; otherwise rescale the labels to 0/1."))


def _check_sparse(loss, y, output_shape, classes) -> None:
    one_hot_like = (y.ndim == len(output_shape) and y.shape[-1] == classes and classes > 1)
    if one_hot_like:
        raise errors.DataError(errors.message(
            "sparse_categorical_crossentropy expects integer class labels, but the labels look "
            "one-hot.", expected=f"labels of shape (n,) with values in [0, {classes - 1}]",
            got=f"labels of shape {y.shape}",
            fix="Use loss='categorical_crossentropy', or pass y.argmax(axis=-1)."))
    if not y.size:
        return
    if np.issubdtype(y.dtype, np.floating) and not np.all(np.equal(np.mod(y, 1), 0)):
        raise errors.DataError(errors.message(
            "sparse_categorical_crossentropy expects integer class labels.",
            got=f"non-integer values such as {y[np.mod(y, 1) != 0].flat[0]}",
            fix="Pass class indices (0, 1, 2, ...) as integers."))
    ignore = getattr(loss, "ignore_class", None)
    valid = y if ignore is None else y[y != ignore]
    if valid.size and (valid.min() < 0 or valid.max() >= classes):
        bad = valid.max() if valid.max() >= classes else valid.min()
        raise errors.DataError(errors.message(
            f"A label is out of range: {bad} with {classes} classes (the output's last axis has "
            f"{classes} units).", expected=f"labels in [0, {classes - 1}]",
            got=f"labels from {valid.min()} to {valid.max()}",
            fix=(f"Fix the labels, or give the last layer {int(valid.max()) + 1} units if there "
                 "really are that many classes.") if bad >= classes else
                "Fix the labels: class indices start at 0."))


def _check_categorical(y, output_shape, classes) -> None:
    if classes > 1 and (y.ndim < len(output_shape) or y.shape[-1] == 1):
        raise errors.DataError(errors.message(
            "categorical_crossentropy expects one-hot labels, but got integer class labels.",
            expected=f"labels of shape (n, {classes})", got=f"labels of shape {y.shape}",
            fix="Use loss='sparse_categorical_crossentropy', or one-hot encode with "
                f"utils.to_categorical(y, {classes})."))
    if y.shape[-1] != classes:
        raise errors.DataError(errors.message(
            "categorical_crossentropy labels and outputs disagree on the number of classes.",
            expected=f"labels with last axis {classes}", got=f"labels of shape {y.shape}",
            fix=f"One-hot encode with {classes} classes or change the last layer's units."))


def check_targets(config: CompileConfig, y, output_shape) -> None:
    """Check the labels of every output against its loss (see `check_labels`)."""
    if not isinstance(config.loss, OutputLosses):
        check_labels(config.loss, y, output_shape)
        return
    ys = config.loss.flat(y, "y")
    for loss, y_i, shape in zip(config.loss.losses, ys, output_shape):
        check_labels(loss, y_i, shape)


def _multi_output_config(optimizer, loss, metrics, loss_weights, run_eagerly, jit_compile,
                         steps_per_execution, weighted_metrics, names) -> CompileConfig:
    config = make_compile_config(optimizer, None, None, None, run_eagerly, jit_compile,
                                 steps_per_execution)
    config.loss = None if loss is None else OutputLosses.from_spec(loss, loss_weights, names)
    config.metric_identifiers = per_output(metrics, names, "metrics")
    config.weighted_metric_identifiers = per_output(weighted_metrics, names, "weighted_metrics")
    check_metric_names(config.metric_identifiers + config.weighted_metric_identifiers)
    config.loss_weights, config.output_names = loss_weights, list(names)
    return config
