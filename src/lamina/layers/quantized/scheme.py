"""`QuantizedScheme`: one layer family's behaviour in one quantization mode, and the shared
int8-product-with-float-gradient helper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import jax


def config_mode(config) -> str:
    """The dtype-policy mode of a quantization config: its `mode` ("int8", ...)."""
    return config.mode


@dataclass(frozen=True)
class QuantizedScheme:
    """`build(layer, shape, config)` creates the quantized variables for a float weight of
    `shape`; `quantize(layer, config)` converts the built float weight; `call(layer, inputs)`
    is the forward pass; `saved` lists attribute names in Keras's file order;
    `policy_mode(config)` is the mode part of the dtype policy name ("int4/128");
    `keeps_float_weight`: the layer still creates (and trains) its float weight (float8)."""

    build: Callable
    quantize: Callable
    call: Callable
    saved: tuple
    policy_mode: Callable = config_mode
    keeps_float_weight: bool = False


def product_with_float_grad(forward: Callable, backward: Callable, inputs, kernel, scale):
    """`forward(inputs, kernel, scale)` whose gradient to `inputs` is `backward(upstream,
    kernel, scale)` (rounding has no useful gradient: Keras differentiates through the
    dequantized kernel). The quantized kernel and its scale get no gradient."""

    @jax.custom_vjp
    def product(x, k, s):
        return forward(x, k, s)

    def fwd(x, k, s):
        return forward(x, k, s), (k, s)

    def bwd(residuals, upstream):
        k, s = residuals
        return backward(upstream, k, s), None, None

    product.defvjp(fwd, bwd)
    return product(inputs, kernel, scale)
