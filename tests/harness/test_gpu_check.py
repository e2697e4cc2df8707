"""harness/gpu_check.py without a GPU: the no-device path and its exit code, and the plan it would run."""
import json
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest

from harness import gpu_check
from harness.machine import ROOT


def _no_smi(name):
    return None


def _smi(stdout, rc=0, stderr=""):
    calls = []

    def run(argv, **kw):
        calls.append(argv)
        if argv[1:] == ["-L"]:
            return SimpleNamespace(returncode=rc, stdout=stdout, stderr=stderr)
        return SimpleNamespace(returncode=0, stdout="", stderr="")
    return run, calls


def test_no_driver_exits_2_with_the_sentence(capsys, tmp_path):
    run, calls = _smi("")
    rc = gpu_check.main([], run=run, which=_no_smi, out=tmp_path / "gpu")
    assert rc == 2
    out = capsys.readouterr().out
    assert out.startswith("no CUDA device: nothing verified (nvidia-smi not found")
    assert calls == []  # nothing installed, nothing run
    assert not (tmp_path / "gpu").exists()


def test_driver_without_gpu_exits_2_naming_the_reason(capsys, tmp_path):
    run, calls = _smi("", rc=9, stderr="NVIDIA-SMI has failed because it couldn't communicate with the driver")
    rc = gpu_check.main([], run=run, which=lambda n: "/usr/bin/nvidia-smi", out=tmp_path)
    assert rc == 2
    assert "couldn't communicate" in capsys.readouterr().out
    assert len(calls) == 1  # only the probe


def test_real_process_on_this_gpu_less_machine_exits_2():
    done = subprocess.run([sys.executable, "-m", "harness.gpu_check", "--probe"], cwd=ROOT,
                          capture_output=True, text=True, env={"PATH": "/nonexistent"})
    assert done.returncode == 2
    assert done.stdout.startswith(gpu_check.NO_DEVICE + " (")


def test_plan_installs_first_then_tests_bench_frontier():
    steps = gpu_check.plan(python="PY", out="results/reference/gpu")
    assert [n for n, _ in steps] == ["install", "cupy", "tests", "bench", "frontier"]
    argv = dict(steps)
    assert argv["install"] == ["PY", "-m", "pip", "install", "-q", "-e", ".[gpu,test]"]
    assert argv["tests"][:6] == ["PY", "-m", "pytest", "-q", "-m", "gpu"]
    bench = argv["bench"]
    assert bench[:4] == ["PY", "-m", "harness.cli", "bench"]
    assert bench[bench.index("--device") + 1] == "gpu"
    assert bench[bench.index("--sizes") + 1: bench.index("--sizes") + 3] == ["small", "large"]
    assert bench[bench.index("--out") + 1] == "results/reference/gpu"
    assert bench[bench.index("--repeats") + 1] == "1"
    front = argv["frontier"]
    assert front[3:6] == ["frontier", gpu_check.FRONTIER_ENGINES, "vqa"]
    assert front[front.index("--device") + 1] == "gpu"
    assert front[front.index("--out") + 1] == "results/reference/gpu/frontier"


def test_frontier_step_parses_with_the_real_cli():
    from harness import cli
    args = cli.build_parser().parse_args(dict(gpu_check.plan(python="PY"))["frontier"][3:])
    assert args.workload == "vqa" and args.device == "gpu" and args.max_batch == 4096


def test_bench_step_parses_with_the_real_cli():
    from harness import cli
    argv = dict(gpu_check.plan(python="PY"))["bench"][3:]
    args = cli.build_parser().parse_args(argv)
    assert args.device == "gpu" and args.sizes == ["small", "large"]


def test_with_a_device_every_step_runs_and_the_record_is_written(tmp_path, capsys):
    run, calls = _smi("GPU 0: NVIDIA H200 (UUID: GPU-x)\n")
    rc = gpu_check.main([], run=run, which=lambda n: "/usr/bin/nvidia-smi", python="PY", out=tmp_path)
    assert rc == 0
    assert calls[1:] == [a for _, a in gpu_check.plan("PY", tmp_path)]
    rec = json.loads((tmp_path / "gpu_check.json").read_text())
    assert rec["device"].startswith("GPU 0: NVIDIA H200")
    assert [s["rc"] for s in rec["steps"]] == [0] * 5


def test_a_failing_step_stops_the_check(tmp_path, capsys):
    def run(argv, **kw):
        if argv[1:] == ["-L"]:
            return SimpleNamespace(returncode=0, stdout="GPU 0: X\n", stderr="")
        return SimpleNamespace(returncode=3 if "pytest" in argv else 0, stdout="", stderr="")
    rc = gpu_check.main([], run=run, which=lambda n: "smi", python="PY", out=tmp_path)
    assert rc == 1
    rec = json.loads((tmp_path / "gpu_check.json").read_text())
    assert [s["name"] for s in rec["steps"]] == ["install", "cupy", "tests"]
    assert "step 'tests' failed (exit 3)" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("make") is None or gpu_check.find_device()[0],
                    reason="needs make, and a machine without a CUDA device")
def test_make_gpu_check_on_this_gpu_less_machine_says_nothing_verified_and_exits_2():
    """The Makefile target itself, as a user types it: the probe runs first, nothing is installed."""
    done = subprocess.run(["make", "-s", "gpu-check", f"PYTHON={sys.executable}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout.startswith(gpu_check.NO_DEVICE + " (")
    assert "pip install" not in done.stdout + done.stderr
