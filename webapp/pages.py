"""The drawing pad page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    return render_template("index.html", low_confidence=current_app.config["LOW_CONFIDENCE"])
