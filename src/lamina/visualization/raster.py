"""Pixel-exact NumPy versions of the OpenCV drawing calls that Keras's `draw_bounding_boxes`
makes (`cv2.rectangle` with LINE_8 lines), so that lamina draws the same pixels without
OpenCV. Text goes through Pillow (OpenCV's Hershey font is not reproduced)."""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["draw_text", "rectangle_mask"]


def _fill(mask: np.ndarray, top: int, bottom: int, left: int, right: int) -> None:
    """Sets the inclusive block rows top..bottom, columns left..right, clipped to `mask`."""
    top, left = max(top, 0), max(left, 0)
    bottom, right = min(bottom, mask.shape[0] - 1), min(right, mask.shape[1] - 1)
    if top <= bottom and left <= right:
        mask[top:bottom + 1, left:right + 1] = True


@functools.lru_cache(maxsize=64)
def _disc_half_widths(radius: int) -> dict[int, int]:
    """OpenCV's filled circle (its midpoint algorithm) as {row offset: half width}."""
    half_widths: dict[int, int] = {}
    err, dx, dy, plus, minus = 0, radius, 0, 1, 2 * radius - 1
    while dx >= dy:
        for row, half in ((dy, dx), (dx, dy)):
            half_widths[row] = max(half_widths.get(row, -1), half)
        dy, err, plus = dy + 1, err + plus, plus + 2
        if err > 0:
            err, dx, minus = err - minus, dx - 1, minus - 2
    return half_widths


def _disc(mask: np.ndarray, cx: int, cy: int, radius: int) -> None:
    for row, half in _disc_half_widths(radius).items():
        _fill(mask, cy - row, cy - row, cx - half, cx + half)
        _fill(mask, cy + row, cy + row, cx - half, cx + half)


def rectangle_mask(shape: tuple[int, int], x1: int, y1: int, x2: int, y2: int,
                   thickness: int) -> np.ndarray:
    """Pixels `cv2.rectangle(img, (x1, y1), (x2, y2), color, thickness)` paints on an image
    of `shape` (height, width): a filled box for thickness < 0, one-pixel sides for 0 or 1,
    otherwise sides (thickness + 1) // 2 pixels either side of the line with round corners."""
    mask = np.zeros(shape, bool)
    left, right, top, bottom = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
    if thickness < 0:
        _fill(mask, top, bottom, left, right)
        return mask
    half = (thickness + 1) // 2 if thickness > 1 else 0
    if thickness <= 1 or left != right:
        for y in (y1, y2):
            _fill(mask, y - half, y + half, left, right)
    if thickness <= 1 or top != bottom:
        for x in (x1, x2):
            _fill(mask, top, bottom, x - half, x + half)
    if thickness > 1:
        for cx, cy in ((x1, y1), (x2, y1), (x2, y2), (x1, y2)):
            _disc(mask, cx, cy, half)
    return mask


def draw_text(shape: tuple[int, int], text: str, x: int, y: int, font_scale: float,
              thickness: int) -> np.ndarray:
    """Pixels of `text` whose baseline starts at (x, y), about OpenCV's size at `font_scale`
    (Pillow's default font; needs Pillow)."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError as error:
        raise ImportError("Drawing class labels needs Pillow: `pip install pillow`, or pass "
                          "`class_mapping=None` to draw boxes only.") from error
    canvas = Image.new("L", (shape[1], shape[0]), 0)
    try:
        font = ImageFont.load_default(size=max(1, round(22 * font_scale)))
    except (TypeError, ImportError):  # Pillow without FreeType: its fixed bitmap font
        font = ImageFont.load_default()
        y -= 10
    anchor = "ls" if isinstance(font, ImageFont.FreeTypeFont) else None
    ImageDraw.Draw(canvas).text((x, y), text, fill=255, font=font, anchor=anchor,
                                stroke_width=max(thickness - 1, 0), stroke_fill=255)
    return np.asarray(canvas) > 0
