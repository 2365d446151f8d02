#!/usr/bin/env python3
"""Write each served model's accuracy on real drawings into its card (models/NAME.json,
`real_drawings_accuracy`): the 7,080 app-path inputs of benchmarks/real_drawings.py (26 UniPen
writers no model here was trained on), from data/unipen/measure-inputs.npz, run through LiteRT
exactly as the server runs the model.

    python scripts/card_real_drawings.py cnn baseline mlp lenet5
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(names: list[str]) -> int:
    from webapp import classifier
    from webapp.training.finetune import measure_inputs

    x, y = measure_inputs()
    for name in names:
        clf = classifier.load(ROOT / "models", name, "litert")
        accuracy = float(np.mean([clf.predict(i).argmax() == t for i, t in zip(x, y)]))
        card_path = ROOT / "models" / f"{name}.json"
        card = json.loads(card_path.read_text())
        card["real_drawings_accuracy"] = round(accuracy, 5)
        card["real_drawings_images"] = int(len(y))
        card_path.write_text(json.dumps(card, indent=2) + "\n")
        print(f"{name}: {accuracy:.2%} of {len(y)} real drawings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
