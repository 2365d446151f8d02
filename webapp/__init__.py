"""digitpad: draw a digit, a convolutional network says which digit it is."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory. Settings, later ones winning: defaults, instance/config.py,
    DIGITPAD_* environment variables (e.g. DIGITPAD_DEFAULT_MODEL=cnn), then `config`."""
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=os.environ.get("DIGITPAD_INSTANCE", str(ROOT / "instance")),
    )
    app.config.from_mapping(
        MODELS_DIR=str(ROOT / "models"),
        DEFAULT_MODEL="cnn",
        BACKEND="auto",  # litert when its wheel and a .tflite are there, else keras
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,  # bytes; larger bodies get 413
        LOW_CONFIDENCE=0.6,  # below this the page says "not sure"
        # Static files are revalidated on every load (ETag, 304 when unchanged): an edit made during
        # a workshop reaches the students at once, and an unchanged file costs no download.
        SEND_FILE_MAX_AGE_DEFAULT=0,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("DIGITPAD")
    if config:
        app.config.update(config)
    if not app.logger.handlers or app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)

    from webapp import api, classifier, pages, security

    registry = classifier.Registry(Path(app.config["MODELS_DIR"]), app.config["BACKEND"])
    # Load (and warm up) the default model now: a missing or corrupt model stops the start with
    # a clear message instead of serving errors later.
    try:
        default = registry.get(app.config["DEFAULT_MODEL"])
    except classifier.UnknownModel:
        raise classifier.ModelError(
            f"default model {app.config['DEFAULT_MODEL']!r} not found in {registry.models_dir} "
            "(expected NAME.tflite or NAME.keras); train one with `python train.py`"
        ) from None
    app.logger.info("digitpad: model %s loaded (%s)", app.config["DEFAULT_MODEL"], default.backend)
    app.extensions["digitpad.registry"] = registry

    security.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    return app
