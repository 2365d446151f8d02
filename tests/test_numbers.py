"""Several digits in one drawing, and drawings that are not digits: segmentation (webapp.numbers),
the answer (webapp.recognition) and the API's fields, without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import drawing_png
from webapp import numbers, recognition
from webapp.training import drawings, variety


def ink_from(strokes, pen=None):
    from webapp import preprocess

    return preprocess.ink_map(preprocess.decode(drawing_png(strokes, pen)))


def line(a, b, n=12):
    return [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for t in np.linspace(0, 1, n)]


# --- labelling and segmenting ----------------------------------------------------------------------
def test_label_counts_8_connected_pieces():
    mask = np.zeros((6, 9), bool)
    mask[1, 1:3] = True
    mask[2, 3] = True  # touches the first run diagonally: the same piece
    mask[4, 6:8] = True
    labels, count = numbers.label(mask)
    assert count == 2
    assert labels[1, 1] == labels[2, 3] != labels[4, 6]
    assert (labels > 0).sum() == mask.sum()


def test_label_joins_a_u_shape_into_one_piece():
    mask = np.zeros((5, 5), bool)
    mask[:, 0] = mask[:, 4] = True
    mask[4, :] = True  # the runs of the two arms meet only at the bottom
    assert numbers.label(mask)[1] == 1


def test_a_five_with_a_separate_bar_is_one_digit():
    body = line((0.42, 0.35), (0.4, 0.55)) + [(0.5, 0.52), (0.58, 0.6), (0.56, 0.7), (0.45, 0.74),
                                              (0.38, 0.7)]
    bar = line((0.45, 0.22), (0.62, 0.22))  # drawn apart from the body, as many people do
    ink = ink_from([body, bar])
    assert numbers.label(ink > numbers.INK)[1] == 2
    assert len(numbers.segment(ink)) == 1


def test_digits_apart_are_found_left_to_right():
    one = line((0.2, 0.3), (0.2, 0.7))
    bar = line((0.45, 0.3), (0.45, 0.7))
    dash_free = line((0.7, 0.3), (0.72, 0.7))
    ink = ink_from([bar, dash_free, one])  # strokes in any order
    parts = numbers.segment(ink)
    assert len(parts) == 3
    assert [p.box[0] for p in parts] == sorted(p.box[0] for p in parts)


def test_a_lone_digit_is_not_looked_at_twice():
    ink = ink_from([line((0.5, 0.2), (0.5, 0.8))])
    assert numbers.looks_single(ink)
    wide = ink_from([line((0.2, 0.5), (0.4, 0.5)), line((0.6, 0.3), (0.6, 0.7))])
    assert not numbers.looks_single(wide)


def test_touching_digits_offer_cuts_near_the_narrow_waist():
    part = numbers.Part((0, 0, 40, 20), np.zeros((20, 40), np.uint8))
    part.ink[:, 2:18] = 255
    part.ink[9:11, 18:22] = 255  # a thin bridge
    part.ink[:, 22:38] = 255
    ways = numbers.cuttings(part, 20)
    assert ways and 17 <= ways[0][0] <= 22
    pieces = numbers.split(part, ways[0])
    assert len(pieces) == 2 and pieces[0].box[2] <= pieces[1].box[0] + 1


def test_a_narrow_part_offers_no_cut():
    part = numbers.Part((0, 0, 10, 20), np.full((20, 10), 255, np.uint8))
    assert numbers.cuttings(part, 20) == []


# --- the answer -----------------------------------------------------------------------------------
class Fixed:
    """A stand-in model: always the same probabilities (10 or 11 of them)."""

    backend = "test"

    def __init__(self, p, threshold=None):
        self.p = np.asarray(p, np.float32)
        self.card = {"not_digit": {"threshold": threshold}} if threshold is not None else {}

    def predict(self, x):
        return self.p


def seven(real_sample):
    d = next(d for d in real_sample if d.label == 7)
    return drawings.place(d.strokes, 0.6, 0.5, 0.5)


def test_a_ten_class_model_never_rejects(real_sample):
    p = np.full(10, 0.02, np.float32)
    p[7] = 0.82
    r = recognition.recognise(drawing_png(seven(real_sample)), Fixed(p))
    assert (r.digit, r.rejected, r.not_digit) == (7, False, 0.0)
    assert r.number == "7" and len(r.digits) == 1


def test_not_a_digit_is_rejected_with_the_ten_digits_kept(real_sample):
    p = np.zeros(11, np.float32)
    p[4], p[2], p[10] = 0.2, 0.1, 0.7
    r = recognition.recognise(drawing_png(seven(real_sample)), Fixed(p))
    assert r.rejected and r.number is None
    assert r.digit == 4 and r.probabilities.shape == (10,)
    assert r.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert r.confidence == pytest.approx(2 / 3, abs=1e-5)
    body = r.as_json("m")
    assert body["rejected"] is True and body["number"] is None and body["not_digit"] == 0.7


def test_the_threshold_comes_from_the_model_card(real_sample):
    p = np.zeros(11, np.float32)
    p[7], p[10] = 0.4, 0.6
    data = drawing_png(seven(real_sample))
    assert recognition.recognise(data, Fixed(p)).rejected
    assert not recognition.recognise(data, Fixed(p, threshold=0.8)).rejected


def test_a_challenge_reads_one_digit_even_when_several_are_drawn(real_sample):
    one = [d for d in real_sample if d.label == 1][0]
    label, strokes = variety.compose_number([one, one], np.random.default_rng(0), pen=0.2)
    placed = drawings.place(strokes, 0.7, 0.5, 0.5)
    p = np.full(10, 0.1, np.float32)
    r = recognition.recognise(drawing_png(placed), Fixed(p), several=False)
    assert len(r.digits) == 1


@pytest.fixture(scope="module")
def cnn(app):
    return app.extensions["digitpad.registry"].get("cnn")


def test_numbers_from_real_digits_are_read_whole(real_sample, cnn):
    """Numbers composed from real pen-drawn digits (writers the shipped model never trained on),
    with the gaps, slants and sizes of variety.numbers: the shipped model reads most whole."""
    got = []
    for label, strokes in variety.numbers(real_sample, 60, seed=3):
        r = recognition.recognise(drawing_png(strokes), cnn)
        got.append(("".join(str(d.digit) for d in r.digits), label))
    right = sum(a == b for a, b in got)
    assert right >= 54, [g for g in got if g[0] != g[1]]


def test_number_json_has_each_digit_with_box_and_input(real_sample, cnn):
    by = {}
    for d in real_sample:
        by.setdefault(d.label, d)
    rng = np.random.default_rng(1)
    label, strokes = variety.compose_number([by[2], by[0], by[4]], rng, pen=0.15)
    placed = drawings.place(strokes, 0.8, 0.5, 0.5)
    body = recognition.recognise(drawing_png(placed), cnn).as_json("cnn")
    assert len(body["digits"]) == 3
    boxes = [d["box"] for d in body["digits"]]
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes)
    for d in body["digits"]:
        assert np.asarray(d["input"]).shape == (28, 28)
        assert len(d["probabilities"]) == 10 and 0 <= d["confidence"] <= 1
    assert body["digit"] == body["digits"][0]["digit"]


def test_a_single_digit_answer_has_one_entry_and_no_second_input(real_sample, cnn):
    body = recognition.recognise(drawing_png(seven(real_sample)), cnn).as_json("cnn")
    assert body["number"] == "7" and len(body["digits"]) == 1
    entry = body["digits"][0]
    assert "input" not in entry and entry["digit"] == 7
    x0, y0, x1, y1 = entry["box"]
    assert 0 <= x0 < x1 and 0 <= y0 < y1


# --- styles and "not a digit" data ------------------------------------------------------------------
def test_styles_add_a_stroke_where_a_person_draws_it(real_sample):
    rng = np.random.default_rng(0)
    zero = next(d for d in real_sample if d.label == 0)
    slashed = variety.slash_zero(zero.strokes, rng)
    assert len(slashed) == len(zero.strokes) + 1
    x0, y0, x1, y1 = variety._box(zero.strokes)
    (ax, ay), (bx, by) = slashed[-1][0], slashed[-1][-1]
    # across the whole zero, top to bottom, on a diagonal
    assert min(ay, by) <= y0 + 1e-9 and max(ay, by) >= y1 - 1e-9 and ax != bx
    one = next(d for d in real_sample if d.label == 1)
    flagged = variety.flag_one(one.strokes, np.random.default_rng(1))
    fx0 = variety._box(flagged)[0]
    assert fx0 < variety._box(one.strokes)[0]  # the flag reaches out to the left


def test_writer_groups_keep_each_writer_on_one_side():
    digits = drawings.load_drawings(variety.DIGITS)
    groups = variety.writer_groups(digits)
    assert set(groups.values()) == {"final", *(f"fold{k}" for k in range(variety.FOLDS))}
    # the final group comes only from writers no earlier decision measured
    assert all(drawings.writer_split(w) == "train" for w, g in groups.items() if g == "final")
    assert variety.writer_groups(list(reversed(digits))) == groups


def test_shapes_are_never_a_vertical_line_or_a_lone_circle():
    for d in variety.shapes(len(variety.SHAPES) * 3, seed=0):
        kind = d.id.split("/")[1]
        assert d.label == variety.NOT_DIGIT
        if kind == "dash":
            (x0, y0), (x1, y1) = d.strokes[0][0], d.strokes[0][-1]
            assert abs(y1 - y0) <= abs(x1 - x0) * 0.75  # within 30 degrees of level (+ wobble)
        if kind == "face":
            assert len(d.strokes) == 4


def test_a_bar_drawn_off_to_the_side_joins_the_digit_beside_it():
    """A five whose bar starts where the body ends: a flat piece is never a digit of its own."""
    body = line((0.35, 0.35), (0.33, 0.55)) + [(0.42, 0.52), (0.5, 0.6), (0.48, 0.7), (0.37, 0.74),
                                               (0.3, 0.7)]
    bar = line((0.56, 0.3), (0.75, 0.28))  # to the right of the body, sharing no column with it
    ink = ink_from([body, bar])
    assert numbers.label(ink > numbers.INK)[1] == 2
    assert len(numbers.segment(ink)) == 1


class WideIsNotADigit:
    """A stand-in model: "not a digit" for ink wider than tall, a sure 1 otherwise."""

    backend = "test"
    card = {"not_digit": {"threshold": 0.5}}

    def predict(self, x):
        cols, rows = np.flatnonzero(x.max(0) > 0.5), np.flatnonzero(x.max(1) > 0.5)
        p = np.zeros(11, np.float32)
        p[10 if cols.size > 1.2 * rows.size else 1] = 1.0
        return p


def test_a_lone_drawing_that_is_not_a_digit_is_not_cut_into_digits():
    """A long zigzag alone is "not a digit"; its pieces might each read as a 1, but a lone
    drawing the model rejects stays rejected (a check mark is not "11")."""
    zigzag = [[(0.1 + 0.1 * k, 0.3 if k % 2 else 0.7) for k in range(9)]]
    r = recognition.recognise(drawing_png(drawings.place(zigzag, 0.8, 0.5, 0.5)), WideIsNotADigit())
    assert r.rejected and len(r.digits) == 1
