"""What `compile()` was given and the optimizer's state, in Keras 3's file layouts.

`compile_config` is the `compile_config` entry of a `.keras` config.json (a legacy `.h5`
file's `training_config` holds the same keys with `optimizer_config` for `optimizer`).
`optimizer_values` / `restore_optimizer_values` move the optimizer state as the flat list of
Keras's `optimizer.variables` (iterations, learning_rate, then the slots per variable).
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping

import numpy as np

from lamina.distribution.host import to_host
from lamina.saving.serialization import deserialize_keras_object, serialize_keras_object
from lamina.variables import current_values


def _serialize_loss(loss) -> Any:
    from lamina.losses.base import LossFunctionWrapper
    from lamina.losses.registry import FUNCTIONS

    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, (list, tuple)):
        return [_serialize_loss(x) for x in loss]
    if isinstance(loss, dict):
        return {k: _serialize_loss(v) for k, v in loss.items()}
    if hasattr(loss, "losses") and hasattr(loss, "names"):  # several outputs (OutputLosses)
        return [_serialize_loss(x) for x in loss.losses]
    # A bare function is written by name; a Loss class (Huber(delta=2)) keeps its config.
    if type(loss) is LossFunctionWrapper and FUNCTIONS.get(loss.name) is loss.fn:
        return loss.name
    if type(loss) is LossFunctionWrapper and loss.fn in FUNCTIONS.values():
        return loss.fn.__name__
    if type(loss) is LossFunctionWrapper:
        return serialize_keras_object(loss.fn)
    return serialize_keras_object(loss)


#: lamina metric functions Keras 3 has no function for, written as the Keras metric class that
#: computes the same thing (Keras's name 'cosine_similarity' is the *negative* loss function).
_METRIC_FUNCTIONS_AS_CLASSES = {"accuracy": "Accuracy", "cosine_similarity": "CosineSimilarity"}


def _serialize_metrics(metrics: Any) -> Any:
    """Metrics as Keras writes them: names stay names, nesting is kept, objects and
    functions become Keras object dicts that Keras 3 can locate again."""
    from lamina.metrics import CLASSES, FUNCTIONS

    if isinstance(metrics, (list, tuple)):
        return [_serialize_metrics(m) for m in metrics]
    if isinstance(metrics, dict):
        return {key: _serialize_metrics(m) for key, m in metrics.items()}
    name = getattr(metrics, "__name__", None)
    if name in _METRIC_FUNCTIONS_AS_CLASSES and FUNCTIONS.get(name) is metrics:
        return serialize_keras_object(CLASSES[_METRIC_FUNCTIONS_AS_CLASSES[name]](name=name))
    return serialize_keras_object(metrics)


def compile_config(model) -> dict | None:
    """The model's compile arguments in Keras 3's `compile_config` layout (None if uncompiled).

    As Keras, losses, metrics and loss weights are written as `compile()` was given them
    (names stay names, lists and dicts keep their structure) so Keras can compile from them."""
    cfg = getattr(model, "_compile_config", None)
    if cfg is None:
        return None
    given = getattr(cfg, "arguments", None)
    if given is None:  # a config built without model.compile(): the resolved values
        given = {"loss": _serialize_loss(cfg.loss), "loss_weights": cfg.loss_weights,
                 "metrics": cfg.metric_identifiers or None,
                 "weighted_metrics": cfg.weighted_metric_identifiers or None}
    spe = cfg.steps_per_execution
    return {"optimizer": serialize_keras_object(cfg.optimizer),
            "loss": serialize_keras_object(given["loss"]),
            "loss_weights": serialize_keras_object(given["loss_weights"]),
            "metrics": _serialize_metrics(given["metrics"]),
            "weighted_metrics": _serialize_metrics(given["weighted_metrics"]),
            "run_eagerly": cfg.run_eagerly,
            "steps_per_execution": spe if isinstance(spe, int) else 1,
            "jit_compile": cfg.jit_compile if isinstance(cfg.jit_compile, bool) else True}


def _deserialize_identifier(value: Any, custom_objects) -> Any:
    if isinstance(value, list):
        return [_deserialize_identifier(v, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _deserialize_identifier(v, custom_objects) for k, v in value.items()}
    if isinstance(value, dict) and value["class_name"] == "function" and \
            value.get("module") in ("keras.losses", "keras.metrics", None) and \
            isinstance(value.get("config"), str) and ">" not in value["config"]:
        custom = (custom_objects or {}).get(value["config"])
        return custom if custom is not None else value["config"]
    return deserialize_keras_object(value, custom_objects)


def compile_from_config(model, config: Mapping[str, Any],
                        custom_objects: Mapping[str, Any] | None = None) -> None:
    """Call `model.compile` with the arguments a `compile_config` / `training_config` holds."""
    optimizer = config.get("optimizer", config.get("optimizer_config"))
    if isinstance(optimizer, dict) and "module" not in optimizer:  # legacy training_config
        optimizer = {"module": "keras.optimizers", **optimizer}
    kwargs = {"optimizer": _deserialize_identifier(optimizer, custom_objects) or "rmsprop",
              "loss": _deserialize_identifier(config.get("loss"), custom_objects),
              "metrics": _deserialize_identifier(config.get("metrics"), custom_objects),
              "weighted_metrics": _deserialize_identifier(config.get("weighted_metrics"),
                                                          custom_objects),
              "loss_weights": config.get("loss_weights")}
    if config.get("steps_per_execution") not in (None, 1):
        kwargs["steps_per_execution"] = config["steps_per_execution"]
    model.compile(**kwargs)


def optimizer_values(model) -> list[np.ndarray] | None:
    """The optimizer state as Keras's `optimizer.variables` values (None if uncompiled).

    An optimizer that has not taken a step yet is written as Keras writes an unbuilt one:
    only `iterations` and `learning_rate`."""
    optimizer = model.optimizer
    if optimizer is None:
        return None
    state = getattr(model, "_optimizer_state", None)
    if state is None:
        values = [np.asarray(optimizer.iterations, np.int64)]
        lr = optimizer.get_config().get("learning_rate")
        if not isinstance(lr, dict):
            values.append(np.asarray(lr, np.float32))
        return values
    values = [to_host(v) for v in optimizer.keras_variables(state)]
    values[0] = values[0].astype(np.int64)
    return values


def restore_optimizer_values(model, values: list, source: str) -> bool:
    """Put Keras-ordered optimizer values back; warns and keeps a fresh state on a mismatch."""
    optimizer = model.optimizer
    if optimizer is None or not values:
        return False
    trainable = current_values(model.trainable_weights)
    optimizer.set_overwrite_flags(model.trainable_weights)  # float8: Keras's slot list
    state = optimizer.init(trainable)
    expected = len(optimizer.keras_variables(state))
    if len(values) != expected:
        if len(values) <= 2:  # saved before the first step: Keras's unbuilt optimizer
            state = {**state, "iterations": np.asarray(values[0], np.int32)}
        else:
            warnings.warn(f"{source}: the optimizer state holds {len(values)} variables but "
                          f"optimizer '{optimizer.name}' needs {expected} for this model; "
                          "training continues with a fresh optimizer state.", stacklevel=3)
            return False
    else:
        state = optimizer.load_keras_variables(state, values)
    model._optimizer_state = state
    optimizer.sync_state(state)
    return True
