"""The runner end to end: isolated runs, rows for every failure, the gate, memory, kill and resume."""
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from harness import cli, machine, report, runner
from harness.runner import Options
from tests.harness.fakes.misbehave import spec as fake_spec

# the columns shared/DESIGN.md promises in every result row
DESIGN_COLUMNS = ("engine", "workload", "size", "device", "status", "error", "warmup", "iters", "build_s",
                  "first_iter_ms", "median_ms", "p10_ms", "p90_ms", "peak_mem_mb", "loss_first",
                  "loss_last", "threads", "cpu_model", "cpu_cores", "blas", "python", "numpy",
                  "gpu_name", "gpu_driver", "git_commit")


def tiny(out, **kw):
    """Options for a fast matrix: few iterations, one repeat, no progress bar."""
    base = dict(engines=("reference",), sizes=("small",), repeats=1, iters=3, warmup=1, mem_iters=1,
                timeout=60, out=str(out), quiet=True)
    base.update(kw)
    return Options(**base)


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    runner.bench(tiny(out, workloads=("mlp-l2", "fc-adam"), repeats=2, profile=True, profile_iters=2))
    return out


def read(out):
    return report.read_csv(out / "results.csv")


def test_reference_end_to_end_writes_consistent_csvs(reference_run):
    res = read(reference_run)
    assert set(DESIGN_COLUMNS) <= set(res.columns)
    assert len(res) == 4 and set(res["status"]) == {"ok"}, res[["run_id", "status", "error"]]
    assert res["run_id"].is_unique
    assert set(res["gate"]) == {"self"}
    assert (res["iters"] == 3).all() and (res["threads"] == 1).all()
    assert (res["blas_threads"] == 1).all()        # the child's BLAS saw the thread env set before it started
    assert res["loss_first"].map(math.isfinite).all()
    first = res["repeat"] == 0                  # the memory pass runs in the first repeat only
    assert (res.loc[first, "peak_mem_mb"] > 0).all() and res.loc[~first, "peak_mem_mb"].isna().all()
    samples = report.read_csv(reference_run / "samples.csv")
    for r in res.itertuples():
        ms = samples.loc[samples["run_id"] == r.run_id, "ms"].to_numpy()
        assert len(ms) == 3
        assert r.median_ms == pytest.approx(np.median(ms), rel=1e-5)
        assert r.p10_ms <= r.median_ms <= r.p90_ms
    profile = report.read_csv(reference_run / "profile.csv")
    assert set(profile["run_id"]) == set(res["run_id"])         # the opt-in style-tax pass ran everywhere
    assert (res["kernel_ms"] > 0).all() and res["overhead_ms"].notna().all()
    meta = (reference_run / "meta.json").read_text()
    assert "iters_policy" in meta and "fixed 3" in meta
    # the liveness bound, computed once per cell, beside the reference losses, is each memory row's column
    bounds = json.loads((reference_run / "live_bounds.json").read_text())
    assert set(bounds) == {"mlp-l2|small|cpu", "fc-adam|small|cpu"}
    for r in res[first].itertuples():
        assert r.live_bound_mb == pytest.approx(bounds[f"{r.workload}|small|cpu"] / (1 << 20), rel=1e-5)


def test_the_liveness_bound_is_computed_once_per_cell_and_only_where_a_memory_pass_runs(tmp_path,
                                                                                        monkeypatch):
    calls = []

    def reference_cell(workload, size, device, opts, threads, gate=True, bound=False):
        calls.append((workload, gate, bound))
        return dict([("losses", [1.0])] * gate + [("live_bound", 4096)] * bound)
    monkeypatch.setattr(runner, "reference_cell", reference_cell)
    opts = tiny(tmp_path, mem_repeats=1)
    with runner.Store(tmp_path, resume=False) as store:
        got = [runner.cell_reference(store, "w", "small", opts, 1, engine != "reference",
                                     runner.wants_memory(opts, repeat))
               for engine, repeat in (("reference", 0), ("keras", 0), ("keras", 1), ("hybrid", 0))]
        assert got == [(None, 4096), ([1.0], 4096), ([1.0], 4096), ([1.0], 4096)]
        assert runner.cell_reference(store, "v", "small", opts, 1, True, runner.wants_memory(opts, 1)) == (
            [1.0], None)                               # no memory pass in repeat 1: no bound computed
    assert calls == [("w", False, True), ("w", True, False), ("v", True, False)]
    with runner.Store(tmp_path, resume=True) as store:   # --resume reads both back
        assert store.live_bounds == {"w|small|cpu": 4096} and store.ref_losses["v|small|cpu"] == [1.0]


def test_a_memory_pass_uses_the_bound_it_is_given(monkeypatch):
    import workloads
    from harness import measure

    def recompute(*args):
        raise AssertionError("the bound was handed over: nothing to recompute")
    monkeypatch.setattr(measure, "reference_bound", recompute)
    w = workloads.get("fc-adam")
    assert measure.live_bound({"size": "small", "device": "cpu", "live_bound": 123}, w) == 123
    assert measure.live_bound({"size": "small", "device": "cpu", "live_bound": None}, w) is None


def test_report_renders_tables_and_plots(reference_run, capsys):
    cells, written = report.write_report(reference_run)
    assert len(cells) == 2 and (cells["x_ref"] == 1.0).all()
    text = (reference_run / "table.txt").read_text()
    assert "mlp-l2 / small" in text and "fc-adam / small" in text and "reference" in text
    assert "style tax" in text
    names = {p.name for p in written}
    assert {"time_mlp-l2_small_cpu.png", "time_fc-adam_small_cpu.png", "memory_cpu.png"} <= names
    for p in written:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "mlp-l2 / small" in capsys.readouterr().out


def _copy_run(src, dst, slowdown=None):
    """A copy of result directory `src`; with `slowdown` {(engine, workload): factor} those runs' samples
    are stretched by the factor (as if that engine had become that much slower; far beyond what a loaded
    machine's p10-p90 band spans, so the verdict cannot flake)."""
    shutil.copytree(src, dst)
    for name in ("results.csv", "samples.csv"):
        df = pd.read_csv(dst / name)
        for (engine, workload), factor in (slowdown or {}).items():
            rows = (df["engine"] == engine) & (df["workload"] == workload)
            for col in ("ms", "median_ms", "p10_ms", "p90_ms"):
                if col in df:
                    df.loc[rows, col] *= factor
        df.to_csv(dst / name, index=False)
    return dst


def test_compare_flags_a_slower_cell_and_only_that_cell(reference_run, tmp_path):
    same = report.compare(reference_run, _copy_run(reference_run, tmp_path / "same"))
    assert len(same) == 2
    assert (same["ratio"] == 1.0).all() and set(same["change"]) == {"~ (within noise)"}
    # beyond the cell's own spread, whatever the load was: B's p10 = k * A's p10 >= k * min > max >= A's p90
    ms = report.read_csv(reference_run / "samples.csv").query("workload == 'fc-adam'")["ms"]
    k = max(50.0, 2.0 * ms.max() / ms.min())
    slow = report.compare(reference_run, _copy_run(reference_run, tmp_path / "slow",
                                                   {("reference", "fc-adam"): k}))
    by = slow.set_index("workload")
    assert by.loc["fc-adam", "change"] == "slower" and by.loc["fc-adam", "ratio"] == pytest.approx(k)
    assert by.loc["mlp-l2", "change"] == "~ (within noise)"
    fast = report.compare(tmp_path / "slow", reference_run).set_index("workload")
    assert fast.loc["fc-adam", "change"] == "faster"


def test_each_failure_becomes_its_own_row_and_the_matrix_goes_on(tmp_path, fake):
    runner.bench(tiny(tmp_path, workloads=(fake,), sizes=("small", "crash", "hang", "raise", "nan"),
                      timeout=6))
    res = read(tmp_path).set_index("size")
    assert res.loc["small", "status"] == "ok"
    assert res.loc["crash", "status"] == "crashed" and "code 3" in res.loc["crash", "error"]
    assert res.loc["hang", "status"] == "timeout" and "killed" in res.loc["hang", "error"]
    assert res.loc["raise", "status"] == "error"
    assert "ValueError: fake failure inside step" in res.loc["raise", "error"]
    assert "reference.py:" in res.loc["raise", "error"]          # names the culprit's file:line
    assert res.loc["nan", "status"] == "diverged" and "iteration 2" in res.loc["nan", "error"]
    for size in ("crash", "hang", "raise", "nan"):
        assert math.isnan(res.loc[size, "median_ms"])               # no time shown for a failed run
    report.write_report(tmp_path)
    text = (tmp_path / "table.txt").read_text()
    assert all(s in text for s in ("timeout", "crashed", "diverged", "error"))


def test_gate_marks_a_different_computation_invalid(tmp_path, fake):
    runner.bench(tiny(tmp_path, engines=("reference", "static_graph"), workloads=(fake,)))
    res = read(tmp_path).set_index("engine")
    assert res.loc["reference", "status"] == "ok"
    assert res.loc["static_graph", "status"] == "invalid"
    assert res.loc["static_graph", "gate"] == "failed"
    assert "reference trainer gives" in res.loc["static_graph", "error"]
    assert math.isnan(res.loc["static_graph", "median_ms"])


def test_memory_pass_reports_the_bytes_a_step_holds(tmp_path, fake):
    runner.bench(tiny(tmp_path, workloads=(fake,), sizes=("alloc",), mem_iters=2))
    res = read(tmp_path)
    assert res.loc[0, "status"] == "ok", res.loc[0, "error"]
    expect = fake_spec.ALLOC_BYTES / (1 << 20)
    assert expect <= res.loc[0, "peak_mem_mb"] <= expect + 0.25
    assert pd.isna(res.loc[0, "gpu_peak_mb"])                 # nothing measured: empty, shown as n/a


def test_kill_then_resume_loses_and_duplicates_nothing(tmp_path, fake, monkeypatch):
    out = tmp_path / "run"
    env = dict(os.environ, **{fake_spec.SLEEP_ENV: "0.1"})
    cmd = [sys.executable, "-m", "harness.cli", "bench", "--engines", "reference", "--workloads", fake,
           "--sizes", "sleep", "--repeats", "5", "--iters", "3", "--warmup", "0", "--mem-iters", "0",
           "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, cwd=machine.ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (out / "results.csv").exists() and len(read(out)) >= 2:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)       # the runner and its child, mid-run
        proc.wait()
    killed_at = len(read(out))
    assert 2 <= killed_at < 5
    monkeypatch.setenv(fake_spec.SLEEP_ENV, "0.001")
    assert cli.main(["bench", "--resume", "--out", str(out), "--quiet"]) == 0   # the recorded plan, alone
    res = read(out)
    assert sorted(res["run_id"]) == sorted(runner.run_id("reference", fake, "sleep", "cpu", r)
                                           for r in range(5))
    samples = report.read_csv(out / "samples.csv")
    assert not samples.duplicated(["run_id", "iteration"]).any()
    assert samples.groupby("run_id").size().to_dict() == {r: 3 for r in res["run_id"]}


def test_every_repeat_runs_every_cell_in_a_new_order():
    cells = [(e, "w", "small") for e in ("a", "b", "c", "d", "e")]
    runs = runner.order_runs(cells, 3, seed=0)
    per_repeat = [[r[0] for r in runs if r[3] == k] for k in range(3)]
    assert all(sorted(p) == ["a", "b", "c", "d", "e"] for p in per_repeat)
    assert len({tuple(p) for p in per_repeat}) > 1


def test_default_matrix_is_small_sizes_plus_mlp_l2_big():
    cells, _ = runner.plan(Options(engines=("reference",)))
    sizes = {(w, s) for _, w, s in cells}
    assert ("mlp-l2", "big") in sizes
    assert all(s == "small" or (w, s) == ("mlp-l2", "big") for w, s in sizes)
    quick, _ = runner.plan(Options(engines=("reference",), quick=True))
    assert {s for _, _, s in quick} == {"small"}


def test_resume_drops_a_torn_row_and_samples_of_unfinished_runs(tmp_path):
    store = runner.Store(tmp_path, resume=False)
    store.close()
    key = dict(engine="reference", workload="mlp-l2", size="small", device="cpu", repeat=0)
    row = dict({c: "" for c in runner.RESULT_COLUMNS}, **key, run_id="done", status="ok")
    store.write_run(row, [1.0, 2.0], None)
    with open(tmp_path / "samples.csv", "a") as f:        # samples of a run killed before its row
        f.write("reference,mlp-l2,small,cpu,1,unfinished,0,1.5\n")
    with open(tmp_path / "results.csv", "a") as f:        # a row torn mid-write
        f.write("unfinished,reference,mlp-l2,sm")
    with runner.Store(tmp_path, resume=True) as again:
        pass
    assert again.done == {"done"}
    assert list(report.read_csv(tmp_path / "results.csv")["run_id"]) == ["done"]
    assert set(report.read_csv(tmp_path / "samples.csv")["run_id"]) == {"done"}
    with pytest.raises(runner.UsageError, match="--resume"):
        runner.Store(tmp_path, resume=False)


def test_child_env_sets_threads_and_malloc_policy_then_restores(monkeypatch):
    import os
    from harness import runner
    monkeypatch.setenv("MALLOC_TOP_PAD_", "123")
    with runner.child_env(3, "cache"):
        assert os.environ["OPENBLAS_NUM_THREADS"] == "3"
        assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(2 ** 32)
    assert os.environ["MALLOC_TOP_PAD_"] == "123" and "MALLOC_MMAP_THRESHOLD_" not in os.environ
    with runner.child_env(1, "system"):
        assert "MALLOC_TOP_PAD_" not in os.environ   # "system" means glibc's own defaults
    with pytest.raises(runner.UsageError, match="unknown --malloc 'jemalloc'"):
        with runner.child_env(1, "jemalloc"):
            pass
