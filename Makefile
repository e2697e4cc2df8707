# stylebench: `make bench` and `make test` work on a fresh clone (they create .venv first).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEVICE ?= cpu
# extra `stylebench bench` options, e.g. make bench BENCH_ARGS="--engines reference,hybrid --repeats 5"
BENCH_ARGS ?=
# `make regress`: this tree against REGRESS_AGAINST, both measured now in alternation (harness/README.md);
# more options in REGRESS_ARGS, e.g. make regress REGRESS_ARGS="--engines reference --min-effect 5%"
REGRESS_AGAINST ?= HEAD~1
REGRESS_ARGS ?=
# failure threshold of `make regress-saved` (pytest-benchmark --benchmark-compare-fail expression)
REGRESS_FAIL ?= median:15%
# the same for the build + first step group (one-shot work that varies more between runs)
REGRESS_BUILD_FAIL ?= median:30%
# `make seed-table`: the seed's vqa table re-measured on the CPU (harness/README.md); more options in SEED_ARGS,
# e.g. make seed-table SEED_ARGS="--repeats 3 --iters 10"
SEED_ARGS ?=

.PHONY: install test bench bench-quick seed-table regress regress-baseline regress-saved gpu-check clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,caffe,dask]'  # every optional path is tested
	touch $(STAMP)

test: install
	$(PY) -m pytest -q tests --benchmark-disable

bench: install
	$(PY) -m harness.cli bench --device $(DEVICE) $(BENCH_ARGS)

bench-quick: install
	$(PY) -m harness.cli bench --quick --device $(DEVICE) $(BENCH_ARGS)

seed-table: install
	$(PY) -m harness.cli report --seed-table --device cpu $(SEED_ARGS)

regress: install
	$(PY) -m harness.cli regress --against '$(REGRESS_AGAINST)' --device $(DEVICE) $(REGRESS_ARGS)

# the saved-history workflow: pytest-benchmark baselines per machine id
regress-baseline: install
	STYLEBENCH_DEVICE=$(DEVICE) $(PY) -m harness.cli regress --baseline

regress-saved: install
	STYLEBENCH_DEVICE=$(DEVICE) $(PY) -m harness.cli regress --saved --threshold '$(REGRESS_FAIL)' --build-threshold '$(REGRESS_BUILD_FAIL)'

# one command on a CUDA machine: installs the gpu extra, GPU tests, a short GPU bench and the vqa frontier into
# results/reference/gpu/ (harness/gpu_check.py); without a device it exits 2 before installing anything
gpu-check:
	$(PYTHON) -m harness.gpu_check --probe
	$(MAKE) install
	$(PY) -m harness.gpu_check

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
