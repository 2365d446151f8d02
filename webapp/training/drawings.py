"""Real pen-drawn digits as stroke trajectories, rendered the way the page renders them.

The page (static/js/pad.js) keeps every stroke as points in pad units (0..1) and uploads the drawing
re-rendered at a fixed size with the constants in static/pad.json. `render` does the same here, so the
benchmark and the training data see what the server sees when a person draws.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from webapp import paths

PAD_CONFIG = paths.STATIC / "pad.json"
DIGITS = paths.CHECKOUT / "data" / "unipen" / "dev.jsonl.gz"  # UniPen digits, see its README
SUPERSAMPLE = 4  # Pillow draws aliased lines; draw big, then average down like a canvas antialiases

Stroke = Sequence[tuple[float, float]]


@lru_cache(maxsize=1)
def pad_config() -> dict:
    return json.loads(PAD_CONFIG.read_text())


@dataclass(frozen=True)
class Drawing:
    id: str
    label: int
    writer: str
    site: str
    strokes: list[list[tuple[float, float]]]  # tablet units, bounding box at (0, 0), y down


def load_drawings(path: str | Path) -> list[Drawing]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [_row(json.loads(line)) for line in f if line.strip()]


def _row(r: dict) -> Drawing:
    strokes = [[(float(x), float(y)) for x, y in s] for s in r["strokes"]]
    return Drawing(r["id"], int(r["label"]), r["writer"], r["site"], strokes)


def place(strokes: list[list[tuple[float, float]]], size: float, cx: float, cy: float) -> list[Stroke]:
    """Scale strokes (keeping aspect) so the longer side is `size` pad units, centred at (cx, cy)."""
    pts = np.concatenate([np.asarray(s, dtype=np.float64) for s in strokes])
    lo, hi = pts.min(0), pts.max(0)
    span = max(float((hi - lo).max()), 1e-9)
    mid = (lo + hi) / 2
    k = size / span
    return [[((x - mid[0]) * k + cx, (y - mid[1]) * k + cy) for x, y in s] for s in strokes]


def smooth(stroke: Stroke, steps: int = 6) -> list[tuple[float, float]]:
    """Flatten the page's quadratic-midpoint path: quadraticCurveTo(p[i], mid(p[i], p[i+1]))."""
    if len(stroke) < 3:
        return list(stroke)
    out = [stroke[0]]
    start = stroke[0]
    for i in range(1, len(stroke) - 1):
        ctrl = stroke[i]
        end = ((stroke[i][0] + stroke[i + 1][0]) / 2, (stroke[i][1] + stroke[i + 1][1]) / 2)
        for j in range(1, steps + 1):
            t = j / steps
            a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t * t
            out.append((a * start[0] + b * ctrl[0] + c * end[0],
                        a * start[1] + b * ctrl[1] + c * end[1]))
        start = end
    out.append(stroke[-1])
    return out


def bounds(strokes: Sequence[Stroke]) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of all points, in pad units; None for no points."""
    pts = [p for s in strokes for p in s]
    if not pts:
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


WIDE = 1.25  # a drawing wider than this times its height is measured by its height


def extent(box: tuple[float, float, float, float]) -> float:
    """The size a drawing's pixels are scaled to (and a single digit's pen: pen_side): its longer
    side, except that a drawing wider than WIDE times its height (several digits side by side)
    counts as WIDE times its height, so each digit of a number gets about the pixels a single
    digit gets. A long flat stroke (a dash) counts as a sixth of its width. Same rule as extent()
    in static/js/pad.js."""
    w, h = box[2] - box[0], box[3] - box[1]
    return max(h, min(w, WIDE * h), w / 6)


def pen_side(box: tuple[float, float, float, float]) -> float:
    """The size the upload's pen is clamped against: the drawing's extent, except that several
    digits side by side (wider than WIDE times their height) are measured by their height, so each
    digit gets the pen a single digit of that height gets. (Measured by WIDE times the height, a
    small number's pen was a quarter thicker than its digits' alone, and their loops filled in.)
    A long flat dash still counts as a sixth of its width. Never more than the extent. Same rule
    as penSide() in static/js/pad.js."""
    w, h = box[2] - box[0], box[3] - box[1]
    return max(h, w / 6) if w > WIDE * h else extent(box)


def export_pen(strokes: Sequence[Stroke], pen_width: float) -> float:
    """The upload's pen width (pad units): the screen pen clamped to exportPenRange times the
    drawing's pen_side. Same rule as exportPenWidth() in static/js/pad.js."""
    box = bounds(strokes)
    if box is None:
        return pen_width
    lo, hi = pad_config()["exportPenRange"]
    side = pen_side(box)
    return min(max(pen_width, lo * side), hi * side)


def export_box(strokes: Sequence[Stroke], pen_width: float, size: float, aspect: float = 1.0
               ) -> tuple[int, int, int, int]:
    """The part of the export canvas the page uploads: the strokes' box, plus the round caps and
    2 px for anti-aliasing, within a pad `aspect` units wide. Same rule as exportBox() in
    static/js/pad.js."""
    box = bounds(strokes)
    right_end, bottom_end = math.ceil(size * aspect), math.ceil(size)
    if box is None:
        return 0, 0, right_end, bottom_end
    margin = pen_width * size / 2 + 2
    left, top, right, bottom = (v * size for v in box)
    return (max(0, math.floor(left - margin)), max(0, math.floor(top - margin)),
            min(right_end, math.ceil(right + margin)), min(bottom_end, math.ceil(bottom + margin)))


def export_scale(strokes: Sequence[Stroke], pen_width: float, size: float,
                 max_side: float | None = None) -> float:
    """Pixels per pad unit in the upload: `size` (exportSize), less for a drawing whose extent
    with the pen would pass exportMaxSide px. The server works at 80 px (preprocess.WORK): more
    pixels than that only cost decoding and resampling. Same rule as exportScale() in
    static/js/pad.js."""
    box = bounds(strokes)
    if box is None:
        return size
    side = extent(box) + pen_width
    max_side = max_side or pad_config()["exportMaxSide"]
    return min(size, max_side / side) if side > 0 else size


def export_geometry(strokes: Sequence[Stroke], pen_width: float | None = None,
                    size: float | None = None, *, max_side: float | None = None,
                    aspect: float = 1.0) -> tuple[float, float, tuple[int, int, int, int]]:
    """The page's upload of these strokes: its pen (pad units), pixels per pad unit and the box it
    crops to (`export_pen`, `export_scale`, `export_box`), from the screen pen and exportSize."""
    cfg = pad_config()
    pen = export_pen(strokes, pen_width if pen_width is not None else float(cfg["penWidth"]))
    scale = export_scale(strokes, pen, size or int(cfg["exportSize"]), max_side)
    return pen, scale, export_box(strokes, pen, scale, aspect)


def upload_strokes(strokes: Sequence[Stroke], pen_width: float | None = None,
                   size: float | None = None, aspect: float = 1.0) -> list[np.ndarray]:
    """The strokes in the pixels of `render(strokes)`'s image, as (n, 2) arrays: what the page
    sends beside its upload (static/js/pad.js, `Pad.uploadJSON`) and what
    webapp.recognition.recognise takes."""
    _, scale, (x0, y0, _, _) = export_geometry(strokes, pen_width, size, aspect=aspect)
    return [np.asarray(s, dtype=np.float64) * scale - (x0, y0) for s in strokes]


def render(strokes: Sequence[Stroke], pen_width: float | None = None, size: float | None = None,
           *, as_uploaded: bool = True, max_side: float | None = None, aspect: float = 1.0
           ) -> Image.Image:
    """Strokes in pad units (the pad's height is 1, its width `aspect`) -> an RGBA image like the
    page's upload (black ink, transparent):
    the pen clamped to the drawing's size, cropped to the drawing's box (`export_geometry`).

    `as_uploaded=False` gives the whole pad with the screen pen as it is: a raster drawn elsewhere
    (another app, a typical demo's canvas) that the server has to cope with on its own."""
    if as_uploaded:
        pen_width, size, (x0, y0, x1, y1) = export_geometry(
            strokes, pen_width, size, max_side=max_side, aspect=aspect)
    else:
        cfg = pad_config()
        size = size or int(cfg["exportSize"])
        pen_width = pen_width if pen_width is not None else float(cfg["penWidth"])
        x0, y0, x1, y1 = 0, 0, math.ceil(size * aspect), math.ceil(size)
    # Only the uploaded box is drawn (shifted to the origin, as pad.js does), never the whole pad.
    scale = size * SUPERSAMPLE
    dx, dy = x0 * SUPERSAMPLE, y0 * SUPERSAMPLE
    pen = pen_width * scale
    alpha = Image.new("L", ((x1 - x0) * SUPERSAMPLE, (y1 - y0) * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(alpha)
    r = pen / 2
    for stroke in strokes:
        pts = [(x * scale - dx, y * scale - dy) for x, y in smooth(stroke)]
        if len(pts) > 1:
            draw.line(pts, fill=255, width=max(1, round(pen)))
        for x, y in pts:  # round caps and joins
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    alpha = alpha.reduce(SUPERSAMPLE)
    img = Image.new("RGBA", alpha.size, (0, 0, 0, 0))
    img.putalpha(alpha)
    return img


# Placements a person actually uses, in pad units: (longest side, pen width). Positions are random
# but seeded, anywhere the digit fits. "thin"/"thick" are pen widths, not placements of their own.
PLACEMENTS: dict[str, dict] = {
    "large": {"size": (0.60, 0.80), "pen": None, "where": "centre"},
    "small": {"size": (0.20, 0.30), "pen": None, "where": "anywhere"},
    "offcentre": {"size": (0.35, 0.50), "pen": None, "where": "edge"},
    "thin-pen": {"size": (0.55, 0.80), "pen": 0.02, "where": "anywhere"},
    "thick-pen": {"size": (0.35, 0.55), "pen": 0.10, "where": "anywhere"},
}


def placement_pen(placement: str) -> float:
    """The screen pen (pad units) a placement is drawn with."""
    pen = PLACEMENTS[placement]["pen"]
    return pen if pen is not None else pad_config()["penWidth"]


def placed(d: Drawing, placement: str, rng: np.random.Generator) -> list[Stroke]:
    p = PLACEMENTS[placement]
    size = rng.uniform(*p["size"])
    pen = placement_pen(placement)
    margin = size / 2 + pen
    if p["where"] == "centre":
        cx, cy = 0.5 + rng.uniform(-0.05, 0.05, 2)
    elif p["where"] == "edge":  # pushed against a random side or corner
        cx, cy = (_edge(rng, margin) for _ in range(2))
    else:
        cx, cy = rng.uniform(margin, 1 - margin, 2)
    return place(d.strokes, size, float(cx), float(cy))


def _edge(rng: np.random.Generator, margin: float) -> float:
    return float(rng.choice([margin, 1 - margin]) if rng.random() < 0.7
                 else rng.uniform(margin, 1 - margin))


def renders(drawings: Sequence[Drawing], placement: str, seed: int = 0, as_uploaded: bool = True
            ) -> Iterator[tuple[Drawing, list[Stroke], Image.Image]]:
    rng = np.random.default_rng([seed, sum(map(ord, placement))])
    pen = placement_pen(placement)
    for d in drawings:
        strokes = placed(d, placement, rng)
        yield d, strokes, render(strokes, pen, as_uploaded=as_uploaded)


def model_input(img: Image.Image) -> np.ndarray | None:
    """A rendered drawing -> the 28x28 uint8 (ink 255) that the server's preprocessing gives the
    model; None for a drawing the server would call empty."""
    from webapp import preprocess

    try:
        x = preprocess.to_mnist(preprocess.ink_map(img))
    except preprocess.EmptyDrawing:
        return None
    return np.rint(x * 255).astype(np.uint8)


def writer_split(writer: str) -> str:
    """'measure' or 'train', stable by writer: the same person never lands on both sides."""
    h = int.from_bytes(hashlib.sha1(writer.encode()).digest()[:4], "big")
    return "measure" if h % 5 < 2 else "train"
