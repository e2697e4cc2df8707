"""`stylebench report --seed-table`: the seed comparison's one table (the vqa model at 224x224 and 50x50)
re-measured or read from results directories, beside the seed's published figures, every row also as a
ratio to TensorFlow."""
import math
from pathlib import Path

import pandas as pd

import workloads
from harness import report, runner
from harness.report import ReportError
from harness.runner import MEASURED, UsageError

WORKLOAD = "vqa"
SIZES = (("large", "224"), ("small", "50"))      # (workload size, the seed's image side in its headers)
DEVICES = ("cpu", "gpu")
# (the system as the seed's table names it, the engine id that is its style here), in the table's order
ROWS = (
    ("TensorFlow", "static_graph"),
    ("Keras(tf)", "keras"),
    ("MXNet", "hybrid"),
    ("MXNet (imperative)", "hybrid:imperative"),
    ("PyTorch", "dynamic_tape"),
    ("Caffe", "layer_config"),
    ("Theano", "theano"),
    ("floor", "reference"),
)
BASE = "static_graph"               # every ratio is to TensorFlow's row, as the seed's discussion reads it
# The seed's published GPU figures, as printed: peak memory (MB) and time per iteration (the seed's unit,
# "s") at 224x224, time per iteration at 50x50. Its CPU column was empty. Its MXNet row sits beside the
# hybridized engine (what Gluon users benchmark), not beside the imperative variant.
SEED = {
    "static_graph": {"mb_224": 8345, "time_224": 644.55, "time_50": 90.14},
    "keras": {"mb_224": 10930, "time_224": 827.29, "time_50": 108.64},
    "hybrid": {"mb_224": 6526, "time_224": 470.72, "time_50": 85.34},
    "dynamic_tape": {"mb_224": 6570, "time_224": 630.99, "time_50": 87.52},
}
SEED_COLUMNS = (("seed_gpu_mb_224", "mb_224", "seed GPU MB 224"),
                ("seed_gpu_s_224", "time_224", "seed GPU s/iter 224"),
                ("seed_gpu_s_50", "time_50", "seed GPU s/iter 50"))
# measured columns: (csv name, device, size, what) with what = "mb" (peak memory) or "ms" (median step)
MEASURED_COLUMNS = tuple((f"{d}_{what}_{side}", d, size, what)
                         for d in DEVICES for size, side, what in
                         (("large", "224", "mb"), ("large", "224", "ms"), ("small", "50", "ms")))
FILES = ("seed_table.csv", "seed_table.md", "seed_table.txt")


def header(column):
    """'cpu_ms_224' -> 'CPU ms/iter 224'."""
    device, what, side = column.split("_")
    return f"{device.upper()} {'MB' if what == 'mb' else 'ms/iter'} {side}"


def availability(engine, workload=WORKLOAD):
    """'' when this checkout can run `engine` on the workload, else why not, as the row shows it."""
    if engine not in workloads.engines():
        return f"engine not installed (no {engine!r} in the workload registry)"
    ok, why = workloads.get(workload).supports(engine)
    return "" if ok else f"unsupported: {why}"


# ------------------------------------------------------------------ measuring
def gpu_available():
    try:
        runner.check_device("gpu")
    except UsageError:
        return False
    return True


def measure(out=None, devices=None, repeats=1, iters=0, target_s=1.0, timeout=300.0, quiet=False,
            workload=WORKLOAD):
    """Run the seed table's cells through the normal runner (each run in its own spawned process), one
    results directory per device under `out` (default results/seed-table-<time>/). `devices`: None means
    the CPU, and the GPU too when CuPy finds one. Returns `out`."""
    if devices is None:
        devices = ("cpu", "gpu") if gpu_available() else ("cpu",)
    for d in devices:
        runner.check_device(d)
    engines = [e for _, e in ROWS if not availability(e, workload)]
    if not engines:
        raise UsageError(f"nothing to measure: no engine of the seed table can run {workload} here")
    out = Path(out or runner.default_out("seed-table"))
    for d in devices:
        opts = runner.Options(engines=tuple(engines), workloads=(workload,), sizes=tuple(s for s, _ in SIZES),
                              device=d, repeats=repeats, iters=iters, target_s=target_s, timeout=timeout,
                              out=str(out / d), quiet=quiet)
        runner.bench(opts)
    return out


# ------------------------------------------------------------------ reading
def result_dirs(paths):
    """The `stylebench bench` directories among `paths`: each path itself when it holds results.csv, else
    its cpu/ and gpu/ subfolders that do (what `measure` writes)."""
    found = []
    for p in map(Path, paths):
        if (p / "results.csv").is_file():
            found.append(p)
            continue
        subs = [p / d for d in DEVICES if (p / d / "results.csv").is_file()]
        if not subs:
            raise ReportError(f"{p} holds no results.csv, nor cpu/ or gpu/ folders with one: not a "
                              "directory `stylebench bench` or `stylebench report --seed-table` wrote")
        found += subs
    return found


def cells_of(paths, workload=WORKLOAD):
    """The per-cell summary (report.summarize) of the workload's rows in every results directory."""
    frames = []
    for d in result_dirs(paths):
        results, samples, _ = report.load(d)
        results = results[results["workload"] == workload]
        if len(results):
            frames.append((results, samples[samples["run_id"].isin(results["run_id"])]))
    if not frames:
        raise ReportError(f"no {workload} runs in {', '.join(map(str, paths))}")
    results = pd.concat([r for r, _ in frames], ignore_index=True)
    samples = pd.concat([s for _, s in frames], ignore_index=True)
    if results["run_id"].duplicated().any():
        dup = results.loc[results["run_id"].duplicated(), "run_id"].iloc[0]
        raise ReportError(f"run {dup} is in more than one of {', '.join(map(str, paths))}: give each "
                          "device's results once")
    cells = report.summarize(results, samples)
    cells.attrs["machines"] = report.machines(results)
    if "machine_id" in cells and cells.duplicated(["engine", "size", "device"]).any():
        raise ReportError("these results come from more than one machine "
                          f"({', '.join(report.machines(cells))}): a seed table holds one machine per device")
    return cells


# ------------------------------------------------------------------ the table
def _cell_value(cell, what):
    if cell is None or cell.status not in MEASURED:
        return math.nan
    v = cell.median_ms if what == "ms" else getattr(cell, report.peak_column(cell.device))
    return float(v) if v is not None and not pd.isna(v) else math.nan


def _cell_problem(cell, what):
    """Why a measured cell has no value: the run's failure, or its memory pass's."""
    if cell is None:
        return ""
    if cell.status not in MEASURED:
        why = cell.failures.split("; ")[0].split(": ", 1)[-1]
        return f"{cell.status}: {why}" if why else cell.status
    if what == "mb" and cell.mem_failure:
        return f"memory pass {cell.mem_failure}"
    return ""


def build(cells, workload=WORKLOAD, devices_measured=None):
    """The seed table as a DataFrame, one row per system: measured columns (NaN = not measured), their
    ratios to TensorFlow (`<col>_x_tf`), the seed's figures and ratios, and `note` (why a row or cell has
    no number). `cells`: report.summarize output (any workloads; only `workload` is read)."""
    cells = cells[cells["workload"] == workload] if len(cells) else cells
    index = {(c.engine, c.size, c.device): c for c in cells.itertuples()}
    present = {c.engine for c in cells.itertuples()}
    devices_measured = set(devices_measured if devices_measured is not None else
                           (cells["device"] if len(cells) else ()))
    rows = []
    for system, engine in ROWS:
        rec = {"system": system, "engine": engine}
        notes = []
        missing = availability(engine, workload) if engine not in present else ""
        if missing:
            notes.append(missing)
        elif engine not in present:
            notes.append("not in these results")
        absent = []
        for col, device, size, what in MEASURED_COLUMNS:
            cell = index.get((engine, size, device))
            rec[col] = _cell_value(cell, what)
            problem = _cell_problem(cell, what)
            if problem:
                notes.append(f"{header(col)}: {problem}")
            elif cell is None and engine in present and device in devices_measured:
                absent.append(header(col))
        if absent:
            notes.append(f"not in these results: {', '.join(absent)}")
        for col, key, _ in SEED_COLUMNS:
            rec[col] = float(SEED[engine][key]) if engine in SEED else math.nan
        rec["note"] = "; ".join(dict.fromkeys(notes))
        rows.append(rec)
    table = pd.DataFrame(rows)
    base = table.set_index("engine").loc[BASE]
    for col in [c for c, *_ in MEASURED_COLUMNS] + [c for c, *_ in SEED_COLUMNS]:
        table[f"{col}_x_tf"] = table[col] / base[col]
    columns = ["system", "engine"]
    for col in [c for c, *_ in MEASURED_COLUMNS] + [c for c, *_ in SEED_COLUMNS]:
        columns += [col, f"{col}_x_tf"]
    return table[columns + ["note"]]


def _fmt(v, col):
    if pd.isna(v):
        return "n/a"
    if col.startswith("seed_"):
        return f"{v:.6g}"                   # the published figure as printed (644.55, 8345)
    return f"{v:.0f}" if v >= 100 else f"{v:.3g}"


def cell_text(row, col):
    """'1234 ×1.05': the value and its ratio to TensorFlow's in the same column."""
    v, x = row[col], row[f"{col}_x_tf"]
    return _fmt(v, col) if pd.isna(x) else f"{_fmt(v, col)} ×{x:.2f}"


def display_columns():
    """(csv column, header) of every value column, in the table's order."""
    return ([(c, header(c)) for c, *_ in MEASURED_COLUMNS] + [(c, h) for c, _, h in SEED_COLUMNS])


def orders(table):
    """One line per time column: the seed's four systems fastest first, measured and as published, and
    whether the published order of the styles survives with the kernels shared."""
    seeded = [e for e in SEED]
    sub = table[table["engine"].isin(seeded)].set_index("engine")
    lines = []
    seed_headers = {c: h for c, _, h in SEED_COLUMNS}
    names = dict(zip(table["engine"], table["system"]))
    for seed_col, measured in (("seed_gpu_s_224", ("cpu_ms_224", "gpu_ms_224")),
                               ("seed_gpu_s_50", ("cpu_ms_50", "gpu_ms_50"))):
        published = list(sub[seed_col].sort_values().index)
        for col in measured:
            have = sub[col].dropna().sort_values()
            if have.empty:
                continue
            got = list(have.index)
            same = [e for e in published if e in got] == got
            lines.append(f"{header(col)}, fastest first: {' < '.join(names[e] for e in got)}; "
                         f"{seed_headers[seed_col]}: {' < '.join(names[e] for e in published)} -> "
                         f"{'the published order holds' if same else 'the order changed'}"
                         + ("" if len(got) == len(published) else
                            f" (only {len(got)} of the {len(published)} measured)"))
    return lines


def rich_table(table, title):
    from rich.markup import escape
    from rich.table import Table
    t = Table(title=title, show_lines=True, caption=(
        "×: ratio to TensorFlow's value in the same column. Measured: median ms per iteration; MB = peak "
        "traced bytes (CPU, tracemalloc) or the CuPy pool's peak in use (GPU). Seed: the published GPU "
        "figures in the seed's units; n/a = not measured or no such row."))
    t.add_column("system")
    t.add_column("engine")
    for _, h in display_columns():
        t.add_column(h, justify="right")
    t.add_column("note")
    for row in table.to_dict("records"):
        t.add_row(row["system"], row["engine"], *[cell_text(row, c) for c, _ in display_columns()],
                  f"[yellow]{escape(row['note'])}[/]" if row["note"] else "")
    return t


def markdown(table, title, lines=()):
    def esc(text):
        return str(text).replace("|", "\\|").replace("\n", " ")
    heads = ["system", "engine"] + [h for _, h in display_columns()] + ["note"]
    out = [f"**{esc(title)}**", "", "| " + " | ".join(heads) + " |",
           "|" + "|".join(["---"] * 2 + ["---:"] * len(display_columns()) + ["---"]) + "|"]
    for row in table.to_dict("records"):
        cells = [row["system"], f"`{row['engine']}`"] + [cell_text(row, c) for c, _ in display_columns()]
        out.append("| " + " | ".join(esc(c) for c in cells + [row["note"]]) + " |")
    out += [""] + [f"- {esc(line)}" for line in lines]
    return "\n".join(out) + "\n"


def title_of(cells, workload=WORKLOAD):
    ids = ", ".join(cells.attrs.get("machines") or report.machines(cells)) or "machine unknown"
    return f"the seed's table re-measured: {workload} at 224x224 (large) and 50x50 (small), {ids}"


def write(table, out, title, console=None):
    """Print the rich table and the order lines; write seed_table.csv (pandas), .md and .txt into `out`."""
    import io

    from rich.console import Console
    out = Path(out)
    lines = orders(table)
    t = rich_table(table, title)
    console = console or report.console()
    console.print(t)
    for line in lines:
        console.print(line, markup=False, highlight=False)
    rec = Console(record=True, width=report.WIDE, file=io.StringIO())
    rec.print(t)
    for line in lines:
        rec.print(line, markup=False, highlight=False)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ReportError(f"cannot write into {out}: {e.strerror or e}") from None
    report._write(out / "seed_table.csv", table.to_csv(index=False))
    report._write(out / "seed_table.md", markdown(table, title, lines))
    report._write(out / "seed_table.txt", rec.export_text())
    return [out / f for f in FILES]


def run(dirs=(), out=None, devices=None, repeats=1, iters=0, target_s=1.0, timeout=300.0, quiet=False,
        workload=WORKLOAD, console=None):
    """`stylebench report --seed-table [DIR ...]`: read DIRs, or measure first when none is given.
    Returns (table, written files)."""
    if not dirs:
        measured = measure(out, devices, repeats, iters, target_s, timeout, quiet, workload)
        dirs, out = [measured], measured
    cells = cells_of(dirs, workload)
    table = build(cells, workload)
    written = write(table, out or dirs[0], title_of(cells, workload), console)
    return table, written
