"""Reads a results directory back: per-cell statistics, the rich compare tables, PNG plots, DIR-vs-DIR."""
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

import workloads

UNSTABLE_SPREAD = 0.10     # repeats' medians spreading more than this are flagged
CELL = ["engine", "workload", "size", "device"]
TEXT_COLUMNS = ("run_id", "engine", "workload", "size", "device", "status", "error", "gate", "site",
                "kernel", "phase", "iters_policy", "gpu_name", "gpu_driver", "cupy", "cuda_version")
GPU_COLS = ("gpu_peak_mb", "gpu_pool_mb", "gpu_nvml_used_mb")


def load(out):
    """(results, samples, profile) DataFrames of a results directory (profile may be empty)."""
    out = Path(out)
    path = out / "results.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: is {out} a directory written by `stylebench bench`?")
    results = read_csv(path)
    samples = read_csv(out / "samples.csv") if (out / "samples.csv").exists() else \
        pd.DataFrame(columns=["run_id", "ms"])
    profile = read_csv(out / "profile.csv") if (out / "profile.csv").exists() else pd.DataFrame()
    return results, samples, profile


def read_csv(path):
    """A CSV this harness wrote: names stay strings (a size called "nan" is not NaN), empty is missing."""
    df = pd.read_csv(path, keep_default_na=False, na_values=[""],
                     dtype={c: str for c in TEXT_COLUMNS}, low_memory=False)
    for c in TEXT_COLUMNS:
        if c in df:
            df[c] = df[c].fillna("")
    return df


def _med(series):
    s = pd.to_numeric(series, errors="coerce").dropna()
    return float(s.median()) if len(s) else math.nan


def summarize(results, samples):
    """One row per (engine, workload, size, device): statistics over every iteration of its ok runs."""
    rows = []
    for key, g in results.groupby(CELL, sort=False):
        ok = g[g["status"] == "ok"]
        rec = dict(zip(CELL, key), runs=len(g), ok_runs=len(ok))
        bad = g[g["status"] != "ok"]
        rec["status"] = "ok" if len(ok) else bad["status"].mode().iloc[0]
        rec["failures"] = "; ".join(f"r{r.repeat} {r.status}: {r.error}" for r in bad.itertuples())
        ms = samples.loc[samples["run_id"].isin(ok["run_id"]), "ms"].to_numpy(dtype=float)
        if len(ms):
            rec["p10_ms"], rec["median_ms"], rec["p90_ms"] = np.percentile(ms, [10, 50, 90])
            rec["samples"] = len(ms)
        else:
            rec.update(p10_ms=math.nan, median_ms=math.nan, p90_ms=math.nan, samples=0)
        meds = pd.to_numeric(ok["median_ms"], errors="coerce").dropna()
        rec["repeat_spread"] = float((meds.max() - meds.min()) / meds.median()) if len(meds) > 1 else 0.0
        rec["stable"] = rec["repeat_spread"] <= UNSTABLE_SPREAD
        for col in ("peak_mem_mb", "state_mem_mb", "build_s", "first_iter_ms", "kernel_ms", "overhead_ms",
                    "overhead_pct", "kernel_calls") + GPU_COLS:
            rec[col] = _med(ok[col]) if col in ok else math.nan
        rec["iters"] = _med(ok["iters"])
        rows.append(rec)
    cells = pd.DataFrame(rows)
    if cells.empty:
        return cells
    group = ["workload", "size", "device"]
    ref = cells[cells["engine"] == "reference"].set_index(group)["median_ms"]
    cells["x_ref"] = [r.median_ms / ref.get((r.workload, r.size, r.device), math.nan)
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
    if r.status != "ok":
        why = r.failures.split("; ")[0].split(": ", 1)[-1][:60]
        return f"[red]{r.status}[/red]\n[dim]{why}[/dim]"
    flag = "" if r.stable else f" [yellow]±{100 * r.repeat_spread:.0f}%![/yellow]"
    lines = [f"[bold]{r.median_ms:.3g}[/bold] ms{flag}", f"{r.p10_ms:.3g}–{r.p90_ms:.3g}"]
    mem = r.gpu_peak_mb if r.device == "gpu" else r.peak_mem_mb
    lines.append(f"{na(mem, '{:.3g}')} MB")
    lines.append(f"×{na(r.x_ref, '{:.2f}')} ref  ×{r.x_best:.2f} best")
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
    for device in sorted(set(cells["device"])):
        c = cells[cells["device"] == device]
        mem = "GPU peak in use (CuPy pool hook)" if device == "gpu" else "peak traced bytes (tracemalloc)"
        out.append(_grid(f"median ms/iter on {device} (p10–p90; {mem}; ratio to reference and fastest)",
                         c, _time_cell, "! = repeats' medians spread > 10%; — = not run or unsupported"))
        out.append(_grid(f"set-up on {device}: build s / first iteration ms", c,
                         lambda r: f"{na(r.build_s, '{:.3g}')} s / {na(r.first_iter_ms, '{:.3g}')} ms"))
        if c["kernel_ms"].notna().any():
            out.append(_grid(f"style tax on {device}: engine overhead per step (step − time in kernels)", c,
                             lambda r: f"{na(r.overhead_ms, '{:.3g}')} ms ({na(r.overhead_pct, '{:.0f}')}%)"
                             f"\nkernels {na(r.kernel_ms, '{:.3g}')} ms"
                             f"\n{na(r.kernel_calls, '{:.0f}')} calls/step"
                             f"\n×{na(r.x_ref_tax, '{:.2f}')} ref at equal kernels",
                             "×ref at equal kernels = (floor's kernel ms + this overhead) / floor's step: the "
                             "ratio with the machine's drift taken out"))
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


def print_tables(cells, console=None, save=None):
    from rich.console import Console
    console = console or Console()
    rec = Console(record=True, width=200, file=io.StringIO()) if save else None
    for t in tables(cells):
        console.print(t)
        if rec:
            rec.print(t)
    if rec:
        Path(save).write_text(rec.export_text())


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
        mem_col = "gpu_peak_mb" if device == "gpu" else "peak_mem_mb"
        m = d.pivot_table(index=["workload", "size"], columns="engine", values=mem_col, aggfunc="median")
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


def _save(fig, path):
    import matplotlib.pyplot as plt
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_report(out, console=None):
    """Summaries, tables (printed and saved as table.txt), summary.csv and plots for a results directory."""
    out = Path(out)
    results, samples, _ = load(out)
    cells = summarize(results, samples)
    if cells.empty:
        raise ValueError(f"{out}/results.csv has no rows yet")
    cells.to_csv(out / "summary.csv", index=False)
    print_tables(cells, console, save=out / "table.txt")
    return cells, plots(cells, out / "plots")


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
