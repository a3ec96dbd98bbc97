"""`keras.visualization` in lamina: drawn boxes and masks carry Keras 3's pixels, and the
galleries are matplotlib figures with those images in them (saved PNGs read back with Pillow).

Keras draws boxes with OpenCV, which the test environment does not install: the box pixels
are checked against golden masks recorded from Keras 3.15 + opencv-python-headless 5.1 (and
against Keras directly where cv2 is importable)."""

import subprocess
import sys

import keras
import matplotlib
import numpy as np
import pytest

import lamina

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BOXES = {"boxes": np.array([[[2, 3, 11, 9], [-3, 7, 6, 20], [13.7, 1.2, 13.9, 5]],
                            [[9, 8, 3, 2], [0, 0, 15, 11], [5, 5, 5, 5]]], "float32"),
         "labels": np.array([[0, 1, -1], [2, 0, 1]])}
# packed masks of the pixels Keras (cv2.rectangle) paints on 2 x 12 x 16 images, by thickness
GOLDEN = {
    1: "0000000000003ff0201020102010fe1022103ff002000200ffff80019fc1904190419441904190419fc1"
       "80018001ffff",
    2: "000000003ff07ff87ff87038fe38ff38fff87ff83ff00700ffffffffffe3ffe3fce3fee3fce3ffe3ffe3"
       "dfc3ffffffff",
    3: "00003ff07ff8fffcfffcfffcff7cfffcfffcfffc7ff83ff0fffffffffffffff7fff7fff7fff7fff7fff7"
       "ffffffffffff",
    5: "3ff0fffcfffcfffefffefffefffefffefffefffefffcfffcffffffffffffffffffffffffffffffffffff"
       "ffffffffffff",
    -1: "0000000000003ff03ff03ff03ff0fff0fff0fff0fe00fe00ffffffffffffffffffffffffffffffffff"
        "ffffffffffffff",
}
RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (2, 12, 16, 3)).astype("uint8")


def golden_mask(thickness):
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(GOLDEN[thickness]), "uint8"))
    return bits[:2 * 12 * 16].reshape(2, 12, 16).astype(bool)


@pytest.mark.parametrize("thickness", sorted(GOLDEN))
def test_draw_bounding_boxes_paints_keras_pixels(thickness):
    drawn = lamina.visualization.draw_bounding_boxes(
        IMAGES, BOXES, "xyxy", color=(255, 0, 7), line_thickness=thickness)
    mask = golden_mask(thickness)
    assert drawn.dtype == np.uint8 and drawn.shape == IMAGES.shape
    np.testing.assert_array_equal(drawn[mask], np.tile([255, 0, 7], (mask.sum(), 1)))
    np.testing.assert_array_equal(drawn[~mask], IMAGES[~mask])


def test_draw_bounding_boxes_equals_keras_with_opencv():
    pytest.importorskip("cv2")
    for fmt in ("xyxy", "center_xywh", "rel_yxyx"):
        boxes = dict(BOXES, boxes=RNG.uniform(-0.2, 1.2, (2, 3, 4)).astype("float32") * (
            1 if fmt.startswith("rel") else 14))
        for thickness in (1, 2, 4, 7):
            ours = lamina.visualization.draw_bounding_boxes(IMAGES, boxes, fmt,
                                                            line_thickness=thickness)
            theirs = keras.visualization.draw_bounding_boxes(IMAGES.copy(), dict(boxes), fmt,
                                                             line_thickness=thickness)
            np.testing.assert_array_equal(ours, theirs)


def test_draw_bounding_boxes_reads_formats_float_images_and_channels_first():
    rel = dict(BOXES, boxes=keras.utils.bounding_boxes.convert_format(
        BOXES["boxes"], "xyxy", "rel_center_xywh", height=12, width=16))
    expected = lamina.visualization.draw_bounding_boxes(IMAGES, BOXES, "xyxy")
    np.testing.assert_array_equal(
        lamina.visualization.draw_bounding_boxes(IMAGES, rel, "rel_center_xywh"), expected)
    fractions = IMAGES / np.float32(255.0)  # floats up to 1 are read as fractions of 255
    drawn = lamina.visualization.draw_bounding_boxes(fractions, BOXES, "xyxy")
    np.testing.assert_array_equal(drawn, lamina.visualization.draw_bounding_boxes(
        (fractions * 255).astype("uint8"), BOXES, "xyxy"))
    first = lamina.visualization.draw_bounding_boxes(
        np.transpose(IMAGES, (0, 3, 1, 2)), BOXES, "xyxy", data_format="channels_first")
    np.testing.assert_array_equal(first, np.transpose(expected, (0, 3, 1, 2)))


def test_draw_bounding_boxes_writes_class_names_above_boxes():
    pytest.importorskip("PIL")
    images = np.zeros((1, 64, 96, 3), "uint8")
    boxes = {"boxes": np.array([[[10.0, 40.0, 60.0, 60.0]]], "float32"),
             "labels": np.array([[3]])}
    bare = lamina.visualization.draw_bounding_boxes(images, boxes, "xyxy", color=(0, 255, 0))
    named = lamina.visualization.draw_bounding_boxes(images, boxes, "xyxy", color=(0, 255, 0),
                                                     class_mapping={3: "cat"})
    text = (named != bare).any(-1)[0]
    rows, cols = np.nonzero(text)
    assert text.sum() > 10 and rows.max() <= 32 and cols.min() >= 10  # above the box, at x1
    np.testing.assert_array_equal(np.unique(named[0][text], axis=0), [[0, 255, 0]])
    scored = lamina.visualization.draw_bounding_boxes(
        images, dict(boxes, confidences=np.array([[0.91]])), "xyxy", color=(0, 255, 0),
        class_mapping={3: "cat"})
    assert (scored != bare).any(-1).sum() > text.sum()  # "cat | 0.91"


def test_draw_bounding_boxes_errors():
    draw = lamina.visualization.draw_bounding_boxes
    with pytest.raises(ValueError, match="batched 4D"):
        draw(IMAGES[0], BOXES, "xyxy")
    with pytest.raises(TypeError, match="should be a dict"):
        draw(IMAGES, BOXES["boxes"], "xyxy")
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        draw(IMAGES, {"boxes": BOXES["boxes"]}, "xyxy")


MASKS = RNG.integers(-1, 4, (2, 12, 16, 1)).astype("int32")
FLOAT_IMAGES = RNG.uniform(0, 255, (2, 12, 16, 3)).astype("float32")


@pytest.mark.parametrize("kwargs", [{}, {"num_classes": 3, "alpha": 0.37}, {"blend": False},
                                    {"ignore_index": 0},
                                    {"color_mapping": {0: (1, 2, 3), 1: (200, 100, 50),
                                                       2: (0, 255, 0), 3: (9, 9, 9)}}])
def test_draw_segmentation_masks_matches_keras(kwargs):
    ours = lamina.visualization.draw_segmentation_masks(FLOAT_IMAGES, MASKS, **kwargs)
    theirs = np.asarray(keras.visualization.draw_segmentation_masks(FLOAT_IMAGES, MASKS,
                                                                    **kwargs))
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_draw_segmentation_masks_takes_3d_masks_and_channels_first_and_checks_dtype():
    expected = lamina.visualization.draw_segmentation_masks(FLOAT_IMAGES, MASKS)
    np.testing.assert_array_equal(
        lamina.visualization.draw_segmentation_masks(FLOAT_IMAGES, MASKS[..., 0]), expected)
    first = lamina.visualization.draw_segmentation_masks(
        np.transpose(FLOAT_IMAGES, (0, 3, 1, 2)), np.transpose(MASKS, (0, 3, 1, 2)),
        data_format="channels_first")
    np.testing.assert_array_equal(first, np.transpose(expected, (0, 3, 1, 2)))
    with pytest.raises(TypeError, match="integer dtype"):
        lamina.visualization.draw_segmentation_masks(FLOAT_IMAGES, MASKS.astype("float32"))


def shown_images(figure):
    return [np.asarray(axis.get_images()[0].get_array()) for axis in figure.axes
            if axis.get_images()]


SOLID = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]], "uint8")
SOLID_IMAGES = np.broadcast_to(SOLID[:, None, None, :], (4, 8, 8, 3)).copy()


def test_plot_image_gallery_builds_the_grid_with_titles():
    plt.close("all")
    lamina.visualization.plot_image_gallery(
        SOLID_IMAGES / 255.0, y_true=[0, 1, 0, 1], y_pred=[1, 1, 0, 0],
        label_map={0: "cat", 1: "dog"}, value_range=(0, 1), show=False)
    figure = plt.gcf()
    assert len(figure.axes) == 4  # 2 x 2
    for image, expected in zip(shown_images(figure), SOLID_IMAGES, strict=True):
        np.testing.assert_array_equal(image, expected)
    assert figure.axes[0].get_title() == "Label: cat  Pred: dog"
    plt.close("all")


def test_plot_image_gallery_saves_a_png_with_the_pixels(tmp_path):
    from PIL import Image

    path = tmp_path / "gallery.png"
    lamina.visualization.plot_image_gallery(SOLID_IMAGES, rows=1, cols=4, path=str(path),
                                            transparent=False)
    assert plt.get_fignums() == []  # saved and closed
    with Image.open(path) as picture:
        pixels = np.asarray(picture.convert("RGB")).reshape(-1, 3)
    for color in SOLID:
        assert (np.abs(pixels.astype(int) - color).max(axis=1) <= 2).sum() > 20
    with pytest.raises(ValueError, match="either `path`"):
        lamina.visualization.plot_image_gallery(SOLID_IMAGES, path=str(path), show=True)
    with pytest.raises(ValueError, match="`label_map` must also be"):
        lamina.visualization.plot_image_gallery(SOLID_IMAGES, y_true=[0, 1, 0, 1])


def test_plot_bounding_box_gallery_shows_drawn_boxes_and_legend():
    plt.close("all")
    y_pred = dict(BOXES, boxes=BOXES["boxes"] + 1)
    lamina.visualization.plot_bounding_box_gallery(
        IMAGES, "xyxy", y_true=BOXES, y_pred=y_pred, rows=1, cols=2, legend=True, show=False)
    figure = plt.gcf()
    draw = lamina.visualization.draw_bounding_boxes
    expected = draw(draw(IMAGES, BOXES, "xyxy", color=(0, 188, 212)), y_pred, "xyxy",
                    color=(255, 235, 59))
    assert len(figure.axes) == 2
    for image, drawn in zip(shown_images(figure), expected, strict=True):
        np.testing.assert_array_equal(image, drawn)
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["Ground Truth",
                                                                     "Prediction"]
    plt.close("all")
    with pytest.raises(ValueError, match="Only pass `legend` OR `legend_handles`"):
        lamina.visualization.plot_bounding_box_gallery(IMAGES, "xyxy", y_true=BOXES,
                                                       legend=True, legend_handles=[1])


def test_plot_segmentation_mask_gallery_puts_masks_beside_images():
    plt.close("all")
    lamina.visualization.plot_segmentation_mask_gallery(
        FLOAT_IMAGES, num_classes=4, y_true=MASKS, y_pred=np.maximum(MASKS, 0), show=False)
    figure = plt.gcf()
    shown = shown_images(figure)
    assert len(figure.axes) == 6  # a row per image: image, truth, prediction
    np.testing.assert_array_equal(shown[0], FLOAT_IMAGES[0].astype("uint8"))
    np.testing.assert_array_equal(shown[1], keras.visualization.draw_segmentation_masks(
        FLOAT_IMAGES, MASKS, num_classes=4)[0])
    plt.close("all")


def test_import_lamina_leaves_matplotlib_until_a_plot():
    code = ("import sys, lamina\n"
            "gallery = lamina.visualization.plot_image_gallery\n"
            "print('matplotlib' in sys.modules, 'lamina.ops' in sys.modules)\n")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    assert output == ["False", "False"]
