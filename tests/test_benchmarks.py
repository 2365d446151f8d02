"""Smoke runs of the benchmark scripts, so they keep working (the real runs are in the README)."""

import json

import pytest

from benchmarks import real_drawings, serving


@pytest.mark.slow
def test_serving_benchmark_smoke(tmp_path):
    out = tmp_path / "serving.json"
    assert serving.main(["--smoke", "--json", str(out), "--against", str(serving.ROOT)]) == 0
    result = json.loads(out.read_text())
    ours = result["digitpad"]
    assert ours["single"]["requests"] == 100
    assert all(c["errors"] == 0 and c["requests"] > 0 for c in ours["concurrent"])
    assert ours["worker_rss_mb"] and all(r > 0 for r in ours["worker_rss_mb"])
    assert result["baseline"]["backend"] == "keras-predict"
    assert result["single_p50_speedup"] > 1
    assert set(ours["uploads"]) == {"page", "canvas", "canvas_rgba"}
    assert all(0 < u["server_p50_ms"] <= u["server_p90_ms"] <= u["server_p99_ms"]
               for u in ours["uploads"].values())
    pair = result["side_by_side"]  # here, this checkout against itself
    assert pair["requests"] == 100
    assert all(pair[kind][n]["server_p50_ms"] > 0 for kind in ("page", "canvas", "canvas_rgba")
               for n in ("this", "against"))


@pytest.mark.slow
def test_slow_uploaders_do_not_hold_the_workers():
    """The production server (gunicorn.conf.py) keeps answering while more clients than it has
    workers trickle their uploads a byte at a time. (With one gthread per worker it answered none
    of the normal requests for 30 s, until each timed out.)"""
    from benchmarks.load import with_slow_uploaders

    bodies = serving.payloads(8)
    server = serving.Server()
    try:
        server.first_answer(bodies[0])
        result = with_slow_uploaders(server.port, bodies, clients=2, slow=6, seconds=2)
    finally:
        server.stop()
    assert result["errors"] == 0
    assert result["requests"] >= 100  # about 1,000 here


def test_real_drawings_benchmark_smoke(tmp_path):
    out = tmp_path / "real.json"
    sheet = tmp_path / "failures.png"
    code = real_drawings.main(["--data", "tests/data/real_sample.jsonl.gz", "--limit", "30",
                               "--placements", "small", "large", "--json", str(out),
                               "--sheet", str(sheet)])
    assert code == 0
    result = json.loads(out.read_text())
    assert result["count"] == 60 and set(result["per_placement"]) == {"small", "large"}
    assert sum(map(sum, result["confusion_matrix"])) == 60


def test_naive_resize_is_what_demos_do():
    from tests.helpers import png_bytes
    from webapp.training.drawings import load_drawings, place, render

    d = load_drawings("tests/data/real_sample.jsonl.gz")[0]
    whole_pad = render(place(d.strokes, 0.2, 0.2, 0.2), as_uploaded=False)
    x = real_drawings.naive(png_bytes(whole_pad))
    assert x.shape == (28, 28) and x[14:, 14:].sum() == 0  # the small digit stays in its corner
    assert x.max() > 0.5  # but it is there


@pytest.mark.slow
def test_classroom_benchmark_smoke(tmp_path):
    from benchmarks import classroom

    out = tmp_path / "classroom.json"
    assert classroom.main(["--smoke", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    steady = result["steady"]
    assert steady["errors"] == 0 and steady["created_201"] == steady["rows_stored"] > 0
    assert steady["wall_seen"] == steady["created_201"]  # the wall got every drawing
    assert result["sigkill"]["every_acknowledged_stored"]


def test_explain_benchmark_smoke(tmp_path):
    from benchmarks import explain

    out = tmp_path / "explain.json"
    explain.main(["--count", "20", "--json", str(out)])
    result = json.loads(out.read_text())
    assert result["explain"]["requests"] == 20 and result["explain"]["bytes_max"] < 150_000


@pytest.mark.slow
def test_homework_runs_on_the_committed_slice(tmp_path, monkeypatch):
    """homework.py as a student runs it (here on the 2,000-image slice, so CI stays quick)."""
    from benchmarks import homework

    monkeypatch.setenv("DIGITPAD_DATA", "tests/data/mnist-slice.npz")
    out = tmp_path / "homework.json"
    assert homework.main(["--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert 0.8 < result["accuracy"] <= 1 and result["statements"] <= 15


@pytest.mark.slow
# Keras's TensorFlow backend converting tensors for NumPy 2 (keras/src/backend/tensorflow/core.py):
# not this project's code, and nothing it changes.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
def test_training_speed_weights_convert_and_serve(tmp_path):
    """training_speed.py trains the shipped architecture on each device found and saves the
    weights; --check-weights loads them into a fresh model, converts it to LiteRT and serves it:
    the same answers as the run that trained them (what carries a GPU-trained model back here)."""
    from benchmarks import training_speed

    slice_ = "tests/data/mnist-slice.npz"
    out, weights, check = tmp_path / "speed.json", tmp_path / "w.weights.h5", tmp_path / "c.json"
    assert training_speed.main(["--mnist", slice_, "--cpu-epochs", "5", "--epochs", "1",
                                "--weights", str(weights), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    run = result["runs"][0]
    assert run["device"] == run["variables_on"] == "cpu" and run["images_per_s"] > 0
    assert result["train_images"] == 2000 and result["weights"]["file"] == weights.name
    assert training_speed.main(["--mnist", slice_, "--check-weights", str(weights),
                                "--json", str(check)]) == 0
    checked = json.loads(check.read_text())
    trained_by = result["weights"]["from"]
    assert checked["keras_mnist_test_accuracy"] == trained_by["mnist_test_accuracy"] > 0.5
    assert checked["litert_vs_keras"]["same_digit"] == 1.0


def test_training_speed_says_when_no_gpu_is_there(monkeypatch):
    from benchmarks import training_speed

    monkeypatch.setattr(training_speed, "devices", lambda: ["cpu"])
    with pytest.raises(SystemExit, match="no GPU is visible"):
        training_speed.main(["--require-gpu"])


@pytest.mark.slow
def test_finetune_benchmark_smoke(tmp_path, capsys):
    """The fine-tuning benchmark teaches the shipped model a small stand-in class at the rate it
    is given, and reports before and after for each group of drawings."""
    from benchmarks import finetune

    out = tmp_path / "finetune.json"
    assert finetune.main(["--writers", "6", "--per-writer", "20", "--epochs", "1",
                          "--learning-rate", "3e-4", "--data", "tests/data/mnist-slice.npz",
                          "--json", str(out)]) == 0
    card = json.loads(out.read_text())["card"]
    assert card["recipe"]["learning_rate"] == 3e-4 and card["recipe"]["epochs"] == 1
    assert card["extra_data"]["students"] == 6 and card["extra_data"]["trained_on"] > 0
    for when in ("before", "after"):
        assert set(card[when]) == {"held_back", "unseen_students", "class_training_drawings",
                                   "mnist_test", "real_drawings"}
    assert "the class drawings it was trained on" in capsys.readouterr().out


def test_group_spread_pools_each_group_by_its_digits(tmp_path):
    import numpy as np

    from benchmarks import group_spread

    rng = np.random.default_rng(0)
    acc, digits = np.array([1.0, 0.5, 0.9]), np.array([3.0, 1.0, 6.0])
    both = group_spread.group_accuracies(acc[:2], digits[:2], 2, 50, rng)
    assert np.allclose(both, (3 * 1.0 + 1 * 0.5) / 4)  # weighed by digits, not writer by writer
    ones = group_spread.group_accuracies(acc, digits, 1, 300, rng)
    assert set(np.round(ones, 6)) == {1.0, 0.5, 0.9}  # every writer drawn, none invented
    pairs = group_spread.group_accuracies(acc, digits, 2, 300, rng)
    assert set(np.round(pairs, 6)) == {round(v, 6) for v in (3.5 / 4, 8.4 / 9, 5.9 / 7)}
    with pytest.raises(ValueError):
        group_spread.group_accuracies(acc, digits, 4, 10, rng)  # no repeats within a group

    runs = []
    for i, by_writer in enumerate(({"a": 1.0, "b": 0.8, "c": 0.5}, {"a": 0.9, "b": 0.6})):
        f = tmp_path / f"seed{i}.json"
        f.write_text(json.dumps({"recipes": {"float11": {
            "fold0": {"by_writer": {k: v for k, v in by_writer.items() if k != "b"}},
            "fold1": {"by_writer": {k: v for k, v in by_writer.items() if k == "b"}},
            "summary": {"by_writer": {"mean": 0}}}}}))
        runs.append(f)
    # averaged over the seeds; a writer one seed did not measure is left out
    assert group_spread.writer_accuracy(runs) == pytest.approx({"a": 0.95, "b": 0.7})
    assert group_spread.writer_accuracy(runs, "float11") == pytest.approx({"a": 0.95, "b": 0.7})
    # A file of several recipes must be told which: the first one found could be any of them.
    both = json.loads(runs[0].read_text())
    both["recipes"]["other"] = both["recipes"]["float11"]
    runs[0].write_text(json.dumps(both))
    with pytest.raises(ValueError):
        group_spread.writer_accuracy(runs)
