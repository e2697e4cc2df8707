"""Reads a results directory back: per-cell statistics, the rich compare tables, PNG plots, DIR-vs-DIR."""
import io
import math
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import workloads
from harness import memparts
from harness.runner import MEASURED

UNSTABLE_SPREAD = 0.10     # repeats' medians spreading more than this are flagged
CELL = ["engine", "workload", "size", "device"]
TEXT_COLUMNS = ("run_id", "engine", "workload", "size", "device", "status", "error", "gate", "site",
                "host", "machine_id", "kernel", "phase", "iters_policy", "gpu_name", "gpu_driver", "cupy",
                "cuda_version", "mem_peak_at", "mem_parts_check")
GPU_COLS = ("gpu_peak_mb", "gpu_pool_mb", "gpu_nvml_used_mb")
PART_COLS = tuple(f"mem_{p}_mb" for p in memparts.PARTS)
BREAKDOWN_COLS = PART_COLS + ("mem_saved_fwd_mb", "mem_parts_sum_mb", "live_bound_mb")



class ReportError(ValueError):
    """A results directory or CSV that cannot be read as one `stylebench bench` wrote: one line naming the
    file and what is wrong with it (exit code 2)."""


# the columns summarize() needs
RESULT_NEEDS = ("run_id", "engine", "workload", "size", "device", "repeat", "status", "error", "median_ms",
                "iters")
SAMPLE_NEEDS = ("run_id", "ms")
NUMERIC = ("repeat", "iters", "median_ms", "p10_ms", "p90_ms", "peak_mem_mb", "state_mem_mb", "build_s",
           "first_iter_ms", "kernel_ms", "overhead_ms", "overhead_pct", "kernel_calls") + GPU_COLS + BREAKDOWN_COLS


def peak_column(device):
    """The column that holds a run's peak memory: the CuPy pool's peak in use on a GPU, tracemalloc's
    per-iteration peak on the CPU."""
    return "gpu_peak_mb" if device == "gpu" else "peak_mem_mb"


def _warn(message):
    print(f"stylebench: warning: {message}", file=sys.stderr)


def load(out, warn=_warn):
    """(results, samples, profile) DataFrames of a results directory (profile may be empty).

    samples.csv is checked against results.csv: a measured run whose sample count is not its `iters`
    (a truncated or edited file), or samples of a run with no row, get one warning; such a run's samples
    are left out, so its cell's times come from results.csv's per-run figures, and the table says so."""
    out = Path(out)
    path = out / "results.csv"
    if not path.is_file():
        raise ReportError(f"{path} not found: is {out} a directory written by `stylebench bench`?")
    results = read_csv(path, RESULT_NEEDS)
    if results.empty:
        raise ReportError(f"{path} has a header but no rows: no run has finished yet")
    for c in NUMERIC:
        if c in results:
            results[c] = pd.to_numeric(results[c], errors="coerce")
    if results["run_id"].duplicated().any():
        dup = results.loc[results["run_id"].duplicated(), "run_id"].iloc[0]
        raise ReportError(f"{path} holds run {dup} more than once: not a file `stylebench bench` wrote")
    spath = out / "samples.csv"
    measured = results[results["status"].isin(MEASURED)]
    if spath.exists():
        samples = read_csv(spath, SAMPLE_NEEDS, allow_empty=True)
        samples["ms"] = pd.to_numeric(samples["ms"], errors="coerce")
        samples = samples[samples["ms"].notna()]
    else:
        samples = pd.DataFrame({"run_id": pd.Series(dtype=str), "ms": pd.Series(dtype=float)})
        if len(measured):
            warn(f"{spath} is missing: the times shown are results.csv's per-run medians (no pooled "
                 "samples)")
    samples = _check_samples(measured, samples, spath, warn) if spath.exists() else samples
    ppath = out / "profile.csv"
    profile = read_csv(ppath, allow_empty=True) if ppath.exists() else pd.DataFrame()
    return results, samples, profile


def _check_samples(measured, samples, spath, warn):
    """Samples minus those of runs whose count disagrees with results.csv (warned about)."""
    counts = samples.groupby("run_id").size()
    bad = []
    for r in measured.itertuples():
        n = int(counts.get(r.run_id, 0))
        if pd.isna(r.iters) or n != int(r.iters):
            bad.append(f"{r.run_id} has {n}, expected {'?' if pd.isna(r.iters) else int(r.iters)}")
    orphans = sorted(set(samples["run_id"]) - set(measured["run_id"]))
    if bad:
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        warn(f"{spath}: {len(bad)} of {len(measured)} measured runs have another sample count than "
             f"results.csv's iters ({'; '.join(bad[:3])}{more}); their cells show results.csv's per-run "
             "medians instead")
    if orphans:
        warn(f"{spath}: samples of {len(orphans)} runs that results.csv has no measured row for "
             f"({', '.join(orphans[:3])}{' ...' if len(orphans) > 3 else ''}); left out")
    drop = {b.split(" has ")[0] for b in bad} | set(orphans)
    return samples[~samples["run_id"].isin(drop)]


def read_csv(path, required=(), allow_empty=False):
    """A CSV this harness wrote: names stay strings (a size called "nan" is not NaN), empty is missing.
    ReportError naming the file when it is empty, binary, malformed or lacks `required` columns."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError as e:
        raise ReportError(f"{path}: cannot read it: {e.strerror or e}") from None
    if not head.strip():
        raise ReportError(f"{path} is empty (not even a header)")
    if b"\0" in head:
        raise ReportError(f"{path} is a binary file, not a CSV")
    try:
        df = pd.read_csv(path, keep_default_na=False, na_values=[""],
                         dtype={c: str for c in TEXT_COLUMNS}, low_memory=False)
    except UnicodeDecodeError:
        raise ReportError(f"{path} is not UTF-8 text (a binary file?), not a CSV") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ReportError(f"{path} is not a well-formed CSV ({first})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ReportError(f"{path} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
                          "not a file `stylebench bench` wrote")
    if df.empty and required and not allow_empty:
        raise ReportError(f"{path} has a header but no rows")
    for c in TEXT_COLUMNS:
        if c in df:
            df[c] = df[c].fillna("")
    return df


def _med(series):
    s = pd.to_numeric(series, errors="coerce").dropna()
    return float(s.median()) if len(s) else math.nan


def _pass_failure(runs, name):
    """'error: why' of the first run whose <name> pass failed, or ''."""
    col = f"{name}_status"
    if col not in runs:
        return ""
    bad = runs[~runs[col].fillna("").isin(("ok", "skipped", "", "not run"))]
    if bad.empty:
        return ""
    r = bad.iloc[0]
    return f"{r[col]}: {r.get(f'{name}_error', '')}"


def machines(frame):
    """The distinct machine ids of a results or cells frame (empty ids left out)."""
    if "machine_id" not in frame:
        return []
    return sorted({m for m in frame["machine_id"].fillna("").astype(str) if m})


def cell_key(results):
    """A cell is (engine, workload, size, device), and the machine too when rows of several machines
    are present (a Dask cluster of unlike hosts): their times are never pooled."""
    return CELL + ["machine_id"] if len(machines(results)) > 1 else list(CELL)


def summarize(results, samples):
    """One row per (engine, workload, size, device): statistics over every iteration of its measured
    runs (ok or unverified); from results.csv's per-run figures when some of their samples are missing."""
    rows = []
    keys = cell_key(results)
    if "machine_id" in keys:        # a row no worker reported (a lost task) stays in its own cell
        results = results.assign(machine_id=results["machine_id"].fillna("").astype(str))
    for key, g in results.groupby(keys, sort=False):
        ok = g[g["status"].isin(MEASURED)]
        rec = dict(zip(keys, key), runs=len(g), ok_runs=len(ok))
        bad = g[~g["status"].isin(MEASURED)]
        if len(ok):
            rec["status"] = "unverified" if (ok["status"] == "unverified").any() else "ok"
        else:
            rec["status"] = bad["status"].mode().iloc[0]
        rec["failures"] = "; ".join(f"r{r.repeat} {r.status}: {r.error}" for r in bad.itertuples())
        rec["unverified"] = "; ".join(f"r{r.repeat}: {r.error}" for r in ok.itertuples()
                                      if r.status == "unverified")
        have = samples["run_id"].isin(ok["run_id"])
        rec["times_from"] = "samples"
        if len(ok) and set(samples.loc[have, "run_id"]) == set(ok["run_id"]):
            ms = samples.loc[have, "ms"].to_numpy(dtype=float)
            rec["p10_ms"], rec["median_ms"], rec["p90_ms"] = np.percentile(ms, [10, 50, 90])
            rec["samples"] = len(ms)
        elif len(ok):       # some samples missing: the runs' own figures, labelled as such
            rec["times_from"] = "run medians"
            rec.update(p10_ms=_med(ok.get("p10_ms", pd.Series(dtype=float))), median_ms=_med(ok["median_ms"]),
                       p90_ms=_med(ok.get("p90_ms", pd.Series(dtype=float))), samples=0)
        else:
            rec.update(p10_ms=math.nan, median_ms=math.nan, p90_ms=math.nan, samples=0)
        meds = pd.to_numeric(ok["median_ms"], errors="coerce").dropna()
        rec["repeat_spread"] = float((meds.max() - meds.min()) / meds.median()) if len(meds) > 1 else 0.0
        rec["stable"] = rec["repeat_spread"] <= UNSTABLE_SPREAD
        for col in ("peak_mem_mb", "state_mem_mb", "build_s", "first_iter_ms", "kernel_ms", "overhead_ms",
                    "overhead_pct", "kernel_calls") + GPU_COLS + BREAKDOWN_COLS:
            rec[col] = _med(ok[col]) if col in ok else math.nan
        for col in ("mem_peak_at", "mem_parts_check"):
            vals = [v for v in ok[col] if v] if col in ok else []
            bad = [v for v in vals if v != "ok"]
            rec[col] = (bad or vals or [""])[0]
        rec["mem_failure"] = _pass_failure(ok, "mem")
        rec["profile_failure"] = _pass_failure(ok, "profile")
        rec["iters"] = _med(ok["iters"])
        rows.append(rec)
    cells = pd.DataFrame(rows)
    if cells.empty:
        return cells
    group = [k for k in keys if k != "engine"]
    ref = cells[cells["engine"] == "reference"].set_index(group)["median_ms"]
    cells["x_ref"] = [r.median_ms / ref.get(tuple(getattr(r, k) for k in group), math.nan)
                      for r in cells.itertuples()]
    cells["x_best"] = cells["median_ms"] / cells.groupby(group)["median_ms"].transform("min")
    # the style tax as a ratio: this engine's own overhead on top of the floor's kernel time, over the
    # floor's step. Kernel time is the same arithmetic for every engine, but the machine's speed drifts
    # between processes; holding it at the floor's measured value leaves only what the style adds.
    floor = cells[cells["engine"] == "reference"].set_index(group)[["kernel_ms", "overhead_ms"]]
    f = cells.join(floor.add_suffix("_floor"), on=group)
    k = f["kernel_ms_floor"]
    cells["x_ref_tax"] = (k + f["overhead_ms"]) / (k + f["overhead_ms_floor"])
    return cells


def _order(cells):
    """Engines in the registry's order, workloads likewise, sizes in each spec's order."""
    engines = [e for e in workloads.engines() if e in set(cells["engine"])]
    engines += sorted(set(cells["engine"]) - set(engines))
    known = list(workloads.names())
    rows = sorted({(w, s) for w, s in zip(cells["workload"], cells["size"])},
                  key=lambda ws: (known.index(ws[0]) if ws[0] in known else len(known), ws[0],
                                  _size_rank(ws[0], ws[1])))
    return engines, rows


def _size_rank(workload, size):
    try:
        return workloads.get(workload).sizes.index(size)
    except (KeyError, ValueError):
        return 99


def na(v, fmt):
    """A value, or n/a when nothing was measured (never 0)."""
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def _time_cell(r):
    if r.status not in MEASURED:
        why = r.failures.split("; ")[0].split(": ", 1)[-1][:60]
        return f"[red]{r.status}[/red]\n[dim]{why}[/dim]"
    flag = "" if r.stable else f" [yellow]±{100 * r.repeat_spread:.0f}%![/yellow]"
    lines = []
    if r.status == "unverified":
        lines.append("[yellow]unverified[/yellow] [dim](reference failed: losses not checked)[/dim]")
    lines += [f"[bold]{na(r.median_ms, '{:.3g}')}[/bold] ms{flag}",
              f"{na(r.p10_ms, '{:.3g}')}–{na(r.p90_ms, '{:.3g}')}"]
    if r.times_from != "samples":
        lines.append("[yellow]from run medians: samples missing[/yellow]")
    mem = getattr(r, peak_column(r.device))
    if r.mem_failure and (mem is None or math.isnan(mem)):
        lines.append(f"[yellow]memory pass {r.mem_failure.split(':')[0]}[/yellow]")
    else:
        lines.append(f"{na(mem, '{:.3g}')} MB")
    lines.append(f"×{na(r.x_ref, '{:.2f}')} ref  ×{na(r.x_best, '{:.2f}')} best")
    if r.ok_runs < r.runs:
        lines.append(f"[yellow]{r.runs - r.ok_runs}/{r.runs} runs failed[/yellow]")
    return "\n".join(lines)


def _grid(title, cells, fmt, caption=""):
    from rich.table import Table
    engines, rows = _order(cells)
    table = Table(title=title, caption=caption, show_lines=True)
    table.add_column("workload / size")
    for e in engines:
        table.add_column(e, justify="right")
    index = {(r.engine, r.workload, r.size): r for r in cells.itertuples()}
    for w, s in rows:
        table.add_row(f"{w} / {s}", *[fmt(index[(e, w, s)]) if (e, w, s) in index else "—"
                                      for e in engines])
    return table


def tables(cells, meta=None):
    """The rich tables for a summary: time per device, build/first iteration, overhead, CPU vs GPU."""
    out = []
    per_machine = "machine_id" in cells and cells["machine_id"].nunique() > 1
    groups = (sorted({(d, m) for d, m in zip(cells["device"], cells["machine_id"])}) if per_machine
              else [(d, None) for d in sorted(set(cells["device"]))])
    for device, mid in groups:
        c = cells[cells["device"] == device]
        if mid is not None:
            c = c[c["machine_id"] == mid]
        where = device if mid is None else f"{device}, machine {mid}"
        mem = "GPU peak in use (CuPy pool hook)" if device == "gpu" else "peak traced bytes (tracemalloc)"
        out.append(_grid(f"median ms/iter on {where} (p10–p90; {mem}; ratio to reference and fastest)",
                         c, _time_cell, "! = repeats' medians spread > 10%; — = not run or unsupported"))
        out.append(_grid(f"set-up on {where}: build s / first iteration ms", c,
                         lambda r: f"{na(r.build_s, '{:.3g}')} s / {na(r.first_iter_ms, '{:.3g}')} ms"))
        if c["kernel_ms"].notna().any():
            out.append(_grid(f"style tax on {where}: engine overhead per step (step − time in kernels)", c,
                             lambda r: f"{na(r.overhead_ms, '{:.3g}')} ms ({na(r.overhead_pct, '{:.0f}')}%)"
                             f"\nkernels {na(r.kernel_ms, '{:.3g}')} ms"
                             f"\n{na(r.kernel_calls, '{:.0f}')} calls/step"
                             f"\n×{na(r.x_ref_tax, '{:.2f}')} ref at equal kernels",
                             "×ref at equal kernels = (floor's kernel ms + this overhead) / floor's step: the "
                             "ratio with the machine's drift taken out"))
        if c["mem_parts_sum_mb"].notna().any():
            out.append(_grid(f"memory breakdown at the peak on {where} (MB; memparts: the parts, then peak / "
                             "the liveness lower bound of the reference's step)", c, _parts_cell,
                             "saved@fwd = saved activations alive when forward ended; check: the parts add "
                             "up to the plain memory pass's peak within 5%"))
        if device == "gpu":
            out.append(_grid("GPU memory: hook peak / pool held / NVML device used (MB)", c,
                             lambda r: " / ".join(na(getattr(r, k), "{:.1f}") for k in GPU_COLS)))
    if {"cpu", "gpu"} <= set(cells["device"]):
        cpu = cells[cells["device"] == "cpu"].set_index(["engine", "workload", "size"])["median_ms"]
        gpu = cells[cells["device"] == "gpu"].copy()
        gpu["cpu_ms"] = [cpu.get((r.engine, r.workload, r.size), math.nan) for r in gpu.itertuples()]
        out.append(_grid("CPU vs GPU: median ms/iter (cpu / gpu, speed-up)", gpu,
                         lambda r: f"{na(r.cpu_ms, '{:.3g}')} / {na(r.median_ms, '{:.3g}')}\n"
                         f"×{na(r.cpu_ms / r.median_ms, '{:.1f}')}"))
    return out


def _parts_cell(r):
    if r.mem_parts_sum_mb is None or math.isnan(r.mem_parts_sum_mb):
        return "n/a"
    peak = getattr(r, peak_column(r.device))
    short = {"params": "params", "grads": "grads", "optimizer": "optim", "buffers": "buffers",
             "saved": "saved", "temporaries": "temps", "bookkeeping": "bookkeep"}
    lines = [f"{short[p]} {na(getattr(r, f'mem_{p}_mb'), '{:.3g}')}" for p in memparts.PARTS]
    lines.append(f"saved@fwd {na(r.mem_saved_fwd_mb, '{:.3g}')}")
    lines.append(f"[bold]peak {na(peak, '{:.3g}')}[/bold] ×{na(peak / r.live_bound_mb, '{:.2f}')} bound"
                 if r.live_bound_mb else f"[bold]peak {na(peak, '{:.3g}')}[/bold]")
    lines.append(f"[dim]at {r.mem_peak_at}[/dim]")
    if r.mem_parts_check != "ok":
        lines.append(f"[yellow]do not add up: {r.mem_parts_check}[/yellow]")
    return "\n".join(lines)


def breakdown_failures(cells):
    """'engine x workload/size: why' for every cell whose breakdown does not add up to its peak."""
    if "mem_parts_check" not in cells:
        return []
    bad = cells[~cells["mem_parts_check"].isin(("ok", ""))]
    return [f"{r.engine} x {r.workload}/{r.size} on {r.device}: {r.mem_parts_check}" for r in bad.itertuples()]


WIDE = 1000        # a console that is not a terminal: tables at their natural width, never wrapped at 80


def console(**kw):
    """A rich Console for tables: the terminal's width on a terminal; elsewhere (a log file, CI, a pipe)
    wide enough that no table wraps its cells, unless $COLUMNS says otherwise."""
    from rich.console import Console
    c = Console(**kw)
    if not c.is_terminal and not os.environ.get("COLUMNS"):
        c = Console(width=WIDE, **kw)
    return c


def print_tables(cells, console=None, save=None):
    from rich.console import Console
    console = console or globals()["console"]()
    rec = Console(record=True, width=WIDE, file=io.StringIO()) if save else None
    for t in tables(cells):
        console.print(t)
        if rec:
            rec.print(t)
    if rec:
        _write(save, rec.export_text())


def _write(path, text):
    from harness.runner import write_atomic
    try:
        write_atomic(path, text)
    except OSError as e:
        raise ReportError(f"cannot write {path}: {e.strerror or e}") from None


# ------------------------------------------------------------------------------------------------ plots

def plots(cells, out_dir):
    """PNG plots: time bars per workload, memory bars, scaling over sizes. Returns the written paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    engines, rows = _order(cells)
    ok = cells[cells["status"] == "ok"]
    for device in sorted(set(cells["device"])):
        d = ok[ok["device"] == device]
        for w, s in rows:
            c = d[(d["workload"] == w) & (d["size"] == s)].set_index("engine").reindex(engines).dropna(
                subset=["median_ms"])
            if c.empty:
                continue
            fig, ax = plt.subplots(figsize=(1.2 * len(c) + 2, 3.5))
            err = np.vstack([c["median_ms"] - c["p10_ms"], c["p90_ms"] - c["median_ms"]])
            ax.bar(c.index, c["median_ms"], yerr=err, capsize=4, color="tab:blue")
            ax.set_ylabel("ms / iteration (median, p10–p90)")
            ax.set_title(f"{w} / {s} on {device}")
            ax.tick_params(axis="x", rotation=30)
            written.append(_save(fig, out_dir / f"time_{w}_{s}_{device}.png"))
        m = d.pivot_table(index=["workload", "size"], columns="engine", values=peak_column(device),
                          aggfunc="median")
        if not m.empty and m.notna().any().any():
            m = m.reindex(index=[ws for ws in rows if ws in m.index],
                          columns=[e for e in engines if e in m.columns])
            fig, ax = plt.subplots(figsize=(max(6, 1.5 * len(m)) + 2, 4))
            m.index = [f"{w}/{s}" for w, s in m.index]
            m.plot.bar(ax=ax, rot=30)
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
            ax.set_ylabel("peak memory per iteration (MB)")
            ax.set_yscale("log")
            ax.set_title(f"peak memory on {device}")
            written.append(_save(fig, out_dir / f"memory_{device}.png"))
        for w, s in rows:
            c = d[(d["workload"] == w) & (d["size"] == s)].set_index("engine").reindex(engines)
            c = c[c["mem_parts_sum_mb"].notna()] if "mem_parts_sum_mb" in c else c.iloc[:0]
            if not c.empty:
                written.append(_save(_parts_plot(c, f"{w} / {s} on {device}", device),
                                     out_dir / f"memory_parts_{w}_{s}_{device}.png"))
        multi = [w for w in d["workload"].unique() if d[d["workload"] == w]["size"].nunique() > 1]
        if multi:
            fig, axes = plt.subplots(1, len(multi), figsize=(5 * len(multi), 4), squeeze=False)
            for ax, w in zip(axes[0], multi):
                dw = d[d["workload"] == w]
                sizes = sorted(dw["size"].unique(), key=lambda s: _size_rank(w, s))
                for e in engines:
                    de = dw[dw["engine"] == e].set_index("size").reindex(sizes)["median_ms"]
                    if de.notna().any():
                        ax.plot(sizes, de.to_numpy(), marker="o", label=e)
                ax.set_yscale("log")
                ax.set_title(f"{w} on {device}: scaling over sizes")
                ax.set_ylabel("median ms / iteration")
                ax.legend(fontsize=8)
            written.append(_save(fig, out_dir / f"scaling_{device}.png"))
    return written


def _parts_plot(c, title, device):
    """One stacked bar per engine: the breakdown's parts (MB), the peak as a tick, the liveness bound as a
    line."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(1.3 * len(c) + 3.5, 4))
    bottom = np.zeros(len(c))
    colors = plt.get_cmap("tab10").colors
    for i, p in enumerate(memparts.PARTS):
        v = c[f"mem_{p}_mb"].fillna(0).to_numpy(dtype=float)
        ax.bar(c.index, v, bottom=bottom, label=p, color=colors[i % len(colors)])
        bottom += v
    peak = c[peak_column(device)]
    ax.scatter(c.index, peak, marker="_", s=600, color="black", label="measured peak", zorder=3)
    bound = c["live_bound_mb"].dropna()
    if len(bound):
        ax.axhline(float(bound.iloc[0]), color="grey", linestyle="--", label="liveness lower bound")
    ax.set_ylabel("MB at the peak")
    ax.set_title(f"where the peak goes: {title}")
    ax.tick_params(axis="x", rotation=30)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _save(fig, path):
    import matplotlib.pyplot as plt
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fig.savefig(tmp, dpi=100, format="png")
        os.replace(tmp, path)
    except OSError as e:
        raise ReportError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        plt.close(fig)
    return path


def write_report(out, console=None):
    """Summaries, tables (printed and saved as table.txt), summary.csv and plots for a results directory."""
    out = Path(out)
    results, samples, _ = load(out)
    cells = summarize(results, samples)
    _write(out / "summary.csv", cells.to_csv(index=False))
    print_tables(cells, console, save=out / "table.txt")
    checked = int((cells["mem_parts_check"].fillna("") != "").sum()) if "mem_parts_check" in cells else 0
    bad = breakdown_failures(cells)
    if bad:
        _warn(f"the memory breakdown does not add up to the peak in {len(bad)} of {checked} cells: "
              + "; ".join(bad))
    elif checked:
        peak = cells.apply(lambda r: r.get(peak_column(r["device"])), axis=1).astype(float)
        gap = (cells["mem_parts_sum_mb"] / peak - 1).abs().max()
        print(f"memory breakdown: the parts add up to the peak within 5% in all {checked} cells "
              f"(largest gap {100 * gap:.2f}%)")
    try:
        written = plots(cells, out / "plots")
    except OSError as e:
        raise ReportError(f"cannot write the plots under {out / 'plots'}: {e.strerror or e}") from None
    return cells, written


# ---------------------------------------------------------------------------------------------- compare

def compare(dir_a, dir_b):
    """Per cell: median B / median A with both spreads; a change beyond the noise when the p10–p90
    bands do not overlap."""
    a = summarize(*load(dir_a)[:2])
    b = summarize(*load(dir_b)[:2])
    merged = a.merge(b, on=CELL, suffixes=("_a", "_b"))
    merged["ratio"] = merged["median_ms_b"] / merged["median_ms_a"]

    def flag(r):
        if r.status_a != "ok" or r.status_b != "ok":
            return f"{r.status_a} -> {r.status_b}"
        if "samples" not in (r.times_from_a, r.times_from_b) or r.times_from_a != r.times_from_b:
            return "? (samples missing: no spread to compare)"
        if r.p10_ms_b > r.p90_ms_a:
            return "slower"
        if r.p90_ms_b < r.p10_ms_a:
            return "faster"
        return "~ (within noise)"
    merged["change"] = [flag(r) for r in merged.itertuples()]
    return merged


def compare_table(merged, dir_a, dir_b):
    from rich.table import Table
    t = Table(title=f"B / A  (A = {dir_a}, B = {dir_b})")
    for c in ("engine", "workload / size", "device", "A median (p10–p90)", "B median (p10–p90)",
              "B/A", "change"):
        t.add_column(c, justify="right" if "median" in c or c == "B/A" else "left")
    for r in merged.itertuples():
        color = {"slower": "red", "faster": "green"}.get(r.change, "")
        t.add_row(r.engine, f"{r.workload} / {r.size}", r.device,
                  f"{na(r.median_ms_a, '{:.3g}')} ({na(r.p10_ms_a, '{:.3g}')}–{na(r.p90_ms_a, '{:.3g}')})",
                  f"{na(r.median_ms_b, '{:.3g}')} ({na(r.p10_ms_b, '{:.3g}')}–{na(r.p90_ms_b, '{:.3g}')})",
                  na(r.ratio, "{:.2f}"), f"[{color}]{r.change}[/{color}]" if color else r.change)
    return t
