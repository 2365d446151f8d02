"""Teach the network with a class's drawings, from the web app: start a fine-tuning process, follow
it, cancel it, and find out what happened to it, even across server restarts. TensorFlow never
enters the web process: the training runs as `python -m webapp.training.finetune`, its own process,
at a lower priority, writing progress as JSON lines to a file any worker can read.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from webapp import classroom, store

MIN_DRAWINGS = 30  # the same rule as webapp.training.finetune.MIN_DRAWINGS (no TF import here)
PREFIX = "class-"  # fine-tuned models are named class-<code>; nothing else is ever written


class CannotTeach(ValueError):
    """Why fine-tuning does not start (too few drawings, digits missing, no TensorFlow...)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def model_name(code: str) -> str:
    return f"{PREFIX}{code.lower()}"


def is_fine_tuned(name: str) -> bool:
    return name.startswith(PREFIX)


def tensorflow_available() -> bool:
    return importlib.util.find_spec("tensorflow") is not None


def check_ready(counts: dict) -> None:
    per = counts["per_digit"]
    total = sum(n for n, _ in per.values())
    if total < MIN_DRAWINGS:
        raise CannotTeach(400, "not_enough_drawings",
                          f"{total} drawings so far: at least {MIN_DRAWINGS} are needed.")
    missing = [str(d) for d in range(10) if per.get(d, (0, 0))[0] == 0]
    if missing:
        raise CannotTeach(400, "digits_missing",
                          f"No drawings of {', '.join(missing)} yet: every digit is needed.")
    if counts["students"] < 2:
        raise CannotTeach(400, "not_enough_students",
                          "Drawings of at least two students are needed (one is kept apart to "
                          "measure on).")


def alive(pid: int | None) -> bool:
    """The process runs (a zombie, finished but not yet reaped, does not count)."""
    if not pid:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except (OSError, IndexError):
            return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError, OSError):
        return False
    return True


_children: list[subprocess.Popen] = []  # reaped now and then, so none stays a zombie


def _reap() -> None:
    for proc in list(_children):
        if proc.poll() is not None:
            _children.remove(proc)


def start(engine: Engine, session: dict, models_dir: Path, instance: Path, base_model: str,
          data: str | None = None) -> dict:
    """Export the class's drawings, then start the fine-tuning process. Raises CannotTeach."""
    _reap()
    if not tensorflow_available():
        raise CannotTeach(503, "training_unavailable",
                          "Teaching needs TensorFlow on this machine: pip install -e '.[train]' "
                          "(make camp installs it).")
    check_ready(store.counts(engine, session["id"]))
    source = models_dir / f"{base_model}.keras"
    if not source.is_file():
        raise CannotTeach(400, "no_keras_model", f"{base_model} has no .keras file to start from.")
    name = model_name(session["code"])
    folder = instance / "jobs" / f"{name}-{secrets.token_hex(6)}"
    job_id = store.start_job(engine, session["id"], name, base_model, str(folder))
    if job_id is None:
        raise CannotTeach(409, "busy", "The network is already learning; wait for it or cancel it.")
    try:
        folder.mkdir(parents=True)
        export = folder / "class.npz"
        classroom.write_dataset(store.iter_export(engine, session["id"]), export)
        cmd = [sys.executable, "-m", "webapp.training.finetune", "--from", str(source),
               "--extra-data", str(export), "--out", str(models_dir / f"{name}.keras"), "--force",
               "--progress", str(folder / "progress.jsonl")]
        if data:
            cmd += ["--data", data]
        log = open(folder / "log.txt", "wb")  # noqa: SIM115 (the child keeps it)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=Path(__file__).parent.parent,
            # Below the web workers: students' answers come first on a 2-core laptop.
            preexec_fn=(lambda: os.nice(10)) if hasattr(os, "nice") else None,
            start_new_session=True)
        log.close()
        _children.append(proc)
        store.set_job(engine, job_id, pid=proc.pid)
    except Exception as exc:
        store.finish_job(engine, job_id, "failed", f"could not start: {exc}")
        raise
    return status(engine, job_id)


def events(job: dict) -> list[dict]:
    path = Path(job["folder"]) / "progress.jsonl"
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # a line being written right now
    return out


def status(engine: Engine, job_id: int) -> dict:
    """The job with its progress; a running job whose process has died is marked failed here (a
    crash, or a restart of the server), so nothing stays 'running' for ever."""
    _reap()
    job = store.get_job(engine, job_id)
    if job is None:
        raise KeyError(job_id)
    evs = events(job)
    last = evs[-1]["event"] if evs else None
    if job["status"] == "running":
        if last == "done":
            store.finish_job(engine, job_id, "done")
        elif last == "error":
            store.finish_job(engine, job_id, "failed", evs[-1].get("message"))
        elif last == "cancelled":
            store.finish_job(engine, job_id, "cancelled")
        elif not alive(job["pid"]) and job["pid"] is not None:
            store.finish_job(engine, job_id, "failed", "the training process stopped unexpectedly")
        job = store.get_job(engine, job_id)
    return {"id": job["id"], "status": job["status"], "model": job["model"],
            "base_model": job["base_model"], "error": job["error"],
            "started_at": job["started_at"].isoformat(),
            "finished_at": job["finished_at"].isoformat() if job["finished_at"] else None,
            "events": evs}


def cancel(engine: Engine, job_id: int) -> dict:
    job = store.get_job(engine, job_id)
    if job is None:
        raise KeyError(job_id)
    if job["status"] == "running" and alive(job["pid"]):
        try:
            os.killpg(job["pid"], signal.SIGTERM)
        except (ProcessLookupError, PermissionError, AttributeError):
            pass
    store.finish_job(engine, job_id, "cancelled")
    return status(engine, job_id)


def reconcile(engine: Engine) -> int:
    """At start: jobs left 'running' by a server that stopped, whose process is gone, fail."""
    count = 0
    for job in store.running_jobs(engine):
        if not alive(job["pid"]):
            count += store.finish_job(engine, job["id"], "failed",
                                      "the server restarted during training")
    return count


def delete_model(models_dir: Path, name: str) -> bool:
    """A fine-tuned model's files. The shipped models cannot be deleted this way."""
    if not is_fine_tuned(name):
        raise CannotTeach(403, "protected_model", f"{name} is not a fine-tuned model; it stays.")
    gone = False
    for suffix in (".keras", ".tflite", ".json", "-explain.tflite", "-explain.json"):
        path = models_dir / f"{name}{suffix}"
        if path.exists():
            path.unlink()
            gone = True
    for plot in models_dir.glob(f"{name}-*.png"):
        plot.unlink()
    return gone
