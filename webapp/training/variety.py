"""What a single clean digit does not teach: writers grouped for honest figures, the writing styles
MNIST lacks (slashed zeros, flagged ones, crossed sevens), and drawings that are not digits.

Everything works on strokes (tablet or pad units, y down), before rendering, because that is where a
slash or a flag is drawn the way a person draws it. Training-only: the web server never imports it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from webapp import paths
from webapp.training import drawings
from webapp.training.drawings import Drawing, Stroke

NOT_DIGIT = 10  # the 11th class: "not a digit"
LETTERS = paths.CHECKOUT / "data" / "unipen-letters" / "letters.jsonl.gz"
# Letters that look like digits by nature (O o D Q ~ 0, I l i ~ 1, Z z ~ 2, S s ~ 5, G b ~ 6,
# g q ~ 9, B ~ 8): neither trained as "not a digit" nor counted when measuring rejection.
LOOKALIKES = frozenset("OoDQIliZzSsGbgqB")
# Of those, the ones a reader takes for the digit itself, from writers who drew no digits here:
# more writers' zeros, ones and nines (the 'lookalikes' kind; the look11 recipe).
LOOKALIKE_DIGITS = paths.CHECKOUT / "data" / "unipen-letters" / "lookalikes.jsonl.gz"
AS_DIGIT = {"O": 0, "o": 0, "I": 1, "q": 9, "g": 9}
FOLDS = 5


# --- writers ------------------------------------------------------------------------------------
def _hash(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "big")


def writer_groups(digits: Sequence[Drawing]) -> dict[str, str]:
    """Writer -> 'final' or 'fold0'..'fold4'. The final group: a third of the writers whose digits
    no earlier decision looked at (the 'train' side of drawings.writer_split), picked by a hash; it
    is measured once, at the end. The other writers are dealt into folds of about equal numbers of
    digits (largest writer first, to the fold with fewest), in an order fixed by a hash."""
    counts: dict[str, int] = {}
    for d in digits:
        counts[d.writer] = counts.get(d.writer, 0) + 1
    groups, sizes = {}, [0] * FOLDS
    for w in sorted(counts, key=lambda w: (-counts[w], _hash("fold:" + w))):
        if _final(w):
            groups[w] = "final"
            continue
        k = int(np.argmin(sizes))
        groups[w] = f"fold{k}"
        sizes[k] += counts[w]
    return groups


@lru_cache(maxsize=1)
def digit_groups() -> dict[str, str]:
    """writer_groups of data/unipen/ (read once per process)."""
    return writer_groups(drawings.load_drawings(DIGITS))


def _final(writer: str) -> bool:
    return drawings.writer_split(writer) == "train" and _hash("final:" + writer) % 3 == 0


def group_of(writer: str, groups: dict[str, str]) -> str:
    """A writer's group; writers who wrote no digits (letters only) by a hash."""
    if writer in groups:
        return groups[writer]
    return "final" if _final(writer) else f"fold{_hash('fold:' + writer) % FOLDS}"


# --- styles MNIST lacks -------------------------------------------------------------------------
Strokes = list[list[tuple[float, float]]]


def _line(a: tuple[float, float], b: tuple[float, float], n: int = 8) -> list[tuple[float, float]]:
    return [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for t in np.linspace(0, 1, n)]


def slash_zero(strokes: Strokes, rng: np.random.Generator) -> Strokes:
    """Ø: a stroke through the zero, mostly from lower left to upper right, past its edge."""
    x0, y0, x1, y1 = drawings.bounds(strokes)
    w, h = x1 - x0, y1 - y0
    over = rng.uniform(0.0, 0.2)
    a = (x0 - over * w + rng.uniform(0, 0.25) * w, y1 + over * h)
    b = (x1 + over * w - rng.uniform(0, 0.25) * w, y0 - over * h)
    if rng.random() < 0.2:  # the other diagonal
        a, b = (a[0], b[1]), (b[0], a[1])
    return [*strokes, _line(a, b)]


def bar_zero(strokes: Strokes, rng: np.random.Generator) -> Strokes:
    """θ: a bar across the middle of the zero, past both sides, nearly level."""
    x0, y0, x1, y1 = drawings.bounds(strokes)
    w, h = x1 - x0, y1 - y0
    y = y0 + h * rng.uniform(0.4, 0.6)
    tilt = h * rng.uniform(-0.06, 0.06)
    left, right = x0 - w * rng.uniform(0.05, 0.4), x1 + w * rng.uniform(0.05, 0.4)
    return [*strokes, _line((left, y + tilt), (right, y - tilt))]


FLAG = {"length": (0.2, 0.5), "angle": (15, 55), "foot": 0.3}  # see flag_one
FLAG_WIDE = {"length": (0.25, 0.65), "angle": (15, 65), "foot": 0.5}


def flag_one(strokes: Strokes, rng: np.random.Generator, flag: dict = FLAG) -> Strokes:
    """The European one: a flag from the top down to the left (`length` x the height, `angle`
    degrees below the horizontal), often in the same stroke, and sometimes (`foot`) a foot."""
    x0, y0, x1, y1 = drawings.bounds(strokes)
    h = y1 - y0
    first = strokes[0]
    top = min(first, key=lambda p: p[1])
    length = h * rng.uniform(*flag["length"])
    angle = math.radians(rng.uniform(*flag["angle"]))
    start = (top[0] - length * math.cos(angle), top[1] + length * math.sin(angle))
    stroke = _line(start, top, 6)
    out = [stroke[:-1] + list(first), *strokes[1:]] if first[0] == top else [stroke, *strokes]
    if rng.random() < flag["foot"]:
        bottom = max((p for s in strokes for p in s), key=lambda p: p[1])
        half = length * rng.uniform(0.6, 1.0)
        out.append(_line((bottom[0] - half, bottom[1]), (bottom[0] + half, bottom[1])))
    return out


def cross_seven(strokes: Strokes, rng: np.random.Generator) -> Strokes:
    """The continental seven: a bar across the stem, about half-way down."""
    x0, y0, x1, y1 = drawings.bounds(strokes)
    w, h = x1 - x0, y1 - y0
    y = y0 + h * rng.uniform(0.45, 0.62)
    near = [p[0] for s in strokes for p in s if abs(p[1] - y) < 0.08 * h]
    cx = float(np.mean(near)) if near else (x0 + x1) / 2
    half = max(w, 0.3 * h) * rng.uniform(0.2, 0.35)
    tilt = h * rng.uniform(-0.04, 0.04)
    return [*strokes, _line((cx - half, y + tilt), (cx + half, y - tilt))]


def float_five(strokes: Strokes, rng: np.random.Generator) -> Strokes:
    """A five whose bar floats: the bar, drawn as a stroke of its own, lifted clear of the body
    (a tenth to a third of the height) and often nudged right, as some people write it. A five
    drawn in one stroke stays as it is."""
    if len(strokes) < 2:
        return strokes
    x0, y0, x1, y1 = drawings.bounds(strokes)
    w, h = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)

    def flatness(s: list[tuple[float, float]]) -> float:
        xs, ys = [p[0] for p in s], [p[1] for p in s]
        return (max(xs) - min(xs)) - (max(ys) - min(ys))

    # The bar: the highest stroke wider than tall.
    bars = [i for i, s in enumerate(strokes) if flatness(s) > 0]
    if not bars:
        return strokes
    bar = min(bars, key=lambda i: float(np.mean([p[1] for p in strokes[i]])))
    dx, dy = w * rng.uniform(0.0, 0.2), -h * rng.uniform(0.1, 0.33)
    lifted = [(x + dx, y + dy) for x, y in strokes[bar]]
    return [lifted if i == bar else s for i, s in enumerate(strokes)]


JITTER = {"shift": 0.08, "scale": (0.85, 1.15), "turn": 8.0}  # see jitter_strokes


def jitter_strokes(strokes: Strokes, rng: np.random.Generator, jitter: dict = JITTER) -> Strokes:
    """Where another hand puts each stroke: every stroke of a drawing of several moved on its own
    (up to `shift` x the drawing's longer side each way), scaled and turned a little about its own
    centre. A 4's stem and bar, a 5's bar, a 7's crossbar, an 8 drawn in two: writers place them
    differently, and a rendered image cannot be taught that by moving pixels. One stroke: as is."""
    if len(strokes) < 2:
        return strokes
    x0, y0, x1, y1 = drawings.bounds(strokes)
    size = max(y1 - y0, x1 - x0, 1e-6)
    out = []
    for s in strokes:
        pts = np.asarray(s, dtype=np.float64)
        centre = pts.mean(0)
        a = math.radians(rng.uniform(-jitter["turn"], jitter["turn"]))
        k = rng.uniform(*jitter["scale"])
        turn = k * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        shift = rng.uniform(-jitter["shift"], jitter["shift"], 2) * size
        moved = (pts - centre) @ turn.T + centre + shift
        out.append([(float(x), float(y)) for x, y in moved])
    return out


CURL = {"start": (0.55, 0.7), "turn": (50.0, 120.0), "last": 110.0}  # see curl_nine


def curl_nine(strokes: Strokes, rng: np.random.Generator, curl: dict = CURL) -> Strokes:
    """A nine whose tail hooks to the left at its foot, bending more the further it goes (by
    `turn` degrees in all, from `start` of the height down), as some people write it and MNIST
    rarely shows: such nines are read as 3, 5 or 8. The stroke that reaches lowest holds the
    tail, whichever way it was drawn: its stretch below `start` that ends at its lowest point.
    No step of the tail turns past `last` degrees from straight down (further, it would climb
    back into a loop and draw an 8); a tail that cannot turn by at least `turn`'s lower end (too
    short, or already hooked) stays as it is."""
    _, y0, _, y1 = drawings.bounds(strokes)
    h = max(y1 - y0, 1e-6)
    tail = max(range(len(strokes)), key=lambda i: max(p[1] for p in strokes[i]))
    pts = np.asarray(strokes[tail], dtype=np.float64)
    upward = pts[0, 1] > pts[-1, 1]
    if upward:
        pts = pts[::-1]
    start = y0 + h * rng.uniform(*curl["start"])
    # the tail: the stretch below `start` that ends at the lowest point (what the pen did after
    # the lowest point, a flick, moves with it)
    end = int(np.argmax(pts[:, 1]))
    k = end
    while k > 0 and pts[k - 1, 1] >= start:
        k -= 1
    steps = np.diff(pts[k:end + 1], axis=0)
    lengths = np.hypot(steps[:, 0], steps[:, 1])
    if len(steps) < 2 or lengths.sum() <= 0:
        return strokes
    # y grows downwards: a positive turn takes "down" to "left"
    along = (np.cumsum(lengths) / lengths.sum()) ** 1.3
    heading = np.degrees(np.arctan2(-steps[:, 0], steps[:, 1]))
    room = float(np.min((curl["last"] - heading) / np.maximum(along, 1e-6)))
    turn = min(rng.uniform(*curl["turn"]), room)
    if turn < curl["turn"][0]:
        return strokes
    a = math.radians(turn) * along
    c, s = np.cos(a), np.sin(a)
    turned = np.stack([c * steps[:, 0] - s * steps[:, 1], s * steps[:, 0] + c * steps[:, 1]], 1)
    bent = pts[k] + np.cumsum(turned, 0)
    pts = np.concatenate([pts[:k + 1], bent, pts[end + 1:] + (bent[-1] - pts[end])])
    if upward:
        pts = pts[::-1]
    out = [(float(x), float(y)) for x, y in pts]
    return [out if i == tail else st for i, st in enumerate(strokes)]


STYLES = {0: slash_zero, 1: flag_one, 7: cross_seven}


class Style(NamedTuple):
    """How a rendered copy restyles the real digits. `share`: the share of zeros, ones and sevens
    drawn in the style MNIST lacks (STYLES). `wide`: longer, steeper flags on ones, and more feet
    (FLAG_WIDE). `theta`: that share of the zeros left as drawn barred (θ) instead. `floating`:
    that share of the fives with a floating bar (float_five). `jitter`: then that share of the
    drawings of several strokes with their strokes moved apart (jitter_strokes), never those of
    the digits in `unjittered`. `curl`: that share of the nines with a tail hooked to the left
    (curl_nine). theta, floating, jitter and curl each draw from a generator of their own, so
    every other drawing comes out exactly as without them."""

    share: float
    wide: bool = False
    theta: float = 0.0
    floating: float = 0.0
    jitter: float = 0.0
    unjittered: frozenset[int] = frozenset()
    curl: float = 0.0


def restyle(d: Drawing, rng: np.random.Generator, style: Style) -> Drawing:
    """The drawing as `style` restyles it (itself when it is left as drawn)."""
    out = _restyle(d, rng, style)
    if style.jitter and len(out.strokes) > 1 and d.label not in style.unjittered:
        own = np.random.default_rng([_hash("jitter:" + d.id), 1849])
        if own.random() < style.jitter:
            out = Drawing(d.id + "#styled", d.label, d.writer, d.site, jitter_strokes(out.strokes, own))
    return out


# Fives and nines: a style of their own (the Style field with its share), from a generator of
# their own (seeded by these).
OWN_STYLES = {5: ("floating", "float:", 1848, float_five), 9: ("curl", "curl:", 1850, curl_nine)}


def _restyle(d: Drawing, rng: np.random.Generator, how: Style) -> Drawing:
    field, salt, key, draw = OWN_STYLES.get(d.label, (None, "", 0, None))
    share = getattr(how, field) if field else 0.0
    if share:
        own = np.random.default_rng([_hash(salt + d.id), key])
        if own.random() >= share:
            return d
        return Drawing(d.id + "#styled", d.label, d.writer, d.site, draw(d.strokes, own))
    style = STYLES.get(d.label)
    if style is None:
        return d
    if rng.random() >= how.share:
        if not (how.theta and d.label == 0):
            return d
        rng = np.random.default_rng([_hash("theta:" + d.id), 1847])
        if rng.random() >= how.theta:
            return d
        style = bar_zero
    wide = how.wide and d.label == 1
    strokes = flag_one(d.strokes, rng, FLAG_WIDE) if wide else style(d.strokes, rng)
    return Drawing(d.id + "#styled", d.label, d.writer, d.site, strokes)


# --- things that are not digits -----------------------------------------------------------------
def _read_letters(path: str | Path, label_of) -> list[Drawing]:
    """The letters of a UniPen letters file that `label_of(letter)` gives a label (not None), the
    letter kept in the id after '|' (`letter_of`)."""
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            label = label_of(r["label"])
            if label is not None:
                strokes = [[(float(x), float(y)) for x, y in s] for s in r["strokes"]]
                out.append(Drawing(f"{r['id']}|{r['label']}", label, r["writer"], r["site"], strokes))
    return out


def letter_of(drawing_id: str) -> str:
    """The letter a drawing of `load_letters` or `load_lookalikes` is (from its id)."""
    return drawing_id.rsplit("|", 1)[-1]


def load_lookalikes(path: str | Path = LOOKALIKE_DIGITS) -> list[Drawing]:
    """Pen-drawn letters that are drawn like a digit (AS_DIGIT), labelled as that digit."""
    return _read_letters(path, AS_DIGIT.get)


def load_letters(path: str | Path = LETTERS, clear_only: bool = True) -> list[Drawing]:
    """Pen-drawn letters, labelled NOT_DIGIT."""
    return _read_letters(path, lambda c: None if clear_only and c in LOOKALIKES else NOT_DIGIT)


def _wobble(points: Iterable[tuple[float, float]], rng: np.random.Generator, amount: float
            ) -> list[tuple[float, float]]:
    """A hand is never a ruler: a smooth random displacement along the stroke."""
    pts = np.asarray(list(points), dtype=np.float64)
    if len(pts) < 2:
        return [tuple(p) for p in pts]
    t = np.linspace(0, 1, len(pts))
    for axis in (0, 1):
        k = rng.uniform(1, 3)
        pts[:, axis] += amount * rng.normal() * np.sin(math.pi * k * t + rng.uniform(0, math.pi))
    return [(float(x), float(y)) for x, y in pts]


def _polygon(corners: Sequence[tuple[float, float]], closed: bool = True) -> list[tuple[float, float]]:
    pts = list(corners) + ([corners[0]] if closed else [])
    out: list[tuple[float, float]] = []
    for a, b in zip(pts, pts[1:]):
        out += _line(a, b, 10)[:-1]
    return out + [pts[-1]]


def _shape(kind: str, rng: np.random.Generator) -> Strokes:
    """One drawing that is clearly not a digit, in unit coordinates (y down)."""
    u = rng.uniform
    if kind == "dash":  # a line nearer horizontal than vertical (a vertical one is a 1)
        a = math.radians(u(-30, 30))
        return [_line((0.5 - 0.5 * math.cos(a), 0.5 - 0.5 * math.sin(a)),
                      (0.5 + 0.5 * math.cos(a), 0.5 + 0.5 * math.sin(a)), 12)]
    if kind == "dots":
        n = int(rng.integers(2, 7))
        return [[(float(x), float(y))] for x, y in rng.uniform(0, 1, (n, 2))]
    if kind == "scribble":
        n = int(rng.integers(8, 24))
        ctrl = rng.uniform(0, 1, (n, 2))
        return [drawings.smooth([tuple(p) for p in ctrl], steps=4)]
    if kind == "zigzag":
        n = int(rng.integers(3, 8))
        amp = u(0.15, 0.5)
        return [[(i / (n * 2), 0.5 + amp * (-1) ** i) for i in range(n * 2 + 1)]]
    if kind == "wave":
        k = u(1.5, 4)
        return [[(t, 0.5 + u(0.1, 0.25) * math.sin(2 * math.pi * k * t)) for t in np.linspace(0, 1, 40)]]
    if kind == "triangle":
        return [_polygon([(u(0.3, 0.7), 0), (1, u(0.8, 1)), (0, u(0.8, 1))])]
    if kind == "square":
        w = u(0.6, 1)
        return [_polygon([(0, 0), (w, 0), (w, u(0.6, 1)), (0, u(0.6, 1))])]
    if kind == "star":
        pts = [(0.5 + 0.5 * math.sin(4 * math.pi * i / 5), 0.5 - 0.5 * math.cos(4 * math.pi * i / 5))
               for i in range(5)]
        return [_polygon(pts)]
    if kind == "plus":
        return [_line((0.5, 0), (0.5, 1)), _line((0, 0.5), (1, 0.5))]
    if kind == "hash":
        return [_line((0.35, 0), (0.3, 1)), _line((0.7, 0), (0.65, 1)),
                _line((0, 0.35), (1, 0.35)), _line((0, 0.68), (1, 0.68))]
    if kind == "equals":
        return [_line((0, 0.35), (1, 0.35)), _line((0, 0.65), (1, 0.65))]
    if kind == "hatching":
        n = int(rng.integers(3, 7))
        return [_line((i / n, 0), (i / n + 0.3, 1)) for i in range(n)]
    if kind == "arrow":
        return [_line((0, 0.5), (1, 0.5)), _line((0.75, 0.3), (1, 0.5), 5), _line((1, 0.5), (0.75, 0.7), 5)]
    if kind == "check":
        return [[*_line((0, 0.55), (0.35, 1), 6)[:-1], *_line((0.35, 1), (1, 0), 10)]]
    if kind == "heart":
        t = np.linspace(0, 2 * math.pi, 40)
        x = 16 * np.sin(t) ** 3
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        return [list(zip(((x + 17) / 34).tolist(), ((y + 17) / 34).tolist()))]
    if kind == "face":  # a circle alone is a zero; with eyes and a mouth it is not
        t = np.linspace(0, 2 * math.pi, 40)
        ring = list(zip((0.5 + 0.5 * np.cos(t)).tolist(), (0.5 + 0.5 * np.sin(t)).tolist()))
        mouth = [(0.5 + 0.25 * math.cos(a), 0.55 + 0.2 * math.sin(a)) for a in np.linspace(0.3, 2.8, 10)]
        return [ring, [(0.35, 0.35)], [(0.65, 0.35)], mouth]
    if kind == "scrawl":  # several scribbles over each other, the pen lifted between them
        return [s for _ in range(int(rng.integers(2, 5))) for s in _shape("scribble", rng)]
    if kind == "fill":  # colouring a patch in: back and forth, turned any way
        n = int(rng.integers(5, 15))
        a, w = math.radians(u(-70, 70)), u(0.5, 1.0)
        rows = [((0.5 - w / 2) if i % 2 == 0 else (0.5 + w / 2), i / n) for i in range(n + 1)]
        c, si = math.cos(a), math.sin(a)
        return [[(0.5 + (x - 0.5) * c - (y - 0.5) * si, 0.5 + (x - 0.5) * si + (y - 0.5) * c)
                 for x, y in _polygon(rows, closed=False)]]
    raise ValueError(kind)


SHAPES = ("dash", "dots", "scribble", "zigzag", "wave", "triangle", "square", "star", "plus", "hash",
          "equals", "hatching", "arrow", "check", "heart", "face")


def _drawn(kinds: Sequence[str], prefix: str, count: int, rng: np.random.Generator
           ) -> list[Drawing]:
    """`count` drawings of these kinds in turn, by a shaky hand, labelled "not a digit"."""
    out = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        strokes = [_wobble(s, rng, 0.03) for s in _shape(kind, rng)]
        out.append(Drawing(f"{prefix}/{kind}/{i}", NOT_DIGIT, f"synthetic/{i % 97}", "synthetic",
                           strokes))
    return out


def shapes(count: int, seed: int) -> list[Drawing]:
    """Lines, dots, scribbles and shapes, drawn by a shaky hand: the rest of "not a digit"."""
    return _drawn(SHAPES, "shape", count, np.random.default_rng([seed, 7919]))


# A room of students asked for anything draws scribbles: the most varied "not a digit", which the
# shapes above hold one kind of in sixteen.
SCRIBBLES = ("scribble", "scrawl", "fill")


def scribbles(count: int, seed: int) -> list[Drawing]:
    """Scribbles of three kinds (SCRIBBLES), from a generator of their own (shapes() is unchanged
    by them)."""
    return _drawn(SCRIBBLES, "scribbles", count, np.random.default_rng([seed, 7927]))


# --- rendering ------------------------------------------------------------------------------------
def render_inputs(items: Sequence[Drawing], seed: int, placements: Sequence[str] | None = None,
                  ) -> tuple[np.ndarray, np.ndarray, list[int], list[str]]:
    """Each drawing in each of `placements` (default: one random placement each), through the
    page's rendering and the server's preprocessing: (uint8 28x28 images, labels, item index,
    placement). A drawing the server would call empty is left out."""
    rng = np.random.default_rng([seed, 31])
    names = list(drawings.PLACEMENTS)
    images, labels, index, where = [], [], [], []
    for i, d in enumerate(items):
        for placement in placements or [names[int(rng.integers(len(names)))]]:
            strokes = drawings.placed(d, placement, rng)
            x = drawings.model_input(drawings.render(strokes, drawings.placement_pen(placement)))
            if x is not None:
                images.append(x)
                labels.append(d.label)
                index.append(i)
                where.append(placement)
    if not images:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8), [], []
    return np.stack(images), np.asarray(labels, dtype=np.uint8), index, where


# --- the training and measuring sets --------------------------------------------------------------
DIGITS = drawings.DIGITS
STYLE_SHARE = 0.35  # of zeros, ones and sevens, per rendered copy
STYLE_SHARE_WIDE = 0.5  # the 'styled-wide' variant
THETA_SHARE = 0.4  # of the zeros 'styled-theta' leaves unslashed: barred (θ)
FLOAT_SHARE = 0.5  # of the fives 'styled-float' draws with a floating bar
JITTER_SHARE = 0.5  # of the drawings of several strokes 'styled-jitter' moves apart
CURL_SHARE = 0.4  # of the nines 'styled-float-theta-curl' draws with a tail hooked to the left
TRAIN_LETTERS = 12000  # letters in the shipped model's training set: the eleventh class is about
# a digit class's size (MNIST's ~5,500 a digit, plus the real drawings)


# kind: how its copy restyles the digits
STYLED = {"styled": Style(STYLE_SHARE), "styled-wide": Style(STYLE_SHARE_WIDE, wide=True),
          "styled-theta": Style(STYLE_SHARE_WIDE, wide=True, theta=THETA_SHARE),
          "styled-float": Style(STYLE_SHARE_WIDE, wide=True, floating=FLOAT_SHARE),
          "styled-float-theta": Style(STYLE_SHARE_WIDE, wide=True, theta=THETA_SHARE,
                                      floating=FLOAT_SHARE),
          "styled-float-theta-curl": Style(STYLE_SHARE_WIDE, wide=True, theta=THETA_SHARE,
                                           floating=FLOAT_SHARE, curl=CURL_SHARE),
          "styled-jitter": Style(STYLE_SHARE_WIDE, wide=True, floating=FLOAT_SHARE,
                                 jitter=JITTER_SHARE),
          # zeros' and ones' second strokes are mostly the slashes, flags and feet restyling
          # drew: moved, they leave the digit
          "styled-jitter-no01": Style(STYLE_SHARE_WIDE, wide=True, floating=FLOAT_SHARE,
                                      jitter=JITTER_SHARE, unjittered=frozenset({0, 1}))}


def styled(items: Sequence[Drawing], kind: str, rng: np.random.Generator) -> list[Drawing]:
    """The drawings with a share of their zeros, ones and sevens restyled: 'styled',
    'styled-wide', 'styled-theta', 'styled-float', 'styled-float-theta',
    'styled-float-theta-curl', 'styled-jitter' or 'styled-jitter-no01' (STYLED)."""
    return [restyle(d, rng, STYLED[kind]) for d in items]


def rendered(kind: str, seed: int = 0, log=print) -> dict[str, np.ndarray]:
    """Every drawing of one kind rendered once and cached (the key covers the data, the rendering
    and preprocessing code and the pad constants):
    - 'digits': every UniPen digit in all 5 placements, as drawn;
    - 'styled': the same with STYLE_SHARE of zeros, ones and sevens restyled (another seed);
    - 'styled-wide': STYLE_SHARE_WIDE restyled, with the wider flags of FLAG_WIDE;
    - 'styled-theta': 'styled-wide', and THETA_SHARE of the other zeros barred (θ; tried, not shipped);
    - 'styled-float': 'styled-wide', and FLOAT_SHARE of the fives with a floating bar;
    - 'styled-float-theta': 'styled-float', and 'styled-theta''s barred zeros (shipped since
      2026-12-07); 'styled-float-theta-curl': the same, and CURL_SHARE of the nines with a tail
      hooked to the left (curl_nine; tried);
    - 'styled-jitter': 'styled-float', and JITTER_SHARE of the drawings of several strokes with
      their strokes moved apart (jitter_strokes; tried, not shipped); 'styled-jitter-no01': the
      same but for zeros and ones;
    - 'letters': every clearly-not-a-digit letter, in one random placement;
    - 'lookalikes': letters drawn like a digit, as that digit (AS_DIGIT), one random placement;
    - 'shapes': synthetic lines, dots, scribbles and shapes, one random placement each;
    - 'scribbles': synthetic scribbles of three kinds (SCRIBBLES), one random placement each.
    Returns x (uint8 28x28), y, writer (str) and placement (str)."""
    from webapp import preprocess
    from webapp.training import datasets

    source = {"digits": DIGITS, **{k: DIGITS for k in STYLED}, "letters": LETTERS,
              "lookalikes": LOOKALIKE_DIGITS}.get(kind)
    key = hashlib.sha256(f"{kind}/{seed}".encode())  # the shares are in this file, hashed below
    for part in (preprocess.__file__, drawings.__file__, __file__, drawings.PAD_CONFIG,
                 *([source] if source else [])):
        key.update(Path(part).read_bytes())
    cached = datasets.cache_dir() / f"variety-{kind}-{key.hexdigest()[:16]}.npz"
    if cached.is_file():
        with np.load(cached) as f:
            return {k: f[k] for k in f.files}
    placements: list[str] | None = list(drawings.PLACEMENTS)
    if kind == "digits":
        items = drawings.load_drawings(DIGITS)
    elif kind in STYLED:
        items = styled(drawings.load_drawings(DIGITS), kind, np.random.default_rng([seed, 17]))
    elif kind == "letters":
        items, placements = load_letters(), None
    elif kind == "lookalikes":
        items, placements = load_lookalikes(), None
    elif kind == "shapes":
        items, placements = shapes(8000, seed), None
    elif kind == "scribbles":
        items, placements = scribbles(4000, seed), None
    else:
        raise ValueError(kind)
    log(f"Rendering {kind}: {len(items)} drawings x {len(placements or [1])} placements (cached after)")
    x, y, index, where = render_inputs(items, seed, placements)
    out = {"x": x, "y": y, "writer": np.asarray([items[i].writer for i in index]),
           "placement": np.asarray(where), "id": np.asarray([items[i].id for i in index])}
    cached.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cached, **out)
    return out


# --- whole numbers --------------------------------------------------------------------------------
def compose_number(digits: Sequence[Drawing], rng: np.random.Generator, pen: float = 0.0
                   ) -> tuple[str, Strokes]:
    """One writer's digits written side by side as a number: about the same height each, gaps from
    a little overlap (touching, one gap in twelve) to a third of the height between the inked
    edges (`pen`: the pen's width in the same units), each digit a little up or down, the whole
    number slanted. Strokes in units of the digits' height, y down."""
    h = 1.0  # every digit scaled to about the same height, as a person writes a number
    shear = rng.uniform(-0.2, 0.2)
    out: Strokes = []
    x = 0.0
    for d in digits:
        height = max(p[1] for s in d.strokes for p in s) or 1.0
        k = h * rng.uniform(0.88, 1.12) / height
        gap = pen + h * (rng.uniform(-0.04, 0.0) if rng.random() < 0.08 else rng.uniform(0.06, 0.35))
        dy = h * rng.uniform(-0.08, 0.08)
        width = k * max(p[0] for s in d.strokes for p in s)
        for s in d.strokes:
            out.append([(k * px + x - shear * (k * py + dy), k * py + dy) for px, py in s])
        x += width + gap
    return "".join(str(d.label) for d in digits), out


def numbers(drawn: Sequence[Drawing], count: int, seed: int) -> list[tuple[str, list[Stroke]]]:
    """`count` numbers of 2-4 digits, each from one writer's own digits, placed on the pad as a
    person writes a number (digits a fifth to two fifths of the pad tall, within its width) in
    pad units."""
    rng = np.random.default_rng([seed, 2026])
    by_writer: dict[str, list[Drawing]] = {}
    for d in drawn:
        by_writer.setdefault(d.writer, []).append(d)
    writers = sorted(w for w, ds in by_writer.items() if len(ds) >= 4)
    out = []
    for _ in range(count):
        mine = by_writer[writers[int(rng.integers(len(writers)))]]
        n = int(rng.integers(2, 5))
        chosen = [mine[int(i)] for i in rng.choice(len(mine), n, replace=False)]
        height = rng.uniform(0.2, 0.4)
        pen = drawings.export_pen([[(0, 0), (0, height)]], drawings.pad_config()["penWidth"])
        label, strokes = compose_number(chosen, rng, pen / height)
        width = max(p[0] for s in strokes for p in s) - min(p[0] for s in strokes for p in s)
        side = min(max(width, 1.0) * height, 0.95)  # place() scales the longer side
        out.append((label, drawings.place(strokes, side, 0.5 + rng.uniform(-0.03, 0.03),
                                          0.5 + rng.uniform(-0.15, 0.15))))
    return out
