"""Teach a trained model the room's handwriting: continue training on the class's labelled drawings,
mixed with a replay of what it learned from, and measure before and after honestly.

    python -m webapp.training.finetune --from models/cnn.keras --extra-data class.npz \\
        --out models/class-ab12.keras                  # what train.py --finetune runs too

Honest by construction: the class's drawings are split **by student** (writer), never by drawing.
A quarter of the students are never trained on ("students the model has not seen"), and a fifth
of every other student's drawings are held back ("the room tests itself"). Both figures are
reported before and after, beside MNIST test accuracy and the real-drawings benchmark (26 UniPen
writers no model here was trained on).

Why this mix and this learning rate: a few hundred drawings alone would pull the network towards
one room and make it forget MNIST (catastrophic forgetting). Each epoch therefore shows the class's
drawings (three augmented copies) among three times as many replayed images: MNIST training
images and pen-drawn digits of the UniPen training writers, so the class is a quarter of every
batch. Adam at 5e-4 (a quarter of the first training's peak), cosine decay to 0 over 3 epochs:
large enough that the class's own drawings the model got wrong are learned (2e-4 left every one
of them wrong on stand-in classes the model had not seen), small enough not to undo what 80,000
images taught (4 epochs at that rate went past the benchmark's 0.2-point guard; the README has the
figures). BatchNorm layers keep their statistics (frozen): batches of one room's drawings are not
the population the network normalises for.

Progress goes to stdout as JSON lines (and to --progress FILE): {"event": "epoch", ...}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from webapp import paths, preprocess
from webapp.training import drawings
from webapp.training.quiet import quiet_native_output
from webapp.training.warps import warp_of_card

EPOCHS = 3
LEARNING_RATE = 5e-4
COPIES = 3  # augmented copies of each class drawing per epoch
REPLAY = 3  # replayed images per class image shown
MIN_DRAWINGS = 30
UNSEEN_FRACTION = 0.25
HOLDBACK = 0.2
MEASURE_INPUTS = paths.CHECKOUT / "data" / "unipen" / "measure-inputs.npz"
UNIPEN = drawings.DIGITS


class NotEnoughData(ValueError):
    """Too few drawings, or digits missing: fine-tuning would not be honest or useful."""


@dataclass
class Extra:
    """Labelled 28x28 inputs (uint8, ink = 255) with the writer of each and an id."""

    x: np.ndarray
    y: np.ndarray
    writer: np.ndarray
    ids: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def take(self, idx: np.ndarray) -> Extra:
        return Extra(self.x[idx], self.y[idx], self.writer[idx], self.ids[idx])

    @staticmethod
    def concat(parts: Sequence[Extra]) -> Extra:
        return Extra(*(np.concatenate([getattr(p, f) for p in parts])
                       for f in ("x", "y", "writer", "ids")))


# --- reading extra data ------------------------------------------------------------------------
def load_extra(path: str | Path, placement: str = "large", seed: int = 0) -> Extra:
    """A classroom export (JSON lines or .npz from /api/sessions/<code>/export) or pen strokes in
    the UniPen format of data/unipen/ (rendered the way the page draws, then preprocessed)."""
    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            x, y = f["x"].astype(np.uint8), f["y"].astype(np.int64)
            writer = f["student"].astype(str) if "student" in f.files else np.full(len(y), "?")
            ids = f["id"].astype(str) if "id" in f.files else np.arange(len(y)).astype(str)
        return Extra(x, y, writer, ids)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    if rows and "strokes" in rows[0]:
        chosen = [drawings._row(r) for r in rows]
        xs, ys, ws, ids = [], [], [], []
        for d, _s, img in drawings.renders(chosen, placement, seed=seed):
            x = drawings.model_input(img)
            if x is None:
                continue
            xs.append(x)
            ys.append(d.label)
            ws.append(d.writer)
            ids.append(d.id)
        return Extra(np.stack(xs), np.array(ys), np.array(ws), np.array(ids))
    x = np.array([r["input"] for r in rows], dtype=np.uint8).reshape(-1, 28, 28)
    return Extra(x, np.array([int(r["label"]) for r in rows]),
                 np.array([str(r.get("student", "?")) for r in rows]),
                 np.array([str(r.get("id", k)) for k, r in enumerate(rows)]))


def check_enough(extra: Extra) -> None:
    if len(extra) < MIN_DRAWINGS:
        raise NotEnoughData(f"{len(extra)} drawings: at least {MIN_DRAWINGS} are needed")
    missing = sorted(set(range(10)) - {int(v) for v in extra.y})
    if missing:
        raise NotEnoughData(f"no drawings of {', '.join(map(str, missing))} yet: every digit is "
                            "needed")
    if len(set(extra.writer)) < 2:
        raise NotEnoughData("drawings of at least two students are needed (one is kept apart to "
                            "measure on)")


def split_by_writer(extra: Extra, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices (train, held back from trained writers, unseen writers). Writers are chosen by a
    hash, so the same class splits the same way every time; at least one writer is unseen."""
    writers = sorted(set(extra.writer))
    order = sorted(writers, key=lambda w: hashlib.sha256(f"{seed}/{w}".encode()).hexdigest())
    n_unseen = min(max(1, round(len(writers) * UNSEEN_FRACTION)), len(writers) - 1)
    unseen = set(order[:n_unseen])
    rng = np.random.default_rng(seed)
    train, held, away = [], [], []
    for w in writers:
        idx = np.flatnonzero(extra.writer == w)
        if w in unseen:
            away.extend(idx)
            continue
        idx = rng.permutation(idx)
        k = int(round(len(idx) * HOLDBACK)) if len(idx) >= 3 else 0
        held.extend(idx[:k])
        train.extend(idx[k:])
    return np.array(train, int), np.array(held, int), np.array(away, int)


# --- measurement --------------------------------------------------------------------------------
def measure_inputs(exclude_writers: set[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The real-drawings benchmark's inputs (app path: 1,416 digits of the 26 measurement writers
    x 5 placements, seed 0), precomputed in data/unipen/measure-inputs.npz; `exclude_writers`
    leaves out writers that took part in the extra data (the stand-in class)."""
    with np.load(MEASURE_INPUTS, allow_pickle=False) as f:
        x, y, w = f["x"], f["y"], f["writer"].astype(str)
    keep = ~np.isin(w, list(exclude_writers or ()))
    return x[keep].astype(np.float32) / 1000.0, y[keep]


def make_measure_inputs(out: Path = MEASURE_INPUTS) -> None:
    """Build measure-inputs.npz exactly as benchmarks/real_drawings.py's app path sees them."""
    chosen = [d for d in drawings.load_drawings(UNIPEN) if drawings.writer_split(d.writer) == "measure"]
    x, y, w, p = app_inputs(chosen)
    np.savez_compressed(out, x=x, y=y, writer=w, placement=p)


def app_inputs(chosen: Sequence[drawings.Drawing]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each drawing in the 5 placements (seed 0), uploaded as the page does and preprocessed as the
    server does: the model's inputs x 1000 (uint16), labels, writers, placements."""
    import io

    xs, ys, ws, ps = [], [], [], []
    for placement in drawings.PLACEMENTS:
        for d, _s, img in drawings.renders(chosen, placement, seed=0):
            buf = io.BytesIO()
            img.save(buf, "PNG")
            try:
                x = preprocess.preprocess(buf.getvalue())
            except preprocess.EmptyDrawing:
                continue
            xs.append(np.rint(x * 1000).astype(np.int32))  # what the server gives the model, x1000
            ys.append(d.label)
            ws.append(d.writer)
            ps.append(placement)
    return (np.stack(xs).astype(np.uint16), np.array(ys, np.uint8), np.array(ws),
            np.array(ps))


def accuracy(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """The best digit's accuracy (a model with "not a digit" has an eleventh output: not a digit)."""
    return float((predict(x)[:, :10].argmax(1) == y).mean()) if len(y) else float("nan")


# --- training -----------------------------------------------------------------------------------
def replay_data(mnist_x: np.ndarray, mnist_y: np.ndarray, count: int, seed: int,
                not_digit: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """`count` images to replay: three quarters MNIST training images, a quarter pen-drawn digits
    of the UniPen *training* writers (never the measurement writers), rendered like the page.
    `not_digit` (a model with the eleventh class): a tenth are letters and drawn shapes instead,
    so fine-tuning on digits alone does not unlearn "not a digit"."""
    rng = np.random.default_rng(seed)
    n_none = count // 10 if not_digit else 0
    count -= n_none
    n_pen = count // 4
    pen = [d for d in drawings.load_drawings(UNIPEN) if drawings.writer_split(d.writer) == "train"]
    pick = rng.choice(len(pen), size=min(n_pen, len(pen)), replace=False)
    xs, ys = [], []
    placements = list(drawings.PLACEMENTS)
    for k, i in enumerate(pick):
        placement = placements[k % len(placements)]
        strokes = drawings.placed(pen[i], placement, rng)
        x = drawings.model_input(drawings.render(strokes, drawings.placement_pen(placement)))
        if x is None:
            continue
        xs.append(x)
        ys.append(pen[i].label)
    m = rng.choice(len(mnist_y), size=count - len(ys), replace=count - len(ys) > len(mnist_y))
    if n_none:
        from webapp.training import variety

        groups = variety.digit_groups()
        letters = [d for d in variety.load_letters() if variety.group_of(d.writer, groups) != "final"]
        items = [letters[int(i)] for i in rng.choice(len(letters), n_none - n_none // 4,
                                                     replace=False)]
        items += variety.shapes(n_none // 4, seed=seed + 1)
        nx, ny, _, _ = variety.render_inputs(items, seed)
        xs.extend(nx)
        ys.extend(ny.tolist())
    return (np.concatenate([mnist_x[m], np.stack(xs)]) if xs else mnist_x[m],
            np.concatenate([mnist_y[m].astype(np.int64), np.array(ys, np.int64)]))


def run(source: Path, extra_paths: Sequence[str], out: Path, *, epochs: int = EPOCHS,
        learning_rate: float = LEARNING_RATE, seed: int = 0, data: str | None = None,
        emit: Callable[[dict], None] = print,
        force: bool = False) -> dict:
    """Fine-tune `source` on the extra data; write out (.keras, .tflite, .json) atomically; return
    the card. `emit` receives progress events (dicts)."""
    started = time.perf_counter()
    extra = Extra.concat([load_extra(p, seed=seed) for p in extra_paths])
    check_enough(extra)
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists")
    source_card = {}
    if source.with_suffix(".json").is_file():
        source_card = json.loads(source.with_suffix(".json").read_text())
    warp = warp_of_card(source_card)  # refused here, before a minute of training, if unknown
    recorded = source_card.get("augmentation")
    warp_name = recorded.get("warp") if isinstance(recorded, dict) else None
    train_idx, held_idx, unseen_idx = split_by_writer(extra, seed)
    emit({"event": "start", "drawings": len(extra), "students": len(set(extra.writer)),
          "train": len(train_idx), "held_back": len(held_idx), "unseen": len(unseen_idx)})

    with quiet_native_output():
        import keras
        import tensorflow as tf

    from webapp.training import datasets
    from webapp.training import pipeline as training

    keras.utils.set_random_seed(seed)
    model = keras.saving.load_model(source)
    mnist = datasets.load_mnist(data)

    def predict(x: np.ndarray) -> np.ndarray:
        """uint8 images (ink 255) or floats in [0, 1] -> probabilities."""
        x = x.astype("float32") / 255.0 if x.dtype == np.uint8 else x
        return training.predict_batches(model, x)

    # Writers of the extra data never count in the real-drawings figure (a stand-in class made of
    # UniPen measurement writers would otherwise be measured on its own drawings).
    mx, my = measure_inputs(set(extra.writer))

    def scores() -> dict:
        return {
            "held_back": accuracy(predict, extra.x[held_idx], extra.y[held_idx]),
            "unseen_students": accuracy(predict, extra.x[unseen_idx], extra.y[unseen_idx]),
            "class_training_drawings": accuracy(predict, extra.x[train_idx], extra.y[train_idx]),
            "mnist_test": accuracy(predict, mnist.x_test, mnist.y_test),
            "real_drawings": accuracy(predict, mx, my),
        }

    before = scores()
    before_pred = predict(extra.x)[:, :10].argmax(1)
    emit({"event": "before", **before})

    # Frozen BatchNorm: its statistics stay those of the 80,000 images it was trained on.
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    shown = len(train_idx) * COPIES
    rx, ry = replay_data(mnist.x_train, mnist.y_train, shown * REPLAY, seed,
                         not_digit=model.output_shape[-1] == 11)
    x_fit = np.concatenate([np.repeat(extra.x[train_idx], COPIES, axis=0), rx])
    y_fit = np.concatenate([np.repeat(extra.y[train_idx], COPIES), ry])
    batch = 64
    steps = epochs * int(np.ceil(len(x_fit) / batch))
    model.compile(optimizer=keras.optimizers.Adam(
        keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=max(steps, 1))),
        loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    # The source's own ranges: a model trained on gentler warps is not taught on wilder ones.
    ds = training.pipeline(x_fit, y_fit, batch, augment_data=True, seed=seed, warp=warp)
    held_x = extra.x[held_idx].astype("float32")[..., None] / 255.0

    class Progress(keras.callbacks.Callback):
        def on_train_batch_end(self, step, logs=None):
            if step % 10 == 0:  # a live curve on the presenter's page
                emit({"event": "batch", "step": step, "loss": round(float(logs["loss"]), 4)})

        def on_epoch_end(self, epoch, logs=None):
            held = (float((model(held_x, training=False).numpy().argmax(1) == extra.y[held_idx])
                          .mean()) if len(held_idx) else None)
            emit({"event": "epoch", "epoch": epoch + 1, "epochs": epochs,
                  "loss": round(float(logs["loss"]), 4), "accuracy": round(float(logs["accuracy"]), 4),
                  "held_back_accuracy": held, "seconds": round(time.perf_counter() - started, 1)})

    train_started = time.perf_counter()
    model.fit(ds, epochs=epochs, verbose=0, shuffle=False, callbacks=[Progress()])
    train_seconds = time.perf_counter() - train_started
    after = scores()
    after_pred = predict(extra.x)[:, :10].argmax(1)
    emit({"event": "after", **after})

    measured = np.concatenate([held_idx, unseen_idx])
    fixed = [str(extra.ids[i]) for i in measured
             if before_pred[i] != extra.y[i] and after_pred[i] == extra.y[i]]
    broken = [str(extra.ids[i]) for i in measured
              if before_pred[i] == extra.y[i] and after_pred[i] != extra.y[i]]

    out.parent.mkdir(parents=True, exist_ok=True)
    training.save_model_atomic(model, out)
    tflite = out.with_suffix(".tflite")
    training.write_atomic(tflite, training.to_tflite(model))
    x_test = mnist.x_test[:2000].astype("float32") / 255.0
    agreement = training.litert_agreement(tflite, x_test, predict(x_test))
    card = {
        "name": out.stem,
        "architecture": source_card.get("architecture", "cnn"),
        # The same eleventh answer, rejected at the threshold cross-validation chose for the source.
        "not_digit": source_card.get("not_digit"),
        "output": source_card.get("output"),
        "parameters": int(model.count_params()),
        "finetuned_from": source.stem,
        "extra_data": {"files": [Path(p).name for p in extra_paths], "drawings": len(extra),
                       "students": len(set(extra.writer)), "trained_on": len(train_idx),
                       "held_back": len(held_idx), "unseen_students": int(len(set(
                           extra.writer[unseen_idx]))), "unseen_drawings": len(unseen_idx),
                       "split": "by student: a quarter of the students never trained on; a fifth "
                                "of every other student's drawings held back"},
        "recipe": {"epochs": epochs, "learning_rate": learning_rate, "schedule": "cosine to 0",
                   "optimizer": "adam", "batch_size": batch, "class_copies_per_epoch": COPIES,
                   "replay_per_class_image": REPLAY,
                   "replay": "MNIST training images (3/4) and UniPen training writers (1/4)"
                             + ("; a tenth letters and shapes (not a digit)"
                                if model.output_shape[-1] == 11 else ""),
                   "batchnorm": "frozen", "augmentation": True},
        # train.py's form, so a model taught again is taught with the same ranges
        "augmentation": {**({"warp": warp_name} if warp_name else {}), **asdict(warp)},
        "before": {k: round(v, 5) for k, v in before.items()},
        "after": {k: round(v, 5) for k, v in after.items()},
        "mnist_test_accuracy": round(after["mnist_test"], 5),
        "real_drawings_accuracy": round(after["real_drawings"], 5),
        "real_drawings_images": int(len(my)),
        "fixed": fixed, "broken": broken,
        "litert_vs_keras": agreement,
        "training_seconds": round(train_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
        "files": {"keras": out.name, "tflite": tflite.name,
                  "tflite_sha256": hashlib.sha256(tflite.read_bytes()).hexdigest()},
    }
    from webapp.training import explain_export

    explain_export.export(out)  # the class's model can be looked inside too
    training.write_json(out.with_suffix(".json"), card)
    emit({"event": "done", "model": out.stem, "seconds": card["total_seconds"]})
    return card


def describe(event: dict) -> str:
    """A progress event as a line people read."""
    kind = event.get("event")
    if kind == "start":
        return (f"{event['drawings']} drawings by {event['students']} students: training on "
                f"{event['train']}, holding back {event['held_back']}, {event['unseen']} by "
                "students kept apart")
    if kind in ("before", "after"):
        return (f"{kind:>6}: held back {event['held_back']:.2%} · unseen students "
                f"{event['unseen_students']:.2%} · MNIST {event['mnist_test']:.2%} · real "
                f"drawings {event['real_drawings']:.2%}")
    if kind == "batch":
        return f"  step {event['step']}: loss {event['loss']:.4f}"
    if kind == "epoch":
        held = event.get("held_back_accuracy")
        return (f"epoch {event['epoch']}/{event['epochs']}: loss {event['loss']:.4f}, accuracy "
                f"{event['accuracy']:.2%}" + (f", held back {held:.2%}" if held is not None else ""))
    return json.dumps(event)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--from", dest="source", required=True, help="the .keras model to start from")
    p.add_argument("--extra-data", nargs="+", required=True,
                   help="classroom exports (.jsonl, .npz) or UniPen strokes (.jsonl.gz)")
    p.add_argument("--out", required=True, help="NAME.keras; .tflite and .json beside it")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", default=None, help="MNIST .npz (default: find it, see train.py)")
    p.add_argument("--force", action="store_true")
    p.add_argument("--progress", default=None, help="also append the JSON-lines progress here")
    args = p.parse_args(argv)
    progress = open(args.progress, "a", buffering=1) if args.progress else None  # noqa: SIM115

    def emit(event: dict) -> None:
        line = json.dumps({**event, "time": time.time()})
        print(line, flush=True)
        if progress:
            progress.write(line + "\n")

    # A cancel (SIGTERM) ends the run at once; nothing half-written is left (atomic writes).
    signal.signal(signal.SIGTERM, lambda *_: (emit({"event": "cancelled"}), os._exit(3)))
    try:
        run(Path(args.source), args.extra_data, Path(args.out), epochs=args.epochs,
            learning_rate=args.learning_rate, seed=args.seed, data=args.data, force=args.force,
            emit=emit)
    except (NotEnoughData, FileExistsError) as exc:
        emit({"event": "error", "message": str(exc)})
        return 2
    except Exception as exc:  # reported to the presenter's page, then re-raised for the log
        emit({"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
