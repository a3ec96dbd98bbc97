"""Randomness with one seed source, like `keras.random`.

Eagerly, keys come from a global stream that `set_random_seed` resets, so the same seed gives
the same initial weights and the same training. While a compiled step is traced, the engine
opens `key_scope(key)` and every draw derives from that traced key instead, which keeps the
step pure (the key is part of the train state).
"""

from __future__ import annotations

import contextlib
import functools
import random as _py_random
import threading
from typing import Iterator

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lamina import config
from lamina.variables import is_bound

_state = threading.local()
_global = {"seed": int(np.random.SeedSequence().entropy % (2**31)), "count": 0}


def set_random_seed(seed: int) -> None:
    """Seed Python, NumPy and lamina's global key stream (as `keras.utils.set_random_seed`)."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"set_random_seed expects an integer. Received: seed={seed!r}")
    _py_random.seed(int(seed))
    np.random.seed(int(seed) % (2**32))
    _global["seed"] = int(seed)
    _global["count"] = 0


def _scope_stack() -> list:
    if not hasattr(_state, "scopes"):
        _state.scopes = []
    return _state.scopes


@contextlib.contextmanager
def key_scope(key: jax.Array) -> Iterator[None]:
    """Derive every draw inside from `key` (used while tracing a pure step)."""
    stack = _scope_stack()
    stack.append([key, 0])
    try:
        yield
    finally:
        stack.pop()


def in_key_scope() -> bool:
    return bool(_scope_stack())


def global_key() -> jax.Array:
    """A fresh key from the global stream (eager use: initializers, new train states)."""
    _global["count"] += 1
    return host_key(_GLOBAL_STREAM, _global["seed"], _global["count"])


_GLOBAL_STREAM, _SEEDED_STREAM, _SEED_KEY, _STATE_STREAM = 0, 1, 2, 3  # kinds of key apart


def host_key(*words: int) -> jax.Array:
    """A key (uint32[2], the form `jax.random` takes) hashed on the host from integers.

    Eager `jax.random.PRNGKey` / `fold_in` each compile a small XLA program on first use
    (~0.1 s together on a CPU, a noticeable part of a small model's start-up); NumPy's
    SeedSequence gives well-mixed, reproducible keys without compiling anything."""
    entropy = [int(w) % (1 << 64) for w in words]
    return jax.device_put(np.random.SeedSequence(entropy).generate_state(2, np.uint32))


class SeedGenerator:
    """A stream of keys. Seeded generators repeat; unseeded ones follow the global seed.

    As in Keras, its `state` is a Variable (`[seed, counter]`, uint32) listed among its layer's
    `non_trainable_variables`: under `stateless_call` (a user's own jitted step) each key
    derives from the state passed in, and the advanced state comes back with the others.
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs):
        self.seed = seed
        self.name = name or "seed_generator"
        self._count = 0
        self._state = None

    @property
    def state(self):
        """The Variable holding `[seed, counter]` (made on first use)."""
        if self._state is None:
            from lamina.variables import Variable

            start = self.seed if self.seed is not None else int(host_generator(
                global_key()).integers(0, 2**31))
            self._state = Variable(np.array([start % 2**32, 0], np.uint32), trainable=False,
                                   name=f"{self.name}_state")
        return self._state

    def next(self) -> jax.Array:
        stack = _scope_stack()
        if stack:
            frame = stack[-1]
            frame[1] += 1
            return fold_in(frame[0], frame[1])
        if self._state is not None and is_bound(self._state):
            return self._next_from_state()
        if self.seed is None:
            return global_key()
        self._count += 1
        return host_key(_SEEDED_STREAM, self.seed, self._count)

    def _next_from_state(self) -> jax.Array:
        state = self._state.value
        key = fold_in(fold_in(_state_stream_key(), state[0]), state[1])
        self._state.assign(state + jnp.array([0, 1], jnp.uint32))
        return key

    def get_config(self) -> dict:
        return {"seed": self.seed}


@functools.cache
def _state_stream_key() -> jax.Array:
    return host_key(_STATE_STREAM)


def draw_key(seed: int | SeedGenerator | jax.Array | None = None) -> jax.Array:
    """Turn a Keras-style `seed` argument into a key."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return SeedGenerator().next() if in_key_scope() else global_key()
    if isinstance(seed, (int, np.integer)):
        return host_key(_SEED_KEY, seed)
    return seed


def _key_data(key: jax.Array) -> jax.Array:
    """The integer words of a raw (uint32) or typed key."""
    return key if jnp.issubdtype(key.dtype, jnp.integer) else jax.random.key_data(key)


def host_generator(key: jax.Array) -> np.random.Generator:
    """A NumPy generator seeded by a (concrete) JAX key: host-side draws that compile nothing
    and follow the same seeds as the key stream."""
    return np.random.default_rng(np.asarray(_key_data(key)).astype(np.uint64).tolist())


def _dtype(dtype):
    return jnp.dtype(dtype or config.floatx())


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> jax.Array:
    dtype = _dtype(dtype)
    return mean + stddev * jax.random.normal(draw_key(seed), tuple(shape), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> jax.Array:
    dtype = _dtype(dtype)
    return jax.random.uniform(draw_key(seed), tuple(shape), dtype, minval, maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> jax.Array:
    dtype = _dtype(dtype)
    sample = jax.random.truncated_normal(draw_key(seed), -2.0, 2.0, tuple(shape), dtype)
    return mean + stddev * sample


def randint(shape, minval, maxval, dtype="int32", seed=None) -> jax.Array:
    return jax.random.randint(draw_key(seed), tuple(shape), minval, maxval, jnp.dtype(dtype))


def shuffle(x, axis=0, seed=None) -> jax.Array:
    return jax.random.permutation(draw_key(seed), x, axis=axis, independent=False)


def _mix32(x: jax.Array) -> jax.Array:
    """Chris Wellons' "lowbias32": a bijective, well-avalanching hash of uint32 words."""
    x = x ^ (x >> 16)
    x = x * jnp.uint32(0x7FEB352D)
    x = x ^ (x >> 15)
    x = x * jnp.uint32(0x846CA68B)
    return x ^ (x >> 16)


_GOLDEN = 0x9E3779B9  # 2**32 / golden ratio: keeps a data word of 0 away from 0


def fold_in(key: jax.Array, data: int | jax.Array) -> jax.Array:
    """A new key from `key` and the integer `data`, like `jax.random.fold_in`, by hashing.

    Inside a compiled step threefry is a rolled loop of ~80 small XLA:CPU kernels per call;
    this is a dozen integer ops. The map is a bijection of the 64-bit key for each `data`, so
    a chain of derived keys does not fall into short cycles. Typed or non-threefry keys take
    `jax.random.fold_in`."""
    if jnp.issubdtype(key.dtype, jnp.integer) and key.shape == (2,):
        k0, k1 = key.astype(jnp.uint32)
        word = (np.uint32(data % 2**32) if isinstance(data, (int, np.integer))
                else jnp.asarray(data).astype(jnp.uint32))
        first = _mix32(k0 ^ _mix32(k1 ^ _mix32(word + jnp.uint32(_GOLDEN))))
        return jnp.stack([first, _mix32(k1 + first)])
    return jax.random.fold_in(key, data)


def split_key(key: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Two independent keys from `key` (the next state key, and one to draw from)."""
    return fold_in(key, 0), fold_in(key, 1)


def hashed_bits(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """Uniform uint32 words for `shape`: a counter-based hash of (key, element index).

    Not cryptographic, but unbiased, uncorrelated between neighbours and between keys, and
    deterministic in the key. It costs a few integer ops per element where threefry costs
    ~100: threefry dropout masks took a quarter of a small MLP's training step on a CPU."""
    size = int(np.prod(shape, dtype=np.int64))
    if size >= 2**32:  # the element counter would wrap
        return jax.random.bits(key, shape, jnp.uint32)
    words = jnp.ravel(_key_data(key)).astype(jnp.uint32)
    index = lax.iota(jnp.uint32, size).reshape(shape)
    return _mix32(_mix32(index ^ words[0]) + words[1])


def dropout(inputs, rate: float, noise_shape=None, seed=None) -> jax.Array:
    """Inverted dropout: zero a `rate` fraction and scale the rest by 1 / (1 - rate).

    `noise_shape` (None entries take the inputs' size) shares one draw along size-1 axes."""
    inputs = jnp.asarray(inputs)
    shape = inputs.shape if noise_shape is None else tuple(
        inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape)
    )
    keep = keep_mask(shape, rate, seed)
    return jnp.where(keep, inputs / (1.0 - rate), jnp.zeros_like(inputs))


def keep_mask(shape: tuple[int, ...], rate: float, seed=None) -> jax.Array:
    """A boolean mask that is False with probability `rate` (to 2**-32), from `hashed_bits`."""
    threshold = jnp.uint32(min(round(float(rate) * 2**32), 2**32 - 1))
    return hashed_bits(draw_key(seed), tuple(shape)) >= threshold


def categorical(logits, num_samples: int, dtype="int32", seed=None) -> jax.Array:
    """`num_samples` class indices per row of `logits` (batch, classes): (batch, num_samples)."""
    logits = jnp.asarray(logits)
    shape = (logits.shape[0], num_samples, *logits.shape[2:])
    return jax.random.categorical(draw_key(seed), logits[..., None], axis=1,
                                  shape=shape).astype(dtype)


def gamma(shape, alpha, dtype=None, seed=None) -> jax.Array:
    return jax.random.gamma(draw_key(seed), alpha, shape=tuple(shape), dtype=_dtype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> jax.Array:
    return jax.random.binomial(draw_key(seed), jnp.asarray(counts), jnp.asarray(probabilities),
                               shape=tuple(shape), dtype=_dtype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None) -> jax.Array:  # noqa: A002 - Keras's name
    return jax.random.beta(draw_key(seed), jnp.asarray(alpha), jnp.asarray(beta),
                           shape=tuple(shape), dtype=_dtype(dtype))

