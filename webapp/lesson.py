"""The lesson's "how TensorFlow is built" slide points at digitpad's own code: each concept with
the file and the line it is on, found in the files when asked (so the slide never goes stale)."""

from __future__ import annotations

from webapp import paths

CONCEPTS = [
    ("tfTensors", "webapp/training/pipeline.py", "def augment(x: tf.Tensor"),
    ("tfFunction", "webapp/classifier.py", "self._run = tf.function("),
    ("tfLayers", "webapp/training/architectures.py", "layers.Conv2D(filters, 3"),
    ("tfLoss", "train.py", 'model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy"'),
    ("tfData", "webapp/training/pipeline.py", "ds = tf.data.Dataset.from_tensor_slices("),
    ("tfSave", "webapp/training/pipeline.py", "model.save(tmp)"),
    ("tfLite", "webapp/training/pipeline.py", "tf.lite.TFLiteConverter.from_keras_model(model)"),
]


def code_locations() -> list[dict]:
    out = []
    for key, file, marker in CONCEPTS:
        path = paths.CHECKOUT / file
        found = {"key": key, "file": file, "line": None, "code": None}
        if path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if marker in line:
                    found.update(line=number, code=line.strip())
                    break
        out.append(found)
    return out
