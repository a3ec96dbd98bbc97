"""Mutations of saved files, as plain functions `bytes -> bytes` with a readable label.

Three families here: raw bytes (truncation, bit flips, overwrites, cut and inserted runs),
zip members of a `.keras` file (dropped, swapped, renamed, duplicated, damaged with a valid
CRC, bombs) and JSON configs (any node replaced by a hostile value, or removed); HDF5 objects
are in `h5_mutators`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from fuzz import hostile, zips

CONFIG, WEIGHTS = "config.json", "model.weights.h5"


@dataclass(frozen=True)
class Mutation:
    """A named change to a file; `keeps_weights` says whether the weights' bytes stay intact
    (so what loads of them must be exactly the seed's), `keeps_config` whether the model's
    structure does (so every weight must load); `raw` marks damage to the file's bytes,
    which a legacy `.h5` file's config has no checksum against."""

    label: str
    apply: Callable[[bytes], bytes]
    keeps_weights: bool = True
    keeps_config: bool = True
    raw: bool = False

    def __repr__(self) -> str:
        return self.label


# -- raw bytes -----------------------------------------------------------------------------

def _at(data: bytes, frac: float) -> int:
    return min(len(data) - 1, int(frac * len(data)))


def truncate(frac: float) -> Mutation:
    return Mutation(f"truncate({frac:.4f})", lambda d: d[: int(frac * len(d))], raw=True)


def flip_bits(spots: list[tuple[float, int]]) -> Mutation:
    def apply(data: bytes) -> bytes:
        out = bytearray(data)
        for frac, bit in spots:
            out[_at(data, frac)] ^= 1 << bit
        return bytes(out)

    return Mutation(f"flip_bits({spots})", apply, raw=True)


def overwrite(frac: float, chunk: bytes) -> Mutation:
    def apply(data: bytes) -> bytes:
        i = _at(data, frac)
        return data[:i] + chunk + data[i + len(chunk):]

    return Mutation(f"overwrite({frac:.4f}, {chunk!r})", apply, raw=True)


def cut(frac: float, length: int) -> Mutation:
    return Mutation(f"cut({frac:.4f}, {length})",
                    lambda d: d[:_at(d, frac)] + d[_at(d, frac) + length:], raw=True)


def insert(frac: float, chunk: bytes) -> Mutation:
    return Mutation(f"insert({frac:.4f}, {chunk!r})",
                    lambda d: d[:_at(d, frac)] + chunk + d[_at(d, frac):], raw=True)


# -- zip members ---------------------------------------------------------------------------

def on_members(label: str, change: Callable[[list[zips.Member]], list[zips.Member]],
               keeps_weights: bool = True, keeps_config: bool = True) -> Mutation:
    return Mutation(label, lambda d: zips.build(change(zips.members(d))), keeps_weights,
                    keeps_config)


def drop(index: int) -> Mutation:
    return on_members(f"drop_member({index})", lambda ms: ms[:index % len(ms)] +
                      ms[index % len(ms) + 1:])


def swap(i: int, j: int) -> Mutation:
    def change(ms):
        a, b = ms[i % len(ms)], ms[j % len(ms)]
        out = list(ms)
        out[i % len(ms)] = zips.Member(a.name, b.stored)
        out[j % len(ms)] = zips.Member(b.name, a.stored)
        return out

    return on_members(f"swap_members({i}, {j})", change)


def rename(index: int, name: str) -> Mutation:
    def change(ms):
        out = list(ms)
        out[index % len(ms)] = zips.Member(name, ms[index % len(ms)].stored)
        return out

    return on_members(f"rename_member({index}, {name!r})", change)


def add(name: str, content: bytes, first: bool = False) -> Mutation:
    def change(ms):
        return [zips.Member(name, content), *ms] if first else [*ms, zips.Member(name, content)]

    return on_members(f"add_member({name!r}, {content[:40]!r}, first={first})", change)


def damage(name: str, inner: Mutation) -> Mutation:
    """Mutate one member's bytes and store them with a matching CRC (zip checks pass)."""
    def change(ms):
        return [zips.Member(m.name, inner.apply(m.stored)) if m.name == name else m for m in ms]

    return on_members(f"damage({name!r}, {inner.label})", change,
                      keeps_weights=name != WEIGHTS or inner.keeps_weights and not inner.raw)


def deflate_all() -> Mutation:
    return on_members("deflate_all()", lambda ms: [zips.Member.deflated(m.name, m.stored)
                                                   for m in ms])


def bomb(name: str, gib: float, honest_crc: bool) -> Mutation:
    def change(ms):
        return [m for m in ms if m.name != name] + [zips.bomb(name, gib, honest_crc)]

    return on_members(f"bomb({name!r}, {gib} GiB, honest_crc={honest_crc})", change)


def lie_about_size(index: int, size: int) -> Mutation:
    def change(ms):
        out = list(ms)
        m = out[index % len(ms)]
        out[index % len(ms)] = zips.Member(m.name, m.stored, m.method, m.crc, size)
        return out

    return on_members(f"lie_about_size({index}, {size})", change)


# -- JSON ----------------------------------------------------------------------------------

def json_paths(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for key in node:
            out += json_paths(node[key], (*path, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            out += json_paths(item, (*path, i))
    return out


def _replace(node: Any, path: tuple, value: Any, delete: bool) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(node) if isinstance(node, dict) else list(node)
    if delete and not rest:
        del copy[head]
        return copy
    copy[head] = _replace(node[head], rest, value, delete)
    return copy


def edit_json(pick: int, value: Any, delete: bool = False) -> Callable[[str], str]:
    """Replace (or delete) the `pick`-th node (in document order, modulo their number)."""
    def apply(text: str) -> str:
        tree = json.loads(text)
        paths = json_paths(tree)
        path = paths[pick % len(paths)]
        out = json.dumps(_replace(tree, path, value, delete and bool(path)))
        return out.replace(json.dumps(hostile.DEEP_TOKEN), hostile.deep_json())

    return apply


def config_member(pick: int, value: Any, delete: bool = False, name: str = CONFIG) -> Mutation:
    edit = edit_json(pick, value, delete)

    def change(ms):
        return [zips.Member(m.name, edit(m.stored.decode()).encode()) if m.name == name else m
                for m in ms]

    what = "delete" if delete else f"set {value!r:.80}"
    return on_members(f"edit {name} node {pick}: {what}", change, keeps_config=False)


def replace_in_config(data: bytes, old: str, new: str) -> bytes:
    """A `.keras` file whose config.json text has `old` replaced by `new` (valid CRCs)."""
    def change(text: str) -> str:
        assert old in text, f"{old!r} is not in config.json"
        return text.replace(old, new, 1)

    return zips.build([zips.Member(m.name, change(m.stored.decode()).encode())
                       if m.name == CONFIG else m for m in zips.members(data)])
