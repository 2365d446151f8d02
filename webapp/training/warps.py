"""Augmentation's ranges, named: what webapp.training.pipeline.augment draws each image's warp
from. Apart from the pipeline so cross-validation can name them without importing TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Warp:
    """How far augmentation moves a drawing: each image gets a draw from these ranges."""

    rotate_degrees: float = 12
    scale: tuple[float, float] = (0.85, 1.12)
    shear: float = 0.15
    shift_px: float = 2.0
    elastic_px: float = 1.0  # std of the displacement, in a field smooth over ~7 px
    thickness: float = 0.7  # blend weight towards a 3x3 dilation (>0) or erosion (<0)
    unchanged_fraction: float = 0.25  # images left as drawn, so the originals are seen too


# "shipped" were chosen on MNIST and the measurement writers; the others ask, by cross-validation
# (webapp.training.crossval --warp), whether writers never seen (their slants, proportions and
# wobble) are better met by wider ranges, by a wobblier field alone, or by narrower ranges.
WARPS = {"shipped": Warp(),
         "strong": Warp(rotate_degrees=15, scale=(0.8, 1.15), shear=0.3, elastic_px=1.6,
                        unchanged_fraction=0.15),
         "elastic": Warp(elastic_px=1.6),
         "gentle": Warp(rotate_degrees=8, scale=(0.9, 1.08), shear=0.1, shift_px=1.5,
                        elastic_px=0.7)}


def warp_of_card(card: dict) -> Warp:
    """The ranges a model was trained with, from its card (train.py writes them under
    "augmentation"), so that teaching it more moves drawings as its training did. A card from
    before the ranges were recorded, or of a model trained without augmentation, gets the shipped
    ranges. Raises ValueError for ranges this code cannot apply (a card edited by hand, or from a
    newer version)."""
    recorded = card.get("augmentation")
    if not isinstance(recorded, dict):
        return WARPS["shipped"]
    ranges = {k: v for k, v in recorded.items() if k != "warp"}
    if not ranges:
        name = recorded.get("warp", "shipped")
        if name not in WARPS:
            raise ValueError(f"the model's card names augmentation ranges {name!r}, "
                             f"not one of {sorted(WARPS)}")
        return WARPS[name]
    unknown = set(ranges) - {f.name for f in fields(Warp)}
    if unknown:
        raise ValueError(f"the model's card has augmentation ranges this code cannot apply: "
                         f"{sorted(unknown)}")
    if "scale" in ranges:
        ranges["scale"] = tuple(float(v) for v in ranges["scale"])
    return Warp(**ranges)
