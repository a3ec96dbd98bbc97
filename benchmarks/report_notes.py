"""The notes under benchmarks/run.py's report: what each number means and how each contender ran.

Plain text, standard library only, kept apart from run.py so that the runner stays about running.
"""

from __future__ import annotations


def notes(quick: bool, threads: set[int], busy: bool, scan_chunks: dict[str, int],
          predict_calls: int) -> list[str]:
    """What each number means and how each contender was run: the quick run's sizes when
    `quick`, the torch thread counts seen, a warning when the machine was `busy`."""
    items = [
        "Steady epoch: median over all reps of epochs 2..N (epoch 1 includes compiling); "
        "wall and process CPU time (CPU counts every thread, so it can exceed wall).",
        "Keras-API contenders (lamina, keras-jax, tf-keras): Sequential models (functional "
        "for the transformer and MobileNetV2), compile(Adam, sparse "
        "categorical crossentropy, accuracy) with each framework's defaults, fit(verbose=0) "
        "timed by a Callback; predict is model.predict(x[:1], verbose=0).",
        "Transformer: sequences of 200 token ids (vocabulary 20000) -> keras.io's "
        "TokenAndPositionEmbedding custom layer (dim 128) -> 2 post-norm blocks of "
        "MultiHeadAttention(4 heads, key_dim 32) and a ReLU FFN of 128, dropout 0.1, "
        "LayerNormalization(1e-6) -> GlobalAveragePooling1D -> Dense(2) (a functional model); "
        "torch: nn.TransformerEncoderLayer with the same sizes; no jax-* loop.",
        "Hand loops (torch, jax-*): logits + softmax cross-entropy, shuffled index batches, "
        "a last partial batch dropped (none on the full 60000: 1875 steps of 32).",
        f"torch: CPU build, torch.set_num_threads({'/'.join(map(str, sorted(threads))) or '?'})"
        ", set_flush_denormal(True) (XLA and TF flush denormals by default); predict under "
        "no_grad() in eval mode.",
        "jax-step: one jitted step per batch, batches gathered on the host; jax-scan: data on "
        "the device once, steps per call "
        + ", ".join(f"{w} {scan_chunks[w] or 'whole epoch'}" for w in scan_chunks)
        + " (1 = a plain jitted step: XLA:CPU runs a conv or LSTM inside a scan loop slower).",
        f"Single-sample predict: median of {predict_calls} calls on one (1, 28, 28) sample after "
        "10 warm-up calls, MLP. Import: perf_counter around the import statement in a fresh "
        "interpreter. Process start to MLP epoch 1: the parent's time.time() before spawning to "
        "the child's at the end of epoch 1 (imports and data loading included). Peak RSS: "
        "ru_maxrss of the MLP process at its end.",
        "ResNet50 predict (Keras-API contenders): keras.applications.ResNet50(weights=None)"
        " (224x224x3, 1000 classes), model.predict(x, batch_size=32, verbose=0) on the same "
        "fixed random images (256: 8 batches; --quick 64); pass 1 compiles and is not timed, "
        "the median of passes 2..N is reported.",
        "MobileNetV2 fine-tuning (Keras-API contenders): keras.io's transfer-learning guide's "
        "fine-tuning stage: MobileNetV2(alpha=0.35, weights=None, include_top=False) on "
        "96x96x3, called with training=False, base.trainable = True, GlobalAveragePooling2D, "
        "Dense(10, softmax), Adam(1e-4), on the first 1024 Fashion-MNIST training images "
        "(--quick 256) upscaled by nearest neighbour with the grey channel repeated; "
        "accuracy on the first 1000 test images.",
        "Every contender reads the same IDX files with numpy (benchmarks/contenders/fashion.py),"
        " scaled in place to [0, 1] float32 (no second float copy in the peak RSS); rep r uses"
        " seed r - 1 in every contender.",
    ]
    if busy:
        items.insert(0, "The machine was busy when the run started (1-minute load average above "
                        "0.5): timings are noisy; multithreaded torch, whose OpenMP threads "
                        "spin-wait, suffers most.")
    if quick:
        items.insert(0, "QUICK smoke run (smaller training and image sets, see workloads): "
                        "checks that everything works; not for comparisons.")
    return items
