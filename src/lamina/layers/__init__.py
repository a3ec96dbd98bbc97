"""Layers, mirroring `keras.layers`. Each module lists its public layers in `__all__`."""

from lamina.layers.base import KerasTensor, Layer
from lamina.layers.conv import *  # noqa: F401,F403
from lamina.layers.core import *  # noqa: F401,F403
from lamina.layers.embedding import *  # noqa: F401,F403
from lamina.layers.input_spec import InputSpec
from lamina.layers.merge import *  # noqa: F401,F403
from lamina.layers.normalization import *  # noqa: F401,F403
from lamina.layers.pooling import *  # noqa: F401,F403
from lamina.layers.preprocessing import *  # noqa: F401,F403
from lamina.layers.recurrent import *  # noqa: F401,F403
from lamina.layers.regularization import *  # noqa: F401,F403
from lamina.layers.reshaping import *  # noqa: F401,F403
from lamina.layers import tensor_ops as _tensor_ops  # noqa: F401 - KerasTensor operators
