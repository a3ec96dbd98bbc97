"""The model state an `OrbaxCheckpoint` saves, in Keras 3's layout, and loading it back.

A checkpoint step directory holds two Orbax checkpointables, as Keras writes them:
`pytree`, the state tree `{"trainable_variables", "non_trainable_variables",
"optimizer_variables"}` with variables nested by their path (`dense/kernel` ->
`{"dense": {"kernel": ...}}`), and, for whole-model checkpoints, `model_config`
(`{"config": <the .keras config JSON>}`). Keras reads lamina's weights and iterations back,
and lamina reads Keras's weights. The optimizer's slots are stored under
`<optimizer name>/variable_NNNN` in Keras's `optimizer.variables` order (Keras names them per
slot kind; lamina restores its own names exactly and skips Keras's, with a warning).
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import numpy as np

__all__ = ["import_orbax", "is_orbax_checkpoint", "load_model", "load_weights", "state_tree"]


def import_orbax() -> Any:
    """`orbax.checkpoint.v1` (the API Keras 3 uses), or an ImportError saying how to get it."""
    try:
        import orbax.checkpoint as ocp
    except ImportError as exc:
        raise ImportError("OrbaxCheckpoint requires the 'orbax-checkpoint' package. "
                          "You can install it via pip install orbax-checkpoint") from exc
    return ocp.v1


def _nest(variables: list) -> dict:
    """`{path: value}` of `variables` as nested dicts split at '/' (host copies)."""
    tree: dict = {}
    for variable in variables:
        *parents, leaf = variable.path.split("/")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        if leaf in node:
            raise ValueError(f"Two variables share the path '{variable.path}', so a checkpoint "
                             "cannot tell them apart. Give the layers distinct names.")
        node[leaf] = np.array(variable)
    return tree


def _flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def state_tree(model: Any, weights_only: bool = False) -> dict:
    """The model's state in Keras's `get_state_tree()` layout, as host arrays."""
    tree = {"trainable_variables": _nest(model.trainable_weights),
            "non_trainable_variables": _nest(model.non_trainable_weights)}
    if weights_only or getattr(model, "optimizer", None) is None:
        return tree
    from lamina.saving.compile_state import optimizer_values

    values = optimizer_values(model) or []
    # Keras lists the learning rate after `iteration` unless it is a schedule.
    has_lr = not isinstance(model.optimizer.get_config().get("learning_rate"), dict)
    names = ["iteration"] + (["learning_rate"] if has_lr else [])
    names += [f"variable_{i:04d}" for i in range(len(values) - len(names))]
    tree["optimizer_variables"] = {model.optimizer.name: dict(zip(names, values))}
    return tree


def _restore_optimizer(model: Any, tree: dict, source: str) -> None:
    from lamina.saving.compile_state import restore_optimizer_values

    if getattr(model, "optimizer", None) is None or not tree:
        return
    (entries,) = tree.values() if len(tree) == 1 else ({},)
    slots = sorted(k for k in entries if k.startswith("variable_"))
    known = {"iteration", "learning_rate", *slots}
    if not entries or set(entries) - known:
        warnings.warn(f"{source}: the optimizer state is not in lamina's layout (written by "
                      "Keras?); the weights are restored, the optimizer state is not.",
                      stacklevel=3)
        return
    values = [entries["iteration"]] + ([entries["learning_rate"]] if "learning_rate" in entries
                                       else []) + [entries[k] for k in slots]
    restore_optimizer_values(model, [np.asarray(v) for v in values], source)


def _assign(model: Any, tree: dict, source: str) -> None:
    """Set every model variable from the tree, by path; refuse missing paths or shapes."""
    for group, variables in (("trainable_variables", model.trainable_weights),
                             ("non_trainable_variables", model.non_trainable_weights)):
        flat = _flatten(tree.get(group) or {})
        missing = [v.path for v in variables if v.path not in flat]
        if missing:
            raise ValueError(f"{source} has no values for {missing} (it holds "
                             f"{sorted(flat)}). Load it into the model that wrote it.")
        for variable in variables:
            value = np.asarray(flat[variable.path])
            if value.shape != tuple(variable.shape):
                raise ValueError(f"{source}: '{variable.path}' has shape {value.shape} in the "
                                 f"checkpoint but {tuple(variable.shape)} in the model.")
            variable.assign(value)


def is_orbax_checkpoint(path: str | os.PathLike) -> bool:
    """Whether `path` is an Orbax checkpoint directory or one of its step directories."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        return False
    names = os.listdir(path)
    return "pytree" in names or any(n.isdigit() and os.path.isdir(os.path.join(path, n))
                                    for n in names)


def _step_dir(path: str) -> str:
    """A step directory: `path` itself, or the latest step of a checkpoint root."""
    if os.path.isdir(os.path.join(path, "pytree")):
        return path
    ocp = import_orbax()
    latest = ocp.training.Checkpointer(directory=path).latest
    if latest is None:
        raise ValueError(f"No valid checkpoints found in {path}")
    return os.path.join(path, str(latest.step))


def _load(step_dir: str, names: list[str]) -> dict:
    ocp = import_orbax()
    saved = os.listdir(step_dir)
    with ocp.Context(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sharding info not provided")
        return ocp.load_checkpointables(step_dir, {n: None for n in names if n in saved})


def load_weights(model: Any, path: str | os.PathLike) -> None:
    """Restore `model`'s weights and optimizer state from an Orbax checkpoint (its latest step
    for a checkpoint root), as `model.load_weights(checkpoint_dir)` does in Keras."""
    step_dir = _step_dir(os.fspath(path))
    tree = _load(step_dir, ["pytree"])["pytree"]
    _assign(model, tree, step_dir)
    _restore_optimizer(model, tree.get("optimizer_variables"), step_dir)


def load_model(path: str | os.PathLike, custom_objects: dict | None = None,
               compile: bool = True, safe_mode: bool = True) -> Any:
    """The model saved in an Orbax checkpoint (latest step), compiled if it was."""
    from lamina.saving.serialization import deserialize_keras_object

    step_dir = _step_dir(os.fspath(path))
    loaded = _load(step_dir, ["pytree", "model_config"])
    if "model_config" not in loaded:
        raise ValueError("Checkpoint does not contain model configuration. This checkpoint may "
                         "have been saved with save_weights_only=True.")
    config = json.loads(loaded["model_config"]["config"])
    if not compile:
        config.pop("compile_config", None)
    model = deserialize_keras_object(config, custom_objects, safe_mode)
    _assign(model, loaded["pytree"], step_dir)
    _restore_optimizer(model, loaded["pytree"].get("optimizer_variables"), step_dir)
    return model
