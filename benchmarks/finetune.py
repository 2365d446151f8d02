#!/usr/bin/env python3
"""Teach the model a stand-in class, and measure honestly.

UniPen writers play the students: 20 of the 26 measurement writers (never trained on by any model
here), 15 drawings each (1-2 of every digit, a couple of rounds), drawn the way phones draw them
(random sizes and places on the pad, through the page's rendering and the server's preprocessing).
The class export is fine-tuned on exactly as the app does it (webapp.training.finetune), and the
figures are: before/after on the held-back drawings of the trained students and on the students
never trained on, MNIST test, and the real-drawings benchmark on the 6 measurement writers who
were not in the class. Wall time is measured from start to the written model.

    python benchmarks/finetune.py --json benchmarks/results/finetune.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp.training import drawings  # noqa: E402


def stand_in_class(out: Path, writers: int = 20, per_writer: int = 20, seed: int = 0,
                   group: str = "final") -> Path:
    """A classroom export (.npz, as /api/sessions/<code>/export?format=npz gives it). `group`:
    'final' (writers the shipped cnn never trained on: webapp.training.variety.writer_groups) or
    'measure' (the 26 measurement writers, which the models before the eleven-class cnn never
    trained on)."""
    from webapp.training import variety

    everyone = drawings.load_drawings(ROOT / "data" / "unipen" / "dev.jsonl.gz")
    groups = variety.writer_groups(everyone)
    pool = [d for d in everyone if (groups[d.writer] == "final" if group == "final"
                                    else drawings.writer_split(d.writer) == "measure")]
    names = sorted({d.writer for d in pool},
                   key=lambda w: hashlib.sha256(f"class/{seed}/{w}".encode()).hexdigest())[:writers]
    rng = np.random.default_rng(seed)
    placements = ["large", "small", "offcentre", "large", "thin-pen", "thick-pen"]
    xs, ys, students, ids = [], [], [], []
    for w in names:
        mine = [d for d in pool if d.writer == w]
        # A round of the ten digits, then another: as the class's challenges deal them.
        by_digit = {k: [d for d in mine if d.label == k] for k in range(10)}
        chosen = []
        for r in range(3):
            chosen += [by_digit[k][r] for k in range(10) if len(by_digit[k]) > r]
        for d in chosen[:per_writer]:
            placement = placements[int(rng.integers(len(placements)))]
            strokes = drawings.placed(d, placement, rng)
            x = drawings.model_input(drawings.render(strokes, drawings.placement_pen(placement)))
            if x is None:
                continue
            xs.append(x)
            ys.append(d.label)
            students.append(w)  # the UniPen writer id: real_drawings leaves these writers out
            ids.append(len(ids) + 1)
    np.savez_compressed(out, x=np.stack(xs), y=np.array(ys, np.uint8), student=np.array(students),
                        id=np.array(ids, np.int64))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--writers", type=int, default=20)
    p.add_argument("--per-writer", type=int, default=20)
    p.add_argument("--model", default=str(ROOT / "models" / "cnn.keras"))
    p.add_argument("--data", default=None, help="MNIST .npz (default: find it)")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--learning-rate", type=float, default=None,
                   help="peak learning rate (default: the app's, webapp.training.finetune)")
    p.add_argument("--group", default="final", choices=["final", "measure"],
                   help="who plays the students (see stand_in_class)")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    from webapp.training import finetune

    tmp = Path(tempfile.mkdtemp())
    export = stand_in_class(tmp / "class.npz", args.writers, args.per_writer, group=args.group)
    events = []
    started = time.perf_counter()
    card = finetune.run(Path(args.model), [str(export)], tmp / "class-standin.keras",
                        epochs=args.epochs or finetune.EPOCHS, data=args.data,
                        learning_rate=args.learning_rate or finetune.LEARNING_RATE,
                        emit=events.append)
    wall = time.perf_counter() - started
    b, a = card["before"], card["after"]
    print(f"stand-in class: {card['extra_data']['drawings']} drawings by "
          f"{card['extra_data']['students']} students; trained on {card['extra_data']['trained_on']}")
    for key, label in (("held_back", "held-back drawings of trained students"),
                       ("unseen_students", "students never trained on"),
                       ("mnist_test", "MNIST test"),
                       ("real_drawings", "real drawings (measurement writers outside the class)"),
                       ("class_training_drawings", "the class drawings it was trained on")):
        print(f"  {label:<45} {b[key]:.2%} -> {a[key]:.2%}")
    print(f"  fixed {len(card['fixed'])}, broken {len(card['broken'])}; "
          f"{wall:.1f} s from start to the written model ({card['training_seconds']} s training)")
    if args.json:
        Path(args.json).write_text(json.dumps({"card": card, "wall_seconds": round(wall, 1),
                                               "events": events}, indent=2) + "\n")
    drop_ok = (b["mnist_test"] - a["mnist_test"] <= 0.002
               and b["real_drawings"] - a["real_drawings"] <= 0.002)
    print("PASS" if drop_ok else "FAIL: MNIST or real drawings dropped by more than 0.2 points")
    return 0 if drop_ok else 1


if __name__ == "__main__":
    sys.exit(main())
