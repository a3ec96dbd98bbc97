"""Load a StableHLO artifact written by `model.export(path, format="stablehlo")`.

This file imports only the standard library, NumPy and jax: a server can copy it (or load it
by path) and run an exported model without lamina or the model's code:

    artifact = load_stablehlo("path/to/artifact")
    predictions = artifact.serve(x)          # any batch size
    artifact.endpoints                       # {"serve": <callable>, ...}

The folder layout is described in lamina/export/stablehlo.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np

FORMAT_NAME = "lamina.stablehlo"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class LoadedEndpoint:
    """One exported function, called with the stored variables and the given inputs."""

    def __init__(self, name: str, exported, values: list, inputs: list):
        self.name, self._exported, self._values, self.inputs = name, exported, values, inputs

    def __call__(self, *args):
        flat, treedef = jax.tree_util.tree_flatten(((self._values, *args), {}))
        if treedef != self._exported.in_tree:
            raise TypeError(
                f"Endpoint '{self.name}' takes {len(self.inputs)} argument(s) shaped as "
                f"{self.inputs}. Received: {len(args)} argument(s) with structure "
                f"{jax.tree_util.tree_structure(args)}.")
        flat = [a if getattr(a, "dtype", None) == aval.dtype else np.asarray(a, aval.dtype)
                for a, aval in zip(flat, self._exported.in_avals)]  # float64 NumPy -> float32
        (call_args, _) = jax.tree_util.tree_unflatten(treedef, flat)
        return self._exported.call(*call_args)


class LoadedArtifact:
    """What `load_stablehlo` returns: each endpoint as a method (`artifact.serve(x)`), and each
    variable collection as a list of arrays (`artifact.optimizer_variables`)."""

    def __init__(self, endpoints: dict, variables: list, collections: dict, manifest: dict):
        self.endpoints, self.variables = endpoints, variables
        self.collections, self.manifest = collections, manifest

    def __getattr__(self, name: str):
        found = self.__dict__.get("endpoints", {}).get(name)
        found = found if found is not None else self.__dict__.get("collections", {}).get(name)
        if found is None:
            raise AttributeError(f"The artifact has no endpoint or variable collection "
                                 f"{name!r}. Endpoints: {sorted(self.__dict__['endpoints'])}.")
        return found


def load_stablehlo(path) -> LoadedArtifact:
    """Read the artifact at `path` (a folder); needs only jax and NumPy."""
    from jax import export as jax_export

    folder = Path(path)
    manifest = _read_manifest(folder)
    with np.load(folder / "variables.npz") as stored:
        arrays = {key: stored[key] for key in stored.files}
    variables = [jax.device_put(_typed(arrays[v["key"]], v["dtype"]))
                 for v in manifest["variables"]]
    endpoints = {}
    for name, entry in manifest["endpoints"].items():
        exported = jax_export.deserialize(bytearray((folder / entry["file"]).read_bytes()))
        values = [variables[i] for i in entry["variables"]]
        endpoints[name] = LoadedEndpoint(name, exported, values, entry["inputs"])
    collections = {name: [arrays[k] for k in keys]
                   for name, keys in manifest.get("collections", {}).items()}
    return LoadedArtifact(endpoints, variables, collections, manifest)


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise ValueError(f"'{folder}' is not a StableHLO artifact: it has no {MANIFEST}. "
                         "Write one with model.export(path, format='stablehlo').") from None
    if manifest.get("format") != FORMAT_NAME or manifest.get("version", 0) > FORMAT_VERSION:
        raise ValueError(f"'{folder}' holds format {manifest.get('format')!r} version "
                         f"{manifest.get('version')!r}; this loader reads {FORMAT_NAME!r} up to "
                         f"version {FORMAT_VERSION}.")
    return manifest


def _typed(array: np.ndarray, dtype: str) -> np.ndarray:
    """NumPy stores dtypes it lacks (bfloat16) as raw bytes; view them as `dtype` again."""
    if array.dtype.kind == "V":
        import jax.numpy as jnp

        return array.view(jnp.dtype(dtype))
    return array
