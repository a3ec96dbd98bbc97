"""Random draws for weight initializers, made with NumPy on the host.

Initializers run eagerly, once per weight; drawing with `jax.random` there would compile an XLA
sampler for every new weight shape (about 0.4 s each on a CPU, most of the start-up time of a
small model). A NumPy generator seeded from the same key stream costs no compilation and stays
reproducible under `set_random_seed` and seeded initializers. Inside a trace (a key that is a
tracer) the `jax.random` versions are used.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from lamina import random as _random


def _generator(seed):
    """A NumPy generator for `seed` (as `lamina.random` takes it), or None inside a trace."""
    key = _random.draw_key(seed)
    return None if isinstance(key, jax.core.Tracer) else _random.host_generator(key)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> jax.Array:
    rng = _generator(seed)
    if rng is None:
        return _random.normal(shape, mean, stddev, dtype, seed)
    return _to_array(mean + stddev * rng.standard_normal(tuple(shape)), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> jax.Array:
    rng = _generator(seed)
    if rng is None:
        return _random.uniform(shape, minval, maxval, dtype, seed)
    return _to_array(rng.uniform(minval, maxval, tuple(shape)), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> jax.Array:
    """Normal samples, those beyond two standard deviations redrawn (as Keras's)."""
    rng = _generator(seed)
    if rng is None:
        return _random.truncated_normal(shape, mean, stddev, dtype, seed)
    sample = rng.standard_normal(tuple(shape))
    outside = np.abs(sample) > 2.0
    while outside.any():
        sample[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(sample) > 2.0
    return _to_array(mean + stddev * sample, dtype)


def orthogonal(shape: tuple[int, ...], gain: float, dtype, seed) -> jax.Array:
    """`gain` times a random matrix with orthonormal rows or columns (whichever are fewer),
    the axes before the last flattened into rows: the Q of a Gaussian matrix's QR, its signs
    fixed by R's diagonal. The QR runs in float32 or wider."""
    rows, cols = math.prod(shape[:-1]), shape[-1]
    work = jnp.promote_types(_random._dtype(dtype), jnp.float32)
    tall = (max(rows, cols), min(rows, cols))
    rng = _generator(seed)
    if rng is None:  # a traced key: the same steps in jnp
        xp, sample = jnp, _random.normal(tall, dtype=work, seed=seed)
    else:
        xp, sample = np, rng.standard_normal(tall).astype(work)
    q, r = xp.linalg.qr(sample)
    q = gain * (q * xp.sign(xp.diag(r)))
    q = (q.T if rows < cols else q).reshape(shape)
    return q.astype(_random._dtype(dtype)) if xp is jnp else _to_array(q, dtype)


def _to_array(values: np.ndarray, dtype) -> jax.Array:
    return jax.device_put(values.astype(_random._dtype(dtype)))
