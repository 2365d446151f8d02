"""POST /api/predict in every accepted form, and every error it can answer."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tests.helpers import drawing_png, png_bytes
from webapp.training.drawings import place


@pytest.fixture(scope="module")
def seven_png(real_sample):
    seven = next(d for d in real_sample if d.label == 7)
    return drawing_png(place(seven.strokes, 0.7, 0.5, 0.5))


def check_answer(resp, digit=None):
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert set(body) == {"digit", "confidence", "probabilities", "input", "model", "timing_ms",
                         "rejected", "not_digit", "number", "digits"}
    assert body["rejected"] is False and 0 <= body["not_digit"] < 0.75
    assert body["number"] == str(body["digit"]) and len(body["digits"]) == 1
    assert body["digits"][0]["digit"] == body["digit"]
    p = np.array(body["probabilities"])
    assert p.shape == (10,) and abs(p.sum() - 1) < 1e-4 and (p >= 0).all()
    assert body["digit"] == int(p.argmax()) and body["confidence"] == pytest.approx(p.max())
    x = np.array(body["input"])
    assert x.shape == (28, 28) and x.min() >= 0 and x.max() <= 1
    assert body["model"] == "cnn"
    assert set(body["timing_ms"]) == {"preprocess", "inference"}
    if digit is not None:
        assert body["digit"] == digit
    return body


def test_raw_png_body(client, seven_png):
    check_answer(client.post("/api/predict", data=seven_png, content_type="image/png"), 7)


def test_json_data_url(client, seven_png):
    url = "data:image/png;base64," + base64.b64encode(seven_png).decode()
    check_answer(client.post("/api/predict", json={"image": url}), 7)


def test_json_plain_base64(client, seven_png):
    check_answer(client.post("/api/predict", json={"image": base64.b64encode(seven_png).decode()}), 7)


def test_multipart_form(client, seven_png):
    resp = client.post("/api/predict", data={"image": (io.BytesIO(seven_png), "seven.png")},
                       content_type="multipart/form-data")
    check_answer(resp, 7)


@pytest.mark.parametrize("fmt,mime", [("JPEG", "image/jpeg"), ("WEBP", "image/webp"),
                                      ("GIF", "image/gif")])
def test_other_formats(client, seven_png, fmt, mime):
    img = Image.open(io.BytesIO(seven_png))
    flat = Image.new("RGB", img.size, "white")
    flat.paste(img, mask=img.getchannel("A"))
    buf = io.BytesIO()
    flat.save(buf, fmt)
    check_answer(client.post("/api/predict", data=buf.getvalue(), content_type=mime), 7)


def test_input_is_what_the_model_saw(client, app, seven_png):
    body = check_answer(client.post("/api/predict", data=seven_png, content_type="image/png"))
    model = app.extensions["digitpad.registry"].get("cnn")
    p = model.predict(np.array(body["input"], dtype=np.float32))
    # Eleven outputs: the ten digits' share, and "not a digit"
    assert p.shape == (11,)
    assert np.allclose(p[:10] / p[:10].sum(), body["probabilities"], atol=1e-6)
    assert body["not_digit"] == pytest.approx(p[10], abs=1e-6)


def test_input_has_three_decimals(client, seven_png):
    body = check_answer(client.post("/api/predict", data=seven_png, content_type="image/png"))
    k = np.array(body["input"]) * 1000
    assert np.allclose(k, np.rint(k), atol=1e-6) and k.max() == 1000


def test_explicit_model(client, seven_png):
    check_answer(client.post("/api/predict?model=cnn", data=seven_png, content_type="image/png"), 7)


def error_of(resp, status, code):
    assert resp.status_code == status, resp.data[:300]
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["error"] == code and isinstance(body["message"], str) and body["message"]
    return body


def test_blank_drawing_is_422(client):
    blank = png_bytes(Image.new("RGBA", (280, 280), (0, 0, 0, 0)))
    error_of(client.post("/api/predict", data=blank, content_type="image/png"), 422, "empty_drawing")


@pytest.mark.parametrize("data,ctype,status,code", [
    (b"hello", "image/png", 400, "invalid_image"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png", 400, "invalid_image"),
    (b"", "image/png", 400, "invalid_image"),
    (b"hello", "text/plain", 415, "unsupported_media_type"),
    (b"{not json", "application/json", 400, "invalid_json"),
    (b"[1, 2]", "application/json", 400, "invalid_request"),
    (b'{"img": "x"}', "application/json", 400, "invalid_request"),
    (b'{"image": 5}', "application/json", 400, "invalid_request"),
    (b'{"image": "data:text/plain;base64,aGVsbG8="}', "application/json", 400, "invalid_image"),
    (b'{"image": "data:image/png,rawtext"}', "application/json", 400, "invalid_image"),
    (b'{"image": "@@not base64@@"}', "application/json", 400, "invalid_image"),
    (b'{"image": "aGVsbG8="}', "application/json", 400, "invalid_image"),
])
def test_bad_input(client, data, ctype, status, code):
    error_of(client.post("/api/predict", data=data, content_type=ctype), status, code)


def test_multipart_without_image_field(client):
    resp = client.post("/api/predict", data={"file": (io.BytesIO(b"x"), "x.png")},
                       content_type="multipart/form-data")
    error_of(resp, 400, "invalid_request")


def test_body_over_limit_is_413(client, app):
    big = b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    body = error_of(client.post("/api/predict", data=big, content_type="image/png"), 413, "too_large")
    assert str(app.config["MAX_CONTENT_LENGTH"]) in body["message"]


def test_unknown_model_is_404(client, seven_png):
    error_of(client.post("/api/predict?model=nope", data=seven_png, content_type="image/png"),
             404, "unknown_model")


def test_wrong_method_and_path_are_json(client):
    error_of(client.get("/api/predict"), 405, "method_not_allowed")
    error_of(client.get("/api/nothing"), 404, "not_found")


def test_models_lists_cards(client):
    body = client.get("/api/models").get_json()
    assert body["default"] == "cnn"
    cnn = next(m for m in body["models"] if m["name"] == "cnn")
    assert cnn["default"] and cnn["loaded"]
    assert cnn["card"]["mnist_test_accuracy"] >= 0.994


def test_healthz(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["model"] == "cnn"


def test_page_is_served_with_its_assets(client):
    page = client.get("/")
    assert page.status_code == 200 and b'id="pad"' in page.data
    for asset in ("/static/js/main.js", "/static/js/pad.js", "/static/js/i18n.js",
                  "/static/css/app.css", "/static/pad.json"):
        assert client.get(asset).status_code == 200, asset
