"""`keras.export.ExportArchive`: collect layers, serving endpoints and variable collections,
then write them as one artifact (a TF SavedModel, as in Keras, or lamina's StableHLO folder)."""

from __future__ import annotations

from typing import Callable, Sequence

from lamina.export.endpoint import Endpoint, make_endpoint
from lamina.export.signature import normalize_signature
from lamina.variables import Variable

WRITE_FORMATS = ("tf_saved_model", "stablehlo")


class ExportArchive:
    """Writes artifacts for inference, as `keras.export.ExportArchive`.

    Use `track()` to register the layer(s) or model(s) whose variables the endpoints read,
    `add_endpoint()` to register each serving function with its input signature, then
    `write_out()`:

    ```python
    export_archive = ExportArchive()
    export_archive.track(model)
    export_archive.add_endpoint(
        name="serve",
        fn=model.call,
        input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")],
    )
    export_archive.write_out("path/to/location", format="stablehlo")
    ```

    Each endpoint is traced once with `jax.export` (axis-0 `None` becomes a symbolic batch
    size) when it is added, so a function that cannot be exported fails there. Endpoints are
    inference functions: state updates they make (e.g. BatchNorm statistics in training mode)
    are not written back. Variables an endpoint reads but no tracked layer owns are baked into
    the module as constants.
    """

    def __init__(self):
        self._endpoints: dict[str, Endpoint] = {}
        self._trainable: list[Variable] = []
        self._non_trainable: list[Variable] = []
        self._collections: dict[str, list[Variable]] = {}

    @property
    def variables(self) -> list[Variable]:
        return self._trainable + self._non_trainable

    @property
    def trainable_variables(self) -> list[Variable]:
        return list(self._trainable)

    @property
    def non_trainable_variables(self) -> list[Variable]:
        return list(self._non_trainable)

    @property
    def endpoint_names(self) -> list[str]:
        return list(self._endpoints)

    def track(self, resource) -> None:
        """Track the variables of a layer or model (it must be built)."""
        from lamina.layers.base import Layer

        if not isinstance(resource, Layer):
            raise ValueError("Invalid resource type. Expected a Keras `Layer` or `Model`. "
                             f"Received object {resource} of type '{type(resource)}'. ")
        if not resource.built:
            raise ValueError("The layer provided has not yet been built. It must be built "
                             "before export.")
        known = {id(v) for v in self.variables}
        self._trainable += [v for v in resource.trainable_variables if id(v) not in known]
        self._non_trainable += [v for v in resource.non_trainable_variables
                                if id(v) not in known]

    def add_endpoint(self, name: str, fn: Callable, input_signature=None,
                     **kwargs) -> Endpoint:
        """Register `fn` as endpoint `name` for `input_signature` (one entry per argument:
        `keras.InputSpec(shape=..., dtype=...)`, a KerasTensor, an array, or a structure of
        them). Returns the endpoint, callable like the reloaded one.

        Keyword arguments: `platforms` (jax.export platforms, e.g. `("cpu", "cuda")`;
        default: the current one), `jax2tf_kwargs` (for `format="tf_saved_model"`) and
        `is_static` (accepted for Keras compatibility: endpoints never write state back).
        """
        if name in self._endpoints:
            raise ValueError(f"Endpoint name '{name}' is already taken.")
        if input_signature is None:
            raise ValueError(
                "You must provide an `input_signature` argument to specify the shape and "
                "dtype of the function arguments. Example:\n\nexport_archive.add_endpoint(\n"
                "    name='call',\n    fn=model.call,\n    input_signature=[\n"
                "        keras.InputSpec(\n            shape=(None, 224, 224, 3),\n"
                "            dtype='float32',\n        )\n    ],\n)")
        unknown = set(kwargs) - {"platforms", "jax2tf_kwargs", "is_static"}
        if unknown:
            raise TypeError(f"add_endpoint() got unexpected keyword arguments "
                            f"{sorted(unknown)}. Received: kwargs={kwargs}")
        endpoint = make_endpoint(name, fn, normalize_signature(input_signature),
                                 self.variables, platforms=kwargs.get("platforms"))
        endpoint.jax2tf_kwargs.update(kwargs.get("jax2tf_kwargs") or {})
        self._endpoints[name] = endpoint
        return endpoint

    def track_and_add_endpoint(self, name: str, resource, input_signature=None,
                               **kwargs) -> Endpoint:
        """`track(resource)`, then `add_endpoint(name, resource.__call__, ...)`."""
        self.track(resource)
        return self.add_endpoint(name, resource.__call__, input_signature, **kwargs)

    def add_variable_collection(self, name: str, variables: Sequence[Variable]) -> None:
        """Store `variables` under `name`; the reloaded artifact has them as `artifact.name`."""
        if not isinstance(variables, (list, tuple, set)):
            raise ValueError("Expected `variables` to be a list/tuple/set. "
                             f"Received instead object of type '{type(variables)}'.")
        if not all(isinstance(v, Variable) for v in variables):
            raise ValueError("Expected all elements in `variables` to be `keras.Variable` "
                             "instances. Found instead the following types: "
                             f"{list(set(type(v) for v in variables))}")
        self._collections[name] = list(variables)

    def write_out(self, filepath, options=None, verbose: bool = True,
                  format: str = "tf_saved_model") -> None:
        """Write the artifact. `format="tf_saved_model"` (Keras's; needs TensorFlow) or
        `"stablehlo"` (needs only jax to reload: `lamina.export.load_stablehlo`)."""
        if not self._endpoints:
            raise ValueError("No endpoints have been set yet. Call add_endpoint().")
        if format == "stablehlo":
            from lamina.export import stablehlo

            if options is not None:
                raise ValueError("`options` (a tf.saved_model.SaveOptions) applies only to "
                                 f"format='tf_saved_model'. Received: options={options!r}")
            stablehlo.write(filepath, list(self._endpoints.values()), self.variables,
                            self._collections, verbose=verbose)
        elif format == "tf_saved_model":
            from lamina.export import saved_model

            saved_model.write(filepath, list(self._endpoints.values()), self._trainable,
                              self._non_trainable, self._collections, options=options,
                              verbose=verbose)
        else:
            raise ValueError(f"Unrecognized format={format}. Supported formats are: "
                             f"{list(WRITE_FORMATS)}.")
