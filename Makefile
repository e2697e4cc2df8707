# stylebench: `make bench` and `make test` work on a fresh clone (they create .venv first).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEVICE ?= cpu

.PHONY: install test bench bench-quick regress regress-baseline clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

test: install
	$(PY) -m pytest -q tests

bench: install
	$(PY) -m harness.cli bench --device $(DEVICE)

bench-quick: install
	$(PY) -m harness.cli bench --quick --device $(DEVICE)

regress: install
	$(PY) -m harness.cli regress

regress-baseline: install
	$(PY) -m harness.cli regress --baseline

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
