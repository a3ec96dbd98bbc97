"""The README's runnable examples run as written (so the documentation stays true)."""

import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def section_code(title: str) -> str:
    text = README.read_text()
    match = re.search(rf"## {re.escape(title)}\n.*?```python\n(.*?)```", text, re.S)
    assert match, f"README has no python block under '## {title}'"
    return match.group(1)


def test_custom_layers_and_training_steps_example_trains():
    namespace: dict = {}
    exec(compile(section_code("Custom layers and training steps"), str(README), "exec"),
         namespace)
    model = namespace["model"]
    losses = model.history.history["loss"]
    assert len(losses) == 2 and losses[1] < losses[0]
    assert np.isfinite(model.predict(np.ones((2, 8), "float32"), verbose=0)).all()
