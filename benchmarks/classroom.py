#!/usr/bin/env python3
"""A class under load: simulated students submit real pen-drawn digits to the production server
while the presenter's wall listens to the live feed. Loopback only; bounded in count and time.

Phase 1: N students each send a drawing every 2 s for S seconds (staggered). Measured: errors,
submission latency, the wall's delay (from a 201 to the drawing arriving on the wall's stream),
and rows stored = 201s answered.
Phase 2: the same while one gunicorn worker is SIGKILLed: every acknowledged drawing is stored.

    python benchmarks/classroom.py --json benchmarks/results/classroom.json     # 60 x 60 s
    python benchmarks/classroom.py --smoke                                      # a few seconds
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.serving import free_port  # noqa: E402

TOKEN = "benchmark-presenter"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def drawings(count: int = 60) -> list[tuple[int, bytes]]:
    from webapp.training.drawings import load_drawings, place, render

    out = []
    for d in load_drawings(ROOT / "tests" / "data" / "real_sample.jsonl.gz")[:count]:
        buf = io.BytesIO()
        render(place(d.strokes, 0.6, 0.5, 0.5)).save(buf, "PNG")
        out.append((d.label, buf.getvalue()))
    return out


def multipart(png: bytes, fields: dict) -> tuple[bytes, str]:
    boundary = "benchboundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
                 'filename="d.png"\r\nContent-Type: image/png\r\n\r\n'.encode() + png + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Server:
    def __init__(self, database: str, workers: int) -> None:
        self.port = free_port()
        env = {**os.environ, "DIGITPAD_PRESENTER_TOKEN": TOKEN, "DIGITPAD_DATABASE_URL": database,
               "DIGITPAD_WORKERS": str(workers)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:webapp.gunicorn_conf", "--bind",
             f"127.0.0.1:{self.port}", "webapp:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.call("GET", "/healthz")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(self.proc.stderr.read().decode()[-2000:])

    def call(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()

    def workers(self) -> list[int]:
        kids = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return [int(k) for k in kids]

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


class Wall(threading.Thread):
    """The presenter's page: reads the live feed and notes when each drawing arrives."""

    def __init__(self, port: int, code: str) -> None:
        super().__init__(daemon=True)
        self.port, self.code, self.arrived, self.stop_at = port, code, {}, float("inf")

    def run(self) -> None:
        last = 0
        while time.monotonic() < self.stop_at:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", f"/api/sessions/{self.code}/events?after={last}", headers=AUTH)
                resp = conn.getresponse()
                while time.monotonic() < self.stop_at:
                    line = resp.readline()
                    if not line:
                        break
                    if line.startswith(b"id: "):
                        last = int(line[4:])
                        self.arrived.setdefault(last, time.monotonic())
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)


def student(port: int, code: str, k: int, pool, seconds: float, every: float, start: float,
            out: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    time.sleep(max(0.0, start + (k * every / 60) % every - time.monotonic()))
    i = 0
    while time.monotonic() < start + seconds:
        label, png = pool[(k * 7 + i) % len(pool)]
        # As the page does: an id per drawing, and one retry after a network failure (a worker
        # killed mid-request); the server stores a retried drawing once.
        body, ctype = multipart(png, {"label": label, "student": f"student{k}",
                                      "nickname": f"S{k}", "submission": f"k{k}-{i}"})
        sent = time.monotonic()
        for attempt in range(2):
            try:
                conn.request("POST", f"/api/sessions/{code}/drawings", body=body,
                             headers={"Content-Type": ctype})
                resp = conn.getresponse()
                data = resp.read()
                ok = resp.status in (200, 201)
                out.append((201 if ok else resp.status, json.loads(data).get("id") if ok else None,
                            sent, time.monotonic(), attempt))
                break
            except (OSError, http.client.HTTPException, ValueError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                if attempt == 1:
                    out.append((0, None, sent, time.monotonic(), attempt))
        i += 1
        time.sleep(max(0.0, sent + every - time.monotonic()))


def phase(server: Server, students: int, seconds: float, every: float, kill_after: float | None):
    status, body = server.call("POST", "/api/sessions", headers=AUTH)
    assert status == 201, body
    code = json.loads(body)["code"]
    wall = Wall(server.port, code)
    wall.start()
    time.sleep(0.5)
    pool = drawings()
    results: list = []
    start = time.monotonic() + 0.5
    threads = [threading.Thread(target=student, args=(server.port, code, k, pool, seconds, every,
                                                      start, results)) for k in range(students)]
    for t in threads:
        t.start()
    killed = None
    if kill_after is not None:
        time.sleep(max(0.0, start + kill_after - time.monotonic()))
        killed = server.workers()[0]
        os.kill(killed, signal.SIGKILL)
    for t in threads:
        t.join()
    time.sleep(1.5)  # the wall's last poll
    wall.stop_at = 0
    acked = {r[1]: r[3] for r in results if r[0] == 201}
    stored: set[int] = set()
    while True:  # a page of at most 1,000 at a time
        status, body = server.call("GET", f"/api/sessions/{code}/drawings?after={max(stored, default=0)}",
                                   headers=AUTH)
        page = {d["id"] for d in json.loads(body)["drawings"]}
        if not page:
            break
        stored |= page
    latency = np.array([(r[3] - r[2]) * 1e3 for r in results if r[0] == 201])
    delays = np.array([(wall.arrived[i] - t) * 1e3 for i, t in acked.items() if i in wall.arrived])
    pct = lambda a, q: round(float(np.percentile(a, q)), 1) if a.size else None  # noqa: E731
    return {
        "students": students, "seconds": seconds, "every_s": every, "requests": len(results),
        "retried": sum(r[4] for r in results),
        "created_201": len(acked), "errors": sum(r[0] != 201 for r in results),
        "error_statuses": sorted({r[0] for r in results if r[0] != 201}),
        "rows_stored": len(stored), "every_acknowledged_stored": set(acked) <= stored,
        "submit_p50_ms": pct(latency, 50), "submit_p99_ms": pct(latency, 99),
        "submit_max_ms": round(float(latency.max()), 1) if latency.size else None,
        "wall_seen": int(delays.size), "wall_delay_p50_ms": pct(delays, 50),
        "wall_delay_p99_ms": pct(delays, 99), "killed_worker": killed,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=60)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--every", type=float, default=2.0, help="seconds between a student's drawings")
    p.add_argument("--database", default=None, help="SQLAlchemy URL; default a fresh SQLite file")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--smoke", action="store_true", help="10 students for 4 s (CI)")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    if args.smoke:
        args.students, args.seconds = 10, 4.0
    database = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'class.sqlite3'}"
    server = Server(database, args.workers)
    try:
        steady = phase(server, args.students, args.seconds, args.every, None)
        print(f"{steady['students']} students x {steady['seconds']:.0f} s: {steady['created_201']} "
              f"drawings stored (rows {steady['rows_stored']}), {steady['errors']} errors, "
              f"submit p50 {steady['submit_p50_ms']} ms p99 {steady['submit_p99_ms']} ms, wall "
              f"delay p50 {steady['wall_delay_p50_ms']} ms p99 {steady['wall_delay_p99_ms']} ms")
        kill_seconds = max(4.0, min(args.seconds, 20.0))
        killed = phase(server, args.students, kill_seconds, args.every, kill_seconds / 3)
        print(f"with worker {killed['killed_worker']} SIGKILLed: {killed['created_201']} acknowledged,"
              f" all stored: {killed['every_acknowledged_stored']}, {killed['errors']} failed, "
              f"{killed['retried']} retried (on the killed worker's connections)")
    finally:
        server.stop()
    ok = (steady["errors"] == 0 and steady["rows_stored"] == steady["created_201"]
          and steady["every_acknowledged_stored"] and killed["every_acknowledged_stored"]
          and killed["errors"] == 0)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "database": database.split(":")[0],
            "steady": steady, "sigkill": killed}, indent=2) + "\n")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
