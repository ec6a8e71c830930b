# Belonging Atlas — the two commands of the quick start, and helpers.
#   make run    create .venv, install, start the app on the default area
#   make test   create .venv, install with test tools, lint and run every test
#   make demo   rebuild the built-in demo (data/demo, Rutland) from the shared data folder

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# With the real-data mirror beside the checkout (../shared/data), run offline from it
# unless ATLAS_SOURCES says otherwise. Without it and without a network, the app
# opens on the built-in demo (data/demo: Rutland).
ATLAS_SOURCES ?= $(if $(wildcard ../shared/data/SOURCES.md),data/sources.shared.toml,)
export ATLAS_SOURCES

.PHONY: run test lint format fetch demo bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.headless true

test: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(VENV)/.dev-installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

fetch: $(VENV)/.installed
	$(PY) -m geo fetch --area $(or $(AREA),E08000003)

demo: $(VENV)/.installed
	$(PY) -m geo demo build

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache data/cache
