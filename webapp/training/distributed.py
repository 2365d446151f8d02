"""Training across machines with tf.distribute.MultiWorkerMirroredStrategy.

Keras 3's `model.fit` does not run under MultiWorkerMirroredStrategy (keras-team/keras#20585: it
fails converting PerReplica values), so several workers train with TensorFlow's own custom
training loop, as https://www.tensorflow.org/tutorials/distribute/multi_worker_with_ctl does:
`strategy.run` of one step on every replica, gradients all-reduced by the strategy, the loss
averaged over the global batch. Fault tolerance is `tf.train.CheckpointManager` at every epoch's
end: a worker that dies is restarted with the same command and every worker resumes from the chief's
last checkpoint. Every worker writes a checkpoint (saving reads mirrored variables collectively);
only the chief's folder is kept, the others write into temporary folders they delete.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tensorflow as tf


def fit(strategy: tf.distribute.Strategy, model: tf.keras.Model, optimizer, train_ds: tf.data.Dataset,
        x_val: np.ndarray, y_val: np.ndarray, *, epochs: int, global_batch: int,
        backup_dir: str | None, chief: bool, task_id: int, log: Callable[[str], None] = print
        ) -> dict[str, list[float]]:
    """Train `model` (built in `strategy.scope()`) on the sharded dataset; returns a Keras-like
    history. `train_ds` yields global batches; each worker reads its share."""
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(reduction="none")
    dist_ds = strategy.experimental_distribute_dataset(train_ds)
    with strategy.scope():
        epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False)
        checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=epoch_var)
    manager = None
    if backup_dir:
        # The chief's checkpoints are the ones to resume from; the others' are written aside.
        write_dir = Path(backup_dir) if chief else Path(tempfile.mkdtemp(
            prefix=f"digitpad-worker{task_id}-"))
        latest = tf.train.latest_checkpoint(backup_dir)
        if latest:
            checkpoint.restore(latest)
            log(f"Resumed from {latest} (epoch {int(epoch_var.numpy())} of {epochs} done)")
        manager = tf.train.CheckpointManager(checkpoint, str(write_dir), max_to_keep=1)

    @tf.function
    def train_step(batch):
        def step(x, y):
            with tf.GradientTape() as tape:
                probs = model(x, training=True)
                per_example = loss_fn(y, probs)
                loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
                loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses)) if model.losses else 0.0
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probs, 1, output_type=tf.int32),
                                                     tf.cast(y, tf.int32)), tf.float32))
            return loss, correct, tf.cast(tf.shape(y)[0], tf.float32)

        loss, correct, count = strategy.run(step, args=batch)
        total = lambda v: strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None)  # noqa: E731
        return total(loss), total(correct), total(count)

    history: dict[str, list[float]] = {"loss": [], "accuracy": [], "val_loss": [],
                                       "val_accuracy": []}
    x_val = x_val.astype("float32")[..., None] / 255.0
    while int(epoch_var.numpy()) < epochs:
        epoch = int(epoch_var.numpy())
        started = time.perf_counter()
        losses, correct, count = [], 0.0, 0.0
        for batch in dist_ds:
            loss, c, n = train_step(batch)
            losses.append(float(loss))
            correct += float(c)
            count += float(n)
        probs = np.concatenate([model(x_val[i:i + 1024], training=False).numpy()
                                for i in range(0, len(x_val), 1024)])
        val_loss = float(np.mean(loss_fn(y_val, probs).numpy()))
        val_acc = float((probs.argmax(1) == y_val).mean())
        for key, value in (("loss", float(np.mean(losses))), ("accuracy", correct / max(count, 1)),
                           ("val_loss", val_loss), ("val_accuracy", val_acc)):
            history[key].append(value)
        log(f"Epoch {epoch + 1}/{epochs} - {time.perf_counter() - started:.0f}s - loss "
            f"{history['loss'][-1]:.4f} - accuracy {history['accuracy'][-1]:.4f} - val_loss "
            f"{val_loss:.4f} - val_accuracy {val_acc:.4f}")
        epoch_var.assign_add(1)
        if manager:
            manager.save()
    if backup_dir:
        barrier(strategy)  # every worker has written its last checkpoint
        # Finished: like keras.callbacks.BackupAndRestore, nothing is left to resume from.
        shutil.rmtree(backup_dir if chief else write_dir, ignore_errors=True)
    return history


def barrier(strategy: tf.distribute.Strategy) -> None:
    """Every worker waits here for the others (one all-reduce), so none leaves while another
    still needs it."""
    @tf.function
    def together():
        return strategy.reduce(tf.distribute.ReduceOp.SUM,
                               strategy.run(lambda: tf.constant(1.0)), axis=None)

    together()
