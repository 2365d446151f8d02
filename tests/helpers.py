"""Small helpers the tests share (conftest.py holds only fixtures)."""

from __future__ import annotations

import io

from webapp.training.drawings import render


def png_bytes(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def drawing_png(strokes, pen=None) -> bytes:
    return png_bytes(render(strokes, pen))
