"""What train.py needs beyond Keras itself: augmentation that mimics canvas drawings, the input
pipeline, real drawings as training data, device choice, and the model card.

Imports TensorFlow; the web server never imports this module.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from webapp import preprocess
from webapp.training import datasets, drawings
from webapp.training.quiet import quiet_native_output
from webapp.training.warps import WARPS, Warp

# --- augmentation -----------------------------------------------------------------------------
# One random warp per image: rotation, scale, shear and shift (an affine map) plus a smooth elastic
# field, sampled bilinearly in one pass; then a random stroke-thickness change. All vectorised over
# the batch so two CPU cores keep up with the convolutions.


SHIPPED_WARP = WARPS["shipped"]  # WARPS and Warp: webapp.training.warps


def _bilinear(images: tf.Tensor, ys: tf.Tensor, xs: tf.Tensor) -> tf.Tensor:
    """Sample images (B,H,W) at float coordinates (B,H,W); outside the frame is 0 (background)."""
    b, h, w = tf.shape(images)[0], tf.shape(images)[1], tf.shape(images)[2]
    flat = tf.reshape(images, [-1])
    base = tf.reshape(tf.range(b) * h * w, [-1, 1, 1])
    y0, x0 = tf.floor(ys), tf.floor(xs)
    out = tf.zeros_like(ys)
    for dy in (0.0, 1.0):
        for dx in (0.0, 1.0):
            yi, xi = y0 + dy, x0 + dx
            weight = (1.0 - tf.abs(ys - yi)) * (1.0 - tf.abs(xs - xi))
            inside = (yi >= 0) & (yi <= tf.cast(h - 1, tf.float32)) & (xi >= 0) & (
                xi <= tf.cast(w - 1, tf.float32))
            idx = base + tf.cast(tf.clip_by_value(yi, 0, tf.cast(h - 1, tf.float32)), tf.int32) * w \
                + tf.cast(tf.clip_by_value(xi, 0, tf.cast(w - 1, tf.float32)), tf.int32)
            out += tf.where(inside, weight * tf.gather(flat, idx), 0.0)
    return out


def augment(x: tf.Tensor, seed: tf.Tensor, warp: Warp = SHIPPED_WARP) -> tf.Tensor:
    """x: (B,28,28,1) float32 in [0,1]; seed: shape (2,) int, so a run is reproducible."""
    b = tf.shape(x)[0]
    seeds = tf.random.experimental.stateless_split(seed, 8)

    def u(i: int, lo: float, hi: float, shape=None) -> tf.Tensor:
        return tf.random.stateless_uniform(shape if shape is not None else [b], seeds[i], lo, hi)

    rotate = math.radians(warp.rotate_degrees)
    angle = u(0, -rotate, rotate)
    scale = tf.exp(u(1, math.log(warp.scale[0]), math.log(warp.scale[1])))
    shear = u(2, -warp.shear, warp.shear)
    shift = u(3, -warp.shift_px, warp.shift_px, [b, 2])
    # Output pixel (v, u) around the centre samples the source at M @ (u, v) + centre - shift.
    c, s = tf.cos(angle) / scale, tf.sin(angle) / scale
    m00, m01, m10, m11 = c, -s + c * shear, s, c + s * shear
    grid = tf.range(28, dtype=tf.float32) - 13.5
    gy, gx = tf.meshgrid(grid, grid, indexing="ij")
    gx, gy = gx[None], gy[None]

    def col(t: tf.Tensor) -> tf.Tensor:
        return t[:, None, None]

    src_x = col(m00) * gx + col(m01) * gy + 13.5 - col(shift[:, 0])
    src_y = col(m10) * gx + col(m11) * gy + 13.5 - col(shift[:, 1])
    field = tf.random.stateless_normal([b, 4, 4, 2], seeds[4]) * warp.elastic_px
    field = tf.image.resize(field, [28, 28], method="bicubic")
    src_x += field[..., 0]
    src_y += field[..., 1]
    warped = _bilinear(x[..., 0], src_y, src_x)[..., None]

    t = col(u(5, -warp.thickness, warp.thickness))[..., None]
    dilated = tf.nn.max_pool2d(warped, 3, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-warped, 3, 1, "SAME")
    thick = warped + tf.nn.relu(t) * (dilated - warped) + tf.nn.relu(-t) * (eroded - warped)
    # Preprocessing scales every drawing to peak 1, so a thinned stroke is thin, not faint.
    thick /= tf.maximum(tf.reduce_max(thick, axis=[1, 2, 3], keepdims=True), 1e-3)
    keep = col(u(6, 0.0, 1.0))[..., None] < warp.unchanged_fraction
    return tf.clip_by_value(tf.where(keep, x, thick), 0.0, 1.0)


def pipeline(x: np.ndarray, y: np.ndarray, batch_size: int, *, augment_data: bool, seed: int,
             shuffle: bool = True, shard: bool = False,
             warp: Warp = SHIPPED_WARP) -> tf.data.Dataset:
    """uint8 images -> batches of float32 in [0,1] (augmented on the fly), prefetched. `shard`:
    under tf.distribute, every worker builds the same pipeline and reads its share of each batch
    (AutoShardPolicy.DATA: data held in memory has no files to split by)."""
    ds = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int32)))
    if shard:
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        ds = ds.with_options(options)
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)

    def to_float(images: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return tf.cast(images, tf.float32)[..., None] / 255.0, labels

    ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    if augment_data:
        counter = tf.data.Dataset.counter()
        ds = tf.data.Dataset.zip((counter, ds)).map(
            lambda i, xy: (augment(xy[0], tf.stack([tf.cast(seed, tf.int64), i]), warp), xy[1]),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return ds.prefetch(tf.data.AUTOTUNE)


# --- real drawings as training data -----------------------------------------------------------
def real_drawings(path: str | Path, split: str = "train", copies: int = 1, seed: int = 0,
                  limit: int | None = None, log=print) -> tuple[np.ndarray, np.ndarray]:
    """Render one side of the writer split in every placement, through the server's preprocessing.

    Returns uint8 28x28 images and labels, like MNIST, so they join the same pipeline. Cached: the
    key covers the strokes, the rendering and preprocessing code, and the pad constants.
    """
    key = hashlib.sha256(Path(path).read_bytes())
    for part in (preprocess.__file__, drawings.__file__, drawings.PAD_CONFIG):
        key.update(Path(part).read_bytes())
    key.update(f"{split}/{copies}/{seed}/{limit}".encode())
    cached = datasets.cache_dir() / f"real-{key.hexdigest()[:16]}.npz"
    if cached.is_file():
        with np.load(cached) as f:
            return f["x"], f["y"]
    chosen = [d for d in drawings.load_drawings(path) if drawings.writer_split(d.writer) == split]
    chosen = chosen[:limit] if limit else chosen
    log(f"Rendering {len(chosen)} real drawings x {len(drawings.PLACEMENTS)} placements x {copies}")
    images, labels = [], []
    for copy in range(copies):
        for placement in drawings.PLACEMENTS:
            for d, _strokes, img in drawings.renders(chosen, placement, seed=seed * 1000 + copy):
                x = drawings.model_input(img)
                if x is not None:
                    images.append(x)
                    labels.append(d.label)
    x, y = np.stack(images), np.asarray(labels, dtype=np.uint8)
    cached.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cached, x=x, y=y)
    return x, y


# --- device -------------------------------------------------------------------------------------
class DeviceUnavailable(RuntimeError):
    pass


def select_device(choice: str) -> str:
    """Apply --device before TensorFlow touches any device; returns what will be used."""
    gpus = tf.config.list_physical_devices("GPU")
    if choice == "cpu":
        tf.config.set_visible_devices([], "GPU")
        return "CPU"
    if choice == "gpu" and not gpus:
        raise DeviceUnavailable(
            "--device gpu: TensorFlow sees no GPU. Install the GPU build (pip install -e '.[gpu]'), "
            "check `nvidia-smi`, or use --device cpu / auto."
        )
    if gpus and choice in ("gpu", "auto"):
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU ({details.get('device_name', gpus[0].name)})"
    return "CPU"


@dataclass
class Distribution:
    strategy: tf.distribute.Strategy
    description: str
    chief: bool  # writes the model, the card and the .tflite
    task: str = "chief"
    task_id: int = 0


def select_strategy(choice: str, devices: str | None = None) -> Distribution:
    """--strategy: TensorFlow's own distribution (tf.distribute), never a home-made one. Called
    before any other TensorFlow work, as MultiWorkerMirroredStrategy requires."""
    if choice == "multiworker":
        if "TF_CONFIG" not in os.environ:
            raise DeviceUnavailable("--strategy multiworker needs TF_CONFIG (the cluster and this "
                                    "task), as https://www.tensorflow.org/guide/distributed_training "
                                    "describes; see the README's 'Training at scale'")
        resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
        strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
        task_type, task_id = resolver.task_type, resolver.task_id
        has_chief = "chief" in resolver.cluster_spec().as_dict()
        chief = task_type == "chief" or (task_type == "worker" and task_id == 0 and not has_chief)
        workers = len(resolver.cluster_spec().as_dict().get("worker", [])) + has_chief
        return Distribution(strategy, f"MultiWorkerMirroredStrategy, {workers} workers", chief,
                            f"{task_type}:{task_id}", int(task_id or 0))
    gpus = tf.config.list_physical_devices("GPU")
    if choice == "auto":
        choice = "mirrored" if len(gpus) > 1 else "default"
    if choice == "mirrored":
        names = None
        if devices and devices.startswith("cpu:"):
            # Logical CPU devices: MirroredStrategy's code path on a machine without GPUs.
            count = int(devices.split(":")[1])
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)])
            names = [f"/cpu:{k}" for k in range(count)]
        elif devices:
            names = [d.strip() for d in devices.split(",") if d.strip()]
        strategy = tf.distribute.MirroredStrategy(devices=names)
        return Distribution(strategy, f"MirroredStrategy over {', '.join(strategy.extended.worker_devices)}",
                            True)
    return Distribution(tf.distribute.get_strategy(), "default (one device)", True)


# --- evaluation and the model card --------------------------------------------------------------
def confusion(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    m = np.zeros((10, 10), dtype=np.int64)
    np.add.at(m, (y_true.astype(int), y_pred.astype(int)), 1)
    return m


def save_plots(history: dict, matrix: np.ndarray, stem: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, key in zip(axes, ("loss", "accuracy")):
        epochs = range(1, len(history[key]) + 1)
        ax.plot(epochs, history[key], "o-", label="train")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], "o-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    curves = stem.with_name(stem.name + "-curves.png")
    fig.savefig(curves, dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    for i in range(10):
        for j in range(10):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if i == j else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("MNIST test confusion matrix")
    fig.tight_layout()
    conf = stem.with_name(stem.name + "-confusion.png")
    fig.savefig(conf, dpi=100)
    plt.close(fig)
    return [curves.name, conf.name]


def to_tflite(model: tf.keras.Model) -> bytes:
    """The same weights as a LiteRT flatbuffer: what the web server runs (float32, no quantisation,
    so its answers match Keras's)."""
    # from_keras_model, not from_concrete_functions: the latter left the variables unbound in TF
    # 2.21 and the converted model answered NaN.
    with quiet_native_output(), contextlib.redirect_stdout(io.StringIO()):
        return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def write_atomic(path: Path, data: bytes) -> None:
    """Write beside `path`, fsync, then rename: readers see the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_model_atomic(model: tf.keras.Model, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.keras")
    model.save(tmp)
    os.replace(tmp, path)


def predict_batches(model: tf.keras.Model, x: np.ndarray, batch: int = 1024) -> np.ndarray:
    """(N, 28, 28) in [0, 1] -> (N, 10) probabilities. Direct calls rather than model.predict,
    whose tf.data pipeline logs a C++ warning that means nothing to a student."""
    x = x.reshape(-1, 28, 28, 1)
    return np.concatenate([model(x[i:i + batch], training=False).numpy()
                           for i in range(0, len(x), batch)] or [np.zeros((0, 10), np.float32)])


def litert_agreement(tflite: Path, x: np.ndarray, keras_probs: np.ndarray) -> dict:
    """Run the converted model, through the server's own classifier, on every test image: the
    server must give Keras's answers."""
    from webapp.classifier import LiteRTClassifier

    with quiet_native_output():  # LiteRT's "Created TensorFlow Lite XNNPACK delegate" line
        served = LiteRTClassifier(tflite)
    probs = np.stack([served.predict(img) for img in x])
    return {"images": len(x),
            "same_digit": round(float((probs.argmax(1) == keras_probs.argmax(1)).mean()), 6),
            "max_abs_probability_difference": float(np.abs(probs - keras_probs).max())}


def write_json(path: Path, data: dict) -> None:
    write_atomic(path, (json.dumps(data, indent=2) + "\n").encode())
