"""JSON API: thin routes; the work happens in preprocess and classifier."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time

import numpy as np
from flask import Blueprint, Request, current_app, jsonify, request

from webapp import preprocess
from webapp.classifier import ModelError, Registry, UnknownModel
from webapp.security import error

bp = Blueprint("api", __name__)

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?((?:;[\w-]+=[\w.-]+)*);base64,", re.ASCII)


class BadRequest(ValueError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def registry() -> Registry:
    return current_app.extensions["digitpad.registry"]


def image_bytes(req: Request) -> bytes:
    """The uploaded image, from JSON (data URL or base64), multipart or a raw image body."""
    mimetype = req.mimetype
    if mimetype == "application/json":
        body = req.get_json(silent=True)
        if body is None:
            raise BadRequest(400, "invalid_json", "The body is not valid JSON.")
        if not isinstance(body, dict):
            raise BadRequest(400, "invalid_request", 'The JSON body must be an object: {"image": "…"}.')
        value = body.get("image")
        if not isinstance(value, str) or not value:
            raise BadRequest(400, "invalid_request",
                             'The JSON body needs "image": a data URL or base64 of a PNG/JPEG/WebP.')
        return decode_base64(value)
    if mimetype == "multipart/form-data":
        upload = req.files.get("image")
        if upload is None:
            raise BadRequest(400, "invalid_request", "The form needs a file field named 'image'.")
        return upload.read()
    if mimetype in IMAGE_TYPES or mimetype == "application/octet-stream":
        return req.get_data(cache=False)
    raise BadRequest(415, "unsupported_media_type",
                     "Send JSON {\"image\": …}, a multipart form with 'image', or an image body "
                     f"({', '.join(IMAGE_TYPES)}); got {mimetype or 'no Content-Type'}.")


def decode_base64(value: str) -> bytes:
    match = DATA_URL.match(value)
    if match:
        kind = (match.group(1) or "").lower()
        if kind not in IMAGE_TYPES:
            raise BadRequest(400, "invalid_image",
                             f"The data URL holds {kind or 'no type'}; expected one of "
                             f"{', '.join(IMAGE_TYPES)}.")
        value = value[match.end():]
    elif value.startswith("data:"):
        raise BadRequest(400, "invalid_image", "Only base64 data URLs are accepted.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(400, "invalid_image", "The image is not valid base64.") from None


@bp.post("/api/predict")
def predict():
    name = request.args.get("model", current_app.config["DEFAULT_MODEL"])
    try:
        model = registry().get(name)
    except UnknownModel:
        return error(404, "unknown_model",
                     f"No model named {name[:80]!r}; GET /api/models lists them.")
    except ModelError as exc:
        current_app.logger.error("model %s failed to load: %s", name, exc)
        return error(503, "model_unavailable", f"Model {name!r} could not be loaded.")
    try:
        data = image_bytes(request)
        started = time.perf_counter()
        x = preprocess.preprocess(data)
    except BadRequest as exc:
        return error(exc.status, exc.code, exc.message)
    except preprocess.InvalidImage as exc:
        return error(400, "invalid_image", f"Could not read the image: {exc}.")
    except preprocess.EmptyDrawing:
        return error(422, "empty_drawing", "The drawing is empty: draw a digit first.")
    # Three decimals are plenty for ink; the model is given the rounded values, so `input` is
    # exactly what it saw.
    thousandths = np.rint(x * 1000).astype(np.intp)
    prepared = time.perf_counter()
    p = model.predict(thousandths / 1000)
    done = time.perf_counter()
    digit = int(np.argmax(p))
    answer = json.dumps({
        "digit": digit,
        "confidence": float(p[digit]),
        "probabilities": p.tolist(),
        "model": name,
        "timing_ms": {"preprocess": round((prepared - started) * 1e3, 3),
                      "inference": round((done - prepared) * 1e3, 3)},
    })
    body = f'{answer[:-1]}, "input": {input_json(thousandths)}}}'
    return current_app.response_class(body, mimetype="application/json")


# The text of every value `input` can hold (0.0, 0.001, ... 1.0), as json.dumps writes it.
_THOUSANDTHS = [repr(k / 1000) for k in range(1001)]


def input_json(thousandths: np.ndarray) -> str:
    """28x28 integers k -> the JSON of k / 1000, by table lookup: the same text json.dumps would
    write for the 784 floats, several times faster (this was the slowest part of the answer)."""
    return "[" + ",".join(
        "[" + ",".join([_THOUSANDTHS[k] for k in row]) + "]" for row in thousandths.tolist()) + "]"


@bp.get("/api/models")
def models():
    reg = registry()
    default = current_app.config["DEFAULT_MODEL"]
    return jsonify(default=default, models=[
        {"name": n, "default": n == default, "loaded": n in reg.loaded(), "card": reg.card(n)}
        for n in reg.names()
    ])


@bp.get("/healthz")
def healthz():
    reg = registry()
    default = current_app.config["DEFAULT_MODEL"]
    if default not in reg.loaded():
        return error(503, "model_unavailable", f"The default model {default!r} is not loaded.")
    return jsonify(status="ok", model=default, backend=reg.get(default).backend)
