"""The parts a `FeatureSpace` is made of, as Keras names them: `Feature` (a dtype, a
preprocessing layer and an output mode), `Cross` (features crossed by hashing), the two small
layers Keras's FeatureSpace uses (`TFDIdentity`, `TFDConcat`), and the feature constructors
(`FeatureSpace.float_normalized()`, ...) as a mixin. Everything serializes under Keras's
module names, so `.keras` files go both ways."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import layers
from lamina.layers.base import Layer, unique_name

__all__: list[str] = []

#: Where Keras defines these classes; written into configs as Keras writes it.
KERAS_MODULE = "keras.src.layers.preprocessing.feature_space"


def _deserialize(config):
    from lamina.saving import deserialize_keras_object  # saving loads h5py: import late

    return deserialize_keras_object(config)


class Cross:
    """Features crossed together by hashing into `crossing_dim` bins (Keras's `Cross`)."""

    keras_module = KERAS_MODULE

    def __init__(self, feature_names, crossing_dim: int, output_mode: str = "one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot'}}. Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self) -> str:
        return "_X_".join(self.feature_names)

    def get_config(self) -> dict:
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config: dict) -> Cross:
        return cls(**config)


class Feature:
    """One feature: its input `dtype`, the layer that preprocesses it and how its result is
    encoded (`"int"`, `"one_hot"` or `"float"`), as Keras's `Feature`."""

    keras_module = KERAS_MODULE

    def __init__(self, dtype: str, preprocessor, output_mode: str):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            preprocessor = _deserialize(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self) -> dict:
        from lamina.saving import serialize_keras_object

        return {"dtype": self.dtype, "preprocessor": serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config: dict) -> Feature:
        return cls(**config)


def revive(config, kind: type):
    """A `Feature` or `Cross` from its serialized dict (as Keras files hold them)."""
    if config.get("class_name") == kind.__name__:
        return kind.from_config(config["config"])
    return _deserialize(config)


def is_adaptable(preprocessor) -> bool:
    """Whether a feature's layer learns from data in `FeatureSpace.adapt`: not a Normalization
    given its mean, a lookup or TextVectorization given its vocabulary, or a Discretization
    given its boundaries (Keras's FeatureSpace skips only the first two, and fails on the
    others)."""
    if isinstance(preprocessor, layers.Normalization) and preprocessor.input_mean is not None:
        return False
    if getattr(preprocessor, "_has_input_vocabulary", False):
        return False
    if isinstance(preprocessor, layers.Discretization) and preprocessor.num_bins is None:
        return False
    return hasattr(preprocessor, "adapt")


def cardinality(preprocessor) -> int | None:
    """How many integer values a feature's layer outputs (what its one-hot encoding needs);
    None for a layer whose output space is unknown."""
    if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
        return preprocessor.vocabulary_size()
    if isinstance(preprocessor, layers.CategoryEncoding):
        return preprocessor.num_tokens
    if isinstance(preprocessor, layers.Discretization):  # given boundaries: no num_bins
        return preprocessor.num_bins or len(preprocessor.bin_boundaries) + 1
    if isinstance(preprocessor, (layers.HashedCrossing, layers.Hashing)):
        return preprocessor.num_bins
    return None


class TFDIdentity(Layer):
    """Passes its input through (the preprocessor of `"float"` features)."""

    keras_module = KERAS_MODULE

    def call(self, x):
        return x

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return super().get_config()  # Keras's: name, trainable, dtype (no recorded arguments)


class TFDConcat(Layer):
    """Concatenates the encoded features along `axis`."""

    keras_module = KERAS_MODULE

    def __init__(self, axis: int, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, xs):
        return jnp.concatenate(list(xs), axis=self.axis)

    def compute_output_shape(self, input_shapes) -> tuple:
        shapes = [tuple(s) for s in input_shapes]
        sizes = [s[self.axis] for s in shapes]
        total = None if any(d is None for d in sizes) else sum(sizes)
        out = list(shapes[0])
        out[self.axis] = total
        return tuple(out)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class FeatureConstructors:
    """`FeatureSpace.float()`, `.integer_categorical()`, ...: Keras's feature constructors,
    each a `Feature` with the preprocessing layer Keras uses for it."""

    @classmethod
    def cross(cls, feature_names, crossing_dim: int, output_mode: str = "one_hot") -> Cross:
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype: str, preprocessor, output_mode: str) -> Feature:
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name: str | None = None) -> Feature:
        name = name or unique_name("float")
        preprocessor = TFDIdentity(dtype="float32", name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_rescaled(cls, scale: float = 1.0, offset: float = 0.0,
                       name: str | None = None) -> Feature:
        name = name or unique_name("float_rescaled")
        preprocessor = layers.Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_normalized(cls, name: str | None = None) -> Feature:
        name = name or unique_name("float_normalized")
        preprocessor = layers.Normalization(axis=-1, name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_discretized(cls, num_bins: int, bin_boundaries=None, output_mode: str = "one_hot",
                          name: str | None = None) -> Feature:
        name = name or unique_name("float_discretized")
        preprocessor = layers.Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                             name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens: int | None = None, num_oov_indices: int = 1,
                            output_mode: str = "one_hot", name: str | None = None) -> Feature:
        name = name or unique_name("integer_categorical")
        preprocessor = layers.IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                            num_oov_indices=num_oov_indices)
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_categorical(cls, max_tokens: int | None = None, num_oov_indices: int = 1,
                           output_mode: str = "one_hot", name: str | None = None) -> Feature:
        name = name or unique_name("string_categorical")
        preprocessor = layers.StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                           num_oov_indices=num_oov_indices)
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_hashed(cls, num_bins: int, output_mode: str = "one_hot",
                      name: str | None = None) -> Feature:
        name = name or unique_name("string_hashed")
        preprocessor = layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_hashed(cls, num_bins: int, output_mode: str = "one_hot",
                       name: str | None = None) -> Feature:
        name = name or unique_name("integer_hashed")
        preprocessor = layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)
