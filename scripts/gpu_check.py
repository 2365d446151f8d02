#!/usr/bin/env python3
"""Prove the GPU path: the devices TensorFlow sees, one epoch of the shipped architecture with
--device gpu (seconds per epoch), and the converted .tflite checked against Keras.

    python scripts/gpu_check.py                 # on a machine with an NVIDIA GPU (pip install -e '.[gpu]')
    python scripts/gpu_check.py --limit 6000    # a shorter epoch

Exits 2 with a clear message where TensorFlow is missing or sees no GPU; nothing is measured then.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--limit", type=int, default=None, help="train on the first N images only")
    p.add_argument("--json", default=None, help="write the figures here")
    args = p.parse_args(argv)

    from webapp.training.quiet import quiet_native_output

    try:
        with quiet_native_output():
            import tensorflow as tf
    except ImportError:
        print("TensorFlow is not installed here: nothing measured. On an NVIDIA machine, in a fresh "
              "venv: pip install -e '.[gpu]'. Where only JAX or PyTorch is installed, "
              "benchmarks/training_speed.py measures the same network with that Keras backend.",
              file=sys.stderr)
        return 2
    gpus = tf.config.list_physical_devices("GPU")
    print(f"TensorFlow {tf.__version__}; built with CUDA: {tf.test.is_built_with_cuda()}")
    print("Devices:", ", ".join(d.name for d in tf.config.list_physical_devices()) or "none")
    if not gpus:
        print("No GPU is visible to TensorFlow: nothing measured. On an NVIDIA machine, in a fresh "
              "venv: pip install -e '.[gpu]' and check `nvidia-smi`.", file=sys.stderr)
        return 2
    for gpu in gpus:
        print(f"  {gpu.name}: {tf.config.experimental.get_device_details(gpu)}")
    out = Path(tempfile.mkdtemp()) / "gpu-check.keras"
    cmd = [sys.executable, str(ROOT / "train.py"), "--device", "gpu", "--epochs", "1",
           "--out", str(out)] + (["--limit", str(args.limit)] if args.limit else [])
    print("$", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, cwd=ROOT)
    if done.returncode != 0:
        return done.returncode
    card = json.loads(out.with_suffix(".json").read_text())
    result = {"device": card["device"], "seconds_per_epoch": card["seconds_per_epoch"],
              "images": card["data"]["train"] + card["data"]["real_drawings"]["images"],
              "mnist_test_accuracy_after_1_epoch": card["mnist_test_accuracy"],
              "litert_vs_keras": card["litert_vs_keras"], "tensorflow": tf.__version__}
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    ok = result["litert_vs_keras"]["same_digit"] >= 0.999
    print("PASS: the GPU-trained model converts and LiteRT agrees" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
