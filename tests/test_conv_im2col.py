"""The matmul form of small CPU convolutions equals lax.conv_general_dilated, values and
gradients, for every padding, stride and dilation the Conv layers accept."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lamina import layers
from lamina.layers import conv_im2col as im2col
from lamina.layers.conv import dimension_numbers

CASES = [
    # (input shape, kernel spatial size, strides, dilation, padding)
    ((2, 9, 3), (3,), (1,), (2,), "causal"),
    ((2, 9, 3), (2,), (2,), (1,), "same"),
    ((3, 10, 9, 2), (3, 3), (1, 1), (1, 1), "valid"),
    ((3, 10, 9, 2), (3, 2), (2, 1), (1, 1), "same"),
    ((2, 11, 11, 4), (3, 3), (1, 1), (2, 2), "same"),
    ((2, 8, 7, 3), (5, 5), (3, 2), (1, 1), "valid"),
    ((2, 6, 5, 4, 2), (3, 1, 2), (2, 2, 1), (1, 1, 1), "same"),
    ((2, 7, 7, 3), (1, 1), (1, 1), (1, 1), "valid"),
]


def reference(x, kernel, strides, dilation, pads):
    rank = kernel.ndim - 2
    return jax.lax.conv_general_dilated(x, kernel, strides, pads, rhs_dilation=dilation,
                                        dimension_numbers=dimension_numbers(rank,
                                                                            "channels_last"))


@pytest.mark.parametrize("shape,size,strides,dilation,padding", CASES)
def test_values_and_gradients_equal_lax_conv(shape, size, strides, dilation, padding):
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=shape), jnp.float32)
    kernel = jnp.asarray(rng.normal(size=(*size, shape[-1], 5)), jnp.float32)
    pads = im2col.explicit_padding(padding, shape[1:-1], size, strides, dilation)
    ours = im2col.convolve(x, kernel, strides, pads, dilation)
    theirs = reference(x, kernel, strides, dilation, pads)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    if padding != "causal":  # XLA's own padding strings agree with the explicit pads
        np.testing.assert_allclose(
            reference(x, kernel, strides, dilation, padding.upper()), theirs, atol=1e-6)
    cotangent = jnp.asarray(rng.normal(size=theirs.shape), jnp.float32)
    grads = [jax.grad(lambda a, k, f=f: jnp.sum(f(a, k) * cotangent), argnums=(0, 1))(x, kernel)
             for f in (lambda a, k: im2col.convolve(a, k, strides, pads, dilation),
                       lambda a, k: reference(a, k, strides, dilation, pads))]
    for ours_grad, their_grad in zip(*grads):
        np.testing.assert_allclose(ours_grad, their_grad, rtol=1e-4, atol=1e-4)


def test_only_small_channels_last_single_group_convolutions_use_it():
    assert im2col.usable((32, 28, 28, 1), (3, 3, 1, 32), (1, 1), (1, 1), "channels_last", 1)
    assert not im2col.usable((32, 1, 28, 28), (3, 3, 1, 32), (1, 1), (1, 1), "channels_first", 1)
    assert not im2col.usable((32, 28, 28, 4), (3, 3, 2, 8), (1, 1), (1, 1), "channels_last", 2)
    assert not im2col.usable((8, 224, 224, 64), (3, 3, 64, 64), (1, 1), (1, 1),
                             "channels_last", 1)  # 28M window elements per sample
    assert not im2col.usable((32, 28, 28, 64), (3, 3, 64, 64), (1, 1), (1, 1),
                             "channels_last", 1)  # 451k: XLA's convolution is faster
    assert im2col.usable((32, 56, 56, 256), (1, 1, 256, 64), (1, 1), (1, 1),
                         "channels_last", 1)  # 1x1: a matmul at any size


def test_a_conv_layer_takes_the_matmul_form_and_matches_lax():
    layer = layers.Conv2D(6, 3, padding="same", strides=2)
    x = np.random.default_rng(1).normal(size=(2, 9, 8, 3)).astype("float32")
    out = np.asarray(layer(x))
    pads = im2col.explicit_padding("same", (9, 8), (3, 3), (2, 2), (1, 1))
    expected = reference(jnp.asarray(x), layer.kernel.value, (2, 2), (1, 1), pads) + \
        layer.bias.value
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert out.shape == (2, 5, 4, 6)
