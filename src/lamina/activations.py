"""Activation functions with Keras 3's names, arguments and defaults (as `keras.activations`).

Every function takes an array-like and returns a `jax.Array`; `get` turns a name, a config
dict or a callable into a function and `serialize` gives a builtin's name back.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import jax
import jax.numpy as jnp

from lamina import errors


def _ops_nn():
    """`lamina.ops.nn`, imported on first use (`import lamina` does not load the ops)."""
    from lamina.ops import nn

    return nn

Activation = Callable[..., jax.Array]


def relu(x, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> jax.Array:
    """ReLU: `x` above `threshold` (else 0), capped at `max_value`, leaking `negative_slope`."""
    x = jnp.asarray(x)
    if threshold != 0:
        out = jnp.where(x > threshold, x, jnp.zeros_like(x))
    else:
        out = jax.nn.relu(x)
    if max_value is not None:
        out = jnp.clip(out, 0, max_value)
    if negative_slope != 0:
        out = out - negative_slope * jax.nn.relu(threshold - x)
    return out


def leaky_relu(x, negative_slope: float = 0.2) -> jax.Array:
    """`x` if `x >= 0` else `negative_slope * x`."""
    return jax.nn.leaky_relu(jnp.asarray(x), negative_slope)


def relu6(x) -> jax.Array:
    """`min(max(x, 0), 6)`."""
    return jax.nn.relu6(jnp.asarray(x))


def sigmoid(x) -> jax.Array:
    """`1 / (1 + exp(-x))`."""
    return jax.nn.sigmoid(jnp.asarray(x))


def softmax(x, axis: int | tuple[int, ...] = -1) -> jax.Array:
    """`exp(x) / sum(exp(x))` along `axis` (an int or a tuple of axes)."""
    return jax.nn.softmax(jnp.asarray(x), axis=axis)


def log_softmax(x, axis: int | tuple[int, ...] = -1) -> jax.Array:
    """`x - logsumexp(x)` along `axis`."""
    return jax.nn.log_softmax(jnp.asarray(x), axis=axis)


def tanh(x) -> jax.Array:
    """Hyperbolic tangent."""
    return jnp.tanh(jnp.asarray(x))


def elu(x, alpha: float = 1.0) -> jax.Array:
    """`x` if `x > 0` else `alpha * (exp(x) - 1)`."""
    return jax.nn.elu(jnp.asarray(x), alpha)


def selu(x) -> jax.Array:
    """Scaled ELU with the self-normalizing constants (alpha 1.6733, scale 1.0507)."""
    return jax.nn.selu(jnp.asarray(x))


def celu(x, alpha: float = 1.0) -> jax.Array:
    """`x` if `x >= 0` else `alpha * (exp(x / alpha) - 1)`."""
    return jax.nn.celu(jnp.asarray(x), alpha)


def softplus(x) -> jax.Array:
    """`log(1 + exp(x))`, computed stably."""
    return jax.nn.softplus(jnp.asarray(x))


def softsign(x) -> jax.Array:
    """`x / (1 + |x|)`."""
    return jax.nn.soft_sign(jnp.asarray(x))


def silu(x) -> jax.Array:
    """SiLU / swish: `x * sigmoid(x)`."""
    return jax.nn.silu(jnp.asarray(x))


def gelu(x, approximate: bool = False) -> jax.Array:
    """Gaussian error linear unit; exact erf form unless `approximate` (tanh form)."""
    return jax.nn.gelu(jnp.asarray(x), approximate=approximate)


def hard_sigmoid(x) -> jax.Array:
    """Piecewise-linear sigmoid: `relu6(x + 3) / 6`."""
    return jax.nn.hard_sigmoid(jnp.asarray(x))


def hard_silu(x) -> jax.Array:
    """Hard SiLU / hard swish: `x * hard_sigmoid(x)`."""
    return jax.nn.hard_silu(jnp.asarray(x))


def hard_tanh(x) -> jax.Array:
    """`clip(x, -1, 1)`."""
    return jax.nn.hard_tanh(jnp.asarray(x))


def mish(x) -> jax.Array:
    """`x * tanh(softplus(x))`."""
    x = jnp.asarray(x)
    return x * jnp.tanh(jax.nn.softplus(x))


def log_sigmoid(x) -> jax.Array:
    """`log(sigmoid(x))`, computed stably."""
    return jax.nn.log_sigmoid(jnp.asarray(x))


def tanh_shrink(x) -> jax.Array:
    """`x - tanh(x)`."""
    x = jnp.asarray(x)
    return x - jnp.tanh(x)


def squareplus(x, b: float = 4) -> jax.Array:
    """`(x + sqrt(x**2 + b)) / 2`."""
    return jax.nn.squareplus(jnp.asarray(x), b)


def glu(x, axis: int = -1) -> jax.Array:
    """Gated linear unit: halves `a, b` of `x` along `axis` give `a * sigmoid(b)`."""
    return jax.nn.glu(jnp.asarray(x), axis=axis)


def hard_shrink(x, threshold: float = 0.5) -> jax.Array:
    """`x` where `|x| > threshold`, else 0."""
    return _ops_nn().hard_shrink(jnp.asarray(x), threshold=threshold)


def soft_shrink(x, threshold: float = 0.5) -> jax.Array:
    """`x` moved `threshold` towards 0, and 0 where `|x| <= threshold`."""
    return _ops_nn().soft_shrink(jnp.asarray(x), threshold=threshold)


def threshold(x, threshold: float, default_value: float) -> jax.Array:  # noqa: A002 - Keras
    """`x` where `x > threshold`, else `default_value`."""
    return _ops_nn().threshold(jnp.asarray(x), threshold, default_value)


def sparse_plus(x) -> jax.Array:
    """0 for `x <= -1`, `(x + 1)**2 / 4` for `-1 < x < 1`, `x` for `x >= 1`."""
    return _ops_nn().sparse_plus(jnp.asarray(x))


def sparse_sigmoid(x) -> jax.Array:
    """0 for `x <= -1`, `(x + 1) / 2` for `-1 < x < 1`, 1 for `x >= 1`."""
    return _ops_nn().sparse_sigmoid(jnp.asarray(x))


def sparsemax(x, axis: int = -1) -> jax.Array:
    """Euclidean projection of `x` onto the probability simplex along `axis` (sparse softmax)."""
    return _ops_nn().sparsemax(jnp.asarray(x), axis)


def exponential(x) -> jax.Array:
    """`exp(x)`."""
    return jnp.exp(jnp.asarray(x))


def linear(x):
    """The identity: returns `x` unchanged."""
    return x


# On KerasTensors each activation adds an operation node to the model graph, as in Keras.
from lamina.layers.tensor_ops import symbolic_activations

globals().update(symbolic_activations(globals()))

_BUILTINS: dict[str, Activation] = {
    fn.__name__: fn
    for fn in (relu, leaky_relu, relu6, sigmoid, softmax, log_softmax, tanh, elu, selu, celu,
               softplus, softsign, silu, gelu, hard_sigmoid, hard_silu, hard_tanh, mish,
               log_sigmoid, tanh_shrink, squareplus, glu, hard_shrink, soft_shrink, threshold,
               sparse_plus, sparse_sigmoid, sparsemax, exponential, linear)
}
_ALIASES: dict[str, Activation] = {"swish": silu, "hard_swish": hard_silu}
_BY_NAME: dict[str, Activation] = {**_BUILTINS, **_ALIASES}

swish = silu
hard_swish = hard_silu


def serialize(activation: Activation) -> str | dict:
    """A built-in's name ('silu' for swish, as Keras); Keras's function dict for any other
    function (`"config"` is its registered name, `"pkg>name"` once registered with
    `keras.saving.register_keras_serializable`); an object's config dict."""
    for name, fn in _BUILTINS.items():
        if fn is activation:
            return name
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(activation)


def deserialize(config: str | Mapping[str, Any],
                custom_objects: Mapping[str, Any] | None = None) -> Activation:
    """The activation named by `config` (a name or a Keras config dict), found among
    `custom_objects`, `custom_object_scope`s, registered objects, then the built-ins."""
    from lamina.saving.deserialization import deserialize_keras_object

    if not isinstance(config, (str, Mapping)):
        raise errors.ConfigError(f"Could not interpret activation config: {config!r}")
    found = deserialize_keras_object(dict(config) if isinstance(config, Mapping) else config,
                                     custom_objects, module_objects=_BY_NAME)
    if isinstance(found, str):
        raise errors.unknown_name("activation", found, _BY_NAME)
    if not callable(found):
        raise errors.ConfigError(f"Could not interpret activation config: {config!r}")
    return found


def get(identifier: Any) -> Activation:
    """None -> linear; a name or config dict -> that activation (built-in, registered or in a
    custom_object_scope); a callable -> itself."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, Mapping)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise errors.ConfigError(f"Could not interpret activation function identifier: "
                             f"{identifier!r}")
