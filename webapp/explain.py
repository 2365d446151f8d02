"""The inside of the network for one drawing: every stage's output, from the 28x28 input to the
softmax, computed by LiteRT from NAME-explain.tflite (webapp/training/explain_export.py makes it).

Feature maps travel as one grayscale PNG per stage (the maps side by side in a grid), quantised to
8 bits with the scale to read them back: a whole answer stays far under 150 KB. Vectors travel as
numbers. The last stages are the logits, then softmax with its exponentials and their sum, from
the same numbers the probabilities come from.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from pathlib import Path

import numpy as np
from PIL import Image

from webapp.classifier import ModelError

SUFFIX = "-explain"
COLS = 8  # maps per row in a stage's sprite


class Explainer:
    def __init__(self, models_dir: Path, name: str) -> None:
        from ai_edge_litert.interpreter import Interpreter

        tflite = models_dir / f"{name}{SUFFIX}.tflite"
        meta = models_dir / f"{name}{SUFFIX}.json"
        if not tflite.is_file() or not meta.is_file():
            raise FileNotFoundError(name)
        self.stages = json.loads(meta.read_text())["stages"]
        try:
            self._interp = Interpreter(model_path=str(tflite), num_threads=1)
            self._interp.allocate_tensors()
        except Exception as exc:
            raise ModelError(f"cannot load {tflite}: {exc}") from exc
        self._in = self._interp.get_input_details()[0]["index"]
        # The signature names Keras's outputs output_0, output_1, ...: stage k is output_k.
        named = self._interp.get_signature_runner().get_output_details()
        self._outputs = []
        for stage in self.stages:
            d = named.get(f"output_{stage['output']}")
            if d is None or list(d["shape"][1:]) != stage["shape"]:
                raise ModelError(f"{tflite}: output {stage['output']} does not match {stage['name']}")
            self._outputs.append(d["index"])
        self._lock = threading.Lock()

    def run(self, x: np.ndarray) -> list[np.ndarray]:
        batch = np.ascontiguousarray(x, dtype=np.float32).reshape(1, 28, 28, 1)
        with self._lock:
            self._interp.set_tensor(self._in, batch)
            self._interp.invoke()
            return [self._interp.get_tensor(i)[0].copy() for i in self._outputs]

    def explain(self, x: np.ndarray) -> dict:
        values = self.run(x)
        layers = [{"name": "input", "kind": "input", "shape": [28, 28, 1], "params": 0,
                   "maps": maps(x.reshape(28, 28, 1), signed=False)}]
        for stage, v in zip(self.stages, values):
            layer = {k: stage[k] for k in ("name", "kind", "shape", "params")}
            for key in ("function", "kernel_size", "pool_size"):
                if key in stage:
                    layer[key] = stage[key]
            if v.ndim == 3:
                layer["maps"] = maps(v, signed=stage["kind"] in ("conv", "batchnorm"))
            else:
                layer["values"] = [round(float(a), 4) for a in v]
            if stage.get("logits"):
                layer["logits"] = True
            layers.append(layer)
        logits = values[-1].astype(np.float64)
        exp = np.exp(np.clip(logits, -80, 80))  # logits of a trained model sit far inside this
        layers.append({"name": "softmax", "kind": "softmax", "shape": [len(exp)], "params": 0,
                       "values": (exp / exp.sum()).tolist(), "exp": exp.tolist(),
                       "sum": float(exp.sum())})
        # The answer's digit and probabilities are /api/predict's, added by the route.
        return {"layers": layers, "logits": logits.tolist()}

    def filters(self, layer: str) -> dict | None:
        for stage in self.stages:
            if stage["name"] == layer and "filters" in stage:
                return {"name": layer, "shape": np.shape(stage["filters"]),
                        "filters": stage["filters"]}
        return None


def maps(v: np.ndarray, signed: bool) -> dict:
    """(H, W, C) -> one PNG with the C maps in a grid, 8 bits each, and how to read it back:
    value = (pixel - zero) * scale. Signed stages put 0 at mid-grey, so the page can colour both
    signs; the others (after ReLU, pooling) use the whole range from 0."""
    h, w, c = v.shape
    peak = float(np.abs(v).max()) or 1.0
    if signed:
        zero, scale = 127.5, peak / 127.5
    else:
        zero, scale = 0.0, peak / 255.0
    q = np.clip(np.rint(zero + v / scale), 0, 255).astype(np.uint8)
    cols = min(COLS, c)
    rows = -(-c // cols)
    sheet = np.zeros((rows * h, cols * w), np.uint8)
    for k in range(c):
        r, col = divmod(k, cols)
        sheet[r * h:(r + 1) * h, col * w:(col + 1) * w] = q[:, :, k]
    buf = io.BytesIO()
    Image.fromarray(sheet, "L").save(buf, "PNG", compress_level=1)
    return {"count": c, "height": h, "width": w, "cols": cols, "zero": zero, "scale": scale,
            "signed": signed, "png": base64.b64encode(buf.getvalue()).decode()}


def read_maps(m: dict) -> np.ndarray:
    """The inverse of maps(): (H, W, C) floats, to within one quantisation step."""
    sheet = np.asarray(Image.open(io.BytesIO(base64.b64decode(m["png"]))), dtype=np.float64)
    h, w, c, cols = m["height"], m["width"], m["count"], m["cols"]
    out = np.zeros((h, w, c))
    for k in range(c):
        r, col = divmod(k, cols)
        out[:, :, k] = (sheet[r * h:(r + 1) * h, col * w:(col + 1) * w] - m["zero"]) * m["scale"]
    return out


class Explainers:
    """One Explainer per model, loaded on first use."""

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self._loaded: dict[str, Explainer] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Explainer:
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = Explainer(self.models_dir, name)
            return self._loaded[name]
