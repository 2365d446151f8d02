#!/usr/bin/env python3
"""Write a trained model's "not a digit" threshold into its card again, from the
cross-validation runs there are now, without training it again.

train.py writes the threshold that `crossval.threshold_choice` gives for the model's recipe on
the day it trains; full-length cross-validation seeds that land later can move that choice. This
re-reads the choice, measures what it costs on MNIST test with the saved Keras model (as train.py
does), and replaces the card's `not_digit` block; everything else on the card stays.

    python scripts/card_threshold.py cnn                              # models/cnn.json
    python scripts/card_threshold.py --models-dir runs/held-out-theta cnn
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def recipe_on_card(card: dict) -> str:
    """The recipe of the --styles, --lookalikes, --scribbles and --shapes the model was trained
    with."""
    import train

    data = card.get("data") or {}
    real = data.get("real_drawings") or {}
    styles = real.get("styles")
    # cards from before --shapes trained on all of them
    recipe = (train.recipe_of_run(styles, real.get("lookalike_letters"), data.get("scribbles", 0),
                                  data.get("shapes", train.SHAPES))
              if styles in train.STYLE_KINDS else None)
    if not recipe:
        raise ValueError("the card names no --styles of an 11-class recipe: pass --recipe")
    return recipe


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("names", nargs="+", help="model names (NAME.json, NAME.keras)")
    p.add_argument("--models-dir", type=Path, default=ROOT / "models")
    p.add_argument("--recipe", default=None, help="the cross-validation recipe (default: the card's)")
    args = p.parse_args(argv)

    from webapp.training.quiet import quiet_native_output

    with quiet_native_output():
        import keras

    from webapp.training import crossval, datasets
    from webapp.training import pipeline as training

    mnist = datasets.load_mnist(log=print)
    x_test = mnist.x_test.astype("float32") / 255.0
    for name in args.names:
        card_path = args.models_dir / f"{name}.json"
        card = json.loads(card_path.read_text())
        if not card.get("not_digit"):
            print(f"{name}: no 'not a digit' class; skipped")
            continue
        recipe = args.recipe or recipe_on_card(card)
        model = keras.models.load_model(args.models_dir / f"{name}.keras")
        probs = training.predict_batches(model, x_test)
        before = card["not_digit"]
        card["not_digit"] = crossval.not_digit_card(probs, mnist.y_test, recipe,
                                                    before.get("training_images", 0),
                                                    epochs=card.get("epochs"),
                                                    warp=(card.get("augmentation") or {}).get(
                                                        "warp", "shipped"))
        training.write_json(card_path, card)
        after = card["not_digit"]
        print(f"{name}: threshold {before['threshold']} -> {after['threshold']} "
              f"({after['threshold_from']}); MNIST test rejected {after['mnist_test_rejected']:.2%}, "
              f"right and not rejected {after['mnist_test_accuracy_not_rejected']:.2%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
