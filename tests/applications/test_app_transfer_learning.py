"""The keras.io transfer-learning guide's flow on real Fashion-MNIST (32x32x3, the grey channel
repeated) with MobileNetV2(alpha=0.35, weights=None): the base is first pre-trained briefly
(ImageNet weights cannot be downloaded here and random weights have no features), then frozen
under a new head (`base(x, training=False)`), then unfrozen and fine-tuned at a low learning
rate. The frozen phase leaves every base weight alone, BatchNorm statistics included, and
fine-tuning keeps them too (the base still runs in inference mode) while it moves the kernels."""

import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.applications import mobilenet_v2

# about 95 CPU-seconds: in `make test-applications` with the architecture corpus
pytestmark = [pytest.mark.integration, pytest.mark.applications_full]


def prepare(images: np.ndarray) -> np.ndarray:
    """28x28 grey -> 32x32x3 (zero border, channel repeated), scaled to [-1, 1]."""
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., None].repeat(3, axis=-1)
    return mobilenet_v2.preprocess_input(images.astype("float32"))


def compile_classifier(model, learning_rate: float) -> None:
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])


def pretrained_base(x, y):
    """MobileNetV2 trained briefly on (x, y). Its BatchNorm momentum (0.999, for long ImageNet
    runs) is lowered to 0.9 so that a few hundred steps settle the moving statistics that
    inference mode (`training=False`) uses."""
    base = keras.applications.MobileNetV2(alpha=0.35, weights=None, include_top=False,
                                          input_shape=(32, 32, 3))
    for layer in base.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = 0.9
    pretrain = keras.Sequential([base, layers.GlobalAveragePooling2D(), layers.Dense(10)])
    compile_classifier(pretrain, 2e-3)
    pretrain.fit(x, y, batch_size=32, epochs=2, verbose=0)
    return base


def snapshot(base) -> dict:
    return {w.path: np.array(w) for w in base.weights}


def test_transfer_learning_guide_flow(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    x, y = prepare(x_train[:3000]), y_train[:3000]
    x_val, y_val = prepare(x_test[:1000]), y_test[:1000]
    keras.utils.set_random_seed(0)
    base_model = pretrained_base(x, y)

    base_model.trainable = False
    inputs = keras.Input(shape=(32, 32, 3))
    z = base_model(inputs, training=False)
    z = layers.GlobalAveragePooling2D()(z)
    z = layers.Dropout(0.2)(z)
    outputs = layers.Dense(10)(z)
    model = keras.Model(inputs, outputs)
    compile_classifier(model, 1e-3)
    before = snapshot(base_model)
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    after_head = snapshot(base_model)
    for path, value in before.items():
        np.testing.assert_array_equal(after_head[path], value, err_msg=path)
    _, head_accuracy = model.evaluate(x_val, y_val, verbose=0)
    # Chance is 0.1. Keras 3 with this code: 0.593 after the head phase, 0.593 after tuning.
    assert head_accuracy >= 0.5, head_accuracy

    base_model.trainable = True
    compile_classifier(model, 1e-5)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    _, tuned_accuracy = model.evaluate(x_val, y_val, verbose=0)
    # 1e-5 moves the weights very little: accuracy must not fall (by more than 5 of 1000).
    assert tuned_accuracy >= head_accuracy - 0.005, (head_accuracy, tuned_accuracy)
    tuned = snapshot(base_model)
    moved = [p for p in before if not np.array_equal(tuned[p], before[p])]
    assert moved and all(not p.endswith(("moving_mean", "moving_variance")) for p in moved)
    assert any(p.endswith("kernel") for p in moved)
