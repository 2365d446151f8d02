"""Shared fixtures: the Flask app and client (as in Flask's tutorial), rendered drawings, a live
server and the browser for end-to-end tests."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
from werkzeug.serving import make_server

from benchmarks.common import chromium_executable
from webapp import create_app
from webapp.training.drawings import load_drawings

DATA = Path(__file__).parent / "data"
# Every app the tests make keeps its database (instance/) in a temporary folder, never the checkout.
os.environ.setdefault("DIGITPAD_INSTANCE", tempfile.mkdtemp(prefix="digitpad-instance-"))
ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    db = tmp_path_factory.mktemp("db") / "digitpad.sqlite3"
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{db}"})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def real_sample():
    return load_drawings(DATA / "real_sample.jsonl.gz")


@pytest.fixture(scope="session")
def mnist_slice():
    with np.load(DATA / "mnist-slice.npz") as f:
        return {k: f[k] for k in f.files}


# --- browser ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    try:
        path = chromium_executable()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))  # fail, never skip: a missing browser must not turn CI green
    return {**browser_type_launch_args, **({"executable_path": path} if path else {})}


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


# --- databases -------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres():
    from tests.pg import TempPostgres

    try:
        server = TempPostgres()
    except (FileNotFoundError, RuntimeError) as exc:
        pytest.fail(str(exc))  # fail, never skip: CI must not turn green without PostgreSQL
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """A fresh, empty database of each kind the classroom supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'class.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()
