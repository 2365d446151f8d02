#!/usr/bin/env python3
"""Would micro-batching pay? Measures LiteRT's cost per image at batch 1 against batches of 4-16,
and how much of a whole request that is.

Micro-batching (holding requests for a few milliseconds to run them as one batch) can only save
part of the inference time, and adds the waiting window to every request's latency. This prints
both sides so the choice is made on numbers: python benchmarks/batching.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def per_image_ms(interp, batch: int, repeats: int) -> float:
    inp = interp.get_input_details()[0]["index"]
    interp.resize_tensor_input(inp, [batch, 28, 28, 1])
    interp.allocate_tensors()
    x = np.random.default_rng(0).random((batch, 28, 28, 1), dtype=np.float32)
    for _ in range(20):
        interp.set_tensor(inp, x)
        interp.invoke()
    best = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(repeats):
            interp.set_tensor(inp, x)
            interp.invoke()
        best.append((time.perf_counter() - t) / repeats / batch * 1e3)
    return min(best)


def request_ms(repeats: int) -> float:
    from benchmarks.serving import payloads
    from webapp import create_app

    client = create_app().test_client()
    bodies = payloads()
    for b in bodies:
        client.post("/api/predict", data=b, content_type="image/png")
    t = time.perf_counter()
    for i in range(repeats):
        client.post("/api/predict", data=bodies[i % len(bodies)], content_type="image/png")
    return (time.perf_counter() - t) / repeats * 1e3


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=str(ROOT / "models" / "cnn.tflite"))
    p.add_argument("--repeats", type=int, default=500)
    args = p.parse_args(argv)
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=args.model, num_threads=1)
    single = per_image_ms(interp, 1, args.repeats)
    whole = request_ms(args.repeats)
    print(f"one request in-process (decode, preprocess, inference, JSON): {whole:.3f} ms")
    print(f"LiteRT per image at batch  1: {single:.4f} ms ({single / whole:.1%} of a request)")
    for batch in (4, 8, 16):
        cost = per_image_ms(interp, batch, max(args.repeats // batch, 20))
        saved = single - cost
        print(f"LiteRT per image at batch {batch:>2}: {cost:.4f} ms; saves {saved:.4f} ms per "
              f"request, at most {saved / whole:.1%} more throughput, for a window that adds "
              "its length to every request's latency")
    return 0


if __name__ == "__main__":
    sys.exit(main())
