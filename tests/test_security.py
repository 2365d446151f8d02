"""Headers, hostile model names, no debug, no tracebacks."""

from html.parser import HTMLParser

import pytest

from webapp import create_app
from webapp.security import CSP

PAGES = ["/", "/join", "/present", "/inside", "/lesson"]


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


class _Inline(HTMLParser):
    """Collects what a strict CSP would block: scripts without src (whatever their type), style
    elements and attributes, inline event handlers, and anything loaded from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self._in_script = True
            if not a.get("src"):
                self.found.append(f"inline <script {attrs}>")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in ("src", "href") and value and "//" in value and not value.startswith("data:"):
                self.found.append(f"remote {value}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("script text")


def inline_parts(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.found


def test_the_inline_checker_sees_module_scripts_and_handlers():
    assert inline_parts('<script type="module">alert(1)</script>')
    assert inline_parts('<button onclick="x()">')
    assert inline_parts('<div style="color:red">')
    assert inline_parts('<script src="https://cdn.example/x.js"></script>')
    assert not inline_parts('<script type="module" src="/static/js/main.js"></script>')


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_or_style(client, path):
    html = client.get(path).get_data(as_text=True)
    assert inline_parts(html) == []


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
    monkeypatch.setattr(api.preprocess, "read_ink", lambda data: 1 / 0)
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


def test_static_files_are_revalidated(client):
    """An edit during a workshop reaches the students at their next load, not an hour later."""
    resp = client.get("/static/js/main.js")
    assert resp.status_code == 200
    assert "no-cache" in resp.headers["Cache-Control"] and resp.headers.get("ETag")
    again = client.get("/static/js/main.js", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_models_list_reveals_no_server_paths(client):
    body = client.get("/api/models").get_data(as_text=True)
    assert "/root" not in body and "/home" not in body and "cache" not in body.lower()
    card = client.get("/api/models").get_json()["models"][0]["card"]
    assert card["parameters"] > 0 and "mnist_test_accuracy" in card and "command" not in card
