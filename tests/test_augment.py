"""Augmentation's ranges (webapp.training.pipeline.Warp): the warp asked for is the warp applied."""

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from webapp.training import pipeline, warps  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


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


def test_a_cards_ranges_are_the_warp_it_was_trained_with():
    gentle = warps.WARPS["gentle"]
    written = {"warp": "gentle", **asdict(gentle)}  # what train.py writes
    assert warps.warp_of_card({"augmentation": json.loads(json.dumps(written))}) == gentle
    assert warps.warp_of_card({"augmentation": {"warp": "strong"}}) == warps.WARPS["strong"]
    # cards from before the ranges had names: the ranges alone are enough
    assert warps.warp_of_card({"augmentation": asdict(gentle)}) == gentle
    shipped = json.loads((ROOT / "models" / "cnn.json").read_text())
    assert warps.warp_of_card(shipped) == pipeline.SHIPPED_WARP
    for unknown in ({}, {"augmentation": None}, {"augmentation": True}):
        assert warps.warp_of_card(unknown) == warps.WARPS["shipped"]
    with pytest.raises(ValueError, match="swirl"):
        warps.warp_of_card({"augmentation": {"swirl": 3.0}})
    with pytest.raises(ValueError, match="wild"):
        warps.warp_of_card({"augmentation": {"warp": "wild"}})
