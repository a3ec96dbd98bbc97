"""`FeatureSpace`: Keras's one-stop preprocessing and encoding of structured data, built on
lamina's preprocessing layers (lookups, hashing, crossing, discretization, normalization).

It adapts every feature's layer on the data, encodes a dict of raw features into one float32
vector (or a dict of encoded features), gives the symbolic inputs and encoded features to
build a Functional model on, and saves to / loads from Keras's `.keras` files."""

from __future__ import annotations

from typing import Any

from lamina import layers
from lamina.backend import standardize_dtype
from lamina.layers.base import Layer
from lamina.utils.feature_space_data import feature_batches, standardize_inputs
from lamina.utils.feature_space_features import (
    Cross,
    Feature,
    FeatureConstructors,
    TFDConcat,
    cardinality,
    is_adaptable,
    revive,
)

__all__ = ["FeatureSpace"]

_KINDS = ("float", "float_normalized", "float_rescaled", "float_discretized",
          "integer_categorical", "string_categorical", "integer_hashed", "string_hashed")


class FeatureSpace(FeatureConstructors, Layer):
    """One-stop utility for preprocessing and encoding structured data (Keras's
    `keras.utils.FeatureSpace`).

    Args:
        features: dict mapping each feature's name to its type, a name
            (`"float"`, `"float_normalized"`, `"float_rescaled"`, `"float_discretized"`,
            `"integer_categorical"`, `"string_categorical"`, `"integer_hashed"`,
            `"string_hashed"`) or a `FeatureSpace.<type>(...)` feature.
        output_mode: `"concat"` (one vector per example) or `"dict"` (one entry per feature).
        crosses: features to cross by hashing, e.g. `[("f1", "f2")]` or
            `[FeatureSpace.cross(("f1", "f2"), crossing_dim=32)]`.
        crossing_dim: default number of bins of a cross. Defaults to `32`.
        hashing_dim: default number of bins of hashed features. Defaults to `32`.
        num_discretization_bins: default number of bins of `"float_discretized"`.

    ```python
    feature_space = FeatureSpace(
        features={"age": "float_normalized", "city": "string_categorical",
                  "zip": "integer_hashed"},
        crosses=[("city", "zip")], output_mode="concat")
    feature_space.adapt({"age": [31.0, 45.0], "city": ["Oslo", "Rome"], "zip": [1, 2]})
    vectors = feature_space({"age": [38.0], "city": ["Rome"], "zip": [2]})
    model = keras.Model(feature_space.get_inputs(),
                        layers.Dense(1)(feature_space.get_encoded_features()))
    ```

    `adapt` takes a dict of arrays/lists, an iterable of such dict batches (a list, a
    generator, a PyDataset yielding dicts or `(dict, labels)` pairs) or a `tf.data.Dataset`.
    Unlike Keras, layers with a given vocabulary, mean/variance or bin boundaries are left as
    they are instead of failing to adapt.
    """

    def __init__(self, features: dict, output_mode: str = "concat", crosses=None,
                 crossing_dim: int = 32, hashing_dim: int = 32,
                 num_discretization_bins: int = 32, name: str | None = None):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {name: self._standardize_feature(name, value)
                         for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross, set(features))
                        for cross in crosses or []]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'dict', 'concat'}}. Received: output_mode={output_mode}")
        self.output_mode = output_mode
        self.inputs = {name: layers.Input(shape=(1,), dtype=feature.dtype, name=name)
                       for name, feature in self.features.items()}
        self.preprocessors = {name: f.preprocessor for name, f in self.features.items()}
        self.encoded_features = None
        self.crossers = {cross.name: layers.HashedCrossing(cross.crossing_dim, name=cross.name)
                         for cross in self.crosses}
        self.one_hot_encoders = {}
        self._is_adapted = False
        self.concat = None
        self._preprocessed_features_names = None
        self._crossed_features_names = None
        self._sublayers_built = False

    def _standardize_feature(self, name: str, feature) -> Feature:
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return revive(feature, Feature)
        if feature not in _KINDS:
            raise ValueError(f"Invalid feature type: {feature}")
        if feature == "float_discretized":
            return self.float_discretized(name=name, num_bins=self.num_discretization_bins)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        return getattr(self, feature)(name=name)

    def _standardize_cross(self, cross, feature_set: set) -> Cross:
        if isinstance(cross, dict):
            cross = revive(cross, Cross)
        names = cross.feature_names if isinstance(cross, Cross) else cross
        if not isinstance(cross, Cross) and not self.crossing_dim:
            raise ValueError("When specifying `crosses`, the argument `crossing_dim` "
                             "(dimensionality of the crossing space) should be specified as "
                             "well.")
        if any(key not in feature_set for key in names):
            raise ValueError("All features referenced in the `crosses` argument should be "
                             "present in the `features` dict. Received unknown features: "
                             f"{names}")
        return cross if isinstance(cross, Cross) else Cross(cross, crossing_dim=self.crossing_dim)

    # -- adapt ----------------------------------------------------------------------------------
    def _list_adaptable_preprocessors(self) -> list[str]:
        return [name for name in self.features if is_adaptable(self.preprocessors[name])]

    def adapt(self, dataset, steps: int | None = None) -> None:
        """Adapt every feature's layer to `dataset`: a dict of arrays/lists, an iterable of
        dict batches (at most `steps` of them) or a `tf.data.Dataset`."""
        names = self._list_adaptable_preprocessors()
        batches = feature_batches(dataset, names, steps) if names else {}
        for name in names:
            preprocessor = self.preprocessors[name]
            if not preprocessor.built and batches[name]:
                preprocessor._maybe_build((None,) + batches[name][0].shape[1:])
            preprocessor.adapt(iter(batches[name]))
        self._is_adapted = True
        # Unlike Keras, adapting again re-sizes the encodings to the new vocabularies.
        self.encoded_features, self._sublayers_built = None, False
        self._preprocessed_features_names = None
        self.get_encoded_features()  # Finish building the layer
        self.built = True
        self._sublayers_built = True

    # -- symbolic use ---------------------------------------------------------------------------
    def get_inputs(self) -> dict:
        """The dict of symbolic `Input`s (shape `(None, 1)`), one per feature."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The encoded features of `get_inputs()` (a tensor, or a dict in "dict" mode)."""
        self._check_if_adapted()
        if self.encoded_features is None:
            for name, preprocessor in self.preprocessors.items():
                if not preprocessor.built:  # build as Keras does: for inputs of (None, 1)
                    preprocessor._maybe_build(self.inputs[name].shape)
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    # -- the pipeline ---------------------------------------------------------------------------
    def _preprocess_features(self, features: dict) -> dict:
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features: dict) -> dict:
        return {cross.name: self.crossers[cross.name]([features[n] for n in cross.feature_names])
                for cross in self.crosses}

    def _merge_features(self, preprocessed: dict, crossed: dict):
        if not self._preprocessed_features_names:
            self._preprocessed_features_names = sorted(preprocessed)
            self._crossed_features_names = sorted(crossed)
        names = self._preprocessed_features_names + self._crossed_features_names
        values = [preprocessed[n] for n in self._preprocessed_features_names] + \
            [crossed[n] for n in self._crossed_features_names]
        if not self._sublayers_built:
            self._build_encoders(names, values)
        encoded = {}
        for name, value in zip(names, values):
            encoder = self.one_hot_encoders.get(name)
            encoded[name] = encoder(value) if encoder else value
        if self.output_mode == "dict":
            return encoded
        return self.concat(list(encoded.values()))

    def _build_encoders(self, names: list[str], values: list) -> None:
        """Create the one-hot encoders (and the concatenation), checking each feature's
        dtype, as Keras does the first time features are merged."""
        encoders = {}
        for name, value in zip(names, values):
            spec = self.features.get(name) or self.crosses_by_name[name]
            dtype = standardize_dtype(value.dtype)
            if spec.output_mode == "one_hot":
                if not dtype.startswith("int"):
                    raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. Thus its "
                                     "preprocessor should return an integer dtype. Instead it "
                                     f"returns a {dtype} dtype.")
                encoders[name] = layers.CategoryEncoding(
                    num_tokens=self._cardinality(name), output_mode="multi_hot")
                dtype = encoders[name].dtype
            if self.output_mode == "concat" and (dtype.startswith("int") or dtype == "string"):
                raise ValueError(f"Cannot concatenate features because feature '{name}' has "
                                 f"not been encoded (it has dtype {dtype}). Consider using "
                                 "`output_mode='dict'`.")
        self.one_hot_encoders = encoders  # assigned, so that the encoders are tracked
        if self.output_mode == "concat":
            self.concat = TFDConcat(axis=-1)

    def _cardinality(self, name: str) -> int:
        """The number of distinct values of a feature's integer encoding."""
        size = cardinality(self.preprocessors.get(name) or self.crossers.get(name))
        if size is None:
            raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it isn't "
                             "a standard feature and the dimensionality of its output space is "
                             "not known, thus it cannot be one-hot encoded. Try using "
                             "`output_mode='int'`.")
        return size

    def _check_if_adapted(self) -> None:
        if not self._is_adapted:
            if not self._list_adaptable_preprocessors():
                self._is_adapted = True
            else:
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace "
                                 "before you can start using it.")

    def _check_if_built(self) -> None:
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()  # Finishes building
            self._sublayers_built = True

    def __call__(self, data: dict) -> Any:
        """Encode a dict of raw features: batches (lists, arrays) or a single example."""
        self._check_if_built()
        data, rebatched = standardize_inputs(data, list(self.features))
        preprocessed = self._preprocess_features(data)
        merged = self._merge_features(preprocessed, self._cross_features(preprocessed))
        if not rebatched:
            return merged
        if self.output_mode == "concat":
            if merged.shape[0] != 1:
                raise ValueError("Expected rebatched data to have batch size 1. "
                                 f"Received: shape={merged.shape}")
            return merged[0]
        return {name: x[0] if x.ndim == 2 and x.shape[0] == 1 else x
                for name, x in merged.items()}

    # -- config and saving ----------------------------------------------------------------------
    def get_config(self) -> dict:
        from lamina.saving import serialize_keras_object

        return {"features": serialize_keras_object(self.features),
                "output_mode": self.output_mode,
                "crosses": serialize_keras_object(self.crosses),
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config: dict) -> FeatureSpace:
        return cls(**config)

    def get_build_config(self) -> dict:
        return {name: feature.preprocessor.get_build_config() or {}
                for name, feature in self.features.items()}

    def build_from_config(self, config: dict) -> None:
        for name, build_config in config.items():
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built:
                preprocessor.build_from_config(build_config)
        self._is_adapted = True

    def save(self, filepath) -> None:
        """Save the `FeatureSpace` to a `.keras` file; reload it with
        `keras.models.load_model(filepath)`."""
        from lamina.saving import save_model

        save_model(self, filepath)

    def save_own_variables(self, store) -> None:
        return

    def load_own_variables(self, store) -> None:
        return
