"""Training only: what `train.py`, the benchmarks and the tests use to make and measure models.

Nothing here is imported by the web process (`webapp/__init__.py`, the routes, `preprocess`,
`classifier`), so a server installed without the `train` extra never needs TensorFlow.
"""
