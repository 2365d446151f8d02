"""Helpers the benchmarks and the browser tests share."""

from __future__ import annotations

import json
import os
from pathlib import Path

DEBIAN_CHROMIUM = Path("/usr/lib/chromium/chromium")  # the real binary; /usr/bin/chromium is a script


def playwright_has_own_chromium() -> bool:
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
    return any(cache.glob("chromium*/chrome-linux*/chrome"))


def chromium_executable() -> str | None:
    """None: Playwright's own browser is installed and used. Else Debian's chromium binary."""
    if playwright_has_own_chromium():
        return None
    if DEBIAN_CHROMIUM.exists():
        return str(DEBIAN_CHROMIUM)
    raise FileNotFoundError(
        "No Chromium: run `make test` as root (it installs Debian's chromium), "
        "`apt-get install chromium`, or `playwright install chromium`.")


def launch_chromium(playwright):
    path = chromium_executable()
    return playwright.chromium.launch(**({"executable_path": path} if path else {}))


def pad_area(page, selector: str = "#pad") -> dict:
    """The pad's drawing area in page pixels: its box less the border, where pad units 0..1 map."""
    pad = page.locator(selector)
    pad.wait_for(state="visible")  # a pad still hidden has no box
    box = pad.bounding_box()
    inner = page.evaluate("""(sel) => { const c = document.querySelector(sel);
        return [c.clientLeft, c.clientTop, c.clientWidth, c.clientHeight]; }""", selector)
    return {"x": box["x"] + inner[0], "y": box["y"] + inner[1], "width": inner[2], "height": inner[3]}


def mouse_draw(page, strokes, steps: int = 1, selector: str = "#pad") -> None:
    """Replay strokes (pad units, 0..1) with the mouse on the page's pad."""
    box = pad_area(page, selector)
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0] * box["width"], box["y"] + stroke[0][1] * box["height"])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=steps)
        page.mouse.up()


def touch_draw(page, strokes, selector: str = "#pad") -> None:
    """Replay strokes with a finger: Chrome DevTools Protocol touch events, what a phone sends."""
    cdp = page.context.new_cdp_session(page)
    box = pad_area(page, selector)
    for stroke in strokes:
        points = [{"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]}
                  for x, y in stroke]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
        for p in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [p]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def report(result: dict, path: str | None, indent: int = 2) -> None:
    """A benchmark's result: printed, and written as JSON where `path` says."""
    text = json.dumps(result, indent=indent)
    print(text)
    if path:
        Path(path).write_text(text + "\n")
