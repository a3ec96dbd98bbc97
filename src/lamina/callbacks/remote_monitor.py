"""`RemoteMonitor`: POST each epoch's logs as JSON to a server.

Keras sends with `requests`; lamina sends the same request with the standard library
(`urllib.request`), so no extra package is needed: a form field `field=<json>`
(`application/x-www-form-urlencoded`), or with `send_as_json=True` the JSON itself
(`application/json`). An unreachable server is a warning, not an error, as in Keras.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings
from typing import Any

import numpy as np

from lamina.callbacks.base import Callback, Logs

__all__ = ["RemoteMonitor"]

# Seconds to wait for the server; Keras (requests) waits forever, which can hang a fit.
TIMEOUT = 10.0


def _payload(epoch: int, logs: Logs) -> dict[str, Any]:
    """`{"epoch": epoch, **logs}` with NumPy/JAX scalars unwrapped to Python numbers."""
    send: dict[str, Any] = {"epoch": epoch}
    for key, value in dict(logs or {}).items():
        if isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__array__"):
            value = np.asarray(value).item()
        send[key] = value
    return send


class RemoteMonitor(Callback):
    """Stream each epoch's logs to a server with an HTTP POST.

    Events go to `root + path`. The body is the JSON of `{"epoch": ..., **logs}`: inside a
    form field named `field`, or, with `send_as_json=True`, as an `application/json` body.

    Args:
        root: root URL of the server.
        path: path, relative to `root`, the events are sent to.
        field: form field that holds the JSON (used when `send_as_json=False`).
        headers: optional dict of extra HTTP headers.
        send_as_json: send the JSON as the request body (`application/json`).

    Example:

    ```python
    monitor = lamina.callbacks.RemoteMonitor(root="http://localhost:9000", send_as_json=True)
    model.fit(x, y, epochs=5, callbacks=[monitor])
    ```
    """

    def __init__(self, root: str = "http://localhost:9000", path: str = "/publish/epoch/end/",
                 field: str = "data", headers: dict[str, str] | None = None,
                 send_as_json: bool = False) -> None:
        super().__init__()
        if not isinstance(root, str) or not root.startswith(("http://", "https://")):
            raise ValueError("RemoteMonitor's root must be an http:// or https:// URL, e.g. "
                             f"'http://localhost:9000'. Received: root={root!r}")
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def _request(self, send: dict[str, Any]) -> urllib.request.Request:
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                      method="POST")

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        request = self._request(_payload(epoch, logs))
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                response.read()
        except (urllib.error.URLError, OSError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)
