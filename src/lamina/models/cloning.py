"""`clone_model`: the same architecture with new layers (and so freshly initialised weights),
as `keras.models.clone_model` does for Sequential, functional and subclassed models."""

from __future__ import annotations

from typing import Any, Callable

from lamina.layers.base import KerasTensor, Layer
from lamina.models import graph
from lamina.models.functional import Functional
from lamina.models.sequential import Sequential

CloneFunction = Callable[[Layer], Layer]


def clone_model(model, input_tensors=None, clone_function: CloneFunction | None = None,
                call_function: Callable | None = None, recursive: bool = False, **kwargs):
    """A new model like `model`: each layer replaced by `clone_function(layer)` (default:
    `layer.__class__.from_config(layer.get_config())`), called on `input_tensors` (default:
    new `Input`s like the model's). `call_function(layer, *args, **kwargs)` replaces each
    layer call (functional models only); `recursive=True` clones nested Sequential and
    functional models with the same functions. Shared layers stay shared; a compiled model's
    clone is compiled the same way. Subclassed models are rebuilt from their config."""
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs)}")
    if isinstance(model, (Sequential, Functional)):
        clone_function = _wrap_clone_function(clone_function, call_function, recursive, cache)
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models. In a "
                "Sequential model, layers aren't called at model-construction time (they're "
                "merely listed). Use `call_function` with Functional models only. Received "
                f"model of type '{type(model).__name__}', with call_function={call_function}")
        return _compiled_like(model, _clone_sequential(model, clone_function, input_tensors))
    if isinstance(model, Functional):
        return _compiled_like(model, _clone_functional(model, clone_function, input_tensors,
                                                       call_function))
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential "
            f"models or Functional models. Received model of type '{type(model).__name__}', "
            f"with clone_function={clone_function} and input_tensors={input_tensors}")
    if call_function is not None:
        raise ValueError("Argument `call_function` is only supported for Functional models. "
                         f"Received model of type '{type(model).__name__}', with "
                         f"call_function={call_function}")
    from lamina.saving.serialization import deserialize_keras_object, serialize_keras_object

    return deserialize_keras_object(serialize_keras_object(model),
                                    custom_objects={type(model).__name__: type(model)})


def _clone_layer(layer: Layer) -> Layer:
    return layer.__class__.from_config(layer.get_config())


def _wrap_clone_function(clone_function, call_function, recursive: bool,
                         cache: dict | None) -> CloneFunction:
    """`clone_function` that clones each layer once (shared layers stay shared) and, when
    `recursive`, clones nested models with `clone_model`."""
    clone_function = clone_function or _clone_layer
    if not callable(clone_function):
        raise ValueError("Expected `clone_function` argument to be a callable. "
                         f"Received: clone_function={clone_function}")
    cache = {} if cache is None else cache

    def wrapped(layer: Layer) -> Layer:
        if id(layer) not in cache:
            if recursive and isinstance(layer, (Sequential, Functional)):
                cache[id(layer)] = clone_model(
                    layer, clone_function=clone_function, recursive=True, cache=cache,
                    call_function=None if isinstance(layer, Sequential) else call_function)
            else:
                cache[id(layer)] = clone_function(layer)
        return cache[id(layer)]

    return wrapped


def _new_input_like(tensor: KerasTensor) -> KerasTensor:
    from lamina.layers.core import Input

    return Input(batch_shape=tensor.shape, dtype=tensor.dtype,
                 name=tensor._keras_history[0].name)


def _clone_sequential(model: Sequential, clone_function: CloneFunction, input_tensors):
    new_layers: list[Any] = [clone_function(layer) for layer in model.layers]
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor) or \
                not hasattr(input_tensors, "_input_layer"):
            raise ValueError("Argument `input_tensors` must be a KerasTensor made by "
                             f"keras.Input(...). Received invalid value: "
                             f"input_tensors={input_tensors}")
        new_layers.insert(0, input_tensors)
    elif model.built and model.inputs:
        new_layers.insert(0, _new_input_like(model.inputs[0]))
    return Sequential(new_layers, name=model.name, trainable=model.trainable)


def _clone_functional(model: Functional, clone_function: CloneFunction, input_tensors,
                      call_function):
    if input_tensors is None:
        input_tensors = graph.pack_like(model._inputs_struct,
                                        [_new_input_like(t) for t in model._inputs])
    new_inputs = graph.flatten(input_tensors)
    if not all(isinstance(t, KerasTensor) for t in new_inputs) or \
            len(new_inputs) != len(model._inputs):
        raise ValueError(
            "All entries in `input_tensors` must be KerasTensors, in the structure of "
            f"model.input. Reference structure: {model.input}. Received: "
            f"input_tensors={input_tensors}")
    computed = {id(old): new for old, new in zip(model._inputs, new_inputs)}
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            if node.is_input or any(id(t) not in computed for t in node.input_tensors):
                continue
            args, kwargs = node.fill_in(computed)
            layer = clone_function(node.layer)
            outputs = call_function(layer, *args, **kwargs) if call_function else \
                layer(*args, **kwargs)
            for old, new in zip(node.outputs, graph.flatten(outputs)):
                computed[id(old)] = new
    outputs = graph.pack_like(model._outputs_struct, [computed[id(t)] for t in model._outputs])
    if type(model) is not Functional and _functional_like_constructor(type(model)):
        return type(model)(input_tensors, outputs, name=model.name)
    return Functional(input_tensors, outputs, name=model.name)


def _functional_like_constructor(cls: type) -> bool:
    """Whether `cls(inputs, outputs, name=...)` can build it (a functional subclass)."""
    import inspect

    params = list(inspect.signature(cls.__init__).parameters)[1:3]
    return params == ["inputs", "outputs"]


def _compiled_like(source, clone):
    """Compile `clone` as `source` was (fresh optimizer), as Keras's clone_model does."""
    config = source.get_compile_config() if source.compiled else None
    if config:
        from lamina.saving.compile_state import compile_from_config

        compile_from_config(clone, config)
    return clone
