"""GroupQueryAttention against Keras 3 (the oracle): outputs and scores with copied weights,
masks (attention_mask, causal, sliding window, explicit and Embedding(mask_zero=True) masks),
gradients (Keras's and finite differences), dropout, configs, one epoch of fit, and .keras files
both ways."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")

from attention_oracle import RNG, assert_close, normal, same_config  # noqa: E402
from test_layers_core import finite_difference_check  # noqa: E402

HEADS = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}


def gqa_pair(query, value, key=None, **kwargs):
    """The same GroupQueryAttention in Keras and lamina, built on these inputs, Keras's weights
    copied into ours after checking their paths and shapes."""
    kwargs = {**HEADS, **kwargs}
    theirs, ours = keras.layers.GroupQueryAttention(**kwargs), layers.GroupQueryAttention(**kwargs)
    extra = {} if key is None else {"key": key}
    theirs(query, value, **extra)
    ours(query, value, **extra)
    assert [w.path.split("/", 1)[1] for w in ours.weights] == \
        [w.path.split("/", 1)[1] for w in theirs.weights]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    return ours, theirs


Q, V, K = normal(2, 4, 6), normal(2, 5, 6), normal(2, 5, 7)
ATTENTION_MASK = RNG.random((2, 4, 5)) > 0.3
CASES = [  # (layer kwargs, query, value, key, call kwargs)
    ({}, Q, Q, None, {}),
    ({}, Q, V, None, {}),
    ({}, Q, V, K, {}),
    ({}, Q, V, None, {"attention_mask": ATTENTION_MASK}),
    ({}, Q, Q, None, {"use_causal_mask": True}),
    ({}, Q, V, None, {"use_causal_mask": True, "attention_mask": ATTENTION_MASK}),
    ({"sliding_window": 2}, Q, Q, None, {"use_causal_mask": True}),
    ({"num_key_value_heads": 1, "use_bias": False}, Q, V, None, {}),
    ({"num_key_value_heads": 4, "use_gate": True}, Q, V, K, {}),
    ({}, Q, V, None, {"query_mask": RNG.random((2, 4)) > 0.3,
                      "value_mask": RNG.random((2, 5)) > 0.3}),
]


@pytest.mark.parametrize("scores", [False, True], ids=["fused", "with_scores"])
@pytest.mark.parametrize("layer_kwargs,query,value,key,call_kwargs", CASES)
def test_gqa_matches_keras(layer_kwargs, query, value, key, call_kwargs, scores):
    ours, theirs = gqa_pair(query, value, key, **layer_kwargs)
    extra = {} if key is None else {"key": key}
    kwargs = {**call_kwargs, **extra, "return_attention_scores": scores}
    assert_close(ours(query, value, **kwargs), theirs(query, value, **kwargs))
    same_config(ours, theirs)


@pytest.mark.parametrize("scores", [False, True])
def test_gqa_reads_embedding_masks_like_keras(scores):
    """Query and value masks from Embedding(mask_zero=True), a fully padded sample included;
    the output carries the query's mask."""
    tokens = np.array([[3, 5, 2, 0, 0], [4, 0, 0, 0, 0], [0, 0, 0, 0, 0]], "int32")
    other = np.array([[1, 2, 0], [3, 0, 0], [5, 6, 7]], "int32")
    emb_k, emb_l = keras.layers.Embedding(10, 6, mask_zero=True), \
        layers.Embedding(10, 6, mask_zero=True)
    emb_k.build((None, 5))
    emb_l.build((None, 5))
    emb_l.set_weights(emb_k.get_weights())
    qk, vk, ql, vl = emb_k(tokens), emb_k(other), emb_l(tokens), emb_l(other)
    ours, theirs = gqa_pair(np.asarray(qk), np.asarray(vk))
    got = ours(ql, vl, return_attention_scores=scores)
    assert_close(got, theirs(qk, vk, return_attention_scores=scores))
    out = got[0] if scores else got
    np.testing.assert_array_equal(np.asarray(lamina.layers.call_context.get_keras_mask(out)),
                                  tokens != 0)


def test_gqa_gradients_match_keras_and_finite_differences():
    ours, theirs = gqa_pair(Q, V)

    def grads_of(layer):
        def loss(weights, query, value):
            out = layer.stateless_call(weights, [], query, value, use_causal_mask=True,
                                       attention_mask=ATTENTION_MASK)[0]
            return jnp.sum(jnp.tanh(out))
        return jax.grad(loss, argnums=(0, 1, 2))

    got = grads_of(ours)([jnp.asarray(w) for w in ours.get_weights()], Q, V)
    expected = grads_of(theirs)([jnp.asarray(w) for w in theirs.get_weights()], Q, V)
    assert_close(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(expected))
    finite_difference_check(jax.jit(lambda q: jnp.tanh(
        ours(q, V, attention_mask=ATTENTION_MASK))), Q)
    kernel = ours.get_weights()[2]  # the key projection's kernel

    def through_key_kernel(w):
        weights = [jnp.asarray(v) for v in ours.get_weights()]
        weights[2] = w
        return jnp.tanh(ours.stateless_call(weights, [], Q, V)[0])

    finite_difference_check(jax.jit(through_key_kernel), kernel)


def test_gqa_dropout_acts_only_in_training():
    ours = layers.GroupQueryAttention(**HEADS, dropout=0.5, seed=1)
    out, scores = ours(Q, Q, return_attention_scores=True)
    again, _ = ours(Q, Q, return_attention_scores=True)
    assert_close(out, again)
    train, train_scores = ours(Q, Q, return_attention_scores=True, training=True)
    assert not np.allclose(np.asarray(train), np.asarray(out))
    assert_close(train_scores, scores)  # Keras returns the scores before dropout
    assert len(ours.non_trainable_variables) == 1  # the SeedGenerator's state, as Keras


def test_gqa_config_round_trips_both_ways():
    theirs = keras.layers.GroupQueryAttention(**HEADS, dropout=0.1, sliding_window=3,
                                              use_gate=True, kernel_regularizer="l2")
    revived = layers.deserialize(keras.layers.serialize(theirs))
    assert isinstance(revived, layers.GroupQueryAttention)
    assert layers.serialize(revived)["class_name"] == "GroupQueryAttention"
    same_config(revived, theirs)
    again = keras.layers.deserialize(layers.serialize(revived))
    same_config(revived, again)
    clone = layers.GroupQueryAttention.from_config(revived.get_config())
    assert clone.get_config() == revived.get_config()


# -- models and files -----------------------------------------------------------------------------
def decoder(k, seed=7, dropout=0.1, use_gate=False):
    """A masked causal decoder block of the keras.io kind, with grouped-query attention."""
    k.backend.clear_session()  # the same layer names (and weight paths) in both
    k.utils.set_random_seed(seed)
    inputs = k.Input((6,), dtype="int32")
    x = k.layers.Embedding(20, 8, mask_zero=True)(inputs)
    attention = k.layers.GroupQueryAttention(4, 4, 2, dropout=dropout, use_gate=use_gate)(
        x, x, use_causal_mask=True)
    x = k.layers.LayerNormalization()(k.layers.Add()([x, attention]))
    x = k.layers.GlobalAveragePooling1D()(x)
    return k.Model(inputs, k.layers.Dense(3, activation="softmax")(x))


TOKENS = RNG.integers(1, 20, size=(8, 6)).astype("int32")
TOKENS[:, 4:] = 0


def test_decoder_fit_matches_keras():
    theirs, ours = decoder(keras, dropout=0.0, use_gate=True), \
        decoder(lamina, dropout=0.0, use_gate=True)
    ours.set_weights(theirs.get_weights())
    labels = np.arange(len(TOKENS)) % 3
    for model in (theirs, ours):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    expected = theirs.fit(TOKENS, labels, batch_size=4, epochs=1, shuffle=False, verbose=0)
    got = ours.fit(TOKENS, labels, batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(got.history["loss"], expected.history["loss"], atol=1e-4)
    assert_close(ours.get_weights(), theirs.get_weights(), atol=1e-4)


def test_decoder_files_load_both_ways(tmp_path):
    theirs = decoder(keras)
    expected = theirs.predict(TOKENS, verbose=0)
    theirs.save(tmp_path / "keras.keras")
    ours = lamina.models.load_model(tmp_path / "keras.keras")
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    assert_close(ours.predict(TOKENS, verbose=0), expected)
    ours.save(tmp_path / "lamina.keras")
    assert_close(keras.models.load_model(tmp_path / "lamina.keras").predict(TOKENS, verbose=0),
                 expected)
    native = decoder(lamina, seed=1)
    native.load_weights(tmp_path / "keras.keras")
    assert_close(native.predict(TOKENS, verbose=0), expected)


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,text", [
    (dict(num_query_heads=4, num_key_value_heads=3), "divisible"),
    (dict(sliding_window=0), "sliding_window=0"),
    (dict(dropout=0.2, flash_attention=True), "Dropout is not supported"),
])
def test_gqa_rejects_bad_arguments_like_keras(kwargs, text):
    kwargs = {**HEADS, **kwargs}
    with pytest.raises(ValueError, match=text):
        keras.layers.GroupQueryAttention(**kwargs)
    with pytest.raises(ValueError, match=text):
        layers.GroupQueryAttention(**kwargs)


def test_gqa_rejects_mismatched_shapes_in_a_functional_model():
    query, value = lamina.Input((4, 6)), lamina.Input((5, 7))
    with pytest.raises(ValueError, match="query_shape"):
        layers.GroupQueryAttention(**HEADS)(query, value)
    with pytest.raises(ValueError, match="value"):
        layers.GroupQueryAttention(**HEADS)(Q)
