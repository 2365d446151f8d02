"""Headers, hostile model names, no debug, no tracebacks."""

import pytest

from webapp import create_app
from webapp.security import CSP


@pytest.mark.parametrize("path", ["/", "/api/models", "/healthz", "/static/css/app.css",
                                  "/no/such/page"])
def test_security_headers_everywhere(client, path):
    resp = client.get(path)
    assert resp.headers["Content-Security-Policy"] == CSP
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in CSP


def test_csp_allows_no_inline_or_remote_script():
    directives = dict(d.split(" ", 1) for d in CSP.split("; "))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in CSP and "http" not in CSP


def test_page_has_no_inline_script_or_style(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    assert "http://" not in html and "https://" not in html  # no CDN


@pytest.mark.parametrize("name", ["../models/cnn", "..%2Fcnn", "/etc/passwd", "cnn.keras",
                                  "CNN", "cnn/../cnn", "a" * 200, "cnn\0", "", " cnn", "%00"])
def test_hostile_model_names_are_404(client, name):
    resp = client.post("/api/predict", query_string={"model": name}, data=b"x",
                       content_type="image/png")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "unknown_model"


def test_debug_is_off_and_errors_have_no_traceback(monkeypatch):
    from webapp import api, create_app

    app = create_app()  # as served: not TESTING, so errors reach the handlers, not the test
    assert not app.debug
    monkeypatch.setattr(api.preprocess, "preprocess", lambda data: 1 / 0)
    resp = app.test_client().post("/api/predict", data=b"x", content_type="image/png")
    assert resp.status_code == 500
    assert resp.get_json()["error"] == "internal_error"
    assert b"Traceback" not in resp.data and b"ZeroDivision" not in resp.data


def test_a_response_keeps_the_headers_it_set_itself():
    app = create_app({"TESTING": True})

    @app.get("/api/own-headers")
    def own():
        return "ok", 200, {"X-Frame-Options": "SAMEORIGIN", "cache-control": "max-age=5"}

    r = app.test_client().get("/api/own-headers")
    assert r.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert r.headers.getlist("Cache-Control") == ["max-age=5"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"  # the others still added
