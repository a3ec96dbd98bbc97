"""Argument normalisation and shape arithmetic shared by convolution, pooling and reshaping."""

from __future__ import annotations

from lamina import config, errors
from lamina.layers.input_spec import shape_str


def normalize_tuple(value, rank: int, name: str, layer: str, allow_zero: bool = False) -> tuple:
    """An int or a sequence of `rank` ints as a tuple of ints (Keras's `standardize_tuple`)."""
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    low = 0 if allow_zero else 1
    if len(values) != rank or not all(isinstance(v, int) and v >= low for v in values):
        raise errors.ConfigError(errors.message(
            f"'{name}' must be an integer or a tuple of {rank} integers >= {low}.", where=layer,
            got=f"{name}={value!r}"))
    return values


def normalize_padding(value: str, layer: str, allow_causal: bool = False) -> str:
    padding = str(value).lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if padding not in allowed:
        raise errors.ConfigError(errors.message(
            "got an unknown padding.", where=layer, expected=" or ".join(map(repr, allowed)),
            got=f"padding={value!r}"))
    return padding


def normalize_data_format(value: str | None, layer: str) -> str:
    data_format = (value or config.image_data_format()).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise errors.ConfigError(errors.message(
            "got an unknown data_format.", where=layer,
            expected="'channels_last' or 'channels_first'", got=f"data_format={value!r}"))
    return data_format


def spatial_axes(rank: int, data_format: str) -> tuple[int, ...]:
    """Axes of the spatial dimensions in an input of `rank` spatial dims (batch included)."""
    start = 1 if data_format == "channels_last" else 2
    return tuple(range(start, start + rank))


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def output_length(length: int | None, window: int, padding: str, stride: int,
                  dilation: int = 1) -> int | None:
    """Output size of one spatial axis after a sliding window (conv or pool)."""
    if length is None:
        return None
    if padding == "valid":
        return (length - dilation * (window - 1) - 1) // stride + 1
    return (length - 1) // stride + 1


def check_spatial_input(layer, input_shape, rank: int, data_format: str) -> None:
    """Rank check for image-like inputs, naming the missing channel axis when that is the cause."""
    if len(input_shape) == rank + 2:
        return
    where = errors.layer_label(layer)
    expected = f"{rank + 2}D input (batch, {_axes_text(rank, data_format)})"
    got = f"shape {shape_str(tuple(input_shape))}"
    if len(input_shape) == rank + 1:
        spatial = tuple(input_shape[1:])
        fix = (f"The channel axis seems to be missing: add a channel axis: x[..., None] or "
               f"layers.Reshape({shape_str((*spatial, 1))}) before this layer.")
    else:
        fix = "Reshape the inputs to that rank (layers.Reshape) or use a layer of matching rank."
    raise errors.ShapeError(errors.message("received an input of the wrong rank.", where=where,
                                           expected=expected, got=got, fix=fix))


def _axes_text(rank: int, data_format: str) -> str:
    names = ("steps",) if rank == 1 else ("height", "width") if rank == 2 else (
        "depth", "height", "width")
    return ", ".join((*names, "channels") if data_format == "channels_last" else (
        "channels", *names))
