"""Regression: real pen-drawn digits by writers never trained on, in every placement, through the
server's own path (HTTP route -> preprocess -> classifier)."""

import pytest

from benchmarks.real_drawings import evaluate, png
from webapp.drawings import PLACEMENTS, writer_split


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
