#!/usr/bin/env python3
"""Train, evaluate and save a digit classifier — read it top to bottom like keras.io's
"Simple MNIST convnet": data, model, training, evaluation, saving.

    python train.py                          # the shipped recipe, written to runs/cnn.keras
    python train.py --out models/cnn.keras --force   # ... replacing the shipped model
    python train.py --limit 512 --epochs 3 --out /tmp/quick.keras   # a quick run
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import re
import shlex
import sys
import time
from dataclasses import asdict
from pathlib import Path

# oneDNN made CNN training 25-30% faster on a 2-core CPU; logs at INFO level are noise here.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent
# The names the server offers (webapp.classifier.NAME), repeated so `--help` needs no import.
MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_OUT = "runs/{arch}.keras"  # defaults are relative to this file's folder, not the cwd
DEFAULT_REAL = "data/unipen/dev.jsonl.gz"
# webapp.training.warps.WARPS, repeated so `--help` needs no import (webapp imports Flask)
WARP_NAMES = ("shipped", "strong", "elastic", "gentle")
# --styles -> the rendered kind (webapp.training.variety) of the second copy of the real digits;
# here rather than in variety, whose import (NumPy, Pillow, Flask) would slow --help many times over.
STYLE_KINDS = {"none": "digits", "narrow": "styled", "wide": "styled-wide", "theta": "styled-theta",
               "float": "styled-float", "theta-float": "styled-float-theta",
               "curl": "styled-float-theta-curl", "jitter": "styled-jitter"}

# The half of variety.rendered("shapes") that is never measured: all of it trains by default.
SHAPES = 4000


def recipe_of_run(styles: str, lookalikes: str | None, scribbles: int, shapes: int) -> str | None:
    """The cross-validation recipe (and so the threshold) of a run with these --styles,
    --lookalikes, --scribbles and --shapes: what a run's arguments or its card's data say."""
    from webapp.training import crossval

    return crossval.recipe_for(STYLE_KINDS[styles], lookalikes,
                               "scribbles" if scribbles else None, shapes < SHAPES)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--arch", default="cnn", choices=["cnn", "simple", "mlp", "lenet5"],
                   help="cnn: the shipped model; simple: keras.io's convnet; mlp: dense only; "
                        "lenet5: LeCun et al. 1998")
    p.add_argument("--epochs", type=int, default=20,
                   help="passes over the training data (the shipped recipe's: README, 'Twenty "
                        "epochs')")
    p.add_argument("--batch-size", type=int, default=128,
                   help="images per gradient step on one device; with several replicas the global "
                        "batch is this times their number, and the learning rate is scaled alike")
    p.add_argument("--optimizer", default="adam", choices=["adam", "sgd"],
                   help="adam, or sgd with Nesterov momentum 0.9")
    p.add_argument("--learning-rate", type=float, default=None,
                   help="peak learning rate (cosine decay to 0); default 2e-3 for adam, 0.05 for "
                        "sgd, 5e-4 with --finetune")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                   help="rotation, scale, shear, shift, elastic and stroke-thickness changes")
    p.add_argument("--warp", default="shipped", choices=WARP_NAMES,
                   help="augmentation's ranges (webapp.training.warps.WARPS; the others are "
                        "cross-validated against the shipped ones in the README, and not shipped)")
    p.add_argument("--real", default=DEFAULT_REAL,
                   help="pen-drawn digits (JSON lines of strokes) rendered as extra training data; "
                        "never the writers of the final group (webapp.training.variety."
                        "writer_groups); 'none' to skip")
    p.add_argument("--with-final-group", action="store_true",
                   help="train on the final group's writers too: for the shipped model, once the "
                        "recipe has been measured on them untouched (README, 'Recognition beyond "
                        "one clean digit'); every figure on those writers is then a training one")
    p.add_argument("--real-copies", type=int, default=2, choices=[1, 2],
                   help="renders of each real drawing per placement: as drawn, and (2) again with "
                        "--styles of the zeros, ones and sevens restyled")
    p.add_argument("--lookalikes", default=None, metavar="LETTERS",
                   help="also train on these pen-drawn letters, drawn like a digit, as that digit "
                        "(of O o -> 0, I -> 1, q g -> 9: data/unipen-letters/lookalikes.jsonl.gz, "
                        "writers outside the final group unless --with-final-group); "
                        "cross-validated as look11 (OoIqg) and look11-Iqg, and not shipped")
    p.add_argument("--scribbles", type=int, default=0, metavar="N",
                   help="also teach 'not a digit' with N more scribbles of three kinds (scribbled, "
                        "scrawled over, coloured in: webapp/training/variety.py's scribbles), "
                        "drawn from the half never measured (at most 2,000); cross-validated as "
                        "scribble11 with 1,500 a run, whose threshold the card then takes")
    p.add_argument("--shapes", type=int, default=SHAPES, metavar="N",
                   help="drawn lines, dots, scribbles and shapes taught as 'not a digit', from the "
                        f"half never measured (at most {SHAPES:,}, the default); fewer, with "
                        "--scribbles, gives part of their place to scribbles (cross-validated as "
                        "swap11: half of each)")
    p.add_argument("--styles", default="theta-float", choices=list(STYLE_KINDS),
                   help="the second copy restyles zeros, ones and sevens the way MNIST never shows "
                        "them: slashes through zeros, flags (and feet) on ones, bars across sevens "
                        "(webapp/training/variety.py); wide: longer flags on half of them, narrow: "
                        "shorter on a third, theta: wide, and two in five of the other zeros "
                        "barred (θ), float: wide, and half the fives with a floating bar, "
                        "theta-float: float, and theta's barred zeros, curl: theta-float, and "
                        "two in five nines with a tail hooked to the left (tried, rejected), "
                        "jitter: float, and half the drawings of several strokes with each "
                        "stroke moved on its own (tried, not shipped); "
                        "writer-grouped cross-validation chose float over wide (by 0.22 points "
                        "over three seeds), then theta-float at 20 epochs over float (no cost on the "
                        "folds, fewer real digits rejected at its threshold)")
    p.add_argument("--not-digit", action=argparse.BooleanOptionalAction, default=True,
                   help="an eleventh class, 'not a digit', taught with pen-drawn letters "
                        "(data/unipen-letters) and drawn lines, dots, scribbles and shapes")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "gpu"],
                   help="auto: a GPU when TensorFlow sees one; cpu: hide GPUs; gpu: fail without one")
    p.add_argument("--strategy", default="auto", choices=["auto", "default", "mirrored", "multiworker"],
                   help="tf.distribute: default = one device; mirrored = MirroredStrategy over the "
                        "local GPUs (or --devices); multiworker = MultiWorkerMirroredStrategy from "
                        "TF_CONFIG; auto = mirrored when more than one GPU is visible")
    p.add_argument("--devices", default=None,
                   help="with --strategy mirrored: devices, e.g. /gpu:0,/gpu:1, or cpu:2 for two "
                        "logical CPU devices (how the tests run it without GPUs)")
    p.add_argument("--backup-dir", default=None,
                   help="keras BackupAndRestore folder: a run (or a worker) killed and restarted "
                        "with the same command resumes from its last epoch (default for multiworker: "
                        "beside --out)")
    p.add_argument("--seed", type=int, default=1, help="same seed, same model")
    p.add_argument("--out", default=DEFAULT_OUT, help="NAME.keras; .tflite, .json and plots are "
                   "written beside it. In models/ the server offers it as NAME")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--mnist-floor", type=float, default=None, metavar="FRACTION",
                   help="keep --out as it is unless the new model scores at least this on MNIST "
                        "test (right and not rejected, for a model with 'not a digit'); a model "
                        "under it is saved in below-floor/ beside --out, and train.py exits 3. "
                        "make train passes 0.995, issue 15's floor")
    p.add_argument("--limit", type=int, default=None,
                   help="train and test on the first N images only (quick runs)")
    p.add_argument("--data", default=None,
                   help="MNIST .npz (uint8 x_train, y_train, x_test, y_test); default: find it")
    p.add_argument("--tensorboard", default=None, metavar="DIR", help="write TensorBoard logs")
    p.add_argument("--finetune", default=None, metavar="FROM.keras",
                   help="continue training this model on --extra-data, with a replay of MNIST and "
                        "pen-drawn digits (webapp/training/finetune.py explains the recipe)")
    p.add_argument("--extra-data", nargs="+", default=None, metavar="FILE",
                   help="with --finetune: classroom exports (.jsonl, .npz) or UniPen strokes "
                        "(.jsonl.gz), split by student for an honest before/after")
    args = p.parse_args(argv)
    if args.out == DEFAULT_OUT:
        args.out = str(ROOT / DEFAULT_OUT.format(arch=args.arch))
    if args.real == DEFAULT_REAL:
        args.real = str(ROOT / DEFAULT_REAL)
    # Everything that can be checked before minutes of training is checked now.
    out = Path(args.out)
    if out.suffix != ".keras":
        p.error(f"--out {args.out}: the file name must end in .keras (e.g. models/mine.keras)")
    if not MODEL_NAME.match(out.stem):
        p.error(f"--out {args.out}: the server only offers models named with a-z, 0-9, _ and - "
                "(starting with a letter or digit, at most 64 characters); e.g. models/my-cnn.keras")
    if out.exists() and not args.force:
        p.error(f"--out {args.out} exists; pass --force to replace it, or choose another name")
    if args.tensorboard:
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            p.error("--tensorboard needs the tensorboard package: pip install -e '.[train]'")
    if args.mnist_floor is not None and not 0 < args.mnist_floor <= 1:
        p.error(f"--mnist-floor {args.mnist_floor}: a fraction, e.g. 0.995")
    if args.epochs < 1 or args.batch_size < 1 or (args.limit is not None and args.limit < 1):
        p.error("--epochs, --batch-size and --limit must be at least 1")
    if bool(args.finetune) != bool(args.extra_data):
        p.error("--finetune FROM.keras and --extra-data FILE ... go together")
    for f in [args.finetune, *(args.extra_data or [])]:
        if f and not Path(f).is_file():
            p.error(f"{f}: no such file")
    if args.real != "none" and not Path(args.real).is_file():
        p.error(f"--real {args.real}: no such file ('none' to train on MNIST only)")
    if not 0 <= args.scribbles <= 2000:
        p.error("--scribbles: 0 to 2000 (the half of the scribbles that is never measured)")
    if not 0 <= args.shapes <= SHAPES:
        p.error(f"--shapes: 0 to {SHAPES} (the half of the shapes that is never measured)")
    if args.shapes != SHAPES and not args.not_digit:
        p.error("--shapes teaches 'not a digit': not with --no-not-digit")
    if args.scribbles and not args.not_digit:
        p.error("--scribbles teaches 'not a digit': not with --no-not-digit")
    if args.lookalikes:
        from webapp.training.variety import AS_DIGIT

        if set(args.lookalikes) - set(AS_DIGIT):
            p.error(f"--lookalikes {args.lookalikes}: letters among {' '.join(AS_DIGIT)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = shlex.join([Path(sys.argv[0]).name, *(sys.argv[1:] if argv is None else argv)])
    if args.finetune:
        return finetune(args)

    from webapp.training.quiet import quiet_native_output

    with quiet_native_output():  # "oneDNN custom operations are on…" and absl's preamble
        import keras
        import numpy as np
        import tensorflow as tf

    from webapp.training import architectures, datasets
    from webapp.training import pipeline as training

    # --- device and determinism -----------------------------------------------------------------
    try:
        device = training.select_device(args.device)
    except training.DeviceUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Device: {device} (--device {args.device})")
    try:
        dist = training.select_strategy(args.strategy, args.devices)
    except training.DeviceUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    strategy, replicas = dist.strategy, dist.strategy.num_replicas_in_sync
    print(f"Strategy: {dist.description} ({replicas} replica{'s' * (replicas > 1)})")
    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()

    # --- data -----------------------------------------------------------------------------------
    try:
        mnist = datasets.load_mnist(args.data, log=print)
    except datasets.DataUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    x_train, y_train, x_test, y_test = mnist.arrays()
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
        x_test, y_test = x_test[: args.limit], y_test[: args.limit]
    # Validation: the last 1/12 of MNIST's training set (5,000 of 60,000), never trained on.
    n_val = max(len(x_train) // 12, 1)
    x_val, y_val = x_train[-n_val:], y_train[-n_val:]
    x_fit, y_fit = x_train[:-n_val], y_train[:-n_val]
    real_count = none_count = 0
    if args.real != "none":
        x_real, y_real = variety_data(args, "digits", log=print)
        if args.real_copies == 2:
            x2, y2 = variety_data(args, STYLE_KINDS[args.styles], log=print, seed=1)
            x_real, y_real = np.concatenate([x_real, x2]), np.concatenate([y_real, y2])
        if args.lookalikes:
            x3, y3 = lookalike_data(args, log=print)
            x_real, y_real = np.concatenate([x_real, x3]), np.concatenate([y_real, y3])
        real_count = len(x_real)
        x_fit, y_fit = np.concatenate([x_fit, x_real]), np.concatenate([y_fit, y_real])
    if args.not_digit:
        x_none, y_none = not_digit_data(args, log=print)
        none_count = len(x_none)
        x_fit, y_fit = np.concatenate([x_fit, x_none]), np.concatenate([y_fit, y_none])
    print(f"Training on {len(x_fit)} images ({real_count} rendered real drawings, {none_count} "
          "not digits), "
          f"validating on {len(x_val)}, testing on {len(x_test)}")
    # Several replicas: the global batch grows with them (each device keeps --batch-size) and the
    # learning rate follows linearly (Goyal et al., 2017), as TensorFlow's distribution guide does.
    global_batch = args.batch_size * replicas
    train_ds = training.pipeline(x_fit, y_fit, global_batch, augment_data=args.augment,
                                 seed=args.seed, shard=replicas > 1,
                                 warp=training.WARPS[args.warp])
    val_ds = training.pipeline(x_val, y_val, 1024, augment_data=False, seed=0, shuffle=False,
                               shard=replicas > 1)

    # --- model ----------------------------------------------------------------------------------
    steps = args.epochs * int(np.ceil(len(x_fit) / global_batch))
    peak = (args.learning_rate or (2e-3 if args.optimizer == "adam" else 0.05)) * replicas
    with strategy.scope():  # variables mirrored on every replica
        model = architectures.build(args.arch, classes=11 if args.not_digit else 10)
        schedule = keras.optimizers.schedules.CosineDecay(peak, decay_steps=max(steps, 1))
        optimizer = (keras.optimizers.Adam(schedule) if args.optimizer == "adam"
                     else keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True))
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    if dist.chief:
        model.summary()

    # --- training -------------------------------------------------------------------------------
    callbacks = []
    if args.tensorboard and dist.chief:
        callbacks.append(keras.callbacks.TensorBoard(args.tensorboard))
    backup = args.backup_dir or (str(Path(args.out).with_suffix(".backup"))
                                 if args.strategy == "multiworker" else None)
    started = time.perf_counter()
    if args.strategy == "multiworker":
        # Keras 3's fit does not run under MultiWorkerMirroredStrategy: TensorFlow's custom
        # training loop does, with a checkpoint per epoch to resume from.
        from webapp.training import distributed

        history = distributed.fit(strategy, model, optimizer, train_ds, x_val, y_val,
                                  epochs=args.epochs, global_batch=global_batch,
                                  backup_dir=backup, chief=dist.chief, task_id=dist.task_id,
                                  log=lambda line: print(line, flush=True))
    else:
        if backup:
            # Saved at every epoch's end; a restarted run resumes there, and the folder is removed
            # when training completes.
            callbacks.append(keras.callbacks.BackupAndRestore(backup))
        # The pipeline shuffles already (tf.data); fit's own shuffle would only warn.
        history = model.fit(train_ds, epochs=args.epochs, validation_data=val_ds, shuffle=False,
                            callbacks=callbacks, verbose=1 if sys.stdout.isatty() else 2).history
    train_seconds = time.perf_counter() - started

    # --- evaluation -----------------------------------------------------------------------------
    probs = training.predict_batches(model, x_test.astype("float32") / 255.0)
    y_pred = probs[:, :10].argmax(1)  # the best digit, as /api/predict's "digit"
    accuracy = float((y_pred == y_test).mean())
    matrix = training.confusion(y_test, y_pred)
    per_class = {str(d): round(float(matrix[d, d] / max(matrix[d].sum(), 1)), 4) for d in range(10)}
    print(f"MNIST test accuracy: {accuracy:.4%} ({len(x_test)} images)")
    not_digit = None
    if args.not_digit:
        from webapp.training import crossval

        recipe = recipe_of_run(args.styles, args.lookalikes, args.scribbles, args.shapes)
        not_digit = crossval.not_digit_card(probs, y_test, recipe, none_count,
                                              epochs=args.epochs,
                                              warp=args.warp if args.augment else "shipped")
        print(f"MNIST test: {not_digit['mnist_test_rejected']:.2%} rejected as not a digit at "
              f"{not_digit['threshold']}; right and not rejected "
              f"{not_digit['mnist_test_accuracy_not_rejected']:.4%}")

    # --- saving ---------------------------------------------------------------------------------
    if not dist.chief:
        # Only the chief writes the model, the card and the .tflite; the others wait for it, so
        # no worker leaves the cluster while another still talks to it.
        print(f"Worker {dist.task}: training done; the chief writes the model.", flush=True)
        distributed.barrier(strategy)
        return 0
    out = Path(args.out)
    scored = not_digit["mnist_test_accuracy_not_rejected"] if not_digit else accuracy
    below_floor = args.mnist_floor is not None and scored < args.mnist_floor
    if below_floor:
        # The training is kept, but not where the server would serve it: the server lists
        # models/*.keras, not its subfolders.
        out = out.parent / "below-floor" / out.name
        print(f"MNIST test {scored:.2%} is under --mnist-floor {args.mnist_floor:.2%}: "
              f"{args.out} is left as it was; this model goes to {out}", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Each file is written aside and renamed into place: a killed run never leaves a half model
    # that the server would try to load.
    training.save_model_atomic(model, out)
    tflite = out.with_suffix(".tflite")
    training.write_atomic(tflite, training.to_tflite(model))
    from webapp.training import explain_export

    explain_export.export(out)  # NAME-explain.*: the inside view of this model (POST /api/explain)
    agreement = training.litert_agreement(tflite, x_test.astype("float32") / 255.0, probs)
    print(f"LiteRT gives Keras's answer on {agreement['same_digit']:.2%} of {len(x_test)} test images")
    stem = out.with_suffix("")
    plots = training.save_plots(history, matrix, stem)
    card = {
        "name": out.stem,
        "architecture": args.arch,
        "parameters": int(model.count_params()),
        "input": {"shape": [None, 28, 28, 1], "dtype": "float32", "range": [0, 1], "ink": 1},
        "output": ("11 softmax probabilities: index = digit, 10 = not a digit" if args.not_digit
                   else "10 softmax probabilities, index = digit"),
        "not_digit": not_digit,
        "optimizer": {"name": args.optimizer, "peak_learning_rate": peak,
                      "schedule": "cosine decay to 0"},
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "strategy": {"name": dist.description, "replicas": replicas, "global_batch": global_batch,
                     "learning_rate_scaled_by": replicas, "backup_dir": backup},
        "augmentation": ({"warp": args.warp, **asdict(training.WARPS[args.warp])} if args.augment
                         else None),
        "seed": args.seed,
        "data": {"source": mnist.source, "sha256": mnist.sha256,
                 "train": len(x_fit) - real_count - none_count,
                 "validation": len(x_val), "test": len(x_test), "limit": args.limit,
                 "real_drawings": {"file": Path(args.real).name if args.real != "none" else None,
                                   "writers": "all 72, the final group of "
                                              "webapp.training.variety.writer_groups included"
                                              if args.with_final_group else
                                              "all but the final group of "
                                              "webapp.training.variety.writer_groups",
                                   "images": real_count, "copies": args.real_copies,
                                   "styles": args.styles, "lookalike_letters":
                                   args.lookalikes or None},
                 "not_digit": none_count, "scribbles": args.scribbles,
                 "shapes": args.shapes},
        "mnist_test_accuracy": round(accuracy, 5),
        "litert_vs_keras": agreement,
        "per_class_accuracy": per_class,
        "confusion_matrix": matrix.tolist(),
        "history": {k: [round(float(v), 5) for v in vs] for k, vs in history.items()},
        "training_seconds": round(train_seconds, 1),
        "seconds_per_epoch": round(train_seconds / max(args.epochs, 1), 1),
        "device": device,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__,
                     "python": platform.python_version()},
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "files": {"keras": out.name, "tflite": tflite.name, "plots": plots,
                  "tflite_sha256": hashlib.sha256(tflite.read_bytes()).hexdigest()},
    }
    training.write_json(stem.with_suffix(".json"), card)
    if args.strategy == "multiworker":
        distributed.barrier(strategy)  # the other workers wait for the chief's files
    print(f"Saved {out}, {tflite.name}, {stem.name}.json and {', '.join(plots)} "
          f"({train_seconds:.0f} s training, {card['seconds_per_epoch']} s/epoch)")
    return 3 if below_floor else 0


def _trains_on(args: argparse.Namespace, group: str | None) -> bool:
    """Whether a writer of this group (webapp.training.variety.writer_groups) is trained on."""
    return group != "final" or args.with_final_group


def variety_data(args: argparse.Namespace, kind: str, log, seed: int = 0):
    """Rendered real digits (as drawn, or restyled) of every writer outside the final group (or of
    every writer, --with-final-group)."""
    import numpy as np

    from webapp.training import variety

    if Path(args.real).resolve() != variety.DIGITS.resolve():
        from webapp.training import pipeline as training  # another file: the old writer split

        return training.real_drawings(args.real, seed=seed, limit=args.limit, log=log)
    groups = variety.digit_groups()
    if args.limit:  # a quick run: render only as many as it uses, no cache
        rng = np.random.default_rng([args.seed, seed])
        items = [d for d in variety.drawings.load_drawings(variety.DIGITS)
                 if _trains_on(args, groups[d.writer])][: args.limit]
        if kind in variety.STYLED:
            items = variety.styled(items, kind, rng)
        x, y, _, _ = variety.render_inputs(items, seed, list(variety.drawings.PLACEMENTS))
        return x, y
    got = variety.rendered(kind, seed=seed, log=log)
    keep = np.asarray([_trains_on(args, groups.get(w)) for w in got["writer"]])
    return got["x"][keep], got["y"][keep]


def lookalike_data(args: argparse.Namespace, log):
    """Letters drawn like a digit, as that digit (variety.AS_DIGIT), of the writers trained on."""
    import numpy as np

    from webapp.training import variety

    groups = variety.digit_groups()
    if args.limit:  # a quick run: a few, rendered now (no cache)
        items = [d for d in variety.load_lookalikes() if variety.letter_of(d.id) in args.lookalikes
                 and _trains_on(args, variety.group_of(d.writer, groups))][: args.limit // 4]
        x, y, _, _ = variety.render_inputs(items, 0)
        return x, y
    got = variety.rendered("lookalikes", log=log)
    keep = np.asarray([_trains_on(args, variety.group_of(w, groups))
                       and variety.letter_of(i) in args.lookalikes
                       for w, i in zip(got["writer"], got["id"])], dtype=bool)
    return got["x"][keep], got["y"][keep]


def not_digit_data(args: argparse.Namespace, log):
    """Letters (writers outside the final group, unless --with-final-group) and drawn shapes,
    labelled 'not a digit'."""
    import numpy as np

    from webapp.training import variety

    groups = variety.digit_groups()
    rng = np.random.default_rng([args.seed, 11])
    if args.limit:  # a quick run: the full recipe's share of them, rendered now (no cache)
        letters = [d for d in variety.load_letters()
                   if _trains_on(args, variety.group_of(d.writer, groups))]
        items = [letters[int(i)] for i in rng.choice(len(letters), args.limit, replace=False)]
        more = variety.scribbles(min(args.scribbles, args.limit // 8), args.seed)
        x, y, _, _ = variety.render_inputs(
            items + variety.shapes(args.limit * args.shapes // (4 * SHAPES), args.seed) + more, 0)
        return x, y
    letters, shapes = variety.rendered("letters", log=log), variety.rendered("shapes", log=log)
    idx = np.flatnonzero([_trains_on(args, variety.group_of(w, groups)) for w in letters["writer"]])
    idx = rng.choice(idx, min(variety.TRAIN_LETTERS, len(idx)), replace=False)
    half = len(shapes["x"]) // 2  # the second half is for measuring
    # fewer than all: a random choice, as cross-validation's
    sidx = np.arange(half) if args.shapes >= half else rng.choice(half, args.shapes, replace=False)
    x = np.concatenate([letters["x"][idx], shapes["x"][sidx]])
    y = np.concatenate([letters["y"][idx], shapes["y"][sidx]])
    if args.scribbles:
        more = variety.rendered("scribbles", log=log)
        # the first half: cross-validation measures the second
        pick = rng.choice(len(more["x"]) // 2, args.scribbles, replace=False)
        x, y = np.concatenate([x, more["x"][pick]]), np.concatenate([y, more["y"][pick]])
    return x, y


def finetune(args: argparse.Namespace) -> int:
    """--finetune: the class's drawings, mixed with a replay, split by student for the figures."""
    from webapp.training import finetune as ft

    epochs = args.epochs if "--epochs" in sys.argv else ft.EPOCHS
    rate = args.learning_rate or ft.LEARNING_RATE
    try:
        card = ft.run(Path(args.finetune), args.extra_data, Path(args.out), epochs=epochs,
                      learning_rate=rate, seed=args.seed, data=args.data, force=args.force,
                      emit=lambda e: e["event"] == "batch" or print(ft.describe(e), flush=True))
    except ft.NotEnoughData as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Saved {args.out} ({card['total_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
