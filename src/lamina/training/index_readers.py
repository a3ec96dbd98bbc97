"""Which Embedding layers read a model input directly, however deep they sit.

Compiled, an out-of-range id makes `jnp.take` clamp (a silent wrong row), so the ids an
Embedding reads straight from the data are range-checked on the host (training/data_checks.py).
This module finds those Embeddings, as `(input position, layer)` pairs:

- a functional model or Sequential: its graph, following nested graph models through the
  node that calls them (a Sequential inside a Functional);
- a subclassed model (at the top or nested): one abstract trace of `stateless_call` on the
  data's shapes, spying on which Embedding is handed one of the input tracers unchanged.

Results are kept per model until a layer changes (`tracking_version`), so a per-batch check
costs one dict lookup plus a min / max per id array.
"""

from __future__ import annotations

import contextlib
import functools

import jax
import numpy as np

from lamina.variables import tracking_version

Pairs = list  # [(input position, Embedding)]


def index_readers(model, x=None) -> Pairs:
    """(input position, Embedding) for every Embedding fed a model input unchanged; `x` (a
    batch) gives the shapes a subclassed model is traced with (else its last result)."""
    cache = model.__dict__.get("_index_readers_memo")
    if cache is not None and cache[0] == tracking_version() and (
            cache[1] is None or x is None or cache[1] == _signature(x)):
        return cache[2]  # a graph's readers (signature None) hold for any data
    graph = bool(_graph_inputs(model))
    if not graph and x is None:
        return []  # a subclassed model is traced only on data: nothing known yet
    pairs = _graph_readers(model) if graph else _traced_readers(model, x)
    signature = None if graph else _signature(x)
    # keyed by the version after the walk: tracing may itself touch the tracking counter
    memo = (tracking_version(), signature, pairs)
    object.__setattr__(model, "_index_readers_memo", memo)  # not a tracked change
    return pairs


def _signature(x):
    if x is None:
        return None
    return tuple((tuple(np.shape(a))[1:], str(getattr(a, "dtype", ""))) for a in
                 jax.tree_util.tree_leaves(x))


def _graph_inputs(model) -> list:
    if not getattr(model, "_nodes_by_depth", None):
        return []
    return getattr(model, "_graph_inputs", None) or getattr(model, "_inputs", None) or []


def _graph_readers(model) -> Pairs:
    """Walk the graph: an Embedding node on an input, or a nested model node fed inputs."""
    positions = {id(tensor): i for i, tensor in enumerate(_graph_inputs(model))}
    found = []
    for nodes in model._nodes_by_depth.values():
        for node in nodes:
            fed = [positions.get(id(t)) for t in node.input_tensors]
            if all(p is None for p in fed) or not _holds_embedding(node.layer):
                continue
            for inner, layer in _nested_readers(node.layer, node):
                if inner < len(fed) and fed[inner] is not None:
                    found.append((fed[inner], layer))
    return found


def _holds_embedding(layer) -> bool:
    from lamina.layers.embedding import Embedding

    return isinstance(layer, Embedding) or any(
        isinstance(inner, Embedding) for inner in layer._flatten_layers())


def _nested_readers(layer, node) -> Pairs:
    """The readers of a layer called by `node`, positions among the node's input tensors."""
    from lamina.layers.embedding import Embedding
    from lamina.models import graph

    if isinstance(layer, Embedding):
        return [(0, layer)] if len(node.input_tensors) == 1 else []
    if _graph_inputs(layer):
        return index_readers(layer)
    first = node.args[0] if node.args else None  # the `inputs` argument, as KerasTensors
    if first is None:
        return []
    tensors = graph.flatten(first)
    if any(not np.issubdtype(np.dtype(t.dtype), np.number) for t in tensors):
        return []  # text inputs: no ids reach an Embedding unchanged
    zeros = [np.zeros((1, *(d or 1 for d in t.shape[1:])), t.dtype) for t in tensors]
    return index_readers(layer, graph.pack_like(first, zeros))


def _traced_readers(model, x) -> Pairs:
    """Trace `model` on abstract copies of `x`'s leaves; record which Embeddings get one."""
    from lamina.layers.embedding import Embedding

    embeddings = [layer for layer in model._flatten_layers() if isinstance(layer, Embedding)]
    if not embeddings or not getattr(model, "built", False):
        return []
    leaves, treedef = jax.tree_util.tree_flatten(x)
    specs = [jax.ShapeDtypeStruct((1, *np.shape(a)[1:]), np.asarray(a[:1]).dtype)
             for a in leaves]
    seen: list = []

    def probe(values, leaves_):
        positions = {id(leaf): i for i, leaf in enumerate(leaves_)}
        with _spying(embeddings, lambda layer, ids: seen.append((positions.get(id(ids)),
                                                                 layer))):
            model.stateless_call(*values, jax.tree_util.tree_unflatten(treedef, leaves_))

    values = ([v.value for v in model.trainable_variables],
              [v.value for v in model.non_trainable_variables])
    try:
        jax.eval_shape(probe, values, specs)
    except Exception:  # noqa: BLE001 - a model that cannot be traced abstractly: no check
        return []
    unique = {(p, id(layer)): (p, layer) for p, layer in seen if p is not None}
    return list(unique.values())


@contextlib.contextmanager
def _spying(layers: list, record):
    """Each layer's `call` reports the array it is handed (an instance attribute, removed
    after; `object.__setattr__` so no layer tracking notices)."""
    for layer in layers:
        object.__setattr__(layer, "call", functools.partial(_spy_call, layer, record))
    try:
        yield
    finally:
        for layer in layers:
            layer.__dict__.pop("call", None)


def _spy_call(layer, record, inputs, *args, **kwargs):
    record(layer, inputs)
    return type(layer).call(layer, inputs, *args, **kwargs)
