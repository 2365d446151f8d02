"""One drawing in, the model's answer out: the domain function behind /api/predict and the
classroom's submissions, testable without Flask."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from webapp import preprocess


@dataclass(frozen=True)
class Recognition:
    digit: int
    confidence: float
    probabilities: np.ndarray  # (10,) float32
    thousandths: np.ndarray  # (28, 28) integers 0..1000: exactly what the model saw, x 1000
    preprocess_ms: float
    inference_ms: float

    def input_uint8(self) -> np.ndarray:
        """The model's input as an 8-bit image (for storage and thumbnails)."""
        return np.rint(self.thousandths * 0.255).astype(np.uint8)

    def as_json(self, model: str) -> dict:
        return {
            "digit": self.digit,
            "confidence": self.confidence,
            "probabilities": self.probabilities.tolist(),
            "model": model,
            "timing_ms": {"preprocess": round(self.preprocess_ms, 3),
                          "inference": round(self.inference_ms, 3)},
            # Three decimals are plenty for ink; the model was given these rounded values.
            "input": self.thousandths / 1000,
        }


def recognise(data: bytes, model, *, whole_canvas: bool = False) -> Recognition:
    """Image bytes -> the model's answer. Raises preprocess.InvalidImage / EmptyDrawing.
    `whole_canvas`: skip the MNIST recipe and resize the whole image, as most demos do."""
    started = time.perf_counter()
    x = preprocess.whole_canvas(data) if whole_canvas else preprocess.preprocess(data)
    thousandths = np.rint(x * 1000).astype(np.intp)
    prepared = time.perf_counter()
    p = model.predict(thousandths / 1000)
    done = time.perf_counter()
    digit = int(np.argmax(p))
    return Recognition(digit, float(p[digit]), p, thousandths, (prepared - started) * 1e3,
                       (done - prepared) * 1e3)
