#!/usr/bin/env python3
"""Refresh the README's screenshots: a real pen-drawn digit replayed on the real page.

    python scripts/screenshot.py docs/screenshot.png
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


def draw(page, strokes) -> None:
    mouse_draw(page, strokes, steps=2)
    page.wait_for_selector("[data-testid=prediction][data-state=done]")


def main(out: str = "docs/screenshot.png") -> None:
    sample = load_drawings(ROOT / "tests" / "data" / "real_sample.jsonl.gz")
    four = next(d for d in sample if d.label == 4)
    eight = [d for d in sample if d.label == 8][2]
    with local_server("cnn") as url, sync_playwright() as pw:
        browser = launch_chromium(pw)
        # Reduced motion: the probability bars are shown where they end, not half-way there.
        page = browser.new_page(viewport={"width": 960, "height": 740}, locale="en-US",
                                reduced_motion="reduce")
        page.goto(url)
        page.wait_for_selector("html[data-ready=true]")
        draw(page, place(four.strokes, 0.62, 0.5, 0.5))
        page.screenshot(path=out)
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                 reduced_motion="reduce",
                                 is_mobile=True, has_touch=True, locale="ko-KR")
        phone.goto(url)
        phone.wait_for_selector("html[data-ready=true]")
        draw(phone, place(eight.strokes, 0.3, 0.3, 0.35))
        phone.screenshot(path=str(Path(out).with_name("screenshot-phone-ko.png")))
        # A whole number, and something that is not a digit
        import numpy as np

        from webapp.training import variety

        by = {}
        for d in sample:
            by.setdefault(d.label, d)
        _, strokes = variety.compose_number([by[2], by[0], by[2], by[6]],
                                            np.random.default_rng(4), pen=0.2)
        # On the wide pad (2 units across, 1 tall; mouse_draw takes fractions of the width)
        page.set_viewport_size({"width": 1300, "height": 620})
        page.get_by_test_id("wide").click()
        draw(page, [[(x / 2, y) for x, y in s] for s in place(strokes, 1.6, 1.0, 0.5)])
        page.screenshot(path=str(Path(out).with_name("screenshot-number.png")))
        page.get_by_test_id("wide").click()
        page.set_viewport_size({"width": 960, "height": 740})
        letters = variety.load_letters(ROOT / "tests" / "data" / "letters_sample.jsonl.gz")
        a = next(d for d in letters if d.id.endswith("|A"))
        page.keyboard.press("Escape")
        draw(page, place(a.strokes, 0.6, 0.5, 0.5))
        page.screenshot(path=str(Path(out).with_name("screenshot-not-digit.png")))
        browser.close()
    print(f"wrote {out}, screenshot-phone-ko.png, screenshot-number.png, screenshot-not-digit.png")


if __name__ == "__main__":
    main(*sys.argv[1:])
