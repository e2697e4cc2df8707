# stylebench: `make bench` and `make test` work on a fresh clone (they create .venv first).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEVICE ?= cpu
# extra `stylebench bench` options, e.g. make bench BENCH_ARGS="--engines reference,hybrid --repeats 5"
BENCH_ARGS ?=
# failure threshold of `make regress` (pytest-benchmark --benchmark-compare-fail expression)
REGRESS_FAIL ?= median:15%
# the same for the build + first step group (one-shot work that varies more between runs)
REGRESS_BUILD_FAIL ?= median:30%

.PHONY: install test bench bench-quick regress regress-baseline clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

test: install
	$(PY) -m pytest -q tests --benchmark-disable

bench: install
	$(PY) -m harness.cli bench --device $(DEVICE) $(BENCH_ARGS)

bench-quick: install
	$(PY) -m harness.cli bench --quick --device $(DEVICE) $(BENCH_ARGS)

regress: install
	STYLEBENCH_DEVICE=$(DEVICE) $(PY) -m harness.cli regress --threshold '$(REGRESS_FAIL)' --build-threshold '$(REGRESS_BUILD_FAIL)'

regress-baseline: install
	STYLEBENCH_DEVICE=$(DEVICE) $(PY) -m harness.cli regress --baseline

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
