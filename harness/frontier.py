"""`stylebench frontier`: the largest batch each engine trains within a memory limit, found by doubling then
bisection, each probe a fresh child process; every probe a CSV row, the frontier a table and a plot.

How a child is held to the limit:
- cpu: `resource.setrlimit(RLIMIT_AS)` in the child before it imports NumPy, with one BLAS/OpenMP thread.
  Tried on every vqa engine at 150-1200 MiB: a real allocation failure (MemoryError from NumPy, what a
  framework hits), reliable with one BLAS thread, so a tracemalloc-peak check was not needed; the limit
  covers the whole process, so the interpreter, NumPy and the engine's code (about 150-250 MiB of address
  space here) count too, and `vm_peak_mb` in each row says what the child reserved. OpenBLAS can abort instead of raising
  when its own start-up allocation fails; the child's stderr then says so and the probe counts as oom.
- gpu: CuPy's default pool is capped with `set_limit(size=LIMIT)`; the pool raises OutOfMemoryError, a
  MemoryError, past it. The CUDA context and NVML's view are outside that limit.
A probe trains two steps (the second catches engines that allocate lazily on first use of a buffer).
"""
import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from harness import machine

OOM_EXIT = 3
FIELDS = ("engine", "workload", "size", "device", "limit_mb", "batch", "status", "vm_peak_mb", "seconds",
          "detail")
# a child that died of an allocation failure outside Python (OpenBLAS's own buffers, glibc)
NATIVE_OOM = re.compile(r"Memory allocation still failed|Cannot allocate memory|std::bad_alloc|MemoryError")
UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
         "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}


class FrontierError(RuntimeError):
    """A probe failed for a reason other than memory (the engine is broken at that batch)."""


def parse_bytes(text):
    """'512MiB', '4G', '300m', '1048576' -> bytes (binary units); ValueError naming the text otherwise."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", str(text))
    if not m or m.group(2).lower() not in UNITS:
        raise ValueError(f"expected a memory size such as 512MiB or 4GiB, got {text!r}")
    n = int(float(m.group(1)) * UNITS[m.group(2).lower()])
    if n <= 0:
        raise ValueError(f"memory limit must be > 0, got {text!r}")
    return n


def child(task):
    """Runs in the probe process: limit, then import, build at the batch, train two steps. Exit 0 ok,
    OOM_EXIT on MemoryError; prints one JSON line with the peak address space."""
    limit = task["limit"]
    if task["device"] == "cpu":
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        import workloads
        w = workloads.get(task["workload"])
        size = w.with_batch(task["size"], task["batch"])
        if task["device"] == "gpu":
            import cupy
            cupy.get_default_memory_pool().set_limit(size=limit)
        trainer = w.trainer(task["engine"], size=size, device=task["device"])
        for b in w.batches(size, 2):
            trainer.step(b)
        if task["device"] == "gpu":
            cupy.cuda.Device().synchronize()
    except MemoryError as e:
        print(json.dumps({"vm_peak_mb": _vm_peak_mb(), "detail": f"{type(e).__name__}: {e}"[:200]}))
        return OOM_EXIT
    print(json.dumps({"vm_peak_mb": _vm_peak_mb(), "detail": ""}))
    return 0


def _vm_peak_mb():
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmPeak:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def probe(engine, workload, batch, limit, device="cpu", size="small", timeout=300.0):
    """One child at `batch`: a row dict with status ok or oom; FrontierError for any other failure."""
    task = dict(engine=engine, workload=workload, batch=batch, limit=limit, device=device, size=size)
    env = dict(os.environ, **{k: "1" for k in machine.THREAD_VARS})
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    t0 = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "harness.frontier", json.dumps(task)], env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise FrontierError(f"{engine} x {workload} at batch {batch}: no result in {timeout:.0f} s") from None
    row = dict(engine=engine, workload=workload, size=size, device=device, limit_mb=round(limit / (1 << 20), 1),
               batch=batch, seconds=round(time.monotonic() - t0, 2), vm_peak_mb=None, detail="")
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if lines:
        row.update(json.loads(lines[-1]))
    if done.returncode == 0:
        row["status"] = "ok"
    elif done.returncode == OOM_EXIT or NATIVE_OOM.search(done.stderr):
        row["status"] = "oom"
        if not row["detail"]:
            row["detail"] = (NATIVE_OOM.search(done.stderr).group(0) if NATIVE_OOM.search(done.stderr)
                             else "")
    else:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise FrontierError(f"{engine} x {workload} at batch {batch} failed (not memory): {tail[0]}")
    return row


def search(run_probe, start=1, max_batch=1 << 16):
    """Doubling from `start` until a probe fails (or max_batch), then bisection between the last ok and
    the first oom. `run_probe(batch) -> row`; returns (largest ok batch or 0, rows in probe order)."""
    rows = []

    def ok(b):
        row = run_probe(b)
        rows.append(row)
        return row["status"] == "ok"

    lo, hi, b = 0, None, start
    while b <= max_batch:
        if ok(b):
            lo = b
            b *= 2
        else:
            hi = b
            break
    if hi is None:          # every doubling fitted: the frontier is at least max_batch's last probe
        return lo, rows
    while hi - lo > 1:     # lo fits (or is 0), hi does not
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo, rows


def frontier(engines, workload, limit, device="cpu", size="small", start=1, max_batch=1 << 16, timeout=300.0,
             on_row=None):
    """{engine: largest batch} and every probe row, engine by engine."""
    best, rows = {}, []
    for engine in engines:
        def run_probe(b, engine=engine):
            row = probe(engine, workload, b, limit, device=device, size=size, timeout=timeout)
            if on_row is not None:
                on_row(row)
            return row
        best[engine], engine_rows = search(run_probe, start=start, max_batch=max_batch)
        rows += engine_rows
    return best, rows


def write(out, best, rows, workload, limit, device, max_batch):
    """probes.csv (every probe), frontier.csv, frontier.png under `out`; returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "probes.csv", "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=FIELDS)
        wr.writeheader()
        wr.writerows({k: r.get(k) for k in FIELDS} for r in rows)
    with open(out / "frontier.csv", "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["engine", "workload", "device", "limit_mb", "max_batch", "capped"])
        for e, b in best.items():  # capped: no probe ran out of memory, so the frontier is max_batch or more
            capped = not any(r["engine"] == e and r["status"] == "oom" for r in rows)
            wr.writerow([e, workload, device, round(limit / (1 << 20), 1), b, capped])
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 0.5 + 0.45 * len(best)))
    names = list(best)
    ax.barh(names, [best[n] for n in names], color="tab:blue")
    ax.invert_yaxis()
    ax.set_xlabel("largest batch that trains a step")
    ax.set_title(f"{workload} on {device}, limit {limit / (1 << 20):.0f} MiB")
    fig.tight_layout()
    fig.savefig(out / "frontier.png", dpi=120)
    plt.close(fig)
    return [out / "probes.csv", out / "frontier.csv", out / "frontier.png"]


def run(args):
    """The CLI subcommand: validate, search every engine, print the table, write the files."""
    import workloads
    from harness import report
    from harness.runner import UsageError, check_device, default_out
    check_device(args.device)
    try:
        limit = parse_bytes(args.memory)
    except ValueError as e:
        raise UsageError(f"--memory: {e}") from None
    engines = [e for part in args.engines for e in part.split(",") if e]
    w = workloads.get(args.workload)
    size = args.size or w.sizes[0]
    w.check_size(size)
    try:
        w.batch_key()       # nothing registered in this process: the children derive the size
    except ValueError as e:
        raise UsageError(str(e)) from None
    for e in engines:
        ok, why = w.supports(e)
        if not ok:
            raise UsageError(why)
    out = args.out or default_out(f"frontier-{args.workload}-{args.device}")
    console = report.console()

    def show(row):
        if not args.quiet:
            console.print(f"  {row['engine']} batch {row['batch']}: {row['status']}")
    try:
        best, rows = frontier(engines, args.workload, limit, device=args.device, size=size, start=args.start,
                              max_batch=args.max_batch, timeout=args.timeout, on_row=show)
    except FrontierError as e:
        raise UsageError(str(e)) from None
    console.print(table(best, rows, args.workload, limit, args.device))
    write(out, best, rows, args.workload, limit, args.device, args.max_batch)
    print(f"results in {out}/ (probes.csv, frontier.csv, frontier.png)")
    return 0


def add_arguments(p):
    p.add_argument("engines", nargs="+", metavar="ENGINES", help="engine ids (comma or space separated)")
    p.add_argument("workload", metavar="WORKLOAD",
                   help="a workload that takes a batch override: vqa, mlp-l2, cnn")
    p.add_argument("--memory", required=True, metavar="LIMIT",
                   help="memory limit per probe, e.g. 512MiB, 4GiB (cpu: the child's whole address space; "
                        "gpu: the CuPy pool)")
    p.add_argument("--device", default="cpu", help="cpu (default) or gpu")
    p.add_argument("--size", help="the size whose batch is varied (default: the workload's first)")
    p.add_argument("--start", type=int, default=1, help="first batch of the doubling (default 1)")
    p.add_argument("--max-batch", type=int, default=1 << 16, help="stop doubling here (default 65536)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per probe (default 300)")
    p.add_argument("--out", help="results directory (default results/frontier-<workload>-<device>-<time>)")
    p.add_argument("--quiet", action="store_true", help="no line per probe")


def table(best, rows, workload, limit, device):
    from rich.table import Table
    t = Table(title=f"memory frontier: {workload} on {device} within {limit / (1 << 20):.0f} MiB")
    for col in ("engine", "largest batch", "probes", "first oom at"):
        t.add_column(col, justify="left" if col == "engine" else "right")
    for e, b in best.items():
        mine = [r for r in rows if r["engine"] == e]
        ooms = [r["batch"] for r in mine if r["status"] == "oom"]
        t.add_row(e, str(b), str(len(mine)), str(min(ooms)) if ooms else "-")
    return t


if __name__ == "__main__":
    sys.exit(child(json.loads(sys.argv[1])))
