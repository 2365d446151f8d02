"""The classroom's rules, as plain functions: class codes, what a submission may hold, who is the
presenter, how fast one client may submit. The routes (class_api.py) only call these."""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

# No 0/O, 1/I/L: a code read off a projector from the back of the room is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 4
CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
STUDENT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NICKNAME_MAX = 20
SOURCES = ("prompted", "corrected")


class Invalid(ValueError):
    """A submission field that is not acceptable; the message says which and why."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str | None:
    code = code.strip().upper()
    return code if CODE.match(code) else None


def clean_nickname(value: object) -> str:
    """At most 20 characters of printable text; markup is kept as text (the pages never insert it
    as HTML), control and formatting characters are dropped."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid("nickname must be text")
    kept = "".join(c for c in unicodedata.normalize("NFC", value)
                   if unicodedata.category(c)[0] != "C")
    return " ".join(kept.split())[:NICKNAME_MAX]


@dataclass(frozen=True)
class Submission:
    label: int
    source: str
    nickname: str
    student: str
    submission: str | None = None  # the client's id for this drawing: a retry is stored once


def parse_submission(fields: dict, fallback_student: str) -> Submission:
    label = fields.get("label")
    if isinstance(label, str) and label.strip().isdigit():
        label = int(label.strip())
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label <= 9:
        raise Invalid("label must be a digit from 0 to 9")
    source = fields.get("source", "prompted")
    if source not in SOURCES:
        raise Invalid("source must be 'prompted' or 'corrected'")
    student = fields.get("student") or fallback_student
    if not isinstance(student, str) or not STUDENT.match(student):
        raise Invalid("student must be 1-64 letters, digits, '_' or '-'")
    submission = fields.get("submission") or None
    if submission is not None and (not isinstance(submission, str) or not STUDENT.match(submission)):
        raise Invalid("submission must be 1-64 letters, digits, '_' or '-'")
    return Submission(label, source, clean_nickname(fields.get("nickname")), student, submission)


def parse_student(fields: dict) -> tuple[str, str]:
    """(student id, nickname) of a student saying they are there."""
    student = fields.get("student")
    if not isinstance(student, str) or not STUDENT.match(student):
        raise Invalid("student must be 1-64 letters, digits, '_' or '-'")
    return student, clean_nickname(fields.get("nickname"))


def presenter_ok(authorization: str | None, token: str | None) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time. No token configured: nobody."""
    if not token or not authorization or not authorization.startswith("Bearer "):
        return False
    return hmac.compare_digest(authorization[7:].strip().encode(), token.encode())


class RateLimiter:
    """A token bucket per key (a student id, a client address): `rate` submissions per second on
    average, bursts of `burst`. Per process: with N workers a client that spreads its requests
    over all of them gets at most N times the rate, still bounded."""

    def __init__(self, rate: float, burst: float, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.max_keys, self.clock = rate, burst, max_keys, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = self.clock() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if len(self._buckets) >= self.max_keys and key not in self._buckets:
                self._forget(now)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            return True

    def _forget(self, now: float) -> None:
        """Drop buckets that have refilled: they hold nothing a new one would not."""
        full = [k for k, (t, last) in self._buckets.items()
                if t + (now - last) * self.rate >= self.burst]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()


def write_dataset(rows: Iterable[dict], target) -> None:
    """Stored drawings -> the classroom's .npz dataset (the export, and what fine-tuning reads):
    x (N, 28, 28) uint8 ink, y labels, student, source, predicted, probabilities, id."""
    got = list(rows)
    np.savez_compressed(
        target,
        x=np.stack([np.frombuffer(r["input"], np.uint8).reshape(28, 28) for r in got])
        if got else np.zeros((0, 28, 28), np.uint8),
        y=np.array([r["label"] for r in got], np.uint8),
        student=np.array([r["student"] for r in got], dtype=str),
        source=np.array([r["source"] for r in got], dtype=str),
        predicted=np.array([r["digit"] for r in got], np.int16),
        probabilities=np.array([r["probabilities"] for r in got], np.float32).reshape(-1, 10),
        id=np.array([r["id"] for r in got], np.int64),
    )


def accuracy_table(per_digit: dict[int, tuple[int, int]]) -> dict:
    """Counts from the store -> the stats the wall shows."""
    digits = {}
    total = right = 0
    for d in range(10):
        n, r = per_digit.get(d, (0, 0))
        total, right = total + n, right + r
        digits[str(d)] = {"drawings": n, "right": r, "accuracy": round(r / n, 4) if n else None}
    return {"drawings": total, "right": right,
            "accuracy": round(right / total, 4) if total else None, "per_digit": digits}
