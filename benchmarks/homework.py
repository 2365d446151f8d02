#!/usr/bin/env python3
"""Run the talk's homework (homework.py) as a student would, and record what it printed: the test
accuracy and the seconds of training, with the line count the project reads from the file.

    python benchmarks/homework.py --json benchmarks/results/homework.json   # MNIST, ~1 minute
    DIGITPAD_DATA=tests/data/mnist-slice.npz python benchmarks/homework.py     # a quick run (CI)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    from webapp.homework import count

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "homework.py")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    print(done.stdout[-1500:])
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return done.returncode
    match = re.search(r"test accuracy: ([0-9.]+) after (\d+) s", done.stdout)
    if not match:
        print("homework.py did not print its accuracy", file=sys.stderr)
        return 1
    result = {"accuracy": float(match.group(1)), "training_seconds": int(match.group(2)),
              **count((ROOT / "homework.py").read_text()),
              "data": os.environ.get("DIGITPAD_DATA", "MNIST (60,000 / 10,000)"),
              "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs"}
    print(json.dumps(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
