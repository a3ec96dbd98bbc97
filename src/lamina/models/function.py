"""`keras.Function`: a callable graph of layers and ops from symbolic inputs to outputs,
without the Model machinery (no training, no saving)."""

from __future__ import annotations

from lamina.layers.base import KerasTensor
from lamina.models import graph


class Function:
    """`Function(inputs, outputs)(values)`: the outputs computed from concrete inputs."""

    def __init__(self, inputs, outputs, name: str | None = None):
        self.name = name or "function"
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self._inputs, self._outputs = graph.flatten(inputs), graph.flatten(outputs)
        for tensor in self._inputs + self._outputs:
            if not isinstance(tensor, KerasTensor):
                raise ValueError(f"Function's inputs and outputs must be symbolic tensors "
                                 f"(lamina.Input(...) and what layers make of it). Received: "
                                 f"{tensor!r}")
        self._nodes_by_depth, self.operations = graph.map_graph(self._inputs, self._outputs)

    @property
    def inputs(self) -> list:
        return list(self._inputs)

    @property
    def outputs(self) -> list:
        return list(self._outputs)

    def __call__(self, inputs, training=None):
        values = graph.flatten(inputs)
        if len(values) != len(self._inputs):
            raise ValueError(f"Function '{self.name}' takes {len(self._inputs)} inputs; "
                             f"received {len(values)}.")
        outputs = graph.run(self._nodes_by_depth, self._inputs, values, self._outputs, training)
        return graph.pack_like(self._outputs_struct, outputs)
