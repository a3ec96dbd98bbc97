"""ConvNeXt's own layers, `LayerScale` and `StochasticDepth` (Keras's, in
`keras.src.applications.convnext`). Saved files name them by that module and their class names,
so `.keras` files of ConvNeXt models load in Keras and in lamina alike."""

from __future__ import annotations

from lamina import initializers, ops, random
from lamina.layers.base import Layer

_KERAS_MODULE = "keras.src.applications.convnext"


class StochasticDepth(Layer):
    """Drops the whole residual path of a random subset of the batch while training (each
    kept sample scaled by 1 / (1 - `drop_path_rate`)); the identity at inference.

    Args:
        drop_path_rate: probability of dropping a sample's path, in [0, 1].
    """

    keras_module = _KERAS_MODULE

    def __init__(self, drop_path_rate: float, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate
        self.seed_generator = random.SeedGenerator(None)

    def call(self, x, training=None):
        if training:
            keep_prob = 1 - self.drop_path_rate
            shape = (ops.shape(x)[0],) + (1,) * (len(ops.shape(x)) - 1)
            random_tensor = keep_prob + random.uniform(shape, 0, 1, seed=self.seed_generator)
            return (x / keep_prob) * ops.floor(random_tensor)
        return x

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


class LayerScale(Layer):
    """Multiplies its input by a learned per-channel scale `gamma`, initialised to
    `init_values` ([CaiT](https://arxiv.org/abs/2103.17239)).

    Args:
        init_values: initial value of the scale, in [0, 1].
        projection_dim: the number of channels.
    """

    keras_module = _KERAS_MODULE

    def __init__(self, init_values: float, projection_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, _):
        self.gamma = self.add_weight(shape=(self.projection_dim,),
                                     initializer=initializers.Constant(self.init_values),
                                     trainable=True)

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}
