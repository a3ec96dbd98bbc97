"""`keras.export`: write models for serving without their Python code.

- `format="stablehlo"` (lamina's own): `jax.export` StableHLO modules plus the weights, in a
  folder that `load_stablehlo(path)` serves with jax alone; the batch size is symbolic.
- `format="tf_saved_model"` (Keras's default): a TF SavedModel via jax2tf, when TensorFlow is
  installed.
- `format="onnx"`: an ONNX file via jax2onnx, when `jax2onnx` and `onnx` are installed.
"""

from lamina.export.archive import ExportArchive
from lamina.export.stablehlo_loader import load_stablehlo

__all__ = ["ExportArchive", "load_stablehlo"]
