"""Record what Keras 3's `TensorBoard` callback writes (tags, plugins, dtypes, shapes, steps,
files, projector config, one histogram and one image with the weights they came from) into
`tensorboard_keras.json`, the oracle of tests/test_callbacks_tensorboard.py.

Keras's TensorBoard needs TensorFlow, so this runs in the benchmarks' TensorFlow venv with the
main venv's `tensorboard` package on the path (TensorFlow's `tf.summary` ops live there):

    mkdir -p /tmp/tbpath && ln -sf $PWD/.venv/lib/python3.11/site-packages/tensorboard /tmp/tbpath/
    PYTHONPATH=/tmp/tbpath KERAS_BACKEND=tensorflow \
        benchmarks/.venvs/tf/bin/python tests/golden/tensorboard_keras.py
"""

import glob
import json
import os
import re
import tempfile

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tensorboard_keras.json")


def build_model(keras):
    """Embedding -> Flatten -> Dense (Functional, named layers, so weight paths agree)."""
    inputs = keras.Input((4,), dtype="int32")
    x = keras.layers.Embedding(10, 3, name="embedding")(inputs)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="dense")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def data():
    rng = np.random.default_rng(0)
    return rng.integers(0, 10, (16, 4)).astype("int32"), rng.integers(0, 2, (16,))


def read_run(run_dir):
    """Every summary value in a run directory's event files, as plain dicts, plus graphs."""
    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.util import tensor_util

    values, other = [], []
    for path in sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*"))):
        for event in event_file_loader.EventFileLoader(path).Load():
            kind = event.WhichOneof("what")
            if kind != "summary":
                other.append(kind)
                continue
            for value in event.summary.value:
                arr = tensor_util.make_ndarray(value.tensor)
                values.append({
                    "tag": value.tag, "step": int(event.step),
                    "plugin": value.metadata.plugin_data.plugin_name,
                    "content": value.metadata.plugin_data.content.decode("latin-1"),
                    "dtype": str(arr.dtype) if arr.dtype.kind != "O" else "object",
                    "shape": list(arr.shape),
                })
    return values, other


def run(keras, log_dir, **kwargs):
    x, y = data()
    keras.utils.set_random_seed(1)
    model = build_model(keras)
    tb = keras.callbacks.TensorBoard(log_dir, **kwargs)
    history = model.fit(x, y, batch_size=8, epochs=2, validation_data=(x, y), verbose=0,
                        callbacks=[tb])
    model.evaluate(x, y, batch_size=8, verbose=0, callbacks=[tb])
    result = {"history": {k: [float(v) for v in vs] for k, vs in history.history.items()}}
    for run_name in ("train", "validation"):
        result[run_name], result[run_name + "_other"] = read_run(os.path.join(log_dir, run_name))
    files = []
    for root, _, names in os.walk(log_dir):
        for name in names:
            rel = os.path.relpath(os.path.join(root, name), log_dir)
            files.append(re.sub(r"events\.out\.tfevents\..*", "events.out.tfevents.*", rel))
    result["files"] = sorted(set(files))
    projector = os.path.join(log_dir, "projector_config.pbtxt")
    if os.path.exists(projector):
        with open(projector) as f:
            result["projector_config"] = f.read()
    return model, result


def sample_histogram_and_image(keras, log_dir, model):
    """The last histogram and image of the Dense kernel, with the kernel's final values."""
    from tensorboard.backend.event_processing import event_file_loader
    from tensorboard.util import tensor_util

    hist = image = None
    for path in sorted(glob.glob(os.path.join(log_dir, "train", "events.out.tfevents.*"))):
        for event in event_file_loader.EventFileLoader(path).Load():
            for value in event.summary.value:
                if value.tag.endswith("dense/kernel/histogram"):
                    hist = tensor_util.make_ndarray(value.tensor).tolist()
                if value.tag.endswith("dense/kernel/image"):
                    import tensorflow as tf

                    png = tensor_util.make_ndarray(value.tensor)[2]
                    image = tf.io.decode_png(png).numpy().tolist()
    kernel = model.layers[-1].kernel.numpy().tolist()
    return {"kernel": kernel, "histogram": hist, "image": image}


def main():
    import keras

    golden = {}
    with tempfile.TemporaryDirectory() as tmp:
        full = os.path.join(tmp, "full")
        model, golden["batch"] = run(keras, full, histogram_freq=1, write_images=True,
                                     update_freq="batch", embeddings_freq=1,
                                     embeddings_metadata={"embedding": "meta.tsv"})
        golden["sample"] = sample_histogram_and_image(keras, full, model)
        _, golden["epoch"] = run(keras, os.path.join(tmp, "epoch"))
        _, golden["every_2"] = run(keras, os.path.join(tmp, "every_2"), update_freq=2)
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=0, sort_keys=True)


if __name__ == "__main__":
    main()
