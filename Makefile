# digitpad: `make run` (set up, then serve on http://127.0.0.1:5000) and `make test`.
# Each target installs what it needs on first use and reuses it afterwards.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: run serve camp postgres test gpu-check lint train baseline bench screenshot browser clean help

help:
	@echo "make run        set up and run the app on http://127.0.0.1:5000 (development)"
	@echo "make camp       a class: serve to the room's network, print the URLs and a QR code"
	@echo "                (also installs TensorFlow so the class can teach the network)"
	@echo "make serve      set up and run the production server (gunicorn) on http://127.0.0.1:8000"
	@echo "make test       set up (venv, chromium) and run every test"
	@echo "make train      retrain the shipped model models/cnn.keras (~30 min on 2 CPU cores)"
	@echo "make bench      accuracy on real drawings and serving speed"
	@echo "make screenshot refresh docs/screenshot.png"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "digitpad needs Python >= 3.10 (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Stamps: reinstall only when pyproject.toml changes. The app alone is the light install (no
# TensorFlow); training and the tests add the `train` extra.
$(VENV)/.app: pyproject.toml | $(PY)
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.train: pyproject.toml $(VENV)/.app
	$(PIP) install -q -e '.[train]'
	@touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.train
	$(PIP) install -q -e '.[train,test,dev]'
	@touch $@

browser:
	@scripts/ensure-chromium.sh

run: $(VENV)/.app
	$(VENV)/bin/digitpad run

serve: $(VENV)/.app
	$(VENV)/bin/digitpad serve

# The presenter's laptop: the server, and TensorFlow + MNIST (cached) so the class can teach the
# network. Run it once at home: the first time downloads ~1.6 GB; later starts are offline.
camp: $(VENV)/.train
	@$(PY) -c 'from webapp.training import datasets; datasets.load_mnist(log=print)'
	$(VENV)/bin/digitpad camp

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .

postgres:
	@scripts/ensure-postgres.sh

test: $(VENV)/.test browser postgres lint
	$(PY) -m pytest

train: $(VENV)/.train
	$(PY) train.py --out models/cnn.keras --force --with-final-group --mnist-floor 0.995

baseline: $(VENV)/.train
	$(PY) train.py --arch simple --no-augment --real none --epochs 12 --out models/baseline.keras --force

gpu-check: $(VENV)/.train
	$(PY) scripts/gpu_check.py

bench: $(VENV)/.test
	$(PY) benchmarks/real_drawings.py --json benchmarks/results/real_drawings.json \
		--sheet docs/failures-cnn.png
	$(PY) benchmarks/serving.py --json benchmarks/results/serving.json

screenshot: $(VENV)/.test browser
	$(PY) scripts/screenshot.py docs/screenshot.png

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-results
