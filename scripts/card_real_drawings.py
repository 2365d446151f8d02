#!/usr/bin/env python3
"""Write each served model's accuracy on real drawings into its card (models/NAME.json,
`real_drawings_accuracy`), on pen-drawn digits by writers that model never trained on, through the
app's path (the page's rendering, the server's preprocessing, LiteRT exactly as the server runs it;
a real digit answered "not a digit" counts as wrong):

- models trained on every writer but the final group (the 11-class cnn): the final group of
  webapp.training.variety.writer_groups, 5 placements, seed 0;
- the older models (trained on the 'train' writers of drawings.writer_split): the 26 measurement
  writers, from data/unipen/measure-inputs.npz (benchmarks/real_drawings.py's 7,080 inputs);
- a model trained on all 72 writers (`train.py --with-final-group`, once the recipe was measured on
  the final group untouched): no writer is left that it never saw, so its card carries the figure
  of the same recipe trained without the final group (benchmarks/results/NAME-without-final-group.json,
  that model's card), and says so.

    python scripts/card_real_drawings.py cnn baseline mlp lenet5
    python scripts/card_real_drawings.py --models-dir runs/held-out cnn   # before --with-final-group
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def final_group_inputs() -> tuple[np.ndarray, np.ndarray]:
    from webapp.training import drawings, variety
    from webapp.training.finetune import app_inputs

    groups = variety.digit_groups()
    chosen = [d for d in drawings.load_drawings(variety.DIGITS) if groups[d.writer] == "final"]
    x, y, _, _ = app_inputs(chosen)
    return x.astype(np.float32) / 1000, y


def main(argv: list[str]) -> int:
    from webapp import classifier, recognition
    from webapp.training.finetune import measure_inputs

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("names", nargs="+", help="model names (NAME.json, NAME.tflite)")
    p.add_argument("--models-dir", type=Path, default=ROOT / "models")
    args = p.parse_args(argv)
    sets = {}
    for name in args.names:
        card_path = args.models_dir / f"{name}.json"
        card = json.loads(card_path.read_text())
        writers = str(((card.get("data") or {}).get("real_drawings") or {}).get("writers", ""))
        if "included" in writers:
            held_out = ROOT / "benchmarks" / "results" / f"{name}-without-final-group.json"
            before = json.loads(held_out.read_text())
            for key in ("real_drawings_accuracy", "real_drawings_images"):
                card[key] = before[key]
            card["real_drawings_writers"] = (
                "the final group of webapp.training.variety.writer_groups, measured on the same "
                f"recipe trained without it ({held_out.relative_to(ROOT)}); this model was then "
                "trained on all 72 writers")
            card_path.write_text(json.dumps(card, indent=2) + "\n")
            print(f"{name}: {card['real_drawings_accuracy']:.2%} (the same recipe without the "
                  "final group, measured on it)")
            continue
        which = "final" if "final group" in writers else "measure"
        if which not in sets:
            sets[which] = final_group_inputs() if which == "final" else measure_inputs()
        x, y = sets[which]
        clf = classifier.load(args.models_dir, name, "litert")
        clf.card = card
        threshold = recognition.threshold_of(clf)
        right = 0
        for img, label in zip(x, y):
            r = recognition.read(img, clf, threshold)
            right += r.digit == label and not r.rejected
        accuracy = right / len(y)
        card["real_drawings_accuracy"] = round(accuracy, 5)
        card["real_drawings_images"] = int(len(y))
        card["real_drawings_writers"] = ("the final group of webapp.training.variety.writer_groups"
                                         if which == "final" else
                                         "the 26 measurement writers of drawings.writer_split")
        card_path.write_text(json.dumps(card, indent=2) + "\n")
        print(f"{name}: {accuracy:.2%} of {len(y)} real drawings ({which} writers)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
