"""`TensorBoard(embeddings_freq=...)`: the embedding projector's `projector_config.pbtxt`.

Written as Keras writes it: one `embeddings` entry per Embedding layer, all naming
`layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE`, with the metadata file when one
is given. Unlike Keras, the user's `embeddings_metadata` dict is not emptied, so a second
`fit`/`evaluate` writes the same config again.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["write_projector_config"]

TENSOR_NAME = "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"


def projector_config_text(model: Any, metadata: str | dict[str, str] | None) -> str:
    """The projector config of `model`'s Embedding layers in protobuf text format."""
    from google.protobuf import text_format
    from tensorboard.plugins.projector import projector_config_pb2

    from lamina.layers.embedding import Embedding

    unused = dict(metadata) if isinstance(metadata, dict) else {}
    config = projector_config_pb2.ProjectorConfig()
    for layer in model.layers:
        if not isinstance(layer, Embedding):
            continue
        embedding = config.embeddings.add()
        embedding.tensor_name = TENSOR_NAME
        if isinstance(metadata, str):
            embedding.metadata_path = metadata
        elif layer.name in unused:
            embedding.metadata_path = unused.pop(layer.name)
    if unused:
        raise ValueError(
            "Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
            f"`embeddings_metadata` argument: {unused.keys()}")
    return text_format.MessageToString(config)


def write_projector_config(model: Any, log_dir: str,
                           metadata: str | dict[str, str] | None) -> None:
    """Write `<log_dir>/projector_config.pbtxt` (atomically)."""
    from lamina.saving.atomic import atomic_write

    text = projector_config_text(model, metadata)
    with atomic_write(os.path.join(log_dir, "projector_config.pbtxt")) as tmp:
        tmp.write_text(text)
