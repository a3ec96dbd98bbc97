"""`lamina.ops`: Keras 3's ops namespace as thin maps onto jax.numpy / jax.nn / jax.lax.

    from lamina import ops
    y = ops.matmul(x, w); p = ops.softmax(y); ops.nn.one_hot(labels, 10)
"""

from lamina.ops import image, nn
from lamina.ops import numpy as numpy  # noqa: PLC0414 - Keras exposes `ops.numpy`
from lamina.ops.core import *  # noqa: F401,F403
from lamina.ops.core import __all__ as _core_names
from lamina.ops.nn import *  # noqa: F401,F403
from lamina.ops.nn import __all__ as _nn_names
from lamina.ops.numpy import *  # noqa: F401,F403
from lamina.ops.numpy import __all__ as _numpy_names

__all__ = sorted({*_core_names, *_nn_names, *_numpy_names, "image", "nn", "numpy"})
