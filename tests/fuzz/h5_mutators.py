"""Mutations of HDF5 files (weights files, legacy `.h5` models, the weights inside a `.keras`):
datasets with absurd shapes, other dtypes or external storage, links, deleted objects,
hostile attributes, and hostile edits of the JSON a legacy file keeps in attributes."""

from __future__ import annotations

import io
from typing import Any, Callable

import h5py
import numpy as np

from fuzz import hostile
from fuzz.mutators import Mutation, edit_json


def on_h5(label: str, change: Callable[[h5py.File], None], keeps_weights: bool = True,
          keeps_config: bool = True) -> Mutation:
    def apply(data: bytes) -> bytes:
        buffer = io.BytesIO(data)
        with h5py.File(buffer, "r+") as f:
            change(f)
        return buffer.getvalue()

    return Mutation(label, apply, keeps_weights, keeps_config)


def h5_objects(f: h5py.File, kind: type) -> list[str]:
    names: list[str] = []
    f.visititems(lambda name, obj: names.append(name) if isinstance(obj, kind) else None)
    return sorted(names)


REPLACEMENTS = {
    "huge_1d": lambda ds: dict(shape=(2 ** 40,), dtype="f4", chunks=(1024,)),
    "huge_2d": lambda ds: dict(shape=(2 ** 24, 2 ** 24), dtype="f4", chunks=(64, 64)),
    "extra_axis": lambda ds: dict(data=np.zeros((*ds.shape, 2), ds.dtype)),
    "transposed": lambda ds: dict(data=np.zeros(ds.shape[::-1] + (1,) * (ds.ndim < 2), ds.dtype)),
    "scalar": lambda ds: dict(data=np.float32(1.0)),
    "empty": lambda ds: dict(data=np.zeros((0,), "f4")),
    "strings": lambda ds: dict(data=np.full(ds.shape, b"x", dtype="S1")),
    "vlen_strings": lambda ds: dict(data=np.full(ds.shape or (1,), "abc", dtype=object),
                                    dtype=h5py.string_dtype()),
    "compound": lambda ds: dict(data=np.zeros(ds.shape, [("a", "f4"), ("b", "i4")])),
    "float64": lambda ds: dict(data=np.full(ds.shape, 1e300, "f8")),
    "int64": lambda ds: dict(data=np.full(ds.shape, 2 ** 62, "i8")),
    "bool": lambda ds: dict(data=np.ones(ds.shape, bool)),
    "nan": lambda ds: dict(data=np.full(ds.shape, np.nan, "f4")),
    "dev_zero": lambda ds: dict(shape=ds.shape or (1,), dtype="f4",
                                external=[("/dev/zero", 0, h5py.h5f.UNLIMITED)]),
    "external_huge": lambda ds: dict(shape=(2 ** 36,), dtype="f4",
                                     external=[("/dev/zero", 0, h5py.h5f.UNLIMITED)]),
    "gzip_same_shape": lambda ds: dict(data=np.zeros(ds.shape, ds.dtype), compression="gzip",
                                       chunks=True) if ds.shape else dict(data=ds[()]),
}


def replace_dataset(pick: int, kind: str) -> Mutation:
    def change(f: h5py.File) -> None:
        names = h5_objects(f, h5py.Dataset)
        if not names:
            return
        name = names[pick % len(names)]
        spec = REPLACEMENTS[kind](f[name])
        del f[name]
        f.create_dataset(name, **spec)

    return on_h5(f"replace_dataset({pick}, {kind})", change, keeps_weights=False)


def link(pick: int, kind: str) -> Mutation:
    """Replace a dataset or group by a soft link (to itself, to the root, dangling) or an
    external link."""
    targets = {"self": None, "root": "/", "dangling": "/no/such/thing"}

    def change(f: h5py.File) -> None:
        names = h5_objects(f, (h5py.Dataset, h5py.Group))
        if not names:
            return
        name = names[pick % len(names)]
        del f[name]
        if kind == "external":
            f[name] = h5py.ExternalLink("/etc/hostname", "/x")
        else:
            f[name] = h5py.SoftLink(targets[kind] or f"/{name}")

    return on_h5(f"link({pick}, {kind})", change, keeps_weights=False)


def delete_object(pick: int) -> Mutation:
    def change(f: h5py.File) -> None:
        names = h5_objects(f, (h5py.Dataset, h5py.Group))
        if names:
            del f[names[pick % len(names)]]

    return on_h5(f"delete_object({pick})", change, keeps_weights=False)


ATTR_VALUES = [7, -1, b"garbage", "", np.arange(3), np.array([], "f8"), "\u2028" * 3,
               np.array([b"no_such_layer", b"dense"], dtype=object), b"{\"class_name\": 1}",
               np.array([2 ** 40], "i8"), hostile.deep_json(2000).encode()]


def set_attr(pick: int, value_index: int) -> Mutation:
    """Set the `pick`-th attribute (over the file and every object) to a hostile value."""
    def change(f: h5py.File) -> None:
        spots = [(f, key) for key in sorted(f.attrs)]
        for name in h5_objects(f, (h5py.Dataset, h5py.Group)):
            spots += [(f[name], key) for key in sorted(f[name].attrs)]
        if spots:
            obj, key = spots[pick % len(spots)]
            obj.attrs[key] = ATTR_VALUES[value_index % len(ATTR_VALUES)]

    value = ATTR_VALUES[value_index % len(ATTR_VALUES)]
    return on_h5(f"set_attr({pick}, {value!r:.60})", change, keeps_weights=False)


def h5_attr_json(pick: int, value: Any, delete: bool = False,
                 attr: str = "model_config") -> Mutation:
    edit = edit_json(pick, value, delete)

    def change(f: h5py.File) -> None:
        if attr in f.attrs:
            f.attrs[attr] = edit(_text(f.attrs[attr])).encode()

    what = "delete" if delete else f"set {value!r:.80}"
    return on_h5(f"edit {attr} node {pick}: {what}", change, keeps_config=False)


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def zero_free_space(data: bytes) -> bytes:
    """Set the size of the first global heap collection's free-space object to 0 (HDF5 1.14
    then loops forever reading any variable-length string)."""
    pos = data.find(b"GCOL\x01") + 16
    while int.from_bytes(data[pos:pos + 2], "little") != 0:  # object index 0: free space
        pos += 16 + (int.from_bytes(data[pos + 8:pos + 16], "little") + 7) // 8 * 8
    return data[:pos + 8] + bytes(8) + data[pos + 16:]
