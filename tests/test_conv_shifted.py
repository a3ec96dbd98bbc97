"""Depthwise convolution as shifted windows (CPU, channels last) equals XLA's grouped
convolution, values and gradients, and the depthwise and separable layers equal Keras's."""

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import lamina
from lamina.layers import conv_im2col as im2col
from lamina.layers import conv_shifted as shifted
from lamina.layers.conv import dimension_numbers

CASES = [
    # (input shape, kernel spatial size, strides, dilation, padding, depth multiplier)
    ((2, 9, 3), (3,), (1,), (2,), "causal", 1),
    ((2, 9, 3), (4,), (2,), (1,), "same", 2),
    ((3, 10, 9, 4), (3, 3), (1, 1), (1, 1), "same", 1),
    ((3, 10, 9, 4), (3, 3), (2, 2), (1, 1), "same", 1),
    ((2, 11, 11, 3), (5, 5), (1, 1), (2, 2), "same", 3),
    ((2, 8, 7, 2), (3, 2), (3, 2), (1, 1), "valid", 2),
]


def grouped(x, kernel, strides, dilation, pads):
    rank, channels, multiplier = kernel.ndim - 2, kernel.shape[-2], kernel.shape[-1]
    return jax.lax.conv_general_dilated(
        x, kernel.reshape(*kernel.shape[:-2], 1, channels * multiplier), strides, pads,
        rhs_dilation=dilation, dimension_numbers=dimension_numbers(rank, "channels_last"),
        feature_group_count=channels)


@pytest.mark.parametrize("shape,size,strides,dilation,padding,multiplier", CASES)
def test_values_and_gradients_equal_the_grouped_convolution(shape, size, strides, dilation,
                                                            padding, multiplier):
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=shape), jnp.float32)
    kernel = jnp.asarray(rng.normal(size=(*size, shape[-1], multiplier)), jnp.float32)
    pads = im2col.explicit_padding(padding, shape[1:-1], size, strides, dilation)
    ours = shifted.depthwise(x, kernel, strides, pads, dilation)
    theirs = grouped(x, kernel, strides, dilation, pads)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    cotangent = jnp.asarray(rng.normal(size=theirs.shape), jnp.float32)
    grads = [jax.grad(lambda a, k, f=f: jnp.sum(f(a, k) * cotangent), argnums=(0, 1))(x, kernel)
             for f in (lambda a, k: shifted.depthwise(a, k, strides, pads, dilation),
                       lambda a, k: grouped(a, k, strides, dilation, pads))]
    for ours_grad, their_grad in zip(*grads):
        np.testing.assert_allclose(ours_grad, their_grad, rtol=1e-4, atol=1e-4)


LAYERS = [
    ("DepthwiseConv2D", dict(kernel_size=3, strides=2, padding="same", depth_multiplier=2),
     (2, 9, 9, 3)),
    ("DepthwiseConv2D", dict(kernel_size=(3, 5), dilation_rate=2, activation="relu"),
     (2, 12, 13, 4)),
    ("DepthwiseConv1D", dict(kernel_size=3, padding="same", dilation_rate=2), (2, 11, 3)),
    ("SeparableConv2D", dict(filters=5, kernel_size=3, padding="same", depth_multiplier=2),
     (2, 8, 8, 3)),
    ("SeparableConv1D", dict(filters=4, kernel_size=2, strides=2), (2, 9, 3)),
    ("DepthwiseConv2D", dict(kernel_size=3, data_format="channels_first"), (2, 3, 7, 7)),
]


@pytest.mark.parametrize("name,kwargs,shape", LAYERS)
def test_layers_equal_keras_and_train_like_it(name, kwargs, shape):
    """Keras's layer with its weights copied in gives the same outputs; one SGD step of a
    small model changes the weights as Keras's does."""
    x = np.random.default_rng(1).normal(size=shape).astype("float32")
    theirs = keras.Sequential([keras.Input(shape[1:]), getattr(keras.layers, name)(**kwargs),
                               keras.layers.Flatten(), keras.layers.Dense(1)])
    ours = lamina.Sequential([lamina.Input(shape[1:]), getattr(lamina.layers, name)(**kwargs),
                              lamina.layers.Flatten(), lamina.layers.Dense(1)])
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)
    y = np.arange(shape[0], dtype="float32")[:, None]
    for model, module in ((theirs, keras), (ours, lamina)):
        model.compile(module.optimizers.SGD(0.01), "mse")
        model.fit(x, y, batch_size=shape[0], epochs=2, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["DepthwiseConv1D", "SeparableConv1D"])
def test_causal_padding_is_refused_as_in_keras(name):
    args = (3,) if name == "DepthwiseConv1D" else (2, 3)
    with pytest.raises(ValueError, match="padding"):
        getattr(keras.layers, name)(*args, padding="causal")
    with pytest.raises(ValueError, match="padding"):
        getattr(lamina.layers, name)(*args, padding="causal")


@pytest.mark.parametrize("kwargs,shape", [
    (dict(filters=4, kernel_size=7, padding="same", groups=4), (2, 9, 9, 4)),  # ConvNeXt's
    (dict(filters=6, kernel_size=3, strides=2, groups=3), (2, 9, 8, 3)),  # two filters each
    (dict(filters=4, kernel_size=3, groups=2), (2, 7, 7, 4)),  # true groups: XLA's path
])
def test_conv_with_one_group_per_channel_equals_keras(kwargs, shape):
    x = np.random.default_rng(2).normal(size=shape).astype("float32")
    theirs = keras.layers.Conv2D(**kwargs)
    ours = lamina.layers.Conv2D(**kwargs)
    expected = np.asarray(theirs(x))
    ours.build(shape)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x), expected, rtol=1e-5, atol=1e-5)
    assert ours._depthwise_form(ours.kernel.shape) == (kwargs["groups"] == shape[-1])
