"""`ops.*` and `activations.*` on symbolic tensors: operation nodes of functional models, saved
and loaded in Keras's layout (checked against Keras 3)."""

import importlib
import inspect
import json

import numpy as np
import pytest

import lamina
from lamina.ops import _op_table

keras = pytest.importorskip("keras")


def _copy_weights(ours, theirs):
    ours.set_weights(theirs.get_weights())


def squeeze_concat(lib):
    ops = lib.ops
    a, b = lib.Input((4, 1), name="a"), lib.Input((4, 3), name="b")
    x = ops.concatenate([ops.expand_dims(ops.squeeze(a, axis=-1), -1), b], axis=-1)
    return lib.Model([a, b], lib.layers.Dense(2)(x))


def mean_reshape(lib):
    ops = lib.ops
    a = lib.Input((4, 3))
    h = ops.mean(lib.layers.Dense(6)(a), axis=1, keepdims=True)
    return lib.Model(a, ops.sum(ops.reshape(h, (-1, 3, 2)), axis=(1,)))


def activations_and_where(lib):
    ops = lib.ops
    a = lib.Input((5,))
    h = lib.layers.Dense(6)(a)
    h = ops.where(h > 0, lib.activations.softmax(h), ops.relu(h) - 1.0)
    return lib.Model(a, ops.cast(ops.transpose(ops.stack([h, 2 * h], axis=1), (0, 2, 1)),
                                 "float16"))


def split_one_hot_matmul(lib):
    ops = lib.ops
    a = lib.Input((6,))
    left, right = ops.split(lib.layers.Dense(8)(a), 2, axis=-1)
    outer = ops.matmul(ops.expand_dims(left, -1), ops.expand_dims(right, 1))
    return lib.Model(a, [outer, ops.one_hot(ops.argmax(left, axis=-1), 4),
                         ops.pad(right, [[0, 0], [1, 2]], constant_values=0.5)])


def keras_relu(lib):
    a = lib.Input((5,))
    return lib.Model(a, lib.activations.relu(lib.layers.Dense(4)(a), max_value=0.3))


GRAPHS = [squeeze_concat, mean_reshape, activations_and_where, split_one_hot_matmul]


def _inputs(model):
    rng = np.random.default_rng(0)
    data = [rng.normal(size=(3, *t.shape[1:])).astype("float32") for t in model.inputs]
    return data if len(data) > 1 else data[0]


def _assert_same(got, want):
    got, want = (got, want) if isinstance(want, list) else ([got], [want])
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g, "float32"), np.asarray(w, "float32"),
                                   atol=1e-5)


def _without_names(config):
    """A functional config (as JSON has it) with every auto-generated name and reference
    blanked out (the two libraries' name counters differ by what other tests created)."""
    return _blank_names(json.loads(json.dumps(config)))


def _blank_names(config):
    if isinstance(config, dict):
        return {k: "?" if k == "name" else _blank_names(v) for k, v in config.items()
                if k != "keras_history"}
    if isinstance(config, list):
        return [_blank_names(v) for v in config]
    return config


@pytest.mark.parametrize("build", GRAPHS, ids=lambda f: f.__name__)
def test_ops_graph_config_and_predictions_match_keras(build):
    theirs, ours = build(keras), build(lamina)
    _copy_weights(ours, theirs)
    x = _inputs(theirs)
    _assert_same(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers] \
        or len(ours.layers) == len(theirs.layers)  # operations are not layers
    ours_ops = [e for e in ours.get_config()["layers"] if e["module"].startswith("keras.src")]
    theirs_ops = [e for e in theirs.get_config()["layers"]
                  if e["module"].startswith("keras.src")]
    assert _without_names(ours_ops) == _without_names(theirs_ops)


@pytest.mark.parametrize("build", GRAPHS, ids=lambda f: f.__name__)
def test_ops_graph_files_load_both_ways(build, tmp_path):
    theirs, ours = build(keras), build(lamina)
    _copy_weights(ours, theirs)
    x = _inputs(theirs)
    expected = theirs.predict(x, verbose=0)
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    _assert_same(keras.models.load_model(tmp_path / "ours.keras").predict(x, verbose=0),
                 expected)
    loaded = lamina.models.load_model(tmp_path / "theirs.keras")
    _assert_same(loaded.predict(x, verbose=0), expected)
    _assert_same(loaded(x), expected)


def test_keras_activation_on_symbolic_tensor_records_relu_operation(tmp_path):
    theirs, ours = keras_relu(keras), keras_relu(lamina)
    _copy_weights(ours, theirs)
    x = _inputs(theirs)
    _assert_same(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    entry = ours.get_config()["layers"][-1]
    assert (entry["module"], entry["class_name"]) == ("keras.src.activations.activations",
                                                      "ReLU")
    assert entry["config"] == {"name": entry["name"], "negative_slope": 0.0,
                               "max_value": 0.3, "threshold": 0.0}
    ours.save(tmp_path / "ours.keras")
    _assert_same(keras.models.load_model(tmp_path / "ours.keras").predict(x, verbose=0),
                 theirs.predict(x, verbose=0))


def test_keras_file_with_relu_activation_operation_loads(tmp_path):
    theirs = keras_relu(keras)
    theirs.save(tmp_path / "theirs.keras")
    x = _inputs(theirs)
    _assert_same(lamina.models.load_model(tmp_path / "theirs.keras").predict(x, verbose=0),
                 theirs.predict(x, verbose=0))


def test_logical_operators_and_round_match_keras():
    def build(lib):
        a = lib.Input((4,))
        mask = ~(a > 0) | (a != 1.0)
        return lib.Model(a, [lib.ops.cast(mask & (a < 2.0), "float32"), round(a * 10.0)])

    x = np.array([[0.5, -1.0, 1.0, 2.5]], "float32")
    _assert_same(build(lamina).predict(x, verbose=0), build(keras).predict(x, verbose=0))


def test_ops_on_arrays_are_direct_calls_under_one_name():
    ops = lamina.ops
    assert ops.numpy.mean is ops.mean and ops.nn.softmax is ops.softmax
    x = np.arange(6.0, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(ops.mean(x, axis=1), [1.0, 4.0])
    np.testing.assert_allclose(lamina.activations.relu(x - 2.0, max_value=2.0),
                               keras.activations.relu(x - 2.0, max_value=2.0))
    import jax

    np.testing.assert_allclose(jax.jit(lambda v: ops.squeeze(ops.expand_dims(v, 0), 0))(x), x)


def test_symbolic_constructor_argument_is_a_clear_error():
    a = lamina.Input((4,))
    with pytest.raises(TypeError, match="axis"):
        lamina.ops.sum(a, axis=a)
    with pytest.raises(TypeError, match="signature"):
        lamina.ops.squeeze(a, 1, 2, 3)


def _signature_text(fn) -> str:
    return ", ".join(str(p) for p in inspect.signature(fn).parameters.values()).replace("'", '"')


def test_op_table_matches_keras_operation_classes():
    """Every entry names Keras's class, in Keras's module, with Keras's function signature
    and the class's constructor arguments."""
    for module_name, table in _op_table.MODULES.items():
        module = importlib.import_module(module_name)
        for name, (class_name, signature, constructor, *_) in table.items():
            cls = getattr(module, class_name)
            init = [p for p in inspect.signature(cls.__init__).parameters
                    if p not in ("self", "name", "args", "kwargs")]
            assert [w.split("=")[0] for w in constructor.split()] == init, (name, init)
            fn = getattr(module, name, None) or getattr(keras.activations, name)
            assert _signature_text(fn) == signature, name


CALLS = {
    "sum_keepdims": lambda ops, x: ops.sum(x, axis=-1, keepdims=True),
    "tile": lambda ops, x: ops.tile(x, (1, 2)),
    "take": lambda ops, x: ops.take(x, [0, 2], axis=1),
    "einsum": lambda ops, x: ops.einsum("bi,bj->bij", x, x),
    "clip": lambda ops, x: ops.clip(x, -0.5, 0.5),
    "cumsum": lambda ops, x: ops.cumsum(x, axis=1),
    "moveaxis": lambda ops, x: ops.moveaxis(ops.expand_dims(x, 1), 1, -1),
    "repeat": lambda ops, x: ops.repeat(x, 2, axis=1),
    "roll": lambda ops, x: ops.roll(x, 1, axis=1),
    "tensordot": lambda ops, x: ops.tensordot(x, x, axes=[[0], [0]]),
    "top_k": lambda ops, x: ops.top_k(x, 2)[0],
    "logsumexp": lambda ops, x: ops.logsumexp(x, axis=1),
    "norm": lambda ops, x: ops.norm(x, ord=1, axis=(0, 1), keepdims=True),
    "unstack": lambda ops, x: ops.unstack(x, axis=1)[1],
    "max_maximum": lambda ops, x: ops.maximum(ops.max(x, axis=0), 0.1),
    "rearrange": lambda ops, x: ops.rearrange(ops.reshape(x, (-1, 2, 3)), "b (h) w -> b w h",
                                              h=2),
    "gelu_leaky": lambda ops, x: ops.gelu(x) + ops.leaky_relu(x, negative_slope=0.1),
    "convert_cast": lambda ops, x: ops.cast(ops.convert_to_tensor(x) * 3.0, "int32"),
    "pad_reflect": lambda ops, x: ops.pad(x, ((0, 0), (2, 1)), mode="reflect"),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_op_node_computes_what_keras_does(name):
    def build(lib):
        a = lib.Input((6,), batch_size=3)  # Keras's rearrange needs known axes
        return lib.Model(a, CALLS[name](lib.ops, a))

    theirs, ours = build(keras), build(lamina)
    x = np.random.default_rng(1).normal(size=(3, 6)).astype("float32")
    _assert_same(ours(x), theirs(x))
    rebuilt = lamina.Model.from_config(json.loads(json.dumps(theirs.get_config())))
    _assert_same(rebuilt(x), theirs(x))
