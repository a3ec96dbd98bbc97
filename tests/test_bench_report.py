"""The pure parts of benchmarks/run.py on made-up numbers: medians, ratios, the target checklist,
markdown tables and the run plans. Runs no benchmark; imports neither torch nor tensorflow."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str, path: Path):
    """Import a benchmarks/ module by path (its folder searched for its sibling imports),
    leaving sys.path and sys.modules as they were."""
    saved_path, saved_modules = list(sys.path), dict(sys.modules)
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved_path
        for sibling in set(sys.modules) - set(saved_modules) - {name}:
            if str(BENCH) in str(getattr(sys.modules[sibling], "__file__", "")):
                del sys.modules[sibling]
        sys.modules.update({k: v for k, v in saved_modules.items() if k == "report"})
    return module


report = _load("bench_report", BENCH / "report.py")
run = _load("bench_run", BENCH / "run.py")


def test_medians_of_each_measure_and_none_without_samples():
    samples = {"lamina": {"a": [3.0, 1.0, 2.0], "b": [4.0, 1.0], "c": []}}
    assert report.medians(samples) == {"lamina": {"a": 2.0, "b": 2.5, "c": None}}


def test_ratio_is_none_when_a_side_is_missing_or_zero():
    assert report.ratio(1.0, 4.0) == 0.25
    assert report.ratio(None, 4.0) is None
    assert report.ratio(1.0, None) is None
    assert report.ratio(1.0, 0.0) is None


def test_target_met_at_the_limit_missed_above_and_not_measured_without_the_peer():
    target = report.Target("t", "m", "peer", 0.5)
    assert report.check(target, {"lamina": {"m": 1.0}, "peer": {"m": 2.0}}) == (0.5, "met")
    assert report.check(target, {"lamina": {"m": 1.5}, "peer": {"m": 2.0}}) == (0.75, "missed")
    assert report.check(target, {"lamina": {"m": 1.0}}) == (None, "not measured")
    assert report.check(target, {"lamina": {"m": None}, "peer": {"m": 2.0}}) == (
        None, "not measured")


def test_checklist_lists_every_target_with_its_ratio_and_verdict():
    table = {"lamina": {"mlp_epoch_wall": 1.0, "import_s": 0.8, "predict_ms": 0.05},
             "keras-jax": {"mlp_epoch_wall": 2.0, "import_s": 1.0, "predict_ms": 1.0},
             "torch": {"predict_ms": 0.02}}
    assert report.checklist(table).splitlines() == [
        "- [x] MLP steady epoch <= 0.6x Keras-JAX: measured 0.50x (met)",
        "- [ ] MLP steady epoch <= 1.05x hand-written JAX scan: not measured",
        "- [ ] CNN steady epoch <= 1.0x PyTorch loop: not measured",
        "- [ ] LSTM steady epoch <= 1.0x PyTorch nn.LSTM: not measured",
        "- [ ] Transformer steady epoch <= 0.7x Keras-JAX: not measured",
        "- [ ] Transformer steady epoch <= 1.0x PyTorch loop: not measured",
        "- [ ] ResNet50 predict pass <= 0.8x Keras-JAX: not measured",
        "- [ ] MobileNetV2 fine-tuning epoch <= 0.8x Keras-JAX: not measured",
        "- [ ] augmentation front end adds <= 25% to lamina's CNN steady epoch: not measured",
        "- [ ] import lamina <= 0.7x import keras: measured 0.80x (missed)",
        "- [ ] process start to end of first MLP epoch <= 0.7x Keras-JAX: not measured",
        "- [x] single-sample predict <= 0.1x Keras-JAX: measured 0.05x (met)",
        "- [ ] single-sample predict <= 2x PyTorch no_grad: measured 2.50x (missed)",
        "- [ ] peak RSS of the MLP run <= 0.8x Keras-JAX: not measured",
    ]


def test_markdown_table_pads_and_aligns():
    assert report.markdown_table(["x", "value"], [["long name", "1"], ["b", "22.5"]]) == (
        "| x         | value |\n"
        "|:----------|------:|\n"
        "| long name |     1 |\n"
        "| b         |  22.5 |")
    assert report.markdown_table(["a", "b"], [["1", "two"]], numeric=False) == (
        "| a | b   |\n"
        "|:--|:----|\n"
        "| 1 | two |")


def test_fmt_uses_digits_and_unit_and_a_dash_when_missing():
    assert report.fmt(1.23456, 3, "s") == "1.235 s"
    assert report.fmt(812.6, 0, "MiB") == "813 MiB"
    assert report.fmt(0.85, 4) == "0.8500"
    assert report.fmt(None, 2, "s") == "—"


def test_medians_and_ratio_tables_skip_unmeasured_rows():
    table = {"lamina": {"mlp_epoch_wall": 1.0, "mlp_accuracy": 0.86},
             "torch": {"mlp_epoch_wall": 4.0, "mlp_accuracy": 0.87}}
    assert report.medians_table(table, ["lamina", "torch"]) == (
        "| measure                |  lamina |   torch |\n"
        "|:-----------------------|--------:|--------:|\n"
        "| MLP steady epoch, wall | 1.000 s | 4.000 s |\n"
        "| MLP test accuracy      |  0.8600 |  0.8700 |")
    assert report.ratios_table(table, ["torch"]) == (
        "| lamina / peer          | torch |\n"
        "|:-----------------------|------:|\n"
        "| MLP steady epoch, wall | 0.25x |")


def test_document_has_every_section_in_order():
    table = {"lamina": {"import_s": 0.5}, "keras-jax": {"import_s": 1.0}}
    text = report.document("T", [("cores", "2")], table,
                           {"lamina": {"python": "3.11.7", "jax": "0.10.2"}}, ["a note"])
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == ["# T", "## Versions", "## Medians",
                        "## Ratios lamina / peer (below 1.00x: lamina is faster or smaller)",
                        "## Targets", "## Notes"]
    assert "- cores: 2" in text and "| lamina    | python 3.11.7, jax 0.10.2 |" in text
    assert "- [x] import lamina <= 0.7x import keras: measured 0.50x (met)" in text
    assert text.endswith("- a note\n")


def test_quick_and_full_plans_differ_only_in_parameters():
    quick = run.make_plan(run.parse_args(["--quick"]))
    assert (quick.reps, quick.epochs, quick.train_limit) == (
        1, {"mlp": 2, "cnn": 2, "augment": 2, "lstm": 2, "transformer": 2, "resnet50_predict": 2,
            "mobilenet_finetune": 2},
        {"mlp": 0, "cnn": 10000, "augment": 10000, "lstm": 10000, "transformer": 1000,
         "resnet50_predict": 64, "mobilenet_finetune": 256})
    full = run.make_plan(run.parse_args([]))
    assert (full.reps, full.epochs, full.train_limit, full.workloads) == (
        3, {"mlp": 3, "cnn": 2, "augment": 2, "lstm": 2, "transformer": 2, "resnet50_predict": 3,
            "mobilenet_finetune": 2},
        {"mlp": 0, "cnn": 0, "augment": 0, "lstm": 0, "transformer": 5000,
         "resnet50_predict": 256, "mobilenet_finetune": 1024},
        ("mlp", "cnn", "augment", "lstm", "transformer", "resnet50_predict",
         "mobilenet_finetune"))
    chosen = run.make_plan(run.parse_args(["--reps", "2", "--epochs", "4", "--only", "lstm,mlp"]))
    assert (chosen.reps, chosen.epochs["cnn"], chosen.workloads) == (2, 4, ("mlp", "lstm"))


@pytest.mark.parametrize("argv", [["--epochs", "1"], ["--reps", "0"], ["--only", "gan"],
                                  ["--contenders", "lamina,mxnet"]])
def test_bad_arguments_are_refused(argv):
    with pytest.raises(SystemExit):
        run.parse_args(argv)


def test_jax_scan_passes_its_chunk_per_workload():
    scan = next(c for c in run.CONTENDERS if c.name == "jax-scan")
    assert scan.argv("cnn")[-2:] == ["--chunk", str(run.SCAN_CHUNKS["cnn"])]
    lamina = next(c for c in run.CONTENDERS if c.name == "lamina")
    assert "--chunk" not in lamina.argv("cnn")


def test_hand_written_loops_skip_what_they_do_not_implement():
    runs = {c.name: ("transformer" in c.workloads, "augment" in c.workloads,
                     "mobilenet_finetune" in c.workloads) for c in run.CONTENDERS}
    assert runs == {"lamina": (True, True, True), "keras-jax": (True, True, True),
                    "tf-keras": (True, True, True), "torch": (True, False, False),
                    "jax-step": (False, False, False), "jax-scan": (False, False, False)}


def test_augmentation_target_compares_lamina_with_its_own_plain_cnn():
    table = {"lamina": {"augment_epoch_wall": 12.0, "cnn_epoch_wall": 10.0}}
    target = next(t for t in report.TARGETS if t.measure == "augment_epoch_wall")
    assert report.check(target, table) == (pytest.approx(1.2), "met")


def test_synthetic_reviews_are_fixed_and_carry_their_class_cues():
    tokens = _load("bench_tokens", BENCH / "contenders" / "tokens.py")
    x, y = tokens.make(64, seed=3)
    again, _ = tokens.make(64, seed=3)
    assert x.shape == (64, 200) and x.dtype.name == "int32" and (x == again).all()
    assert x.min() >= 100 and x.max() < tokens.VOCAB and set(y.tolist()) == {0, 1}
    for row, label in zip(x, y):
        own = tokens.CUES[int(label)]
        assert sum(int(t) in own for t in row) >= tokens.OWN_CUES


def test_fine_tuning_target_compares_steady_epochs_with_keras_jax():
    table = {"lamina": {"mobilenet_finetune_epoch_wall": 3.0},
             "keras-jax": {"mobilenet_finetune_epoch_wall": 4.0}}
    target = next(t for t in report.TARGETS if t.measure == "mobilenet_finetune_epoch_wall")
    assert report.check(target, table) == (0.75, "met")
    assert "| MobileNetV2 fine-tuning steady epoch, wall |     0.75x |" in report.ratios_table(
        table, ["keras-jax"])


def test_plan_description_counts_fine_tuning_images():
    plan = run.make_plan(run.parse_args(["--quick", "--only", "mobilenet_finetune"]))
    assert run.describe(plan) == "MOBILENET_FINETUNE 2 epochs on 256 images"


def test_fine_tuning_images_are_fashion_upscaled_to_96x96_rgb():
    child = _load("bench_child", BENCH / "contenders" / "child.py")
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    x = child._upscaled(images)
    assert x.shape == (3, 96, 96, 3) and x.dtype == np.float32
    index = np.arange(96) * 28 // 96  # nearest neighbour: output pixel i reads input i * 28 // 96
    expected = images[:, index][:, :, index].astype(np.float32) / 255.0
    for channel in range(3):
        np.testing.assert_allclose(x[..., channel], expected, rtol=1e-6)


def test_notes_lead_with_the_quick_and_busy_warnings_and_describe_every_workload():
    notes = _load("bench_report_notes", BENCH / "report_notes.py")
    text = notes.notes(True, {2}, True, {"mlp": 0, "cnn": 1}, 200)
    assert text[0].startswith("QUICK smoke run") and text[1].startswith("The machine was busy")
    assert "torch.set_num_threads(2)" in text[6] and "mlp whole epoch, cnn 1" in text[7]
    assert any(note.startswith("MobileNetV2 fine-tuning") for note in text)
    assert not notes.notes(False, set(), False, {}, 200)[0].startswith(("QUICK", "The machine"))
