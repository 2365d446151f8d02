"""Teaching, on the production server (gunicorn, two workers): the app keeps answering while the
network learns, and after the switch every worker answers the class with the new model."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.serving import free_port
from tests.helpers import drawing_png
from webapp.training.drawings import place

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "teach-server-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
pytestmark = pytest.mark.slow


def call(port, method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return resp.status, resp.read()


def test_answers_during_training_and_every_worker_switches(tmp_path, real_sample):
    models = tmp_path / "models"
    models.mkdir()
    for f in (ROOT / "models").glob("cnn.*"):
        shutil.copy(f, models / f.name)
    port = free_port()
    env = {**os.environ, "DIGITPAD_PRESENTER_TOKEN": TOKEN, "DIGITPAD_MODELS_DIR": str(models),
           "DIGITPAD_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "DIGITPAD_TEACH_DATA": str(ROOT / "tests" / "data" / "mnist-slice.npz"),
           "DIGITPAD_SUBMIT_RATE": "1000", "DIGITPAD_WORKERS": "2",
           "DIGITPAD_INSTANCE": str(tmp_path / "instance")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:webapp.gunicorn_conf", "--bind",
         f"127.0.0.1:{port}", "webapp:create_app()"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(600):
            try:
                if call(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        status, body = call(port, "POST", "/api/sessions", headers=AUTH)
        code = json.loads(body)["code"]
        pngs = {}
        for digit in range(10):
            for k, d in enumerate([d for d in real_sample if d.label == digit][:6]):
                png = drawing_png(place(d.strokes, 0.6, 0.5, 0.5))
                pngs.setdefault(digit, png)
                status, _ = call(port, "POST", f"/api/sessions/{code}/drawings?label={digit}"
                                 f"&student=s{k % 4}", png, {"Content-Type": "image/png"})
                assert status == 201
        status, body = call(port, "POST", f"/api/sessions/{code}/teach", headers=AUTH)
        assert status == 202, body
        job = json.loads(body)["id"]
        latencies, errors = [], 0
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            t = time.perf_counter()
            status, _ = call(port, "POST", "/api/predict", pngs[len(latencies) % 10],
                             {"Content-Type": "image/png"})
            latencies.append((time.perf_counter() - t) * 1e3)
            errors += status != 200
            if len(latencies) % 20 == 0:
                state = json.loads(call(port, "GET", f"/api/jobs/{job}", headers=AUTH)[1])
                if state["status"] != "running":
                    break
            time.sleep(0.01)
        assert state["status"] == "done", state
        p99 = float(np.percentile(latencies, 99))
        print(f"/api/predict during training: {len(latencies)} requests, p50 "
              f"{np.percentile(latencies, 50):.1f} ms, p99 {p99:.1f} ms, {errors} errors")
        assert errors == 0 and len(latencies) >= 50
        assert p99 < 250  # a phone's answer stays interactive while the laptop trains
        name = f"class-{code.lower()}"
        status, _ = call(port, "PUT", f"/api/sessions/{code}/model",
                         json.dumps({"model": name}).encode(),
                         {**AUTH, "Content-Type": "application/json"})
        assert status == 200
        answered = set()
        for k in range(30):  # a new connection each: both workers answer some
            status, body = call(port, "POST", f"/api/sessions/{code}/drawings?label={k % 10}"
                                f"&student=after", pngs[k % 10], {"Content-Type": "image/png"})
            assert status == 201
            answered.add(json.loads(body)["model"])
        assert answered == {name}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
