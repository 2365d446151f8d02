#!/usr/bin/env python3
"""Refresh the lesson's screenshots: three slides at 1280x720 (one in Korean).

    python scripts/screenshot_lesson.py docs/
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.common import launch_chromium  # noqa: E402
from benchmarks.real_drawings import local_server  # noqa: E402


def main(out_dir: str = "docs") -> None:
    out = Path(out_dir)
    with local_server("cnn") as url, sync_playwright() as pw:
        browser = launch_chromium(pw)
        for name, slide, locale, action in (("lesson-fit", 2, "en-US", "train"),
                                            ("lesson-race-ko", 5, "ko-KR", "race"),
                                            ("lesson-overfit", 6, "en-US", None)):
            page = browser.new_page(viewport={"width": 1280, "height": 720}, locale=locale)
            page.goto(f"{url}/lesson#{slide}")
            page.wait_for_selector("html[data-ready=true]")
            if action:
                page.get_by_test_id(action).click()
                page.wait_for_timeout(2600)
            if name == "lesson-overfit":
                page.get_by_test_id("degree").fill("7")
            page.screenshot(path=str(out / f"screenshot-{name}.png"))
            page.close()
        browser.close()
    print("wrote docs/screenshot-lesson-*.png")


if __name__ == "__main__":
    main(*sys.argv[1:])
