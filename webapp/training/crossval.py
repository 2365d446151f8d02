"""Writer-grouped cross-validation: how a recipe does on writers it has never seen.

    python -m webapp.training.crossval --recipes plain,styled11 --epochs 3 --mnist 15000

The 72 UniPen writers are split by `variety.writer_groups`: a final group that nothing here ever
looks at, and five folds. Each recipe is trained five times, each time without one fold's writers
(digits and letters), and measured on that fold: accuracy by placement and by digit, how many
clearly-non-digit letters and shapes it rejects, how many real digits it wrongly rejects. The
out-of-fold "not a digit" probabilities also choose the rejection threshold, so the final group
measures that choice too. Short runs (a slice of MNIST, a few epochs) keep a comparison within
minutes on two CPU cores; they rank recipes, the shipped model's own figures come from train.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from webapp.training import drawings, variety
from webapp.training.warps import WARPS

RECIPES = {
    # name: (which rendered digits, "not a digit" class)
    "plain": ("digits", False),
    "styled": ("styled", False),
    "plain11": ("digits", True),
    "styled11": ("styled", True),
    "wide11": ("styled-wide", True),
    "theta11": ("styled-theta", True),
    "float11": ("styled-float", True),
    "thetafloat11": ("styled-float-theta", True),
    "curl11": ("styled-float-theta-curl", True),
    "scribble11": ("styled-float-theta", True),
    "swap11": ("styled-float-theta", True),
    "jitter11": ("styled-jitter", True),
    "jitter11-no01": ("styled-jitter-no01", True),
    "look11": ("styled-wide", True),
    "look11-Iqg": ("styled-wide", True),
}
# Recipes that also train on another rendered kind of drawings (of the training folds' writers),
# and which of its letters (by the letter after '|' in the id; None: all).
EXTRA = {"look11": ("lookalikes", None), "look11-Iqg": ("lookalikes", "Iqg")}
# Recipes whose "not a digit" also learns from another synthetic kind (the first half of its
# rendering; the second half is measured), and how many of it per run.
MORE_NOT_DIGIT = {"scribble11": ("scribbles", 1500), "swap11": ("scribbles", 1000)}
# Recipes trained on one fold of writers fewer (three of the four, the next fold left out too):
# against the same recipe on four, what a quarter more writers is worth.
FEWER = "-fewer"
NONE_LETTERS = 6000  # letters per training run (the eleventh class is about a digit class's size)
NONE_SHAPES = 2000
# Recipes that give part of the shapes' place to their MORE_NOT_DIGIT kind: "not a digit" keeps
# its size, so the digits' share of training stays what it is without them.
SHAPES = {"swap11": 1000}


def training_set(mnist_x: np.ndarray, mnist_y: np.ndarray, sets: dict, train_groups: set[str],
                 groups: dict[str, str], *, styled: str, not_digit: bool, seed: int,
                 letters: int = NONE_LETTERS, shapes: int = NONE_SHAPES,
                 extra: tuple[str, str | None] | None = None,
                 more: tuple[str, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST + the real digits of `train_groups` (`styled`: which rendering of them; `extra`:
    another rendered kind of theirs and which letters of it, as in EXTRA) + optionally letters and
    shapes as class 10 (`more`: and this many of another synthetic kind, as in MORE_NOT_DIGIT)."""
    rng = np.random.default_rng([seed, 5])
    digits = sets[styled]
    keep = in_groups(digits["writer"], train_groups, groups)
    xs, ys = [mnist_x, digits["x"][keep]], [mnist_y, digits["y"][keep]]
    if extra:
        kind, letters_kept = extra
        more = sets[kind]
        keep = in_groups(more["writer"], train_groups, groups)
        if letters_kept:
            keep &= np.asarray([variety.letter_of(i) in letters_kept for i in more["id"]])
        xs.append(more["x"][keep])
        ys.append(more["y"][keep])
    if not_digit:
        lt = sets["letters"]
        idx = np.flatnonzero(in_groups(lt["writer"], train_groups, groups))
        idx = rng.choice(idx, min(letters, len(idx)), replace=False)
        sh = sets["shapes"]
        half = len(sh["x"]) // 2  # the second half of the shapes is kept for measuring
        sidx = rng.choice(half, min(shapes, half), replace=False)
        xs += [lt["x"][idx], sh["x"][sidx]]
        ys += [lt["y"][idx], sh["y"][sidx]]
        if more:
            kind, count = more
            mo = sets[kind]
            half = len(mo["x"]) // 2
            midx = np.random.default_rng([seed, 6]).choice(half, min(count, half), replace=False)
            xs.append(mo["x"][midx])
            ys.append(mo["y"][midx])
    return np.concatenate(xs), np.concatenate(ys).astype(np.uint8)


def in_groups(writers: np.ndarray, wanted: set[str], groups: dict[str, str]) -> np.ndarray:
    """Which of these writers belong to one of the `wanted` groups (variety.writer_groups)."""
    return np.asarray([variety.group_of(w, groups) in wanted for w in writers], dtype=bool)


def rejected(p: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Which drawings are answered "not a digit". Probabilities are 10- or 11-way; with 10, the
    best digit's probability under 60% (what a 10-class app could do at best)."""
    if p.shape[1] == 11:
        return p[:, 10] > threshold
    return p.max(1) < 0.6


def right_not_rejected(probs: np.ndarray, y: np.ndarray, threshold: float) -> float:
    """The share read as the right digit and not answered "not a digit": what a user of the app
    sees as right (MNIST test's floor is on this)."""
    return float(((probs[:, :10].argmax(1) == y) & ~rejected(probs, threshold)).mean())


def digit_figures(probs_digits: np.ndarray, digits: dict, threshold: float = 0.5) -> dict:
    """Real digits read by a network that never saw their writers: accuracy (the best of the ten
    digits, whatever "not a digit" says), by placement, by digit, the share rejected, and (with
    writers) each writer's own accuracy."""
    y = digits["y"]
    right = probs_digits[:, :10].argmax(1) == y
    out = {"digits": int(len(y)), "accuracy": float(right.mean()),
           "by_placement": {p: float(right[digits["placement"] == p].mean())
                            for p in sorted(set(digits["placement"].tolist()))},
           "by_digit": {str(d): float(right[y == d].mean()) for d in range(10)},
           "false_rejects": float(rejected(probs_digits, threshold).mean())}
    if "writer" in digits:  # each writer's own accuracy: a fold may be one prolific writer
        writers = np.asarray(digits["writer"])
        out["by_writer"] = {str(w): float(right[writers == w].mean()) for w in sorted(set(writers))}
    return out


def measure(probs_digits: np.ndarray, digits: dict, probs_letters: np.ndarray,
            probs_shapes: np.ndarray, threshold: float = 0.5) -> dict:
    """Figures on writers never seen: digit_figures, and how many letters and shapes are
    rejected."""
    out = digit_figures(probs_digits, digits, threshold)
    by_writer = out.pop("by_writer", None)
    out |= {"letters": int(len(probs_letters)),
            "letters_rejected": float(rejected(probs_letters, threshold).mean()),
            "shapes": int(len(probs_shapes)),
            "shapes_rejected": float(rejected(probs_shapes, threshold).mean())}
    if by_writer is not None:
        out["by_writer"] = by_writer
    return out


SCRIBBLE_THRESHOLDS = (0.5, 0.75, 0.85, 0.9)


def scribble_figures(probs: np.ndarray, kinds: np.ndarray) -> dict:
    """The share of scribbles answered "not a digit", by kind (variety.SCRIBBLES) and threshold."""
    return {k: {str(t): float(rejected(probs[kinds == k], t).mean()) for t in SCRIBBLE_THRESHOLDS}
            for k in sorted(set(kinds.tolist()))}


def out_of_fold_writers(per_fold: list[dict]) -> dict[str, float]:
    """Every out-of-fold writer's accuracy, from the folds' figures (measure)."""
    return {w: a for figures in per_fold for w, a in figures.get("by_writer", {}).items()}


def writer_summary(per_fold: list[dict]) -> dict:
    """Every out-of-fold writer's accuracy, each writer counted once. The folds' mean weighs a
    fold of one prolific writer like a fold of a dozen; this says how the typical writer never
    seen is read."""
    acc = out_of_fold_writers(per_fold)
    if not acc:
        return {}
    vals = np.asarray(list(acc.values()))
    return {"count": len(vals), "mean": float(vals.mean()), "median": float(np.median(vals)),
            "min": float(vals.min()), "at_least_99": float((vals >= 0.99).mean()),
            "at_least_98": float((vals >= 0.98).mean()),
            "weakest": [[w, round(a, 4)] for w, a in sorted(acc.items(), key=lambda kv: kv[1])[:5]]}


# First blocks of the cnn (the convolutions before the first pooling, most of its arithmetic)
# cross-validated against each other (--arch; the same recipes and folds). Results files without
# an "arch" are the shipped one's.
FIRST_BLOCKS = {"cnn32": (32, 32), "cnn16": (16, 32), "cnn-one-conv": (32,)}
SHIPPED = "cnn32"


def run(recipes: list[str], epochs: int, mnist_n: int, seed: int, log=print,
        arch: str = SHIPPED, probs_out: Path | None = None, warp: str = "shipped") -> dict:
    import keras

    from webapp.training import architectures, datasets
    from webapp.training import pipeline as training

    base = {r: r.removesuffix(FEWER) for r in recipes}  # the recipe each run is a variant of
    kinds = {"digits", "letters", "shapes", "scribbles"} | {RECIPES[b][0] for b in base.values()}
    kinds |= {EXTRA[b][0] for b in base.values() if b in EXTRA}
    sets = {k: variety.rendered(k, log=log) for k in sorted(kinds)}
    groups = variety.digit_groups()
    mnist = datasets.load_mnist(None, log=log)
    mx, my, _, _ = mnist.arrays()
    mx, my = mx[:mnist_n], my[:mnist_n]
    folds = [f"fold{k}" for k in range(variety.FOLDS)]
    sh = sets["shapes"]
    half = len(sh["x"]) // 2
    # every recipe is measured on the same scribbles, none of them trained on
    sc = sets["scribbles"]
    test_sc, test_sc_ids = sc["x"][len(sc["x"]) // 2:], sc["id"][len(sc["x"]) // 2:]
    test_sc_kind = np.asarray([i.split("/")[1] for i in test_sc_ids])
    results: dict = {"recipes": {}, "folds": {}, "settings": {
        "arch": arch, "warp": warp, "epochs": epochs, "mnist_images": mnist_n, "seed": seed,
        "letters_per_run": NONE_LETTERS,
        "shapes_per_run": NONE_SHAPES,
        "shapes_per_run_of": {r: SHAPES[b] for r, b in base.items() if b in SHAPES},
        "more_not_digit": {r: list(MORE_NOT_DIGIT[b]) for r, b in base.items()
                           if b in MORE_NOT_DIGIT},
        "style_share": variety.STYLE_SHARE,
        "lookalike_letters_excluded": "".join(sorted(variety.LOOKALIKES))}}
    oof: dict[str, dict[str, list]] = {r: {"digits": [], "letters": [], "shapes": []} for r in recipes}
    saved: dict[str, np.ndarray] = {}  # every fold's out-of-fold probabilities, for --ensemble
    for fold in folds:
        in_fold = in_groups(sets["digits"]["writer"], {fold}, groups)
        test_d = {k: v[in_fold] for k, v in sets["digits"].items()}
        test_l = sets["letters"]["x"][in_groups(sets["letters"]["writer"], {fold}, groups)]
        test_s = sh["x"][half:][: max(len(test_d["y"]) // 5, 200)]
        results["folds"][fold] = {"digits": int(len(test_d["y"])), "letters": int(len(test_l)),
                                  "writers": sorted({w for w, g in groups.items() if g == fold})}
        for name in recipes:
            styled, not_digit = RECIPES[base[name]]
            if name.endswith(FEWER):
                train_groups = set(folds) - {fold, folds[(folds.index(fold) + 1) % len(folds)]}
            else:
                train_groups = set(folds) - {fold}
            x, y = training_set(mx, my, sets, train_groups, groups, styled=styled,
                                not_digit=not_digit, seed=seed,
                                shapes=SHAPES.get(base[name], NONE_SHAPES),
                                extra=EXTRA.get(base[name]), more=MORE_NOT_DIGIT.get(base[name]))
            keras.utils.set_random_seed(seed)
            started = time.perf_counter()
            model = architectures.cnn(11 if not_digit else 10, first=FIRST_BLOCKS[arch])
            steps = epochs * int(np.ceil(len(x) / 128))
            model.compile(optimizer=keras.optimizers.Adam(
                keras.optimizers.schedules.CosineDecay(2e-3, steps)),
                loss="sparse_categorical_crossentropy")
            model.fit(training.pipeline(x, y, 128, augment_data=True, seed=seed,
                                        warp=WARPS[warp]), epochs=epochs, verbose=0)
            pd, pl, ps = (training.predict_batches(model, images.astype("float32") / 255.0)
                          for images in (test_d["x"], test_l, test_s))
            figures = measure(pd, test_d, pl, ps)
            if not_digit:
                figures["scribbles_rejected"] = scribble_figures(
                    training.predict_batches(model, test_sc.astype("float32") / 255.0),
                    test_sc_kind)
            figures["seconds"] = round(time.perf_counter() - started, 1)
            figures["training_images"] = int(len(x))
            results["recipes"].setdefault(name, {})[fold] = figures
            for k, p in (("digits", pd), ("letters", pl), ("shapes", ps)):
                oof[name][k].append(p)
            if probs_out:
                saved |= {f"{name}|{fold}|{k}": p.astype(np.float32)
                          for k, p in (("digits", pd), ("letters", pl), ("shapes", ps))}
                saved |= {f"{name}|{fold}|digits.{k}": np.asarray(v)
                          for k, v in test_d.items() if k != "x"}
            log(f"{fold} {name}: accuracy {figures['accuracy']:.2%}, zeros "
                f"{figures['by_digit']['0']:.1%}, ones {figures['by_digit']['1']:.1%}, letters "
                f"rejected {figures['letters_rejected']:.1%}, shapes {figures['shapes_rejected']:.1%}"
                f", digits rejected {figures['false_rejects']:.2%}" + (
                    ", scribbles at 0.85 " + " ".join(
                        f"{k} {v['0.85']:.0%}" for k, v in figures["scribbles_rejected"].items())
                    if "scribbles_rejected" in figures else "") + f" ({figures['seconds']} s)")
    for name in recipes:
        per = results["recipes"][name]
        per["summary"] = summarize(per, folds, oof[name] if RECIPES[base[name]][1]
                                   else None)
    if probs_out:
        np.savez_compressed(probs_out, **saved)
    return results


def summarize(per: dict, folds: list[str], oof: dict | None) -> dict:
    """Mean, spread and worst fold of each figure, each writer once, and (`oof`: the folds'
    out-of-fold probabilities of an 11-class recipe) the rejection threshold they choose."""
    summary: dict = {}
    for key in ("accuracy", "false_rejects", "letters_rejected", "shapes_rejected"):
        vals = np.asarray([per[f][key] for f in folds])
        summary[key] = {"mean": float(vals.mean()), "sd": float(vals.std(ddof=1)),
                        "min": float(vals.min())}
    for key in ("by_digit", "by_placement"):
        names = per[folds[0]][key]
        summary[key] = {k: {"mean": float(np.mean([per[f][key][k] for f in folds])),
                            "min": float(np.min([per[f][key][k] for f in folds]))} for k in names}
    summary["by_writer"] = writer_summary([per[f] for f in folds])
    if all("scribbles_rejected" in per[f] for f in folds):
        first = per[folds[0]]["scribbles_rejected"]
        summary["scribbles_rejected"] = {
            k: {t: float(np.mean([per[f]["scribbles_rejected"][k][t] for f in folds]))
                for t in first[k]} for k in first}
    if oof:
        summary["threshold"] = choose_threshold(*(np.concatenate(oof[k])
                                                  for k in ("digits", "letters", "shapes")))
    return summary


def ensemble(files: list[Path]) -> dict:
    """Cross-validated figures of the average of several runs' probabilities (--save-probs of the
    same recipes and folds, other seeds or architectures): what an ensemble of those models would
    score on writers never seen, beside each member's own figures from the same files."""
    runs = [np.load(f) for f in files]
    keys = [k for k in runs[0].files if k.endswith("|digits")]
    out: dict = {"members": [str(f) for f in files], "recipes": {}}
    members = [(Path(f).stem, i) for i, f in enumerate(files)] + [(f"ensemble of {len(runs)}", None)]
    for key in keys:
        name, fold, _ = key.split("|")
        digits = {k.split("|")[2].removeprefix("digits."): runs[0][k] for k in runs[0].files
                  if k.startswith(f"{name}|{fold}|digits.")}
        for other in runs[1:]:
            if not np.array_equal(other[f"{name}|{fold}|digits.y"], digits["y"]):
                raise ValueError(f"{name} {fold}: the runs measured different digits")
        probs = {k: [r[f"{name}|{fold}|{k}"] for r in runs] for k in ("digits", "letters", "shapes")}
        for label, pick in members:
            chosen = {k: (np.mean(v, axis=0) if pick is None else v[pick]) for k, v in probs.items()}
            figures = measure(chosen["digits"], digits, chosen["letters"], chosen["shapes"])
            entry = out["recipes"].setdefault(f"{name} {label}", {"oof": {"digits": [], "letters": [],
                                                                "shapes": []}})
            entry[fold] = figures
            for k in chosen:
                entry["oof"][k].append(chosen[k])
    for entry in out["recipes"].values():
        oof = entry.pop("oof")
        folds = sorted(entry)
        entry["summary"] = summarize(entry, folds, oof if oof["digits"][0].shape[1] == 11 else None)
    return out


MAX_FALSE_REJECTS = 0.003  # of out-of-fold real digits; the target is 0.5% on writers never seen


def choose_threshold(digits: np.ndarray, letters: np.ndarray, shapes: np.ndarray,
                     max_false: float = MAX_FALSE_REJECTS) -> dict:
    """The lowest "not a digit" probability above which to reject such that at most `max_false`
    of the out-of-fold real digits are rejected (the target is 0.5%: this leaves room for writers
    never seen), and what it rejects."""
    candidates = np.round(np.arange(0.30, 0.96, 0.05), 2)
    table = []
    for t in candidates:
        table.append({"threshold": float(t),
                      "false_rejects": float((digits[:, 10] > t).mean()),
                      "letters_rejected": float((letters[:, 10] > t).mean()),
                      "shapes_rejected": float((shapes[:, 10] > t).mean())})
    return {"chosen": lowest_within(table, max_false), "table": table, "max_false_rejects": max_false}


def lowest_within(table: list[dict], max_false: float) -> dict:
    """The rule: the first row (thresholds ascending) that rejects at most `max_false` of real
    digits; the strictest row if none does."""
    return next((row for row in table if row["false_rejects"] <= max_false), table[-1])


RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "crossval.json"
# Runs trained as long as train.py trains: a network trained longer is surer of itself, "not a
# digit" included, so a threshold chosen on shorter runs rejects more real digits in the shipped
# model than the rule allows. Their choice comes first where they have the recipe, and runs of the
# model's own length before runs of another.
FULL_LENGTH = RESULTS.parent / "crossval-epochs"


def threshold_choice(recipe: str, full_length: list[Path] | None = None,
                     short: list[Path] | None = None,
                     epochs: int | None = None, warp: str = "shipped") -> tuple[float, str]:
    """The "not a digit" threshold that cross-validation chose for a recipe, and the files that
    chose it. Full-length runs come first, pooled over their seeds: the lowest threshold whose
    false-reject rate, averaged over the seeds, keeps to the rule (one seed's folds can sit on the
    line). Only runs of one length are pooled: `epochs` (the model's), else the nearest length
    there is (the longer on a tie; the longest when not given). Else the short runs' choice; 0.5
    before the recipe has been cross-validated. Runs with other augmentation ranges than `warp`
    (warps.WARPS) are another recipe's and never vote."""
    if full_length is None:
        full_length = sorted(FULL_LENGTH.glob("*.json"))
    if short is None:
        short = [RESULTS]
    by_length: dict[int | None, list[tuple[Path, dict]]] = {}
    for path in full_length:
        results = _results(path)
        found = _threshold_summary(results, recipe) if _warp_of(results) == warp else None
        if found and found.get("table"):
            table = {row["threshold"]: row["false_rejects"] for row in found["table"]}
            length = results.get("settings", {}).get("epochs")
            by_length.setdefault(length, []).append((path, table))
    if by_length:
        length = _nearest_length(list(by_length), epochs)
        runs = by_length[length]
        tables, used = [table for _, table in runs], [_shown(path) for path, _ in runs]
        common = sorted(set.intersection(*(set(t) for t in tables)))
        pooled = [{"threshold": t, "false_rejects": float(np.mean([table[t] for table in tables]))}
                  for t in common]
        how = f" (mean of {len(used)} seeds)" if len(used) > 1 else ""
        if epochs is not None and length is not None and length != epochs:
            how += f" (folds trained {length} epochs, the model {epochs})"
        return float(lowest_within(pooled, MAX_FALSE_REJECTS)["threshold"]), " + ".join(used) + how
    for path in short:
        results = _results(path)
        if _warp_of(results) != warp:
            continue
        chosen = (_threshold_summary(results, recipe) or {}).get("chosen")
        if chosen:
            return float(chosen["threshold"]), _shown(path)
    return 0.5, "none (not cross-validated)"


def _nearest_length(lengths: list[int | None], epochs: int | None) -> int | None:
    known = [n for n in lengths if n is not None]
    if not known:
        return None  # files that do not say how long they trained: one pool
    if epochs is None:
        return max(known)
    return min(known, key=lambda n: (abs(n - epochs), -n))


def not_digit_card(probs: np.ndarray, y_test: np.ndarray, recipe: str, training_images: int,
                   threshold: tuple[float, str] | None = None,
                   epochs: int | None = None, warp: str = "shipped") -> dict:
    """A model card's "not a digit" block: the threshold cross-validation chose for its recipe
    (or the one given, with where it came from) and what it costs on MNIST test (probs: the
    model's 11 outputs on it; epochs: how long it trained; warp: its augmentation's ranges).
    train.py writes it;
    scripts/card_threshold.py writes it again when more seeds move the choice, without training
    again."""
    value, chosen_by = (threshold if threshold is not None
                        else threshold_choice(recipe, epochs=epochs, warp=warp))
    named = recipe if warp == "shipped" else f"{recipe} with the {warp} warp"
    return {"threshold": value,
            "threshold_from": f"{chosen_by}, recipe {named}",
            "mnist_test_rejected": round(float(rejected(probs, value).mean()), 5),
            "mnist_test_accuracy_not_rejected": round(right_not_rejected(probs, y_test, value), 5),
            "training_images": training_images,
            "lookalike_letters_excluded": "".join(sorted(variety.LOOKALIKES))}


def _results(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _warp_of(results: dict) -> str:
    return results.get("settings", {}).get("warp", "shipped")  # files from before --warp: shipped


def _threshold_summary(results: dict, recipe: str) -> dict | None:
    return results.get("recipes", {}).get(recipe, {}).get("summary", {}).get("threshold")


def _shown(path: Path) -> str:
    return str(path.relative_to(RESULTS.parent) if path.is_relative_to(RESULTS.parent) else path)


def recipe_of(kind: str, lookalikes: str | None = None, more: str | None = None,
              fewer_shapes: bool = False) -> str | None:
    """The 11-class recipe that trains on this rendered kind of real digits (and on these
    lookalike letters, on more "not a digit" of the kind `more`, as in MORE_NOT_DIGIT, and, with
    `fewer_shapes`, on fewer shapes than NONE_SHAPES, as in SHAPES), if cross-validation has one."""
    for name, (trained, not_digit) in RECIPES.items():
        kept = (EXTRA[name][1] or "".join(variety.AS_DIGIT)) if name in EXTRA else ""
        extra_kind = MORE_NOT_DIGIT[name][0] if name in MORE_NOT_DIGIT else None
        if (trained == kind and not_digit and set(kept) == set(lookalikes or "")
                and extra_kind == more and (name in SHAPES) == fewer_shapes):
            return name
    return None


def recipe_for(kind: str, lookalikes: str | None = None, more: str | None = None,
               fewer_shapes: bool = False) -> str | None:
    """The recipe a model trained on this kind of real digits (train.STYLE_KINDS of its --styles),
    these --lookalikes, more "not a digit" of this kind and (`fewer_shapes`) fewer than all the
    shapes belongs to: the one with those lookalike letters, else the one with the default
    lookalikes."""
    return (recipe_of(kind, lookalikes, more, fewer_shapes)
            or recipe_of(kind, more=more, fewer_shapes=fewer_shapes))


def pad_with_pen_max(pen_max: float) -> Path:
    """Renderings in this process with another upper clamp on the upload's pen: a copy of the
    pad's constants with exportPenRange's upper end changed (the render caches' keys cover the
    file, so they stay apart)."""
    config = dict(drawings.pad_config())  # a copy: the cached one is everyone's
    lo = config["exportPenRange"][0]
    if not lo < pen_max <= 1:
        raise ValueError(f"--export-pen-max must be above the lower clamp ({lo}) and at most 1")
    config["exportPenRange"] = [lo, pen_max]
    path = Path(tempfile.mkdtemp(prefix="digitpad-pad-")) / "pad.json"
    path.write_text(json.dumps(config, indent=2) + "\n")
    drawings.PAD_CONFIG = path
    drawings.pad_config.cache_clear()
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--recipes", default="plain,styled11")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--mnist", type=int, default=15000, help="MNIST training images per run")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--arch", default=SHIPPED, choices=sorted(FIRST_BLOCKS),
                   help="the cnn's first block (the shipped one by default)")
    p.add_argument("--warp", default="shipped", choices=list(WARPS),
                   help="augmentation's ranges (webapp.training.warps.WARPS)")
    p.add_argument("--out", default="benchmarks/results/crossval.json")
    p.add_argument("--save-probs", type=Path, default=None,
                   help="keep every fold's out-of-fold probabilities here (.npz), for --ensemble")
    p.add_argument("--export-pen-max", type=float, default=None,
                   help="the upload pen's upper clamp (x the drawing's size) for this run's "
                        "renderings, trained on and measured alike (default: static/pad.json's)")
    p.add_argument("--ensemble", type=Path, nargs="+", default=None,
                   help="no training: the figures of these --save-probs files averaged (and of "
                        "each alone), written to --out")
    args = p.parse_args(argv)
    if args.ensemble:
        results = ensemble(args.ensemble)
        Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
        for name, entry in results["recipes"].items():
            s, w = entry["summary"], entry["summary"]["by_writer"]
            print(f"{name}: accuracy {s['accuracy']['mean']:.2%} +- {s['accuracy']['sd']:.2%} "
                  f"(worst fold {s['accuracy']['min']:.2%}), each writer once {w['mean']:.2%}; "
                  f"zeros {s['by_digit']['0']['mean']:.1%}, nines {s['by_digit']['9']['mean']:.1%}"
                  f"; letters rejected {s['letters_rejected']['mean']:.1%}, false rejects "
                  f"{s['false_rejects']['mean']:.2%}, threshold "
                  f"{s.get('threshold', {}).get('chosen', {}).get('threshold')}")
        return 0
    recipes = args.recipes.split(",")
    unknown = {r.removesuffix(FEWER) for r in recipes} - set(RECIPES)
    if unknown:
        p.error(f"unknown recipes {sorted(unknown)}; choose from {sorted(RECIPES)}")
    if args.export_pen_max is not None:
        pad_with_pen_max(args.export_pen_max)
    started = time.perf_counter()
    results = run(recipes, args.epochs, args.mnist, args.seed, log=lambda s: print(s, flush=True),
                  arch=args.arch, probs_out=args.save_probs, warp=args.warp)
    results["settings"]["export_pen_range"] = drawings.pad_config()["exportPenRange"]
    results["seconds"] = round(time.perf_counter() - started)
    results["command"] = "python -m webapp.training.crossval " + " ".join(argv or sys.argv[1:])
    try:  # recipes measured by earlier runs with the same settings stay in the file
        earlier = json.loads(Path(args.out).read_text())
    except (OSError, ValueError):
        earlier = {}
    before = earlier.get("settings", {})
    pens = drawings.pad_config()["exportPenRange"]
    if (before.get("epochs"), before.get("mnist_images"), before.get("arch", SHIPPED),
            before.get("warp", "shipped"),
            before.get("export_pen_range", pens if args.export_pen_max is None else None)) == (
            args.epochs, args.mnist, args.arch, args.warp, pens):
        results["recipes"] = {**earlier.get("recipes", {}), **results["recipes"]}
        results["commands"] = [*earlier.get("commands", [earlier.get("command")]),
                               results["command"]]
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    for name in recipes:
        s = results["recipes"][name]["summary"]
        print(f"{name}: accuracy {s['accuracy']['mean']:.2%} +- {s['accuracy']['sd']:.2%}, "
              f"letters rejected {s['letters_rejected']['mean']:.1%}, false rejects "
              f"{s['false_rejects']['mean']:.2%}; by digit (mean/min): " + ", ".join(
                  f"{d} {v['mean']:.1%}/{v['min']:.1%}" for d, v in s["by_digit"].items()))
        if s.get("scribbles_rejected"):
            print("  scribbles rejected (at 0.5 / 0.85): " + ", ".join(
                f"{k} {v['0.5']:.1%} / {v['0.85']:.1%}" for k, v in s["scribbles_rejected"].items()))
        if s.get("by_writer"):
            w = s["by_writer"]
            print(f"  by writer ({w['count']} writers, each once): mean {w['mean']:.2%}, median "
                  f"{w['median']:.2%}, {w['at_least_99']:.0%} of writers at 99% or more, weakest "
                  + ", ".join(f"{who} {a:.1%}" for who, a in w["weakest"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
