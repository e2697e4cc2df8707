"""The `stylebench` command line: clear one-line errors with exit code 2, list, report, compare, profile."""
import math

import pytest

from frameworks.kernels import gpu_available
from harness import cli, measure
from tests.conftest import GPU_SKIP_REASON


@pytest.mark.parametrize("argv,culprit", [
    (["bench", "--engines", "tensorflow"], "unknown engine 'tensorflow'"),
    (["bench", "--workloads", "resnet50"], "unknown workload 'resnet50'"),
    (["bench", "--workloads", "mlp-l2", "--sizes", "huge"], "unknown size 'huge'"),
    (["bench", "--device", "tpu"], "unknown device 'tpu'"),
    (["bench", "--iters", "-1"], "argument --iters: must be 'auto' or an integer >= 1, got '-1'"),
    (["profile", "reference", "resnet50"], "unknown workload 'resnet50'"),
    (["report", "/nonexistent/dir"], "results.csv not found"),
])
def test_bad_requests_give_one_clear_message_and_exit_2(argv, culprit, capsys, tmp_path):
    assert cli.main(argv + (["--out", str(tmp_path / "o")] if argv[0] == "bench" else [])) == 2
    err = capsys.readouterr().err
    assert culprit in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(gpu_available(), reason="this check needs a machine without a usable GPU")
def test_gpu_without_cupy_or_device_is_a_clear_error(capsys, tmp_path):
    assert cli.main(["bench", "--device", "gpu", "--out", str(tmp_path / "o")]) == 2
    assert "device 'gpu'" in capsys.readouterr().err


def test_list_and_version(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "mlp-l2" in out and "reference" in out and "yes" in out
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith("stylebench ")


def test_profile_splits_the_step_into_kernel_time_and_overhead():
    task = dict(engine="reference", workload="mlp-l2", size="small", device="cpu", repeat=0, warmup=1,
                iters=3, target_s=0, min_iters=1, max_iters=3, mem_iters=0, profile=True, profile_iters=3,
                ref_losses=None)
    out = measure.run_task(task)
    assert out["status"] == "ok", out["error"]
    # step and kernel time come from the same iterations; the calibrated hook cost taken off the step can
    # overshoot on a loaded machine, so only the sign of what was measured is certain (no timing claims)
    assert out["kernel_ms"] > 0 and out["profiled_step_ms"] > 0 and math.isfinite(out["overhead_ms"])
    assert out["overhead_pct"] == pytest.approx(100 * out["overhead_ms"] / out["profiled_step_ms"])
    assert out["hook_cost_us"] >= 0
    sites = {(s["kernel"], s["phase"]): s for s in out["profile_sites"]}
    # the mlp-l2 floor: two matmuls forward and backward, two SGD updates per step
    assert sites[("matmul", "forward")]["calls_per_iter"] == 2
    assert sites[("matmul", "backward")]["calls_per_iter"] == 2
    assert sites[("sgd", "update")]["calls_per_iter"] == 2
    assert "Trainer.step" in sites[("matmul", "forward")]["site"]
    assert out["kernel_calls"] == sum(s["calls_per_iter"] for s in out["profile_sites"])
    from frameworks import kernels
    assert not kernels.base._ORIGINALS             # the hook is gone again: free when off


@pytest.mark.parametrize("engine,forward_sites", [
    ("static_graph", {"MatMul", "MatMul_1"}),     # the graph's node names
    ("layer_config", {"ip1", "ip2"}),             # the Caffe layers' names
])
def test_profile_names_each_call_site_by_the_engines_own_op(engine, forward_sites):
    task = dict(engine=engine, workload="mlp-l2", size="small", device="cpu", repeat=0, warmup=1,
                iters=2, target_s=0, min_iters=1, max_iters=2, mem_iters=0, profile=True, profile_iters=2,
                ref_losses=None)
    out = measure.run_task(task)
    assert out["status"] == "ok", out["error"]
    named = {s["site"].rsplit(" [", 1)[1].rstrip("]") for s in out["profile_sites"]
             if (s["kernel"], s["phase"]) == ("matmul", "forward") and " [" in s["site"]}
    assert forward_sites <= named
    from frameworks import kernels
    assert kernels.current_call_site() is None      # each engine put the outer (no) name back


def test_profile_command_prints_the_breakdown(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    assert cli.main(["profile", "reference", "fc-adam", "--iters", "3"]) == 0
    out = capsys.readouterr().out
    assert "engine overhead" in out and "adam" in out


def test_compare_command(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    from harness import runner
    runner.bench(runner.Options(engines=("reference",), workloads=("fc-adam",), sizes=("small",),
                                repeats=1, iters=3, warmup=1, mem_iters=0, out=str(tmp_path / "a"),
                                quiet=True))
    assert cli.main(["compare", str(tmp_path / "a"), str(tmp_path / "a")]) == 0
    assert "within noise" in capsys.readouterr().out


@pytest.mark.gpu
@pytest.mark.skipif(GPU_SKIP_REASON is not None, reason=GPU_SKIP_REASON or "")
def test_gpu_memory_columns_are_measured_on_a_gpu(tmp_path):
    from harness import report, runner
    runner.bench(runner.Options(engines=("reference",), workloads=("mlp-l2",), sizes=("small",), device="gpu",
                                repeats=1, iters=3, warmup=1, mem_iters=2, out=str(tmp_path), quiet=True))
    res = report.read_csv(tmp_path / "results.csv")
    assert res.loc[0, "status"] == "ok", res.loc[0, "error"]
    assert res.loc[0, "gpu_peak_mb"] > 0 and res.loc[0, "gpu_pool_mb"] > 0
    assert res.loc[0, "gpu_name"]
