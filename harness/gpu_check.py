"""`make gpu-check`: on a machine with a CUDA GPU, install the `gpu` extra, run the GPU-marked tests, a short
GPU bench (every workload's small size plus vqa large) and the vqa memory frontier, into results/reference/gpu/.

Without a device it prints "no CUDA device: nothing verified" with the reason and exits 2, before installing
anything. The steps are built as data (`plan()`) so the tests can check what would run on a GPU machine.
Budget: under 10 minutes on one modern GPU (one repeat, a 0.2 s time target per run, 20 iterations at most).
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

NO_DEVICE = "no CUDA device: nothing verified"
NO_DEVICE_EXIT = 2
OUT = Path("results") / "reference" / "gpu"
# the frontier step: two engines whose styles differ most in what they keep (issue 22), under 4 GiB, vqa
# small from batch 32 (the recipe's) to at most 4096: about 15 probes per engine
FRONTIER_ENGINES = "dynamic_tape,layer_config"
FRONTIER_LIMIT = "4GiB"


def find_device(run=subprocess.run, which=shutil.which):
    """(True, GPU description) when nvidia-smi lists a CUDA GPU, else (False, why not); cheap: nothing is
    imported or installed."""
    smi = which("nvidia-smi")
    if smi is None:
        return False, "nvidia-smi not found on PATH (no NVIDIA driver)"
    try:
        done = run([smi, "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"nvidia-smi -L failed: {e}"
    gpus = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("GPU ")]
    if done.returncode != 0 or not gpus:
        why = (done.stderr or done.stdout).strip().splitlines()
        return False, f"nvidia-smi -L lists no GPU (exit {done.returncode}{': ' + why[0] if why else ''})"
    return True, gpus[0]


def plan(python=sys.executable, out=OUT):
    """The steps, in order: (name, argv). Each must exit 0; a failing step stops the check."""
    out = str(out)
    cli = [python, "-m", "harness.cli"]
    return [
        ("install", [python, "-m", "pip", "install", "-q", "-e", ".[gpu,test]"]),
        ("cupy", [python, "-c", "import cupy; n = cupy.cuda.runtime.getDeviceCount(); assert n > 0; "
                                "print(cupy.__version__, cupy.cuda.runtime.getDeviceProperties(0)['name'])"]),
        ("tests", [python, "-m", "pytest", "-q", "-m", "gpu", "tests", "--benchmark-disable"]),
        ("bench", cli + ["bench", "--device", "gpu", "--sizes", "small", "large", "--repeats", "1",
                         "--warmup", "1", "--target-s", "0.2", "--max-iters", "20", "--mem-iters", "1",
                         "--timeout", "120", "--quiet", "--out", out]),
        ("frontier", cli + ["frontier", FRONTIER_ENGINES, "vqa", "--device", "gpu", "--memory", FRONTIER_LIMIT,
                            "--size", "small", "--start", "32", "--max-batch", "4096", "--timeout", "120",
                            "--out", os.path.join(out, "frontier")]),
    ]


def main(argv=None, run=subprocess.run, which=shutil.which, python=sys.executable, out=OUT):
    ok, what = find_device(run=run, which=which)
    if not ok:
        print(f"{NO_DEVICE} ({what})")
        return NO_DEVICE_EXIT
    if argv and "--probe" in argv:  # the Makefile asks first, with the system Python, before any install
        print(f"CUDA device: {what}")
        return 0
    print(f"gpu-check on {what}")
    steps = plan(python, out)
    record = {"device": what, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "steps": []}
    status = 0
    for name, argv in steps:
        print(f"== {name}: {' '.join(argv)}", flush=True)
        t0 = time.monotonic()
        rc = run(argv).returncode
        record["steps"].append({"name": name, "argv": argv, "rc": rc, "seconds": round(time.monotonic() - t0, 1)})
        if rc != 0:
            print(f"gpu-check: step {name!r} failed (exit {rc}); later steps not run", file=sys.stderr)
            status = 1
            break
    # the bench step writes meta.json with the machine; this adds what the check itself saw
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "gpu_check.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"gpu-check: {'all steps passed' if status == 0 else 'FAILED'}; record in {out}/gpu_check.json")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
