"""The regression suite itself: one benchmark per registered pair, and a real slowdown fails the compare."""
import os
import subprocess
import sys

import workloads
from harness import machine, regress

FAKE_ENV = {workloads.EXTRA_ENV: "sleepy=tests.harness.fakes.sleepy", "STYLEBENCH_BENCH_ROUNDS": "5"}


def test_suite_collects_one_step_and_one_build_benchmark_per_registered_pair():
    """Counted against the registry, in a child that also registers a test-only workload: an engine or a
    workload that the suite silently skipped would be missing from the collected ids."""
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          regress.SUITE], cwd=machine.ROOT, capture_output=True, text=True,
                         env=dict(os.environ, **FAKE_ENV))
    assert out.returncode == 0, out.stdout + out.stderr
    ids = [line.split("::", 1)[1] for line in out.stdout.splitlines() if "::" in line]
    pairs = {"reference-sleepy"}           # the test-only workload joins without edits to the suite
    for name in workloads.names():
        w = workloads.get(name)
        for engine in workloads.engines():
            if w.supports(engine)[0]:
                pairs.add(f"{engine}-{name}")
    assert sorted(i for i in ids if i.startswith("test_step[")) == sorted(f"test_step[{p}]" for p in pairs)
    assert sorted(i for i in ids if i.startswith("test_build[")) == sorted(f"test_build[{p}]" for p in pairs)
    assert len(ids) == 2 * len(pairs)


def run_regress(tmp_path, sleep_s, *args):
    env = dict(os.environ, **FAKE_ENV, **{regress.STORAGE_ENV: str(tmp_path),
                                           "STYLEBENCH_FAKE_SLEEP_S": str(sleep_s)})
    return subprocess.run([sys.executable, "-m", "harness.cli", "regress", *args, "--", "-k", "sleepy"],
                          cwd=machine.ROOT, env=env, capture_output=True, text=True)


def test_a_slowed_step_fails_the_compare_against_the_baseline(tmp_path):
    base = run_regress(tmp_path, 0.002, "--baseline")
    assert base.returncode == 0, base.stdout + base.stderr
    storage = tmp_path / machine.machine_id()
    assert regress.latest_baseline(storage) == "0001"
    slow = run_regress(tmp_path, 0.02, "--saved")       # ten times slower than the baseline
    assert slow.returncode != 0, slow.stdout
    assert "step: comparing with baseline 0001" in slow.stdout
    assert "build + first step: comparing with baseline 0001" in slow.stdout
    assert "regressed" in (slow.stdout + slow.stderr).lower()
    assert "make regress-baseline" in slow.stderr
    assert "stylebench regress: step: FAILED" in slow.stderr     # the 15% step limit caught it
    saved = sorted(p.name for p in storage.glob("*/*.json"))
    # the slow run was autosaved too, one file per group
    assert len(saved) == 3 and saved[0] == "0001_baseline.json"


def _saved_run(path, medians):
    import json
    path.write_text(json.dumps({"benchmarks": [{"fullname": k, "stats": {"median": v}}
                                               for k, v in medians.items()]}))
    return path


def test_a_uniform_shift_of_every_benchmark_is_told_apart_from_a_regression(tmp_path):
    names = [f"test_step[e{i}-w]" for i in range(10)]
    base = _saved_run(tmp_path / "0001_baseline.json", {n: 1.0 for n in names})
    everything_slower = _saved_run(tmp_path / "0002_a.json", {n: 1.4 + 0.01 * i for i, n in enumerate(names)})
    ratio, share = regress.machine_wide_shift(base, everything_slower)
    assert share == 1.0 and 1.4 < ratio < 1.5
    one_slower = _saved_run(tmp_path / "0003_b.json", {n: (2.0 if i == 3 else 1.02) for i, n in enumerate(names)})
    ratio, share = regress.machine_wide_shift(base, one_slower)
    assert share == 0.1 and ratio == 1.02
    assert regress.machine_wide_shift(base, _saved_run(tmp_path / "0004_c.json", {names[0]: 9.0})) is None
    assert regress.newest_run(tmp_path) is None            # runs live one folder down (pytest-benchmark's)
