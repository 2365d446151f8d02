"""Augmentation's ranges (webapp.training.pipeline.Warp): the warp asked for is the warp applied."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from webapp.training import pipeline, warps  # noqa: E402


def batch() -> "tf.Tensor":
    rng = np.random.default_rng(3)
    x = np.zeros((32, 28, 28, 1), np.float32)
    x[:, 6:22, 12:16] = 1.0  # a bar, a one
    x[:, 6:9, 8:20] = rng.random((32, 3, 12, 1)).astype(np.float32)
    x[:, 6, 8] = 1.0
    return tf.constant(x)


def test_a_warp_of_nothing_leaves_every_drawing_as_it_is():
    still = warps.Warp(rotate_degrees=0, scale=(1.0, 1.0), shear=0, shift_px=0, elastic_px=0,
                          thickness=0, unchanged_fraction=0)
    x = batch()
    out = pipeline.augment(x, tf.constant([1, 2], tf.int64), still).numpy()
    np.testing.assert_allclose(out, x.numpy(), atol=1e-5)


def test_wider_ranges_move_drawings_further():
    x = batch()
    moved = {name: float(np.abs(pipeline.augment(x, tf.constant([0, 9], tf.int64), warp).numpy()
                                - x.numpy()).mean())
             for name, warp in warps.WARPS.items()}
    assert moved["strong"] > 1.2 * moved["shipped"] > 1.2 * moved["gentle"] > 0


def test_every_warp_can_be_asked_for_by_name():
    import train

    assert set(train.WARP_NAMES) == set(warps.WARPS)
    assert train.parse_args(["--warp", "strong"]).warp == "strong"
    assert train.parse_args([]).warp == "shipped"
