"""`keras.tree`: flatten, map and pack nested structures, with Keras 3's rules.

The rules (those of Keras on optree, checked against `keras.tree` in tests/test_tree.py):

- Nested ("nodes"): `list`, `tuple`, namedtuples, `dict`, `OrderedDict`, `defaultdict`,
  `deque` and struct sequences (`time.struct_time`). Everything else is a leaf, including
  `None`, strings, arrays, lamina Variables and subclasses of list or dict.
- A `dict` (and `defaultdict`) is visited in sorted key order (keys of mixed types are sorted
  by type name first); rebuilt dicts keep the original key order. An `OrderedDict` is
  visited in its own order.
- Two structures match when each node has the same type (any two dict kinds match when
  their keys do) and the same length; a namedtuple matches only its own class.

Plain Python, no pytree registry: objects registered with `jax.tree_util` stay leaves here,
as they do in Keras.
"""

from __future__ import annotations

import collections
import warnings
from typing import Any, Callable

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse"]

_DICTS = (dict, collections.OrderedDict, collections.defaultdict)
_SEQUENCES = (list, tuple, collections.deque)


class MAP_TO_NONE:
    """Return this from a `traverse` function to replace a sub-structure by None."""


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _is_structseq(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "n_sequence_fields")


def is_nested(structure) -> bool:
    """Whether `structure` is a node (a list, tuple, namedtuple, dict or deque)."""
    return type(structure) in _DICTS or type(structure) in _SEQUENCES or \
        _is_namedtuple(structure) or _is_structseq(structure)


def _sorted_keys(mapping) -> list:
    """Keys in Keras's (optree's) order: sorted; by type name first when types mix; else as
    inserted."""
    if type(mapping) is collections.OrderedDict:
        return list(mapping)
    try:
        return sorted(mapping)
    except TypeError:
        try:
            return sorted(mapping, key=lambda k: (_type_name(k), k))
        except TypeError:
            return list(mapping)


def _type_name(value) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _keys(node) -> list:
    """The path entries of a node's children, in visiting order."""
    return _sorted_keys(node) if isinstance(node, dict) else list(range(len(node)))


def _children(node) -> list:
    return [node[k] for k in _keys(node)]


def _rebuild(node, values: list):
    """A node of `node`'s type holding `values` (given in visiting order)."""
    if isinstance(node, dict):
        by_key = dict(zip(_keys(node), values))
        items = [(k, by_key[k]) for k in node]
        if type(node) is collections.defaultdict:
            return collections.defaultdict(node.default_factory, items)
        return type(node)(items)
    if _is_namedtuple(node):
        return type(node)(*values)
    if type(node) is collections.deque:
        return collections.deque(values, maxlen=node.maxlen)
    return type(node)(values)  # list, tuple, struct sequence


def _describe(x) -> str:
    text = repr(x)
    return (text if len(text) <= 80 else text[:77] + "...") + f" of type {type(x).__name__}"


def _mismatch(detail: str) -> ValueError:
    return ValueError(f"The two structures don't have the same nested structure: {detail}.")


def _check_same_node(expected, got) -> None:
    """Raise unless `got` is a node matching `expected` (a node) in type, length and keys."""
    both_dicts = isinstance(expected, dict) and type(got) in _DICTS
    if not both_dicts and (type(got) is not type(expected) or not is_nested(got)):
        same_name = type(got).__name__ == type(expected).__name__
        raise _mismatch(f"expected a {type(expected).__name__}, got {_describe(got)}"
                        + (" (another class of the same name)" if same_name else ""))
    if both_dicts and set(expected) != set(got):
        raise _mismatch(f"expected dict keys {_sorted_keys(expected)}, got "
                        f"{_sorted_keys(got)}")
    if len(got) != len(expected):
        raise _mismatch(f"expected a {type(expected).__name__} of length {len(expected)}, got "
                        f"{_describe(got)} of length {len(got)}")


def flatten(structure) -> list:
    """The leaves of `structure`, depth first (dicts by sorted key). A leaf gives `[leaf]`.

    Example:

        >>> flatten({100: 'world!', 6: 'Hello'})
        ['Hello', 'world!']
    """
    return [leaf for _, leaf in flatten_with_path(structure)]


def flatten_with_path(structure) -> list[tuple[tuple, Any]]:
    """`(path, leaf)` pairs; a path holds the indices and dict keys leading to the leaf."""
    out: list[tuple[tuple, Any]] = []

    def visit(node, path: tuple) -> None:
        if not is_nested(node):
            out.append((path, node))
            return
        for key in _keys(node):
            visit(node[key], path + (key,))

    visit(structure, ())
    return out


def _map(func: Callable, first, others: list, none_is_leaf: bool):
    if first is None and not none_is_leaf:
        return None
    if not is_nested(first):
        if any(is_nested(o) or (o is None and not none_is_leaf) for o in others):
            raise _mismatch(f"expected the leaf {_describe(first)}, got a nested structure")
        return func(first, *others)
    for other in others:
        _check_same_node(first, other)
    keys = _keys(first)
    return _rebuild(first, [_map(func, first[k], [o[k] for o in others], none_is_leaf)
                            for k in keys])


def map_structure(func: Callable, *structures, none_is_leaf: bool = True):
    """Apply `func` to the leaves of `structures` (all of one structure) and return the
    results in that structure. With `none_is_leaf=False`, None stays None unmapped.

    Example:

        >>> map_structure(lambda x, y: x * y, [[1], [2]], [[3], [4]])
        [[3], [8]]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    return _map(func, structures[0], list(structures[1:]), none_is_leaf)


def map_structure_up_to(shallow_structure, func: Callable, *structures):
    """Like `map_structure`, but only down to the leaves of `shallow_structure`: `func`
    receives whole sub-structures of `structures` there (None in `shallow_structure` is a
    leaf, as Keras documents).

    Example:

        >>> map_structure_up_to([None, None], len, [[1, 1], [2, 2]])
        [2, 2]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")

    def visit(shallow, parts: list):
        if not is_nested(shallow):
            return func(*parts)
        for part in parts:
            _check_same_node(shallow, part)
        return _rebuild(shallow, [visit(shallow[k], [p[k] for p in parts])
                                  for k in _keys(shallow)])

    return visit(shallow_structure, list(structures))


def assert_same_structure(a, b, check_types=None) -> None:
    """Raise ValueError unless `a` and `b` are nested the same way (leaves may differ).
    `check_types` is deprecated and ignored, as in Keras."""
    if check_types is not None:
        hint = ("" if check_types else " For a looser check, use "
                "`keras.tree.assert_same_paths()`, which considers `list`, `tuple`, "
                "`namedtuple` and `deque` as matching")
        warnings.warn("The `check_types` argument is deprecated and no longer has any effect"
                      + (", please remove." if check_types else "." + hint),
                      DeprecationWarning, stacklevel=2)
    _map(lambda *_: None, a, [b], none_is_leaf=True)


def assert_same_paths(a, b) -> None:
    """Raise ValueError unless `a` and `b` have the same leaf paths (node types may differ)."""
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(msg)


def pack_sequence_as(structure, flat_sequence):
    """Put the elements of `flat_sequence` at the leaves of `structure` (the inverse of
    `flatten`).

    Example:

        >>> pack_sequence_as({"key3": "", "key1": "", "key2": ""}, ["v1", "v2", "v3"])
        {'key3': 'v3', 'key1': 'v1', 'key2': 'v2'}
    """
    if isinstance(flat_sequence, (str, bytes)) or not hasattr(flat_sequence, "__iter__"):
        raise TypeError("`flat_sequence` must be a sequence of leaves (e.g. a list). "
                        f"Received: flat_sequence={flat_sequence!r}")
    leaves = list(flat_sequence)
    expected = len(flatten_with_path(structure))
    if len(leaves) != expected:
        raise ValueError(f"Could not pack {len(leaves)} values into a structure with "
                         f"{expected} leaves. Received: structure={structure!r}")
    it = iter(leaves)
    return _map(lambda _: next(it), structure, [], none_is_leaf=True)


def traverse(func: Callable, structure, top_down: bool = True):
    """Apply `func` to every sub-structure (nodes and leaves), depth first.

    Top-down, a non-None result replaces the sub-structure and stops the descent into it;
    bottom-up, a non-None result replaces the already traversed sub-structure. Return
    `MAP_TO_NONE` to put None in place.
    """
    def traverse_children(node):
        if not is_nested(node):
            return node
        return _rebuild(node, [traverse(func, child, top_down) for child in _children(node)])

    if top_down:
        result = func(structure)
        if result is None:
            return traverse_children(structure)
    else:
        structure = traverse_children(structure)
        result = func(structure)
        if result is None:
            return structure
    return None if result is MAP_TO_NONE else result


def lists_to_tuples(structure):
    """The same structure with every list turned into a tuple."""
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure,
                    top_down=False)


def _is_shape(x) -> bool:
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_structure(func: Callable, structure):
    """`map_structure` where lists/tuples of ints and Nones (shapes) count as leaves."""
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, c) for c in _children(structure)])
