"""`make regress` / `make regress-baseline`: the pytest-benchmark step suite, saved per machine id and
compared with the newest baseline recorded on the same machine type."""
import json
import os
import subprocess
import sys
from pathlib import Path

from harness import machine

SUITE = "tests/benchmarks/test_steps.py"
STORAGE_ENV = "STYLEBENCH_REGRESS_STORAGE"      # root of the per-machine folders (tests point it elsewhere)
BASELINE_NAME = "baseline"
# BLAS threads of the suite: 1 unless asked, because multi-threaded BLAS on a busy machine swings by
# orders of magnitude and a regression check needs steady numbers more than peak speed
THREADS_ENV = "STYLEBENCH_REGRESS_THREADS"


def storage_dir():
    """results/benchmarks/<machine id>/ (pytest-benchmark adds its own platform folder below it); GPU
    runs of the suite get the GPU's name in the id so they never compare with CPU baselines."""
    root = Path(os.environ.get(STORAGE_ENV) or machine.ROOT / "results" / "benchmarks")
    gpu = machine.gpu_info()["gpu_name"] if os.environ.get("STYLEBENCH_DEVICE", "cpu") == "gpu" else ""
    return root / machine.machine_id(gpu_name=gpu)


def newest_run(storage, kind="*"):
    """The newest saved run under `storage` (pytest-benchmark's NNNN_<name>.json, one folder down) whose
    name matches `kind`, or None."""
    found = sorted(storage.glob(f"*/[0-9][0-9][0-9][0-9]_{kind}.json"), key=lambda p: int(p.name[:4]))
    return found[-1] if found else None


def latest_baseline(storage):
    """The run number (e.g. "0003") of the newest saved baseline under `storage`, or None."""
    found = newest_run(storage, BASELINE_NAME)
    return found.name[:4] if found else None


# The two groups compare separately: a build (a whole model allocated, a graph traced) is one-shot work
# that swings more from run to run on a shared machine than a steady-state step does, so it gets its
# own, looser limit instead of making the step check cry wolf.
GROUPS = (("step", "test_step"), ("build + first step", "test_build"))


def command(baseline, threshold, storage, extra=(), test=None):
    cmd = [sys.executable, "-m", "pytest", SUITE + (f"::{test}" if test else ""), "-q", "-p",
           "no:cacheprovider", "--benchmark-enable", "--benchmark-only",
           f"--benchmark-storage=file://{storage}", "--benchmark-sort=name",
           "--benchmark-columns=min,median,iqr,max,rounds,iterations"]
    if baseline:
        return cmd + [f"--benchmark-save={BASELINE_NAME}", *extra]
    cmd.append("--benchmark-autosave")
    number = latest_baseline(storage)
    if number is not None:
        cmd += [f"--benchmark-compare={number}", f"--benchmark-compare-fail={threshold}"]
    return cmd + list(extra)


def machine_wide_shift(baseline_json, run_json, min_common=8):
    """(median ratio now/baseline, share of benchmarks slower by more than 15%) over the benchmarks both
    runs hold, or None when fewer than `min_common` are shared. When nearly every benchmark moved by a
    similar factor, the machine changed (another job, a throttled VM), not the code: a code regression
    hits the engines or workloads it touches, not all of them alike."""
    def medians(path):
        return {b["fullname"]: b["stats"]["median"] for b in json.loads(Path(path).read_text())["benchmarks"]}
    base, now = medians(baseline_json), medians(run_json)
    common = sorted(set(base) & set(now))
    if len(common) < min_common:
        return None
    ratios = sorted(now[k] / base[k] for k in common if base[k] > 0)
    return ratios[len(ratios) // 2], sum(r > 1.15 for r in ratios) / len(ratios)


def main(baseline=False, threshold="median:15%", build_threshold="median:30%", extra=()):
    extra = list(extra)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    storage = storage_dir()
    threads = os.environ.get(THREADS_ENV, "1")
    env = dict(os.environ, **{k: threads for k in machine.THREAD_VARS}, **machine.MALLOC_ENV["cache"])
    if baseline:
        print(f"stylebench regress: recording a new baseline under {storage}/", flush=True)
        return subprocess.call(command(True, threshold, storage, extra), cwd=machine.ROOT, env=env)
    number = latest_baseline(storage)
    if number is None:
        print(f"stylebench regress: no baseline for machine {machine.machine_id()} under {storage}/ yet; "
              "this run is saved but compared with nothing (record one with `make regress-baseline`)",
              flush=True)
    rc = 0
    for (group, test), limit in zip(GROUPS, (threshold, build_threshold)):
        if number is not None:
            print(f"stylebench regress: {group}: comparing with baseline {number} under {storage}/, "
                  f"failing on {limit}", flush=True)
        code = subprocess.call(command(False, limit, storage, extra, test), cwd=machine.ROOT, env=env)
        if code == 5:        # nothing selected in this group (a -k filter): not a failure
            continue
        if code != 0 and number is not None:
            print(f"stylebench regress: {group}: FAILED (exit {code}). A benchmark above regressed beyond "
                  f"{limit} against the baseline, or a test failed. If the slowdown is intended, record a "
                  "new baseline with `make regress-baseline` and commit it.", file=sys.stderr)
            _warn_if_machine_wide(storage)
        rc = rc or code
    return rc


def _warn_if_machine_wide(storage):
    base = newest_run(storage, BASELINE_NAME)
    run = newest_run(storage)
    shift = machine_wide_shift(base, run) if base and run and run != base else None
    if shift and shift[1] >= 0.75:
        print(f"stylebench regress: {shift[1]:.0%} of the benchmarks are over 15% slower, by a median "
              f"factor of {shift[0]:.2f}: a shift that uniform is usually the machine (another job, a "
              "throttled VM), not the code. Run it again on a quiet machine before believing it.",
              file=sys.stderr)
