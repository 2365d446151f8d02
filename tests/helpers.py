"""Small helpers the tests share (conftest.py holds only fixtures)."""

from __future__ import annotations

import io

from webapp.training.drawings import render


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
