"""The class a serialized `{"class_name", "config", "registered_name"}` dict names, for the
`deserialize` functions of small families (dtype policies, quantizers) that look it up in their
own table rather than in the global registry. Outside `lamina.saving`, which imports h5py."""

from __future__ import annotations


def lookup_class(config, objects: dict, *, what: str, kind: str, known: list,
                 fix: str) -> tuple[type, dict]:
    """`(class, inner config)` for `config`, looked up in `objects` by its registered name,
    else its class name. Errors name `what` was expected (the family) and list `known`."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret serialized {what}. Expected a dict with "
                         f"'class_name' and 'config'. Received: config={config!r}")
    cls = objects.get(config.get("registered_name") or "") or objects.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Unknown {kind} class '{config['class_name']}'. Known: {known}. {fix}")
    return cls, dict(config.get("config") or {})
