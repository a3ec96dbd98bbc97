"""The activation / bias / initializer / regularizer / constraint arguments that Dense and the
convolution layers share: resolved once, serialized once."""

from __future__ import annotations

from lamina import activations, constraints, initializers, regularizers


def set_dense_like_args(layer, activation, use_bias: bool, kernel_initializer, bias_initializer,
                        kernel_regularizer, bias_regularizer, kernel_constraint,
                        bias_constraint) -> None:
    """Resolve the Keras identifiers (names, dicts, objects) onto `layer`'s attributes."""
    layer.activation = activations.get(activation)
    layer.use_bias = use_bias
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def dense_like_config(layer) -> dict:
    """Those arguments as Keras serializes them in get_config()."""
    return {"activation": activations.serialize(layer.activation), "use_bias": layer.use_bias,
            "kernel_initializer": initializers.serialize(layer.kernel_initializer),
            "bias_initializer": initializers.serialize(layer.bias_initializer),
            "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
            "kernel_constraint": constraints.serialize(layer.kernel_constraint),
            "bias_constraint": constraints.serialize(layer.bias_constraint)}
