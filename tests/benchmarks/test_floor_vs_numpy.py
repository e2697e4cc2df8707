"""The `reference` floor against a bare NumPy script of the same step (numpy_steps.py), one pytest-benchmark
group per workload with a "numpy" and a "reference" entry, so the floor's cost over plain NumPy reads off as a
ratio on any machine. CPU only (the script is NumPy).

The two sides alternate step by step (A B A B ...): each round times one step of its side while the other
side's step, run just before it in the round's setup, is timed by hand. So both sides see the same minutes of
a loaded machine, and each entry's extra_info carries both medians and `reference_over_numpy` from those
same rounds (the ratio to quote). A third entry per group, "gemms", times the floor's matrix products alone
(gemm_replay.py) against the script the same way: the share of the ratio that the BLAS sets. Not part of
`stylebench regress` (its suite is test_steps.py).

Run it under the malloc policy every harness run has (machine.MALLOC_ENV["cache"]; glibc reads it from the
environment at start only), as the issue that set the floor's goals measured both sides:

    env MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456 \
        OPENBLAS_NUM_THREADS=1 .venv/bin/python -m pytest tests/benchmarks/test_floor_vs_numpy.py --benchmark-enable

Under glibc's defaults the script's large temporaries go back to the system and come again every step (cnn's
script: 8.3 ms against 5.0 ms with the policy, AMD EPYC family 26), which flatters the floor's ratio; each
entry's extra_info says which policy it ran under, and a run under another one warns."""
import math
import os
import statistics
import time
import warnings

import numpy as np
import pytest

import workloads
from tests.benchmarks.gemm_replay import record_gemms, replayer
from tests.benchmarks.numpy_steps import SCRIPTS


def _malloc_policy():
    """The harness's name of the malloc policy this process started under (machine.MALLOC_ENV), else
    "custom": the environment of either policy exactly, or anything else."""
    from harness import machine
    keys = {k for env in machine.MALLOC_ENV.values() for k in env}
    mine = {k: os.environ[k] for k in keys if k in os.environ}
    return next((name for name, env in machine.MALLOC_ENV.items() if env == mine), "custom")


SIDE_S = 0.3       # each side runs at least about this long in all, so microsecond steps get many rounds
LOSSES = 5


def _sides(name):
    w = workloads.get(name)
    size = w.sizes[0]
    batches = [w.batch(i, size) for i in range(4)]
    return w, size, batches, {"numpy": SCRIPTS[name](size), "reference": w.trainer("reference", size, "cpu").step}


def test_malloc_policy_is_named_from_the_environment(monkeypatch):
    from harness import machine
    for key in {k for env in machine.MALLOC_ENV.values() for k in env}:
        monkeypatch.delenv(key, raising=False)
    assert _malloc_policy() == "system"
    for key, value in machine.MALLOC_ENV["cache"].items():
        monkeypatch.setenv(key, value)
    assert _malloc_policy() == "cache"
    monkeypatch.setenv("MALLOC_TOP_PAD_", "1")
    assert _malloc_policy() == "custom"


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_numpy_script_losses_equal_the_reference(name):
    """Not timed: the script's first losses are the floor's, so the pair compares the same arithmetic."""
    w, size, _, sides = _sides(name)
    got = [sides["numpy"](w.batch(i, size)) for i in range(LOSSES)]
    want = [sides["reference"](w.batch(i, size)) for i in range(LOSSES)]
    np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=f"{name}: the NumPy script drifted from reference")


def _alternate(benchmark, timed, untimed, batches, rounds):
    """benchmark.pedantic of `timed`, each round's setup running `untimed` first, timed by hand; returns
    (the timed side's loss, the untimed side's median seconds, rounds, the malloc policy)."""
    i = iter(range(1 << 62))
    other_s = []

    def setup():   # the other side's step of this round, timed by hand
        b = batches[next(i) % len(batches)]
        t0 = time.perf_counter()
        untimed(b)
        other_s.append(time.perf_counter() - t0)
        return (batches[next(i) % len(batches)],), {}

    n = rounds
    if not benchmark.disabled:
        t0 = time.perf_counter()
        for k in range(3):
            timed(batches[k % len(batches)])
            untimed(batches[k % len(batches)])
        n = max(rounds, math.ceil(SIDE_S / ((time.perf_counter() - t0) / 6)))
    policy = _malloc_policy()
    if policy != "cache" and not benchmark.disabled:
        warnings.warn(f"malloc policy {policy!r}, not the harness's 'cache': the ratio is not the one the "
                      "floor's goals are set in (see this module's docstring)", stacklevel=2)
    loss = benchmark.pedantic(timed, setup=setup, rounds=n, iterations=1, warmup_rounds=3)
    return loss, (statistics.median(other_s) if other_s else None), n, policy


@pytest.mark.parametrize("impl", ["numpy", "reference"])
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_floor_vs_numpy(benchmark, name, impl, bench_device, rounds):
    if bench_device != "cpu":
        pytest.skip("the bare script is NumPy: the pair is timed on the CPU only")
    benchmark.group = f"floor vs numpy: {name}"
    w, size, batches, sides = _sides(name)
    other = "reference" if impl == "numpy" else "numpy"
    loss, theirs, n, policy = _alternate(benchmark, sides[impl], sides[other], batches, rounds)
    assert math.isfinite(loss)
    if not benchmark.disabled:
        medians = {impl: benchmark.stats.stats.median, other: theirs}
        benchmark.extra_info.update(workload=name, size=size, impl=impl, rounds=n, malloc=policy,
                                    numpy_median_s=medians["numpy"], reference_median_s=medians["reference"],
                                    reference_over_numpy=round(medians["reference"] / medians["numpy"], 4))


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_floor_gemms_vs_numpy(benchmark, name, bench_device, rounds):
    """The floor's matrix products alone (gemm_replay: recorded from one reference step, replayed on arrays
    of the same layouts) against the NumPy script, in alternation as above: `gemms_over_numpy` is the part
    of the reference/numpy ratio that this machine's BLAS sets whatever the rest of the step does (OpenBLAS
    picks its kernels by CPU, or by OPENBLAS_CORETYPE, which extra_info records)."""
    if bench_device != "cpu":
        pytest.skip("the bare script is NumPy: the pair is timed on the CPU only")
    benchmark.group = f"floor vs numpy: {name}"
    w, size, batches, sides = _sides(name)
    gemms = replayer(record_gemms(sides["reference"], batches[0]))
    _, numpy_s, n, policy = _alternate(benchmark, gemms, sides["numpy"], batches, rounds)
    if not benchmark.disabled:
        mine = benchmark.stats.stats.median
        benchmark.extra_info.update(workload=name, size=size, impl="gemms", rounds=n, malloc=policy,
                                    openblas_coretype=os.environ.get("OPENBLAS_CORETYPE"),
                                    numpy_median_s=numpy_s, gemms_median_s=mine,
                                    gemms_over_numpy=round(mine / numpy_s, 4))
