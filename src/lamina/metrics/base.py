"""`Metric`: a pure, jittable core (`init`, `update`, `result_from`) that the training engine
runs on the device, with Keras's stateful API (`update_state`, `result`, `reset_state`) on top
of it for eager use."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import config
from lamina._catalog import snake_case
from lamina.losses.arrays import Array

State = Any  # a pytree of jax arrays


class Metric:
    """Base class. Subclasses implement `init`, `update` and `result_from` (all pure)."""

    direction: str | None = None  # 'up' or 'down': which way is better, for callbacks

    def __init__(self, name: str | None = None, dtype: Any = None):
        self.name = name or snake_case(type(self).__name__)
        self.dtype = jnp.dtype(dtype or config.floatx()).name
        self._state: State = None

    def init(self) -> State:
        """The initial (empty) state."""
        raise NotImplementedError

    def update(self, state: State, *args: Any, **kwargs: Any) -> State:
        """The state after accumulating one batch (pure)."""
        raise NotImplementedError

    def result_from(self, state: State) -> Array:
        """The metric value for a state (pure)."""
        raise NotImplementedError

    @property
    def state(self) -> State:
        if self._state is None:
            self._state = self.init()
        return self._state

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        """Accumulate a batch into the metric's own state."""
        self._state = self.update(self.state, *args, **kwargs)

    def result(self) -> Array:
        return self.result_from(self.state)

    def reset_state(self) -> None:
        self._state = self.init()

    def __call__(self, *args: Any, **kwargs: Any) -> Array:
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
