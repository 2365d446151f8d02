"""/api/explain: every stage of the network for one drawing, computed without TensorFlow in the
web process, checked against Keras's own intermediate outputs for the same input."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import drawing_png
from webapp import create_app, explain
from webapp.training.drawings import place

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["input", "conv", "batchnorm", "activation", "conv", "batchnorm", "activation", "pool",
         "conv", "batchnorm", "activation", "conv", "batchnorm", "activation", "pool", "flatten",
         "dropout", "dense", "batchnorm", "activation", "dropout", "dense", "softmax"]


@pytest.fixture(scope="module")
def answered(app, real_sample):
    client = app.test_client()
    png = drawing_png(place(real_sample[42].strokes, 0.6, 0.5, 0.5))
    inside = client.post("/api/explain", data=png, content_type="image/png")
    predicted = client.post("/api/predict", data=png, content_type="image/png")
    assert inside.status_code == 200, inside.data[:300]
    return inside, predicted.get_json(), real_sample[42].label


def test_every_stage_is_there_in_order(answered):
    inside, _, label = answered
    body = inside.get_json()
    assert [layer["kind"] for layer in body["layers"]] == KINDS
    assert body["digit"] == label and body["model"] == "cnn"
    for layer in body["layers"]:
        assert ("maps" in layer) != ("values" in layer)
        assert layer["params"] >= 0 and layer["shape"]
    # the model's parameters: ten digits and "not a digit" from 128 units (no bias before BN)
    assert sum(layer["params"] for layer in body["layers"]) == 198_571
    assert len(inside.data) < 150_000


def test_the_last_stage_is_predicts_answer(answered):
    inside, predicted, _ = answered
    body = inside.get_json()
    softmax = body["layers"][-1]
    # Eleven outputs: the ten digits' share of them is /api/predict's ten probabilities.
    assert len(softmax["values"]) == 11
    digits = np.array(softmax["values"][:10]) / sum(softmax["values"][:10])
    assert np.allclose(digits, predicted["probabilities"], atol=1e-5)
    assert body["not_digit"] == pytest.approx(softmax["values"][10], abs=1e-6)
    assert body["rejected"] is False
    assert np.allclose(body["probabilities"], predicted["probabilities"], atol=1e-7)
    exp = np.array(softmax["exp"])
    assert np.allclose(exp / softmax["sum"], softmax["values"], atol=1e-6)
    assert np.allclose(np.exp(body["logits"]), exp, rtol=1e-5)


def test_values_match_keras_intermediate_outputs(answered):
    import keras

    from webapp.training.explain_export import explain_model

    inside, predicted, _ = answered
    x = np.array(predicted["input"], np.float32).reshape(1, 28, 28, 1)
    model = keras.saving.load_model(ROOT / "models" / "cnn.keras", compile=False)
    keras_model, _ = explain_model(model)
    reference = [x[0]] + [np.asarray(o)[0] for o in keras_model(x, training=False)]
    layers = inside.get_json()["layers"][:-1]  # the softmax is checked above
    assert len(reference) == len(layers)
    for layer, ref in zip(layers, reference):
        if "maps" in layer:
            got = explain.read_maps(layer["maps"])
            # 8 bits: within one quantisation step of Keras (and LiteRT's float rounding).
            tolerance = layer["maps"]["scale"] * 0.51 + 1e-4 * np.abs(ref).max()
            assert np.abs(got - ref.reshape(got.shape)).max() <= tolerance, layer["name"]
        else:
            assert np.allclose(layer["values"], ref, atol=2e-3 * max(1.0, np.abs(ref).max())), \
                layer["name"]


def test_filters_of_a_convolution(app):
    client = app.test_client()
    body = client.get("/api/models/cnn/filters?layer=conv2d").get_json()
    assert np.array(body["filters"]).shape == (3, 3, 1, 32)
    assert client.get("/api/models/cnn/filters?layer=dense").status_code == 404
    assert client.get("/api/models/nope/filters?layer=conv2d").status_code == 404


def test_errors_are_those_of_predict(app):
    client = app.test_client()
    assert client.post("/api/explain", data=b"nope", content_type="image/png").status_code == 400
    assert client.post("/api/explain", data=b"x", content_type="text/plain").status_code == 415
    assert client.post("/api/explain?model=../cnn", data=b"x",
                       content_type="image/png").status_code == 404
    from PIL import Image

    from tests.helpers import png_bytes

    resp = client.post("/api/explain", data=png_bytes(Image.new("RGBA", (50, 50))),
                       content_type="image/png")
    assert resp.status_code == 422


def test_a_model_without_an_inside_view_says_so(tmp_path, real_sample):
    for f in (ROOT / "models").glob("cnn.*"):
        shutil.copy(f, tmp_path / f.name)
    app = create_app({"TESTING": True, "MODELS_DIR": str(tmp_path)})
    resp = app.test_client().post(
        "/api/explain", data=drawing_png(place(real_sample[0].strokes, 0.6, 0.5, 0.5)),
        content_type="image/png")
    assert resp.status_code == 404 and resp.get_json()["error"] == "no_explanation"


def test_the_inside_view_file_is_not_offered_as_a_model(app):
    names = [m["name"] for m in app.test_client().get("/api/models").get_json()["models"]]
    assert "cnn" in names and not any(n.endswith("-explain") for n in names)


def test_homework_is_counted_from_the_file(app):
    from webapp.homework import count

    body = app.test_client().get("/api/homework").get_json()
    assert body["file"] == "homework.py" and "model.fit" in body["code"]
    assert body == {**body, **count((ROOT / "homework.py").read_text())}
    assert body["statements"] <= 15
    assert count('"""doc"""\nimport a\n\n# note\nx = f(1,\n      2)\n') == {"statements": 2,
                                                                         "lines": 3}


def test_no_preprocessing_is_what_demos_do(app, real_sample):
    from tests.helpers import png_bytes
    from webapp.training.drawings import render

    client = app.test_client()
    small = render(place(real_sample[0].strokes, 0.2, 0.15, 0.85), as_uploaded=False)
    body = client.post("/api/predict?preprocess=none", data=png_bytes(small),
                       content_type="image/png").get_json()
    x = np.array(body["input"])
    assert x[:14, 14:].sum() == 0 and x.max() > 0  # the digit stays small, in its corner
    assert client.post("/api/predict?preprocess=bogus", data=png_bytes(small),
                       content_type="image/png").status_code == 400
