"""Discretization: bucket continuous features by bin boundaries, given or adapted from data with
Keras's approximate-quantile summaries (the same NumPy arithmetic, so the same boundaries)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.layers.base import KerasTensor, Layer
from lamina.layers.preprocessing.category_encoding import (
    check_output_mode,
    encode_categorical,
    encoded_shape,
)

__all__ = ["Discretization"]

_MODES = ("int", "one_hot", "multi_hot", "count")


class Discretization(Layer):
    """Place each value in one of `len(bin_boundaries) + 1` contiguous ranges (Keras's
    `Discretization`): `bin_boundaries=[0., 1.]` gives bins `(-inf, 0)`, `[0, 1)`, `[1, inf)`.
    With `num_bins` instead, `adapt(data)` learns boundaries at approximate quantiles (tolerance
    `epsilon`). Runs as jnp inside the compiled step.

    Example:

        >>> Discretization(bin_boundaries=[0.0, 1.0, 2.0])([[-1.5, 1.0, 3.4, 0.5]]).tolist()
        [[0, 2, 3, 1]]
    """

    def __init__(self, bin_boundaries=None, num_bins: int | None = None, epsilon: float = 0.01,
                 output_mode: str = "int", sparse: bool = False, dtype=None,
                 name: str | None = None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("`sparse=True` cannot be used with backend jax (lamina returns dense "
                             "arrays). Received: sparse=True. Use sparse=False.")
        check_output_mode(output_mode, _MODES, "Discretization")
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. "
                             f"Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon = num_bins, epsilon
        self.output_mode, self.sparse = output_mode, False
        self.summary = None if self.bin_boundaries else np.array([[], []], dtype="float32")

    @property
    def output_dtype(self) -> str:
        return self.dtype if self.output_mode != "int" else "int32"

    def adapt(self, data, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn `bin_boundaries` at the quantiles of `data`: a NumPy/JAX array (one batch, or
        batches of `batch_size` rows, as a batched `tf.data.Dataset` of it would give Keras),
        or an iterable of batches (a list, a generator, a PyDataset), at most `steps` of them."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with "
                             "`bin_boundaries`, use `num_bins` instead.")
        if isinstance(data, (np.ndarray, jax.Array)) and batch_size is not None:
            data = [data[i:i + batch_size] for i in range(0, len(data), batch_size)]
        self.reset_state()
        if isinstance(data, (np.ndarray, jax.Array)) or not hasattr(data, "__iter__"):
            self.update_state(data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data) -> None:
        summary = summarize(np.array(data).astype("float32"), self.epsilon)
        self.summary = merge_summaries(summary, self.summary, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is not None:
            self.bin_boundaries = get_bin_boundaries(self.summary, self.num_bins).tolist()

    def reset_state(self) -> None:
        if self.num_bins is not None:
            self.summary = np.array([[], []], dtype="float32")

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                "You need to either pass the `bin_boundaries` argument at construction time or "
                "call `adapt(dataset)` before you can start using the `Discretization` layer.")
        indices = jnp.digitize(jnp.asarray(inputs), jnp.asarray(self.bin_boundaries, jnp.float32))
        return encode_categorical(indices, self.output_mode, self._depth(), self.output_dtype)

    def _depth(self) -> int:
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def compute_output_shape(self, input_shape) -> tuple:
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.output_dtype,
                           name=self.name)

    def get_config(self) -> dict:
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Discretization:
        """An adapted layer's config has both `bin_boundaries` and `num_bins` (as Keras's)."""
        config = dict(config)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            config.pop("bin_boundaries")
            layer = super().from_config(config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return super().from_config(config)


def summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """A (2, k) summary of `values`: every `step`-th sorted value and its weight `step`, with
    `step = max(size * epsilon, 1)` (Keras's arithmetic)."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(np.size(values) / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1):: int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def merge_summaries(prev_summary: np.ndarray, next_summary: np.ndarray,
                    epsilon: float) -> np.ndarray:
    """Merge two summaries sorted by value, then compress to `epsilon`."""
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


def get_bin_boundaries(summary: np.ndarray, num_bins: int) -> np.ndarray:
    return compress_summary(summary, 1.0 / num_bins)[0, :-1]


def compress_summary(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Re-bin a summary at cumulative-weight fractions `epsilon, 2 epsilon, ..., 1`, by linear
    interpolation; a summary already smaller than `1 / epsilon` is kept."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
