"""Transformers written as the keras.io examples write them (custom layers around
MultiHeadAttention, `keras.ops` in `call`) train to well above chance:

- "Text classification with Transformer": `TokenAndPositionEmbedding` + `TransformerBlock` on a
  synthetic review task (IMDB cannot be downloaded here) in which each review carries cue words
  of its class among filler words;
- "Image classification with Vision Transformer": `Patches` (ops.image.extract_patches) +
  `PatchEncoder` + pre-norm blocks on real Fashion-MNIST.
"""

import numpy as np
import pytest

import lamina as keras
from lamina import layers, ops

pytestmark = pytest.mark.integration


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


def cue_word_reviews(n: int, seed: int, maxlen: int = 64, vocab: int = 2000):
    """Reviews of filler words with 6 cue words of their class and 3 of the other."""
    rng = np.random.default_rng(seed)
    x = rng.integers(40, vocab, size=(n, maxlen))
    y = rng.integers(0, 2, size=n)
    cues = np.where(y[:, None] == 1, 20, 0) + rng.integers(0, 20, (n, 6))
    other = np.where(y[:, None] == 1, 0, 20) + rng.integers(0, 20, (n, 3))
    spots = np.argsort(rng.random((n, maxlen)), axis=1)[:, :9]
    np.put_along_axis(x, spots, np.concatenate([cues, other], axis=1), 1)
    return x.astype("int32"), y


def test_text_classification_transformer_learns_and_reloads(tmp_path):
    maxlen, vocab_size, embed_dim = 64, 2000, 32
    x_train, y_train = cue_word_reviews(3000, seed=0)
    x_val, y_val = cue_word_reviews(500, seed=1)
    keras.utils.set_random_seed(7)
    inputs = layers.Input(shape=(maxlen,))
    x = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)(inputs)
    x = TransformerBlock(embed_dim, num_heads=2, ff_dim=32)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=3,
                        validation_data=(x_val, y_val), verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    _, accuracy = model.evaluate(x_val, y_val, verbose=0)
    assert accuracy >= 0.9, accuracy  # chance: 0.5

    path = tmp_path / "text_transformer.keras"
    model.save(path)
    custom = {"TransformerBlock": TransformerBlock,
              "TokenAndPositionEmbedding": TokenAndPositionEmbedding}
    reloaded = keras.saving.load_model(path, custom_objects=custom)
    np.testing.assert_allclose(reloaded.predict(x_val[:64], verbose=0),
                               model.predict(x_val[:64], verbose=0), atol=1e-6)


class Patches(layers.Layer):
    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, images):
        batch_size = ops.shape(images)[0]
        patches = ops.image.extract_patches(images, size=self.patch_size)
        num_patches = ops.shape(patches)[1] * ops.shape(patches)[2]
        patch_dim = ops.shape(patches)[3]
        return ops.reshape(patches, (batch_size, num_patches, patch_dim))


class PatchEncoder(layers.Layer):
    def __init__(self, num_patches, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_patches = num_patches
        self.projection = layers.Dense(units=projection_dim)
        self.position_embedding = layers.Embedding(input_dim=num_patches,
                                                   output_dim=projection_dim)

    def call(self, patch):
        positions = ops.expand_dims(ops.arange(start=0, stop=self.num_patches, step=1), axis=0)
        return self.projection(patch) + self.position_embedding(positions)


def test_vision_transformer_learns_fashion_mnist(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    x_train = (x_train[:12000] / 255.0).astype("float32")[..., None]
    x_test = (x_test[:2000] / 255.0).astype("float32")[..., None]
    y_train, y_test = y_train[:12000], y_test[:2000]
    patch_size, projection_dim, num_heads = 7, 32, 2
    num_patches = (28 // patch_size) ** 2
    keras.utils.set_random_seed(3)
    inputs = keras.Input(shape=(28, 28, 1))
    encoded = PatchEncoder(num_patches, projection_dim)(Patches(patch_size)(inputs))
    for _ in range(2):
        x1 = layers.LayerNormalization(epsilon=1e-6)(encoded)
        attention_output = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=projection_dim, dropout=0.1)(x1, x1)
        x2 = layers.Add()([attention_output, encoded])
        x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
        x3 = layers.Dense(projection_dim * 2, activation=keras.activations.gelu)(x3)
        x3 = layers.Dense(projection_dim)(x3)
        encoded = layers.Add()([x3, x2])
    representation = layers.LayerNormalization(epsilon=1e-6)(encoded)
    representation = layers.GlobalAveragePooling1D()(representation)
    logits = layers.Dense(10)(representation)
    model = keras.Model(inputs=inputs, outputs=logits)
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate=3e-3, weight_decay=1e-4),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    model.fit(x_train, y_train, batch_size=64, epochs=2, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.75, accuracy  # chance: 0.1
