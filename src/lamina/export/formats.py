"""`Model.export`: pick the writer for `format`, with Keras's default and error texts.

Default format: "tf_saved_model", as in Keras, so that `model.export(path)` gives what Keras
users load with `tf.saved_model.load`. Where TensorFlow is not installed, that raises an
ImportError naming `format="stablehlo"` (jax only) and `format="onnx"` instead of silently
writing another format that their loading code would then fail on.
"""

from __future__ import annotations

DEFAULT_ENDPOINT_NAME = "serve"
FORMATS = ("tf_saved_model", "onnx", "stablehlo")
#: Keras formats that need a Keras backend other than JAX, and what to do instead.
UNSUPPORTED = {
    "openvino": "OpenVINO export runs Keras's OpenVINO backend, and lamina's only engine is "
                "JAX. Export format='onnx' and convert it with OpenVINO's `ovc` tool.",
    "litert": "LiteRT export needs Keras's TensorFlow or PyTorch backend, and lamina's only "
              "engine is JAX. Export format='tf_saved_model' and convert it with "
              "tf.lite.TFLiteConverter.from_saved_model.",
    "torch": "Torch export needs Keras's PyTorch backend, and lamina's only engine is JAX. "
             "Export format='onnx' or format='stablehlo' instead.",
}


def export_model(model, filepath, format: str = "tf_saved_model", verbose=None,
                 input_signature=None, **kwargs) -> None:
    """Write `model`'s forward pass (its `serve` endpoint) to `filepath` as `format`."""
    if format in UNSUPPORTED:
        raise ValueError(f"format={format!r} is not supported: {UNSUPPORTED[format]}")
    if format not in FORMATS:
        raise ValueError(f"Unrecognized format={format}. Supported formats are: "
                         f"{list(FORMATS)}.")
    verbose = True if verbose is None else bool(verbose)
    if format == "onnx":
        from lamina.export.onnx import export_onnx

        export_onnx(model, filepath, verbose, input_signature=input_signature, **kwargs)
        return
    if format == "tf_saved_model":
        from lamina.export.saved_model import require_tensorflow

        require_tensorflow()
    from lamina.export.archive import ExportArchive
    from lamina.export.signature import input_signature_of

    archive = ExportArchive()
    signature = input_signature if input_signature is not None else input_signature_of(model)
    archive.track_and_add_endpoint(DEFAULT_ENDPOINT_NAME, model, signature, **kwargs)
    archive.write_out(filepath, verbose=verbose, format=format)
