"""Keras 3's `ops.linalg`: decompositions, solvers, norms and `jvp` (all also top-level ops)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy as jsp

from lamina import config

__all__ = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq",
           "lu_factor", "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd"]


def _matrices(*arrays, square: bool = True) -> list:
    """Arrays of rank >= 2 (and square in the last two axes when `square`), or ValueError."""
    out = [jnp.asarray(a) for a in arrays]
    for a in out:
        if a.ndim < 2:
            raise ValueError(f"Expected input to have rank >= 2. Received shape {a.shape}.")
        if square and a.shape[-1] != a.shape[-2]:
            raise ValueError(f"Expected a square matrix. Received shape {a.shape}.")
    return out


def cholesky(x, upper: bool = False):
    """Cholesky factor of a positive-definite matrix; ValueError (eagerly) if it fails."""
    (x,) = _matrices(x)
    out = jnp.linalg.cholesky(x, upper=upper)
    try:
        failed = bool(jnp.any(jnp.isnan(out)))
    except jax.errors.ConcretizationTypeError:  # traced: cannot check
        failed = False
    if failed:
        raise ValueError("Cholesky decomposition failed: the input might not be a valid "
                         "positive definite matrix.")
    return out


def cholesky_inverse(x, upper: bool = False):
    """Inverse of A from its Cholesky factor `x` (lower, or upper when `upper`)."""
    (x,) = _matrices(x)
    inv_factor = jsp.linalg.solve_triangular(x, jnp.eye(x.shape[-1], dtype=x.dtype),
                                             lower=not upper)
    if upper:
        return inv_factor @ jnp.swapaxes(inv_factor, -1, -2)
    return jnp.swapaxes(inv_factor, -1, -2) @ inv_factor


def det(x):
    return jnp.linalg.det(*_matrices(x))


def eig(x) -> tuple:
    return jnp.linalg.eig(*_matrices(x))


def eigh(x) -> tuple:
    return jnp.linalg.eigh(*_matrices(x))


def inv(x):
    return jnp.linalg.inv(*_matrices(x))


def lu_factor(x) -> tuple:
    """(lu, pivots) of `jax.scipy.linalg.lu_factor`, mapped over leading batch axes."""
    (x,) = _matrices(x, square=False)
    factor = jsp.linalg.lu_factor
    for _ in range(x.ndim - 2):
        factor = jax.vmap(factor)
    return factor(x)


def norm(x, ord=None, axis=None, keepdims: bool = False):  # noqa: A002 - Keras's name
    """Vector or matrix norm (`jnp.linalg.norm`); integer inputs are computed in floats."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(config.floatx())
    return jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def qr(x, mode: str = "reduced") -> tuple:
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` must be 'reduced' or 'complete'. Received: mode={mode}")
    return jnp.linalg.qr(*_matrices(x, square=False), mode=mode)


def _check_rhs(a, b):
    b = jnp.asarray(b)
    if b.ndim < 1:
        raise ValueError(f"Expected `b` to have rank >= 1. Received a scalar {b}.")
    if a.ndim == b.ndim and a.shape[-2] != b.shape[-2]:
        raise ValueError(f"Incompatible shapes: a.shape={a.shape}, b.shape={b.shape}.")
    return b


def solve(a, b):
    """x with a @ x = b, for square `a` (..., M, M) and `b` (..., M) or (..., M, N)."""
    (a,) = _matrices(a)
    return jnp.linalg.solve(a, _check_rhs(a, b))


def solve_triangular(a, b, lower: bool = False):
    """x with a @ x = b for triangular `a` (upper unless `lower`)."""
    (a,) = _matrices(a)
    return jsp.linalg.solve_triangular(a, _check_rhs(a, b), lower=lower)


def svd(x, full_matrices: bool = True, compute_uv: bool = True):
    """(u, s, vh), or just the singular values `s` when not `compute_uv`."""
    return jnp.linalg.svd(*_matrices(x, square=False), full_matrices=full_matrices,
                          compute_uv=compute_uv)


def lstsq(a, b, rcond=None):
    """The least-squares solution only (not NumPy's 4-tuple), as in Keras."""
    return jnp.linalg.lstsq(jnp.asarray(a), jnp.asarray(b), rcond=rcond)[0]


def matrix_rank(x, tol=None):
    return jnp.linalg.matrix_rank(*_matrices(x, square=False), tol=tol).astype("int32")


def pinv(x, rcond=None):
    return jnp.linalg.pinv(*_matrices(x, square=False), rcond=rcond)


def jvp(fun, primals, tangents, has_aux: bool = False):
    """Forward-mode Jacobian-vector product, `jax.jvp`."""
    return jax.jvp(fun, primals, tangents, has_aux=has_aux)
