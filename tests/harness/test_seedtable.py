"""The seed table (`stylebench report --seed-table`): read from hand-made results directories, and measured
end to end through the runner on a tiny fake workload registered via STYLEBENCH_EXTRA_WORKLOADS."""
import math

import pandas as pd
import pytest
from rich.console import Console

import workloads
from harness import cli, seedtable
from harness.report import ReportError
from tests.harness.conftest import register_fake

SEEDLIKE = "seedlike"
SEEDLIKE_PACKAGE = "tests.harness.fakes.seedlike"


@pytest.fixture
def seedlike(monkeypatch):
    """The fake registered in this process and, through the environment, in the runner's children."""
    return register_fake(monkeypatch, SEEDLIKE, SEEDLIKE_PACKAGE)


def quiet_console():
    return Console(record=True, width=400, file=open("/dev/null", "w"))


def write_dir(path, rows, workload="vqa", machine_id="test-machine"):
    """A results directory as `stylebench bench` writes it, from rows (engine, size, device, status,
    [ms...], extra columns)."""
    path.mkdir(parents=True)
    results, samples = [], []
    for engine, size, device, status, ms, extra in rows:
        rid = f"{engine}|{workload}|{size}|{device}|r0"
        ok = status in ("ok", "unverified")
        results.append(dict(dict(
            run_id=rid, engine=engine, workload=workload, size=size, device=device, repeat=0, status=status,
            error="" if ok else "no result after 300 s; the run was killed",
            median_ms=pd.Series(ms, dtype=float).median() if ok else math.nan, iters=len(ms) if ok else math.nan,
            peak_mem_mb=math.nan, gpu_peak_mb=math.nan, machine_id=machine_id), **extra))
        if ok:
            samples += [dict(run_id=rid, iteration=i, ms=v) for i, v in enumerate(ms)]
    pd.DataFrame(results).to_csv(path / "results.csv", index=False)
    pd.DataFrame(samples, columns=["run_id", "iteration", "ms"]).to_csv(path / "samples.csv", index=False)
    return path


def by_engine(table):
    return table.set_index("engine")


def test_read_path_values_ratios_to_tensorflow_and_the_seed_columns(tmp_path):
    cpu = write_dir(tmp_path / "run" / "cpu", [
        ("static_graph", "large", "cpu", "ok", [100.0, 100.0], {"peak_mem_mb": 400.0}),
        ("static_graph", "small", "cpu", "ok", [10.0, 10.0], {"peak_mem_mb": 20.0}),
        ("hybrid", "large", "cpu", "ok", [50.0, 50.0], {"peak_mem_mb": 600.0}),
        ("hybrid", "small", "cpu", "ok", [12.0, 12.0], {}),
        ("dynamic_tape", "large", "cpu", "timeout", [], {}),
        ("dynamic_tape", "small", "cpu", "ok", [8.0, 8.0], {}),
        ("reference", "large", "cpu", "ok", [90.0, 90.0], {"peak_mem_mb": 300.0}),
    ])
    write_dir(tmp_path / "run" / "gpu", [
        ("static_graph", "large", "gpu", "ok", [4.0, 4.0], {"gpu_peak_mb": 1000.0}),
        ("static_graph", "small", "gpu", "ok", [1.0, 1.0], {"gpu_peak_mb": 50.0}),
        ("hybrid", "large", "gpu", "ok", [3.0, 3.0], {"gpu_peak_mb": 800.0}),
    ])
    table, written = seedtable.run([tmp_path / "run"], console=quiet_console())
    t = by_engine(table)
    assert t.loc["static_graph", "cpu_ms_224"] == 100.0 and t.loc["static_graph", "cpu_ms_224_x_tf"] == 1.0
    assert t.loc["hybrid", "cpu_ms_224_x_tf"] == 0.5
    assert t.loc["hybrid", "cpu_mb_224_x_tf"] == 1.5
    assert t.loc["hybrid", "cpu_ms_50_x_tf"] == pytest.approx(1.2)
    assert t.loc["hybrid", "gpu_mb_224"] == 800.0 and t.loc["hybrid", "gpu_ms_224_x_tf"] == 0.75
    assert t.loc["reference", "cpu_mb_224_x_tf"] == 0.75
    # the published figures and their ratios: Keras(tf) 10930 MB / TensorFlow 8345 MB
    assert t.loc["keras", "seed_gpu_mb_224"] == 10930
    assert t.loc["keras", "seed_gpu_s_224_x_tf"] == pytest.approx(827.29 / 644.55)
    assert t.loc["hybrid", "seed_gpu_s_50"] == 85.34 and math.isnan(t.loc["layer_config", "seed_gpu_s_50"])
    # a failed run is n/a with its status in the note, never a number
    assert math.isnan(t.loc["dynamic_tape", "cpu_ms_224"])
    assert "CPU ms/iter 224: timeout: no result after 300 s" in t.loc["dynamic_tape", "note"]
    # a cell these results lack is n/a and said so; the GPU cells of an engine only the CPU ran likewise
    assert t.loc["hybrid", "note"] == "not in these results: GPU ms/iter 50"
    assert t.loc["dynamic_tape", "note"].endswith("not in these results: GPU MB 224, GPU ms/iter 224, "
                                                  "GPU ms/iter 50")
    # written next to the results: CSV (pandas reads it back), markdown, the plain-text table
    assert [p.name for p in written] == list(seedtable.FILES)
    back = pd.read_csv(tmp_path / "run" / "seed_table.csv")
    assert list(back["system"]) == [s for s, _ in seedtable.ROWS]
    md = (tmp_path / "run" / "seed_table.md").read_text()
    assert "| TensorFlow | `static_graph` | 400 ×1.00 | 100 ×1.00 |" in md
    assert "| Keras(tf) | `keras` |" in md and "10930 ×1.31" in md and "644.55 ×1.00" in md
    txt = (tmp_path / "run" / "seed_table.txt").read_text()
    assert "TensorFlow" in txt and "×0.50" in txt and "vqa at 224x224 (large) and 50x50 (small), test-machine" in txt


def test_engine_missing_from_the_registry_or_unsupported_is_a_row_with_the_reason(tmp_path, seedlike,
                                                                                  monkeypatch):
    monkeypatch.setattr(seedtable, "ROWS", seedtable.ROWS + (("Nonesuch", "nonesuch"),))
    run = write_dir(tmp_path / "cpu", [
        ("static_graph", "large", "cpu", "ok", [2.0], {"peak_mem_mb": 1.0}),
        ("reference", "large", "cpu", "ok", [1.0], {"peak_mem_mb": 1.0}),
    ], workload=seedlike)
    table, _ = seedtable.run([run], workload=seedlike, console=quiet_console())
    t = by_engine(table)
    assert t.loc["nonesuch", "note"] == "engine not installed (no 'nonesuch' in the workload registry)"
    assert t.loc["layer_config", "note"].startswith("unsupported: layer_config cannot run seedlike: the fake "
                                                   "has no prototxt")
    assert t.loc["hybrid", "note"].startswith("unsupported: workload 'seedlike' has no module for engine")
    assert t.loc["reference", "cpu_ms_224_x_tf"] == 0.5
    assert all(math.isnan(t.loc["nonesuch", c]) for c, *_ in seedtable.MEASURED_COLUMNS)


def test_order_lines_say_whether_the_published_order_holds():
    def table(cpu_224):
        rows = []
        for system, engine in seedtable.ROWS:
            rec = {"system": system, "engine": engine, "note": ""}
            for c, *_ in seedtable.MEASURED_COLUMNS:
                rec[c] = cpu_224.get(engine, math.nan) if c == "cpu_ms_224" else math.nan
            for c, key, _ in seedtable.SEED_COLUMNS:
                rec[c] = seedtable.SEED[engine][key] if engine in seedtable.SEED else math.nan
            rows.append(rec)
        return pd.DataFrame(rows)
    # published at 224: MXNet < PyTorch < TensorFlow < Keras(tf)
    same = seedtable.orders(table({"hybrid": 1.0, "dynamic_tape": 2.0, "static_graph": 3.0, "keras": 4.0}))
    assert same == ["CPU ms/iter 224, fastest first: MXNet < PyTorch < TensorFlow < Keras(tf); seed GPU "
                    "s/iter 224: MXNet < PyTorch < TensorFlow < Keras(tf) -> the published order holds"]
    changed = seedtable.orders(table({"hybrid": 3.0, "dynamic_tape": 2.0, "static_graph": 1.0}))
    assert changed[0].endswith("-> the order changed (only 3 of the 4 measured)")


def test_bad_directories_are_one_clear_error(tmp_path, capsys):
    with pytest.raises(ReportError, match="holds no results.csv, nor cpu/ or gpu/"):
        seedtable.cells_of([tmp_path])
    other = write_dir(tmp_path / "mlp", [("reference", "small", "cpu", "ok", [1.0], {})], workload="mlp-l2")
    assert cli.main(["report", "--seed-table", str(other)]) == 2
    assert "no vqa runs in" in capsys.readouterr().err
    a = write_dir(tmp_path / "a", [("reference", "small", "cpu", "ok", [1.0], {})])
    b = write_dir(tmp_path / "b", [("reference", "small", "cpu", "ok", [1.0], {})], machine_id="other")
    with pytest.raises(ReportError, match="is in more than one of"):
        seedtable.cells_of([a, b])


def test_cli_refuses_measuring_options_with_a_directory_and_seed_options_without_seed_table(tmp_path, capsys):
    run = write_dir(tmp_path / "cpu", [("reference", "small", "cpu", "ok", [1.0], {})])
    assert cli.main(["report", "--seed-table", str(run), "--repeats", "3"]) == 2
    assert "--repeats: options of measuring" in capsys.readouterr().err
    assert cli.main(["report", str(run), "--workload", "vqa"]) == 2
    assert "go with --seed-table only" in capsys.readouterr().err
    assert cli.main(["report"]) == 2
    assert "report takes one results directory, got none" in capsys.readouterr().err


def test_cli_passes_only_the_options_given_so_the_defaults_are_seedtables(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(seedtable, "run", lambda dirs, **kw: (seen.update(kw), (None, []))[1])
    assert cli.main(["report", "--seed-table", "--repeats", "2", "--quiet"]) == 0
    assert {k: seen[k] for k in seen if k != "console"} == dict(out=None, devices=None, quiet=True, repeats=2)


def test_measure_path_runs_each_cell_through_the_runner(tmp_path, seedlike, capsys):
    out = tmp_path / "seed"
    code = cli.main(["report", "--seed-table", "--workload", seedlike, "--device", "cpu", "--iters", "3",
                     "--out", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    # the runner's own results directory (one per device), each run its own process, with its rows
    results = pd.read_csv(out / "cpu" / "results.csv")
    assert set(results["engine"]) == {"static_graph", "dynamic_tape", "reference"}
    assert set(results["size"]) == {"small", "large"} and set(results["status"]) == {"ok"}
    t = by_engine(pd.read_csv(out / "seed_table.csv", keep_default_na=False, na_values=[""]))
    for engine in ("static_graph", "dynamic_tape", "reference"):
        assert t.loc[engine, "cpu_ms_224"] > 0 and t.loc[engine, "cpu_ms_50"] > 0
        assert t.loc[engine, "cpu_mb_224"] > 0.1          # the large size's 160 kB scratch buffer, traced
        assert all(math.isnan(t.loc[engine, c]) for c in ("gpu_mb_224", "gpu_ms_224", "gpu_ms_50"))
    assert t.loc["static_graph", "cpu_ms_224_x_tf"] == 1.0
    assert t.loc["layer_config", "note"].startswith("unsupported:")
    expected = ("unsupported:" if "keras" in workloads.engines() else "engine not installed")
    assert t.loc["keras", "note"].startswith(expected)
    printed = capsys.readouterr().out
    assert "the seed's table re-measured" in printed and "seed table in" in printed
    # reading the same folder back gives the same table
    again, _ = seedtable.run([out], workload=seedlike, out=tmp_path / "again", console=quiet_console())
    assert again.set_index("engine").loc["reference", "cpu_ms_50"] == pytest.approx(t.loc["reference",
                                                                                         "cpu_ms_50"])
