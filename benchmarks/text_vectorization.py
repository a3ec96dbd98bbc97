"""TextVectorization on 25000 generated reviews: lamina vs Keras 3 (TensorFlow backend).

Keras's TextVectorization runs on tf.strings kernels, so its peer here is Keras with the
TensorFlow backend from the tf venv (`make bench-setup`). Each contender runs in its own process,
interleaved over the repetitions; each times `adapt` (vocabulary of 20000) and one call on all
reviews (`output_sequence_length=200`), after a warm-up call on 100 reviews, and checks that both
produce the same vocabulary and indices (they must: same standardization, split and ordering).

    python benchmarks/text_vectorization.py [--reps N] [--reviews N]

Writes benchmarks/RESULTS-text.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONTENDERS = {"lamina": HERE.parent / ".venv" / "bin" / "python",
              "keras-tf": HERE / ".venvs" / "tf" / "bin" / "python"}
TAG = "TEXT_RESULT "


def reviews(n: int) -> list[str]:
    """IMDB-shaped texts from contenders/tokens.py's token ids: 200 words per review, with
    capitals and punctuation for standardization to remove."""
    sys.path.insert(0, str(HERE / "contenders"))
    import numpy as np
    import tokens

    x, _ = tokens.make(n, tokens.SEEDS["train"])
    words = np.array([f"Word{i}," if i % 7 == 0 else f"word{i}" for i in range(tokens.VOCAB)])
    return [" ".join(words[row]) for row in x]


def child(contender: str, n: int) -> None:
    """Time adapt and call in this process; print one result line."""
    if contender == "lamina":
        import lamina as keras
    else:
        import keras
    import numpy as np

    texts = np.array(reviews(n))
    layer = keras.layers.TextVectorization(max_tokens=20000, output_sequence_length=200)
    start = time.perf_counter()
    layer.adapt(texts)
    adapted = time.perf_counter()
    layer(texts[:100])  # warm-up: first-call costs are not what users repeat
    called = time.perf_counter()
    out = np.asarray(layer(texts))
    done = time.perf_counter()
    digest = hashlib.sha256(out.astype(np.int64).tobytes()).hexdigest()[:16]
    vocab = hashlib.sha256("\n".join(layer.get_vocabulary()).encode()).hexdigest()[:16]
    print(TAG + json.dumps({"adapt_s": adapted - start, "call_s": done - called,
                            "indices": digest, "vocabulary": vocab}))


def run_child(contender: str, n: int) -> dict:
    env = {**os.environ, "KERAS_BACKEND": "tensorflow" if contender == "keras-tf" else "jax",
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([str(CONTENDERS[contender]), __file__, "--child", contender,
                           "--reviews", str(n)], env=env, capture_output=True, text=True,
                          check=False)
    for line in proc.stdout.splitlines():
        if line.startswith(TAG):
            return json.loads(line[len(TAG):])
    raise RuntimeError(f"{contender} failed:\n{proc.stderr[-2000:]}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--reviews", type=int, default=25000)
    p.add_argument("--child", choices=sorted(CONTENDERS))
    args = p.parse_args()
    if args.child:
        return child(args.child, args.reviews)
    present = [c for c, python in CONTENDERS.items() if python.exists()]
    results = {c: [] for c in present}
    load_before = os.getloadavg()[0]
    for _ in range(args.reps):
        for contender in present:
            results[contender].append(run_child(contender, args.reviews))
    lines = [f"# TextVectorization on {args.reviews} reviews (median of {args.reps})", "",
             "| contender | adapt (s) | call (s) | lamina / contender (adapt, call) |",
             "|---|---|---|---|"]
    med = {c: {k: statistics.median(r[k] for r in rs) for k in ("adapt_s", "call_s")}
           for c, rs in results.items()}
    for contender in present:
        ratio = ", ".join(f"{med['lamina'][k] / med[contender][k]:.2f}x"
                          for k in ("adapt_s", "call_s"))
        lines.append(f"| {contender} | {med[contender]['adapt_s']:.2f} | "
                     f"{med[contender]['call_s']:.2f} | {ratio} |")
    same = len({(r[0]["indices"], r[0]["vocabulary"]) for r in results.values()}) == 1
    lines += ["", f"Same vocabulary and indices in every contender: {'yes' if same else 'NO'}.",
              "", f"{os.cpu_count()} CPUs; 1-minute load average {load_before:.2f} before the "
              f"runs, {os.getloadavg()[0]:.2f} after (other work on the machine slows both "
              "contenders; compare ratios, not seconds)."]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "RESULTS-text.md").write_text(text)


if __name__ == "__main__":
    main()
