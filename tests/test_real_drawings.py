"""Regression: real pen-drawn digits by writers never trained on, in every placement, through the
server's own path (HTTP route -> preprocess -> classifier)."""

from pathlib import Path

import pytest

from benchmarks.real_drawings import evaluate, png
from webapp.training.drawings import PLACEMENTS, load_drawings, writer_split

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def results(client_module, real_sample):
    assert all(writer_split(d.writer) == "measure" for d in real_sample)

    def classify(data):
        resp = client_module.post("/api/predict", data=data, content_type="image/png")
        if resp.status_code == 422:
            return -1, None
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["digit"], None

    return evaluate(real_sample, classify, list(PLACEMENTS), seed=0)


@pytest.fixture(scope="module")
def client_module(app):
    return app.test_client()


@pytest.fixture(scope="module")
def all_measure_writers(client_module):
    """All 1,416 digits of the 26 measurement writers (data/unipen/), in the two hardest
    placements: enough drawings to tell the shipped CNN (99.2%) from the baseline (97.5%)."""
    drawings = [d for d in load_drawings(ROOT / "data" / "unipen" / "dev.jsonl.gz")
                if writer_split(d.writer) == "measure"]

    def classify(data):
        resp = client_module.post("/api/predict", data=data, content_type="image/png")
        return (resp.get_json()["digit"] if resp.status_code == 200 else -1), None

    return evaluate(drawings, classify, ["small", "thick-pen"], seed=0)


def test_the_served_model_beats_the_baseline_on_every_measurement_writer(all_measure_writers):
    """Fails when the baseline is served (DIGITPAD_DEFAULT_MODEL=baseline: 97.5% and 97.4%, zeros
    at 92%), passes with the shipped CNN (99.2% and 99.2%)."""
    r = all_measure_writers
    assert r["count"] == 2 * 1416
    for placement, accuracy in r["per_placement"].items():
        assert accuracy >= 0.988, (placement, r["per_placement"])
    assert min(r["per_digit"].values()) >= 0.965, r["per_digit"]


def test_sample_is_balanced(real_sample):
    assert len(real_sample) == 200
    assert {d.label for d in real_sample} == set(range(10))


@pytest.mark.parametrize("placement", list(PLACEMENTS))
def test_each_placement_at_least_97_percent(results, placement):
    assert results["per_placement"][placement] >= 0.97, results["per_placement"]


def test_overall_and_per_digit(results):
    assert results["accuracy"] >= 0.97
    assert min(results["per_digit"].values()) >= 0.9, results["per_digit"]


def test_png_helper_round_trips():
    from PIL import Image

    img = Image.new("RGBA", (10, 10))
    assert png(img).startswith(b"\x89PNG")
