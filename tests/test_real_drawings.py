"""Regression: real pen-drawn digits, letters and whole numbers by the final group of
webapp.training.variety.writer_groups, in every placement, through the server's own path (HTTP
route -> recognition -> classifier). The thresholds first sat at what the recipe scored on these
writers untouched (README); the shipped model has since been trained on them too, so here they
guard against regressions rather than measure writers never seen, and some now sit above what the
recipe trained without these writers scores (each docstring says), where the baseline came too
close to the old floor.

Every accuracy threshold here fails when the baseline model is served
(DIGITPAD_DEFAULT_MODEL=baseline): the figures it gets are in each test's docstring. The ceiling on
real digits rejected is the exception: a model that never rejects meets it by construction."""

from pathlib import Path

import numpy as np
import pytest

from benchmarks.real_drawings import REJECTED, SEVERAL, evaluate, png
from webapp.training import variety
from webapp.training.drawings import PLACEMENTS, load_drawings, placed, placement_pen, render

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def client_module(app):
    return app.test_client()


@pytest.fixture(scope="module")
def ask(client_module):
    def classify(data):
        resp = client_module.post("/api/predict", data=data, content_type="image/png")
        if resp.status_code == 422:
            return -1, None
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        if body["rejected"]:
            return REJECTED, body
        if len(body["digits"]) > 1:
            return SEVERAL, body
        return body["digit"], body

    return classify


@pytest.fixture(scope="module")
def final_sample():
    return load_drawings(DATA / "final_sample.jsonl.gz")


@pytest.fixture(scope="module")
def results(ask, final_sample):
    return evaluate(final_sample, ask, list(PLACEMENTS), seed=0)


@pytest.fixture(scope="module")
def final_group(ask):
    """All digits of the final group (data/unipen/), in the two hardest placements."""
    groups = variety.digit_groups()
    chosen = [d for d in load_drawings(variety.DIGITS) if groups[d.writer] == "final"]
    return evaluate(chosen, ask, ["small", "thick-pen"], seed=0)


def test_the_sample_is_the_final_group_and_balanced(final_sample):
    groups = variety.digit_groups()
    assert all(groups[d.writer] == "final" for d in final_sample)
    assert len(final_sample) == 300
    assert {d.label for d in final_sample} == set(range(10))


def test_the_served_model_beats_the_baseline_on_every_final_writer(final_group):
    """All 1,063 digits of the final group (small, thick pen): the recipe trained without them
    98.2% and 97.9% (float11's, served before 2026-12-07: 97.3% and 97.3%), the served cnn
    (trained on them) 99.9% and 99.9%, the baseline 96.2% and 96.4% (at the 16% pen; 96.0% and
    95.8% before, when 0.963 was the floor). One writer's nines are the recipe's weak spot (91.3%
    trained without them; another's zeros were too, before theta-float): a floor, not a target."""
    r = final_group
    for placement, accuracy in r["per_placement"].items():
        assert accuracy >= 0.97, (placement, r["per_placement"])
    assert min(r["per_digit"].values()) >= 0.86, r["per_digit"]


@pytest.mark.parametrize("placement", list(PLACEMENTS))
def test_each_placement(results, placement):
    """The committed sample (300 digits x 5 placements): the served model, which trained on these
    writers, 100% in each; the recipe trained without them 98.7-99.0% (float11's 97.7-98.0%);
    the baseline 96.7-97.7%
    (with the upload's pen clamped at 16% it reads thick-pen drawings at 97.67%, so 0.975 no
    longer failed it: hence 0.98)."""
    assert results["per_placement"][placement] >= 0.98, results["per_placement"]


def test_overall_and_per_digit(results):
    """cnn 100% (the recipe trained without these writers 98.9%, weakest digit 94.0%; float11's
    97.9% and 90.0%), baseline 97.1% (89.3%)."""
    assert results["accuracy"] >= 0.975, results["accuracy"]
    assert min(results["per_digit"].values()) >= 0.90, results["per_digit"]


def test_real_digits_are_rarely_rejected(results, final_group):
    """Real digits answered "not a digit": 2 of these 3,626 (0.06%) with the served model at its 0.85
    threshold (float11's, served before it, 2 at 0.75, 0.85 and 0.9; the recipe trained without
    these writers 14, 0.39%; the target, 0.5% on writers never seen, is not met: README)."""
    rejected = sum(row[11] for row in results["confusion_matrix"])
    rejected += sum(row[11] for row in final_group["confusion_matrix"])
    assert rejected <= 0.012 * (results["count"] + final_group["count"])


@pytest.fixture(scope="module")
def letters_and_shapes(ask):
    letters = variety.load_letters(DATA / "letters_sample.jsonl.gz")
    drawn = variety.shapes(160, seed=99)
    rng = np.random.default_rng(7)
    names = list(PLACEMENTS)
    said = {}
    for kind, items in (("letters", letters), ("shapes", drawn)):
        answers = []
        for d in items:
            placement = names[int(rng.integers(len(names)))]
            img = render(placed(d, placement, rng), placement_pen(placement))
            answers.append(ask(png(img))[0])
        said[kind] = np.asarray(answers)
    return said


def test_letters_are_not_digits(letters_and_shapes):
    """400 clearly-non-digit letters: cnn rejects 95.0% at its 0.85 threshold (float11, served
    before 2026-12-07: 94.5% at 0.85, 93.75% at 0.9, 96.0% at 0.75), the baseline (no such
    answer) none."""
    said = letters_and_shapes["letters"]
    assert len(said) == 400
    assert (said == REJECTED).mean() >= 0.93, (said == REJECTED).mean()


def test_lines_dots_scribbles_and_shapes_are_not_digits(letters_and_shapes):
    """160 drawn shapes (seed 99, never trained on): cnn rejects 95.0% at 0.85 (float11: 95.6% at
    0.85, 94.4% at 0.9, 96.3% at 0.75), the baseline none."""
    said = letters_and_shapes["shapes"]
    answered = said[said != -1]  # "draw something" (a blank or a dot) is no digit answer either
    assert (answered == REJECTED).mean() >= 0.92, (answered == REJECTED).mean()


def test_whole_numbers_from_writers_never_seen(client_module, final_sample):
    """150 numbers of 2-4 digits from the sample's writers: cnn reads 96.7% whole (float11, served
    before 2026-12-07: 98.0%, and 96.7% when a number's pen was clamped by 1.25 times its height,
    not by its digits' height as a single digit's is: drawings.pen_side), the baseline 84.7%
    (84.7% at the 16% pen too)."""
    right, count = 0, 0
    wrong = []
    for label, strokes in variety.numbers(final_sample, 150, seed=11):
        resp = client_module.post("/api/predict", data=png(render(strokes)),
                                  content_type="image/png")
        body = resp.get_json()
        got = "".join(str(d["digit"]) for d in body["digits"])
        count += 1
        right += got == label and body["number"] == label
        if got != label:
            wrong.append((label, got))
    assert right >= 0.95 * count, wrong


def test_png_helper_round_trips():
    from PIL import Image

    img = Image.new("RGBA", (10, 10))
    assert png(img).startswith(b"\x89PNG")
