"""Convolution layers against Keras 3 (oracle): outputs, weights, shapes, configs, gradients."""

import numpy as np
import pytest
from test_layers_core import finite_difference_check

import lamina
from lamina import layers

keras = pytest.importorskip("keras")


def check_against_keras(name, kwargs, shape, atol=1e-5, grad=True, seed=0):
    """Build `name` in lamina and Keras, copy Keras's weights, compare everything we promise."""
    x = np.random.default_rng(seed).normal(size=shape).astype("float32")
    theirs = getattr(keras.layers, name)(**kwargs)
    expected = np.asarray(theirs(x))
    ours = getattr(layers, name)(**kwargs)
    ours.build(x.shape)
    ours.built = True
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    got = np.asarray(ours(x))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=atol, rtol=1e-5)
    none_batch = (None, *shape[1:])
    assert tuple(ours.compute_output_shape(none_batch)) == tuple(
        theirs.compute_output_shape(none_batch))
    assert ours.count_params() == theirs.count_params()
    config = ours.get_config()
    missing = set(theirs.get_config()) - set(config) - {"quantization_config"}
    assert not missing, missing
    clone = type(ours).from_config(config)
    assert clone.get_config() == config
    if grad:
        finite_difference_check(ours, x)
    return ours, theirs


CONV_CASES = [
    ("Conv1D", dict(filters=4, kernel_size=3), (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2), (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=2, padding="same", strides=2), (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=3, groups=2, use_bias=False), (2, 8, 4)),
    ("Conv1D", dict(filters=3, kernel_size=3, data_format="channels_first"), (2, 2, 8)),
    ("Conv2D", dict(filters=4, kernel_size=3, activation="relu"), (2, 7, 6, 3)),
    ("Conv2D", dict(filters=4, kernel_size=(3, 2), padding="same", strides=(2, 1)), (2, 7, 6, 3)),
    ("Conv2D", dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"), (2, 7, 7, 2)),
    ("Conv2D", dict(filters=6, kernel_size=2, groups=3, activation="tanh"), (2, 5, 5, 3)),
    ("Conv2D", dict(filters=4, kernel_size=3, data_format="channels_first", padding="same"),
     (2, 3, 6, 5)),
    ("Conv3D", dict(filters=2, kernel_size=2), (2, 4, 5, 3, 2)),
    ("Conv3D", dict(filters=3, kernel_size=(3, 1, 2), strides=2, padding="same"),
     (2, 5, 4, 6, 2)),
    ("Conv3D", dict(filters=2, kernel_size=2, data_format="channels_first"), (2, 2, 3, 4, 3)),
]


@pytest.mark.parametrize("name,kwargs,shape", CONV_CASES)
def test_conv_matches_keras(name, kwargs, shape):
    check_against_keras(name, kwargs, shape)


def test_conv_regularizers_constraints_and_config():
    kwargs = dict(filters=2, kernel_size=3, kernel_regularizer="l2", bias_regularizer="l1",
                  activity_regularizer="l2", kernel_constraint="max_norm",
                  bias_constraint="non_neg", kernel_initializer="he_normal",
                  bias_initializer="ones", name="c")
    ours, theirs = check_against_keras("Conv2D", kwargs, (2, 5, 5, 1), grad=False)
    config = ours.get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (1, 1)
    assert config["kernel_regularizer"] == keras.regularizers.serialize(
        theirs.kernel_regularizer)
    assert ours.kernel.regularizer is not None and ours.bias.constraint is not None


def test_conv2d_without_channel_axis_names_the_fix():
    layer = layers.Conv2D(8, 3, name="conv")
    with pytest.raises(lamina.errors.ShapeError) as info:
        layer(np.zeros((2, 28, 28), "float32"))
    text = str(info.value)
    assert "'conv' (Conv2D)" in text and "(2, 28, 28)" in text
    assert "x[..., None]" in text and "layers.Reshape((28, 28, 1))" in text
    model_input = lamina.Input((28, 28))
    with pytest.raises(lamina.errors.ShapeError, match="channel axis"):
        layers.Conv2D(8, 3)(model_input)


def test_kernel_larger_than_input_and_bad_filters():
    with pytest.raises(lamina.errors.ShapeError, match="kernel larger than its input"):
        layers.Conv2D(4, 5)(np.zeros((1, 3, 3, 1), "float32"))
    assert layers.Conv2D(4, 5, padding="same")(np.zeros((1, 3, 3, 1), "float32")).shape == (
        1, 3, 3, 4)
    for bad in (0, -2, 2.5):
        with pytest.raises(lamina.errors.ConfigError, match="filters"):
            layers.Conv2D(bad, 3)
    with pytest.raises(lamina.errors.ConfigError, match="groups"):
        layers.Conv2D(5, 3, groups=2)
    with pytest.raises(lamina.errors.ConfigError, match="padding"):
        layers.Conv2D(4, 3, padding="causal")


def test_conv_trains_in_sequential_and_summary_counts():
    ours = lamina.Sequential([layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                              layers.Flatten(), layers.Dense(2)])
    theirs = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                               keras.layers.Flatten(), keras.layers.Dense(2)])
    assert ours.count_params() == theirs.count_params()
    assert ours.layers[0].fuse_steps is True  # the matmul form scans well on XLA:CPU
    first = lamina.Sequential([layers.Input((1, 8, 8)),
                               layers.Conv2D(4, 3, data_format="channels_first")])
    depthwise = lamina.Sequential([layers.Input((8, 8, 2)), layers.DepthwiseConv2D(3)])
    depthwise_first = lamina.Sequential([layers.Input((2, 8, 8)), layers.DepthwiseConv2D(
        3, data_format="channels_first")])
    assert first.layers[0].fuse_steps is False and depthwise_first.layers[0].fuse_steps is False
    assert depthwise.layers[0].fuse_steps is True  # the shifted-window form scans well too


def tutorial_cnn(lib):
    L = lib.layers
    return lib.Sequential([
        L.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
        L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(),
        L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")])


def test_cnn_one_epoch_matches_keras():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(256, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, size=256).astype("int32")
    keras.utils.set_random_seed(0)  # the same start whatever ran before: Adam amplifies the
    theirs, ours = tutorial_cnn(keras), tutorial_cnn(lamina)  # rounding of near-zero grads
    ours.set_weights(theirs.get_weights())
    assert ours.count_params() == theirs.count_params()
    for model, lib in ((theirs, keras), (ours, lamina)):
        model.compile(lib.optimizers.Adam(), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    h_theirs = theirs.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-4)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(ours.predict(x[:16], verbose=0), theirs.predict(x[:16], verbose=0),
                               atol=1e-5)


MORE_CASES = [
    ("Conv1DTranspose", dict(filters=3, kernel_size=3), (2, 5, 2)),
    ("Conv1DTranspose", dict(filters=3, kernel_size=3, strides=2, padding="same"), (2, 5, 2)),
    ("Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2), (2, 4, 5, 2)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=(3, 2), strides=2, padding="same",
                             output_padding=1), (2, 4, 5, 2)),
    ("Conv2DTranspose", dict(filters=2, kernel_size=3, dilation_rate=2,
                             data_format="channels_first"), (2, 3, 4, 5)),
    ("DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2), (2, 7, 3)),
    ("DepthwiseConv2D", dict(kernel_size=3, padding="same", strides=2), (2, 6, 5, 3)),
    ("DepthwiseConv2D", dict(kernel_size=2, depth_multiplier=2, data_format="channels_first"),
     (2, 3, 5, 4)),
    ("SeparableConv1D", dict(filters=4, kernel_size=3, depth_multiplier=2), (2, 7, 3)),
    ("SeparableConv2D", dict(filters=4, kernel_size=3, padding="same", activation="relu"),
     (2, 6, 5, 3)),
    ("SeparableConv2D", dict(filters=2, kernel_size=2, strides=2, use_bias=False,
                             data_format="channels_first"), (2, 3, 6, 4)),
]


@pytest.mark.parametrize("name,kwargs,shape", MORE_CASES)
def test_transpose_depthwise_separable_match_keras(name, kwargs, shape):
    check_against_keras(name, kwargs, shape)
