"""The trained model behind a small, thread-safe interface: 28x28 ink in, 10 probabilities out (11
for a model taught to say "not a digit": the eleventh is that).

Two back ends give the same answers (tests/test_classifier.py checks it on MNIST):
- LiteRT runs `models/NAME.tflite` (written by train.py) in ~0.2 ms without TensorFlow in the
  process: the web server's default, with ~50 MB of memory per process instead of ~550 MB.
- Keras runs `models/NAME.keras` through one fixed-signature `tf.function` (~1 ms), for platforms
  without LiteRT wheels. `model.predict` is never used per request: it costs ~60 ms for one image.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


# Ten digits, or ten digits and "not a digit" (webapp.training.variety.NOT_DIGIT).
OUTPUTS = ((10,), (11,))


class ModelError(RuntimeError):
    """A model that cannot be loaded or does not meet the contract."""


class UnknownModel(KeyError):
    pass


class Classifier(Protocol):
    backend: str

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(28, 28) float32 in [0, 1] -> (10,) or (11,) float32 probabilities."""
        ...


def _check_output(p: np.ndarray, source: Path) -> np.ndarray:
    p = np.asarray(p, dtype=np.float32).reshape(-1)
    # One sum checks both: a NaN or an infinity anywhere makes it NaN or infinite, and then the
    # comparison is False.
    if p.shape not in OUTPUTS or not abs(float(p.sum()) - 1) <= 1e-3:
        raise ModelError(f"{source} does not output 10 (or 11) probabilities")
    return p


class LiteRTClassifier:
    backend = "litert"

    def __init__(self, path: Path, threads: int = 1) -> None:
        # One thread: a 28x28 image is too small to split, and gunicorn runs a worker per core.
        from ai_edge_litert.interpreter import Interpreter

        try:
            self._interp = Interpreter(model_path=str(path), num_threads=threads)
            self._interp.allocate_tensors()
        except Exception as exc:
            raise ModelError(f"cannot load {path}: {exc}") from exc
        inp, out = self._interp.get_input_details()[0], self._interp.get_output_details()[0]
        if tuple(inp["shape"]) != (1, 28, 28, 1) or tuple(out["shape"][1:]) not in OUTPUTS:
            raise ModelError(f"{path}: expected input (1,28,28,1) and output (1,10) or (1,11), "
                             f"got {tuple(inp['shape'])} and {tuple(out['shape'])}")
        self._in, self._out = inp["index"], out["index"]
        self._lock = threading.Lock()  # one interpreter is not safe to invoke from two threads
        self._path = path

    def predict(self, x: np.ndarray) -> np.ndarray:
        batch = np.ascontiguousarray(x, dtype=np.float32).reshape(1, 28, 28, 1)
        with self._lock:
            self._interp.set_tensor(self._in, batch)
            self._interp.invoke()
            p = self._interp.get_tensor(self._out)[0].copy()
        return _check_output(p, self._path)


def _tf_single_threaded() -> None:
    """One image at a time, one gunicorn worker per core: TensorFlow's own thread pools would only
    fight the other workers for the same cores."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # TensorFlow already started in this process (tests): keep its settings


class KerasClassifier:
    backend = "keras"

    def __init__(self, path: Path) -> None:
        _tf_single_threaded()
        import keras
        import tensorflow as tf

        try:
            model = keras.saving.load_model(path, compile=False)
        except Exception as exc:
            raise ModelError(f"cannot load {path}: {exc}") from exc
        if tuple(model.input_shape) != (None, 28, 28, 1) or tuple(model.output_shape[1:]) not in OUTPUTS:
            raise ModelError(f"{path}: expected input (None,28,28,1) and output (None,10) or (None,11)")
        self._run = tf.function(
            lambda x: model(x, training=False),
            input_signature=[tf.TensorSpec([1, 28, 28, 1], tf.float32)],
            reduce_retracing=True,
        )
        self._path = path

    def predict(self, x: np.ndarray) -> np.ndarray:
        batch = np.ascontiguousarray(x, dtype=np.float32).reshape(1, 28, 28, 1)
        return _check_output(self._run(batch).numpy()[0], self._path)


class KerasPredictClassifier(KerasClassifier):
    """`model.predict` per request, as typical Flask demos do. Only for the serving benchmark's
    baseline (DIGITPAD_BACKEND=keras-predict): ~30x slower than the default."""

    backend = "keras-predict"

    def __init__(self, path: Path) -> None:
        import keras  # TensorFlow's default threading, as such demos run it

        self._model = keras.saving.load_model(path, compile=False)
        self._path = path

    def predict(self, x: np.ndarray) -> np.ndarray:
        batch = np.asarray(x, dtype=np.float32).reshape(1, 28, 28, 1)
        return _check_output(self._model.predict(batch, verbose=0)[0], self._path)


def litert_available() -> bool:
    try:
        import ai_edge_litert.interpreter  # noqa: F401
    except ImportError:
        return False
    return True


def load(models_dir: Path, name: str, backend: str = "auto") -> Classifier:
    """Load models_dir/NAME with the chosen back end, checked and warmed up."""
    tflite, keras_file = models_dir / f"{name}.tflite", models_dir / f"{name}.keras"
    if backend == "auto":
        backend = "litert" if tflite.is_file() and litert_available() else "keras"
    if backend == "litert":
        if not tflite.is_file():
            raise ModelError(f"{tflite} is missing (train.py writes it next to {keras_file.name})")
        clf: Classifier = LiteRTClassifier(tflite)
    elif backend in ("keras", "keras-predict"):
        if not keras_file.is_file():
            raise ModelError(f"{keras_file} is missing")
        clf = (KerasClassifier if backend == "keras" else KerasPredictClassifier)(keras_file)
    else:
        raise ModelError(f"unknown back end {backend!r} (auto, litert, keras or keras-predict)")
    # Warm-up and a sanity check in one: the first call builds kernels and proves the file works.
    clf.predict(np.zeros((28, 28), dtype=np.float32))
    return clf


@dataclass
class Registry:
    """The models in a folder, loaded on first use and kept for the process's life."""

    models_dir: Path
    backend: str = "auto"
    _loaded: dict[str, Classifier] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def names(self) -> list[str]:
        found = {p.stem for p in self.models_dir.glob("*.tflite")} | {
            p.stem for p in self.models_dir.glob("*.keras")}
        # NAME-explain.tflite is the inside of NAME (webapp/explain.py), not a model of its own.
        return sorted(n for n in found if NAME.match(n) and not n.endswith("-explain"))

    def card(self, name: str) -> dict:
        path = self.models_dir / f"{name}.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return {"name": name}

    def exists(self, name: str) -> bool:
        """A model of that name is on disk (a stat or two, no directory listing). Only names that
        match NAME get this far: a hostile name ("../x") never reaches the filesystem."""
        return (bool(NAME.match(name)) and not name.endswith("-explain")
                and self._stamp(name) is not None)

    def get(self, name: str) -> Classifier:
        loaded = self._loaded.get(name)
        if loaded is not None and self._current(name, loaded):
            return loaded
        if not self.exists(name):
            self._loaded.pop(name, None)  # deleted meanwhile (a fine-tuned model)
            raise UnknownModel(name)
        with self._lock:
            loaded = self._loaded.get(name)
            if loaded is None or not self._current(name, loaded):
                loaded = load(self.models_dir, name, self.backend)
                loaded.stamp = self._stamp(name)  # type: ignore[attr-defined]
                # The card travels with the weights it describes: read once per load, not once
                # per request (model_version is stored with every classroom drawing).
                loaded.card = self.card(name)  # type: ignore[attr-defined]
                self._loaded[name] = loaded
            return loaded

    def _stamp(self, name: str) -> tuple[int, int] | None:
        """The model file's identity: a fine-tuned model written again under the same name (the
        class taught twice) is loaded again by every worker; a deleted one is forgotten."""
        for suffix in (".tflite", ".keras"):
            try:
                st = (self.models_dir / f"{name}{suffix}").stat()
            except OSError:
                continue
            return st.st_mtime_ns, st.st_ino
        return None

    def _current(self, name: str, loaded: Classifier) -> bool:
        return getattr(loaded, "stamp", None) == self._stamp(name)

    def version(self, name: str) -> str:
        """Which weights answered: the start of the .tflite's sha256 from the model card."""
        card = self.get(name).card  # type: ignore[attr-defined]
        files = card.get("files") or {}
        return str(files.get("tflite_sha256") or card.get("date") or "unknown")[:16]

    def loaded(self) -> list[str]:
        return sorted(self._loaded)
