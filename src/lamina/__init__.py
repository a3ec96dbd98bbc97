"""lamina: a Keras-compatible deep learning library whose engine is JAX.

    import lamina as keras
    from lamina import layers
    from lamina.models import Sequential
"""

__version__ = "0.1.0"

import importlib  # noqa: E402

from lamina import accelerator_flags  # noqa: E402
from lamina.distribution import cpu_cores  # noqa: E402

cpu_cores.expose_cores()  # before anything starts JAX: its devices are fixed from then on
accelerator_flags.set_gpu_flags()  # XLA reads its flags once, as a backend starts

from lamina import (  # noqa: E402
    activations,
    backend,
    callbacks,
    config,
    constraints,
    distribution,
    errors,
    initializers,
    layers,
    losses,
    metrics,
    models,
    random,
    regularizers,
)
from lamina.constraints import Constraint  # noqa: E402
from lamina.dtype_policies import DTypePolicy, FloatDTypePolicy  # noqa: E402
from lamina.initializers import Initializer  # noqa: E402
from lamina.layers import Input, InputSpec, Layer  # noqa: E402
from lamina.layers.base import KerasTensor  # noqa: E402
from lamina.layers.tensor_ops import TensorOperation as Operation  # noqa: E402
from lamina.losses import Loss  # noqa: E402
from lamina.metrics import Metric  # noqa: E402
from lamina.models import Model, Sequential  # noqa: E402
from lamina.models.function import Function  # noqa: E402
from lamina.quantizers import Quantizer  # noqa: E402
from lamina.regularizers import Regularizer  # noqa: E402
from lamina.scopes import (RematScope, StatelessScope, SymbolicScope, device,  # noqa: E402
                           name_scope, remat)
from lamina.variables import Variable  # noqa: E402


def version() -> str:
    """lamina's version (as `keras.version()`)."""
    return __version__

#: Imported on first use (PEP 562), to keep `import lamina` quick: optax, the download code and
#: the ops namespace are not needed until a model is compiled or data is fetched.
_LAZY_SUBMODULES = ("applications", "datasets", "dtype_policies", "export", "mixed_precision",
                    "ops", "optimizers", "preprocessing", "quantizers", "saving", "tree", "utils",
                    "visualization", "wrappers")


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"lamina.{name}")
    if name == "Optimizer":  # optax loads with the optimizers
        return importlib.import_module("lamina.optimizers").Optimizer
    raise AttributeError(f"module 'lamina' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_SUBMODULES})

__all__ = ["Constraint", "Function", "Initializer", "Input", "InputSpec", "KerasTensor", "Layer",
           "Loss", "Metric", "Model", "Operation", "Optimizer", "Regularizer", "RematScope",
           "Sequential", "StatelessScope", "SymbolicScope", "Variable", "__version__", "device",
           "name_scope", "remat", "version", "activations", "applications", "backend",
           "callbacks", "config", "constraints", "datasets", "errors", "initializers", "layers",
           "losses", "metrics", "models", "ops", "optimizers", "preprocessing", "random",
           "regularizers", "saving", "utils", "visualization", "wrappers", "export",
           "dtype_policies", "mixed_precision", "quantizers", "DTypePolicy", "FloatDTypePolicy",
           "Quantizer"]
