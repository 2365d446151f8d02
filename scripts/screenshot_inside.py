#!/usr/bin/env python3
"""Refresh the inside view's screenshots: a real pen-drawn digit, every stage, and presenter mode.

    python scripts/screenshot_inside.py docs/
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.common import launch_chromium, mouse_draw  # noqa: E402
from benchmarks.real_drawings import local_server  # noqa: E402
from webapp.training.drawings import load_drawings, place  # noqa: E402


def main(out_dir: str = "docs") -> None:
    out = Path(out_dir)
    four = next(d for d in load_drawings(ROOT / "tests" / "data" / "real_sample.jsonl.gz")
                if d.label == 4)
    with local_server("cnn") as url, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="en-US")
        page.goto(f"{url}/inside")
        page.wait_for_selector("html[data-ready=true]")
        mouse_draw(page, place(four.strokes, 0.62, 0.5, 0.5), steps=2)
        page.wait_for_selector("[data-testid=stage][data-kind=softmax]")
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / "screenshot-inside.png"))
        page.get_by_test_id("presenter-mode").click()
        page.get_by_test_id("lang").click()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / "screenshot-inside-presenter-ko.png"))
        browser.close()
    print(f"wrote {out / 'screenshot-inside.png'} and screenshot-inside-presenter-ko.png")


if __name__ == "__main__":
    main(*sys.argv[1:])
