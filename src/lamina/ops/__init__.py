"""`lamina.ops`: Keras 3's ops namespace as thin maps onto jax.numpy / jax.nn / jax.lax.

    from lamina import ops
    y = ops.matmul(x, w); p = ops.softmax(y); ops.nn.one_hot(labels, 10)
    u, s, vh = ops.linalg.svd(a); ops.image.rgb_to_hsv(images)

As in Keras, the names of `ops.nn`, `ops.numpy`, `ops.linalg` and the core, math and einops
ops are all top-level; `ops.image` is only a submodule. Called on KerasTensors, each op adds
an operation node to the model graph, as Keras's do (see `_symbolic.py`).
"""

from lamina.ops import image, linalg, nn
from lamina.ops import numpy as numpy  # noqa: PLC0414 - Keras exposes `ops.numpy`
from lamina.ops.core import *  # noqa: F401,F403
from lamina.ops.core import __all__ as _core_names
from lamina.ops.einops import *  # noqa: F401,F403
from lamina.ops.einops import __all__ as _einops_names
from lamina.ops.linalg import *  # noqa: F401,F403
from lamina.ops.linalg import __all__ as _linalg_names
from lamina.ops.math import *  # noqa: F401,F403
from lamina.ops.math import __all__ as _math_names
from lamina.ops.nn import *  # noqa: F401,F403
from lamina.ops.nn import __all__ as _nn_names
from lamina.ops.numpy import *  # noqa: F401,F403
from lamina.ops.numpy import __all__ as _numpy_names

__all__ = sorted({*_core_names, *_einops_names, *_linalg_names, *_math_names, *_nn_names,
                  *_numpy_names, "image", "linalg", "nn", "numpy"})

from lamina.ops import _symbolic

_symbolic.install([globals(), vars(core), vars(einops), vars(linalg), vars(math), vars(nn),
                   vars(numpy)], vars(image))
