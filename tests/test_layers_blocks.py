"""Wrapper, SpectralNormalization, adaptive pooling and ReversibleEmbedding against Keras 3 (the
oracle): outputs with copied weights, weight names and order, configs both ways, gradients
against finite differences, one epoch of fit, and .keras files both ways."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")

from attention_oracle import assert_close, normal, same_config  # noqa: E402
from test_layers_core import finite_difference_check  # noqa: E402


def weight_paths(layer, drop_first: bool = False) -> list[str]:
    """Weight paths without the per-library name counters (`dense_7` -> `dense`), which depend
    on how many layers earlier tests created."""
    paths = [w.path.split("/", 1)[1] if drop_first else w.path for w in layer.weights]
    return [re.sub(r"_\d+(?=/|$)", "", p) for p in paths]


def built_pair(name, args, kwargs, input_shape):
    """`layers.<name>(*args, **kwargs)` in Keras and lamina, built, Keras's weights copied."""
    theirs = getattr(keras.layers, name)(*args(keras), **kwargs)
    ours = getattr(layers, name)(*args(lamina), **kwargs)
    theirs.build(input_shape)
    ours.build(input_shape)
    assert weight_paths(ours, drop_first=True) == weight_paths(theirs, drop_first=True)
    assert [w.trainable for w in ours.weights] == [w.trainable for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    return ours, theirs


# -- Wrapper ----------------------------------------------------------------------------------
def scaled_wrapper(k):
    """A user wrapper the way Keras code subclasses keras.layers.Wrapper."""

    class Scaled(k.layers.Wrapper):
        def __init__(self, layer, factor=2.0, **kwargs):
            super().__init__(layer, **kwargs)
            self.factor = factor

        def call(self, inputs):
            return self.layer(inputs) * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    return Scaled


def test_user_wrapper_builds_its_layer_and_round_trips_its_config():
    x = normal(3, 4)
    ours, theirs = scaled_wrapper(lamina)(layers.Dense(2)), \
        scaled_wrapper(keras)(keras.layers.Dense(2))
    theirs.build((None, 4))
    ours.build((None, 4))
    assert ours.layer.built and weight_paths(ours) == weight_paths(theirs)
    ours.set_weights(theirs.get_weights())
    assert_close(ours(x), theirs(x))
    same_config(ours, theirs)
    clone = type(ours).from_config(ours.get_config())
    assert isinstance(clone.layer, layers.Dense) and clone.factor == 2.0
    with pytest.raises(ValueError, match="isn't a supported layer type"):
        layers.Wrapper("dense")


# -- SpectralNormalization ----------------------------------------------------------------------
SN_CASES = [  # (wrapped layer, power_iterations, input shape)
    (lambda k: [k.layers.Dense(5)], 1, (4, 3)),
    (lambda k: [k.layers.Dense(4, activation="tanh")], 3, (2, 3, 6)),
    (lambda k: [k.layers.Conv2D(3, 2)], 2, (2, 5, 5, 2)),
    (lambda k: [k.layers.Embedding(7, 3)], 1, (2, 4)),
]


@pytest.mark.parametrize("layer,power_iterations,shape", SN_CASES)
def test_spectral_normalization_matches_keras(layer, power_iterations, shape):
    x = normal(*shape) if len(shape) != 2 or shape[1] != 4 else \
        np.arange(8).reshape(shape) % 7
    ours, theirs = built_pair("SpectralNormalization", layer,
                              {"power_iterations": power_iterations}, (None, *shape[1:]))
    for training in (False, True, True):  # training updates the kernel and vector_u
        assert_close(ours(x, training=training), theirs(x, training=training))
        assert_close(ours.get_weights(), theirs.get_weights())
    same_config(ours, theirs)
    revived = layers.deserialize(keras.layers.serialize(theirs))
    assert isinstance(revived.layer, type(ours.layer)) and revived.power_iterations == \
        power_iterations


def test_spectral_normalization_gradient_matches_keras_and_finite_differences():
    """With the power iteration converged, the gradient Keras takes (singular vectors held
    constant) is the true derivative, which central differences measure."""
    x = normal(4, 3)
    ours, theirs = built_pair("SpectralNormalization", lambda k: [k.layers.Dense(5)],
                              {"power_iterations": 20}, (None, 3))
    rng = np.random.default_rng(4)  # singular values 3.07, 1.86, 1.27: converges in 20 steps
    fixed = [rng.normal(size=(3, 5)), rng.normal(size=(1, 5)), np.full(5, 0.1)]
    for layer in (ours, theirs):
        layer.set_weights([w.astype("float32") for w in fixed])

    def output(layer, kernel, bias, u):
        return layer.stateless_call([kernel, bias], [u], x, training=True)[0]

    kernel, bias = (jnp.asarray(w) for w in ours.trainable_weights)
    u = jnp.asarray(ours.vector_u)
    grads = [jax.jit(jax.grad(lambda k, b: jnp.sum(jnp.tanh(output(layer, k, b, u))),
                              argnums=(0, 1)))(kernel, bias) for layer in (ours, theirs)]
    assert_close(list(grads[0]), list(grads[1]))
    finite_difference_check(jax.jit(lambda k: jnp.tanh(output(ours, k, bias, u))), kernel)


def sn_regressor(k):
    k.backend.clear_session()
    k.utils.set_random_seed(3)
    inputs = k.Input((4,))
    x = k.layers.SpectralNormalization(k.layers.Dense(8, activation="relu"),
                                       power_iterations=2)(inputs)
    return k.Model(inputs, k.layers.Dense(1)(x))


def test_spectral_normalization_fit_matches_keras():
    x, y = normal(32, 4), normal(32, 1)
    theirs, ours = sn_regressor(keras), sn_regressor(lamina)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    expected = theirs.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    got = ours.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for name in ("loss", "mae"):
        np.testing.assert_allclose(got.history[name], expected.history[name], atol=1e-4)
    assert_close(ours.get_weights(), theirs.get_weights(), atol=1e-4)  # vector_u included


@pytest.mark.parametrize("layer,text", [
    (lambda: layers.SpectralNormalization(layers.Dense(2), power_iterations=0),
     "power_iterations=0"),
    (lambda: layers.SpectralNormalization(layers.Flatten())(normal(2, 3)),
     "no attribute 'kernel' nor 'embeddings'"),
])
def test_spectral_normalization_rejects_what_keras_rejects(layer, text):
    with pytest.raises(ValueError, match=text):
        layer()


# -- adaptive pooling ---------------------------------------------------------------------------
POOLS = [  # (class, output_size, input spatial shape): windows that overlap, grow, and shrink
    ("AdaptiveAveragePooling1D", 3, (7,)), ("AdaptiveMaxPooling1D", 4, (10,)),
    ("AdaptiveAveragePooling1D", 5, (3,)), ("AdaptiveMaxPooling1D", (1,), (6,)),
    ("AdaptiveAveragePooling2D", (3, 2), (7, 5)), ("AdaptiveMaxPooling2D", 4, (6, 9)),
    ("AdaptiveAveragePooling3D", 2, (3, 5, 4)), ("AdaptiveMaxPooling3D", (3, 1, 2), (4, 4, 5)),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name,output_size,spatial", POOLS)
def test_adaptive_pooling_matches_keras(name, output_size, spatial, data_format):
    shape = (2, *spatial, 3) if data_format == "channels_last" else (2, 3, *spatial)
    x = normal(*shape)
    theirs = getattr(keras.layers, name)(output_size, data_format=data_format)
    ours = getattr(layers, name)(output_size, data_format=data_format)
    assert_close(ours(x), theirs(x), atol=1e-6)
    symbolic = (None, *shape[1:])
    assert ours.compute_output_shape(symbolic) == theirs.compute_output_shape(symbolic)
    same_config(ours, theirs)
    same_config(layers.deserialize(keras.layers.serialize(theirs)), theirs)


@pytest.mark.parametrize("name,output_size,error", [
    ("AdaptiveAveragePooling1D", (2, 2), ValueError),
    ("AdaptiveMaxPooling2D", (2, 2, 2), TypeError), ("AdaptiveAveragePooling3D", "2", TypeError),
])
def test_adaptive_pooling_rejects_bad_output_sizes_like_keras(name, output_size, error):
    with pytest.raises(error, match="output_size"):
        getattr(keras.layers, name)(output_size)
    with pytest.raises(error, match="output_size"):
        getattr(layers, name)(output_size)
    with pytest.raises(ValueError, match="data_format"):
        getattr(layers, name)(2, data_format="channels_middle")


# -- ReversibleEmbedding ------------------------------------------------------------------------
IDS = np.array([[3, 1, 4, 0], [5, 9, 0, 0]], "int32")


@pytest.mark.parametrize("kwargs", [
    {}, {"tie_weights": False}, {"logit_soft_cap": 2.0, "mask_zero": True},
    {"tie_weights": False, "logit_soft_cap": 0.5, "reverse_dtype": "float32"},
])
def test_reversible_embedding_matches_keras(kwargs):
    ours, theirs = built_pair("ReversibleEmbedding", lambda k: [10, 4], kwargs, (None, 4))
    assert_close(ours(IDS), theirs(IDS))
    hidden = normal(2, 4, 4)
    assert_close(ours(hidden, reverse=True), theirs(hidden, reverse=True))
    mask = lamina.layers.call_context.get_keras_mask(ours(IDS))
    assert (mask is None) == (not kwargs.get("mask_zero"))
    if mask is not None:
        np.testing.assert_array_equal(np.asarray(mask), IDS != 0)
    assert ours.compute_output_shape((None, 4, 4), reverse=True) == (None, 4, 10)
    same_config(ours, theirs)
    same_config(layers.deserialize(keras.layers.serialize(theirs)), theirs)


# -- a model of every layer, in files both ways ---------------------------------------------------
def token_model(k):
    """Tied embedding in and out around grouped-query attention, pooled to 3 steps."""
    k.backend.clear_session()
    k.utils.set_random_seed(5)
    tokens = k.Input((6,), dtype="int32")
    embedding = k.layers.ReversibleEmbedding(12, 8, tie_weights=False, logit_soft_cap=3.0)
    x = embedding(tokens)
    x = k.layers.GroupQueryAttention(4, 4, 2)(x, x, use_causal_mask=True)
    logits = embedding(x, reverse=True)
    x = k.layers.AdaptiveAveragePooling1D(3)(logits)
    x = k.layers.AdaptiveMaxPooling1D(2, data_format="channels_first")(x)
    return k.Model(tokens, k.layers.SpectralNormalization(k.layers.Dense(3))(x))


def spatial_model(k):
    """SpectralNormalization(Conv2D) and the 2D / 3D adaptive poolings on two inputs."""
    k.backend.clear_session()
    k.utils.set_random_seed(6)
    image, volume = k.Input((7, 7, 2)), k.Input((2, 5, 6, 4))
    a = k.layers.SpectralNormalization(k.layers.Conv2D(3, 2), power_iterations=2)(image)
    a = k.layers.AdaptiveMaxPooling2D((3, 2))(k.layers.AdaptiveAveragePooling2D(4)(a))
    b = k.layers.AdaptiveAveragePooling3D((1, 2, 3), data_format="channels_first")(volume)
    b = k.layers.AdaptiveMaxPooling3D(1, data_format="channels_first")(b)
    x = k.layers.Concatenate()([k.layers.Flatten()(a), k.layers.Flatten()(b)])
    return k.Model([image, volume], x)


MODELS = {
    "tokens": (token_model, lambda: np.random.default_rng(1).integers(0, 12, (4, 6))),
    "spatial": (spatial_model, lambda: [normal(3, 7, 7, 2), normal(3, 2, 5, 6, 4)]),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_files_load_both_ways(name, tmp_path):
    build, data = MODELS[name]
    x = data()
    theirs = build(keras)
    expected = theirs.predict(x, verbose=0)
    theirs.save(tmp_path / "keras.keras")
    loaded = lamina.models.load_model(tmp_path / "keras.keras")
    assert [w.path for w in loaded.weights] == [w.path for w in theirs.weights]
    assert_close(loaded.predict(x, verbose=0), expected)
    ours = build(lamina)
    ours.set_weights(theirs.get_weights())
    ours.save(tmp_path / "lamina.keras")
    assert_close(keras.models.load_model(tmp_path / "lamina.keras").predict(x, verbose=0),
                 expected)
