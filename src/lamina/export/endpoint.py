"""One serving endpoint: a function of the layers' variables and its inputs, traced once with
`jax.export` (a symbolic batch axis) into a StableHLO module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import jax

from lamina.export.signature import symbolic_structs
from lamina.variables import Variable, bind


@dataclass
class Endpoint:
    """`fn` as exported: `pure(values, *args)` reads `variables` from `values`."""

    name: str
    signature: list
    variables: list[Variable]
    pure: Callable
    exported: Any  # jax.export.Exported
    jax2tf_kwargs: dict = field(default_factory=dict)  # for format="tf_saved_model"

    def __call__(self, *args):
        """Run the exported module with the variables' current values (as the reloaded
        artifact will), so an endpoint can be checked before it is written."""
        return self.exported.call([v.value for v in self.variables], *args)


def pure_function(fn: Callable, variables: Sequence[Variable]) -> Callable:
    """`fn` as a pure function of `(values, *args)`: the variables read `values` while it runs."""
    variables = list(variables)

    def pure(values, *args):
        with bind(variables, values):
            outputs = fn(*args)
        return jax.tree_util.tree_map(_as_array, outputs)

    return pure


def make_endpoint(name: str, fn: Callable, signature: list, variables: Sequence[Variable],
                  platforms: Sequence[str] | None = None) -> Endpoint:
    """Trace `fn` for `signature` (a list of TensorSpec structures) into a jax.export module."""
    from jax import export as jax_export

    variables = list(variables)
    pure = pure_function(fn, variables)
    value_structs = [jax.ShapeDtypeStruct(tuple(v.shape), v.dtype) for v in variables]
    exported = jax_export.export(jax.jit(pure), platforms=platforms)(
        value_structs, *symbolic_structs(signature))
    return Endpoint(name, signature, variables, pure, exported)


def _as_array(x):
    return x.value if isinstance(x, Variable) else x
