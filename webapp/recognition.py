"""One drawing in, the model's answer out: the domain function behind /api/predict and the
classroom's submissions, testable without Flask.

A drawing may hold one digit, several side by side (a number: webapp.numbers finds them), or
something that is not a digit at all (a model with an eleventh "not a digit" output says so).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from webapp import numbers, preprocess

# Used when a model's card does not say: reject when "not a digit" is the likelier half.
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Reading:
    """One digit's answer: the ten digits' probabilities (renormalised when the model also has
    "not a digit"), that probability, and exactly what the model saw (x 1000)."""

    digit: int
    confidence: float
    probabilities: np.ndarray  # (10,) float32
    not_digit: float
    rejected: bool
    thousandths: np.ndarray  # (28, 28) integers 0..1000
    box: tuple[int, int, int, int] | None = None  # in the uploaded image's pixels

    def as_json(self, with_input: bool = True) -> dict:
        body = {"digit": self.digit, "confidence": self.confidence, "rejected": self.rejected,
                "not_digit": round(self.not_digit, 6), "box": self.box}
        if with_input:  # a single digit's input and probabilities are the answer's own
            body.update(probabilities=self.probabilities, input=self.thousandths / 1000)
        return body


@dataclass(frozen=True)
class Recognition:
    digit: int
    confidence: float
    probabilities: np.ndarray  # (10,) float32
    thousandths: np.ndarray  # (28, 28) integers 0..1000: exactly what the model saw, x 1000
    preprocess_ms: float
    inference_ms: float
    not_digit: float = 0.0  # the model's "not a digit" probability (0 for a ten-class model)
    rejected: bool = False
    digits: tuple[Reading, ...] = field(default=())  # left to right; one for a single digit

    def input_uint8(self) -> np.ndarray:
        """The model's input as an 8-bit image (for storage and thumbnails)."""
        return np.rint(self.thousandths * 0.255).astype(np.uint8)

    @property
    def number(self) -> str | None:
        """The digits read left to right; None when any of them is not a digit."""
        if self.rejected or not self.digits:
            return None
        return "".join(str(r.digit) for r in self.digits)

    def as_json(self, model: str) -> dict:
        body = {
            "digit": self.digit,
            "confidence": self.confidence,
            "probabilities": self.probabilities.tolist(),
            "rejected": self.rejected,
            "not_digit": round(self.not_digit, 6),
            "number": self.number,
            "digits": [r.as_json(with_input=len(self.digits) > 1) for r in self.digits],
            "model": model,
            "timing_ms": {"preprocess": round(self.preprocess_ms, 3),
                          "inference": round(self.inference_ms, 3)},
            # Three decimals are plenty for ink; the model was given these rounded values.
            "input": self.thousandths / 1000,
        }
        return body


def threshold_of(model) -> float:
    card = getattr(model, "card", None) or {}
    return float((card.get("not_digit") or {}).get("threshold", DEFAULT_THRESHOLD))


def read(x: np.ndarray, model, threshold: float, box=None, not_digit_anyway: bool = False
         ) -> Reading:
    """A 28x28 input -> one digit's answer. `not_digit_anyway`: rejected whatever the model says
    (a model that can say "not a digit" at all)."""
    thousandths = np.rint(x * 1000).astype(np.intp)
    p = model.predict(thousandths / 1000)
    eleven = p.shape[0] == 11
    not_digit = float(p[10]) if eleven else 0.0
    digits = p[:10] / max(float(p[:10].sum()), 1e-12) if eleven else p
    digit = int(np.argmax(digits))
    return Reading(digit, float(digits[digit]), digits.astype(np.float32), not_digit,
                   not_digit > threshold or (eleven and not_digit_anyway), thousandths, box)


MAX_STROKES = 500
MAX_POINTS = 50_000


class InvalidStrokes(ValueError):
    """The strokes sent beside an image are not a list of strokes of [x, y] points."""


def parse_strokes(value) -> list[np.ndarray]:
    """The strokes an upload may carry (JSON: [[[x, y], ...], ...] in the image's pixels) -> one
    (n, 2) float array per stroke. Raises InvalidStrokes with what is wrong."""
    if not isinstance(value, list) or len(value) > MAX_STROKES:
        raise InvalidStrokes(f"strokes must be a list of at most {MAX_STROKES} strokes")
    out, points = [], 0
    for stroke in value:
        if not isinstance(stroke, list) or not stroke:
            raise InvalidStrokes("each stroke must be a non-empty list of [x, y] points")
        points += len(stroke)
        if points > MAX_POINTS:
            raise InvalidStrokes(f"at most {MAX_POINTS} points in all")
        if not all(isinstance(p, list) and len(p) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in p) for p in stroke):
            raise InvalidStrokes("each point must be [x, y], two numbers")
        try:  # an integer beyond any float overflows; NaN and infinity pass, and are caught
            a = np.asarray(stroke, dtype=np.float64)
        except OverflowError:
            a = None
        if a is None or not np.isfinite(a).all():
            raise InvalidStrokes("points must be finite numbers")
        out.append(a)
    return out


def recognise(data: bytes, model, *, whole_canvas: bool = False, several: bool = True,
              strokes: list[np.ndarray] | None = None) -> Recognition:
    """Image bytes -> the model's answer. Raises preprocess.InvalidImage / EmptyDrawing.
    `whole_canvas`: skip the MNIST recipe and resize the whole image, as most demos do.
    `several`: look for several digits side by side (a number); off where one digit is asked for
    (a class's challenge). `strokes`: the strokes that drew the image, in its pixels
    (`parse_strokes`): they keep touching digits apart."""
    started = time.perf_counter()
    threshold = threshold_of(model)
    if whole_canvas:
        x = preprocess.whole_canvas(data)
        return _single(x, model, threshold, started)
    ink, scale = preprocess.read_ink(data)  # the ink map may be a reduced copy of the upload
    if not several or numbers.looks_single(ink):
        return _single(preprocess.to_mnist(ink), model, threshold, started, ink, scale)
    parts = numbers.segment(ink, [p / scale for p in strokes] if strokes else None)
    if len(parts) > 1 and all(numbers.is_dot(p) for p in parts):
        # Dots and nothing else: no digit is made of dots alone, whatever the network would say.
        return _single(preprocess.to_mnist(ink), model, threshold, started, ink, scale,
                       not_digit_anyway=True)
    height = numbers.height_of(parts) if parts else 0
    if len(parts) == 1 and parts[0].ink.shape[1] <= WIDE * height:
        # One piece no wider than a digit (a 5 with its bar apart, a wide 0): it is read as a
        # single digit, which is what _best would come back with, one reading later.
        return _single(preprocess.to_mnist(ink), model, threshold, started, ink, scale)
    wholes: list[Reading | None | bool] = [False] * len(parts)  # False: not read yet
    if len(parts) > 1:
        parts, wholes = _joined(parts, model, threshold, height, scale)
    readings: list[Reading] = []
    for part, whole in zip(parts, wholes):
        readings += _best(part, model, threshold, height, len(parts) == 1, scale, whole)
    if len(readings) <= 1:  # one digit after all (or one and specks): read as a single digit
        return _single(preprocess.to_mnist(ink), model, threshold, started, ink, scale)
    done = time.perf_counter()
    first = readings[0]
    # Reading several digits interleaves preprocessing and inference: the time is all "inference".
    return Recognition(first.digit, first.confidence, first.probabilities, first.thousandths,
                       0.0, (done - started) * 1e3, max(r.not_digit for r in readings),
                       any(r.rejected for r in readings), tuple(readings))


# A piece of ink is cut into touching digits when they read that much better than the whole:
# the weakest digit's doubt (1 - its confidence that it is a digit, and which) under this share of
# the whole's doubt. Beside other digits, and alone (a single digit must stay a single digit). A
# piece wider than WIDE x the number's height is rarely one digit: there, reading better is enough.
MARGIN = 0.5
MARGIN_ALONE = 0.15
WIDE = 1.3
CONFIDENT = 0.95


# Two neighbouring parts are one digit when they read as one much better than apart: an open 4
# drawn as an "L" and a stem that does not touch it is two pieces of ink sharing few columns, which
# the segmentation keeps apart (as it must keep apart a 1 written close to a 7). Neighbours no
# further apart than JOIN_GAP x the number's height, one of them read weakly alone (its score
# under JOIN_WEAK), joined when together they are a confident digit (CONFIDENT) no wider than
# WIDE x the height. The counterpart of cutting: the model decides, not the shapes.
JOIN_GAP = 0.15
JOIN_WEAK = 0.8


def _union(a: numbers.Part, b: numbers.Part) -> numbers.Part:
    """Two parts' ink in the box around both."""
    x0, y0 = min(a.box[0], b.box[0]), min(a.box[1], b.box[1])
    x1, y1 = max(a.box[2], b.box[2]), max(a.box[3], b.box[3])
    ink = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    for p in (a, b):
        region = ink[p.box[1] - y0:p.box[3] - y0, p.box[0] - x0:p.box[2] - x0]
        np.maximum(region, p.ink, out=region)
    return numbers.Part((x0, y0, x1, y1), ink)


def _joined(parts: list[numbers.Part], model, threshold: float, height: int, scale: float
            ) -> tuple[list[numbers.Part], list[Reading | None]]:
    """The parts with neighbours that are one digit joined (see JOIN_GAP), and each part's own
    reading (which _best would otherwise read again)."""
    parts = list(parts)
    wholes = [_read_part(p, model, threshold, scale) for p in parts]
    i = 0
    while i < len(parts) - 1:
        a, b = parts[i], parts[i + 1]
        if (b.box[0] - a.box[2] < JOIN_GAP * height
                and min(_score(wholes[i]), _score(wholes[i + 1])) < JOIN_WEAK):
            u = _union(a, b)
            if u.ink.shape[1] <= WIDE * height:
                ru = _read_part(u, model, threshold, scale)
                if _score(ru) >= CONFIDENT:
                    parts[i:i + 2], wholes[i:i + 2] = [u], [ru]
                    continue
        i += 1
    return parts, wholes


def _score(r: Reading | None) -> float:
    return -1.0 if r is None else r.confidence * (1.0 - r.not_digit)


def _read_part(part: numbers.Part, model, threshold: float, scale: float) -> Reading | None:
    try:
        x = preprocess.to_mnist(part.ink)
    except preprocess.EmptyDrawing:
        return None  # a dot beside the digits: nothing to read
    box = tuple(round(v * scale) for v in part.box)
    return read(x, model, threshold, box)


def _best(part: numbers.Part, model, threshold: float, height: int, alone: bool, scale: float,
          whole: Reading | None | bool = False) -> list[Reading]:
    """One part read as one digit, or cut into the 2-4 touching digits that read best. `whole`:
    the part's own reading when it has been read already (False: not yet)."""
    if whole is False:
        whole = _read_part(part, model, threshold, scale)
    best = None
    # Not a digit as a whole: beside other digits, perhaps digits that touch (two ones are
    # narrow); alone, it stays what the model said: a check mark is not "11".
    rejected = whole is not None and whole.rejected
    if rejected and alone:
        return [whole]
    # A confident digit no wider than digits get is not cut (and costs no more readings); nor is
    # a drawing alone unless it is wider than one digit ever is (digits that all touch).
    width = part.ink.shape[1]
    if width <= WIDE * height and (alone or _score(whole) >= CONFIDENT):
        return [whole]
    share = MARGIN_ALONE if alone else 1.0 if width > WIDE * height else MARGIN
    doubt = share * (1 - _score(whole))
    # Rejected beside other digits, a cutting is also taken when every piece is a digit, however
    # weak: then only the best so far rules a cutting out.
    any_digits_will_do = rejected and not alone

    def hopeless(score: float) -> bool:
        """A cutting with a piece this weak cannot be the one taken: its weakest digit is no
        better than the best cutting's so far, nor better than the whole by the margin. Its other
        pieces need no reading."""
        return (best is not None and score <= best[0]) or (
            not any_digits_will_do and not 1 - score < doubt)

    for columns in numbers.cuttings(part, height, numbers.MIN_PAIR_REJECTED if rejected else None):
        pieces = numbers.split(part, columns, numbers.MIN_CUT_HEIGHT * height)
        if pieces is None:
            continue
        readings = []
        for piece in pieces:
            readings.append(_read_part(piece, model, threshold, scale))
            if hopeless(_score(readings[-1])):
                break
        else:
            score = min(_score(r) for r in readings)
            if best is None or score > best[0]:
                best = (score, readings)
    if best is not None and (1 - best[0] < doubt or (
            any_digits_will_do and all(r is not None and not r.rejected for r in best[1]))):
        return [r for r in best[1] if r is not None]
    return [whole] if whole is not None else []


def _single(x: np.ndarray, model, threshold: float, started: float, ink=None, scale: float = 1.0,
            not_digit_anyway: bool = False) -> Recognition:
    box = None
    if ink is not None:
        rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
        box = (round(cols[0] * scale), round(rows[0] * scale), round((cols[-1] + 1) * scale),
               round((rows[-1] + 1) * scale))
    prepared = time.perf_counter()
    r = read(x, model, threshold, box, not_digit_anyway)
    done = time.perf_counter()
    return Recognition(r.digit, r.confidence, r.probabilities, r.thousandths,
                       (prepared - started) * 1e3, (done - prepared) * 1e3, r.not_digit,
                       r.rejected, (r,))
