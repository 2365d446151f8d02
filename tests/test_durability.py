"""Nothing acknowledged is lost: concurrent students submit to the production server (gunicorn,
two workers), the whole server is killed with SIGKILL right after the last answer, and after a
restart every drawing answered 201 is there, once. On SQLite and on PostgreSQL."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import drawing_png
from webapp import create_app, store
from webapp.training.drawings import place

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "durability-token"
pytestmark = pytest.mark.slow


def start(db: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DIGITPAD_PRESENTER_TOKEN": TOKEN, "DIGITPAD_DATABASE_URL": db,
           "DIGITPAD_WORKERS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:webapp.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "webapp:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(proc.stderr.read().decode()[-2000:])


def post(port: int, path: str, body: bytes = b"", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return resp.status, resp.read()


def multipart(png: bytes, fields: dict) -> tuple[bytes, str]:
    boundary = "digitpadboundary"
    out = io.BytesIO()
    for k, v in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="d.png"\r\n'
              'Content-Type: image/png\r\n\r\n'.encode() + png + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def test_kill_9_right_after_the_answers_loses_nothing(db, real_sample, tmp_path):
    from benchmarks.serving import free_port

    port = free_port()
    pngs = [drawing_png(place(d.strokes, 0.6, 0.5, 0.5)) for d in real_sample[:20]]
    proc = start(db, port)
    try:
        status, body = post(port, "/api/sessions", headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 201
        code = json.loads(body)["code"]
        acknowledged, errors = [], []

        def student(k: int) -> None:
            for i in range(12):
                d = real_sample[(k * 12 + i) % 20]
                data, ctype = multipart(pngs[(k * 12 + i) % 20],
                                        {"label": d.label, "student": f"student{k}"})
                try:
                    status, body = post(port, f"/api/sessions/{code}/drawings", data,
                                        {"Content-Type": ctype})
                except OSError as exc:
                    errors.append(exc)
                    continue
                if status == 201:
                    acknowledged.append(json.loads(body)["id"])
                else:
                    errors.append((status, body[:200]))
                time.sleep(0.25)  # a student's pace, inside the rate limit

        threads = [threading.Thread(target=student, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # master and workers, no chance to flush anything
        proc.wait()
    assert errors == [] and len(acknowledged) == 96
    # Restarted: the app migrates (nothing to do) and every acknowledged drawing is there, once.
    app = create_app({"TESTING": True, "DATABASE_URL": db})
    engine = app.extensions["digitpad.db"]
    session = store.find_session(engine, code)
    rows = store.list_drawings(engine, session["id"], limit=1000)
    assert sorted(r["id"] for r in rows) == sorted(acknowledged)
    assert {r["student"] for r in rows} == {f"student{k}" for k in range(8)}
