#!/usr/bin/env python3
"""Bounded load and fault test of the production server (loopback only).

20 concurrent clients for 60 s against gunicorn: errors, latency percentiles, and worker RSS
sampled every second (growth from the first to the last 10 s must stay under 5%). Then, under the
same load, one worker is killed with SIGKILL: gunicorn must replace it and clients may see at most
the requests that were in flight fail. Last, slow uploaders (a phone on a bad network, or a
slowloris) trickle their bodies a byte at a time while the normal clients go on: they must not hold
the workers (no errors, p99 <= 50 ms for everyone else).

    python benchmarks/load.py                 # 60 s + the kill test
    python benchmarks/load.py --seconds 10    # quicker
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.serving import Server, client, payloads, request, rss_mb  # noqa: E402


def run_clients(port: int, bodies: list[bytes], clients: int, seconds: float,
                during=None) -> dict:
    q: mp.Queue = mp.Queue()
    start_at = time.time() + 0.3
    procs = [mp.Process(target=client, args=(port, bodies[k:] + bodies[:k], seconds, 10**9,
                                             start_at, q)) for k in range(clients)]
    for p in procs:
        p.start()
    extra = during(start_at) if during else None
    results = [q.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    lat = np.concatenate([np.array(r[0]) for r in results]) * 1e3
    return {"clients": clients, "seconds": seconds, "requests": int(lat.size),
            "errors": int(sum(r[1] for r in results)),
            "throughput_rps": round(lat.size / seconds, 1),
            **{f"p{q}_ms": round(float(np.percentile(lat, q)), 2) for q in (50, 95, 99)},
            "max_ms": round(float(lat.max()), 1), "during": extra}


def slow_uploads(port: int, count: int, seconds: float, body: bytes) -> threading.Thread:
    """`count` connections that send a request's headers, then its body one byte every 0.2 s."""
    def trickle():
        socks = []
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body))
            socks.append(s)
        end, i = time.time() + seconds, 0
        try:
            while time.time() < end and i < len(body):
                for s in socks:
                    s.sendall(body[i:i + 1])
                i += 1
                time.sleep(0.2)
        except OSError:
            pass  # the server may time a slow client out: that is allowed
        finally:
            for s in socks:
                s.close()

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    return t


def with_slow_uploaders(port: int, bodies: list[bytes], clients: int, slow: int,
                        seconds: float) -> dict:
    """Normal clients for `seconds` while `slow` uploaders trickle (started first)."""
    trickler = slow_uploads(port, slow, seconds + 1, bodies[0])
    time.sleep(0.3)
    result = run_clients(port, bodies, clients, seconds)
    trickler.join()
    result["slow_uploaders"] = slow
    return result


def sample_rss(server: Server, seconds: float, out: list, workers: int) -> threading.Thread:
    def loop():
        end = time.time() + seconds
        while time.time() < end:
            try:
                rss = server.worker_rss_mb()
            except (FileNotFoundError, ProcessLookupError):
                rss = []  # a worker being replaced
            if len(rss) == workers:  # a sample that missed a worker would look like a drop
                out.append((time.time(), sum(rss)))
            time.sleep(1)

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--slow-clients", type=int, default=8,
                   help="slow uploaders in the last phase (gunicorn.conf.py: 2 workers)")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    bodies = payloads()
    server = Server()
    ok = True
    try:
        server.first_answer(bodies[0])
        workers = int(os.environ.get("DIGITPAD_WORKERS", os.cpu_count()))  # gunicorn.conf.py's
        while len(server.worker_rss_mb()) < workers:
            time.sleep(0.1)
        run_clients(server.port, bodies, args.clients, 3)  # warm-up: every worker has answered
        # 1. Sustained load, RSS sampled each second.
        samples: list = []
        sampler = sample_rss(server, args.seconds + 1, samples, workers)
        sustained = run_clients(server.port, bodies, args.clients, args.seconds)
        sampler.join()
        t0 = samples[0][0]
        first = [r for t, r in samples if t - t0 <= 10]
        last = [r for t, r in samples if t >= samples[-1][0] - 10]
        growth = (np.mean(last) - np.mean(first)) / np.mean(first)
        sustained["rss_mb_first_10s"] = round(float(np.mean(first)), 1)
        sustained["rss_mb_last_10s"] = round(float(np.mean(last)), 1)
        sustained["rss_growth"] = round(float(growth), 4)
        sustained["rss_mb_each_second"] = [round(r, 1) for _, r in samples]
        print(f"{args.clients} clients x {args.seconds:.0f} s: {sustained['requests']} requests, "
              f"{sustained['errors']} errors, {sustained['throughput_rps']} req/s, "
              f"p50 {sustained['p50_ms']} ms, p99 {sustained['p99_ms']} ms, "
              f"max {sustained['max_ms']} ms; worker RSS {sustained['rss_mb_first_10s']} -> "
              f"{sustained['rss_mb_last_10s']} MB ({growth:+.1%})")
        ok &= sustained["errors"] == 0 and growth < 0.05

        # 2. A worker killed with SIGKILL in the middle of the load.
        def kill_one(start_at: float) -> dict:
            time.sleep(max(0.0, start_at - time.time()) + 3)
            victim = int(Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children")
                         .read_text().split()[0])
            os.kill(victim, signal.SIGKILL)
            killed_at = time.time()
            while True:  # until gunicorn has a full set of workers again
                kids = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text()
                if str(victim) not in kids.split() and len(kids.split()) >= 2:
                    return {"killed_pid": victim,
                            "replaced_after_s": round(time.time() - killed_at, 2),
                            "workers_after": [rss_mb(int(k)) for k in kids.split()]}
                time.sleep(0.05)

        killed = run_clients(server.port, bodies, args.clients, 10, during=kill_one)
        # Each client has at most one request in flight, so at most `clients` can fail.
        print(f"SIGKILL of worker {killed['during']['killed_pid']} under load: replaced after "
              f"{killed['during']['replaced_after_s']} s; {killed['errors']} of "
              f"{killed['requests']} requests failed (at most {args.clients} were in flight)")
        ok &= killed["errors"] <= args.clients
        # The server still answers, right, on every connection after the kill.
        answers = [request(server.port, body) for body in bodies[:8]]
        ok &= all(status == 200 for status, _ in answers)

        # 3. Slow uploaders: they must hold connections, not workers.
        slow = with_slow_uploaders(server.port, bodies, 4, args.slow_clients, 10)
        print(f"{args.slow_clients} slow uploaders (a byte every 0.2 s) beside 4 clients x 10 s: "
              f"{slow['requests']} requests, {slow['errors']} errors, p99 {slow['p99_ms']} ms, "
              f"max {slow['max_ms']} ms")
        ok &= slow["errors"] == 0 and slow["p99_ms"] <= 50
        if args.json:
            Path(args.json).write_text(json.dumps(
                {"sustained": sustained, "sigkill": killed, "slow_uploaders": slow},
                indent=2) + "\n")
    finally:
        server.stop()
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
