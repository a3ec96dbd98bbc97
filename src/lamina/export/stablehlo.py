"""Write endpoints as lamina's StableHLO artifact: a folder that needs only jax to serve.

Layout of `<filepath>/`:

    manifest.json        {"format": "lamina.stablehlo", "version": 1, "variables": [...],
                          "collections": {name: [key, ...]},
                          "endpoints": {name: {"file", "variables", "inputs", "outputs"}}}
    variables.npz        the tracked variables' values (keys "v0", "v1", ...) and those of
                         each variable collection (keys "c<i>_<j>")
    <endpoint>.jaxexport one `jax.export.Exported.serialize()` per endpoint: a StableHLO
                         module of `f(variable_values, *inputs)`, batch axis symbolic

An endpoint's "variables" lists, in order, which of the stored variables it takes as its first
argument; "inputs" / "outputs" give shapes (null: free axis) and dtypes. `load_stablehlo` in
stablehlo_loader.py reads it back with jax alone.
"""

from __future__ import annotations

import json
import re

import jax
import numpy as np

from lamina.export.endpoint import Endpoint
from lamina.export.files import atomic_directory
from lamina.export.stablehlo_loader import FORMAT_NAME, FORMAT_VERSION, MANIFEST


def write(filepath, endpoints: list[Endpoint], variables: list, collections: dict,
          verbose: bool = True) -> None:
    """Write the artifact atomically: a crash leaves any earlier artifact at `filepath`."""
    index = {id(v): i for i, v in enumerate(variables)}
    arrays = {f"v{i}": np.asarray(v.value) for i, v in enumerate(variables)}
    manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                "jax_version": jax.__version__,
                "variables": [{"key": f"v{i}", "path": v.path, "shape": list(v.shape),
                               "dtype": str(v.dtype)} for i, v in enumerate(variables)],
                "collections": {}, "endpoints": {}}
    for c, (name, members) in enumerate(collections.items()):
        keys = [f"c{c}_{j}" for j in range(len(members))]
        arrays.update({k: np.asarray(v.value) for k, v in zip(keys, members)})
        manifest["collections"][name] = keys
    with atomic_directory(filepath) as folder:
        for i, endpoint in enumerate(endpoints):
            file = _file_name(endpoint.name, i)
            (folder / file).write_bytes(endpoint.exported.serialize())
            manifest["endpoints"][endpoint.name] = {
                "file": file, "variables": [index[id(v)] for v in endpoint.variables],
                "inputs": _specs_json(endpoint.signature),
                "outputs": _outputs_json(endpoint.exported)}
        np.savez(folder / "variables.npz", **arrays)
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    if verbose:
        print(f"Saved artifact at '{filepath}'. The following endpoints are available:\n\n"
              + "\n\n".join(describe(name, entry)
                            for name, entry in manifest["endpoints"].items()))


def describe(name: str, entry: dict) -> str:
    """The endpoint's signature, as Keras prints it after an export."""
    args = "\n".join(f"  args_{i} (POSITIONAL_ONLY): {_spec_text(spec)}"
                     for i, spec in enumerate(entry["inputs"]))
    return f"* Endpoint '{name}'\n{args}\nOutput Type:\n  {_spec_text(entry['outputs'])}"


def _spec_text(structure) -> str:
    if isinstance(structure, dict) and "dtype" in structure:
        shape = tuple(structure["shape"])
        return f"TensorSpec(shape={shape}, dtype={structure['dtype']}, " \
               f"name={structure.get('name')!r})"
    if isinstance(structure, dict):
        return "{" + ", ".join(f"{k!r}: {_spec_text(v)}" for k, v in structure.items()) + "}"
    return "[" + ", ".join(_spec_text(s) for s in structure) + "]"


def _specs_json(signature: list) -> list:
    from lamina import tree

    return [tree.map_structure(lambda spec: spec.to_json(), entry) for entry in signature]


def _outputs_json(exported):
    flat = [{"shape": [d if isinstance(d, int) else None for d in aval.shape],
             "dtype": str(aval.dtype), "name": None} for aval in exported.out_avals]
    return jax.tree_util.tree_unflatten(exported.out_tree, flat)


def _file_name(name: str, position: int) -> str:
    safe = re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", name) and not name.startswith(".")
    return f"{name}.jaxexport" if safe else f"endpoint_{position}.jaxexport"

