"""Production serving: `gunicorn -c gunicorn.conf.py "webapp:create_app()"` (what `make serve` runs).

Tuned for a small machine (2 cores): measured by benchmarks/serving.py, see the README.
Every setting can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

from webapp.classifier import litert_available

bind = os.environ.get("DIGITPAD_BIND", "127.0.0.1:8000")
# One process per core: a request is ~1.5 ms of CPU-bound Python (decode, preprocess, LiteRT,
# JSON), so more processes only add memory. gthread keeps connections alive between requests.
# One thread per worker: measured here (benchmarks/serving.py), one thread answers sooner (p50
# 1.99 ms against 2.26 ms with two) and serves more (8 clients: 887 requests/s against 874; 4
# threads: 717) -- extra threads only fight over the GIL. A client that uploads slowly holds a
# thread while it does, so on a public server put a buffering proxy (nginx) in front, as
# gunicorn's documentation advises; DIGITPAD_THREADS raises the count where that is not possible.
workers = int(os.environ.get("DIGITPAD_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("DIGITPAD_THREADS", 1))
keepalive = 5
# With LiteRT, load the model once in the master: a missing or broken model stops the start with
# its message, and the workers share the loaded pages. TensorFlow is not fork-safe (a worker forked
# from a master that started it hangs), so the TensorFlow back ends load in each worker instead.
_backend = os.environ.get("DIGITPAD_BACKEND", "auto")
preload_app = _backend == "litert" or (_backend == "auto" and litert_available())
timeout = 30  # a request takes milliseconds; a worker silent for 30 s is stuck and is replaced
graceful_timeout = 10
# Recycle workers now and then so memory stays flat whatever happens inside a library.
max_requests = 200_000
max_requests_jitter = 20_000
limit_request_line = 8190
limit_request_fields = 50
accesslog = os.environ.get("DIGITPAD_ACCESS_LOG")  # off by default: it costs ~10% throughput
errorlog = "-"
loglevel = "info"


def post_fork(server, worker):
    """Cap glibc's malloc arenas before the worker starts its threads: by default each thread may
    grow an arena of its own (up to 8 per core), which shows up as RSS creeping up under load."""
    import ctypes
    import ctypes.util

    m_arena_max = -8
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        try:
            ctypes.CDLL(libc_name).mallopt(m_arena_max, 2)
        except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to cap
            pass
