"""digitpad: draw a digit, a convolutional network says which digit it is."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask

from webapp import paths


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory. Settings, later ones winning: defaults, instance/config.py,
    DIGITPAD_* environment variables (e.g. DIGITPAD_DEFAULT_MODEL=cnn), then `config`."""
    app = Flask(
        __name__,
        static_folder=str(paths.STATIC),
        static_url_path="/static",
        template_folder=str(paths.TEMPLATES),
        instance_path=os.environ.get("DIGITPAD_INSTANCE", paths.INSTANCE),
    )
    app.config.from_mapping(
        MODELS_DIR=str(paths.MODELS),
        DEFAULT_MODEL="cnn",
        BACKEND="auto",  # litert when its wheel and a .tflite are there, else keras
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,  # bytes; larger bodies get 413
        LOW_CONFIDENCE=0.6,  # below this the page says "not sure"
        # The classroom. PRESENTER_TOKEN: `digitpad camp` makes one (or DIGITPAD_PRESENTER_TOKEN);
        # without one, nobody is the presenter. DATABASE_URL: default SQLite under instance/.
        PRESENTER_TOKEN=None,
        DATABASE_URL=None,
        PUBLIC_URL=None,  # e.g. http://192.168.0.10:8000 when the QR code must show another host
        RETENTION_DAYS=30,  # class sessions older than this are deleted at start
        SUBMIT_RATE=5.0,  # drawings per second per student (bursts of twice that)
        # ... and per client address: a class behind one NAT (a phone hotspot) shares an address.
        SUBMIT_RATE_PER_ADDRESS=60.0,
        MAX_DRAWINGS_PER_STUDENT=1000,
        MAX_DRAWINGS_PER_SESSION=50_000,
        EVENTS_POLL_SECONDS=0.5,
        EVENTS_MAX_SECONDS=300,  # the wall's stream ends now and then; the page reconnects
        TEACH_DATA=None,  # MNIST for fine-tuning's replay (.npz); default: train.py's search
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

    from webapp import api, class_api, classifier, classroom, pages, security, store

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

    url = store.database_url(app.config["DATABASE_URL"], app.instance_path)
    engine = store.connect(url)
    store.migrate(engine)
    purged = store.purge_older_than(engine, float(app.config["RETENTION_DAYS"]))
    if purged:
        app.logger.info("digitpad: deleted %d class sessions older than %s days", purged,
                        app.config["RETENTION_DAYS"])
    from webapp import teach

    stuck = teach.reconcile(engine)  # training jobs left "running" by a server that stopped
    if stuck:
        app.logger.info("digitpad: %d training job(s) ended by a restart marked failed", stuck)
    # No connection may cross gunicorn's fork: each worker opens its own on first use.
    engine.dispose()
    app.extensions["digitpad.db"] = engine
    rate, per_address = float(app.config["SUBMIT_RATE"]), float(app.config["SUBMIT_RATE_PER_ADDRESS"])
    app.extensions["digitpad.limiter"] = classroom.RateLimiter(rate, burst=2 * rate)
    app.extensions["digitpad.address_limiter"] = classroom.RateLimiter(per_address, burst=2 * per_address)

    security.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(class_api.bp)
    app.register_blueprint(pages.bp)
    return app
