"""lamina: a Keras-compatible deep learning library whose engine is JAX.

    import lamina as keras
    from lamina import layers
    from lamina.models import Sequential
"""

__version__ = "0.1.0"

import importlib  # noqa: E402

from lamina.distribution import cpu_cores  # noqa: E402

cpu_cores.expose_cores()  # before anything starts JAX: its devices are fixed from then on

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
from lamina.layers import Input  # noqa: E402
from lamina.models import Model, Sequential  # noqa: E402

#: Imported on first use (PEP 562), to keep `import lamina` quick: optax, the download code and
#: the ops namespace are not needed until a model is compiled or data is fetched.
_LAZY_SUBMODULES = ("datasets", "ops", "optimizers", "saving", "utils")


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"lamina.{name}")
    raise AttributeError(f"module 'lamina' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_SUBMODULES})

__all__ = ["Input", "Model", "Sequential", "__version__", "activations", "backend", "callbacks",
           "config", "constraints", "datasets", "errors", "initializers", "layers", "losses",
           "metrics", "models", "ops", "optimizers", "random", "regularizers", "saving", "utils"]
