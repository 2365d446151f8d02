"""Whole numbers with and without the strokes the page sends: numbers of 2-4 digits composed from
one writer group's pen-drawn digits (benchmarks/real_drawings.py's `whole_numbers`), read through
the app's path as a plain image and as the page's upload with its strokes.

    python benchmarks/whole_numbers.py --group cv --count 1000 --seed 2 \
        --json benchmarks/results/numbers_cv_heldout.json
    python benchmarks/whole_numbers.py --group final --count 1000 \
        --json benchmarks/results/numbers_final_heldout.json

(`_heldout`: measured with the model trained without the final group, before the shipped one.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from benchmarks.real_drawings import whole_numbers
    from webapp.classifier import Registry
    from webapp.training import drawings, variety

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--group", default="cv", choices=["cv", "final"],
                   help="cv: the five folds' writers (the segmentation was tuned on them)")
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default="cnn")
    p.add_argument("--models-dir", default=str(ROOT / "models"),
                   help="where --model is (e.g. a model trained without the final group)")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    found = drawings.load_drawings(variety.DIGITS)
    groups = variety.writer_groups(found)
    chosen = [d for d in found if (groups[d.writer] == "final") == (args.group == "final")]
    clf = Registry(Path(args.models_dir)).get(args.model)
    result = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "group": args.group,
              "model": args.model, "model_trained": clf.card.get("date") if clf.card else None,
              "seed": args.seed, "command": "python benchmarks/whole_numbers.py " + " ".join(
                  argv if argv is not None else sys.argv[1:])}
    for name, strokes in (("image_only", False), ("with_strokes", True)):
        r = whole_numbers(chosen, args.count, clf, args.seed, with_strokes=strokes)
        r.pop("failures")
        result[name] = r
        print(f"{name}: {r['accuracy']:.1%} of {r['count']} numbers read whole, right count of "
              f"digits {r['digit_count_right']:.1%}, by length {r['by_length']}, {r['ms_p50']} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
