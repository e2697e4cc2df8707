"""`make regress` / `make regress-baseline`: the pytest-benchmark step suite, saved per machine id and
compared with the newest baseline recorded on the same machine type."""
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


def latest_baseline(storage):
    """The run number (e.g. "0003") of the newest saved baseline under `storage`, or None."""
    found = sorted(storage.glob(f"*/[0-9][0-9][0-9][0-9]_{BASELINE_NAME}.json"),
                   key=lambda p: int(p.name.split("_", 1)[0]))
    return found[-1].name.split("_", 1)[0] if found else None


def command(baseline, threshold, storage, extra=()):
    cmd = [sys.executable, "-m", "pytest", SUITE, "-q", "-p", "no:cacheprovider", "--benchmark-enable",
           "--benchmark-only",
           f"--benchmark-storage=file://{storage}", "--benchmark-sort=name",
           "--benchmark-columns=min,median,iqr,max,rounds,iterations"]
    if baseline:
        return cmd + [f"--benchmark-save={BASELINE_NAME}", *extra]
    cmd.append("--benchmark-autosave")
    number = latest_baseline(storage)
    if number is not None:
        cmd += [f"--benchmark-compare={number}", f"--benchmark-compare-fail={threshold}"]
    return cmd + list(extra)


def main(baseline=False, threshold="median:15%", extra=()):
    extra = list(extra)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    storage = storage_dir()
    cmd = command(baseline, threshold, storage, extra)
    number = None if baseline else latest_baseline(storage)
    if baseline:
        print(f"stylebench regress: recording a new baseline under {storage}/", flush=True)
    elif number is None:
        print(f"stylebench regress: no baseline for machine {machine.machine_id()} under {storage}/ yet; "
              "this run is saved but compared with nothing (record one with `make regress-baseline`)",
              flush=True)
    else:
        print(f"stylebench regress: comparing with baseline {number} under {storage}/, failing on "
              f"{threshold}", flush=True)
    threads = os.environ.get(THREADS_ENV, "1")
    env = dict(os.environ, **{k: threads for k in machine.THREAD_VARS}, **machine.MALLOC_ENV["cache"])
    rc = subprocess.call(cmd, cwd=machine.ROOT, env=env)
    if rc != 0 and number is not None:
        print(f"stylebench regress: FAILED (exit {rc}). A benchmark above regressed beyond {threshold} "
              "against the baseline, or a test failed. If the slowdown is intended, record a new baseline "
              "with `make regress-baseline` and commit it.", file=sys.stderr)
    return rc
