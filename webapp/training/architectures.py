"""The networks digitpad can train. Each takes 28x28x1 ink in [0, 1] and returns 10 probabilities,
or 11 when it is taught to say "not a digit" (the eleventh, webapp.training.variety.NOT_DIGIT)."""

from __future__ import annotations

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)


def cnn(classes: int = 10, first: tuple[int, ...] = (32, 32)) -> keras.Model:
    """The shipped model: conv -> conv -> pool, twice, then a dense layer (~200k parameters).

    BatchNorm uses momentum 0.9: at Keras's default 0.99 the moving statistics lag so far behind in
    the first epoch that evaluation scores 25% while training scores 89%. `valid` padding: `same`
    on 28x28 inputs triples the time per epoch and buys nothing measurable. `first`: the filters
    of the convolutions before the first pooling, where most of the arithmetic is (cheaper ones
    are cross-validated against these: webapp.training.crossval --arch).
    """

    def conv(filters: int) -> list[layers.Layer]:
        return [
            layers.Conv2D(filters, 3, use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
        ]

    return keras.Sequential(
        [
            keras.Input(INPUT_SHAPE),
            *(layer for filters in first for layer in conv(filters)), layers.MaxPooling2D(2),
            *conv(64), *conv(64), layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(128, use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
            layers.Dropout(0.4),
            layers.Dense(classes, activation="softmax"),
        ],
        name="cnn",
    )


def simple(classes: int = 10) -> keras.Model:
    """keras.io's "Simple MNIST convnet", unchanged: the baseline most demos ship."""
    return keras.Sequential(
        [
            keras.Input(INPUT_SHAPE),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(classes, activation="softmax"),
        ],
        name="simple",
    )


def mlp(classes: int = 10) -> keras.Model:
    """Dense layers only (Y = wX + b, twice): what convolution is measured against."""
    return keras.Sequential(
        [
            keras.Input(INPUT_SHAPE),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(classes, activation="softmax"),
        ],
        name="mlp",
    )


def lenet5(classes: int = 10) -> keras.Model:
    """LeNet-5 (LeCun, Bottou, Bengio, Haffner, 1998) in its Keras form: two convolutions with tanh
    and average pooling, then 120 and 84 units. The paper's 32x32 input is 28x28 here with `same`
    padding on the first convolution, which keeps its feature-map sizes (28, 14, 10, 5)."""
    return keras.Sequential(
        [
            keras.Input(INPUT_SHAPE),
            layers.Conv2D(6, 5, padding="same", activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Conv2D(16, 5, activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(120, activation="tanh"),
            layers.Dense(84, activation="tanh"),
            layers.Dense(classes, activation="softmax"),
        ],
        name="lenet5",
    )


ARCHITECTURES = {"cnn": cnn, "simple": simple, "mlp": mlp, "lenet5": lenet5}


def build(name: str, classes: int = 10) -> keras.Model:
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose from {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name](classes)
