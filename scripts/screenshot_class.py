#!/usr/bin/env python3
"""Refresh the classroom's screenshots: a presenter page (1280x720, a projector) with a wall of real
pen-drawn digits sent by simulated students, and a student's phone.

    python scripts/screenshot_class.py docs/
"""

from __future__ import annotations

import io
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from benchmarks.common import launch_chromium, mouse_draw  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.training.drawings import load_drawings, place, render  # noqa: E402

TOKEN = "screenshot"
NICKNAMES = ["민지", "Tom", "서연", "Jae", "하늘", "Ana", "도윤", "Lee", "수빈", "Max", "지호", "Kim"]


def main(out_dir: str = "docs") -> None:
    out = Path(out_dir)
    db = Path(tempfile.mkdtemp()) / "class.sqlite3"
    app = create_app({"PRESENTER_TOKEN": TOKEN, "DATABASE_URL": f"sqlite:///{db}",
                      "EVENTS_POLL_SECONDS": 0.2})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    code = client.post("/api/sessions", headers=auth).get_json()["code"]
    # The hardest real drawings first, so the wall shows mistakes as a class would make them.
    drawings = load_drawings(ROOT / "data" / "unipen" / "dev.jsonl.gz")[::37][:40]
    for k, d in enumerate(drawings):
        buf = io.BytesIO()
        render(place(d.strokes, 0.3 + 0.5 * ((k * 7) % 10) / 10, 0.5, 0.5)).save(buf, "PNG")
        client.post(f"/api/sessions/{code}/drawings", data={
            "image": (io.BytesIO(buf.getvalue()), "d.png"), "label": str(d.label),
            "student": f"s{k % 12}", "nickname": NICKNAMES[k % 12]},
            content_type="multipart/form-data")
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="ko-KR")
        page.goto(f"{url}/present#token={TOKEN}")
        page.wait_for_selector("html[data-ready=true]")
        page.evaluate(f"sessionStorage.setItem('digitpad.session', '{code}')")
        page.reload()
        page.wait_for_selector("[data-testid=wall-item]")
        page.wait_for_timeout(800)
        page.screenshot(path=str(out / "screenshot-presenter.png"))
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                 is_mobile=True, has_touch=True, locale="ko-KR")
        phone.goto(f"{url}/join?code={code}")
        phone.wait_for_selector("html[data-ready=true]")
        phone.get_by_test_id("nickname").fill("민지")
        phone.get_by_test_id("join").click()
        phone.wait_for_selector("[data-testid=drawing-area]:not([hidden])")
        digit = int(phone.get_by_test_id("challenge").get_attribute("data-digit"))
        sample = next(d for d in load_drawings(ROOT / "tests" / "data" / "real_sample.jsonl.gz")
                      if d.label == digit)
        mouse_draw(phone, place(sample.strokes, 0.6, 0.5, 0.5), steps=2)
        phone.wait_for_selector("[data-testid=prediction][data-state=done]")
        phone.screenshot(path=str(out / "screenshot-student.png"))
        browser.close()
    server.shutdown()
    print(f"wrote {out / 'screenshot-presenter.png'} and {out / 'screenshot-student.png'}")


if __name__ == "__main__":
    main(*sys.argv[1:])
