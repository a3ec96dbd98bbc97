"""Ctrl-C held back while a compiled call that donates its inputs hands over its outputs.

The training calls donate the train state they are given: its buffers become the new state's,
and the old arrays are deleted. A KeyboardInterrupt raised after such a call returns but before
its outputs are assigned would lose the only valid copy of the weights, and `fit`'s clean-up
would write deleted arrays into the model. Inside `deferred()` the interrupt is recorded and
raised as the block ends, once the new state is safely held.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Run the block with SIGINT recorded instead of raised, then raise it (main thread only:
    Python delivers signals there, and only there can handlers be changed)."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield  # None: a handler installed outside Python, which cannot be put back
        return
    caught: list = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            signal.raise_signal(signal.SIGINT)  # now handled by the previous handler
