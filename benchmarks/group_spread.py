#!/usr/bin/env python3
"""How far one group of writers can sit from the cross-validation mean: is the final group unlucky,
or further from the training writers than the folds are from one another?

Cross-validation reads every one of the 54 fold writers with a network that never saw them. This
draws many random groups of as many writers as the final group holds, pools each group's digits
(each writer's out-of-fold accuracy, averaged over the full-length seeds, weighed by the writer's
digit count) and sets the final group beside them, measured the same way (the best of ten digits
on the same cached renderings) with a network trained on all 54 fold writers: more writers than
any fold's network was trained on, so a group as easy as the folds' would score higher, not lower.
Nothing is trained; the model reads 5,315 renderings, and MNIST test.

    python benchmarks/group_spread.py --model runs/held-out/cnn.keras \
        --json benchmarks/results/group_spread.json
    python benchmarks/group_spread.py --model runs/held-out-theta/cnn.keras --threshold 0.85 \
        --json benchmarks/results/group_spread_theta.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"
FULL_LENGTH = sorted((RESULTS / "crossval-epochs").glob("float11-e16_seed*.json"))


def writer_accuracy(files: list[Path], recipe: str | None = None) -> dict[str, float]:
    """Each fold writer's out-of-fold accuracy, averaged over the runs (seeds) in `files`, of
    `recipe` (default: the one recipe each file holds). Only writers every run measured are kept."""
    from webapp.training import crossval

    runs = []
    for f in files:
        recipes = json.loads(Path(f).read_text())["recipes"]
        if recipe is None and len(recipes) != 1:
            raise ValueError(f"{f} holds {len(recipes)} recipes: name one")
        folds = recipes[recipe] if recipe else next(iter(recipes.values()))
        runs.append(crossval.out_of_fold_writers(
            [fold for name, fold in folds.items() if name.startswith("fold")]))
    if not runs:
        raise ValueError("no cross-validation results to read")
    common = set.intersection(*(set(r) for r in runs))
    return {w: float(np.mean([r[w] for r in runs])) for w in sorted(common)}


def group_accuracies(accuracy: np.ndarray, digits: np.ndarray, size: int, draws: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Pooled accuracy of `draws` random groups of `size` writers (without replacement within a
    group): each group's right answers over its digits."""
    if not 0 < size <= len(accuracy):
        raise ValueError(f"a group of {size} writers from {len(accuracy)}")
    picks = np.argsort(rng.random((draws, len(accuracy))), axis=1)[:, :size]
    return (accuracy[picks] * digits[picks]).sum(1) / digits[picks].sum(1)


def spread(files: list[Path], model_path: Path, draws: int = 20_000, seed: int = 0,
           threshold: float | None = None) -> dict:
    """The final group read by `model_path` (crossval.digit_figures on its renderings: the
    measure of the folds; "not a digit" above `threshold`, else the model card's), beside random
    groups of as many fold writers; and the model on MNIST test."""
    import keras

    from webapp.training import crossval, datasets, drawings, pipeline, variety

    if threshold is None:
        threshold = json.loads(model_path.with_suffix(".json").read_text())["not_digit"]["threshold"]
    rendered = variety.rendered("digits")
    in_final = crossval.in_groups(rendered["writer"], {"final"}, variety.digit_groups())
    final = {k: v[in_final] for k, v in rendered.items()}
    model = keras.models.load_model(model_path)
    probs = pipeline.predict_batches(model, final["x"].astype("float32") / 255.0)
    figures = crossval.digit_figures(probs, final, threshold)
    rejected = crossval.rejected(probs, threshold)
    final_rejected = {w: int(rejected[final["writer"] == w].sum()) for w in figures["by_writer"]}
    # Renderings per writer: every digit in each placement, so they weigh writers as digits do.
    counts = Counter(rendered["writer"].tolist())
    placements = len(drawings.PLACEMENTS)

    by_writer = writer_accuracy(files)
    writers = [w for w in by_writer if w not in figures["by_writer"]]
    acc = np.array([by_writer[w] for w in writers])
    n = np.array([counts[w] // placements for w in writers], dtype=np.float64)
    pooled = group_accuracies(acc, n, len(figures["by_writer"]), draws, np.random.default_rng(seed))
    fa = np.array(list(figures["by_writer"].values()))
    _, _, x_test, y_test = datasets.load_mnist(None, log=lambda *_: None).arrays()
    mnist = pipeline.predict_batches(model, x_test.astype("float32") / 255.0)
    return {
        "files": [str(Path(f).relative_to(ROOT)) for f in files],
        "model": str(model_path),
        "fold_writers": len(writers), "fold_digits": int(n.sum()),
        "fold_pooled_accuracy": round(float((acc * n).sum() / n.sum()), 5),
        "fold_writers_at_least_99": round(float((acc >= 0.99).mean()), 4),
        "group_size": len(fa), "draws": draws, "seed": seed,
        "groups": {f"p{q}": round(float(np.percentile(pooled, q)), 5) for q in (0, 1, 5, 50, 95)},
        "final_group_accuracy": round(figures["accuracy"], 5),
        "share_of_groups_at_or_below_final": float((pooled <= figures["accuracy"]).mean()),
        "final_writers_at_least_99": round(float((fa >= 0.99).mean()), 4),
        "final_by_writer": {w: [round(a, 4), counts[w] // placements] for w, a in
                            sorted(figures["by_writer"].items(), key=lambda kv: kv[1])},
        "threshold": threshold,
        "final_false_rejects": round(figures["false_rejects"], 5),
        "final_false_rejects_by_writer": {w: [k, counts[w]] for w, k in sorted(
            final_rejected.items(), key=lambda kv: -kv[1]) if k},
        "final_by_digit": {k: round(v, 4) for k, v in figures["by_digit"].items()},
        "final_by_placement": {k: round(v, 4) for k, v in figures["by_placement"].items()},
        "mnist_test": {"accuracy": round(float((mnist[:, :10].argmax(1) == y_test).mean()), 5),
                       "right_and_not_rejected": round(
                           crossval.right_not_rejected(mnist, y_test, threshold), 5)},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cv", type=Path, nargs="+", default=FULL_LENGTH,
                   help="cross-validation results of one recipe, a file a seed (default: the "
                        "full-length float11 seeds)")
    p.add_argument("--model", type=Path, default=ROOT / "runs" / "held-out" / "cnn.keras",
                   help="a Keras model trained without the final group (train.py's default)")
    p.add_argument("--threshold", type=float, default=None,
                   help="'not a digit' above this (default: the model card's)")
    p.add_argument("--draws", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    r = spread([f.resolve() for f in args.cv], args.model, args.draws, args.seed,
               args.threshold)
    g = r["groups"]
    print(f"{r['fold_writers']} fold writers ({r['fold_digits']} digits), out of fold over "
          f"{len(r['files'])} seeds: {100 * r['fold_pooled_accuracy']:.2f}% pooled")
    print(f"{r['draws']} random groups of {r['group_size']} of them: lowest {100 * g['p0']:.2f}%, "
          f"1st percentile {100 * g['p1']:.2f}%, 5th {100 * g['p5']:.2f}%, median "
          f"{100 * g['p50']:.2f}%, 95th {100 * g['p95']:.2f}%")
    print(f"the final group, measured the same way ({r['model']}): "
          f"{100 * r['final_group_accuracy']:.2f}%; groups at or below it: "
          f"{100 * r['share_of_groups_at_or_below_final']:.2f}%")
    print(f"writers read at 99% or better: fold writers {100 * r['fold_writers_at_least_99']:.0f}%, "
          f"final group {100 * r['final_writers_at_least_99']:.0f}%; the final group's weakest: "
          + ", ".join(f"{w} {100 * a:.1f}% ({k} digits)"
                      for w, (a, k) in list(r["final_by_writer"].items())[:5]))
    rejects = r["final_false_rejects_by_writer"]
    print(f"final group's renderings taken for 'not a digit' (above {r['threshold']}): "
          f"{100 * r['final_false_rejects']:.2f}%, by writer: "
          + ", ".join(f"{w} {k} of {n}" for w, (k, n) in rejects.items()))
    print("final group by digit: " + ", ".join(f"{d} {100 * a:.1f}%" for d, a in r["final_by_digit"].items())
          + "; by placement: " + ", ".join(f"{k} {100 * a:.1f}%" for k, a in r["final_by_placement"].items()))
    print(f"MNIST test: {100 * r['mnist_test']['accuracy']:.2f}%, right and not rejected "
          f"{100 * r['mnist_test']['right_and_not_rejected']:.2f}%")
    if args.json:
        args.json.write_text(json.dumps(r, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
