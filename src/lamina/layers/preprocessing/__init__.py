"""Preprocessing layers, mirroring `keras.layers`' preprocessing family. Each module lists its
public layers in `__all__`; image augmentation builds on
`image_base.BaseImagePreprocessingLayer`. Modules import `lamina.ops` inside the functions that
use it, so that `import lamina` stays light."""

from lamina.layers.preprocessing.image_resizing import *  # noqa: F401,F403
from lamina.layers.preprocessing.normalization import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_color import *  # noqa: F401,F403
from lamina.layers.preprocessing.audio import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_mixing import *  # noqa: F401,F403
from lamina.layers.preprocessing.pipeline import *  # noqa: F401,F403
from lamina.layers.preprocessing.string_lookup import *  # noqa: F401,F403
from lamina.layers.preprocessing.text_vectorization import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_geometric import *  # noqa: F401,F403
from lamina.layers.preprocessing.category_encoding import *  # noqa: F401,F403
from lamina.layers.preprocessing.discretization import *  # noqa: F401,F403
from lamina.layers.preprocessing.hashing import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_composite import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_boxes_count import *  # noqa: F401,F403
from lamina.layers.preprocessing.image_clahe import *  # noqa: F401,F403
