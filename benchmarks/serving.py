#!/usr/bin/env python3
"""Serving speed and memory of the production server, against the model.predict baseline.

Starts gunicorn (gunicorn.conf.py) on loopback, warms it up, then measures POST /api/predict with
real rendered drawings: single-client latency, throughput and latency with 1, 4, 8 and 16
concurrent clients (separate processes, keep-alive), RSS per worker, and time from start to first
answer. In the same run it measures the baseline: the same model behind `model.predict`
(DIGITPAD_BACKEND=keras-predict). Bounded in count and time; loopback only.

    python benchmarks/serving.py                # full run (~2 minutes)
    python benchmarks/serving.py --smoke        # a few hundred requests (CI)
    python benchmarks/serving.py --against DIR  # also: each upload's server time, this checkout
                                                # against another (git worktree add DIR COMMIT)
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing as mp
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def payloads(count: int = 40) -> list[bytes]:
    """Real pen-drawn digits rendered as the page uploads them."""
    import io

    from webapp.training.drawings import load_drawings, place, render

    out = []
    for d in load_drawings(ROOT / "tests" / "data" / "real_sample.jsonl.gz")[::5][:count]:
        buf = io.BytesIO()
        render(place(d.strokes, 0.6, 0.5, 0.5)).save(buf, "PNG")
        out.append(buf.getvalue())
    return out


def canvas_payloads(count: int = 40, mode: str = "RGB") -> list[bytes]:
    """What most API clients post: the whole 280x280 canvas, black ink on white, uncropped (RGB,
    or RGBA and opaque: what a browser's canvas.toBlob gives)."""
    import io

    from PIL import Image

    from webapp.training.drawings import load_drawings, place, render

    out = []
    for d in load_drawings(ROOT / "tests" / "data" / "real_sample.jsonl.gz")[::5][:count]:
        drawing = render(place(d.strokes, 0.6, 0.5, 0.5), as_uploaded=False)
        flat = Image.new(mode, drawing.size, "white")
        flat.paste((0, 0, 0), mask=drawing.getchannel("A"))
        buf = io.BytesIO()
        flat.save(buf, "PNG")
        out.append(buf.getvalue())
    return out


def upload_kinds() -> dict[str, list[bytes]]:
    """The kinds of upload whose server time is measured: the page's, and a whole canvas (RGB, and
    a browser's opaque RGBA)."""
    return {"page": payloads(), "canvas": canvas_payloads(),
            "canvas_rgba": canvas_payloads(mode="RGBA")}


def server_ms(data: bytes) -> float:
    """The server's own time for one answer (preprocess + inference), from its JSON."""
    timing = json.loads(data)["timing_ms"]
    return timing["preprocess"] + timing["inference"]


def server_percentiles(times: list[float]) -> dict:
    """The server's own times (server_ms) as p50, p90 and p99."""
    return {f"server_p{q}_ms": round(float(np.percentile(times, q)), 3) for q in (50, 90, 99)}


def uploads(port: int, count: int) -> dict:
    """Per kind of upload (the page's, a whole canvas): end-to-end p50 on a keep-alive connection
    and with a new connection per request, and the server's own time (preprocess + inference)."""
    result = {}
    for kind, bodies in upload_kinds().items():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        keep, fresh, server = [], [], []
        for i in range(count):
            body = bodies[i % len(bodies)]
            t = time.perf_counter()
            status, data = request(port, body, conn)
            keep.append((time.perf_counter() - t) * 1e3)
            server.append(server_ms(data))
            t = time.perf_counter()
            status2, _ = request(port, body)
            fresh.append((time.perf_counter() - t) * 1e3)
            assert status == 200 and status2 == 200
        result[kind] = {"bytes_median": int(np.median([len(b) for b in bodies])),
                        "keepalive_p50_ms": round(float(np.median(keep)), 3),
                        "new_connection_p50_ms": round(float(np.median(fresh)), 3),
                        **server_percentiles(server)}
        conn.close()
    return result


def side_by_side(roots: dict[str, Path], count: int) -> dict:
    """Each upload's server time in two (or more) checkouts' servers running at once, requests
    alternating between them one by one: a machine whose speed drifts from minute to minute (this
    one's does, by 10% or more) drifts for both, so the difference is the code's. Half the
    requests go to servers started in the given order, half to servers started in the reverse
    order: with one checkout on both sides, the first-started server was the slower in 5 of 6
    comparisons, by up to 0.1 ms."""
    names, kinds = list(roots), upload_kinds()
    times: dict[str, dict[str, list[float]]] = {kind: {n: [] for n in names} for kind in kinds}
    for order in (names, names[::-1]):
        servers = {}
        try:
            for name in order:
                servers[name] = Server(root=roots[name])
                servers[name].first_answer(kinds["page"][0])
            conns = {n: http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
                     for n, s in servers.items()}
            for kind, bodies in kinds.items():
                for i in range(count // 2 + 20):
                    for n in order[i % len(order):] + order[:i % len(order)]:  # each first in turn
                        status, data = request(servers[n].port, bodies[i % len(bodies)], conns[n])
                        assert status == 200, (n, status)
                        if i >= 20:  # after a warm-up
                            times[kind][n].append(server_ms(data))
            for conn in conns.values():
                conn.close()
        finally:
            for server in servers.values():
                server.stop()
    result = {kind: {n: server_percentiles(v) for n, v in by_name.items()}
              for kind, by_name in times.items()}
    return {"roots": {n: f"{r} ({_commit(r)})" for n, r in roots.items()},
            "requests": 2 * (count // 2), **result}


def _commit(root: Path) -> str:
    """The checkout's commit, and whether it has changes beside it."""
    run = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=root, capture_output=True,
                         text=True)
    return run.stdout.strip() or "not a git checkout"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with the project's config, on a free loopback port."""

    def __init__(self, backend: str = "auto", workers: int | None = None,
                 threads: int | None = None, root: Path = ROOT) -> None:
        self.port = free_port()
        env = {**os.environ, "DIGITPAD_BIND": f"127.0.0.1:{self.port}",
               "DIGITPAD_BACKEND": backend}
        if workers:
            env["DIGITPAD_WORKERS"] = str(workers)
        if threads:
            env["DIGITPAD_THREADS"] = str(threads)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:webapp.gunicorn_conf",
             "webapp:create_app()"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)

    def first_answer(self, body: bytes, timeout: float = 120) -> float:
        """Seconds from process start to the first correct answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                status, _ = request(self.port, body)
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.02)
        raise TimeoutError("no answer from the server")

    def worker_rss_mb(self) -> list[float]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        pids = children.read_text().split() if children.exists() else []
        return [rss_mb(int(p)) for p in pids]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def request(port: int, body: bytes, conn: http.client.HTTPConnection | None = None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/api/predict", body=body, headers={"Content-Type": "image/png"})
    resp = c.getresponse()
    data = resp.read()
    if conn is None:
        c.close()
    return resp.status, data


def client(port: int, bodies: list[bytes], seconds: float, max_requests: int, start_at: float,
           out: mp.Queue) -> None:
    """One client: a keep-alive connection, requests back to back until time or count runs out."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors, i = [], 0, 0
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and i < max_requests:
        t = time.perf_counter()
        try:
            status, _ = request(port, bodies[i % len(bodies)], conn)
            ok = status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append(time.perf_counter() - t)
        errors += not ok
        i += 1
    out.put((latencies, errors))


def load(port: int, bodies: list[bytes], clients: int, seconds: float, max_requests: int) -> dict:
    q: mp.Queue = mp.Queue()
    start_at = time.time() + 0.3
    procs = [mp.Process(target=client, args=(port, bodies[k:] + bodies[:k], seconds, max_requests,
                                             start_at, q)) for k in range(clients)]
    for p in procs:
        p.start()
    results = [q.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    lat = np.concatenate([np.array(r[0]) for r in results]) * 1e3
    errors = sum(r[1] for r in results)
    wall = max(sum(r[0]) for r in results)
    return {"clients": clients, "requests": int(lat.size), "errors": int(errors),
            "throughput_rps": round(lat.size / wall, 1),
            **{f"p{q}_ms": round(float(np.percentile(lat, q)), 3) for q in (50, 95, 99)}}


def single(port: int, bodies: list[bytes], count: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    lat = []
    for i in range(count):
        t = time.perf_counter()
        status, _ = request(port, bodies[i % len(bodies)], conn)
        lat.append((time.perf_counter() - t) * 1e3)
        assert status == 200, status
    return {"requests": count, **{f"p{q}_ms": round(float(np.percentile(lat, q)), 3)
                                  for q in (50, 95, 99)}}


def measure(backend: str, bodies: list[bytes], args: argparse.Namespace, concurrency: list[int],
            single_count: int) -> dict:
    server = Server(backend, args.workers, args.threads)
    try:
        first = server.first_answer(bodies[0])
        single(server.port, bodies, 20)  # warm-up
        result = {"backend": backend, "first_answer_s": round(first, 2),
                  "single": single(server.port, bodies, single_count),
                  "uploads": uploads(server.port, max(20, single_count // 2)),
                  "concurrent": [load(server.port, bodies, c, args.seconds, args.max_requests)
                                 for c in concurrency]}
        result["worker_rss_mb"] = [round(r, 1) for r in server.worker_rss_mb()]
        return result
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="a few hundred requests, no baseline load")
    p.add_argument("--seconds", type=float, default=5.0, help="per concurrency level")
    p.add_argument("--max-requests", type=int, default=20_000, help="per client per level")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8, 16])
    p.add_argument("--single", type=int, default=500, help="single-client requests")
    p.add_argument("--workers", type=int, default=None, help="override gunicorn.conf.py")
    p.add_argument("--threads", type=int, default=None, help="override gunicorn.conf.py")
    p.add_argument("--json", default=None, help="write results here")
    p.add_argument("--against", type=Path, default=None,
                   help="another checkout (git worktree add DIR COMMIT): each upload's server "
                        "time in both, side by side")
    args = p.parse_args(argv)
    if args.smoke:
        args.seconds, args.max_requests, args.single = 1.0, 50, 100
        args.concurrency = [1, 8]

    bodies = payloads()
    ours = measure("auto", bodies, args, args.concurrency, args.single)
    # Baseline: the same model behind model.predict, single client and 8 clients (fewer requests:
    # each takes ~120 ms).
    base_args = argparse.Namespace(**{**vars(args), "seconds": min(args.seconds, 5.0),
                                      "max_requests": 40 if args.smoke else 400})
    baseline = measure("keras-predict", bodies, base_args, [] if args.smoke else [8],
                       10 if args.smoke else 50)
    speedup = baseline["single"]["p50_ms"] / ours["single"]["p50_ms"]

    print(f"digitpad serving benchmark, {dt.date.today()}, {platform.machine()} "
          f"{os.cpu_count()} CPUs, gunicorn.conf.py")
    print(f"{'':<24}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}{'errors':>8}")
    for name, r in (("digitpad", ours), ("baseline model.predict", baseline)):
        s = r["single"]
        print(f"{name + ' 1 client':<24}{s['p50_ms']:>9.2f}{s['p95_ms']:>9.2f}{s['p99_ms']:>9.2f}"
              f"{'':>9}{0:>8}")
        for c in r["concurrent"]:
            label = f"{name[:12]} {c['clients']:>2} clients"
            print(f"{label:<24}{c['p50_ms']:>9.2f}"
                  f"{c['p95_ms']:>9.2f}{c['p99_ms']:>9.2f}{c['throughput_rps']:>9.0f}"
                  f"{c['errors']:>8}")
    print(f"single-client p50 speed-up over model.predict: {speedup:.0f}x")
    for kind, u in ours["uploads"].items():
        print(f"upload '{kind}' ({u['bytes_median']} bytes): server {u['server_p50_ms']} ms "
              f"(p90 {u['server_p90_ms']}, p99 {u['server_p99_ms']}), end to end "
              f"{u['keepalive_p50_ms']} ms keep-alive, {u['new_connection_p50_ms']} ms new connection")
    print(f"worker RSS MB: digitpad {ours['worker_rss_mb']}, baseline {baseline['worker_rss_mb']}")
    print(f"start to first answer: digitpad {ours['first_answer_s']} s, "
          f"baseline {baseline['first_answer_s']} s")
    result = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "digitpad": ours,
              "baseline": baseline, "single_p50_speedup": round(speedup, 1)}
    if args.against:
        pair = side_by_side({"this": ROOT, "against": args.against.resolve()},
                            100 if args.smoke else 1500)
        result["side_by_side"] = pair
        print(f"side by side with {args.against} ({pair['requests']} requests each, alternating), "
              "server p50 / p90 ms:")
        for kind in ("page", "canvas", "canvas_rgba"):
            this, against = pair[kind]["this"], pair[kind]["against"]
            print(f"  {kind:<12} this {this['server_p50_ms']:.3f} / {this['server_p90_ms']:.3f}"
                  f"   against {against['server_p50_ms']:.3f} / {against['server_p90_ms']:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    errors = sum(c["errors"] for c in ours["concurrent"])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
