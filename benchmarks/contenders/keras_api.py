"""The Keras-API contenders: one model per workload, fit(verbose=0), timed by a Callback.

mobilenet_finetune fine-tunes a MobileNetV2 base under a new head; resnet50_predict times
`keras.applications.ResNet50(weights=None).predict` instead of training.

`--api lamina` (`import lamina as keras`), `--api keras-jax` (Keras 3, KERAS_BACKEND=jax) or
`--api tf-keras` (`tf.keras` from tensorflow-cpu; Keras 3 on the TensorFlow backend for TF >= 2.16).
Every framework keeps its own defaults (compile, steps_per_execution, jit); `--policy` sets a
dtype policy before the model is built (the accelerator run's float32 / mixed_bfloat16).
"""

from __future__ import annotations

import os
from types import ModuleType

import child

BACKENDS = {"lamina": "jax", "keras-jax": "jax", "tf-keras": "tensorflow"}


def import_keras(api: str) -> ModuleType:
    """The `keras` module of the contender `api`."""
    os.environ["KERAS_BACKEND"] = BACKENDS[api]
    if api == "lamina":
        import lamina as keras
    elif api == "keras-jax":
        import keras
    else:
        import tensorflow as tf
        keras = tf.keras
    return keras


def token_and_position_embedding(keras: ModuleType):
    """keras.io's `TokenAndPositionEmbedding` (text classification with a transformer): token
    embeddings plus learned position embeddings, written as a user writes a custom layer."""
    layers, ops = keras.layers, keras.ops

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            positions = ops.arange(start=0, stop=ops.shape(x)[-1], step=1)
            return self.token_emb(x) + self.pos_emb(positions)

    return TokenAndPositionEmbedding


def build_transformer(keras: ModuleType):
    """Embedding + learned positions, post-norm encoder blocks (MultiHeadAttention + FFN, each
    with dropout, a residual and LayerNormalization), GlobalAveragePooling1D, Dense softmax."""
    layers, cfg = keras.layers, child.TRANSFORMER
    inputs = layers.Input((cfg["seq_len"],), dtype="int32")
    x = token_and_position_embedding(keras)(cfg["seq_len"], cfg["vocab"], cfg["embed_dim"])(inputs)
    for _ in range(cfg["blocks"]):
        attention = layers.MultiHeadAttention(num_heads=cfg["heads"], key_dim=cfg["key_dim"])(x, x)
        x = layers.LayerNormalization(epsilon=cfg["epsilon"])(
            layers.Add()([x, layers.Dropout(cfg["dropout"])(attention)]))
        ffn = layers.Dense(cfg["ff_dim"], activation="relu")(x)
        ffn = layers.Dense(cfg["embed_dim"])(ffn)
        x = layers.LayerNormalization(epsilon=cfg["epsilon"])(
            layers.Add()([x, layers.Dropout(cfg["dropout"])(ffn)]))
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(cfg["classes"], activation="softmax")(x)
    return keras.Model(inputs, outputs)


def build_finetune(keras: ModuleType):
    """The fine-tuning stage of keras.io's transfer-learning guide: a MobileNetV2 base
    (weights=None, include_top=False) called with training=False (BatchNormalization keeps
    inference mode) and unfrozen, then GlobalAveragePooling2D and a Dense softmax head."""
    cfg, shape = child.FINETUNE, child.INPUT_SHAPES["mobilenet_finetune"]
    base = keras.applications.MobileNetV2(input_shape=shape, alpha=cfg["alpha"],
                                          include_top=False, weights=None)
    base.trainable = True
    inputs = keras.Input(shape)
    x = keras.layers.GlobalAveragePooling2D()(base(inputs, training=False))
    outputs = keras.layers.Dense(cfg["classes"], activation="softmax")(x)
    return keras.Model(inputs, outputs)


def build(keras: ModuleType, workload: str):
    """The workload's model, compiled with Adam (1e-4 when fine-tuning, else 1e-3) and sparse
    categorical crossentropy."""
    if workload == "transformer":
        model = build_transformer(keras)
    elif workload == "mobilenet_finetune":
        model = build_finetune(keras)
    else:
        model = sequential(keras, workload)
    rate = child.FINETUNE["learning_rate"] if workload == "mobilenet_finetune" else \
        child.LEARNING_RATE
    model.compile(optimizer=keras.optimizers.Adam(rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def sequential(keras: ModuleType, workload: str):
    """The tutorial's MLP, CNN or LSTM as a Sequential model."""
    layers = keras.layers
    cnn = [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
           layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
           layers.Flatten(), layers.Dense(128, activation="relu")]
    body = {
        "mlp": [layers.Flatten(), layers.Dense(128, activation="relu"),
                layers.Dropout(child.DROPOUT), layers.Dense(64, activation="relu")],
        "cnn": cnn,
        "augment": [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1),
                    layers.RandomZoom(0.1), *cnn],
        "lstm": [layers.LSTM(128)],
    }[workload]
    return keras.Sequential([layers.Input(child.INPUT_SHAPES[workload]), *body,
                             layers.Dense(10, activation="softmax")])


def predict_passes(keras: ModuleType, data: child.Data, passes: int,
                   clock: child.EpochClock) -> None:
    """resnet50_predict: `keras.applications.ResNet50(weights=None)` predicts every image in
    batches of 32, `passes` times, each pass timed as an "epoch" (the first one compiles)."""
    model = keras.applications.ResNet50(weights=None)
    for _ in range(passes):
        clock.begin()
        model.predict(data.x, batch_size=child.BATCH, verbose=0)
        clock.end()


def main() -> None:
    """Train, evaluate, time single-sample predict and report (resnet50_predict: predict only,
    no accuracy)."""
    p = child.parser(__doc__.splitlines()[0])
    p.add_argument("--api", choices=sorted(BACKENDS), required=True)
    p.add_argument("--policy", help="a dtype policy set before building, e.g. mixed_bfloat16")
    args = p.parse_args()
    keras = import_keras(args.api)
    if args.policy:  # benchmarks/accelerator.py's runs; Keras 3's call in lamina and keras-jax
        keras.config.set_dtype_policy(args.policy)
    data = child.load(args.workload, args.train_limit, args.test_limit)
    keras.utils.set_random_seed(args.seed)
    clock = child.EpochClock()

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            clock.begin()

        def on_epoch_end(self, epoch, logs=None):
            clock.end()

    if args.workload == "resnet50_predict":
        predict_passes(keras, data, args.epochs, clock)
        child.report(clock, float("nan"))
        return
    model = build(keras, args.workload)
    model.fit(data.x, data.y, batch_size=child.BATCH, epochs=args.epochs, verbose=0,
              callbacks=[Timer()])
    accuracy = model.evaluate(data.x_test, data.y_test, verbose=0)[1]
    latency = None
    if args.predict_calls:
        latency = child.predict_latency(lambda s: model.predict(s, verbose=0),
                                        data.x_test[:1], args.predict_calls)
    child.report(clock, accuracy, latency)


if __name__ == "__main__":
    main()
