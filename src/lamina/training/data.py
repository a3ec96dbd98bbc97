"""Data adapters: user arrays, lists, generators and PyDataset-style objects into batches.

In-memory data (NumPy, JAX, pandas, TensorFlow and torch arrays) becomes `ArrayData` (fed
to the compiled steps chunk by chunk, see training/feed.py); anything iterable (generators,
PyDatasets, tf.data, torch DataLoaders, Grain) becomes `IterableData` (host batches, padded to
a fixed batch size and masked; its adapters live in training/adapters/).
Validation happens here, before anything about the model changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import jax
import numpy as np

from lamina import config, errors
from lamina.training import data_checks
from lamina.training.adapters import detect, host, sources


@dataclass
class ArrayData:
    """Whole arrays x, y and sample_weight (y / weights may be None), validated, on the host;
    copied to an accelerator once when the steps run there (see training/feed.py)."""

    x: Any
    y: Any
    sample_weight: Any
    num_samples: int
    #: the model's host stage (raw batch -> HostFed), for models that take strings: x then
    #: holds the raw inputs and goes through it batch by batch (models/host_stage.py)
    host_stage: Callable | None = field(default=None, repr=False, compare=False)
    _device: tuple | None = field(default=None, repr=False, compare=False)
    staged: dict = field(default_factory=dict, repr=False, compare=False)  # see training/feed.py

    def on_device(self) -> tuple:
        """(x, y, sample_weight) as device arrays, copied once and reused every epoch."""
        if self._device is None:
            # device_put copies once; jnp.asarray would stage a second, aligned host copy
            self._device = jax.tree_util.tree_map(jax.device_put,
                                                  (self.x, self.y, self.sample_weight))
        return self._device


@dataclass
class IterableData:
    """A generator, PyDataset, `tf.data.Dataset`, torch `DataLoader` or Grain dataset yielding
    batches; `source` is its adapter (training/adapters/sources.py), which has `len()` when the
    number of batches is known."""

    source: Any
    steps: int | None
    shuffle: bool = False  # the batch order of a PyDataset, as fit(shuffle=True) asks
    host_stage: Callable | None = None  # as ArrayData's
    class_weight: dict | None = None  # per-class weights of the targets (tf.data, PyDataset)
    check_x: Callable | None = None  # host checks of each batch's x (Embedding id ranges)

    def __post_init__(self) -> None:
        if self.class_weight is not None:
            sources.check_class_weight(self.source, self.class_weight)
        self.source = sources.make_source(self.source, self.shuffle)

    def batches(self, step_limit: int | None = None) -> Iterator[tuple]:
        """One epoch's `(x, y, sample_weight)` host batches (Keras's rules for which batches
        an epoch reads: training/adapters/epochs.py), x through the host stage if any."""
        limits = [n for n in (self.steps, step_limit) if n is not None]
        for x, y, w in self.source.epoch(min(limits) if limits else None, self._unpack):
            if self.check_x is not None and self.host_stage is None:
                self.check_x(x)
            yield (x if self.host_stage is None else self.host_stage(x)), y, w

    def peek(self) -> ArrayData:
        """The first batch as arrays, without using it up: what the model, its target checks
        and its metrics are built from (Keras reads the first batch for this too)."""
        x, y, w = self._unpack(self.source.peek())
        return ArrayData(x, y, w, _length(x), self.host_stage)

    def _unpack(self, item) -> tuple:
        x, y, w = unpack_batch(item, text_x=self.host_stage is not None)
        if self.class_weight is None or y is None:
            return x, y, w
        if w is not None:
            raise errors.ConfigError("You cannot specify `class_weight` and `sample_weight` at "
                                     "the same time: the data yields sample weights. Fold the "
                                     "class weights into them.")
        return x, y, class_weights_to_sample_weights(y, self.class_weight)


def needs_first_batch(model) -> bool:
    """Whether `fit` / `evaluate` must read an iterable's first batch before the epoch: to
    build the model, or to resolve compiled metrics that depend on the targets ('accuracy',
    several outputs). Keras reads it too, on a first fit."""
    config = model._compile_config
    unresolved = config is not None and config.metrics is None and bool(
        config.metric_identifiers or config.weighted_metric_identifiers or config.output_names)
    return not model.built or unresolved


def unpack_batch(item, text_x: bool = False) -> tuple:
    """(x,) | (x, y) | (x, y, sample_weight) -> a validated (x, y, sample_weight) of NumPy
    arrays (`text_x`: x may hold strings, for a model with a host stage)."""
    item = host.standard_batch(host.to_numpy(item))
    if not 1 <= len(item) <= 3:
        raise errors.DataError(
            "A data generator / dataset must yield (x,), (x, y) or (x, y, sample_weight). "
            f"Received: a tuple of {len(item)} elements.")
    x, y, w = (*item, None, None)[:3]
    return to_host_arrays(x, y, w, text_x=text_x)


def host_batches(data, batch_size: int, shuffle: bool, key, step_limit) -> Iterator[tuple]:
    """`(x, y, sample_weight)` batches, unpadded: slices of arrays (in an order drawn from
    `key` when shuffling; x through the host stage if any) or what a generator / PyDataset
    yields."""
    if not isinstance(data, ArrayData):
        yield from data.batches(step_limit)
        return
    order = np.arange(data.num_samples)
    if shuffle:
        seed = np.asarray(jax.random.key_data(key)).ravel()
        order = np.random.default_rng(seed.astype(np.uint64)).permutation(data.num_samples)
    steps = -(-data.num_samples // batch_size)
    for step in range(steps if step_limit is None else min(steps, step_limit)):
        rows = order[step * batch_size:(step + 1) * batch_size]
        x, y, w = jax.tree_util.tree_map(lambda a, r=rows: a[r],
                                         (data.x, data.y, data.sample_weight))
        yield (x if data.host_stage is None else data.host_stage(x)), y, w


def is_iterable_source(x) -> bool:
    """Whether `x` is read batch by batch (generators, datasets, loaders), not as arrays."""
    if isinstance(x, (np.ndarray, jax.Array, list, tuple, dict)) or detect.is_foreign_array(x):
        return False
    return hasattr(x, "__next__") or hasattr(x, "__iter__") or (
        hasattr(x, "__getitem__") and hasattr(x, "__len__"))


def _as_numeric(value, what: str, text: bool = False) -> np.ndarray:
    """`value` as an array of numbers (or, with `text`, also of strings) with a batch axis."""
    try:
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    except ValueError as exc:  # ragged lists
        raise errors.DataError(f"{what} is ragged: its samples have different shapes, so it is "
                               "not one array. Make every sample the same shape, e.g. with "
                               f"utils.pad_sequences.\n({exc})") from None
    if text and array.dtype.kind in "OSU":
        if array.ndim == 0:
            raise errors.DataError(f"{what} must have a batch axis; got one string. Wrap it "
                                   "in a list.")
        return array
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise errors.DataError(errors.message(
            f"{what} must be numeric.", expected="int, float or bool values",
            got=f"dtype {array.dtype}", fix="Convert strings/objects to numbers first "
            "(e.g. with a lookup table or np.asarray(x, dtype='float32'))."))
    if array.ndim == 0:
        raise errors.DataError(f"{what} must have a batch axis; got a scalar. Wrap it in a list.")
    if np.issubdtype(array.dtype, np.floating) and array.dtype != np.dtype(config.floatx()):
        array = array.astype(config.floatx())
    if array.dtype == np.int64:
        array = array.astype(np.int32)
    return array


def to_host_arrays(x, y=None, sample_weight=None, text_x: bool = False) -> tuple:
    """Validate and convert x / y / sample_weight; checks lengths, dtypes, emptiness, NaN/inf.
    With `text_x` (a model that takes strings) x may hold string arrays."""
    if x is None:
        raise errors.DataError("No input data: x is None. Pass arrays as fit(x, y).")
    x, y, sample_weight = host.to_numpy((x, y, sample_weight))  # pandas, tf / torch tensors
    x = _as_numeric_structure(x, "x", text_x)
    y = None if y is None else _as_numeric_structure(y, "y")
    sample_weight = None if sample_weight is None else _as_numeric_structure(
        sample_weight, "sample_weight")
    lengths = {"x": _length(x)}
    if y is not None:
        lengths["y"] = _length(y)
    if sample_weight is not None:
        lengths["sample_weight"] = _length(sample_weight)
    if len(set(lengths.values())) > 1:
        raise errors.DataError(errors.message(
            "Data cardinality is ambiguous: the arrays have different numbers of samples.",
            got=", ".join(f"{k} has {v}" for k, v in lengths.items()),
            fix="Make sure all arrays contain the same number of samples."))
    if lengths["x"] == 0:
        raise errors.DataError("The input data is empty (0 samples). Pass at least one sample.")
    data_checks.check_finite(x=x, y=y, sample_weight=sample_weight)
    return x, y, sample_weight


def check_numeric(x, what: str) -> None:
    """Refuse text in `x` (models without string layers), with the error `_as_numeric` gives."""
    for leaf in jax.tree_util.tree_leaves(x):
        if leaf.dtype.kind in "OSU":
            _as_numeric(leaf, what)


def _as_numeric_structure(value, what: str, text: bool = False):
    """An array, or a list / dict of arrays (one per model input or output)."""
    if isinstance(value, dict):
        return {k: _as_numeric(v, f"{what}[{k!r}]", text) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and value and all(_is_array_like(v) for v in value):
        return [_as_numeric(v, f"{what}[{i}]", text) for i, v in enumerate(value)]
    return _as_numeric(value, what, text)


def _is_array_like(value) -> bool:
    return isinstance(value, (np.ndarray, jax.Array)) or (
        isinstance(value, (list, tuple)) and bool(value) and isinstance(value[0], (list, tuple)))


def _length(x) -> int:
    return len(jax.tree_util.tree_leaves(x)[0])


def check_batch_size(batch_size, default: int = 32) -> int:
    if batch_size is None:
        return default
    wrong_type = isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
    if wrong_type or batch_size <= 0:
        error = errors.ArgumentTypeError if wrong_type else errors.ConfigError
        raise error(f"batch_size must be a positive integer. Received: "
                    f"batch_size={batch_size!r}. Use e.g. batch_size=32.")
    return int(batch_size)


def split_validation(data: ArrayData, validation_split: float) -> tuple[ArrayData, ArrayData]:
    """Keras's split: the *last* `validation_split` fraction, taken before any shuffling."""
    n = data.num_samples
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at <= 0 or split_at >= n:
        raise errors.DataError(f"validation_split={validation_split} leaves "
                               f"{split_at} training and {n - split_at} validation samples out of"
                               f" {n}. Use more data or a different split.")

    def part(value, sl):
        return None if value is None else jax.tree_util.tree_map(lambda a: a[sl], value)

    head, tail = slice(0, split_at), slice(split_at, None)
    return (ArrayData(part(data.x, head), part(data.y, head), part(data.sample_weight, head),
                      split_at, data.host_stage),
            ArrayData(part(data.x, tail), part(data.y, tail), part(data.sample_weight, tail),
                      n - split_at, data.host_stage))


def class_weights_to_sample_weights(y: np.ndarray, class_weight: dict) -> np.ndarray:
    """Per-sample weights from a {class: weight} dict, for integer or one-hot labels."""
    one_hot = y.ndim > 1 and y.shape[-1] > 1
    classes = np.argmax(y, axis=-1) if one_hot else y.reshape(len(y), -1)[:, 0]
    classes = np.round(classes).astype(np.int64)
    missing = sorted(set(np.unique(classes).tolist()) - set(int(k) for k in class_weight))
    if missing:
        raise errors.DataError(f"class_weight has no entry for classes {missing}. "
                               f"Received: class_weight keys {sorted(class_weight)}. Give every "
                               "class a weight.")
    table = np.zeros(int(max(max(class_weight), classes.max())) + 1, np.float32)
    for k, v in class_weight.items():
        table[int(k)] = v
    return table[classes]
