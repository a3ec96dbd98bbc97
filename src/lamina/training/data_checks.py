"""Host checks on data: in-memory arrays once before the first step, batches as they come.

- Non-finite values: a NaN or inf in `x`, `y` or `sample_weight` turns the loss and then
  every weight into NaN, silently. Each float array is summed (one pass, no temporary); only
  when the sum is not finite are the bad values counted. `config.set_check_finite(False)`
  turns the check off.
- Index ranges: an `Embedding` reading a model input directly (also inside a nested or
  subclassed model) would, compiled, gather out of its table (clamped rows). The ids are
  checked on the host instead, with the error the layer raises when called eagerly: arrays
  once, generator / dataset batches one by one as they arrive.
"""

from __future__ import annotations

import jax
import numpy as np

from lamina import config, errors


def check_finite(**arrays) -> None:
    """Raise a ValueError naming the first array (by keyword) holding NaN or inf values."""
    if not config.check_finite():
        return
    for name, value in arrays.items():
        if value is None:
            continue
        flat = jax.tree_util.tree_flatten_with_path(value)[0]
        for path, leaf in flat:
            count = _non_finite_count(leaf)
            if count:
                label = name + "".join(str(p) for p in path)
                raise errors.DataError(
                    f"{label} contains {count} non-finite values (NaN or inf) out of "
                    f"{leaf.size}; expected only finite numbers. Clean or impute them, or "
                    "call lamina.config.set_check_finite(False).")


def _non_finite_count(array) -> int:
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.floating):
        return 0
    if np.isfinite(array.sum()):  # overflow to inf only costs the exact count below
        return 0
    return int(array.size - np.count_nonzero(np.isfinite(array)))


def check_single_input(model, x) -> None:
    """A Sequential model takes one array: refuse a dict or list of several (which would
    otherwise fail deep inside the first layer)."""
    from lamina.models.sequential import Sequential

    if isinstance(model, Sequential) and isinstance(x, (dict, list)) and len(x) != 1:
        got = f"a dict with keys {sorted(x)}" if isinstance(x, dict) else f"{len(x)} arrays"
        raise errors.DataError(f"A Sequential model takes one input array. Received: x as {got}."
                               " Pass one array, or build a functional model with one Input "
                               "per array.")


def index_layers(model, x=None) -> list[tuple[int, object]]:
    """(input position, layer) for every Embedding reading a model input directly, nested
    models included (training/index_readers.py); `x` lets a subclassed model be traced."""
    from lamina.training.index_readers import index_readers

    return index_readers(model, x)


def check_index_inputs(model, x) -> None:
    """Raise the layer's ValueError when an Embedding fed by a model input gets ids outside
    [0, input_dim) (host arrays: in-memory data, or each batch of a generator / dataset)."""
    pairs = index_layers(model, x)
    if not pairs:
        return
    values = model._flatten_inputs(x) if hasattr(model, "_flatten_inputs") else \
        jax.tree_util.tree_leaves(x)
    for position, layer in pairs:
        ids = values[position] if position < len(values) else None
        if isinstance(ids, np.ndarray) and ids.dtype.kind in "iuf":
            layer._check_ids(ids)


def index_inputs_ok(model, x) -> bool:
    """Whether `check_index_inputs` passes (for predict's latency path, which must not raise)."""
    try:
        check_index_inputs(model, x)
    except ValueError:
        return False
    return True
