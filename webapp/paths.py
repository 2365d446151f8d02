"""Where the page's files and the models are: at the top of a checkout (static/, templates/,
models/), or inside the installed package (webapp/_static, ...) after `pip install digitpad`."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
IN_CHECKOUT = (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "static").is_dir()


def _dir(name: str) -> Path:
    return CHECKOUT / name if IN_CHECKOUT else HERE / f"_{name}"


STATIC = _dir("static")
TEMPLATES = _dir("templates")
MODELS = _dir("models")
# The database and instance/config.py: beside the checkout, else Flask's default for a package.
INSTANCE: str | None = str(CHECKOUT / "instance") if IN_CHECKOUT else None
