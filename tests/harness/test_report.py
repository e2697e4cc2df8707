"""Report statistics and tables from hand-made rows: ratios, stability flag, CPU-vs-GPU table, n/a cells."""
import math

import pandas as pd
import pytest
from rich.console import Console

from harness import report


def rows_and_samples(spec):
    """spec: [(engine, device, repeat, [ms...], extra columns)] -> (results, samples) frames."""
    results, samples = [], []
    for engine, device, repeat, ms, extra in spec:
        rid = f"{engine}|mlp-l2|small|{device}|r{repeat}"
        s = pd.Series(ms, dtype=float)
        results.append(dict(dict(run_id=rid, engine=engine, workload="mlp-l2", size="small", device=device,
                                 repeat=repeat, status="ok", error="", median_ms=s.median(), iters=len(ms),
                                 peak_mem_mb=2.0, state_mem_mb=1.0, build_s=0.1, first_iter_ms=5.0,
                                 kernel_ms=math.nan, overhead_ms=math.nan, overhead_pct=math.nan,
                                 gpu_peak_mb=math.nan, gpu_pool_mb=math.nan, gpu_nvml_used_mb=math.nan),
                            **extra))
        samples += [dict(run_id=rid, iteration=i, ms=v) for i, v in enumerate(ms)]
    return pd.DataFrame(results), pd.DataFrame(samples)


def render(tables):
    console = Console(record=True, width=250, file=open("/dev/null", "w"))
    for t in tables:
        console.print(t)
    return console.export_text()


def test_ratios_stability_and_cpu_vs_gpu_table():
    results, samples = rows_and_samples([
        ("reference", "cpu", 0, [1.0, 1.0, 1.0], {}),
        ("reference", "cpu", 1, [1.0, 1.0, 1.0], {}),
        ("hybrid", "cpu", 0, [2.0, 2.0, 2.0], {}),
        ("hybrid", "cpu", 1, [3.0, 3.0, 3.0], {}),          # repeats 40% apart: flagged unstable
        ("reference", "gpu", 0, [0.5, 0.5, 0.5], {"gpu_peak_mb": 3.0, "gpu_pool_mb": 4.0}),
        ("hybrid", "gpu", 0, [0.25, 0.25, 0.25], {}),      # no GPU memory measured
    ])
    cells = report.summarize(results, samples).set_index(["engine", "device"])
    assert cells.loc[("hybrid", "cpu"), "x_ref"] == 2.5
    assert cells.loc[("reference", "cpu"), "x_best"] == 1.0
    assert cells.loc[("reference", "cpu"), "stable"] and not cells.loc[("hybrid", "cpu"), "stable"]
    assert cells.loc[("hybrid", "gpu"), "x_ref"] == 0.5
    text = render(report.tables(cells.reset_index()))
    assert "CPU vs GPU" in text and "×2.0" in text            # reference: 1.0 ms cpu / 0.5 ms gpu
    assert "±40%!" in text
    gpu_mem = [line for line in text.splitlines() if "mlp-l2 / small" in line and "/ n/a" in line]
    assert gpu_mem and "3.0 / 4.0 / n/a" in text               # NVML not measured: n/a, never 0


def test_failed_cell_shows_its_status_not_a_time():
    results, samples = rows_and_samples([("reference", "cpu", 0, [1.0], {})])
    bad = dict(results.iloc[0], run_id="hybrid|mlp-l2|small|cpu|r0", engine="hybrid", status="timeout",
               error="no result after 5 s; the run was killed", median_ms=math.nan)
    results = pd.concat([results, pd.DataFrame([bad])], ignore_index=True)
    cells = report.summarize(results, samples)
    text = render(report.tables(cells))
    assert "timeout" in text and "no result after 5 s" in text
    assert math.isnan(cells.set_index("engine").loc["hybrid", "median_ms"])


def test_style_tax_ratio_holds_kernel_time_at_the_floor():
    # the hybrid process ran on a slower phase of the machine (kernels 3.0 ms instead of 1.8), but its
    # own overhead is what the style costs: (1.8 + 0.6) / (1.8 + 0.2) = 1.2, whatever its raw step says
    results, samples = rows_and_samples([
        ("reference", "cpu", 0, [2.0, 2.0], {"kernel_ms": 1.8, "overhead_ms": 0.2, "overhead_pct": 10.0,
                                             "kernel_calls": 14}),
        ("hybrid", "cpu", 0, [3.6, 3.6], {"kernel_ms": 3.0, "overhead_ms": 0.6, "overhead_pct": 16.7,
                                          "kernel_calls": 14}),
        ("dynamic_tape", "cpu", 0, [2.5, 2.5], {}),                      # no style-tax pass: n/a
    ])
    cells = report.summarize(results, samples).set_index("engine")
    assert cells.loc["hybrid", "x_ref"] == pytest.approx(1.8)
    assert cells.loc["hybrid", "x_ref_tax"] == pytest.approx(1.2)
    assert cells.loc["reference", "x_ref_tax"] == pytest.approx(1.0)
    assert math.isnan(cells.loc["dynamic_tape", "x_ref_tax"])
    text = render(report.tables(cells.reset_index()))
    assert "×1.20 ref at equal kernels" in text and "×n/a ref at equal kernels" in text


def test_rows_of_two_machines_are_never_pooled():
    # a Dask cluster of unlike hosts: each repeat ran on another machine
    a, b = {"machine_id": "cpu-a-2c"}, {"machine_id": "cpu-b-8c"}
    results, samples = rows_and_samples([
        ("reference", "cpu", 0, [1.0, 1.0, 1.0], a),
        ("reference", "cpu", 1, [3.0, 3.0, 3.0], b),
        ("hybrid", "cpu", 0, [2.0, 2.0, 2.0], a),
        ("hybrid", "cpu", 1, [6.0, 6.0, 6.0], b),
    ])
    cells = report.summarize(results, samples).set_index(["engine", "machine_id"])
    assert len(cells) == 4 and (cells["runs"] == 1).all()
    assert cells.loc[("reference", "cpu-a-2c"), "median_ms"] == 1.0
    assert cells.loc[("reference", "cpu-b-8c"), "median_ms"] == 3.0
    assert cells.loc[("hybrid", "cpu-a-2c"), "x_ref"] == 2.0 == cells.loc[("hybrid", "cpu-b-8c"), "x_ref"]
    text = " ".join(render(report.tables(cells.reset_index())).split())
    assert "on cpu, machine cpu-a-2c" in text and "on cpu, machine cpu-b-8c" in text
    one = report.summarize(*rows_and_samples([("reference", "cpu", 0, [1.0], a)]))
    assert "machine_id" not in one           # one machine: the cells keep their usual key


def _parts(peak, check="ok", **mb):
    cols = {f"mem_{p}_mb": mb.get(p, 0.0) for p in ("params", "optimizer", "grads", "buffers", "saved",
                                                   "temporaries", "bookkeeping")}
    return dict(cols, peak_mem_mb=peak, mem_parts_sum_mb=sum(cols.values()), mem_saved_fwd_mb=mb.get("saved", 0),
                mem_peak_at="backward matmul", mem_parts_check=check, live_bound_mb=1.0)


def test_memory_breakdown_table_plot_and_the_cells_that_do_not_add_up(tmp_path):
    results, samples = rows_and_samples([
        ("reference", "cpu", 0, [1.0], _parts(2.0, params=0.5, saved=1.0, temporaries=0.5)),
        ("layer_config", "cpu", 0, [2.0], _parts(3.0, "the parts sum to 2.00 MB, -33.3% of the 3.00 MB peak",
                                                 params=0.5, buffers=1.5)),
    ])
    cells = report.summarize(results, samples)
    text = render(report.tables(cells))
    assert "memory breakdown at the peak on cpu" in text
    assert "buffers 1.5" in text and "peak 3 ×3.00 bound" in text and "at backward matmul" in text
    assert "do not add up: the parts sum to 2.00 MB" in text
    assert report.breakdown_failures(cells) == [
        "layer_config x mlp-l2/small on cpu: the parts sum to 2.00 MB, -33.3% of the 3.00 MB peak"]
    written = report.plots(cells, tmp_path)
    assert tmp_path / "memory_parts_mlp-l2_small_cpu.png" in written
