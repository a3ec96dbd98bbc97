"""Hypothesis strategies over the mutations in `mutators` and `h5_mutators`, one per family."""

from __future__ import annotations

from hypothesis import strategies as st

from fuzz import h5_mutators as h5mu
from fuzz import hostile
from fuzz import mutators as mu

fracs = st.floats(0.0, 1.0, allow_nan=False)
picks = st.integers(0, 10_000)
junk = st.binary(min_size=1, max_size=64) | st.sampled_from([b"\x00" * 8, b"\xff" * 8,
                                                            b"PK\x03\x04", b"\x89HDF\r\n"])


def byte_mutations() -> st.SearchStrategy[mu.Mutation]:
    """Damage anywhere in the file's bytes (detectable by the format or not)."""
    spots = st.lists(st.tuples(fracs, st.integers(0, 7)), min_size=1, max_size=8)
    return st.one_of(
        st.builds(mu.truncate, fracs),
        st.builds(mu.flip_bits, spots),
        st.builds(mu.overwrite, fracs, junk),
        st.builds(mu.cut, fracs, st.integers(1, 4096)),
        st.builds(mu.insert, fracs, junk),
    )


BOMB_GIB = (0.25, 1.5)  # sizes of the zip bombs, in GiB
TRAVERSING = ["../config.json", "/etc/passwd", "assets/../../evil", "assets/" + "../" * 20 + "x",
              "assets/x/../../../y", "assets//abs", "assets/a", "assets/a/b", "config.json/",
              "", "..", "a" * 300, "assets/\u2028", "model.weights.h5", "config.json"]


def zip_mutations() -> st.SearchStrategy[mu.Mutation]:
    """Changes to the members of a `.keras` archive."""
    names = st.sampled_from([mu.CONFIG, "metadata.json", mu.WEIGHTS, "assets/x"])
    contents = st.sampled_from([b"", b"{}", b"[]", b"null", b"\xff\xfe", b"\x89HDF\r\n\x1a\n",
                                hostile.deep_json(50_000).encode()])
    return st.one_of(
        st.builds(mu.drop, picks),
        st.builds(mu.swap, picks, picks),
        st.builds(mu.rename, picks, st.sampled_from(TRAVERSING)),
        st.builds(mu.add, st.sampled_from(TRAVERSING), contents, st.booleans()),
        st.builds(mu.damage, names, byte_mutations()),
        st.builds(mu.deflate_all),
        st.builds(mu.bomb, names, st.sampled_from(BOMB_GIB), st.booleans()),
        st.builds(mu.lie_about_size, picks, st.sampled_from([0, 1, 2 ** 31, 2 ** 32 - 1])),
    )


def json_edits() -> st.SearchStrategy[tuple]:
    """(pick, value, delete): which node of a JSON document to change, and how."""
    return st.tuples(picks, st.sampled_from(hostile.absurd_values()), st.booleans())


def config_mutations(fmt: str) -> st.SearchStrategy[mu.Mutation]:
    """Hostile edits of the model config (`config.json`, or the `.h5` `model_config`)."""
    if fmt == "keras":
        return st.builds(lambda e: mu.config_member(*e), json_edits())
    attrs = st.sampled_from(["model_config", "model_config", "training_config"])
    return st.builds(lambda e, a: h5mu.h5_attr_json(*e, attr=a), json_edits(), attrs)


def h5_mutations() -> st.SearchStrategy[mu.Mutation]:
    """Changes to the HDF5 objects of a weights or legacy model file."""
    return st.one_of(
        st.builds(h5mu.replace_dataset, picks, st.sampled_from(sorted(h5mu.REPLACEMENTS))),
        st.builds(h5mu.link, picks, st.sampled_from(["self", "root", "dangling", "external"])),
        st.builds(h5mu.delete_object, picks),
        st.builds(h5mu.set_attr, picks, picks),
    )
