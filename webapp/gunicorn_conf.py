"""Production serving with gunicorn (what `digitpad serve` and `digitpad camp` run on POSIX systems):
`gunicorn -c python:webapp.gunicorn_conf "webapp:create_app()"`.

Tuned for a small machine (2 cores): measured by benchmarks/serving.py, see the README.
Every setting can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

from webapp.classifier import litert_available

bind = os.environ.get("DIGITPAD_BIND", "127.0.0.1:8000")
# One process per core: a request is ~1 ms of CPU-bound Python (decode, preprocess, LiteRT, JSON),
# so more processes only add memory.
workers = int(os.environ.get("DIGITPAD_WORKERS", multiprocessing.cpu_count()))
# With LiteRT, load the model once in the master: a missing or broken model stops the start with
# its message, and the workers share the loaded pages. TensorFlow is not fork-safe (a worker forked
# from a master that started it hangs), so the TensorFlow back ends load in each worker instead.
_backend = os.environ.get("DIGITPAD_BACKEND", "auto")
_litert = _backend == "litert" or (_backend == "auto" and litert_available())
preload_app = _litert
# gevent (with LiteRT): one thread per worker serves every connection it holds, switching only
# while one waits on the network. Measured here (benchmarks/serving.py, benchmarks/load.py): it
# answers sooner than gthread (no hand-off between an I/O thread and a request thread: p50 1.51
# against 1.72 ms), serves more (8 clients: 1,200 against 1,000 requests/s), and a client that
# uploads slowly holds a connection, not the worker (gthread with one thread: the other clients got
# nothing for 30 s). Requests still run one at a time per worker: that is all two cores can do.
# TensorFlow's back ends hang under gevent's patched threading (measured: model.predict from 8
# clients timed out), and a platform may lack gevent: then gthread, one thread per worker (two only
# fight over the GIL: p50 2.26 against 1.99 ms); DIGITPAD_THREADS raises it.
try:
    import gevent
except ImportError:
    gevent = None
worker_class = "gevent" if gevent is not None and _litert else "gthread"
threads = int(os.environ.get("DIGITPAD_THREADS", 1))
worker_connections = 1000
keepalive = 5
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
    """glibc's malloc, tuned for a worker before it starts its threads.

    Arenas capped: by default each thread may grow an arena of its own (up to 8 per core), which
    shows up as RSS creeping up under load. Large buffers kept: a whole canvas is decoded through
    three buffers of 235-314 KB (its inflated rows, what libspng reads, its pixels); by default
    glibc gives such memory back to the system after every request and the next request faults it
    in again, page by page (tests/test_cli.py counts the faults). Buffers up to 8 MB now
    come from the heap, and up to 16 MB of free heap is kept for the next request."""
    import ctypes
    import ctypes.util

    m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        try:
            mallopt = ctypes.CDLL(libc_name).mallopt
        except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
            return
        mallopt(m_arena_max, 2)
        mallopt(m_mmap_threshold, 8 << 20)
        mallopt(m_trim_threshold, 16 << 20)


def post_request(worker, req, environ, resp):
    """gevent: step aside after every answer. A keep-alive client that sends its next request at
    once would otherwise be served again and again while the others wait (measured: 100 ms stalls
    and p99 81 ms with 8 clients; with this, round robin)."""
    if worker_class == "gevent":
        gevent.sleep(0)
