"""Several digits side by side: find each one in the ink, so each is read the way a single digit is.

A digit is one or more pieces of ink (a 5's bar and a 4's stem are pieces of their own). A piece
is a stroke when the upload says which strokes drew it (the page does), else a connected piece of
ink. Pieces that share most of their columns belong to the same digit; the rest are separate
digits, read left to right. Strokes keep two digits that touch apart; without them two touching
digits make one piece: `cuttings` offers where it could be cut apart (the columns of least ink),
and the model decides whether one digit or two reads better (webapp.recognition).

Pure NumPy on the ink map (webapp.preprocess.ink_map); no Flask, no model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from webapp.preprocess import stroke_ratio, with_border

INK = 64  # an ink map value above this is ink for segmenting (a quarter of full strength)
SPECK = 0.02  # a piece with less than this share of the ink is a speck, not a digit
OVERLAP = 0.5  # pieces sharing this share of the narrower one's columns are one digit
FLAT = 0.35  # a group less tall than this x the number's height is part of a digit beside it
TALL, OVERLAP_TALL = 0.7, 0.8  # ... but two pieces this tall (x the number's) must share more
MIN_DIGIT = 0.3  # the narrowest a digit in a touching run is taken to be (x the height)
MIN_PAIR_REJECTED = 0.4  # ... or this, when the part is not a digit as a whole (two ones)
MIN_PAIR = 0.85  # two touching digits are at least this times the number's height wide
# A piece cut from touching digits is at least this x the number's height tall: less is the end of
# a 4's bar or a 7's stroke, which a network will happily read as a small 0 or 1.
MIN_CUT_HEIGHT = 0.5
SINGLE = 0.9  # no closer look at a drawing narrower than this times its height, in one piece
SHEARS = np.linspace(-0.4, 0.4, 9)  # slants tried (x shift per unit of height)
# Strokes whose ink touches are one digit (a 4's stem through its bar, a 7's serif) when they share
# this share of the narrower one's columns (less when the shorter is less tall than SHORT x the
# number's height); two strokes that only touch at their edges are digits written close together.
CROSS, CROSS_SHORT, SHORT = 0.2, 0.1, 0.6


@dataclass(frozen=True)
class Part:
    """One digit's ink: its box in the ink map (x0, y0, x1, y1; ends exclusive) and its pixels."""

    box: tuple[int, int, int, int]
    ink: np.ndarray  # uint8, the box's size, other digits' pixels cleared


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Horizontal runs of ink: row, start column, end column (exclusive), in reading order."""
    framed = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    framed[:, 1:-1] = mask
    # Each row's changes alternate: a run's start, its end, the next run's start...
    rows, cols = np.nonzero(np.diff(framed, axis=1))
    return rows[::2], cols[::2], cols[1::2]


def label(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected pieces of a boolean image: (labels with 0 = background, number of pieces).
    Union-find over horizontal runs: a drawing has a few hundred runs, not thousands of pixels."""
    rows, starts, ends = _runs(mask)
    n = len(rows)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Python lists in the loop: indexing them costs a fraction of indexing NumPy arrays.
    first = np.searchsorted(rows, np.arange(mask.shape[0] + 1)).tolist()
    run_start, run_end = starts.tolist(), ends.tolist()
    for r in range(mask.shape[0] - 1):
        a, a_end, b, b_end = first[r], first[r + 1], first[r + 1], first[r + 2]
        while a < a_end and b < b_end:
            # 8-connected: runs touch if they overlap, diagonals included
            if run_start[a] <= run_end[b] and run_start[b] <= run_end[a]:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
            if run_end[a] < run_end[b]:
                a += 1
            else:
                b += 1
    roots = np.asarray([find(i) for i in range(n)], dtype=np.intp)
    ids, compact = np.unique(roots, return_inverse=True)
    if len(ids) <= 1:  # one piece (a single digit, mostly) or none: the mask is its labels
        return mask.astype(np.int32), len(ids)
    labels = np.zeros(mask.shape, dtype=np.int32)
    # Every run's pixels at once: their flat indices, run after run.
    lengths = ends - starts
    first_pixel = rows * mask.shape[1] + starts
    pixels = np.repeat(first_pixel - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    labels.reshape(-1)[pixels] = np.repeat(compact + 1, lengths)
    return labels, len(ids)


COVERED = 0.95  # strokes must account for this share of the ink, or the pixels decide alone
STEP = 0.5  # px between the points a stroke is traced with
GROW = 32  # px a stroke's label spreads from its centre line: more than any pen's half-width
TRACE = 100  # strokes longer in all than this many times the image's sides are not a drawing's


def _trace(points: np.ndarray) -> np.ndarray:
    """A stroke's polyline as points at most STEP apart."""
    if len(points) < 2:
        return points
    d = np.diff(points, axis=0)
    steps = np.maximum(np.ceil(np.hypot(d[:, 0], d[:, 1]) / STEP).astype(np.intp), 1)
    seg = np.repeat(np.arange(len(d)), steps)
    frac = (np.arange(steps.sum()) - np.repeat(np.cumsum(steps) - steps, steps)) / steps[seg]
    return np.concatenate([points[seg] + d[seg] * frac[:, None], points[-1:]])


def stroke_labels(mask: np.ndarray, strokes: list[np.ndarray]) -> tuple[np.ndarray, int] | None:
    """Each ink pixel labelled by the stroke that drew it (1..len(strokes); 0 = background): the
    strokes' centre lines are laid on the ink, then grown through it to the nearest stroke. None
    when the strokes do not account for the ink (another drawing's strokes, or none of them)."""
    labels = np.zeros(mask.shape, dtype=np.int32)
    h, w = mask.shape
    # Within a pixel of the image (a stroke may start off it), and no more of them than a drawing
    # could hold: the work stays bounded whatever a client sends.
    strokes = [np.clip(points, -1.0, [w, h]) for points in strokes]
    length = sum(float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in strokes if len(p) > 1)
    if length > TRACE * (h + w):
        return None
    for k, points in enumerate(strokes):
        xy = np.rint(_trace(points)).astype(np.intp)
        keep = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
        xs, ys = xy[keep, 0], xy[keep, 1]
        on = mask[ys, xs]
        labels[ys[on], xs[on]] = k + 1
    for _ in range(GROW):
        free = mask & (labels == 0)
        if not free.any():
            break
        # Each free ink pixel takes a labelled neighbour's label (above, below, left, right).
        framed = with_border(labels, 1)
        grown = labels.copy()
        for near in (framed[:-2, 1:-1], framed[2:, 1:-1], framed[1:-1, :-2], framed[1:-1, 2:]):
            take = free & (near > 0)
            grown[take] = near[take]
            free &= ~take
        if np.array_equal(grown, labels):
            break
        labels = grown
    total = int(mask.sum())
    if total == 0 or np.count_nonzero(labels) < COVERED * total:
        return None
    return labels, len(strokes)


def looks_single(ink: np.ndarray) -> bool:
    """The common case, decided without labelling: no empty column between pieces of ink, and not
    wider than tall (two digits side by side are, even slanted and close together)."""
    mask = ink > INK
    cols = np.flatnonzero(mask.any(0))
    rows = np.flatnonzero(mask.any(1))
    if cols.size == 0:
        return True
    width, height = cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1
    return cols.size == width and width <= SINGLE * height


def segment(ink: np.ndarray, strokes: list[np.ndarray] | None = None) -> list[Part]:
    """The digits in an ink map, left to right. One part when it holds one digit. `strokes`: the
    drawing's strokes as (n, 2) arrays of x, y in the ink map's pixels, when the upload has them."""
    mask = ink > INK
    by_stroke = stroke_labels(mask, strokes) if strokes else None
    top = left = 0  # where `labels` starts in the ink map
    if by_stroke is None:
        # Pixels alone: only the box around the ink is labelled (a whole canvas is mostly
        # background). Coordinates stay the ink map's.
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        if rows.size == 0:
            return []
        top, left = int(rows[0]), int(cols[0])
        mask = mask[top:rows[-1] + 1, left:cols[-1] + 1]
    labels, count = by_stroke if by_stroke is not None else label(mask)
    if count == 0:
        return []
    if by_stroke is None and count == 1:
        # One piece of ink (a wide single digit, mostly): one part, the box around the ink.
        h, w = mask.shape
        own = np.where(mask, ink[top:top + h, left:left + w], 0).astype(np.uint8)
        return [Part((left, top, left + w, top + h), own)]
    areas = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    # Every labelled pixel once, sorted by label: each piece's pixels are a slice of them.
    ys, xs = np.nonzero(labels)
    order = np.argsort(labels[ys, xs], kind="stable")
    ends = np.cumsum(areas)
    found = []  # (xs, ys, id) of each piece that is not a speck
    for k in np.flatnonzero(areas >= SPECK * areas.sum()):
        piece = order[ends[k] - areas[k]:ends[k]]
        found.append((xs[piece] + left, ys[piece] + top, int(k) + 1))
    # Slanted handwriting: digits that do not touch may still share columns. Pieces are compared
    # along the writing's slant, the shear that makes them narrowest.
    # (One piece is one group whatever the slant.)
    shear = 0.0 if len(found) == 1 else min(
        SHEARS, key=lambda s: sum(float(np.ptp(xs - s * ys)) for xs, ys, _ in found))
    pieces = []  # [x0, x1, y0, y1, ids, sheared x0, sheared x1]
    for xs, ys, k in found:
        sx = xs - shear * ys
        pieces.append([int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1, [k],
                       float(sx.min()), float(sx.max()) + 1])
    pieces.sort(key=lambda p: (p[5] + p[6]) / 2)
    groups: list[list] = []
    height = max(p[3] - p[2] for p in pieces)
    touching = _touching(labels) if by_stroke is not None else set()
    for p in pieces:
        stroke_match = None  # (share of columns, group)
        for g in groups:
            shared = min(g[6], p[6]) - max(g[5], p[5])
            narrower = min(g[6] - g[5], p[6] - p[5])
            # Two tall pieces side by side are two digits (a 4 and the 1 under its bar's end)
            # unless one stands almost inside the other's columns.
            shorter = min(g[3] - g[2], p[3] - p[2])
            tall = shorter >= TALL * height
            if shared >= (OVERLAP_TALL if tall else OVERLAP) * narrower:
                _absorb(g, p)
                break
            share = shared / max(narrower, 1e-9)
            if (share >= (CROSS_SHORT if shorter < SHORT * height else CROSS)
                    and any((a, b) in touching for a in g[4] for b in p[4])
                    and (stroke_match is None or share > stroke_match[0])):
                stroke_match = (share, g)
        else:
            if stroke_match is not None:
                _absorb(stroke_match[1], p)
            else:
                groups.append(p)
    groups.sort(key=lambda g: g[5])
    # A flat group (a 5's bar drawn off to the side) is no digit of its own: it joins the
    # nearest group.
    number_height = max(g[3] - g[2] for g in groups)
    flat = [g for g in groups if g[3] - g[2] < FLAT * number_height]
    if flat and len(flat) < len(groups):
        rest = [g for g in groups if g not in flat]
        for f in flat:
            _absorb(min(rest, key=lambda g: max(g[5] - f[6], f[5] - g[6], 0.0)), f)
        groups = rest
    parts = []
    for x0, x1, y0, y1, ids, _, _ in groups:
        box = labels[y0 - top:y1 - top, x0 - left:x1 - left]
        mine = box == ids[0] if len(ids) == 1 else np.isin(box, ids)
        own = np.where(mine, ink[y0:y1, x0:x1], 0).astype(np.uint8)
        parts.append(Part((x0, y0, x1, y1), own))
    return parts


def _touching(labels: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of labels whose pixels are neighbours (both orders)."""
    pairs = []
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:]),
                 (labels[:-1, :-1], labels[1:, 1:]), (labels[:-1, 1:], labels[1:, :-1])):
        meet = (a > 0) & (b > 0) & (a != b)
        pairs.append(np.stack([a[meet], b[meet]], 1))
    found = np.unique(np.concatenate(pairs), axis=0)
    return {(int(a), int(b)) for a, b in found} | {(int(b), int(a)) for a, b in found}


def _absorb(group: list, piece: list) -> None:
    """A group ([x0, x1, y0, y1, ids, sheared x0, sheared x1]) takes in a piece of the same form."""
    group[0], group[1] = min(group[0], piece[0]), max(group[1], piece[1])
    group[2], group[3] = min(group[2], piece[2]), max(group[3], piece[3])
    group[5], group[6] = min(group[5], piece[5]), max(group[6], piece[6])
    group[4] += piece[4]


DOT_RATIO = 0.4  # stroke width / longer side above which a piece is a blob: as wide as its stroke


def is_dot(part: Part) -> bool:
    """A dot: a blob as wide as the pen that made it (a decimal point, a tap), not a stroke."""
    return stroke_ratio(part.ink > INK) > DOT_RATIO


def height_of(parts: list[Part]) -> int:
    """A number's height: its tallest digit's (a "1" or a dash is narrower than it is tall)."""
    return max(p.box[3] - p.box[1] for p in parts)


def cuttings(part: Part, height: int, min_pair: float | None = None) -> list[list[int]]:
    """Ways to cut a part into 2, 3 or 4 touching digits: for each count, the columns of least ink
    near where an even cut would fall. None for a part too narrow to hold two digits."""
    width = part.ink.shape[1]
    if width < (min_pair or MIN_PAIR) * height:
        return []
    profile = (part.ink > INK).sum(0)
    out = []
    # Two digits: the three thinnest columns in the middle, apart from one another.
    lo, hi = int(0.2 * width), int(0.8 * width) + 1
    for k in np.argsort(profile[lo:hi], kind="stable"):
        column = lo + int(k)
        if all(abs(column - c[0]) > 0.1 * width for c in out):
            out.append([column])
        if len(out) == 3:
            break
    for n in range(3, 5):
        if width < n * MIN_DIGIT * height:
            break
        columns = []
        for k in range(1, n):
            centre = k * width / n
            lo = max(int(centre - 0.25 * width / n), (columns[-1] if columns else 0) + 2)
            hi = min(int(centre + 0.25 * width / n) + 1, width - 2)
            if lo >= hi:
                break
            columns.append(lo + int(np.argmin(profile[lo:hi])))
        if len(columns) == n - 1:
            out.append(columns)
    return out


def split(part: Part, columns: list[int], min_height: float = 0) -> list[Part] | None:
    """A part cut at columns, each piece trimmed to its ink; None when a piece would be empty or
    less than min_height tall."""
    out = []
    edges = [0, *columns, part.ink.shape[1]]
    for a, b in zip(edges, edges[1:]):
        piece = part.ink[:, a:b]
        rows = np.flatnonzero((piece > INK).any(1))
        cols = np.flatnonzero((piece > INK).any(0))
        if rows.size == 0 or rows[-1] + 1 - rows[0] < min_height:
            return None
        top, bottom, left, right = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]),
                                    int(cols[-1]) + 1)
        x0, y0 = part.box[0] + a, part.box[1]
        out.append(Part((x0 + left, y0 + top, x0 + right, y0 + bottom),
                        np.ascontiguousarray(piece[top:bottom, left:right])))
    return out
