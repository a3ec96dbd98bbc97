"""The NASNet-A cells (Keras's `_normal_a_cell`, `_reduction_a_cell`, `_adjust_block` and
`_separable_conv_block`), with Keras's layer names, creation order and name scopes."""

from __future__ import annotations

from typing import Any

from lamina import layers
from lamina.applications import imagenet_utils
from lamina.scopes import name_scope


def _bn(name: str | None = None):
    """NASNet's BatchNormalization (momentum 0.9997, epsilon 1e-3)."""
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)


def _conv1x1(filters: int, name: str):
    return layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", use_bias=False,
                         name=name, kernel_initializer="he_normal")


def separable_conv_block(ip: Any, filters: int, kernel_size: tuple = (3, 3),
                         strides: tuple = (1, 1), block_id: str | None = None) -> Any:
    """Two [ReLU - separable conv - BN] units; the first one strided (after Keras's padding)."""
    with name_scope(f"separable_conv_block_{block_id}"):
        x = layers.Activation("relu")(ip)
        conv_pad = "same"
        if strides == (2, 2):
            x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                     name=f"separable_conv_1_pad_{block_id}")(x)
            conv_pad = "valid"
        x = layers.SeparableConv2D(filters, kernel_size, strides=strides,
                                   name=f"separable_conv_1_{block_id}", padding=conv_pad,
                                   use_bias=False)(x)
        x = _bn(f"separable_conv_1_bn_{block_id}")(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, kernel_size, name=f"separable_conv_2_{block_id}",
                                   padding="same", use_bias=False)(x)
        return _bn(f"separable_conv_2_bn_{block_id}")(x)


def _halve(p: Any, filters: int, block_id: str) -> Any:
    """The previous path at half the resolution: two offset strided 1x1 paths, concatenated."""
    with name_scope(f"adjust_reduction_block_{block_id}"):
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = _conv1x1(filters // 2, f"adjust_conv_1_{block_id}")(p1)
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = _conv1x1(filters // 2, f"adjust_conv_2_{block_id}")(p2)
        p = layers.concatenate([p1, p2], axis=-1)
        return _bn(f"adjust_bn_{block_id}")(p)


def adjust_block(p: Any, ip: Any, filters: int, block_id: str | None = None) -> Any:
    """The previous path `p` matched to `ip`'s resolution and to `filters` channels."""
    with name_scope("adjust_block"):
        if p is None:
            return ip
        if p.shape[-2] != ip.shape[-2]:
            return _halve(p, filters, block_id)
        if p.shape[-1] != filters:
            with name_scope(f"adjust_projection_block_{block_id}"):
                p = layers.Activation("relu")(p)
                p = _conv1x1(filters, f"adjust_conv_projection_{block_id}")(p)
                return _bn(f"adjust_bn_{block_id}")(p)
    return p


def _cell_input(ip: Any, p: Any, filters: int, kind: str, block_id: str) -> tuple:
    """(adjusted previous path, ReLU - 1x1 conv - BN of the cell input)."""
    p = adjust_block(p, ip, filters, block_id)
    h = layers.Activation("relu")(ip)
    h = _conv1x1(filters, f"{kind}_conv_1_{block_id}")(h)
    return p, _bn(f"{kind}_bn_1_{block_id}")(h)


def _avg_pool(strides: tuple, padding: str, name: str):
    return layers.AveragePooling2D((3, 3), strides=strides, padding=padding, name=name)


def normal_a_cell(ip: Any, p: Any, filters: int, block_id: str | None = None) -> tuple:
    """A Normal cell for NASNet-A (Fig. 4 in the paper): returns (output, ip)."""
    with name_scope(f"normal_A_block_{block_id}"):
        p, h = _cell_input(ip, p, filters, "normal", block_id)
        with name_scope("block_1"):
            x1_1 = separable_conv_block(h, filters, kernel_size=(5, 5),
                                        block_id=f"normal_left1_{block_id}")
            x1_2 = separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
            x1 = layers.add([x1_1, x1_2], name=f"normal_add_1_{block_id}")
        with name_scope("block_2"):
            x2_1 = separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
            x2_2 = separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
            x2 = layers.add([x2_1, x2_2], name=f"normal_add_2_{block_id}")
        with name_scope("block_3"):
            x3 = _avg_pool((1, 1), "same", f"normal_left3_{block_id}")(h)
            x3 = layers.add([x3, p], name=f"normal_add_3_{block_id}")
        with name_scope("block_4"):
            x4_1 = _avg_pool((1, 1), "same", f"normal_left4_{block_id}")(p)
            x4_2 = _avg_pool((1, 1), "same", f"normal_right4_{block_id}")(p)
            x4 = layers.add([x4_1, x4_2], name=f"normal_add_4_{block_id}")
        with name_scope("block_5"):
            x5 = separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
            x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
        x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1,
                               name=f"normal_concat_{block_id}")
    return x, ip


def reduction_a_cell(ip: Any, p: Any, filters: int, block_id: str | None = None) -> tuple:
    """A Reduction cell for NASNet-A (Fig. 4 in the paper): returns (output, ip)."""
    with name_scope(f"reduction_A_block_{block_id}"):
        p, h = _cell_input(ip, p, filters, "reduction", block_id)
        h3 = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(h, 3),
                                  name=f"reduction_pad_1_{block_id}")(h)
        with name_scope("block_1"):
            x1_1 = separable_conv_block(h, filters, (5, 5), strides=(2, 2),
                                        block_id=f"reduction_left1_{block_id}")
            x1_2 = separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                        block_id=f"reduction_right1_{block_id}")
            x1 = layers.add([x1_1, x1_2], name=f"reduction_add_1_{block_id}")
        with name_scope("block_2"):
            x2_1 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                                       name=f"reduction_left2_{block_id}")(h3)
            x2_2 = separable_conv_block(p, filters, (7, 7), strides=(2, 2),
                                        block_id=f"reduction_right2_{block_id}")
            x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
        with name_scope("block_3"):
            x3_1 = _avg_pool((2, 2), "valid", f"reduction_left3_{block_id}")(h3)
            x3_2 = separable_conv_block(p, filters, (5, 5), strides=(2, 2),
                                        block_id=f"reduction_right3_{block_id}")
            x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
        with name_scope("block_4"):
            x4 = _avg_pool((1, 1), "same", f"reduction_left4_{block_id}")(x1)
            x4 = layers.add([x2, x4])
        with name_scope("block_5"):
            x5_1 = separable_conv_block(x1, filters, (3, 3),
                                        block_id=f"reduction_left4_{block_id}")
            x5_2 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid",
                                       name=f"reduction_right5_{block_id}")(h3)
            x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
        x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip
