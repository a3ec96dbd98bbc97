"""Metrics with Keras 3 names and semantics whose state is a pytree of jax arrays.

Each metric has a pure, jittable core (`init`, `update`, `result_from`) that the training
engine runs on the device, and Keras's stateful API (`update_state`, `result`, `reset_state`)
on top of it for eager use.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina import config, losses
from lamina.errors import ConfigError, unknown_name
from lamina._catalog import function_config, function_name, snake_case
from lamina.losses import divide_no_nan, squeeze_or_expand_to_same_rank

Array = jax.Array
State = Any  # a pytree of jax arrays
NEG_INF = -1e10


class Metric:
    """Base class. Subclasses implement `init`, `update` and `result_from` (all pure)."""

    direction: str | None = None  # 'up' or 'down': which way is better, for callbacks

    def __init__(self, name: str | None = None, dtype: Any = None):
        self.name = name or snake_case(type(self).__name__)
        self.dtype = jnp.dtype(dtype or config.floatx()).name
        self._state: State = None

    def init(self) -> State:
        """The initial (empty) state."""
        raise NotImplementedError

    def update(self, state: State, *args: Any, **kwargs: Any) -> State:
        """The state after accumulating one batch (pure)."""
        raise NotImplementedError

    def result_from(self, state: State) -> Array:
        """The metric value for a state (pure)."""
        raise NotImplementedError

    @property
    def state(self) -> State:
        if self._state is None:
            self._state = self.init()
        return self._state

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        """Accumulate a batch into the metric's own state."""
        self._state = self.update(self.state, *args, **kwargs)

    def result(self) -> Array:
        return self.result_from(self.state)

    def reset_state(self) -> None:
        self._state = self.init()

    def __call__(self, *args: Any, **kwargs: Any) -> Array:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


# ----------------------------------------------------------------------------- reductions
def _samplewise(values: Any, sample_weight: Any, reduce_fn: Callable,
                dtype: str) -> tuple[Array, Array | None]:
    """Weighted per-sample values (and per-sample weights), reduced like Keras."""
    values = jnp.asarray(values, dtype)
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim = sample_weight.ndim
        if values.ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, values.ndim)))
        sample_weight = jnp.broadcast_to(sample_weight, values.shape)
        # A zero weight (e.g. a padding row) drops the sample even if its value is not finite.
        values = jnp.where(sample_weight == 0, 0, values * sample_weight)
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the values."""

    def __init__(self, name: str = "sum", dtype: Any = None):
        super().__init__(name, dtype)

    def init(self) -> State:
        return {"total": jnp.zeros((), self.dtype)}

    def update(self, state: State, values: Any, sample_weight: Any = None) -> State:
        values, _ = _samplewise(values, sample_weight, jnp.sum, self.dtype)
        return {"total": state["total"] + jnp.sum(values)}

    def result_from(self, state: State) -> Array:
        return state["total"]


class Mean(Metric):
    """The (weighted) mean of the values: sum(v * w) / sum(w)."""

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__(name, dtype)

    def init(self) -> State:
        return {"total": jnp.zeros((), self.dtype), "count": jnp.zeros((), self.dtype)}

    def update(self, state: State, values: Any, sample_weight: Any = None) -> State:
        return self._accumulate(state, values, sample_weight)

    def _accumulate(self, state: State, values: Any, sample_weight: Any) -> State:
        values, sample_weight = _samplewise(values, sample_weight, jnp.mean, self.dtype)
        if sample_weight is not None:
            count = jnp.sum(sample_weight)
        else:
            count = values.shape[0] if values.ndim >= 1 else 1
        return {"total": state["total"] + jnp.sum(values),
                "count": state["count"] + jnp.asarray(count, self.dtype)}

    def result_from(self, state: State) -> Array:
        return divide_no_nan(state["total"], state["count"])


class MeanMetricWrapper(Mean):
    """The mean over samples of `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn: Callable, name: str | None = None, dtype: Any = None,
                 **kwargs: Any):
        fn = _resolve_function(fn)
        super().__init__(name or snake_case(getattr(fn, "__name__", "metric")), dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        if fn in losses.FUNCTIONS.values():
            self.direction = "down"

    def update(self, state: State, y_true: Any, y_pred: Any,
               sample_weight: Any = None) -> State:
        values = self.fn(y_true, y_pred, **self._fn_kwargs)
        return self._accumulate(state, values, sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), "fn": function_config(self.fn, "metric"),
                **self._fn_kwargs}


class _BuiltinMetric(MeanMetricWrapper):
    """A Keras metric class: a fixed function, its default name and keyword arguments."""

    fn: Callable
    default_name: str

    def __init__(self, name: str | None = None, dtype: Any = None, **kwargs: Any):
        super().__init__(type(self).fn, name or self.default_name, dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self) -> dict:
        return {**Metric.get_config(self), **self._fn_kwargs}


def _simple_metric(class_name: str, fn: Callable, default_name: str,
                   direction: str) -> type:
    """A parameterless metric class `ClassName(name, dtype)` averaging `fn`."""

    def __init__(self, name: str | None = None, dtype: Any = None):
        _BuiltinMetric.__init__(self, name, dtype)

    __init__.__qualname__ = f"{class_name}.__init__"

    doc = f"The mean of `{fn.__name__}` (default name {default_name!r})."
    return type(class_name, (_BuiltinMetric,), {
        "fn": staticmethod(fn), "default_name": default_name, "direction": direction,
        "__init__": __init__, "__doc__": doc, "__module__": __name__})


# ----------------------------------------------------------------------------- accuracy
def _floatx(x: Array) -> Array:
    return x.astype(config.floatx())


def accuracy(y_true: Any, y_pred: Any) -> Array:
    """1.0 where `y_true == y_pred`."""
    y_pred = jnp.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, y_pred.dtype), y_pred)
    return _floatx(y_true == y_pred)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Array:
    """1.0 where `y_pred > threshold` equals the label."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true), jnp.asarray(y_pred))
    return _floatx(y_true == (y_pred > threshold).astype(y_true.dtype))


def _argmax_matches(labels: Any, y_pred: Array) -> Array:
    """1.0 where argmax(y_pred) equals `labels` (a trailing unit axis of labels is kept)."""
    labels = jnp.asarray(labels, y_pred.dtype)
    shape = labels.shape
    squeeze = labels.ndim == y_pred.ndim and labels.shape[-1] == 1
    if squeeze:
        labels = jnp.squeeze(labels, -1)
    matches = _floatx(labels == jnp.argmax(y_pred, -1).astype(labels.dtype))
    return jnp.reshape(matches, shape) if squeeze else matches


def categorical_accuracy(y_true: Any, y_pred: Any) -> Array:
    """1.0 where argmax(y_pred) equals argmax(y_true) (one-hot labels)."""
    return _argmax_matches(jnp.argmax(jnp.asarray(y_true), -1), jnp.asarray(y_pred))


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Array:
    """1.0 where argmax(y_pred) equals the integer label."""
    matches = _argmax_matches(y_true, jnp.asarray(y_pred))
    return jnp.squeeze(matches, -1) if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _in_top_k(labels: Array, y_pred: Array, k: int, from_sorted_ids: bool = False) -> Array:
    """1.0 where the label is among the top k predictions (ties count in its favour)."""
    shape = labels.shape
    y_pred = jnp.reshape(y_pred, (-1, y_pred.shape[-1])) if y_pred.ndim > 2 else y_pred
    labels = jnp.reshape(labels, (-1,)) if labels.ndim > 1 else labels
    if from_sorted_ids:
        hits = jnp.any(labels[:, None] == y_pred[:, :k], axis=1)
    else:
        at_label = jnp.take_along_axis(y_pred, labels[..., None], axis=-1)
        at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
        hits = 1 + jnp.sum(y_pred > at_label, axis=-1) <= k
    return jnp.reshape(_floatx(hits), shape)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Array:
    """1.0 where argmax(y_true) is among the top k predictions."""
    y_pred = jnp.asarray(y_pred)
    labels = jnp.argmax(jnp.asarray(y_true, y_pred.dtype), -1).astype("int32")
    return _in_top_k(labels, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5,
                                      from_sorted_ids: bool = False) -> Array:
    """1.0 where the integer label is among the top k predictions."""
    y_pred = jnp.asarray(y_pred)
    labels = jnp.asarray(y_true, y_pred.dtype if from_sorted_ids else "int32")
    return _in_top_k(labels, y_pred, k, from_sorted_ids)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Array:
    """Cosine similarity along `axis` (positive: 1 means identical directions)."""
    return -losses.cosine_similarity(y_true, y_pred, axis)


Accuracy = _simple_metric("Accuracy", accuracy, "accuracy", "up")
CategoricalAccuracy = _simple_metric("CategoricalAccuracy", categorical_accuracy,
                                     "categorical_accuracy", "up")
SparseCategoricalAccuracy = _simple_metric("SparseCategoricalAccuracy",
                                           sparse_categorical_accuracy,
                                           "sparse_categorical_accuracy", "up")


class BinaryAccuracy(_BuiltinMetric):
    """How often `y_pred > threshold` matches binary labels."""
    fn = staticmethod(binary_accuracy)
    default_name = "binary_accuracy"
    direction = "up"

    def __init__(self, name: str | None = None, dtype: Any = None, threshold: float = 0.5):
        super().__init__(name, dtype, threshold=threshold)


class TopKCategoricalAccuracy(_BuiltinMetric):
    """How often the one-hot target is in the top `k` predictions."""
    fn = staticmethod(top_k_categorical_accuracy)
    default_name = "top_k_categorical_accuracy"
    direction = "up"

    def __init__(self, k: int = 5, name: str | None = None, dtype: Any = None):
        super().__init__(name, dtype, k=k)


class SparseTopKCategoricalAccuracy(_BuiltinMetric):
    """How often the integer target is in the top `k` predictions."""
    fn = staticmethod(sparse_top_k_categorical_accuracy)
    default_name = "sparse_top_k_categorical_accuracy"
    direction = "up"

    def __init__(self, k: int = 5, name: str | None = None, dtype: Any = None,
                 from_sorted_ids: bool = False):
        super().__init__(name, dtype, k=k, from_sorted_ids=from_sorted_ids)


# ----------------------------------------------------------------------------- loss metrics
MeanSquaredError = _simple_metric("MeanSquaredError", losses.mean_squared_error,
                                  "mean_squared_error", "down")
MeanAbsoluteError = _simple_metric("MeanAbsoluteError", losses.mean_absolute_error,
                                   "mean_absolute_error", "down")
MeanAbsolutePercentageError = _simple_metric(
    "MeanAbsolutePercentageError", losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "down")
MeanSquaredLogarithmicError = _simple_metric(
    "MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "down")
LogCoshError = _simple_metric("LogCoshError", losses.log_cosh, "logcosh", "down")
Hinge = _simple_metric("Hinge", losses.hinge, "hinge", "down")
SquaredHinge = _simple_metric("SquaredHinge", losses.squared_hinge, "squared_hinge", "down")
CategoricalHinge = _simple_metric("CategoricalHinge", losses.categorical_hinge,
                                  "categorical_hinge", "down")
KLDivergence = _simple_metric("KLDivergence", losses.kl_divergence, "kl_divergence", "down")
Poisson = _simple_metric("Poisson", losses.poisson, "poisson", "down")


class CosineSimilarity(_BuiltinMetric):
    """Mean cosine similarity along `axis`."""
    fn = staticmethod(cosine_similarity)
    default_name = "cosine_similarity"
    direction = "up"

    def __init__(self, name: str | None = None, dtype: Any = None, axis: int = -1):
        super().__init__(name, dtype, axis=axis)


class BinaryCrossentropy(_BuiltinMetric):
    """Mean binary crossentropy."""
    fn = staticmethod(losses.binary_crossentropy)
    default_name = "binary_crossentropy"
    direction = "down"

    def __init__(self, name: str | None = None, dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_BuiltinMetric):
    """Mean categorical crossentropy."""
    fn = staticmethod(losses.categorical_crossentropy)
    default_name = "categorical_crossentropy"
    direction = "down"

    def __init__(self, name: str | None = None, dtype: Any = None, from_logits: bool = False,
                 label_smoothing: float = 0, axis: int = -1):
        super().__init__(name, dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(_BuiltinMetric):
    """Mean sparse categorical crossentropy. As in Keras, entries equal to `ignore_class`
    count as 0 but stay in the denominator (unlike the loss, which skips them)."""
    fn = staticmethod(losses.sparse_categorical_crossentropy)
    default_name = "sparse_categorical_crossentropy"
    direction = "down"

    def __init__(self, name: str | None = None, dtype: Any = None, from_logits: bool = False,
                 ignore_class: int | None = None, axis: int = -1):
        super().__init__(name, dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)


class RootMeanSquaredError(Mean):
    """sqrt of the (weighted) mean squared error."""
    direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None):
        super().__init__(name, dtype)

    def update(self, state: State, y_true: Any, y_pred: Any,
               sample_weight: Any = None) -> State:
        y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, self.dtype),
                                                        jnp.asarray(y_pred, self.dtype))
        return self._accumulate(state, jnp.square(y_pred - y_true), sample_weight)

    def result_from(self, state: State) -> Array:
        return jnp.sqrt(super().result_from(state))



# ----------------------------------------------------------------------------- confusion
COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _parse_thresholds(thresholds: Any, default: float) -> list[float]:
    if thresholds is None:
        return [default]
    values = list(np.ravel(thresholds))
    if any(t is None or t < 0 or t > 1 for t in values):
        raise ConfigError(f"Threshold values must be in [0, 1]. Received: {values}")
    return values


def _evenly_distributed(thresholds: Sequence[float]) -> bool:
    n = len(thresholds)
    even = np.arange(n, dtype=np.float32) / max(n - 1, 1)
    return n >= 3 and bool(np.allclose(thresholds, even, atol=config.epsilon()))


def _filter_top_k(x: Array, k: int) -> Array:
    """Keep the top k entries of the last axis; push the others to NEG_INF."""
    _, top_idx = jax.lax.top_k(x, k)
    keep = jnp.sum(jax.nn.one_hot(top_idx, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * keep + NEG_INF * (1 - keep)


def confusion_counts(y_true: Any, y_pred: Any, thresholds: Sequence[float], *, dtype: str,
                     evenly: bool = False, top_k: int | None = None,
                     class_id: int | None = None, sample_weight: Any = None,
                     label_weights: Any = None) -> dict[str, Array]:
    """Weighted TP/FP/TN/FN counts per threshold (`y_pred > threshold` is positive), computed
    as Keras's `update_confusion_matrix_variables` does (bucketed for even thresholds)."""
    y_pred, y_true = squeeze_or_expand_to_same_rank(jnp.asarray(y_pred, dtype),
                                                    jnp.asarray(y_true, dtype))
    weights = None
    if sample_weight is not None:
        weights = jnp.expand_dims(jnp.asarray(sample_weight, dtype), -1)
        _, weights = squeeze_or_expand_to_same_rank(y_true, weights, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = jnp.ones_like(y_pred) if weights is None else jnp.broadcast_to(weights,
                                                                              y_pred.shape)
    if label_weights is not None:
        weights = weights * jnp.broadcast_to(jnp.asarray(label_weights, dtype), y_pred.shape)
    labels = (y_true != 0).astype(dtype).ravel()
    y_pred, weights = y_pred.ravel(), weights.ravel()
    if evenly:
        return _bucketed_counts(labels, y_pred, weights, thresholds)
    above = y_pred[None, :] > jnp.asarray(thresholds, dtype)[:, None]
    pos, neg = labels[None, :] > 0, labels[None, :] == 0
    pairs = ((pos, above), (neg, above), (neg, ~above), (pos, ~above))
    return {name: jnp.sum(jnp.where(lab & pred, weights, 0), axis=1)
            for name, (lab, pred) in zip(COUNTS, pairs)}


def _bucketed_counts(labels: Array, y_pred: Array, weights: Array,
                     thresholds: Sequence[float]) -> dict[str, Array]:
    """Counts for evenly spaced thresholds in O(n): bucket predictions, then cumsum."""
    n = len(thresholds)
    true_labels, false_labels = labels * weights, (1.0 - labels) * weights
    buckets = jnp.ceil(jnp.clip(y_pred, 0.0, 1.0) * (n - 1)) - 1
    if thresholds[0] < 0.0 or thresholds[-1] > 1.0:
        buckets = jax.nn.relu(buckets)
    buckets = buckets.astype("int32")

    def at_or_above(values: Array) -> Array:
        return jnp.flip(jnp.cumsum(jnp.flip(jax.ops.segment_sum(values, buckets, n))))

    tp, fp = at_or_above(true_labels), at_or_above(false_labels)
    return {"true_positives": tp, "false_positives": fp,
            "true_negatives": jnp.sum(false_labels) - fp,
            "false_negatives": jnp.sum(true_labels) - tp}


class _ConfusionMetric(Metric):
    """Accumulates some of the TP/FP/TN/FN counts over a list of thresholds."""

    counts: tuple[str, ...] = COUNTS
    direction = "up"

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None):
        super().__init__(name, dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._evenly = _evenly_distributed(self.thresholds)

    def init(self) -> State:
        return {k: jnp.zeros((len(self.thresholds),), self.dtype) for k in self.counts}

    def update(self, state: State, y_true: Any, y_pred: Any,
               sample_weight: Any = None) -> State:
        counts = confusion_counts(y_true, y_pred, self.thresholds, dtype=self.dtype,
                                  evenly=self._evenly, top_k=self.top_k,
                                  class_id=self.class_id, sample_weight=sample_weight)
        return {k: state[k] + counts[k] for k in state}

    def _per_threshold(self, values: Array) -> Array:
        return values[0] if len(self.thresholds) == 1 else values

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ConfusionMetric):
    """TP / (TP + FP) at each threshold (or among the `top_k`, or for `class_id`)."""
    counts = ("true_positives", "false_positives")

    def result_from(self, state: State) -> Array:
        tp = state["true_positives"]
        return self._per_threshold(divide_no_nan(tp, tp + state["false_positives"]))


class Recall(_ConfusionMetric):
    """TP / (TP + FN) at each threshold (or among the `top_k`, or for `class_id`)."""
    counts = ("true_positives", "false_negatives")

    def result_from(self, state: State) -> Array:
        tp = state["true_positives"]
        return self._per_threshold(divide_no_nan(tp, tp + state["false_negatives"]))


class _ConditionCount(_ConfusionMetric):
    """One weighted confusion-matrix count per threshold."""
    direction = None

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        super().__init__(thresholds, name=name, dtype=dtype)

    def result_from(self, state: State) -> Array:
        return self._per_threshold(state[self.counts[0]])

    def get_config(self) -> dict:
        return {**Metric.get_config(self), "thresholds": self.init_thresholds}


def _condition_count(class_name: str, count: str) -> type:
    return type(class_name, (_ConditionCount,), {
        "counts": (count,), "__module__": __name__, "__doc__": f"Weighted {count} count."})


TruePositives = _condition_count("TruePositives", "true_positives")
FalsePositives = _condition_count("FalsePositives", "false_positives")
TrueNegatives = _condition_count("TrueNegatives", "true_negatives")
FalseNegatives = _condition_count("FalseNegatives", "false_negatives")


class AUC(Metric):
    """Area under the ROC or PR curve, from counts at `num_thresholds` thresholds."""
    direction = "up"

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: Any = None, thresholds: Sequence[float] | None = None,
                 multi_label: bool = False, num_labels: int | None = None,
                 label_weights: Any = None, from_logits: bool = False):
        super().__init__(name, dtype)
        if multi_label or num_labels:
            raise ConfigError("AUC(multi_label=True) is not supported by lamina yet.")
        self.curve = {"roc": "ROC", "pr": "PR"}.get(str(curve).lower())
        self.summation_method = str(summation_method).lower()
        if self.curve is None or self.summation_method not in (
                "interpolation", "majoring", "minoring"):
            raise ConfigError(f"Invalid AUC curve {curve!r} or summation_method "
                              f"{summation_method!r}: expected 'ROC'/'PR' and "
                              "'interpolation'/'majoring'/'minoring'.")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(thresholds)
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_distributed([0.0, *inner, 1.0])
        else:
            if num_thresholds <= 1:
                raise ConfigError("Argument `num_thresholds` must be an integer > 1. "
                                  f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        eps = config.epsilon()
        self.thresholds = [0.0 - eps, *inner, 1.0 + eps]
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = None if label_weights is None else list(np.ravel(label_weights))
        self.from_logits = from_logits

    def init(self) -> State:
        return {k: jnp.zeros((self.num_thresholds,), self.dtype) for k in COUNTS}

    def update(self, state: State, y_true: Any, y_pred: Any,
               sample_weight: Any = None) -> State:
        if self.from_logits:
            y_pred = jax.nn.sigmoid(jnp.asarray(y_pred))
        counts = confusion_counts(y_true, y_pred, self.thresholds, dtype=self.dtype,
                                  evenly=self._evenly, sample_weight=sample_weight,
                                  label_weights=self.label_weights)
        return {k: state[k] + counts[k] for k in state}

    def result_from(self, state: State) -> Array:
        tp, fp, tn, fn = (state[k] for k in COUNTS)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return _interpolated_pr_auc(tp, fp, fn)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        else:
            heights = (jnp.minimum if self.summation_method == "minoring" else jnp.maximum)(
                y[:-1], y[1:])
        return jnp.sum((x[:-1] - x[1:]) * heights)

    def get_config(self) -> dict:
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


def _interpolated_pr_auc(tp: Array, fp: Array, fn: Array) -> Array:
    """PR-AUC by Davis & Goadrich's interpolation, as Keras computes it."""
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    prec_slope = divide_no_nan(dtp, jnp.maximum(dp, 0))
    intercept = tp[1:] - prec_slope * p[1:]
    safe_p_ratio = jnp.where((p[:-1] > 0) & (p[1:] > 0),
                             divide_no_nan(p[:-1], jnp.maximum(p[1:], 0)), jnp.ones_like(p[1:]))
    increment = divide_no_nan(prec_slope * (dtp + intercept * jnp.log(safe_p_ratio)),
                              jnp.maximum(tp[1:] + fn[1:], 0))
    return jnp.sum(increment)


# ----------------------------------------------------------------------------- lookup
CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    Precision, Recall, AUC, TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity, LogCoshError, Hinge,
    SquaredHinge, CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy)}

_ABSTRACT = ("Metric", "MeanMetricWrapper")
NAMES: dict[str, type] = {key: cls for name, cls in CLASSES.items() if name not in _ABSTRACT
                          for key in (name, snake_case(name))}
NAMES.update({alias: CLASSES[name] for name, aliases in {
    "BinaryCrossentropy": ("bce", "BCE"), "MeanSquaredError": ("mse", "MSE"),
    "MeanAbsoluteError": ("mae", "MAE"), "MeanAbsolutePercentageError": ("mape", "MAPE"),
    "MeanSquaredLogarithmicError": ("msle", "MSLE"),
}.items() for alias in aliases})

FUNCTIONS: dict[str, Callable] = {**losses.FUNCTIONS, **{fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity)}}


def _resolve_function(fn: Any) -> Callable:
    """A metric function from a callable, a function name, or its serialized form."""
    if isinstance(fn, dict):
        fn = function_name(fn)
    if isinstance(fn, str):
        if fn not in FUNCTIONS:
            raise unknown_name("metric function", fn, FUNCTIONS)
        return FUNCTIONS[fn]
    if not callable(fn):
        raise ConfigError(f"Expected a metric function. Received: fn={fn!r}")
    return fn


def _accuracy_for(name: str, y_true: Any, y_pred: Any) -> Metric:
    """'accuracy'/'acc' resolved from the shapes as `keras.Model.compile` does."""
    if y_true is None or y_pred is None:
        return Accuracy(name=name)
    is_binary, is_sparse = losses.is_binary_or_sparse_categorical(y_true, y_pred)
    if is_binary:
        return BinaryAccuracy(name=name)
    return (SparseCategoricalAccuracy if is_sparse else CategoricalAccuracy)(name=name)


def get(identifier: Any, y_true: Any = None, y_pred: Any = None) -> Metric | None:
    """A `Metric` from a name, function, class, instance or config dict (None -> None).

    A name keeps the spelling the user wrote ('acc' stays 'acc'); 'accuracy'/'acc' pick the
    binary, sparse or categorical accuracy from the shapes of y_true and y_pred (anything
    with `.shape`), as `keras.Model.compile` does; without shapes they mean `Accuracy`.
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return _accuracy_for(identifier, y_true, y_pred)
        if identifier not in NAMES:
            raise unknown_name("metric", identifier, [*NAMES, "acc"])
        return NAMES[identifier](name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ConfigError(f"Could not interpret metric identifier: {identifier!r}")


def serialize(metric: Metric) -> dict:
    """A Keras-style config dict for a metric."""
    return {"module": "keras.metrics", "class_name": type(metric).__name__,
            "config": metric.get_config(), "registered_name": None}


def deserialize(config: dict | str) -> Metric:
    """Rebuild a metric from `serialize` output (or a Keras metric config)."""
    if isinstance(config, str):
        return get(config)
    class_name = config.get("class_name")
    if class_name not in CLASSES:
        raise unknown_name("metric class", str(class_name), CLASSES)
    return CLASSES[class_name].from_config(dict(config.get("config", {})))
