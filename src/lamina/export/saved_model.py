"""Write endpoints as a TF SavedModel (Keras's default export format) through jax2tf.

Each endpoint's pure function `f(values, *inputs)` is converted with `jax2tf.convert` (native
StableHLO serialization, symbolic batch axis) and wrapped in a `tf.function` that reads the
values from `tf.Variable`s, so `tf.saved_model.load(path).serve(x)` works as for Keras.
"""

from __future__ import annotations

import numpy as np

from lamina import tree
from lamina.export.endpoint import Endpoint
from lamina.export.files import atomic_directory
from lamina.export.signature import shape_strings

MISSING_TENSORFLOW = (
    "format='tf_saved_model' (Keras's default export format) needs TensorFlow, with "
    "jax.experimental.jax2tf, and TensorFlow is not installed here. Install it "
    "(`pip install tensorflow`), or export with format='stablehlo' (a jax.export artifact that "
    "loads with jax alone: lamina.export.load_stablehlo(path)) or format='onnx'.")


def require_tensorflow():
    """`(tensorflow, jax2tf)`, or an ImportError that names the other formats."""
    try:
        import tensorflow as tf
        from jax.experimental import jax2tf
    except ImportError as exc:
        raise ImportError(MISSING_TENSORFLOW) from exc
    return tf, jax2tf


def write(filepath, endpoints: list[Endpoint], trainable: list, non_trainable: list,
          collections: dict, options=None, verbose: bool = True) -> None:
    """Save every endpoint (the first also as "serving_default"), atomically."""
    tf, jax2tf = require_tensorflow()
    module = tf.Module()
    to_tf = {id(v): tf.Variable(np.asarray(v.value), trainable=t, name=v.name)
             for vs, t in ((trainable, True), (non_trainable, False)) for v in vs}
    module.model_variables = list(to_tf.values())  # tracked: tf.Module lists them
    signatures = {}
    for endpoint in endpoints:
        fn = _tf_function(tf, jax2tf, endpoint, [to_tf[id(v)] for v in endpoint.variables])
        setattr(module, endpoint.name, fn)
        signatures[endpoint.name] = fn.get_concrete_function()
    signatures.setdefault("serving_default", signatures[endpoints[0].name])
    for name, members in collections.items():
        setattr(module, name, [to_tf.get(id(v)) or tf.Variable(np.asarray(v.value),
                                                               name=v.name) for v in members])
    with atomic_directory(filepath) as folder:
        tf.saved_model.save(module, str(folder), signatures=signatures, options=options)
    if verbose:
        names = ", ".join(f"'{e.name}'" for e in endpoints)
        print(f"Saved artifact at '{filepath}'. The following endpoints are available: {names}")


def _tf_function(tf, jax2tf, endpoint: Endpoint, tf_variables: list):
    kwargs = dict(endpoint.jax2tf_kwargs)
    kwargs.setdefault("with_gradient", False)  # serving: no custom-gradient functions
    if "polymorphic_shapes" not in kwargs:
        values = ["(" + ", ".join(str(d) for d in v.shape) + ")" for v in endpoint.variables]
        inputs = [tree.map_structure(lambda t: f"({t})", entry)
                  for entry in shape_strings(endpoint.signature)]
        kwargs["polymorphic_shapes"] = [values, *inputs]
    converted = jax2tf.convert(endpoint.pure, **kwargs)
    specs = [tree.map_structure(lambda s: tf.TensorSpec(s.shape, s.dtype, name=s.name), entry)
             for entry in endpoint.signature]

    def serve(*args):
        return converted(list(tf_variables), *args)

    return tf.function(serve, input_signature=specs, autograph=False)
