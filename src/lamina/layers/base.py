"""The Layer base class: names, build, add_weight, and __call__ (eager or symbolic)."""

from __future__ import annotations

import functools
import inspect
import re
import threading
from collections import defaultdict

import jax
import jax.numpy as jnp

from lamina import config
from lamina.layers.input_spec import InputSpec, shape_str
from lamina.layers import auto_config, call_context, naming
from lamina.layers.dtype_handling import LayerDTypeMixin
from lamina.layers.layer_losses import LayerLossesMixin, collect_losses  # noqa: F401
from lamina.layers.layer_saving import LayerSavingMixin
from lamina.layers.stateless_call import StatelessCallMixin
from lamina.layers.tracking import LayerTrackingMixin
from lamina.variables import Variable

_name_counts: dict[str, int] = defaultdict(int)
_row_masks = threading.local()
LAYER_CLASSES: dict[str, type] = {}
_PASSED_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "input_dim", "weights")


def to_snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def unique_name(prefix: str) -> str:
    """Keras's naming: 'dense', then 'dense_1', 'dense_2', ... for the session."""
    count = _name_counts[prefix]
    _name_counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session() -> None:
    """Reset layer-name counters and the global dtype policy, like
    `keras.backend.clear_session()`."""
    from lamina.dtype_policies.dtype_policy import reset_dtype_policy

    _name_counts.clear()
    reset_dtype_policy()


#: Names Keras gives text inputs; their data stays on the host (see models/host_stage.py).
STRING_DTYPES = frozenset({"string", "str"})


def standardize_dtype(dtype) -> str:
    if isinstance(dtype, dict):  # a Keras DTypePolicy config
        dtype = dtype.get("config", {}).get("name", config.floatx())
    if dtype is str or (isinstance(dtype, str) and dtype in STRING_DTYPES):
        return "string"
    return jnp.dtype(dtype or config.floatx()).name


def dtype_policy_config(dtype) -> dict:
    """Keras's saved form of a layer's `dtype`: a serialized DTypePolicy (or policy map)."""
    from lamina import dtype_policies

    return dtype_policies.serialize(dtype_policies.get(dtype))


class KerasTensor:
    """A symbolic tensor: a shape (None for unknown axes) and a dtype, no values. Its operators
    (`x + y`, `x[:, 0]`, ...) are added by layers/tensor_ops.py."""

    def __init__(self, shape, dtype=None, name: str | None = None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = standardize_dtype(dtype)
        self.name = name
        self.ndim = len(self.shape)
        self._keras_history = None  # (layer, node_index, tensor_index) of the call making it

    def __repr__(self) -> str:
        return f"<KerasTensor shape={shape_str(self.shape)}, dtype={self.dtype}, name={self.name}>"


class Layer(LayerTrackingMixin, LayerLossesMixin, LayerSavingMixin, StatelessCallMixin,
            LayerDTypeMixin):
    """Base class of all layers, written the Keras way: build() + add_weight(), call()."""

    #: Whether the engine may scan several training steps in one compiled call for models
    #: holding this layer ('auto' steps_per_execution). Layers XLA:CPU scans slowly say False.
    fuse_steps = True
    #: Whether training gains from splitting each batch over the CPU's cores (see
    #: distribution/cpu_cores.py): True for layers that keep one core busy however many there are.
    splits_batch_over_cores = False
    #: Whether an incoming mask (e.g. from Embedding(mask_zero=True)) passes through unchanged.
    supports_masking = False

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        instance._auto_config, instance._auto_config_error = auto_config.record(cls, args, kwargs)
        return instance

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        LAYER_CLASSES.setdefault(cls.__name__, cls)
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])

    def __init__(self, *, trainable: bool = True, name: str | None = None, dtype=None,
                 autocast: bool = True, activity_regularizer=None, **kwargs):
        unknown = set(kwargs) - set(_PASSED_KWARGS)
        if unknown:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                            f"{sorted(unknown)}")
        self._init_tracking(trainable)
        self._inbound_nodes: list = []  # graph nodes: one per symbolic call (models/graph.py)
        self.name = naming.check_layer_name(name) or unique_name(to_snake_case(type(self).__name__))
        self._init_dtype_policy(dtype, autocast)
        self.built = False
        self.input_spec: InputSpec | None = None
        self.activity_regularizer = activity_regularizer
        self._build_shape: tuple | None = None
        self._input_shape_arg = _input_shape_from_kwargs(kwargs)
        self._initial_weights = kwargs.get("weights")
        call_parameters = inspect.signature(self.call).parameters
        self._call_has_training = "training" in call_parameters
        training = call_parameters.get("training")
        self._call_training_default = None if training is None or not isinstance(
            training.default, bool) else training.default
        self._call_has_mask = "mask" in call_parameters

    # -- building and calling ----------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create variables for inputs of `input_shape`; layers without weights need nothing
        (called directly, it marks the layer built, as Keras's does)."""
        if type(self).build is Layer.build:
            self._finish_build(input_shape)

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call().")

    def _maybe_build(self, input_shape) -> None:
        if self.built:
            return
        input_shape = tuple(input_shape) if _is_shape(input_shape) else input_shape
        self.build(input_shape)
        self._finish_build(input_shape)

    def _finish_build(self, input_shape) -> None:
        """Mark the layer built (also when user code calls `build` directly, as Keras does)."""
        if self.built:
            return
        self._build_shape = input_shape
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def __call__(self, inputs, *args, training=None, mask=None, **kwargs):
        if is_symbolic((inputs, args, kwargs)):
            return self._symbolic_call(inputs, *args, training=training, mask=mask, **kwargs)
        if mask is None:
            mask = call_context.get_keras_mask(inputs)
        if mask is not None and self._call_has_mask:
            kwargs["mask"] = mask
        inputs = self._cast_inputs(jax.tree_util.tree_map(_as_array, inputs))
        args, kwargs = self._cast_call_args(args, kwargs)
        shape = _shape_of(inputs)
        self._maybe_build(shape)
        if self.input_spec is not None and _is_shape(shape):
            self.input_spec.check(self, shape)
        with call_context.call_scope(training, self._call_training_default) as scope:
            if scope.outermost:
                self._clear_losses()
            if self._call_has_training and scope.training is not None:
                kwargs["training"] = bool(scope.training)
            with self._autocast_variables():
                outputs = self._run_call(inputs, *args, **kwargs)
        if self.activity_regularizer is not None:
            self.add_loss(_activity_loss(self.activity_regularizer, outputs))
        if self.supports_masking or type(self).compute_mask is not Layer.compute_mask:
            call_context.set_keras_mask(outputs, self.compute_mask(inputs, mask))
        return outputs

    def _run_call(self, *args, **kwargs):
        """`self.call`, recomputed in the backward pass inside a matching RematScope."""
        from lamina.scopes import remat_applies

        if remat_applies(self.name):
            return jax.checkpoint(lambda *a: self.call(*a, **kwargs))(*args)
        return self.call(*args, **kwargs)

    def _symbolic_call(self, inputs, *args, training=None, mask=None, **kwargs):
        """Infer the outputs' shapes and record the call as a node of the model graph."""
        from lamina.models.graph import record_node
        from lamina.models.host_stage import check_takes_strings

        check_takes_strings(self, (inputs, args))
        outputs = self.compute_output_spec(inputs, *args, **kwargs)
        if isinstance(inputs, KerasTensor) and isinstance(outputs, KerasTensor):
            call_context.set_keras_mask(outputs, self._symbolic_mask(inputs, mask))
        if training is not None:
            kwargs["training"] = training
        return record_node(self, (inputs, *args), kwargs, outputs)

    def _symbolic_mask(self, inputs: KerasTensor, mask):
        """The output's mask as a KerasTensor (what `compute_mask` gives, traced abstractly),
        as Keras attaches one to symbolic outputs; None when the layer makes no mask."""
        previous = mask if mask is not None else getattr(inputs, "_keras_mask", None)
        if not (self.supports_masking or type(self).compute_mask is not Layer.compute_mask):
            return None
        probes = [_probe_struct(t.shape, t.dtype) if isinstance(t, KerasTensor) else t
                  for t in (inputs, previous)]
        spec = jax.eval_shape(lambda x, m: self.compute_mask(x, m), *probes)
        if not isinstance(spec, jax.ShapeDtypeStruct):
            return None
        return KerasTensor(_unprobe(spec.shape), spec.dtype.name, name=f"{self.name}_mask")

    def compute_output_spec(self, inputs, *args, **kwargs):
        """Symbolic outputs (KerasTensors) for symbolic inputs: through `compute_output_shape`
        when only `inputs` is symbolic, else by tracing `call` abstractly."""
        if is_symbolic((args, kwargs)):
            return _trace_spec(self, inputs, args, kwargs)
        shapes = _map_symbolic(lambda t: t.shape, inputs)
        self._maybe_build(shapes)
        if self.input_spec is not None and isinstance(inputs, KerasTensor):
            self.input_spec.check(self, inputs.shape)
        shape = self.compute_output_shape(shapes)
        dtype = self.compute_output_dtype(jax.tree_util.tree_leaves(inputs)[0].dtype)
        if _is_shape(shape):
            return KerasTensor(shape, dtype, name=self.name)
        return jax.tree_util.tree_map(lambda s: KerasTensor(s, dtype, name=self.name), shape,
                                      is_leaf=_is_shape)

    @property
    def input(self):
        """The input tensor(s) of this layer's first symbolic call."""
        return self._first_node("input").args[0]

    @property
    def output(self):
        """The output tensor(s) of this layer's first symbolic call."""
        return self._first_node("output").outputs_struct

    def _first_node(self, what: str):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has no {what} yet: it was never called "
                                 f"on a symbolic tensor. Call it on lamina.Input(...) first.")
        return self._inbound_nodes[0]

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of this layer's output: passed through if `supports_masking`, else None."""
        return previous_mask if self.supports_masking else None

    def compute_output_dtype(self, input_dtype) -> str:
        floating = jnp.issubdtype(jnp.dtype(input_dtype), jnp.floating)
        return self.compute_dtype if floating else input_dtype

    def compute_output_shape(self, input_shape) -> tuple:
        """Output shape for `input_shape` (a shape or a list/dict of shapes), by tracing `call`
        abstractly (no FLOPs spent)."""
        self._maybe_build(input_shape)
        return infer_output_shape(lambda x: self._call_in_dtype(x, **self._eval_kwargs(x)),
                                  input_shape, self.compute_dtype)

    def _call_in_dtype(self, *args, **kwargs):
        """`call` with Keras's input casts and variable autocasting (for abstract tracing)."""
        args, kwargs = self._cast_inputs((args, kwargs))
        with self._autocast_variables():
            return self.call(*args, **kwargs)

    def _eval_kwargs(self, inputs=None) -> dict:
        """Keyword arguments for tracing `call` to infer shapes: inference mode, and an
        all-true (batch, time) mask for a call that takes one (as a masked sequence has)."""
        kwargs = {"training": False} if self._call_has_training else {}
        if self._call_has_mask and getattr(inputs, "ndim", 0) >= 2:
            kwargs["mask"] = jnp.ones(inputs.shape[:-1], bool)
        return kwargs

    # -- config --------------------------------------------------------------------------------
    @auto_config.default
    def get_config(self) -> dict:
        cfg = {"name": self.name, "trainable": self.trainable,
               "dtype": dtype_policy_config(self.dtype_policy)}
        if self._input_shape_arg is not None:
            cfg["batch_input_shape"] = (None, *self._input_shape_arg)
        if self.activity_regularizer is not None:
            from lamina import regularizers

            cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if auto_config.is_default(type(self).get_config):
            return auto_config.add_recorded(self, cfg)
        return cfg

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        config = dict(config)
        if "batch_input_shape" in config:
            config["input_shape"] = tuple(config.pop("batch_input_shape"))[1:]
        if "batch_shape" in config:
            config["input_shape"] = tuple(config.pop("batch_shape"))[1:]
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_PROBE = 7919  # a size no real axis is likely to equal, standing in for None


def _probe_struct(shape, dtype) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct(tuple(_PROBE if d is None else d for d in shape),
                                jnp.dtype(dtype))


def _unprobe(shape) -> tuple:
    return tuple(None if d and d % _PROBE == 0 else d for d in shape)


def infer_output_shape(fn, input_shape, dtype):
    """Run `fn` abstractly on `input_shape` (or a list/dict of shapes), reporting unknown (None)
    axes as None; returns a shape, or a structure of shapes for several outputs."""
    probes = jax.tree_util.tree_map(lambda s: _probe_struct(s, dtype), input_shape,
                                    is_leaf=_is_shape)
    out = jax.eval_shape(fn, probes)
    return jax.tree_util.tree_map(lambda o: _unprobe(o.shape), out)


def _trace_spec(layer: Layer, inputs, args, kwargs):
    """Output KerasTensors of `layer.call(inputs, *args, **kwargs)` with symbolic leaves."""
    layer._maybe_build(_map_symbolic(lambda t: t.shape, inputs))

    def fn(values):
        a, k = values
        return layer._call_in_dtype(*a, **k, **layer._eval_kwargs())

    probes = _map_symbolic(lambda t: _probe_struct(t.shape, t.dtype), ((inputs, *args), kwargs))
    out = jax.eval_shape(fn, probes)
    return jax.tree_util.tree_map(
        lambda o: KerasTensor(_unprobe(o.shape), o.dtype.name, name=layer.name), out)


def is_symbolic(structure) -> bool:
    """Whether any leaf of `structure` is a KerasTensor."""
    return any(isinstance(leaf, KerasTensor) for leaf in jax.tree_util.tree_leaves(
        structure, is_leaf=lambda v: isinstance(v, KerasTensor)))


def _map_symbolic(fn, structure):
    """Apply `fn` to the KerasTensor leaves of `structure`, keeping other leaves."""
    return jax.tree_util.tree_map(lambda v: fn(v) if isinstance(v, KerasTensor) else v,
                                  structure, is_leaf=lambda v: isinstance(v, KerasTensor))


def _marks_built(build):
    @functools.wraps(build)
    def build_and_mark(self, input_shape=None, *args, **kwargs):
        result = build(self, input_shape, *args, **kwargs)
        self._finish_build(tuple(input_shape) if _is_shape(input_shape) else input_shape)
        return result

    return build_and_mark


def _activity_loss(regularizer, outputs):
    """The activity penalty per real sample: padded rows of a partial batch count for nothing."""
    mask = current_row_mask()
    if mask is None:
        return regularizer(outputs) / jnp.shape(outputs)[0]
    rows = mask.reshape((-1,) + (1,) * (jnp.ndim(outputs) - 1)).astype(outputs.dtype)
    return regularizer(outputs * rows) / jnp.maximum(jnp.sum(mask), 1.0)


def current_row_mask():
    """The (batch,) 0/1 mask of real rows in the step being traced, or None.

    The engine pads the last partial batch; layers computing batch statistics
    (BatchNormalization) weight their moments with it so padding rows change nothing."""
    stack = getattr(_row_masks, "stack", None)
    return stack[-1] if stack else None


class row_mask_scope:
    """Context manager making `mask` the current row mask (None inside = no padding)."""

    def __init__(self, mask):
        self.mask = mask

    def __enter__(self) -> None:
        if not hasattr(_row_masks, "stack"):
            _row_masks.stack = []
        _row_masks.stack.append(self.mask)

    def __exit__(self, *exc) -> None:
        _row_masks.stack.pop()


def _input_shape_from_kwargs(kwargs: dict) -> tuple | None:
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])[1:]
    if kwargs.get("input_shape") is not None:
        shape = kwargs["input_shape"]
        return (shape,) if isinstance(shape, int) else tuple(shape)
    if kwargs.get("input_dim") is not None:
        return (int(kwargs["input_dim"]),)
    return None


def _as_array(x):
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, jax.Array):
        return x
    arr = jnp.asarray(x)
    if jnp.issubdtype(arr.dtype, jnp.floating) and arr.dtype != jnp.dtype(config.floatx()):
        arr = arr.astype(config.floatx())
    return arr


def _is_shape(shape) -> bool:
    return isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape)


def _shape_of(inputs):
    if hasattr(inputs, "shape"):
        return tuple(inputs.shape)
    return jax.tree_util.tree_map(lambda x: tuple(x.shape), inputs)
