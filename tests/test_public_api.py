"""Keras 3's public names, checked against lamina's: what `import lamina as keras` code can reach.

Every public name of `keras` and of its namespaces (whatever `dir()` shows without a leading
underscore; a submodule that is itself a namespace below is checked there instead) must exist at
the same path in lamina, with the same kind (class, function, module, value), unless `LEFT_OUT`
says which open issue builds it or why lamina leaves it out. The table stays honest: an entry for
a name lamina now has, or for a name Keras does not have, fails too.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import types

import pytest

import lamina

keras = pytest.importorskip("keras")

#: Keras's namespaces, as users reach them ("" is `keras` itself).
NAMESPACES = (
    "", "layers", "models", "utils", "saving", "config", "backend", "tree", "random", "metrics",
    "losses", "optimizers", "optimizers.schedules", "activations", "initializers", "regularizers",
    "constraints", "callbacks", "ops", "ops.nn", "ops.numpy", "ops.linalg", "ops.image",
    "datasets", "distribution", "applications", "mixed_precision", "dtype_policies",
    "quantizers", "export", "wrappers", "preprocessing", "visualization", "legacy",
)

I21 = "issue 21 (preprocessing layers)"
I22 = "issue 22 (applications)"
I23 = "issue 23 (hardening: Keras-2 and legacy files)"
I24 = "issue 24 (mixed precision, dtype policies, quantizers)"
GPTQ_AWQ = "no open issue yet: GPTQ / AWQ post-training quantization (int8/int4 exist)"
I25 = "issue 25 (ecosystem: TensorBoard, export, wrappers, docs)"

#: "namespace.Name" (top-level names bare) or "namespace.*" (the whole namespace, while lamina
#: has no such namespace) -> the issue that builds it, or why lamina leaves it out.
LEFT_OUT: dict[str, str] = {
    "src": "Keras's implementation package (keras.src), not public API",
    "distillation": "no open issue yet: Keras's knowledge-distillation API (Distiller, ...)",
    "dtype_policies.GPTQDTypePolicy": GPTQ_AWQ, "dtype_policies.AWQDTypePolicy": GPTQ_AWQ,
    "quantizers.GPTQConfig": GPTQ_AWQ, "quantizers.AWQConfig": GPTQ_AWQ,
    "legacy.*": I23, "utils.legacy": I23, "saving.KerasFileEditor": I23,
    "optimizers.legacy": I23 + "; in Keras 3 a stub whose optimizers raise ImportError",
    "layers.TFSMLayer": "TensorFlow-only (wraps a TF SavedModel)",
    "layers.TorchModuleWrapper": "PyTorch-only (wraps a torch.nn.Module)",
}

#: What issue 19 itself builds: never in LEFT_OUT ("namespace.*" means all of its names).
#: Keras 3 has no top-level `Constraint`; it is `keras.constraints.Constraint`.
_SERIALIZATION = ("register_keras_serializable", "get_registered_name", "get_registered_object",
                  "custom_object_scope", "CustomObjectScope", "get_custom_objects",
                  "serialize_keras_object", "deserialize_keras_object")
ISSUE_19 = (
    "Variable", "Layer", "Model", "Loss", "Metric", "Optimizer", "Initializer", "Regularizer",
    "InputSpec", "KerasTensor", "Operation", "Function", "name_scope", "device",
    "StatelessScope", "SymbolicScope", "RematScope", "remat", "version",
    "constraints.Constraint", "tree.*", "backend.*", "random.SeedGenerator",
    "models.clone_model", "models.model_from_json", "models.save_model",
    *(f"{ns}.{name}" for ns in ("saving", "utils") for name in _SERIALIZATION),
    *(f"utils.{name}" for name in (
        "Progbar", "Sequence", "PyDataset", "timeseries_dataset_from_array", "load_img",
        "img_to_array", "array_to_img", "save_img", "clear_session", "get_source_inputs",
        "is_keras_tensor", "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "Config",
        "enable_interactive_logging", "disable_interactive_logging",
        "is_interactive_logging_enabled")),
    *(f"config.{name}" for name in (
        "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
        "set_image_data_format", "enable_traceback_filtering", "disable_traceback_filtering",
        "is_traceback_filtering_enabled")),
    *(f"{ns}.{name}" for ns in ("layers", "losses", "metrics", "activations", "initializers",
                                "regularizers", "constraints", "optimizers")
      for name in ("serialize", "deserialize")),
)


def _resolve(root: types.ModuleType, namespace: str) -> object | None:
    """`root.<namespace>` as users reach it (attribute, else import); None when it is absent."""
    try:
        return functools.reduce(getattr, namespace.split("."), root) if namespace else root
    except AttributeError:
        pass
    full = f"{root.__name__}.{namespace}"
    try:
        return importlib.import_module(full)
    except ModuleNotFoundError as error:
        if error.name is not None and (full + ".").startswith(error.name + "."):
            return None  # the namespace itself is missing, not one of its dependencies
        raise


def _kind(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    return "function" if callable(obj) else "value"


def _path(namespace: str, name: str) -> str:
    return f"{namespace}.{name}" if namespace else name


@functools.cache
def keras_names() -> dict[str, tuple[str, str, object]]:
    """Every public Keras name: "namespace.Name" -> (namespace, name, object)."""
    names = {}
    for namespace in NAMESPACES:
        module = _resolve(keras, namespace)
        for name in dir(module):
            obj = getattr(module, name)
            if name.startswith("_") or (isinstance(obj, types.ModuleType)
                                        and _path(namespace, name) in NAMESPACES):
                continue
            names[_path(namespace, name)] = (namespace, name, obj)
    return names


def _left_out(path: str) -> bool:
    namespace = path.rpartition(".")[0]
    while namespace:
        if f"{namespace}.*" in LEFT_OUT:
            return True
        namespace = namespace.rpartition(".")[0]
    return path in LEFT_OUT


def _lamina_has(path: str) -> bool:
    namespace, _, name = path.rpartition(".")
    owner = _resolve(lamina, namespace)
    return owner is not None and hasattr(owner, name)


def test_lamina_has_every_public_keras_name():
    missing, wrong_kind = [], []
    for path, (namespace, name, obj) in keras_names().items():
        owner = _resolve(lamina, namespace)
        if owner is None or not hasattr(owner, name):
            if not _left_out(path):
                missing.append(path)
        elif _kind(getattr(owner, name)) != _kind(obj):
            wrong_kind.append(f"{path}: Keras has a {_kind(obj)}, "
                              f"lamina a {_kind(getattr(owner, name))}")
    header = (f"{len(missing)} public Keras names are missing from lamina and from LEFT_OUT "
              "(build them, or add them to LEFT_OUT with the issue that builds them):")
    assert not missing and not wrong_kind, "\n  ".join(
        [header, *(f'"{path}": "<issue or reason>",' for path in missing),
         f"{len(wrong_kind)} names of another kind than Keras's:", *wrong_kind])


def test_left_out_table_is_not_stale():
    names = keras_names()
    stale = []
    for entry, reason in LEFT_OUT.items():
        if not reason.strip():
            stale.append(f"{entry}: no reason given")
        elif entry.endswith(".*"):
            namespace = entry[:-2]
            if namespace not in NAMESPACES:
                stale.append(f"{entry}: not one of Keras's namespaces checked here")
            elif _resolve(lamina, namespace) is not None:
                stale.append(f"{entry}: lamina.{namespace} exists now; list its missing names "
                             "one by one instead")
        elif entry not in names:
            stale.append(f"{entry}: Keras 3 ({keras.__version__}) has no such public name")
        elif _lamina_has(entry):
            stale.append(f"{entry}: lamina has it now; remove the entry")
    assert not stale, "Stale LEFT_OUT entries:\n  " + "\n  ".join(stale)


def test_issue_19_names_are_present_and_never_left_out():
    names = keras_names()
    paths = [path for entry in ISSUE_19 if entry.endswith(".*")
             for path, (namespace, _, _) in names.items() if namespace == entry[:-2]]
    paths += [entry for entry in ISSUE_19 if not entry.endswith(".*")]
    not_keras = [path for path in paths if path not in names]
    left_out = [path for path in paths if _left_out(path)]
    missing = [path for path in paths if not _lamina_has(path)]
    assert not (not_keras or left_out or missing), (
        f"Not public Keras names (fix ISSUE_19): {not_keras}\n"
        f"Issue 19 builds these, so LEFT_OUT must not list them: {left_out}\n"
        f"Missing from lamina: {missing}")
