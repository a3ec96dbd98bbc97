"""Fuzzed loaders (issue 23): damaged and hostile `.keras`, `.h5` and `.weights.h5` files.

Property (checked by `fuzz.harness.check_load` for every case): `load_model`,
`model.load_weights` and `keras.saving.load_weights` either return a model with the seed's
weights or raise one of lamina's errors naming the file; they finish within seconds, use at
most 1 GiB of extra memory, never run code from the file, and a failed `load_weights` leaves
the model as it was.

Undetectable damage: the HDF5 files Keras writes carry no checksums over their data, so a bit
flip inside a float (or an address) of an `.h5`/`.weights.h5` file may load with changed
values; there only the weights' number, shapes and dtypes are checked. Every member of a
`.keras` zip has a CRC, so a `.keras` file whose bytes were damaged must load exactly or fail.

The deterministic tests below are the regressions for what the fuzzer found.
"""

from __future__ import annotations

import io
import json
import time
import zipfile

import h5py
import numpy as np
import pytest
from fuzz import h5_mutators as h5mu
from fuzz import hostile, seeds, strategies, total_examples, zips
from fuzz import mutators as mu
from fuzz.harness import LOADERS, bounded, check_load, target_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lamina as keras
from lamina.saving import SavedFileError

SHARES = {"bytes": 0.3, "zip": 0.2, "config": 0.25, "h5": 0.25}  # of LAMINA_FUZZ_EXAMPLES


def fuzz_settings(family: str) -> settings:
    return settings(max_examples=max(1, int(total_examples() * SHARES[family])),
                    deadline=10_000, database=None, derandomize=total_examples() <= 300,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    seeds.all_seeds()  # built once, outside any case's time, as are the zip bombs
    for gib in strategies.BOMB_GIB:
        zips.bomb("warm-up", gib)
    return tmp_path_factory.mktemp("fuzz")


def _seeds(*formats: str) -> st.SearchStrategy[seeds.Seed]:
    return st.sampled_from([s for s in seeds.all_seeds() if s.format in formats])


@st.composite
def _case(draw, formats, mutations):
    seed = draw(_seeds(*formats))
    return seed, draw(mutations(seed.format)), draw(st.sampled_from(LOADERS[seed.format]))


@fuzz_settings("bytes")
@given(case=_case(("keras", "h5", "weights"), lambda fmt: strategies.byte_mutations()))
def test_damaged_bytes_never_leak_errors_or_wrong_weights(case, folder):
    check_load(*case, folder)


@fuzz_settings("zip")
@given(case=_case(("keras",), lambda fmt: strategies.zip_mutations()))
def test_rearranged_keras_archives_and_zip_bombs(case, folder):
    check_load(*case, folder)


@fuzz_settings("config")
@given(case=_case(("keras", "h5"), strategies.config_mutations))
def test_hostile_model_configs_run_no_code_and_allocate_nothing_absurd(case, folder):
    check_load(*case, folder)


def _h5_or_inner(fmt: str) -> st.SearchStrategy[mu.Mutation]:
    if fmt == "keras":  # the weights inside a .keras archive, stored with a valid CRC
        return st.builds(mu.damage, st.just(mu.WEIGHTS), strategies.h5_mutations())
    return strategies.h5_mutations()


@fuzz_settings("h5")
@given(case=_case(("keras", "h5", "weights"), _h5_or_inner))
def test_hostile_hdf5_objects(case, folder):
    check_load(*case, folder)


# -- regressions and the contract's corners, deterministic ---------------------------------

def _load(seed: seeds.Seed, mutation: mu.Mutation, folder, loader: str = "load_model"):
    """Load the mutated seed and return the error it must raise (lamina's, naming the file)."""
    path = folder / f"regression{seed.suffix}"
    path.write_bytes(mutation.apply(seed.data))
    with bounded(), pytest.raises(keras.errors.LaminaError) as info:
        if loader == "load_model":
            keras.models.load_model(path, custom_objects=seeds.CUSTOM_OBJECTS)
        else:
            target_model(seed.model).load_weights(path)
    assert str(path) in str(info.value)
    assert not hostile.sentinel_fired()
    return info.value


@pytest.mark.parametrize("member", [mu.CONFIG, mu.WEIGHTS, "assets/x"])
def test_zip_bomb_is_refused_before_inflating(member, folder):
    start = time.perf_counter()
    error = _load(seeds.seed("sequential", "keras"), mu.bomb(member, 1.5, True), folder)
    assert isinstance(error, SavedFileError) and "zip bomb" in str(error)
    assert time.perf_counter() - start < 5


def test_many_small_bombs_are_refused_by_their_total(folder):
    ms = zips.members(seeds.seed("sequential", "keras").data)
    # each member stays under the per-member bound (1 MiB); together they claim 36 MB from
    # a file of ~60 KB, over 100 times its size
    small = [zips.Member.deflated(f"assets/{i}", bytes(900_000)) for i in range(40)]
    path = folder / "many.keras"
    path.write_bytes(zips.build(ms + small))
    with pytest.raises(SavedFileError, match="zip bomb"):
        keras.models.load_model(path)


@pytest.mark.parametrize("fmt,member", [("keras", mu.CONFIG), ("h5", None)])
def test_deeply_nested_config_is_a_file_error(fmt, member, folder):
    seed = seeds.seed("sequential", fmt)
    mutation = (mu.config_member(0, hostile.DEEP_TOKEN) if fmt == "keras"
                else h5mu.h5_attr_json(0, hostile.DEEP_TOKEN))
    assert "nested too deeply" in str(_load(seed, mutation, folder))


@pytest.mark.parametrize("depth", [700, 990])
def test_config_nested_near_the_recursion_limit(depth, folder):
    """Nesting that json may still parse but a recursive builder may not: a file error."""
    deep = "[" * depth + "]" * depth
    edit = mu.Mutation(f"deep {depth}", lambda d: mu.replace_in_config(
        d, '"layers": [', f'"layers": [{{"class_name": "Dense", "config": {deep}}}, '))
    _load(seeds.seed("sequential", "keras"), edit, folder)


@pytest.mark.parametrize("edit", [
    ("units", "unitz"),  # a bit flip in a key: Dense gets an unknown argument
    ('"layers": [', '"layers": 0, "x": ['),  # a list replaced by a number
    ('"units": 3', '"units": "three"'),
    ('"activation": "relu"', '"activation": {"no": "class"}'),
])
def test_broken_config_values_raise_errors_naming_the_file(edit, folder):
    old, new = edit
    text = mu.Mutation(f"replace {old!r}", lambda d: mu.replace_in_config(d, old, new))
    error = _load(seeds.seed("sequential", "keras"), text, folder)
    assert isinstance(error, (TypeError, ValueError))  # the builtin types Keras code catches


def test_absurd_units_in_config_fail_fast_without_allocating(folder):
    start = time.perf_counter()
    edit = mu.Mutation("units=10**12", lambda d: mu.replace_in_config(d, '"units": 3', '"units": '
                                                             + str(10 ** 12)))
    error = _load(seeds.seed("sequential", "keras"), edit, folder)
    assert "memory" in str(error) or "units" in str(error)
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("kind,message", [
    ("huge_1d", "declares shape"), ("huge_2d", "declares shape"),
    ("external_huge", "outside the file"), ("dev_zero", "outside the file"),
    ("strings", "not numbers"), ("vlen_strings", "not numbers"), ("compound", "not numbers"),
])
@pytest.mark.parametrize("fmt", ["weights", "h5"])
def test_weights_datasets_are_checked_before_they_are_read(kind, message, fmt, folder):
    seed = seeds.seed("sequential", fmt)
    error = _load(seed, h5mu.replace_dataset(0, kind), folder, loader="load_weights")
    assert isinstance(error, SavedFileError) and message in str(error)


def test_a_dataset_claiming_2_to_the_40_elements_inside_a_keras_file(folder):
    seed = seeds.seed("two_inputs", "keras")
    mutation = mu.damage(mu.WEIGHTS, h5mu.replace_dataset(1, "huge_1d"))
    assert "declares shape" in str(_load(seed, mutation, folder))


@pytest.mark.parametrize("fmt", ["h5", "weights", "keras"])
def test_damaged_global_heap_is_refused_instead_of_hanging_hdf5(fmt, folder):
    """HDF5 1.14 loops forever (holding the GIL) on a global heap collection whose free-space
    object has a wrong size, as 8 bytes inserted into a legacy file's model_config leave it."""
    seed = seeds.seed("custom", fmt)
    if fmt == "h5":
        mutation = mu.insert(0.2445, b"\xff" * 8)  # found by the fuzzer: hung load_model
    else:
        mutation = mu.Mutation("zero the free-space size", h5mu.zero_free_space)
        mutation = mu.damage(mu.WEIGHTS, mutation) if fmt == "keras" else mutation
    error = _load(seed, mutation, folder, "load_model" if fmt != "weights" else "load_weights")
    assert "global heap" in str(error)


def test_undecodable_name_in_a_legacy_file(folder):
    """A byte of a layer name overwritten with 0x80: h5py's UnicodeEncodeError used to leak."""
    seed = seeds.seed("sequential", "h5")
    _load(seed, mu.overwrite(0.25, b"\x80"), folder)


@pytest.mark.parametrize("value", [np.array([2 ** 40]), -1])
def test_model_config_attribute_of_the_wrong_type(value, folder):
    def change(f):
        f.attrs["model_config"] = value

    error = _load(seeds.seed("sequential", "h5"), h5mu.on_h5("model_config", change), folder)
    assert "not JSON text" in str(error)


def test_bad_training_config_names_the_file(folder):
    seed = seeds.seed("sequential", "h5")
    _load(seed, h5mu.h5_attr_json(0, {"optimizer_config": 7, "loss": True},
                                attr="training_config"), folder)


def test_failed_optimizer_state_leaves_weights_untouched(folder):
    """The optimizer's state is read before any weight is assigned."""
    seed = seeds.seed("sequential", "weights")
    model = target_model("sequential")
    before = model.get_weights()
    path = folder / "bad_optimizer.weights.h5"
    path.write_bytes(_replace_optimizer_var(seed.data))
    with pytest.raises(SavedFileError, match="outside the file"):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def _replace_optimizer_var(data: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as f:
        del f["optimizer/vars/0"]
        f.create_dataset("optimizer/vars/0", shape=(1,), dtype="i8",
                         external=[("/dev/zero", 0, h5py.h5f.UNLIMITED)])
    return buffer.getvalue()


@pytest.mark.parametrize("names", [("assets/a", "assets/a/b"), ("assets/a/b", "assets/a")])
def test_asset_names_that_cannot_both_be_files(names, folder):
    seed = seeds.seed("sequential", "keras")
    mutation = mu.on_members("assets", lambda ms: ms + [zips.Member(n, b"x") for n in names])
    assert "asset" in str(_load(seed, mutation, folder))


@pytest.mark.parametrize("name", ["assets/../../evil", "assets/" + "../" * 20 + "x",
                                  "assets//etc/passwd"])
def test_asset_names_escaping_the_assets_folder(name, folder, tmp_path):
    seed = seeds.seed("sequential", "keras")
    error = _load(seed, mu.add(name, b"owned"), folder)
    assert "outside the assets folder" in str(error)


# -- runs no code ---------------------------------------------------------------------------

@pytest.mark.parametrize("reference", hostile.code_references(), ids=repr)
@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_configs_naming_code_run_nothing(reference, fmt, folder):
    """Each reference replaces the registered function of the custom seed's Lambda."""
    seed = seeds.seed("custom", fmt)
    config = _config_of(seed)
    function_node = _node_index(config, ("config", "layers", 2, "config", "function"))
    mutation = (mu.config_member(function_node, reference) if fmt == "keras"
                else h5mu.h5_attr_json(function_node, reference))
    _load(seed, mutation, folder)


def _config_of(seed: seeds.Seed) -> dict:
    if seed.format == "keras":
        with zipfile.ZipFile(io.BytesIO(seed.data)) as archive:
            return json.loads(archive.read(mu.CONFIG))
    with h5py.File(io.BytesIO(seed.data), "r") as f:
        return json.loads(f.attrs["model_config"])


def _node_index(tree, path: tuple) -> int:
    return mu.json_paths(tree).index(path)


def test_keras_lambda_bytecode_is_refused_and_never_run(tmp_path):
    """Keras (the oracle) saves a Python lambda as bytecode: lamina refuses it as Keras does
    under safe_mode, and, unlike Keras with safe_mode=False, never runs it."""
    import keras as real_keras

    payload = hostile.payload_lambda()
    model = real_keras.Sequential([real_keras.Input((2,)), real_keras.layers.Lambda(payload)])
    hostile.SENTINEL.unlink(missing_ok=True)  # building the Keras model traced the lambda
    path = tmp_path / "lambda.keras"
    model.save(path)
    with pytest.raises(ValueError):
        real_keras.saving.load_model(path)  # Keras's own safe_mode refuses it too
    for safe_mode in (True, False):
        with pytest.raises(keras.errors.ConfigError, match="bytecode"):
            keras.models.load_model(path, safe_mode=safe_mode)
        assert not hostile.sentinel_fired()
    real_keras.saving.load_model(path, safe_mode=False)  # the payload is live: Keras runs it
    assert hostile.SENTINEL.exists()
    hostile.SENTINEL.unlink()


def test_fuzz_example_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("LAMINA_FUZZ_EXAMPLES", "10000")
    assert total_examples() == 10_000
    monkeypatch.setenv("LAMINA_FUZZ_EXAMPLES", "many")
    with pytest.raises(ValueError, match="LAMINA_FUZZ_EXAMPLES='many'"):
        total_examples()
