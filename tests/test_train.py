"""train.py end to end on the committed slice (small and quick), and its device handling."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).parent.parent


def run_train(*args, tmp_path, timeout=180):
    env = {**os.environ, "DIGITPAD_CACHE": str(tmp_path / "cache"), "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run([sys.executable, str(ROOT / "train.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_quick_run_writes_a_loadable_model_and_a_complete_card(tmp_path):
    out = tmp_path / "models" / "quick.keras"
    done = run_train("--limit", "512", "--epochs", "3", "--device", "cpu", "--real-copies", "1",
                     "--lookalikes", "Iqg", "--scribbles", "40",
                     "--data", "tests/data/mnist-slice.npz", "--out", str(out),
                     "--mnist-floor", "0.5", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (out.parent / "below-floor").exists()  # over the floor: written where asked
    assert "Device: CPU" in done.stdout
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["architecture"] == "cnn" and card["epochs"] == 3 and card["device"] == "CPU"
    assert card["data"]["test"] == 512 and card["data"]["real_drawings"]["images"] > 0
    assert card["data"]["real_drawings"]["lookalike_letters"] == "Iqg"
    # the extra scribbles are counted, and the threshold is sought for their recipe, not another's
    assert card["data"]["scribbles"] == 40 and card["not_digit"]["threshold_from"].endswith(
        "recipe scribble11")
    # Three short epochs on 512 images (+ rendered drawings) already learn: 94% measured here.
    assert 0.8 < card["mnist_test_accuracy"] <= 1
    assert np.array(card["confusion_matrix"]).sum() == 512
    assert "--limit 512" in card["command"]
    assert card["litert_vs_keras"]["images"] == 512 and card["litert_vs_keras"]["same_digit"] == 1.0
    for plot in card["files"]["plots"]:
        assert (out.parent / plot).stat().st_size > 1000
    assert (out.parent / "quick-explain.tflite").is_file()  # the inside view comes with it
    # Both files load and answer the same way.
    from webapp import classifier

    x = np.load("tests/data/mnist-slice.npz")["x_test"][:20].astype(np.float32) / 255
    lite = classifier.load(out.parent, "quick", "litert")
    keras_clf = classifier.load(out.parent, "quick", "keras")
    for img in x:
        assert np.abs(lite.predict(img) - keras_clf.predict(img)).max() < 1e-4


@pytest.mark.slow
def test_mlp_baseline_trains_too(tmp_path):
    out = tmp_path / "mlp.keras"
    done = run_train("--arch", "mlp", "--limit", "256", "--epochs", "1", "--real", "none",
                     "--no-augment", "--optimizer", "sgd", "--data", "tests/data/mnist-slice.npz",
                     "--out", str(out), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["architecture"] == "mlp" and card["augmentation"] is None
    assert card["optimizer"]["name"] == "sgd"


def test_gpu_without_gpu_fails_clearly(tmp_path):
    done = run_train("--device", "gpu", "--limit", "64", "--epochs", "1",
                     "--data", "tests/data/mnist-slice.npz", "--out", str(tmp_path / "x.keras"),
                     tmp_path=tmp_path)
    assert done.returncode == 2
    assert "TensorFlow sees no GPU" in done.stderr
    assert not (tmp_path / "x.keras").exists()


def test_help_shows_every_flag_with_its_default():
    done = subprocess.run([sys.executable, str(ROOT / "train.py"), "--help"], capture_output=True,
                          text=True, timeout=60)
    for flag in ("--arch", "--epochs", "--batch-size", "--optimizer", "--learning-rate",
                 "--augment", "--device", "--seed", "--out", "--limit", "--data", "--tensorboard"):
        assert flag in done.stdout
    text = " ".join(done.stdout.split())  # argparse wraps long help lines anywhere
    assert "(default: cnn)" in text and "(default: auto)" in text


def test_missing_data_fails_with_a_message(tmp_path):
    done = run_train("--data", str(tmp_path / "nothing.npz"), "--epochs", "1", tmp_path=tmp_path)
    assert done.returncode == 2
    assert "Could not load MNIST" in done.stderr and "--data PATH" in done.stderr


@pytest.mark.slow
def test_same_seed_same_model(tmp_path):
    digests = []
    for run in ("a", "b"):
        out = tmp_path / run / "m.keras"
        done = run_train("--limit", "128", "--epochs", "1", "--real", "none", "--seed", "7",
                         "--data", "tests/data/mnist-slice.npz", "--out", str(out), tmp_path=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        digests.append(json.loads(out.with_suffix(".json").read_text())["files"]["tflite_sha256"])
    assert digests[0] == digests[1]


@pytest.mark.slow
def test_a_model_under_the_mnist_floor_does_not_replace_the_output(tmp_path):
    """make train passes --mnist-floor 0.995: a retraining that lands under the floor must not
    become the served model, and its minutes of training are kept aside."""
    out = tmp_path / "models" / "m.keras"
    out.parent.mkdir()
    out.write_bytes(b"the model served before")
    done = run_train("--limit", "128", "--epochs", "1", "--real", "none", "--data",
                     "tests/data/mnist-slice.npz", "--out", str(out), "--force",
                     "--mnist-floor", "1.0", tmp_path=tmp_path)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "is under --mnist-floor 100.00%" in done.stderr
    assert out.read_bytes() == b"the model served before"
    assert not out.with_suffix(".json").exists() and not out.with_suffix(".tflite").exists()
    aside = out.parent / "below-floor" / "m.keras"
    card = json.loads(aside.with_suffix(".json").read_text())
    assert aside.is_file() and card["mnist_test_accuracy"] < 1


@pytest.mark.parametrize("args, message", [
    (["--out", "models/foo"], "must end in .keras"),
    (["--out", "models/MyModel.keras"], "a-z, 0-9"),
    (["--out", "models/cnn.keras"], "exists; pass --force"),
    (["--epochs", "0"], "at least 1"),
    (["--real", "no/such/file.jsonl.gz"], "no such file"),
    (["--lookalikes", "Oqx"], "letters among O o I q g"),
    (["--mnist-floor", "99.5"], "a fraction"),
    (["--scribbles", "2001"], "0 to 2000"),
    (["--scribbles", "100", "--no-not-digit"], "not with --no-not-digit"),
    (["--shapes", "4001"], "0 to 4000"),
    (["--shapes", "-1"], "0 to 4000"),
    (["--shapes", "100", "--no-not-digit"], "not with --no-not-digit"),
])
def test_bad_arguments_fail_before_any_training(tmp_path, args, message):
    """Checked up front, in a second: not after minutes of training. And the shipped model is
    never overwritten by accident."""
    shipped = (ROOT / "models" / "cnn.keras").stat().st_mtime
    done = run_train(*args, tmp_path=tmp_path, timeout=60)
    assert done.returncode == 2 and message in done.stderr, done.stderr[-800:]
    assert "Epoch" not in done.stdout
    assert (ROOT / "models" / "cnn.keras").stat().st_mtime == shipped


def test_default_output_is_not_the_shipped_model():
    sys.path.insert(0, str(ROOT))
    import train

    args = train.parse_args(["--arch", "mlp"])
    assert Path(args.out) == ROOT / "runs" / "mlp.keras"


def test_tensorboard_is_available_for_the_flag():
    import tensorboard  # noqa: F401  (the train extra installs it: --tensorboard would need it)


def test_fewer_shapes_give_their_place_to_scribbles(monkeypatch):
    """--shapes N --scribbles M: N shapes drawn at random from the half never measured (of every
    kind, not the first few), M scribbles likewise; by default all of that half."""
    import train
    from webapp.training import variety

    def fake(kind, log=None):
        n = {"letters": 10, "shapes": 2 * train.SHAPES, "scribbles": 4000}[kind]
        x = np.zeros((n, 28, 28), np.uint8)
        x[:, 0, 0] = {"letters": 1, "shapes": 2, "scribbles": 3}[kind]
        x[:, 0, 1], x[:, 0, 2] = np.arange(n) % 256, np.arange(n) // 256  # which drawing it is
        return {"x": x, "y": np.full(n, 10, np.uint8), "writer": np.asarray(["w"] * n)}

    monkeypatch.setattr(variety, "rendered", fake)

    def picked(*argv):
        x, _ = train.not_digit_data(train.parse_args(list(argv)), log=lambda *a: None)
        which = x[:, 0, 1].astype(int) + 256 * x[:, 0, 2].astype(int)
        return {k: which[x[:, 0, 0] == k] for k in (1, 2, 3)}

    every = picked()
    assert sorted(every[2]) == list(range(train.SHAPES)) and len(every[3]) == 0
    swap = picked("--shapes", "2000", "--scribbles", "2000")
    assert len(swap[2]) == len(set(swap[2])) == 2000 and swap[2].max() < train.SHAPES
    assert swap[2].max() > 3000  # drawn from the whole half, not its start
    assert len(swap[3]) == len(set(swap[3])) == 2000 and swap[3].max() < 2000
    assert len(swap[1]) == len(every[1])
