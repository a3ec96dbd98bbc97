"""Keras 2 (tf.keras 2.x) configs in legacy `.h5` files, rewritten to Keras 3's layout.

Keras 2 wrote arguments Keras 3 no longer takes and names Keras 3 no longer uses: RNNs'
`time_major`, optimizers registered as `'Custom>Adam'`, the legacy optimizers' `lr` and
`decay`, `is_legacy_optimizer` / `jit_compile` in optimizer configs, and Sequential configs
that are a bare list of layers. `model_config` and `training_config` rewrites them so that the
Keras 3 loaders build the same model and compile it with the same settings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lamina import errors

_RNN_LAYERS = ("LSTM", "GRU", "SimpleRNN", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
_KERAS2_OPTIMIZER_KEYS = ("is_legacy_optimizer", "jit_compile")


def _rnn_config(config: dict) -> dict:
    config = dict(config)
    if config.pop("time_major", False):
        raise errors.ConfigError(
            f"Layer '{config.get('name')}' was saved by Keras 2 with time_major=True, which "
            "Keras 3 does not support. Received: time_major=True. Rebuild the layer with "
            "batch-major inputs (transpose the first two axes of the data).")
    return config


def _batch_norm_config(config: dict) -> dict:
    """Keras 2 wrote BatchNormalization's `axis` as a list; Keras 3 takes one int."""
    axis = config.get("axis")
    if isinstance(axis, list) and len(axis) == 1:
        return {**config, "axis": axis[0]}
    if isinstance(axis, list):
        raise errors.ConfigError(
            f"BatchNormalization '{config.get('name')}' was saved with several axes, which "
            f"Keras 3 does not support. Received: axis={axis}. Use one feature axis.")
    return config


def _has_own_input_node(entry: dict) -> bool:
    """Keras 2 gave a nested model built on its own Input a first node the outer model does
    not list, so the outer model counts that model's nodes from 1."""
    if entry.get("class_name") not in ("Sequential", "Functional", "Model"):
        return False
    layers = entry.get("config", {}).get("layers") or [{}]
    return entry["class_name"] != "Sequential" or layers[0].get("class_name") == "InputLayer"


def _shift_node_refs(value: Any, nested: set) -> Any:
    """`[name, node_index, tensor_index, ...]` references to `nested` models, counted from 0."""
    if isinstance(value, list) and len(value) >= 3 and value[0] in nested and \
            isinstance(value[1], int) and isinstance(value[2], int) and value[1] > 0:
        return [value[0], value[1] - 1, *value[2:]]
    if isinstance(value, list):
        return [_shift_node_refs(item, nested) for item in value]
    return value


def _functional_config(config: dict) -> dict:
    nested = {entry.get("name") or entry["config"].get("name")
              for entry in config["layers"] if _has_own_input_node(entry)}
    if not nested:
        return config
    layers = [{**entry, "inbound_nodes": _shift_node_refs(entry.get("inbound_nodes", []),
                                                          nested)}
              for entry in config["layers"]]
    return {**config, "layers": layers,
            "output_layers": _shift_node_refs(config.get("output_layers"), nested)}


def _embedding_config(config: dict) -> dict:
    """Keras 2's `input_length` only fixed the input shape, which `batch_input_shape` holds."""
    return {k: v for k, v in config.items() if k != "input_length"}


_LAYER_FIXES = {"BatchNormalization": _batch_norm_config, "Embedding": _embedding_config,
                **{name: _rnn_config for name in _RNN_LAYERS}}


def model_config(config: Any) -> Any:
    """A Keras 2 `model_config` (or any part of it) in Keras 3's layout."""
    if isinstance(config, list):
        return [model_config(item) for item in config]
    if not isinstance(config, dict):
        return config
    config = {key: model_config(value) for key, value in config.items()}
    inner, class_name = config.get("config"), config.get("class_name")
    if class_name == "Sequential" and isinstance(inner, list):
        config["config"] = {"name": "sequential", "layers": inner}
    elif class_name in _LAYER_FIXES and isinstance(inner, dict):
        config["config"] = _LAYER_FIXES[class_name](inner)
    elif isinstance(inner, dict) and "input_layers" in inner and "layers" in inner:
        config["config"] = _functional_config(inner)
    return config


def _legacy_decay(config: dict) -> dict:
    """Keras 2's `decay` (lr / (1 + decay * iterations)) as Keras 3's InverseTimeDecay."""
    decay = config.pop("decay", 0.0) or 0.0
    if decay:
        config["learning_rate"] = {
            "module": "keras.optimizers.schedules", "class_name": "InverseTimeDecay",
            "config": {"initial_learning_rate": config["learning_rate"], "decay_steps": 1,
                       "decay_rate": decay, "staircase": False},
            "registered_name": None}
    return config


def optimizer_config(entry: Any) -> Any:
    """A Keras 2 `optimizer_config` entry in Keras 3's layout (strings pass through)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        return entry
    class_name = entry.get("class_name", "")
    class_name = class_name.removeprefix("Custom>")
    config = {k: v for k, v in entry["config"].items() if k not in _KERAS2_OPTIMIZER_KEYS}
    if "lr" in config:
        config["learning_rate"] = config.pop("lr")
    return {**entry, "class_name": class_name, "config": _legacy_decay(config)}


def _metric(entry: Any) -> Any:
    """Keras 2 wrote metrics given by name as `MeanMetricWrapper(fn=<function name>)`, and one
    list per output (`[[...]]` for a single output)."""
    if isinstance(entry, list):
        return [_metric(item) for item in entry]
    if isinstance(entry, dict) and entry.get("class_name") == "MeanMetricWrapper" and \
            isinstance(entry.get("config", {}).get("fn"), str):
        name, fn = entry["config"].get("name"), entry["config"]["fn"]
        return name if name in ("mae", "mse", "mape", "msle", "acc", "accuracy") else fn
    return entry


def _metrics(metrics: Any) -> Any:
    metrics = _metric(metrics)
    if isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list):
        return metrics[0]
    return metrics


def training_config(training: Any) -> Any:
    """A Keras 2 `training_config` with its optimizer and metrics in Keras 3's layout."""
    if not isinstance(training, dict) or "optimizer_config" not in training:
        return training
    return {**training, "optimizer_config": optimizer_config(training["optimizer_config"]),
            "metrics": _metrics(training.get("metrics")),
            "weighted_metrics": _metrics(training.get("weighted_metrics"))}


def _slot_blocks_to_keras3(names: list[str], slots: list, class_name: str) -> list:
    """Legacy optimizers wrote one block per slot (all `m`, then all `v`); Keras 3 interleaves
    the slots per variable (m0, v0, m1, v1, ...), except RMSprop, which keeps blocks."""
    variables = list(dict.fromkeys(name.rsplit("/", 1)[0] for name in names))
    if not variables or len(slots) % len(variables) or class_name == "RMSprop":
        return slots
    blocks = len(slots) // len(variables)
    return [slots[b * len(variables) + i] for i in range(len(variables)) for b in range(blocks)]


def optimizer_values(optimizer, names: list[str], values: list, trainable) -> list:
    """A Keras 2 `optimizer_weights` list in Keras 3's `optimizer.variables` order: Keras 2
    wrote no `learning_rate` variable, and its legacy optimizers grouped slots by kind."""
    if not names or not (names[0] == "iteration:0" or names[0].endswith("/iter:0")):
        return values  # written by Keras 3
    slots = values[1:]
    if names[0].endswith("/iter:0"):
        slots = _slot_blocks_to_keras3(names[1:], slots, type(optimizer).__name__)
    state = optimizer.init(trainable)
    expected, head = len(optimizer.keras_variables(state)), [values[0]]
    if expected in (len(values) + 1, len(values) + 2):
        head.append(np.asarray(state["learning_rate"], np.float32))
    if type(optimizer).__name__ == "Nadam" and expected == len(values) + 2:
        slots = [*slots, _nadam_u_product(optimizer, int(np.asarray(values[0])))]
    return head + slots


def _nadam_u_product(optimizer, iterations: int) -> np.ndarray:
    """Nadam's running product of momentum factors, which Keras 2 kept out of its files."""
    steps = np.arange(1, iterations + 1, dtype=np.float64)
    factors = optimizer.beta_1 * (1.0 - 0.5 * 0.96 ** steps)
    return np.asarray(np.prod(factors), np.float32)
