"""The pages: the drawing pad (and, with the classroom, the student and presenter pages)."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, current_app, render_template, request

from webapp import i18n

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def language() -> dict:
    """The first paint in the reader's language; the page's own toggle takes over from there."""
    lang = i18n.negotiate(request)
    return {"lang": lang, "t": partial(i18n.translate, lang)}


@bp.get("/")
def index() -> str:
    return render_template("index.html", low_confidence=current_app.config["LOW_CONFIDENCE"])


@bp.get("/join")
def join() -> str:
    """A student's page: the class code (from the QR code's URL or typed), then challenges."""
    return render_template("join.html", low_confidence=current_app.config["LOW_CONFIDENCE"])


@bp.get("/present")
def present() -> str:
    """The presenter's page; it holds no secret itself: its API calls carry the token."""
    return render_template("present.html")


@bp.get("/inside")
def inside() -> str:
    """Inside the network: every stage on the drawing being made, with a presenter mode."""
    return render_template("inside.html")


@bp.get("/lesson")
def lesson() -> str:
    """The tech-camp talk as a live deck (?slide=N or #N opens a slide)."""
    return render_template("lesson.html")
