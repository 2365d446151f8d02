#!/usr/bin/env python3
"""What reading numbers and saying "not a digit" cost, in-process (no HTTP).

- LiteRT inference per model (the 11-output cnn against the 10-output models, same run);
- one digit through webapp.recognition (segmentation check, rejection, box) against the plain
  path it replaced (preprocess + predict), on the same 200 real drawings;
- a number of 2-4 digits through webapp.recognition.

    python benchmarks/recognition_speed.py --json benchmarks/results/recognition_speed.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import report  # noqa: E402
from webapp import preprocess, recognition  # noqa: E402
from webapp.classifier import Registry  # noqa: E402
from webapp.training import drawings, variety  # noqa: E402


def p50(fn, items, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        for item in items:
            started = time.perf_counter()
            fn(item)
            times.append(time.perf_counter() - started)
    return round(float(np.median(times)) * 1e3, 3)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    registry = Registry(ROOT / "models")
    sample = drawings.load_drawings(ROOT / "tests" / "data" / "real_sample.jsonl.gz")
    pngs = []
    for _d, _s, img in drawings.renders(sample, "large", seed=0):
        buf = io.BytesIO()
        img.save(buf, "PNG")
        pngs.append(buf.getvalue())
    number_pngs = []
    for _label, strokes in variety.numbers(sample, 100, seed=1):
        buf = io.BytesIO()
        drawings.render(strokes).save(buf, "PNG")
        number_pngs.append(buf.getvalue())
    x = [np.random.default_rng(k).random((28, 28)).astype(np.float32) for k in range(200)]
    out: dict = {"date": dt.date.today().isoformat(),
                 "machine": f"{platform.machine()}, {__import__('os').cpu_count()} CPUs",
                 "litert_p50_ms": {}}
    for name in ("cnn", "baseline", "lenet5", "mlp"):
        model = registry.get(name)
        out["litert_p50_ms"][name] = p50(model.predict, x, repeat=10)
    cnn = registry.get("cnn")
    out["one_digit_p50_ms"] = {
        "recognition (numbers check, not a digit, box)": p50(
            lambda data: recognition.recognise(data, cnn), pngs),
        "plain preprocess + predict (before)": p50(
            lambda data: cnn.predict(preprocess.preprocess(data)), pngs)}
    out["number_p50_ms"] = p50(lambda data: recognition.recognise(data, cnn), number_pngs, 1)
    report(out, args.json, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
