# digitpad: `make run` (set up, then serve on http://127.0.0.1:5000) and `make test`.
# Each target installs what it needs on first use and reuses it afterwards.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: run serve test lint train baseline bench screenshot browser clean help

help:
	@echo "make run        set up and run the app on http://127.0.0.1:5000 (development)"
	@echo "make serve      set up and run the production server (gunicorn) on http://127.0.0.1:8000"
	@echo "make test       set up (venv, chromium) and run every test"
	@echo "make train      retrain the shipped model models/cnn.keras (~20 min on 2 CPU cores)"
	@echo "make bench      accuracy on real drawings and serving speed"
	@echo "make screenshot refresh docs/screenshot.png"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "digitpad needs Python >= 3.10 (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.app: pyproject.toml | $(PY)
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.app
	$(PIP) install -q -e '.[test,dev]'
	@touch $@

browser:
	@scripts/ensure-chromium.sh

run: $(VENV)/.app
	$(VENV)/bin/flask --app webapp run --host 127.0.0.1 --port 5000

serve: $(VENV)/.app
	$(VENV)/bin/gunicorn -c gunicorn.conf.py "webapp:create_app()"

lint: $(VENV)/.test
	$(VENV)/bin/ruff check .

test: $(VENV)/.test browser lint
	$(PY) -m pytest

train: $(VENV)/.app
	$(PY) train.py

baseline: $(VENV)/.app
	$(PY) train.py --arch simple --no-augment --real none --epochs 12 --out models/baseline.keras

bench: $(VENV)/.test
	$(PY) benchmarks/real_drawings.py --json benchmarks/results/real_drawings.json \
		--sheet docs/failures-cnn.png
	$(PY) benchmarks/serving.py --json benchmarks/results/serving.json

screenshot: $(VENV)/.test browser
	$(PY) scripts/screenshot.py docs/screenshot.png

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-results
