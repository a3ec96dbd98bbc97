"""Keras 3's numpy-like ops: jax.numpy functions under Keras's names and argument names.

Functions whose Keras signature and semantics are jax.numpy's are the jax.numpy functions
themselves; the rest are small wrappers (Keras argument names, defaults or dtype rules).
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import config

# Same name, same positional arguments, same results as in Keras 3 (JAX backend).
_SAME_AS_JNP = """
abs absolute add all allclose amax amin angle any append arccos arccosh arcsin arcsinh arctan
arctan2 arctanh argmax argmin argpartition argsort array_split average bincount bitwise_and
bitwise_invert bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift bitwise_xor
broadcast_to cbrt ceil conj conjugate copy corrcoef correlate cos cosh count_nonzero cross
cumprod cumsum deg2rad diag diagflat diagonal diff divide dot dsplit dstack einsum equal exp
exp2 expand_dims expm1 fabs flip fliplr flipud floor floor_divide fmax fmin fmod gcd greater
greater_equal heaviside histogram hsplit hstack hypot i0 imag inner isclose isfinite isin isinf
isnan isneginf isposinf isreal kron lcm ldexp left_shift less less_equal log log10 log1p log2
logaddexp logaddexp2 logical_and logical_not logical_or logical_xor matmul max maximum median
meshgrid min minimum mod moveaxis multiply nan_to_num nanargmax nanargmin nancumprod nancumsum
nanmax nanmean nanmedian nanmin nanpercentile nanprod nanquantile nanstd nansum nanvar ndim
negative nextafter nonzero not_equal outer percentile power prod ptp quantile rad2deg ravel real
reciprocal repeat right_shift roll rot90 round searchsorted sign signbit sin sinc sinh sort
split sqrt square squeeze stack std subtract sum swapaxes tan tanh
tensordot tile trace transpose trapezoid tril triu true_divide trunc unravel_index vander var
vdot vsplit vstack
""".split()

for _name in _SAME_AS_JNP:
    globals()[_name] = getattr(jnp, _name)


def _floatx(dtype):
    return dtype or config.floatx()


def arange(start, stop=None, step=None, dtype=None):
    """`jnp.arange`; Keras's default step is 1."""
    return jnp.arange(start, stop, step, dtype=dtype)


def array(x, dtype=None):
    return jnp.array(x, dtype=dtype)


def clip(x, x_min, x_max):
    """Clip `x` to [x_min, x_max] (booleans become int32, as in Keras)."""
    x = jnp.asarray(x)
    if x.dtype == jnp.bool_:
        x = x.astype("int32")
    return jnp.clip(x, x_min, x_max)


def concatenate(xs, axis: int = 0):
    return jnp.concatenate(xs, axis=axis)


def digitize(x, bins):
    return jnp.digitize(x, jnp.asarray(bins))


def divide_no_nan(x1, x2):
    """x1 / x2, with 0 where x2 == 0."""
    safe = jnp.where(x2 == 0, 1, x2)
    return jnp.where(x2 == 0, 0, jnp.divide(x1, safe))


def empty(shape, dtype=None):
    return jnp.empty(shape, dtype=_floatx(dtype))


def empty_like(x, dtype=None):
    return jnp.empty_like(x, dtype=dtype)


def eye(N, M=None, k: int = 0, dtype=None):  # noqa: N803 - Keras's names
    return jnp.eye(N, M=M, k=k, dtype=_floatx(dtype))


def full(shape, fill_value, dtype=None):
    return jnp.full(shape, fill_value, dtype=dtype)


def full_like(x, fill_value, dtype=None):
    return jnp.full_like(x, fill_value, dtype=dtype)


def _window(jnp_window):
    def window(x, *args):
        return jnp_window(x, *args).astype(config.floatx())

    window.__name__ = jnp_window.__name__
    window.__doc__ = f"`jnp.{jnp_window.__name__}` in floatx."
    return window


bartlett, blackman, hamming, hanning, kaiser = (
    _window(f) for f in (jnp.bartlett, jnp.blackman, jnp.hamming, jnp.hanning, jnp.kaiser))


def get_item(x, key):
    return x[key]


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None, axis: int = 0):
    return jnp.geomspace(start, stop, num=num, endpoint=endpoint, dtype=dtype, axis=axis)


def identity(n, dtype=None):
    return jnp.identity(n, dtype=_floatx(dtype))


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype=None, axis: int = 0):
    return jnp.linspace(start, stop, num=num, endpoint=endpoint, retstep=retstep, dtype=dtype,
                        axis=axis)


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10, dtype=None,
             axis: int = 0):
    return jnp.logspace(start, stop, num=num, endpoint=endpoint, base=base, dtype=dtype,
                        axis=axis)


def mean(x, axis=None, keepdims: bool = False):
    """The mean; integer inputs give floatx, as in Keras."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(config.floatx())
    return jnp.mean(x, axis=axis, keepdims=keepdims)


def ones(shape, dtype=None):
    return jnp.ones(shape, dtype=_floatx(dtype))


def ones_like(x, dtype=None):
    return jnp.ones_like(x, dtype=dtype)


def pad(x, pad_width, mode: str = "constant", constant_values=None):
    if constant_values is None or mode != "constant":
        return jnp.pad(x, pad_width, mode=mode)
    return jnp.pad(x, pad_width, mode=mode, constant_values=constant_values)


def reshape(x, newshape):
    return jnp.reshape(x, newshape)


def select(condlist, choicelist, default=0):
    return jnp.select(condlist, choicelist, default)


def slogdet(x) -> tuple:
    """(sign, log|det|) of square matrices."""
    return tuple(jnp.linalg.slogdet(x))


def size(x):
    return jnp.size(x)


def take(x, indices, axis=None):
    """`jnp.take`; `indices` may be a list, as in Keras."""
    return jnp.take(x, jnp.asarray(indices), axis=axis)


def take_along_axis(x, indices, axis=None):
    return jnp.take_along_axis(x, jnp.asarray(indices), axis=axis)


def tri(N, M=None, k: int = 0, dtype=None):  # noqa: N803 - Keras's names
    return jnp.tri(N, M=M, k=k, dtype=_floatx(dtype))


def unique(x, sorted: bool = True, return_index: bool = False,  # noqa: A002 - Keras's name
           return_inverse: bool = False, return_counts: bool = False, axis=None, size=None,
           fill_value=None):
    """`jnp.unique` with Keras's argument order; pass `size` to use it under `jit`."""
    return jnp.unique(x, return_index=return_index, return_inverse=return_inverse,
                      return_counts=return_counts, axis=axis, equal_nan=False, size=size,
                      sorted=sorted, fill_value=fill_value)


def vectorize(pyfunc, *, excluded=None, signature=None):
    if not callable(pyfunc):
        raise ValueError(f"Expected `pyfunc` to be a callable. Received: pyfunc={pyfunc}")
    return jnp.vectorize(pyfunc, excluded=excluded or set(), signature=signature)


def view(x, dtype=None):
    """The same bytes seen as `dtype`."""
    return jnp.asarray(x).view(dtype)


def where(condition, x1=None, x2=None):
    if x1 is None and x2 is None:
        return jnp.nonzero(condition)
    return jnp.where(condition, x1, x2)


def zeros(shape, dtype=None):
    return jnp.zeros(shape, dtype=_floatx(dtype))


def zeros_like(x, dtype=None):
    return jnp.zeros_like(x, dtype=dtype)


__all__ = sorted([*_SAME_AS_JNP, "arange", "array", "bartlett", "blackman", "clip",
                  "concatenate", "digitize", "divide_no_nan", "empty", "empty_like", "eye",
                  "full", "full_like", "geomspace", "get_item", "hamming", "hanning", "identity",
                  "kaiser", "linspace", "logspace", "mean", "ones", "ones_like", "pad",
                  "reshape", "select", "size", "slogdet", "take", "take_along_axis", "tri",
                  "unique", "vectorize", "view", "where", "zeros", "zeros_like"])
