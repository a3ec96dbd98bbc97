"""EinsumDense and MultiHeadAttention against Keras 3 (the oracle): outputs and attention scores
with copied weights, masks (attention_mask, causal, Embedding(mask_zero=True)), gradients,
configs, one epoch of fit, and .keras / .weights.h5 files both ways."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")

from attention_oracle import RNG, assert_close, normal, same_config  # noqa: E402,F401


# -- EinsumDense ---------------------------------------------------------------------------------
EQUATIONS = [
    ("ab,bc->ac", 4, "c", (3, 5)),
    ("abc,cd->abd", (None, 4), "d", (3, 6, 5)),
    ("abc,cde->abde", (None, 2, 4), "de", (3, 6, 5)),
    ("abcd,cde->abe", (None, 4), "e", (3, 6, 5, 2)),
    ("abc,cd->abd", (6, 4), "b", (3, 6, 5)),
    ("...b,bc->...c", 4, "c", (3, 6, 5)),
    ("ab...,bc->ac...", (4, 6), None, (3, 5, 6)),
]


@pytest.mark.parametrize("equation,output_shape,bias_axes,shape", EQUATIONS)
def test_einsum_dense_matches_keras(equation, output_shape, bias_axes, shape):
    theirs = keras.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes,
                                      activation="tanh")
    ours = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="tanh")
    x = normal(*shape)
    expected = theirs(x)
    ours.build(shape)
    assert [w.path for w in ours.weights] == [f"{ours.name}/{n}" for n in
                                              ("kernel", "bias")[:len(theirs.weights)]]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    assert_close(ours(x), expected)
    symbolic = (None, *shape[1:])
    assert ours.compute_output_shape(symbolic) == theirs.compute_output_shape(symbolic)
    same_config(ours, theirs)


def test_einsum_dense_in_a_functional_model_and_config_round_trip():
    inputs = lamina.Input((6, 5))
    dense = layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d",
                               kernel_regularizer="l2", name="proj")
    outputs = dense(inputs)
    assert outputs.shape == (None, 6, 4)
    model = lamina.Model(inputs, outputs)
    x = normal(2, 6, 5)
    clone = lamina.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert_close(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    revived = layers.deserialize(keras.layers.serialize(keras.layers.EinsumDense(
        "abc,cde->abde", (None, 2, 3), bias_axes="e", name="keras_made")))
    assert isinstance(revived, layers.EinsumDense) and revived.bias_axes == "e"
    assert revived.get_config()["output_shape"] == (None, 2, 3)


def test_einsum_dense_kernel_initializer_counts_einsum_fans():
    """glorot over (in=8, heads=4, dim=16): fans 8 and 64, as Keras, not 8*4 and 16."""
    dense = layers.EinsumDense("abc,cde->abde", (None, 4, 16), kernel_initializer="glorot_uniform")
    dense.build((None, 3, 8))
    limit = np.sqrt(6.0 / (8 + 64))
    kernel = np.asarray(dense.kernel.value)
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit


@pytest.mark.parametrize("equation", ["ab->b", "ab,bc->ad", "ab,bcd->ac"])
def test_einsum_dense_rejects_bad_equations(equation):
    with pytest.raises(ValueError):
        layers.EinsumDense(equation, 4).build((None, 3))


# -- MultiHeadAttention: numbers -----------------------------------------------------------------
def mha_pair(query, value, key=None, **kwargs):
    """The same MultiHeadAttention in Keras and lamina, built on these inputs, Keras's weights
    copied into ours."""
    theirs = keras.layers.MultiHeadAttention(**{"num_heads": 2, "key_dim": 3, **kwargs})
    ours = layers.MultiHeadAttention(**{"num_heads": 2, "key_dim": 3, **kwargs})
    extra = {} if key is None else {"key": key}
    theirs(query, value, return_attention_scores=True, **extra)
    ours(query, value, return_attention_scores=True, **extra)
    assert [w.path.split("/", 1)[1] for w in ours.weights] == \
        [w.path.split("/", 1)[1] for w in theirs.weights]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    return ours, theirs


Q, V, K = normal(2, 4, 6), normal(2, 5, 3), normal(2, 5, 7)
ATTENTION_MASK = RNG.random((2, 4, 5)) > 0.3
CASES = [  # (layer kwargs, query, value, key, call kwargs)
    ({}, Q, Q, None, {}),
    ({}, Q, V, None, {}),
    ({}, Q, V, K, {}),
    ({}, Q, V, None, {"attention_mask": ATTENTION_MASK}),
    ({}, Q, Q, None, {"use_causal_mask": True}),
    ({}, Q, V, None, {"use_causal_mask": True, "attention_mask": ATTENTION_MASK}),
    ({"sliding_window": 2}, Q, Q, None, {"use_causal_mask": True}),
    ({"value_dim": 4, "output_shape": 7, "use_bias": False}, Q, V, None, {}),
    ({"attention_axes": (1, 2)}, normal(2, 3, 4, 5), normal(2, 3, 2, 5), None, {}),
    ({"attention_axes": 2}, normal(2, 3, 4, 5), normal(2, 3, 2, 5), None, {}),
]


@pytest.mark.parametrize("scores", [False, True], ids=["fused", "with_scores"])
@pytest.mark.parametrize("layer_kwargs,query,value,key,call_kwargs", CASES)
def test_mha_matches_keras(layer_kwargs, query, value, key, call_kwargs, scores):
    ours, theirs = mha_pair(query, value, key, **layer_kwargs)
    extra = {} if key is None else {"key": key}
    kwargs = {**call_kwargs, **extra, "return_attention_scores": scores}
    if scores or layer_kwargs.get("value_dim") is None:  # Keras's fused path fails otherwise
        assert_close(ours(query, value, **kwargs), theirs(query, value, **kwargs))
    else:
        assert ours(query, value, **kwargs).shape == (2, 4, 7)
    same_config(ours, theirs)


@pytest.mark.parametrize("scores", [False, True])
def test_mha_reads_embedding_masks_like_keras(scores):
    """Query and value masks from Embedding(mask_zero=True), a fully padded sample included
    (the fused path averages its values, the explicit one gives zeros: as Keras)."""
    tokens = np.array([[3, 5, 2, 0, 0], [4, 0, 0, 0, 0], [0, 0, 0, 0, 0]], "int32")
    other = np.array([[1, 2, 0], [3, 0, 0], [5, 6, 7]], "int32")
    emb_k = keras.layers.Embedding(10, 6, mask_zero=True)
    emb_l = layers.Embedding(10, 6, mask_zero=True)
    emb_k.build((None, 5))
    emb_l.build((None, 5))
    emb_l.set_weights(emb_k.get_weights())
    qk, vk, ql, vl = emb_k(tokens), emb_k(other), emb_l(tokens), emb_l(other)
    ours, theirs = mha_pair(np.asarray(qk), np.asarray(vk))
    expected = theirs(qk, vk, return_attention_scores=scores)
    got = ours(ql, vl, return_attention_scores=scores)
    assert_close(got, expected)
    out = got[0] if scores else got
    np.testing.assert_array_equal(np.asarray(lamina.layers.call_context.get_keras_mask(out)),
                                  tokens != 0)


def test_mha_mask_flows_through_a_functional_model():
    def build(k):
        k.utils.set_random_seed(3)
        inputs = k.Input((5,), dtype="int32")
        x = k.layers.Embedding(12, 8, mask_zero=True)(inputs)
        x = k.layers.MultiHeadAttention(2, 4)(x, x)
        return k.Model(inputs, k.layers.GlobalAveragePooling1D()(x))

    theirs, ours = build(keras), build(lamina)
    ours.set_weights(theirs.get_weights())
    tokens = np.array([[3, 5, 2, 0, 0], [4, 9, 1, 7, 2]], "int32")
    assert_close(ours.predict(tokens, verbose=0), theirs.predict(tokens, verbose=0))


def test_mha_gradients_match_keras():
    ours, theirs = mha_pair(Q, V)

    def loss_of(layer):
        def loss(weights, query, value):
            out, _ = layer.stateless_call(weights, [], query, value,
                                          attention_mask=ATTENTION_MASK)
            return jnp.sum(jnp.tanh(out))
        return jax.grad(loss, argnums=(0, 1, 2))

    got = loss_of(ours)([jnp.asarray(w) for w in ours.get_weights()], Q, V)
    expected = loss_of(theirs)([jnp.asarray(w) for w in theirs.get_weights()], Q, V)
    assert_close(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(expected))


def test_mha_dropout_acts_only_in_training():
    ours = layers.MultiHeadAttention(2, 3, dropout=0.5, seed=1)
    out, scores = ours(Q, Q, return_attention_scores=True)
    again, _ = ours(Q, Q, return_attention_scores=True)
    assert_close(out, again)
    train, train_scores = ours(Q, Q, return_attention_scores=True, training=True)
    assert not np.allclose(np.asarray(train), np.asarray(out))
    assert_close(train_scores, scores)  # Keras returns the scores before dropout
    assert len(ours.non_trainable_variables) == 1  # the SeedGenerator's state, as Keras


# -- MultiHeadAttention: models, training, files ------------------------------------------------
def transformer_block(k, mask_zero=False, dropout=0.0, seed=7):
    k.backend.clear_session()  # the same layer names (and weight paths) in both
    k.utils.set_random_seed(seed)
    inputs = k.Input((6,), dtype="int32")
    x = k.layers.Embedding(20, 8, mask_zero=mask_zero)(inputs)
    attention = k.layers.MultiHeadAttention(2, 4, dropout=dropout)(x, x, use_causal_mask=True)
    x = k.layers.LayerNormalization()(k.layers.Add()([x, attention]))
    x = k.layers.GlobalAveragePooling1D()(x)
    return k.Model(inputs, k.layers.Dense(3, activation="softmax")(x))


TOKENS = RNG.integers(1, 20, size=(16, 6)).astype("int32")
TOKENS[:, 4:] = 0
LABELS = RNG.integers(0, 3, size=(16,))


def test_transformer_block_fit_matches_keras():
    theirs, ours = transformer_block(keras), transformer_block(lamina)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    expected = theirs.fit(TOKENS, LABELS, batch_size=4, epochs=1, shuffle=False, verbose=0)
    got = ours.fit(TOKENS, LABELS, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for name in ("loss", "accuracy"):
        np.testing.assert_allclose(got.history[name], expected.history[name], atol=1e-4)
    assert_close(ours.get_weights(), theirs.get_weights(), atol=1e-4)


def test_masked_transformer_block_matches_keras():
    theirs, ours = transformer_block(keras, mask_zero=True), transformer_block(lamina, True)
    ours.set_weights(theirs.get_weights())
    assert_close(ours.predict(TOKENS, verbose=0), theirs.predict(TOKENS, verbose=0))


def test_transformer_block_files_load_both_ways(tmp_path):
    theirs = transformer_block(keras, dropout=0.1)
    expected = theirs.predict(TOKENS, verbose=0)
    theirs.save(tmp_path / "keras.keras")
    theirs.save_weights(tmp_path / "keras.weights.h5")
    ours = lamina.models.load_model(tmp_path / "keras.keras")
    assert_close(ours.predict(TOKENS, verbose=0), expected)
    attention = ours.layers[2]
    assert isinstance(attention, layers.MultiHeadAttention) and attention.dropout == 0.1
    ours.save(tmp_path / "lamina.keras")
    ours.save_weights(tmp_path / "lamina.weights.h5")
    assert_close(keras.models.load_model(tmp_path / "lamina.keras").predict(TOKENS, verbose=0),
                 expected)
    fresh_ours, fresh_theirs = transformer_block(lamina, seed=1), transformer_block(keras, seed=1)
    fresh_ours.load_weights(tmp_path / "keras.weights.h5")
    fresh_theirs.load_weights(tmp_path / "lamina.weights.h5")
    assert_close(fresh_ours.predict(TOKENS, verbose=0), expected)
    assert_close(fresh_theirs.predict(TOKENS, verbose=0), expected)
    theirs.save(tmp_path / "keras.h5")
    ours.save(tmp_path / "lamina.h5")
    assert_close(lamina.models.load_model(tmp_path / "keras.h5").predict(TOKENS, verbose=0),
                 expected)
    assert_close(keras.models.load_model(tmp_path / "lamina.h5").predict(TOKENS, verbose=0),
                 expected)
    node = ours.get_config()["layers"][2]["inbound_nodes"][0]
    assert node == theirs.get_config()["layers"][2]["inbound_nodes"][0]


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,text", [
    (dict(num_heads=0, key_dim=2), "num_heads=0"),
    (dict(num_heads=2, key_dim=-1), "key_dim=-1"),
    (dict(num_heads=2, key_dim=2, attention_axes="x"), "attention_axes"),
])
def test_mha_rejects_bad_arguments(kwargs, text):
    with pytest.raises(ValueError, match=text):
        layers.MultiHeadAttention(**kwargs)


def test_mha_rejects_key_value_mismatch_and_missing_value():
    with pytest.raises(ValueError, match="value_shape"):
        layers.MultiHeadAttention(2, 3)(Q, V, key=normal(2, 4, 3))
    with pytest.raises(ValueError, match="value"):
        layers.MultiHeadAttention(2, 3)(Q)


@pytest.mark.parametrize("masked,causal", [(False, False), (True, False), (False, True),
                                           (True, True)])
def test_fused_core_equals_jax_dot_product_attention_with_gradients(masked, causal):
    """MultiHeadAttention's fused path (a hand-written softmax backward, faster on XLA:CPU)
    gives jax.nn.dot_product_attention's values and gradients, masks included (a fully
    masked row averages the values, as in Keras)."""
    from lamina.layers.attention import dot_product

    keys = jax.random.split(jax.random.key(1), 4)
    b, t, n, h = 3, 5, 2, 4
    s = t if causal else 7
    q = jax.random.normal(keys[0], (b, t, n, h))
    k = jax.random.normal(keys[1], (b, s, n, h))
    v = jax.random.normal(keys[2], (b, s, n, h))
    mask = None
    if masked:
        mask = jax.random.bernoulli(keys[3], 0.7, (b, t, s)).at[0, 1].set(False)

    def ours(q, k, v):
        return dot_product.fused_attention(q, k, v, mask, 0.3, causal)

    def reference(q, k, v):
        return jax.nn.dot_product_attention(
            q, k, v, mask=dot_product.expand_mask(mask, 4, 1), scale=0.3, is_causal=causal,
            implementation="xla")

    np.testing.assert_allclose(ours(q, k, v), reference(q, k, v), atol=1e-6)
    grads = [jax.jit(jax.grad(lambda *a: jnp.sum(jnp.sin(f(*a))), argnums=(0, 1, 2)))(q, k, v)
             for f in (ours, reference)]
    for mine, expected in zip(*grads):
        np.testing.assert_allclose(mine, expected, atol=1e-5)
