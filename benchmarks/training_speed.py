#!/usr/bin/env python3
"""How fast the shipped architecture trains on each device that Keras's backend sees: the CPU and
the GPU in the same run, with whichever Keras backend is installed (TensorFlow here; JAX or PyTorch
on a GPU machine that has no TensorFlow, since Keras 3 runs the same model on each).

    # on the GPU machine (KERAS_BACKEND=jax|torch|tensorflow):
    python benchmarks/training_speed.py --mnist mnist.npz --json speed.json --weights gpu.weights.h5
    # back here, with TensorFlow: the GPU-trained weights converted to LiteRT and checked
    python benchmarks/training_speed.py --check-weights gpu.weights.h5 --json check.json

Plain MNIST arrays, no augmentation: the training recipe's augmentation is TensorFlow ops in a
tf.data pipeline (webapp.training.pipeline), which needs TensorFlow; this measures what the
network's own arithmetic costs on each device, which is what a GPU changes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import report  # noqa: E402

TRAIN = 55_000  # train.py's split: the last 5,000 of MNIST's 60,000 validate


def _mnist(path: str | None, limit: int | None = None):
    from webapp.training import datasets

    mnist = datasets.load_mnist(Path(path) if path else None)
    x_train, y_train, x_test, y_test = mnist.arrays()
    scale = lambda x: (x.astype("float32") / 255.0)[..., None]  # noqa: E731
    n = min(limit or TRAIN, TRAIN)
    return scale(x_train[:n]), y_train[:n], scale(x_test), y_test, mnist.sha256


def _platform_of(variable) -> str:
    """Where Keras put a variable, read back from the backend (not what was asked for)."""
    value = variable.value
    if hasattr(value, "devices"):  # JAX
        return ",".join(sorted(d.platform for d in value.devices()))
    if hasattr(value, "device"):  # TensorFlow ("/job:.../device:GPU:0") or PyTorch ("cuda:0")
        text = str(value.device).lower()
        return "gpu" if ("gpu" in text or "cuda" in text) else "cpu"
    return "unknown"


def devices() -> list[str]:
    """The device kinds the installed backend can run on, CPU first."""
    return ["cpu", *(["gpu"] if environment()["accelerators"] else [])]


def train_once(device: str, batch: int, epochs: int, data, *, precision: str = "float32",
               budget_s: float = 120.0, seed: int = 1):
    """One run: the shipped cnn, Adam with train.py's cosine schedule, `epochs` at most, stopping
    early once `budget_s` is spent. Returns (figures, model)."""
    import keras

    from webapp.training import architectures

    x_train, y_train, x_test, y_test = data
    keras.utils.set_random_seed(seed)
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16"
                                            else "float32")
    ends: list[float] = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            ends.append(time.perf_counter())
            if ends[-1] - started > budget_s:
                self.model.stop_training = True

    with keras.device(f"{device}:0"):
        model = architectures.cnn(10)
        steps = epochs * int(np.ceil(len(x_train) / batch))
        # The linear scaling rule, as train.py applies it to replicas: a batch 8x larger takes
        # 8x the learning rate, reached after one epoch of warm-up.
        peak = 2e-3 * batch / 128
        warmup = int(np.ceil(len(x_train) / batch)) if batch > 128 else 0
        schedule = keras.optimizers.schedules.CosineDecay(
            peak if not warmup else 1e-4, decay_steps=max(steps - warmup, 1),
            warmup_target=peak if warmup else None, warmup_steps=warmup)
        model.compile(optimizer=keras.optimizers.Adam(schedule),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        started = time.perf_counter()
        model.fit(x_train, y_train, batch_size=batch, epochs=epochs, verbose=0,
                  shuffle=True, callbacks=[Clock()])
        accuracy = float(np.mean(model.predict(x_test, batch_size=1024, verbose=0).argmax(1)
                                 == y_test))
    where = _platform_of(model.weights[0])
    keras.mixed_precision.set_global_policy("float32")
    times = np.diff([started, *ends])
    steady = times[1:] if len(times) > 1 else times
    figures = {
        "device": device, "variables_on": where, "batch": batch, "precision": precision,
        "epochs": len(times), "first_epoch_s": round(float(times[0]), 2),
        "epoch_s": round(float(np.median(steady)), 2),
        "images_per_s": round(len(x_train) / float(np.median(steady))),
        "mnist_test_accuracy": round(accuracy, 4),
    }
    return figures, model


def environment() -> dict:
    import keras

    env = {"keras": keras.__version__, "backend": keras.backend.backend(),
           "python": platform.python_version(), "machine": f"{platform.machine()}, "
           f"{os.cpu_count()} CPUs", "date": dt.datetime.now(dt.timezone.utc).isoformat(
               timespec="seconds")}
    backend = env["backend"]
    if backend == "jax":
        import jax

        env["jax"] = jax.__version__
        env["accelerators"] = [d.device_kind for d in jax.devices() if d.platform == "gpu"]
    elif backend == "torch":
        import torch

        env["torch"] = torch.__version__
        env["accelerators"] = [torch.cuda.get_device_name(i)
                               for i in range(torch.cuda.device_count())]
    else:
        import tensorflow as tf

        env["tensorflow"] = tf.__version__
        env["accelerators"] = [d.name for d in tf.config.list_physical_devices("GPU")]
    return env


def measure(args: argparse.Namespace) -> dict:
    found = devices()
    if args.require_gpu and "gpu" not in found:
        raise SystemExit(f"no GPU is visible to Keras's {environment()['backend']} backend: "
                         "nothing measured")
    x_train, y_train, x_test, y_test, sha = _mnist(args.mnist, args.limit)
    data = (x_train, y_train, x_test, y_test)
    result = {**environment(), "mnist_sha256": sha, "train_images": len(x_train),
              "devices_found": found, "runs": []}
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}), flush=True)
    plan = [("cpu", 128, args.cpu_epochs, "float32")]
    if "gpu" in found:
        plan += [("gpu", 128, args.epochs, "float32"), ("gpu", 1024, args.epochs, "float32"),
                 ("gpu", 1024, args.epochs, "bfloat16")]
    for device, batch, epochs, precision in plan:
        figures, model = train_once(device, batch, epochs, data, precision=precision,
                                    budget_s=args.budget)
        print(json.dumps(figures), flush=True)
        result["runs"].append(figures)
        if args.weights and (device, batch, precision) == (found[-1], 128, "float32"):
            model.save_weights(args.weights)
            result["weights"] = {"file": Path(args.weights).name, "from": figures}
    return result


def check_weights(args: argparse.Namespace) -> dict:
    """Weights trained anywhere, loaded into this machine's TensorFlow Keras, converted to LiteRT
    and run through the server's classifier on all of MNIST test."""
    import tempfile

    from webapp.training import architectures, pipeline

    _, _, x_test, y_test, _ = _mnist(args.mnist)
    model = architectures.cnn(10)
    model.load_weights(args.check_weights)
    probs = model.predict(x_test, batch_size=1024, verbose=0)
    tflite = Path(tempfile.mkdtemp()) / "gpu-trained.tflite"
    tflite.write_bytes(pipeline.to_tflite(model))
    agreement = pipeline.litert_agreement(tflite, x_test, probs)
    return {"weights": Path(args.check_weights).name,
            "keras_mnist_test_accuracy": round(float(np.mean(probs.argmax(1) == y_test)), 4),
            "litert_vs_keras": agreement, **environment()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mnist", default=None, help="mnist.npz (default: the project's cache)")
    p.add_argument("--epochs", type=int, default=6, help="epochs per GPU run")
    p.add_argument("--cpu-epochs", type=int, default=2, help="epochs of the CPU baseline")
    p.add_argument("--budget", type=float, default=150.0, help="seconds per run, at most")
    p.add_argument("--require-gpu", action="store_true", help="fail where no GPU is visible")
    p.add_argument("--limit", type=int, default=None, help="train on the first N images only")
    p.add_argument("--weights", default=None,
                   help="save the weights of the batch-128 run on the GPU (else the CPU) here")
    p.add_argument("--check-weights", default=None, help="convert these weights and check LiteRT")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    report(check_weights(args) if args.check_weights else measure(args), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
