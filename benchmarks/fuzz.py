#!/usr/bin/env python3
"""Fuzz every endpoint with generated bad requests (hypothesis), in-process.

Asserts for each: never a 5xx, errors are JSON with `error` and `message`, and afterwards the
server still answers a valid drawing correctly. tests/test_fuzz.py runs a few hundred cases; this
script runs as many as asked:

    python benchmarks/fuzz.py --cases 10000
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import sys
import time
from functools import lru_cache
from pathlib import Path

import hypothesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


@lru_cache(maxsize=1)
def samples() -> dict[str, bytes]:
    """Real and awkward images, made once."""
    from webapp.training.drawings import load_drawings, place, render

    seven = next(d for d in load_drawings(ROOT / "tests/data/real_sample.jsonl.gz") if d.label == 7)
    drawing = render(place(seven.strokes, 0.6, 0.5, 0.5))
    flat = Image.new("RGB", drawing.size, "white")
    flat.paste(drawing, mask=drawing.getchannel("A"))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees
    frames = [flat.convert("P"), Image.new("P", flat.size, 0)]
    sixteen = Image.new("I;16", (64, 64), 0)
    ImageDraw.Draw(sixteen).line((10, 10, 50, 50), fill=60000, width=6)
    return {
        "png": _save(drawing, "PNG"),
        "jpeg": _save(flat, "JPEG"),
        "webp": _save(flat, "WEBP"),
        "cmyk": _save(flat.convert("CMYK"), "JPEG"),
        "palette": _save(flat.convert("P"), "PNG"),
        "png16": _save(sixteen, "PNG"),
        "gif_animated": _save(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        "exif_rotated": _save(flat, "JPEG", exif=exif),
        "transparent": _save(Image.new("RGBA", (280, 280), (0, 0, 0, 0)), "PNG"),
        "one_pixel": _save(Image.new("L", (1, 1), 0), "PNG"),
        "huge": _save(Image.new("1", (20000, 20000), 0), "PNG"),
        "tiff": _save(flat, "TIFF"),
        "bmp": _save(flat, "BMP"),
    }


TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif", "application/json",
         "application/octet-stream", "text/plain", "multipart/form-data", "", "image/svg+xml",
         "application/x-www-form-urlencoded", "application/json; charset=utf-16"]
PATHS = ["/api/predict", "/api/models", "/healthz", "/", "/api/predict/", "/static/../webapp",
         "/api/%00", "/static/pad.json"]


@st.composite
def image_bytes(draw) -> bytes:
    base = draw(st.sampled_from(sorted(samples())))
    data = samples()[base]
    how = draw(st.sampled_from(["as is", "truncated", "corrupted", "random", "prefix"]))
    if how == "truncated":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if how == "corrupted":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 20))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "random":
        return draw(st.binary(max_size=4096))
    if how == "prefix":
        return data[:8] + draw(st.binary(max_size=512))
    return data


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50)
    | st.just(10**400),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                       max_size=4),
    max_leaves=10,
)


@st.composite
def json_bodies(draw) -> bytes:
    kind = draw(st.sampled_from(["value", "image-field", "data-url", "broken", "unicode"]))
    if kind == "value":
        return json.dumps(draw(json_values), allow_nan=True).encode()
    if kind == "image-field":
        return json.dumps({"image": draw(json_values), draw(st.text(max_size=5)): 1}).encode()
    if kind == "data-url":
        mime = draw(st.sampled_from(["image/png", "image/jpeg", "text/html", "image/svg+xml", "",
                                     "application/pdf", "image/png;charset=x"]))
        payload = base64.b64encode(draw(image_bytes())).decode()
        if draw(st.booleans()):
            payload = payload[: draw(st.integers(0, len(payload)))] + draw(st.text(max_size=3))
        return json.dumps({"image": f"data:{mime};base64,{payload}"}).encode()
    if kind == "unicode":
        return json.dumps({"image": draw(st.text(min_size=1, max_size=200))}).encode()
    return draw(st.binary(max_size=300))


@st.composite
def requests(draw) -> dict:
    path = draw(st.sampled_from(PATHS))
    method = draw(st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE", "HEAD"]))
    ctype = draw(st.sampled_from(TYPES))
    query = draw(st.sampled_from(["", "?model=cnn", "?model=../../etc/passwd", "?model=%2e%2e",
                                  "?model=" + "x" * 300, "?model=ünï", "?a=1&a=2"]))
    if ctype.startswith("application/json"):
        body = draw(json_bodies())
    elif ctype == "multipart/form-data":
        return {"method": method, "path": path + query,
                "data": {draw(st.sampled_from(["image", "file", "img"])):
                         (io.BytesIO(draw(image_bytes())), draw(st.text(max_size=20)) or "x")},
                "content_type": ctype}
    else:
        body = draw(image_bytes())
    return {"method": method, "path": path + query, "data": body, "content_type": ctype or None}


def check(client, req: dict) -> None:
    resp = client.open(req["path"], method=req["method"], data=req["data"],
                       content_type=req["content_type"])
    assert resp.status_code < 500, (resp.status_code, resp.data[:300], req["path"])
    if resp.status_code >= 400 and req["method"] != "HEAD":
        body = resp.get_json(silent=True)
        assert isinstance(body, dict) and body.get("error") and body.get("message"), resp.data[:300]


def still_works(client) -> None:
    resp = client.post("/api/predict", data=samples()["png"], content_type="image/png")
    assert resp.status_code == 200 and resp.get_json()["digit"] == 7, resp.data[:300]


def run(client, cases: int, seed: int | None = None) -> int:
    count = 0

    @settings(max_examples=cases, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(requests())
    def fuzz(req):
        nonlocal count
        count += 1
        check(client, req)

    if seed is not None:  # the same seed, the same requests; another seed, other requests
        fuzz = hypothesis.seed(seed)(fuzz)
    fuzz()
    still_works(client)
    return count


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=10_000)
    args = p.parse_args(argv)
    from webapp import create_app

    client = create_app().test_client()  # not TESTING: errors go through the real handlers
    started = time.perf_counter()
    n = run(client, args.cases)
    print(f"{n} generated requests in {time.perf_counter() - started:.0f} s: no 5xx, every error "
          "JSON with error and message, and a valid drawing still answered correctly afterwards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
