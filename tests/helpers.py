"""Small helpers the tests share (conftest.py holds only fixtures)."""

from __future__ import annotations

import importlib
import io
import platform
import sys

import numpy as np

from webapp.training.drawings import render

# Where pyproject.toml installs libspng (pyspng) and zlib-ng: their wheels' platforms. There a
# missing module fails the tests that need it. Nothing skips: elsewhere the same tests check
# that the server decodes with Pillow instead.
FAST_PNG_PLATFORMS = {("linux", "x86_64"), ("darwin", "arm64"), ("win32", "AMD64")}


def fast_png_module(name: str):
    """pyspng or zlib_ng, imported: required where pyproject installs them; elsewhere the module
    if someone installed it, else None (the server then decodes with Pillow)."""
    if (sys.platform, platform.machine()) in FAST_PNG_PLATFORMS:
        return importlib.import_module(name)
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def png_bytes(img, **options) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **options)
    return buf.getvalue()


def drawing_png(strokes, pen=None) -> bytes:
    return png_bytes(render(strokes, pen))


def star(n: int = 8) -> list:
    """A five-pointed star in one stroke, in pad units: clearly not a digit."""
    import math

    import numpy as np

    points = [(0.5 + 0.3 * math.sin(4 * math.pi * i / 5), 0.5 - 0.3 * math.cos(4 * math.pi * i / 5))
              for i in range(6)]
    return [[(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
             for a, b in zip(points, points[1:]) for t in np.linspace(0, 1, n)]]


def touching_pair(a, b, overlap=0.02):
    """Two real digits of one height side by side, their inked edges overlapping by `overlap` of
    the height (the pen's width counted, as variety.compose_number does)."""
    from webapp.training import drawings

    pen = drawings.export_pen([[(0, 0), (0, 0.5)]], drawings.pad_config()["penWidth"]) / 0.5
    out, x = [], 0.0
    for d in (a, b):
        pts = np.concatenate([np.asarray(s) for s in d.strokes])
        lo, h = pts.min(0), float(np.ptp(pts[:, 1])) or 1.0
        out += [[((px - lo[0]) / h + x, (py - lo[1]) / h) for px, py in s] for s in d.strokes]
        x += float(np.ptp(pts[:, 0])) / h + pen - overlap
    return drawings.place(out, 0.6, 0.5, 0.5)
