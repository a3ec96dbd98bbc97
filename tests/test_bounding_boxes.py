"""`keras.utils.bounding_boxes` in lamina: every function gives Keras 3's numbers on the same
boxes (format conversions for every pair, clipping, crop / pad, affine warps, IoU / CIoU,
anchor deltas), plus its errors."""

import jax
import keras
import numpy as np
import pytest

import lamina

FORMATS = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx",
           "rel_xywh", "rel_center_xywh"]
BOXES = np.array([[[10.0, 20.0, 30.0, 50.0], [0.0, 5.0, 8.0, 9.0], [-4.0, 12.0, 70.0, 66.0]],
                  [[1.0, 1.0, 2.0, 3.0], [35.0, 40.0, 39.0, 59.0], [5.0, 5.0, 5.0, 9.0]]],
                 "float32")
LABELS = np.array([[0, 1, 2], [1, 2, 0]], "int32")
HEIGHT, WIDTH = 60, 40


def close(ours, theirs, atol=1e-5):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=atol)


@pytest.mark.parametrize("source", FORMATS)
def test_convert_format_matches_keras_for_every_target(source):
    for target in FORMATS:
        for boxes in (BOXES, BOXES[0]):  # batched and unbatched
            ours = lamina.utils.bounding_boxes.convert_format(
                boxes, source=source, target=target, height=HEIGHT, width=WIDTH)
            theirs = keras.utils.bounding_boxes.convert_format(
                boxes.copy(), source=source, target=target, height=HEIGHT, width=WIDTH)
            close(ours, theirs)


def test_convert_format_of_a_dict_keeps_labels_and_leaves_the_argument_alone():
    data = {"boxes": BOXES, "labels": LABELS}
    ours = lamina.utils.bounding_boxes.convert_format(data, "xyxy", "rel_center_xywh",
                                                      height=HEIGHT, width=WIDTH)
    theirs = keras.utils.bounding_boxes.convert_format(dict(data), "xyxy", "rel_center_xywh",
                                                       height=HEIGHT, width=WIDTH)
    close(ours["boxes"], theirs["boxes"])
    np.testing.assert_array_equal(ours["labels"], LABELS)
    assert data["boxes"] is BOXES  # Keras replaces the entry in the caller's dict; lamina not
    assert ours["boxes"].dtype == "float32"
    assert lamina.utils.bounding_boxes.convert_format(BOXES, "XYXY", "xywh",
                                                      dtype="float16").dtype == "float16"


def test_convert_format_runs_inside_jit():
    convert = jax.jit(lambda b: lamina.utils.bounding_boxes.convert_format(
        b, "center_yxhw", "rel_xyxy", height=HEIGHT, width=WIDTH))
    close(convert(BOXES), keras.utils.bounding_boxes.convert_format(
        BOXES.copy(), "center_yxhw", "rel_xyxy", height=HEIGHT, width=WIDTH))


def test_convert_format_errors_name_the_argument():
    convert = lamina.utils.bounding_boxes.convert_format
    with pytest.raises(ValueError, match="Supported formats"):
        convert(BOXES, "xyxy", "corners")
    with pytest.raises(ValueError, match="must receive `height` and `width`"):
        convert(BOXES, "xyxy", "rel_xyxy")
    with pytest.raises(ValueError, match=r"last dimension of 4. Received: boxes.shape=\(2, 3\)"):
        convert(np.zeros((2, 3)), "xyxy", "yxyx")


@pytest.mark.parametrize("fmt,height,width", [("xyxy", HEIGHT, WIDTH), ("rel_xyxy", None, None)])
def test_clip_to_image_size_matches_keras(fmt, height, width):
    boxes = BOXES if fmt == "xyxy" else BOXES / 45.0
    for data in ({"boxes": boxes, "labels": LABELS}, {"boxes": boxes[0], "labels": LABELS[0]},
                 {"boxes": boxes}):
        ours = lamina.utils.bounding_boxes.clip_to_image_size(data, height, width, fmt)
        theirs = keras.utils.bounding_boxes.clip_to_image_size(dict(data), height, width, fmt)
        assert set(ours) == set(theirs)
        for key in theirs:
            close(ours[key], theirs[key])
    ours = lamina.utils.bounding_boxes.clip_to_image_size({"boxes": BOXES, "labels": LABELS},
                                                          HEIGHT, WIDTH)
    np.testing.assert_array_equal(ours["labels"], [[0, 1, 2], [1, 2, -1]])  # no area: -1


def test_clip_to_image_size_errors():
    clip = lamina.utils.bounding_boxes.clip_to_image_size
    with pytest.raises(ValueError, match="`height` and `width` must be set"):
        clip({"boxes": BOXES})
    with pytest.raises(NotImplementedError, match="bounding_box_format='xywh'"):
        clip({"boxes": BOXES}, HEIGHT, WIDTH, bounding_box_format="xywh")


def test_crop_and_pad_match_keras():
    for boxes in (BOXES, BOXES[0]):
        close(lamina.utils.bounding_boxes.crop(boxes, top=10, left=5, height=30, width=20),
              keras.utils.bounding_boxes.crop(boxes, top=10, left=5, height=30, width=20))
        close(lamina.utils.bounding_boxes.pad(boxes, top=4, left=7),
              keras.utils.bounding_boxes.pad(boxes, top=4, left=7))
    with pytest.raises(NotImplementedError, match="convert_format"):
        lamina.utils.bounding_boxes.crop(BOXES, 1, 1, 5, 5, bounding_box_format="yxyx")


AFFINES = [  # angle, translate_x, translate_y, scale, shear_x, shear_y (one row per image)
    ([30.0, -45.0], [0.0, 0.1], [0.2, 0.0], [1.0, 1.3], [0.0, 10.0], [-5.0, 0.0]),
    ([0.0, 90.0], [0.0, 0.0], [0.0, 0.0], [0.5, 1.0], [0.0, 0.0], [0.0, 0.0]),
]


@pytest.mark.parametrize("params", AFFINES)
@pytest.mark.parametrize("center", [(None, None), (0.25, 0.8)])
def test_affine_transform_matches_keras(params, center):
    args = [np.asarray(p, "float32") for p in params]
    kwargs = dict(height=HEIGHT, width=WIDTH, center_x=center[0], center_y=center[1])
    ours = lamina.utils.bounding_boxes.affine_transform(BOXES, *args, **kwargs)
    theirs = keras.utils.bounding_boxes.affine_transform(BOXES, *args, **kwargs)
    close(ours, theirs, atol=1e-4)
    # one image's (N, 4) boxes with scalar parameters: the same numbers
    single = lamina.utils.bounding_boxes.affine_transform(BOXES[1], *[a[1] for a in args],
                                                          **kwargs)
    close(single, np.asarray(theirs)[1], atol=1e-4)


IOU_BOXES1 = np.array([[[12.0, 18.0, 33.0, 40.0], [1.0, 1.0, 5.0, 5.0]],
                       [[0.0, 0.0, 10.0, 10.0], [-1.0, -1.0, -1.0, -1.0]]], "float32")


@pytest.mark.parametrize("fmt", ["xyxy", "yxyx", "center_xywh", "rel_xyxy", "rel_yxyx"])
def test_compute_iou_matches_keras_for_each_rank_pair(fmt):
    scale = 100.0 if fmt.startswith("rel") else 1.0
    shape = (100, 100, 3) if fmt.startswith("rel") else None
    b1, b2 = IOU_BOXES1 / scale, np.abs(BOXES) / scale
    for first, second in ((b1, b2), (b1[0], b2[0]), (b1, b2[0]), (b1[1], b2)):
        ours = lamina.utils.bounding_boxes.compute_iou(first, second, fmt, image_shape=shape)
        theirs = keras.utils.bounding_boxes.compute_iou(first, second, fmt, image_shape=shape)
        assert ours.shape == theirs.shape
        close(ours, theirs)
    for first, second in ((b1, b2), (b1[1], b2[1])):  # masking: pad boxes (all < 0) read -1
        kwargs = dict(use_masking=True, mask_val=-7, image_shape=shape)
        close(lamina.utils.bounding_boxes.compute_iou(first, second, fmt, **kwargs),
              keras.utils.bounding_boxes.compute_iou(first, second, fmt, **kwargs))


def test_compute_iou_errors():
    with pytest.raises(ValueError, match="len\\(boxes1.shape\\)=1"):
        lamina.utils.bounding_boxes.compute_iou(BOXES[0, 0], BOXES, "xyxy")
    with pytest.raises(ValueError, match="`image_shape` argument must be provided"):
        lamina.utils.bounding_boxes.compute_iou(BOXES, BOXES, "rel_xyxy")


@pytest.mark.parametrize("fmt", ["xyxy", "center_yxhw", "xywh"])
def test_compute_ciou_matches_keras(fmt):
    boxes2 = np.abs(BOXES) + np.array([2.0, -1.0, 5.0, 3.0], "float32")
    for first, second in ((np.abs(BOXES), boxes2), (np.abs(BOXES[0]), boxes2[0])):
        close(lamina.utils.bounding_boxes.compute_ciou(first, second, fmt),
              keras.utils.bounding_boxes.compute_ciou(first, second, fmt))
    same = lamina.utils.bounding_boxes.compute_ciou(boxes2, boxes2, fmt)
    close(same, np.ones(same.shape), atol=1e-4)  # a box with itself: CIoU 1


ANCHORS = np.array([[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 25.0, 15.0], [20.0, 30.0, 40.0, 60.0]],
                   "float32")


@pytest.mark.parametrize("encoding", ["center_yxhw", "center_xywh"])
@pytest.mark.parametrize("variance", [None, [0.1, 0.1, 0.2, 0.2]])
def test_encode_and_decode_deltas_match_keras(encoding, variance):
    boxes = np.abs(BOXES) + 1.0
    kwargs = dict(anchor_format="xyxy", variance=variance)
    ours = lamina.utils.bounding_boxes.encode_box_to_deltas(
        ANCHORS, boxes, box_format="xyxy", encoding_format=encoding, **kwargs)
    theirs = keras.utils.bounding_boxes.encode_box_to_deltas(
        ANCHORS, boxes, box_format="xyxy", encoding_format=encoding, **kwargs)
    close(ours, theirs)
    decoded = lamina.utils.bounding_boxes.decode_deltas_to_boxes(
        ANCHORS, theirs, box_format="rel_xyxy", encoded_format=encoding,
        image_shape=(HEIGHT, WIDTH, 3), **kwargs)
    close(decoded, keras.utils.bounding_boxes.decode_deltas_to_boxes(
        ANCHORS, theirs, box_format="rel_xyxy", encoded_format=encoding,
        image_shape=(HEIGHT, WIDTH, 3), **kwargs))
    close(np.asarray(decoded) * [WIDTH, HEIGHT, WIDTH, HEIGHT], boxes, atol=1e-3)


def test_decode_deltas_takes_dicts_of_levels_and_checks_arguments():
    anchors = {"P3": ANCHORS, "P4": ANCHORS * 2}
    deltas = {"P3": np.full((3, 4), 0.1, "float32"), "P4": np.zeros((3, 4), "float32")}
    ours = lamina.utils.bounding_boxes.decode_deltas_to_boxes(anchors, deltas, "xyxy", "xywh")
    theirs = keras.utils.bounding_boxes.decode_deltas_to_boxes(anchors, deltas, "xyxy", "xywh")
    assert set(ours) == {"P3", "P4"}
    for level in ours:
        close(ours[level], theirs[level])
    with pytest.raises(ValueError, match="`variance` must be length 4"):
        lamina.utils.bounding_boxes.encode_box_to_deltas(ANCHORS, ANCHORS, "xyxy", "xyxy",
                                                         variance=[1.0, 1.0])
    with pytest.raises(ValueError, match="`encoded_format` should be"):
        lamina.utils.bounding_boxes.decode_deltas_to_boxes(ANCHORS, ANCHORS, "xyxy", "xyxy",
                                                           encoded_format="xyxy")


def test_reachable_as_keras_utils_bounding_boxes():
    assert sorted(lamina.utils.bounding_boxes.__all__) == sorted(
        n for n in dir(keras.utils.bounding_boxes) if not n.startswith("_"))
