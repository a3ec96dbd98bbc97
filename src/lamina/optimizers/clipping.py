"""Keras's gradient clipping (`clipnorm` per variable, `global_clipnorm`) as optax
transformations, with Keras's arithmetic (zero-norm and NaN/inf behaviour included)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax


def _clip_leaf_by_norm(g, clipnorm: float):
    l2sum = jnp.sum(jnp.square(g), keepdims=True)
    positive = l2sum > 0
    l2norm = jnp.where(positive, jnp.sqrt(jnp.where(positive, l2sum, 1.0)), l2sum)
    return (g * clipnorm) / jnp.maximum(l2norm, clipnorm)


def clip_by_norm(clipnorm: float) -> optax.GradientTransformation:
    """Keras's per-variable `clipnorm`: `g * clipnorm / max(||g||, clipnorm)`."""
    return optax.stateless(lambda grads, params: jax.tree.map(
        lambda g: _clip_leaf_by_norm(g, clipnorm), grads))


def clip_by_global_norm(clipnorm: float) -> optax.GradientTransformation:
    """Keras's `global_clipnorm`: always scales (by 1 when under the norm); NaN/inf propagate."""

    def clip(grads, params):
        norm = jnp.sqrt(jnp.sum(jnp.stack([jnp.sum(jnp.square(g))
                                           for g in jax.tree.leaves(grads)])))
        scale = clipnorm * jnp.minimum(1.0 / norm, 1.0 / clipnorm) + (norm - norm)
        return jax.tree.map(lambda g: g * scale, grads)

    return optax.stateless(clip)
