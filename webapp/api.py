"""JSON API: thin routes; the work happens in preprocess and classifier."""

from __future__ import annotations

import base64
import binascii
import re
import time
from pathlib import Path

import orjson
from flask import Blueprint, Request, current_app, jsonify, request

from webapp import preprocess, recognition
from webapp.classifier import ModelError, Registry, UnknownModel
from webapp.security import RequestError

bp = Blueprint("api", __name__)

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?((?:;[\w-]+=[\w.-]+)*);base64,", re.ASCII)


def registry() -> Registry:
    return current_app.extensions["digitpad.registry"]


def read_upload(req: Request) -> tuple[bytes, dict]:
    """The uploaded image and the request's other fields: from JSON (data URL or base64, fields
    beside "image"), multipart (an `image` file, form fields) or a raw image body (fields in the
    query string)."""
    mimetype = req.mimetype
    if mimetype == "application/json":
        body = req.get_json(silent=True)
        if body is None:
            raise RequestError(400, "invalid_json", "The body is not valid JSON.")
        if not isinstance(body, dict):
            raise RequestError(400, "invalid_request", 'The JSON body must be an object: {"image": "…"}.')
        value = body.get("image")
        if not isinstance(value, str) or not value:
            raise RequestError(400, "invalid_request",
                               'The JSON body needs "image": a data URL or base64 of a PNG/JPEG/WebP.')
        return decode_base64(value), body
    if mimetype == "multipart/form-data":
        upload = req.files.get("image")
        if upload is None:
            raise RequestError(400, "invalid_request", "The form needs a file field named 'image'.")
        return upload.read(), req.form.to_dict()
    if mimetype in IMAGE_TYPES or mimetype == "application/octet-stream":
        return req.get_data(cache=False), req.args.to_dict()
    raise RequestError(415, "unsupported_media_type",
                       "Send JSON {\"image\": …}, a multipart form with 'image', or an image body "
                       f"({', '.join(IMAGE_TYPES)}); got {mimetype or 'no Content-Type'}.")


def decode_base64(value: str) -> bytes:
    match = DATA_URL.match(value)
    if match:
        kind = (match.group(1) or "").lower()
        if kind not in IMAGE_TYPES:
            raise RequestError(400, "invalid_image",
                               f"The data URL holds {kind or 'no type'}; expected one of "
                               f"{', '.join(IMAGE_TYPES)}.")
        value = value[match.end():]
    elif value.startswith("data:"):
        raise RequestError(400, "invalid_image", "Only base64 data URLs are accepted.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(400, "invalid_image", "The image is not valid base64.") from None


def model_named(name: str):
    try:
        return registry().get(name)
    except UnknownModel:
        raise RequestError(404, "unknown_model",
                           f"No model named {name[:80]!r}; GET /api/models lists them.") from None
    except ModelError as exc:
        current_app.logger.error("model %s failed to load: %s", name, exc)
        raise RequestError(503, "model_unavailable", f"Model {name!r} could not be loaded.") from None


def strokes_of(fields: dict) -> list | None:
    """The strokes an upload may carry: a JSON list beside "image", or a form field holding one."""
    value = fields.get("strokes")
    if value is None:
        return None
    try:
        if isinstance(value, str):
            value = orjson.loads(value)
        return recognition.parse_strokes(value)
    except (orjson.JSONDecodeError, recognition.InvalidStrokes) as exc:
        raise RequestError(400, "invalid_strokes", f"Could not read the strokes: {exc}.") from None


def classify_upload(data: bytes, model, whole_canvas: bool = False, several: bool = True,
                    strokes: list | None = None) -> recognition.Recognition:
    try:
        return recognition.recognise(data, model, whole_canvas=whole_canvas, several=several,
                                     strokes=strokes)
    except preprocess.InvalidImage as exc:
        raise RequestError(400, "invalid_image", f"Could not read the image: {exc}.") from None
    except preprocess.EmptyDrawing:
        raise RequestError(422, "empty_drawing", "The drawing is empty: draw a digit first.") from None


def wants_whole_canvas() -> bool:
    """?preprocess=none: the whole image resized to 28x28, as most demos do (to show why not)."""
    value = request.args.get("preprocess", "mnist")
    if value not in ("mnist", "none"):
        raise RequestError(400, "invalid_request", "preprocess must be 'mnist' (default) or 'none'.")
    return value == "none"


def json_response(payload: dict, status: int = 200):
    return current_app.response_class(orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY),
                                      status=status, mimetype="application/json")


@bp.post("/api/predict")
def predict():
    name = request.args.get("model", current_app.config["DEFAULT_MODEL"])
    model = model_named(name)
    data, fields = read_upload(request)
    answer = classify_upload(data, model, wants_whole_canvas(), strokes=strokes_of(fields))
    return json_response(answer.as_json(name))


def explainers():
    from webapp.explain import Explainers

    ext = current_app.extensions
    if "digitpad.explainers" not in ext:
        ext["digitpad.explainers"] = Explainers(Path(current_app.config["MODELS_DIR"]))
    return ext["digitpad.explainers"]


def explainer_for(name: str):
    try:
        return explainers().get(name)
    except FileNotFoundError:
        raise RequestError(404, "no_explanation",
                           f"Model {name!r} has no inside view (python -m "
                           "webapp.training.explain_export models/NAME.keras makes one).") from None


@bp.post("/api/explain")
def explain():
    """Every stage of the network for this drawing: the feature maps after each convolution,
    batch normalisation, activation and pooling, the flattened vector, the dense layers, the logits
    and the softmax (exponentials, their sum, the probabilities)."""
    name = request.args.get("model", current_app.config["DEFAULT_MODEL"])
    model = model_named(name)
    data, _ = read_upload(request)
    answer = classify_upload(data, model, wants_whole_canvas(), several=False)
    started = time.perf_counter()
    inside = explainer_for(name).explain(answer.thousandths / 1000)
    inside.update(model=name, digit=answer.digit, confidence=answer.confidence,
                  probabilities=answer.probabilities.tolist(), rejected=answer.rejected,
                  not_digit=answer.not_digit,
                  timing_ms={"preprocess": round(answer.preprocess_ms, 3),
                             "explain": round((time.perf_counter() - started) * 1e3, 3)})
    return json_response(inside)


@bp.get("/api/models/<name>/filters")
def filters(name: str):
    """The learned 3x3 kernels of one convolution (?layer=NAME): what made each feature map."""
    model_named(name)
    layer = request.args.get("layer", "")
    found = explainer_for(name).filters(layer)
    if found is None:
        raise RequestError(404, "unknown_layer", f"{name} has no convolution named {layer[:60]!r}.")
    response = json_response(found)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/api/homework")
def homework():
    """The talk's homework program, its line count (from the file) and its measured result."""
    from webapp.homework import summary

    found = summary()
    if found is None:
        raise RequestError(404, "not_found", "homework.py is not part of this installation.")
    return json_response(found)


@bp.get("/api/lesson/code")
def lesson_code():
    """Where each piece of TensorFlow is in digitpad's code: file, line number, the line."""
    from webapp.lesson import code_locations

    return json_response({"concepts": code_locations()})


@bp.get("/api/models")
def models():
    reg = registry()
    default = current_app.config["DEFAULT_MODEL"]
    return jsonify(default=default, models=[
        {"name": n, "default": n == default, "loaded": n in reg.loaded(),
         "card": public_card(reg.card(n))}
        for n in reg.names()
    ])


# What a client needs to describe a model; the full card (paths on the server's disk, the command
# line, the training history) stays on the server.
PUBLIC_CARD_KEYS = ("name", "architecture", "parameters", "mnist_test_accuracy", "epochs",
                    "optimizer", "training_seconds", "seconds_per_epoch", "device", "date",
                    "per_class_accuracy", "real_drawings_accuracy")


def public_card(card: dict) -> dict:
    out = {k: card[k] for k in PUBLIC_CARD_KEYS if k in card}
    if isinstance(out.get("optimizer"), dict):
        out["optimizer"] = {k: v for k, v in out["optimizer"].items()
                            if k in ("name", "peak_learning_rate", "schedule")}
    return out


@bp.get("/healthz")
def healthz():
    # The default model is loaded (and checked) by create_app before any request is served.
    default = current_app.config["DEFAULT_MODEL"]
    return jsonify(status="ok", model=default, backend=registry().get(default).backend)
