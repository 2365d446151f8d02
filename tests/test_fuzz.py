"""A few hundred generated bad requests (benchmarks/fuzz.py runs 10,000)."""

import re

import pytest

from benchmarks import fuzz
from webapp import create_app


@pytest.fixture(scope="module")
def real_client():
    return create_app().test_client()  # not TESTING: errors reach the real handlers


def test_fuzzed_requests_never_break_the_server(real_client):
    assert fuzz.run(real_client, cases=400, seed=1) >= 400


@pytest.mark.parametrize("name", sorted(fuzz.samples()))
def test_each_awkward_image(real_client, name):
    for ctype in ("image/png", "application/octet-stream"):
        fuzz.check(real_client, {"method": "POST", "path": "/api/predict",
                                 "data": fuzz.samples()[name], "content_type": ctype})
    fuzz.still_works(real_client)


def test_readable_formats_are_answered(real_client):
    for name in ("png", "jpeg", "webp", "cmyk", "palette", "exif_rotated"):
        resp = real_client.post("/api/predict", data=fuzz.samples()[name], content_type="image/png")
        assert resp.status_code == 200, (name, resp.get_json())
    for name in ("tiff", "bmp", "huge"):
        resp = real_client.post("/api/predict", data=fuzz.samples()[name], content_type="image/png")
        assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_image", name


def test_the_seed_chooses_the_requests(monkeypatch):
    seen: dict[int, list] = {}
    for seed in (1, 1, 2):
        got: list = []
        monkeypatch.setattr(fuzz, "check", lambda client, req, got=got: got.append(
            re.sub(r" at 0x[0-9a-f]+", "", repr(req))))  # object addresses differ run to run
        monkeypatch.setattr(fuzz, "still_works", lambda client: None)
        fuzz.run(None, cases=20, seed=seed)
        if seed in seen:
            assert got == seen[seed]  # the same seed, the same requests
        seen[seed] = got
    assert seen[1] != seen[2]
