"""The talk's homework: a handwritten-digit recogniser in TensorFlow. How many lines does it take?"""
import time

import keras

from webapp.training.datasets import load_mnist  # MNIST offline, checksum-verified

mnist = load_mnist()  # or keras.datasets.mnist.load_data() with the internet
x_train, x_test = mnist.x_train[..., None] / 255, mnist.x_test[..., None] / 255
model = keras.Sequential([
    keras.Input((28, 28, 1)),
    keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(),
    keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(),
    keras.layers.Flatten(), keras.layers.Dense(128, activation="relu"), keras.layers.Dropout(0.5),
    keras.layers.Dense(10, activation="softmax"),
])
steps = 5 * len(x_train) // 256  # 5 epochs of batches of 256; the learning rate decays over them
model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(3e-3, steps)),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
started = time.perf_counter()
model.fit(x_train, mnist.y_train, batch_size=256, epochs=5, verbose=2)
seconds = time.perf_counter() - started
print(f"test accuracy: {model.evaluate(x_test, mnist.y_test, verbose=0)[1]:.4f} "
      f"after {seconds:.0f} s of training")
