"""Export the inside of a trained model for the web process (which has no TensorFlow):

- NAME-explain.tflite: the same weights with one output per layer (and the logits before softmax),
  run by LiteRT in ~0.2 ms;
- NAME-explain.json: the stages in order: name, kind, output shape, parameters, output index, and
  each convolution's filters (the learned 3x3 kernels).

    python -m webapp.training.explain_export models/cnn.keras      # train.py does it too
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from webapp.training.quiet import quiet_native_output

KINDS = {"Conv2D": "conv", "BatchNormalization": "batchnorm", "Activation": "activation",
         "ReLU": "activation", "MaxPooling2D": "pool", "AveragePooling2D": "pool",
         "Flatten": "flatten", "Dropout": "dropout", "Dense": "dense"}


def explain_model(model):
    """A functional copy of `model` that returns every layer's output, the last dense layer split
    into its logits (an output of their own) and the softmax the web process computes from them."""
    import keras

    inputs = keras.Input(model.input_shape[1:])
    x, outputs, stages = inputs, [], []
    for layer in model.layers[:-1]:
        x = layer(x)
        outputs.append(x)
        stages.append(layer)
    last = model.layers[-1]
    if type(last).__name__ != "Dense" or last.get_config().get("activation") != "softmax":
        raise ValueError("the last layer must be a Dense layer with softmax")
    logits_layer = keras.layers.Dense(last.units, name=f"{last.name}_logits")
    outputs.append(logits_layer(x))
    logits_layer.set_weights(last.get_weights())
    return keras.Model(inputs, outputs), stages + [last]


def export(keras_path: Path) -> tuple[Path, Path]:
    with quiet_native_output():
        import keras
        import tensorflow as tf

    model = keras.saving.load_model(keras_path, compile=False)
    inside, layers = explain_model(model)
    with quiet_native_output():
        flat = tf.lite.TFLiteConverter.from_keras_model(inside).convert()
    stages = []
    for index, layer in enumerate(layers):
        kind = KINDS.get(type(layer).__name__, type(layer).__name__.lower())
        shape = list(inside.outputs[index].shape[1:])
        stage = {"name": layer.name, "kind": kind, "shape": shape, "output": index,
                 "params": int(layer.count_params())}
        if kind == "activation":
            stage["function"] = layer.get_config().get("activation", "relu")
        if kind == "conv":
            kernel = layer.get_weights()[0]  # (3, 3, in, out)
            stage["kernel_size"] = list(kernel.shape[:2])
            # float64 first: a float32 rounded to 4 decimals prints as 17 digits in JSON
            stage["filters"] = np.round(kernel.astype(np.float64), 4).tolist()
        if kind == "pool":
            stage["pool_size"] = list(layer.get_config()["pool_size"])
        stages.append(stage)
    stages[-1]["kind"] = "dense"
    stages[-1]["logits"] = True
    out_tflite = keras_path.with_name(f"{keras_path.stem}-explain.tflite")
    out_json = keras_path.with_name(f"{keras_path.stem}-explain.json")
    from webapp.training.pipeline import write_atomic

    write_atomic(out_tflite, flat)
    write_atomic(out_json, (json.dumps({"model": keras_path.stem, "stages": stages},
                                       separators=(",", ":")) + "\n").encode())
    return out_tflite, out_json


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        for path in export(Path(arg)):
            print(f"wrote {path}")
