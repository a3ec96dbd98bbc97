"""LayoutMap: variable path (regex) -> TensorLayout, as in Keras 3."""

from __future__ import annotations

import collections
import re

from lamina import errors
from lamina.distribution.mesh import DeviceMesh, TensorLayout


class LayoutMap(collections.abc.MutableMapping):
    """A dict whose keys are regexes matched (fully) against variable paths like 'dense/kernel'.

    An exact key wins; otherwise the one key whose regex fully matches the path; no match gives
    None (the variable is replicated). Values may be tuples of axis names, e.g.
    `layout_map[".*dense.*kernel"] = (None, "model")`.
    """

    def __init__(self, device_mesh: DeviceMesh):
        if not isinstance(device_mesh, DeviceMesh):
            raise errors.ConfigError(f"LayoutMap needs a DeviceMesh. Received: "
                                     f"device_mesh={device_mesh!r}.")
        self._layout_map: dict = collections.OrderedDict()
        self._device_mesh = device_mesh

    def __getitem__(self, key: str):
        if key in self._layout_map:
            return self._layout_map[key]
        matches = [p for p in self._layout_map if re.fullmatch(p, key)]
        if len(matches) > 1:
            raise errors.ConfigError(
                f"Path '{key}' matches several LayoutMap keys: {matches}. Make each variable "
                "path match at most one key.")
        return self._layout_map[matches[0]] if matches else None

    def __setitem__(self, key: str, layout) -> None:
        if key in self._layout_map:
            raise errors.ConfigError(f"Key {key!r} is already in the LayoutMap (value "
                                     f"{self._layout_map[key]}). Use each key once.")
        if isinstance(layout, (tuple, list)):
            layout = TensorLayout(layout)
        if not isinstance(layout, TensorLayout):
            raise errors.ConfigError(f"LayoutMap values must be TensorLayouts or tuples of axis "
                                     f"names. Received: layout_map[{key!r}]={layout!r}.")
        if layout.device_mesh is None:
            layout.device_mesh = self._device_mesh
        self._layout_map[key] = layout

    def __delitem__(self, key: str):
        return self._layout_map.pop(key)

    def __len__(self) -> int:
        return len(self._layout_map)

    def __iter__(self):
        return iter(self._layout_map)

    @property
    def device_mesh(self) -> DeviceMesh:
        return self._device_mesh
