"""Model: the facade users train. compile/fit/evaluate/predict/summary delegate to lamina.training."""

from __future__ import annotations

import contextlib
from typing import Any

import jax
import numpy as np

from lamina import errors
from lamina.layers.base import Layer
from lamina.layers.input_spec import shape_str
from lamina.models import build_lock
from lamina.scopes import name_scope
from lamina.models import summary as summary_module
from lamina.models.trainer_api import TrainerAPIMixin
from lamina.training import compile as compile_module
from lamina.training import interrupts, loop
from lamina.training.engine import Engine, pad_batch
from lamina.training.logs import materialize
from lamina.training.state import from_model, to_model, with_own_weights
from lamina.variables import tracking_version


class Model(TrainerAPIMixin, Layer):
    """A trainable model: `Model(inputs, outputs)` (functional), `Sequential`, or a subclass
    with layers as attributes and a `call`."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from lamina.models.functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            # A subclass called with (inputs, outputs) becomes functional, as in Keras: its own
            # methods (train_step, ...) stay, the graph supplies layers, call and config.
            from lamina.models.functional import Functional, functional_subclass

            functional_subclass(type(self), args, kwargs)
            Functional.__init__(self, *args, **kwargs)
            return
        super().__init__(**kwargs)
        self._compile_config = None
        self._engine: Engine | None = None
        self._optimizer_state = None
        self._train_rng = None  # the training RNG key, continued across fits
        self._initial_epoch = None  # set by callbacks (BackupAndRestore) in on_train_begin
        self.stop_training = False
        self.history = None

    # -- structure ---------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        return list(self._tracked_layers)

    @property
    def input(self):
        """The model's input tensor (a list when it has several), for graph models."""
        return self._one_or_list("inputs") or super().input

    @property
    def output(self):
        """The model's output tensor (a list when it has several), for graph models."""
        return self._one_or_list("outputs") or super().output

    def _one_or_list(self, which: str):
        tensors = getattr(self, which, None) if hasattr(type(self), which) else None
        if not tensors:
            return None
        return tensors[0] if len(tensors) == 1 else tensors

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index, not both. "
                             f"Received: name={name!r}, index={index!r}")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def _output_shape_of(self, layer) -> tuple | None:
        """For the summary: the layer's output shape from the shape it was built on."""
        if not layer.built or layer._build_shape is None:
            return None
        try:
            return layer.compute_output_shape(layer._build_shape)
        except Exception:  # noqa: BLE001 - a summary shows '?' rather than failing
            return None

    def _output_shape_for(self, x):
        """The output shape(s) of the model for data `x` (a structure for several outputs)."""
        return self.compute_output_shape(_batchless_shapes(x))

    def _variable_lists(self) -> tuple[list, list]:
        """(trainable_weights, non_trainable_variables), walked again only after a layer or
        variable changed (cheap enough for the per-call latency path of predict)."""
        version = tracking_version()
        memo = self.__dict__.get("_variable_memo")
        if memo is None or memo[0] != version:
            memo = (version, (self.trainable_weights, self.non_trainable_variables))
            object.__setattr__(self, "_variable_memo", memo)  # not a tracked change
        return memo[1]

    def __call__(self, inputs, *args, **kwargs):
        if build_lock.settled(self):
            return super().__call__(inputs, *args, **kwargs)
        # This call may build weights: one thread at a time, and (as Keras) the variables
        # made inside take the model's name as a prefix (`my_model/dense/kernel`).
        with build_lock.lock(self), name_scope(self.name, caller=self):
            return super().__call__(inputs, *args, **kwargs)

    def _ensure_built_for(self, x) -> None:
        """Build on the first data seen, or check the data against the built input shape."""
        with build_lock.lock(self):  # another thread may be building it: wait for that
            self._build_for(x)

    def _build_for(self, x) -> None:
        shape = tuple(np.shape(jax.tree_util.tree_leaves(x)[0]))
        if not self.built and (type(self).call is Model.call or self._sublayers_built()):
            return  # nothing to build (e.g. a GAN or VAE trained by its own train_step)
        if not self.built:
            self._maybe_build(_batchless_shapes(x))
            self(jax.tree_util.tree_map(lambda a: a[:1], x))  # builds nested layers eagerly
            return
        expected = getattr(self, "_input_batch_shape", None)
        if expected is None:
            return
        if len(expected) != len(shape) or any(e is not None and e != g
                                               for e, g in zip(expected[1:], shape[1:])):
            features = tuple(expected[1:])
            raise errors.ShapeError(errors.message(
                "received input data of the wrong shape.",
                where=f"Model '{self.name}' ({type(self).__name__})",
                expected=f"inputs of shape {shape_str(expected)}",
                got=f"data of shape {shape_str(shape)}",
                fix=f"Reshape the data to (n, {', '.join(map(str, features))}) "
                    f"or build the model with input_shape={shape_str(shape[1:])}."))

    def _sublayers_built(self) -> bool:
        """As Keras: a model without its own `build` whose layers all exist and are built
        needs no data to build (its `call` may even take other inputs than `fit`'s x)."""
        layers = list(self._flatten_layers())
        return bool(layers) and type(self).build is Layer.build and all(
            layer.built for layer in layers)

    # -- training ----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution="auto",
                jit_compile="auto", auto_scale_loss=True) -> None:
        """Configure training: optimizer, loss and metrics (names, functions or objects).

        steps_per_execution='auto' (lamina's default; Keras's is 1) fuses several steps into one
        compiled call when that is faster and no callback needs every batch; batch-level
        callbacks then see one call per chunk, as with Keras's steps_per_execution > 1.
        """
        from lamina.optimizers.loss_scale_optimizer import wrap_for_policy

        optimizer = wrap_for_policy(optimizer, self.dtype_policy.name, auto_scale_loss)
        config = compile_module.make_compile_config(optimizer, loss, metrics, loss_weights,
                                                    run_eagerly, jit_compile,
                                                    steps_per_execution, weighted_metrics,
                                                    getattr(self, "output_names", None))
        config.arguments = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                            "weighted_metrics": weighted_metrics}  # as given, for saving
        self._compile_config = config
        self._engine = Engine(self, config)
        self._optimizer_state = None

    @property
    def compiled(self) -> bool:
        return self._compile_config is not None

    @property
    def optimizer(self):
        return self._compile_config.optimizer if self._compile_config else None

    @property
    def loss(self):
        return self._compile_config.loss if self._compile_config else None

    @property
    def metrics_names(self) -> list[str]:
        names = ["loss"] if self.compiled else []
        if self._compile_config and self._compile_config.metrics:
            names += [m.name for m in self._compile_config.metrics]
        return names

    def _require_engine(self, what: str) -> Engine:
        if self._compile_config is None or (self._compile_config.loss is None
                                            and not self._engine.custom):
            raise errors.NotCompiledError(
                f"You must call compile() with a loss before {what}(). For example: "
                "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', "
                "metrics=['accuracy']).")
        return self._engine

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs; returns a History whose `.history` has Keras's keys."""
        with self._execution_mode():
            return loop.fit(self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                            validation_data, shuffle, class_weight, sample_weight,
                            initial_epoch, steps_per_epoch, validation_steps,
                            validation_batch_size, validation_freq)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on the data: a scalar, a list in `metrics_names` order, or a dict."""
        with self._execution_mode():
            return loop.evaluate(self, x, y, batch_size, verbose, sample_weight, steps,
                                 callbacks, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for `x` as NumPy arrays."""
        with self._execution_mode():
            return loop.predict(self, x, batch_size, verbose, steps, callbacks)

    def _execution_mode(self):
        """compile(run_eagerly=True) runs every step op by op (for debugging with prints)."""
        eager = self._compile_config is not None and self._compile_config.run_eagerly
        return jax.disable_jit() if eager else contextlib.nullcontext()

    def _on_batch(self, train: bool, x, y, sample_weight, class_weight, return_dict):
        engine = self._require_engine("train_on_batch" if train else "test_on_batch")
        data = loop.prepare_data(self, x, y, sample_weight, class_weight)
        loop._check_targets(self, data)
        optimizer = engine.config.optimizer if train else None
        state = engine.reset_metrics(from_model(self, optimizer, engine.metrics))
        if train:  # the call donates the state: the Variables keep their own arrays
            state = with_own_weights(state)
        batch = pad_batch((data.x, data.y, data.sample_weight), data.num_samples)
        step = engine.train_batch() if train else engine.eval_batch()
        with interrupts.deferred():  # the train call donates `state`: keep its outputs
            state, logs = step(state, batch)
            if train:
                to_model(self, state, optimizer)
        logs = materialize(logs)
        if return_dict:
            return logs
        values = [logs["loss"]] + [logs[m.name] for m in engine.metrics]
        return values[0] if len(values) == 1 else values

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One optimisation step on one batch; returns its loss (and metrics)."""
        return self._on_batch(True, x, y, sample_weight, class_weight, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        return self._on_batch(False, x, y, sample_weight, None, return_dict)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=len(jax.tree_util.tree_leaves(x)[0]), verbose=0)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        """Print the layer table with output shapes and parameter counts, as Keras 3 does."""
        summary_module.print_summary(self, line_length, positions, print_fn, expand_nested,
                                     show_trainable, layer_range)

    def save(self, filepath, overwrite: bool = True, **kwargs) -> None:
        """Save the whole model (`.keras` zip or legacy `.h5`), atomically."""
        from lamina import saving

        saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def export(self, filepath, format: str = "tf_saved_model", verbose=None,
               input_signature=None, **kwargs) -> None:
        """Write the forward pass for serving: `"tf_saved_model"` (Keras's default; needs
        TensorFlow), `"onnx"` or lamina's `"stablehlo"` (reloads with jax alone through
        `lamina.export.load_stablehlo`). See lamina/export/formats.py."""
        from lamina.export.formats import export_model

        export_model(self, filepath, format=format, verbose=verbose,
                     input_signature=input_signature, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's config as a JSON string, for `keras.models.model_from_json`; `kwargs`
        go to `json.dumps`."""
        import json

        from lamina.saving.serialization import serialize_keras_object

        return json.dumps(serialize_keras_object(self), **kwargs)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Write the weights in Keras 3's `.weights.h5` layout (atomically)."""
        import os

        from lamina import saving

        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{filepath} exists and overwrite=False.")
        saving.save_weights(self, filepath)

    def load_weights(self, filepath, skip_mismatch: bool = False, by_name: bool = False) -> None:
        """Read weights saved by `save_weights` here or by Keras (3 or legacy h5: `by_name`)."""
        from lamina import saving

        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Model:
        """A functional config (with `layers` / `input_layers`) rebuilds a functional model;
        other configs go to the class's constructor, as in Keras."""
        if "input_layers" in config and "layers" in config:
            from lamina.models.functional import Functional
            from lamina.models.functional_config import functional_from_config

            return functional_from_config(Functional if cls is Model else cls, config,
                                          custom_objects)
        return cls(**config)

    def quantize(self, mode=None, config=None, filters=None, **kwargs) -> None:
        """Quantize the weights of Dense / EinsumDense / Embedding layers ("int8"; Keras's
        `mode`, `config`, `filters`). The model must be built."""
        from lamina.layers.quantized.model import quantize_model

        quantize_model(self, mode, config, filters, **kwargs)

    def get_compile_config(self) -> dict[str, Any] | None:
        """compile()'s arguments in Keras 3's serialized form (None before compile)."""
        from lamina.saving.compile_state import compile_config

        return compile_config(self)


def _batchless_shapes(x):
    """(None, *shape[1:]) for an array, or the same for each array of a list/dict."""
    if hasattr(x, "shape"):
        return (None, *np.shape(x)[1:])
    return jax.tree_util.tree_map(lambda a: (None, *np.shape(a)[1:]), x)
