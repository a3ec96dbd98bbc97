"""layers.Attention and layers.AdditiveAttention against Keras 3 (the oracle): outputs and
attention scores with copied weights (dot / concat, use_scale, key, explicit and Embedding
masks, causal mask), dropout only in training, configs, one epoch of fit of a functional model,
and .keras files both ways."""

import numpy as np
import pytest

import lamina
from lamina import layers

keras = pytest.importorskip("keras")

from attention_oracle import RNG, normal, same_config  # noqa: E402
from attention_oracle import assert_close as _assert_close  # noqa: E402


def assert_close(ours, theirs, atol=1e-6):
    _assert_close(ours, theirs, atol)


Q, V, K = normal(3, 4, 5), normal(3, 6, 5), normal(3, 6, 5)
Q_MASK = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]], bool)
V_MASK = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], bool)


def pair(name, **kwargs):
    """(ours, theirs), built on Q / V / K, ours holding Keras's weights (perturbed so that
    `scale` and `concat_score_weight` are not all ones)."""
    theirs, ours = getattr(keras.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    theirs.build([Q.shape, V.shape, K.shape])
    ours.build([Q.shape, V.shape, K.shape])
    assert [w.path for w in ours.weights] == [w.path.replace(theirs.name, ours.name)
                                              for w in theirs.weights]
    theirs.set_weights([w * 0.7 + 0.1 for w in theirs.get_weights()])
    ours.set_weights(theirs.get_weights())
    return ours, theirs


LAYERS = [("Attention", {}), ("Attention", {"use_scale": True}),
          ("Attention", {"score_mode": "concat"}),
          ("Attention", {"score_mode": "concat", "use_scale": True}),
          ("AdditiveAttention", {}), ("AdditiveAttention", {"use_scale": False})]
CALLS = [
    ([Q, V], {}),
    ([Q, V, K], {"return_attention_scores": True}),
    ([Q, V, K], {"mask": [Q_MASK, V_MASK], "return_attention_scores": True}),
    ([Q, V], {"mask": [None, V_MASK]}),
    ([Q, V], {"use_causal_mask": True, "return_attention_scores": True}),
    ([Q, V, K], {"mask": [Q_MASK, V_MASK], "use_causal_mask": True,
                 "return_attention_scores": True}),
]


@pytest.mark.parametrize("name,kwargs", LAYERS)
@pytest.mark.parametrize("inputs,call_kwargs", CALLS)
def test_matches_keras(name, kwargs, inputs, call_kwargs):
    ours, theirs = pair(name, **kwargs)
    assert_close(ours(inputs, **call_kwargs), theirs(inputs, **call_kwargs))
    same_config(ours, theirs)


def test_reads_embedding_masks_like_keras():
    tokens = np.array([[3, 5, 2, 0], [4, 0, 0, 0], [0, 0, 0, 0]], "int32")
    other = np.array([[1, 2, 0], [3, 0, 0], [5, 6, 7]], "int32")
    emb_k, emb_l = keras.layers.Embedding(10, 5, mask_zero=True), layers.Embedding(10, 5,
                                                                                   mask_zero=True)
    emb_k.build((None, 4))
    emb_l.build((None, 4))
    emb_l.set_weights(emb_k.get_weights())
    ours, theirs = pair("Attention", use_scale=True)
    expected = theirs([emb_k(tokens), emb_k(other)], return_attention_scores=True)
    got = ours([emb_l(tokens), emb_l(other)], return_attention_scores=True)
    assert_close(got, expected)
    np.testing.assert_array_equal(
        np.asarray(lamina.layers.call_context.get_keras_mask(got[0])), tokens != 0)


def test_dropout_acts_only_in_training():
    ours = layers.Attention(dropout=0.5, seed=1)
    out, scores = ours([Q, V], return_attention_scores=True)
    assert_close(out, layers.Attention()([Q, V]))
    train, train_scores = ours([Q, V], return_attention_scores=True, training=True)
    assert not np.allclose(np.asarray(train), np.asarray(out))
    dropped = np.asarray(train_scores)
    assert np.all((dropped == 0) | np.isclose(dropped, 2 * np.asarray(scores)))
    assert (dropped == 0).any()


def test_config_round_trip_and_errors():
    layer = layers.AdditiveAttention(use_scale=False, dropout=0.2, name="add")
    clone = layers.AdditiveAttention.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert "score_mode" not in layer.get_config()
    with pytest.raises(ValueError, match="Received: score_mode=general"):
        layers.Attention(score_mode="general")
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layers.Attention()(Q)
    with pytest.raises(ValueError, match="Received length: 1"):
        layers.Attention()([Q])
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([Q, V], mask=V_MASK)


# -- in a functional model: fit and files -----------------------------------------------------
def attention_model(k, seed=5):
    k.backend.clear_session()  # the same layer names (and weight paths) in both
    k.utils.set_random_seed(seed)
    query_in, value_in = k.Input((4,), dtype="int32"), k.Input((6,), dtype="int32")
    embedding = k.layers.Embedding(20, 8, mask_zero=True)
    query, value = embedding(query_in), embedding(value_in)
    attended = k.layers.Attention(use_scale=True, score_mode="concat")([query, value])
    added = k.layers.AdditiveAttention()([query, value, value])
    x = k.layers.Concatenate()([k.layers.GlobalAveragePooling1D()(attended),
                                k.layers.GlobalAveragePooling1D()(added)])
    return k.Model([query_in, value_in], k.layers.Dense(3, activation="softmax")(x))


QUERY_TOKENS = RNG.integers(1, 20, size=(16, 4)).astype("int32")
QUERY_TOKENS[:, 3:] = 0
VALUE_TOKENS = RNG.integers(1, 20, size=(16, 6)).astype("int32")
VALUE_TOKENS[:8, 4:] = 0
LABELS = RNG.integers(0, 3, size=(16,))
DATA = [QUERY_TOKENS, VALUE_TOKENS]


def test_functional_model_predicts_and_fits_like_keras():
    theirs, ours = attention_model(keras), attention_model(lamina)
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    assert_close(ours.predict(DATA, verbose=0), theirs.predict(DATA, verbose=0))
    for model in (theirs, ours):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    expected = theirs.fit(DATA, LABELS, batch_size=4, epochs=1, shuffle=False, verbose=0)
    got = ours.fit(DATA, LABELS, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for name in ("loss", "accuracy"):
        np.testing.assert_allclose(got.history[name], expected.history[name], atol=1e-4)
    assert_close(ours.get_weights(), theirs.get_weights(), atol=1e-4)


def test_keras_files_load_both_ways(tmp_path):
    theirs = attention_model(keras)
    theirs.save(tmp_path / "keras.keras")
    ours = lamina.models.load_model(tmp_path / "keras.keras")
    expected = theirs.predict(DATA, verbose=0)
    assert_close(ours.predict(DATA, verbose=0), expected)
    ours.save(tmp_path / "lamina.keras")
    assert_close(keras.models.load_model(tmp_path / "lamina.keras").predict(DATA, verbose=0),
                 expected)
