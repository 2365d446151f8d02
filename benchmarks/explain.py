#!/usr/bin/env python3
"""How long the inside view costs the server: POST /api/explain against POST /api/predict for the
same real drawings, in the same process and run (Flask's test client: the server's work without
the network), and the size of the answers.

    python benchmarks/explain.py --json benchmarks/results/explain.json
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

from benchmarks.serving import payloads  # noqa: E402


def measure(client, path: str, bodies: list[bytes], count: int) -> dict:
    for body in bodies[:10]:
        client.post(path, data=body, content_type="image/png")  # warm-up
    times, sizes = [], []
    for i in range(count):
        started = time.perf_counter()
        resp = client.post(path, data=bodies[i % len(bodies)], content_type="image/png")
        times.append((time.perf_counter() - started) * 1e3)
        sizes.append(len(resp.data))
        assert resp.status_code == 200, resp.data[:200]
    return {"requests": count, **{f"p{q}_ms": round(float(np.percentile(times, q)), 3)
                                  for q in (50, 95, 99)},
            "bytes_median": int(np.median(sizes)), "bytes_max": int(max(sizes))}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=400)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    from webapp import create_app

    client = create_app().test_client()
    bodies = payloads()
    result = {"predict": measure(client, "/api/predict", bodies, args.count),
              "explain": measure(client, "/api/explain", bodies, args.count)}
    for name, r in result.items():
        print(f"{name:<8} p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f}  p99 {r['p99_ms']:.2f}  "
              f"answer {r['bytes_median'] / 1000:.0f} KB (max {r['bytes_max'] / 1000:.0f} KB)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", **result}, indent=2) + "\n")
    ok = result["explain"]["p50_ms"] <= 10 and result["explain"]["bytes_max"] < 150_000
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
