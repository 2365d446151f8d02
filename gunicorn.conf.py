"""Production serving: `gunicorn -c gunicorn.conf.py "webapp:create_app()"` (what `make serve` runs).

Tuned for a small machine (2 cores): measured by benchmarks/serving.py, see the README.
Every setting can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

from webapp.classifier import litert_available

bind = os.environ.get("DIGITPAD_BIND", "127.0.0.1:8000")
# One process per core: a request is ~1 ms of CPU (decode, preprocess, 0.06 ms of LiteRT), so
# more processes only add memory. Threads overlap the network waits; keep-alive needs gthread.
workers = int(os.environ.get("DIGITPAD_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("DIGITPAD_THREADS", 4))
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
