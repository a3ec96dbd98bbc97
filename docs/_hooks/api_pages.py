"""MkDocs hook: expand `<!-- api: lamina.NAMESPACE -->` into the namespace's API reference.

The member list comes from the live namespace (its `__all__`, else its public names), so a name
added to `lamina.layers` appears in the docs without editing a page. Each object is documented
once, by mkdocstrings, at the module that defines it (static analysis finds it there even when
the namespace builds its names dynamically: wildcard imports, lazy `__getattr__`); other names
for the same object are listed under it. Objects static analysis cannot see (closures) get their
docstring as plain text.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pathlib
import re
from dataclasses import dataclass, field

MARKER = re.compile(r"^<!-- api: (lamina(?:\.\w+)*) -->$", re.M)


@dataclass
class Entry:
    """One documented object: its public name, where it is defined, and its other names."""

    name: str
    obj: object
    path: str | None  # dotted path of the definition, when static analysis can find it
    aliases: list[str] = field(default_factory=list)


@functools.cache
def _static_package():
    """lamina as griffe's static analysis sees it (what mkdocstrings renders)."""
    import griffe

    src = pathlib.Path(__file__).resolve().parents[2] / "src"
    return griffe.GriffeLoader(search_paths=[str(src)]).load("lamina")


def _definition(obj: object) -> str | None:
    """`module.qualname` of `obj` when it is a lamina object griffe can find, else None."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not (isinstance(module, str) and module.startswith("lamina.") and qualname):
        return None
    if "<locals>" in qualname:
        return None
    try:
        found = _static_package()[f"{module}.{qualname}".removeprefix("lamina.")]
    except (KeyError, ValueError, AttributeError):
        return None
    if found.is_attribute:  # built by a factory (`Add = _reducing(...)`): no static docs
        return None
    return f"{module}.{qualname}"


def public_entries(namespace: str) -> list[Entry]:
    """The namespace's public classes and functions, one entry per object (aliases merged)."""
    module = importlib.import_module(namespace)
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    entries: dict[int, Entry] = {}
    for name in sorted(set(names), key=str.lower):
        obj = getattr(module, name)
        if inspect.ismodule(obj) or not callable(obj) or not _is_lamina(obj):
            continue
        entry = entries.get(id(obj))
        if entry is None:
            entries[id(obj)] = Entry(name, obj, _definition(obj))
        elif name == getattr(obj, "__name__", None):  # the canonical name leads
            entry.aliases.append(entry.name)
            entry.name = name
        else:
            entry.aliases.append(name)
    return list(entries.values())


def _is_lamina(obj: object) -> bool:
    return str(getattr(obj, "__module__", "")).startswith("lamina")


def _signature(obj: object) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def _render(namespace: str, entry: Entry) -> str:
    public = f"{namespace}.{entry.name}"
    also = ("\n\nAlso available as " + ", ".join(f"`{namespace}.{a}`" for a in entry.aliases)
            + "." if entry.aliases else "")
    if entry.path is None:
        doc = inspect.getdoc(entry.obj) or ""
        return f"### `{public}`\n\n```\n{public}{_signature(entry.obj)}\n```\n\n{doc}{also}\n"
    return (f"::: {entry.path}\n    options:\n      heading: \"{public}\"\n"
            f"      toc_label: \"{entry.name}\"\n      heading_level: 3\n{also}\n")


def api_markdown(namespace: str) -> str:
    """Markdown for the namespace: its classes, then its functions."""
    entries = public_entries(namespace)
    sections = []
    for title, keep in (("Classes", inspect.isclass), ("Functions", lambda o: not
                                                         inspect.isclass(o))):
        chosen = [e for e in entries if keep(e.obj)]
        if chosen:
            sections.append(f"## {title}\n\n" + "\n".join(_render(namespace, e) for e in chosen))
    return "\n".join(sections)


def on_page_markdown(markdown: str, page, config, files) -> str:
    """MkDocs event: replace each API marker on the page."""
    return MARKER.sub(lambda match: api_markdown(match.group(1)), markdown)
