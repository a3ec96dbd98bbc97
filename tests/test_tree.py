"""lamina.tree against keras.tree (optree under the JAX backend) on nested structures."""

from __future__ import annotations

import collections
import time

import numpy as np
import pytest

import lamina as keras
from lamina import tree

oracle = pytest.importorskip("keras").tree

Point = collections.namedtuple("Point", ["x", "y"])
OtherPoint = collections.namedtuple("OtherPoint", ["x", "y"])

STRUCTURES = [
    1,
    None,
    "text",
    [],
    (),
    {},
    [1],
    [[1]],
    [None, 2, (3, None)],
    {"b": 1, "a": 2, "c": [3, {"z": 4, "y": 5}]},
    {100: "world!", 6: "Hello"},
    {"b": 1, 2: "two", "a": 3},  # keys of mixed types: sorted by type name, then key
    collections.OrderedDict([("b", 1), ("a", 2)]),
    collections.defaultdict(list, {"b": 1, "a": (2, 3)}),
    collections.deque([1, [2, 3]]),
    Point(x=[1, 2], y={"k": Point(3, None)}),
    [(1, 2), [3], {"a": 4}],
    ({"x": np.zeros(2)}, [np.ones(3), None]),
    time.gmtime(0),  # a struct sequence
    [type("MyList", (list,), {})([1, 2]), type("MyDict", (dict,), {})(a=1)],  # subclasses: leaves
]
IDS = [f"s{i}" for i in range(len(STRUCTURES))]


def same(a, b) -> bool:
    """Equal, including container types and dict key order; arrays compared by identity."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple, collections.deque)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a is b or (not isinstance(a, np.ndarray) and a == b)


@pytest.mark.parametrize("structure", STRUCTURES, ids=IDS)
def test_flatten_and_is_nested_match_keras(structure):
    assert tree.is_nested(structure) == oracle.is_nested(structure)
    assert same(tree.flatten(structure), oracle.flatten(structure))
    ours, theirs = tree.flatten_with_path(structure), oracle.flatten_with_path(structure)
    assert [p for p, _ in ours] == [p for p, _ in theirs]
    assert same([v for _, v in ours], [v for _, v in theirs])


@pytest.mark.parametrize("structure", STRUCTURES, ids=IDS)
def test_pack_sequence_as_and_map_structure_match_keras(structure):
    n = len(oracle.flatten(structure))
    values = [f"v{i}" for i in range(n)]
    assert same(tree.pack_sequence_as(structure, values),
                oracle.pack_sequence_as(structure, values))
    tag = lambda v: ("leaf", type(v).__name__)  # noqa: E731
    assert same(tree.map_structure(tag, structure), oracle.map_structure(tag, structure))
    assert same(tree.map_structure(tag, structure, none_is_leaf=False),
                oracle.map_structure(tag, structure, none_is_leaf=False))
    assert same(tree.lists_to_tuples(structure), oracle.lists_to_tuples(structure))
    shape_tag = lambda s: ("shape", s)  # noqa: E731
    assert same(tree.map_shape_structure(shape_tag, structure),
                oracle.map_shape_structure(shape_tag, structure))


@pytest.mark.parametrize("structure", STRUCTURES, ids=IDS)
@pytest.mark.parametrize("top_down", [True, False])
def test_traverse_matches_keras(structure, top_down):
    ours, theirs = [], []
    out = tree.traverse(ours.append, structure, top_down=top_down)
    expected = oracle.traverse(theirs.append, structure, top_down=top_down)
    assert same(out, expected) and same(ours, theirs)

    def replace_tuples(x):
        if isinstance(x, tuple) and not hasattr(x, "n_sequence_fields"):
            return keras.tree.MAP_TO_NONE if len(x) == 2 else "T"
        return None

    def replace_tuples_oracle(x):
        result = replace_tuples(x)
        return oracle.MAP_TO_NONE if result is keras.tree.MAP_TO_NONE else result

    assert same(tree.traverse(replace_tuples, structure, top_down=top_down),
                oracle.traverse(replace_tuples_oracle, structure, top_down=top_down))


def test_docstring_examples_of_keras_tree():
    visited = []
    assert tree.traverse(visited.append, [(1, 2), [3], {"a": 4}]) == [(1, 2), [3], {"a": 4}]
    assert visited == [[(1, 2), [3], {"a": 4}], (1, 2), 1, 2, [3], 3, {"a": 4}, 4]
    assert tree.flatten([[1, 2, 3], [4, [5], [[6]]]]) == [1, 2, 3, 4, 5, 6]
    assert tree.map_structure(lambda v: v * 2, Point(1, 2)) == Point(2, 4)
    packed = tree.pack_sequence_as({"key3": {"c": ("alpha", "beta"), "a": ("gamma")},
                                    "key1": {"e": "val1", "d": "val2"}},
                                   ["val2", "val1", 3.0, 1.0, 2.0])
    assert packed == {"key3": {"c": (1.0, 2.0), "a": 3.0}, "key1": {"e": "val1", "d": "val2"}}


MATCHING = [
    ([(0, 1)], [(2, 3)]),
    ({"a": 1, "b": [2]}, collections.OrderedDict([("b", [5]), ("a", 6)])),
    ({"a": 1}, collections.defaultdict(int, a=1)),
    ([None, 1], [1, None]),
    (Point(1, 2), Point(3, 4)),
]
MISMATCHED = [
    ([0, 1], (2, 3)),
    ([1], [[1]]),
    ([[1]], [1]),
    ({"a": 1}, {"b": 1}),
    ([1, 2], [1, 2, 3]),
    (Point(0, 1), OtherPoint(2, 3)),
    (Point(0, 1), collections.namedtuple("Point", ["x", "y"])(2, 3)),
    (collections.deque([1]), [1]),
]


@pytest.mark.parametrize("a, b", MATCHING)
def test_matching_structures_map_together_like_keras(a, b):
    tree.assert_same_structure(a, b)
    oracle.assert_same_structure(a, b)
    pair = lambda x, y: (x, y)  # noqa: E731
    assert same(tree.map_structure(pair, a, b), oracle.map_structure(pair, a, b))


@pytest.mark.parametrize("a, b", MISMATCHED)
def test_mismatched_structures_raise_value_error_like_keras(a, b):
    with pytest.raises(ValueError):
        oracle.assert_same_structure(a, b)
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tree.assert_same_structure(a, b)
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tree.map_structure(lambda *x: x, a, b)


def test_assert_same_paths_ignores_sequence_types_like_keras():
    for a, b in [([0, 1], (2, 3)), (Point(0, 1), OtherPoint(2, 3)), ({"a": [1]}, {"a": (2,)})]:
        tree.assert_same_paths(a, b)
        oracle.assert_same_paths(a, b)
    with pytest.raises(ValueError) as ours:
        tree.assert_same_paths({"a": 1}, {"b": 1})
    with pytest.raises(ValueError) as theirs:
        oracle.assert_same_paths({"a": 1}, {"b": 1})
    assert str(ours.value) == str(theirs.value)


def test_check_types_is_deprecated_like_keras():
    with pytest.warns(DeprecationWarning, match="no longer has any effect"):
        tree.assert_same_structure([1], [2], check_types=True)


def test_map_structure_up_to_matches_keras():
    shallow = {"a": 0, "b": 0}
    pair = lambda x, y: (x, y)  # noqa: E731
    structures = ({"a": [1], "b": 2}, {"a": 3, "b": (4,)})
    assert tree.map_structure_up_to(shallow, pair, *structures) == \
        oracle.map_structure_up_to(shallow, pair, *structures)
    with pytest.raises(ValueError):
        tree.map_structure_up_to([0, [0, 0]], str, [1, 2])


def test_map_structure_up_to_treats_none_as_a_leaf_as_keras_documents():
    # Keras's docstring examples; keras.tree on optree raises here (None is not a leaf in
    # its check), lamina gives the documented results.
    structure = [[1, 1], [2, 2]]
    assert tree.map_structure_up_to([None, None], len, structure) == [2, 2]
    assert tree.map_structure_up_to([None, [None, None]], str, structure) == \
        ["[1, 1]", ["2", "2"]]


def test_errors_for_bad_arguments():
    with pytest.raises(ValueError, match="at least one structure"):
        tree.map_structure(lambda x: x)
    with pytest.raises(ValueError, match="Could not pack 1 values into a structure with 2"):
        tree.pack_sequence_as([0, 0], [1])
    with pytest.raises(ValueError):
        oracle.pack_sequence_as([0, 0], [1])
    with pytest.raises(TypeError, match="flat_sequence"):
        tree.pack_sequence_as([0], 5)


def test_variables_and_arrays_are_leaves():
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    leaves = tree.flatten({"w": layer.kernel, "b": [layer.bias]})
    assert leaves[0] is layer.bias and leaves[1] is layer.kernel
    shapes = tree.map_structure(lambda v: tuple(v.shape), {"w": layer.kernel, "x": np.zeros(4)})
    assert shapes == {"w": (3, 2), "x": (4,)}


def test_tree_is_a_lazy_submodule_of_lamina():
    import subprocess
    import sys

    code = ("import sys, lamina\nprint('lamina.tree' in sys.modules)\n"
            "print(lamina.tree.flatten({'b': 1, 'a': 2}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "[2,", "1]"]
