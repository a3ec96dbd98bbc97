"""lamina: a Keras-compatible deep learning library whose engine is JAX.

    import lamina as keras
    from lamina import layers
    from lamina.models import Sequential
"""

__version__ = "0.1.0"

from lamina import (  # noqa: E402
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distribution,
    errors,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from lamina.layers import Input  # noqa: E402
from lamina.models import Model, Sequential  # noqa: E402
from lamina.optimizers import schedules  # noqa: E402,F401

__all__ = ["Input", "Model", "Sequential", "__version__", "activations", "backend", "callbacks",
           "config", "constraints", "datasets", "errors", "initializers", "layers", "losses",
           "metrics", "models", "ops", "optimizers", "random", "regularizers", "saving", "utils"]
