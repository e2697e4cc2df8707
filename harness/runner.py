"""The matrix runner: plans (engine, workload, size, device, repeat) runs, spawns one fresh child per run,
turns every failure into a row, appends rows as runs end (so a kill loses nothing) and resumes."""
import contextlib
import csv
import dataclasses
import datetime
import json
import math
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import workloads
from harness import machine, measure

RESULT_COLUMNS = (
    "run_id", "engine", "workload", "size", "device", "repeat", "status", "error", "gate",
    "warmup", "iters", "iters_policy", "build_s", "first_iter_ms", "median_ms", "p10_ms", "p90_ms",
    "mean_ms", "peak_mem_mb", "state_mem_mb", "gpu_peak_mb", "gpu_pool_mb", "gpu_nvml_used_mb",
    "kernel_ms", "overhead_ms", "overhead_pct", "kernel_calls", "profiled_step_ms", "hook_cost_us",
    "loss_first", "loss_last", "threads", "malloc", "wall_s",
    "finished_at", "machine_id", "cpu_model", "cpu_cores", "blas", "blas_version", "blas_threads",
    "blas_coretype", "openblas_coretype", "python", "numpy", "cupy", "gpu_name", "gpu_driver",
    "cuda_version", "platform", "git_commit", "stylebench",
)
RUN_KEY = ("engine", "workload", "size", "device", "repeat")
SAMPLE_COLUMNS = RUN_KEY + ("run_id", "iteration", "ms")
PROFILE_COLUMNS = RUN_KEY + ("run_id", "site", "kernel", "phase", "calls_per_iter", "ms_per_iter")
STATUSES = ("ok", "error", "timeout", "crashed", "oom", "diverged", "invalid")

# the default matrix: every workload's small size, plus these
DEFAULT_EXTRA_SIZES = {"mlp-l2": ("big",)}


class UsageError(ValueError):
    """A bad command-line request (unknown name, bad device, no GPU): one message, exit code 2."""


@dataclasses.dataclass
class Options:
    engines: tuple = ()
    workloads: tuple = ()
    sizes: tuple = ()
    device: str = "cpu"
    warmup: int = 2
    iters: int = 0                # 0: chosen per run from the time budget below
    target_s: float = 1.0         # timed seconds per run when iters is 0
    min_iters: int = 5
    max_iters: int = 200
    mem_iters: int = 2
    mem_repeats: int = 1          # memory pass in the first repeats only: it does not vary between processes
    repeats: int = 3
    threads: int = 1              # 0: every core (multi-threaded BLAS on a busy machine swings wildly)
    malloc: str = "cache"         # see machine.MALLOC_ENV
    timeout: float = 300.0
    out: str = ""
    resume: bool = False
    quick: bool = False
    profile: bool = False
    profile_iters: int = 20
    seed: int = 0
    quiet: bool = False

    def apply_quick(self):
        """--quick: one repeat of the small sizes, a short time budget (the CLI applies explicit values
        after this, so they win)."""
        self.quick = True
        self.repeats = 1
        self.warmup = min(self.warmup, 1)
        self.target_s, self.min_iters, self.max_iters, self.mem_iters = 0.05, 3, 20, 1


def task_defaults(opts):
    return {"warmup": opts.warmup, "iters": opts.iters, "target_s": opts.target_s,
            "min_iters": opts.min_iters, "max_iters": opts.max_iters, "mem_iters": opts.mem_iters,
            "profile": opts.profile, "profile_iters": opts.profile_iters}


def _split(values):
    out = []
    for v in values or ():
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


def check_device(device):
    if device not in workloads.DEVICES:
        raise UsageError(f"unknown device {device!r}; known devices: {', '.join(workloads.DEVICES)}")
    if device == "gpu":
        from frameworks.kernels import BackendError, get_xp
        try:
            get_xp("gpu")
        except BackendError as e:
            raise UsageError(str(e)) from None


def plan(opts):
    """(cells, skipped): cells = [(engine, workload, size)], skipped = [(engine, workload, why)]."""
    check_device(opts.device)
    engines = _split(opts.engines) or workloads.engines()
    names = _split(opts.workloads) or workloads.names()
    sizes = _split(opts.sizes)
    for e in engines:
        if e not in workloads.engines():
            raise UsageError(f"unknown engine {e!r}; known engines: {', '.join(workloads.engines())}")
    for n in names:
        if n not in workloads.names():
            raise UsageError(f"unknown workload {n!r}; known workloads: {', '.join(workloads.names())}")
    specs = {n: workloads.get(n) for n in names}
    for s in sizes:
        if not any(s in w.sizes for w in specs.values()):
            known = sorted({z for w in specs.values() for z in w.sizes})
            raise UsageError(f"unknown size {s!r} for workloads {', '.join(names)}; known sizes: "
                             f"{', '.join(known)}")
    cells, skipped = [], []
    for n, w in specs.items():
        if sizes:
            want = [s for s in sizes if s in w.sizes]
        else:
            extra = () if opts.quick else DEFAULT_EXTRA_SIZES.get(n, ())
            want = [w.sizes[0]] + [s for s in extra if s in w.sizes]
        for e in engines:
            ok, why = w.supports(e)
            if not ok:
                skipped.append((e, n, why))
                continue
            cells.extend((e, n, s) for s in want)
    if not cells:
        raise UsageError("nothing to run: no selected engine supports the selected workloads")
    return cells, skipped


def order_runs(cells, repeats, seed):
    """Every repeat runs every cell once, in a freshly shuffled order, so no engine always runs first."""
    runs = []
    for r in range(repeats):
        batch = list(cells)
        random.Random(seed * 1000 + r).shuffle(batch)
        runs.extend((e, w, s, r) for e, w, s in batch)
    return runs


def run_id(engine, workload, size, device, repeat):
    return f"{engine}|{workload}|{size}|{device}|r{repeat}"


@contextlib.contextmanager
def child_env(threads, malloc="cache"):
    """Thread counts for BLAS/OpenMP and the malloc policy, set in the environment the spawned child
    starts with (glibc and OpenBLAS read them once, at process start)."""
    if malloc not in machine.MALLOC_ENV:
        raise UsageError(f"unknown --malloc {malloc!r}; known: {', '.join(machine.MALLOC_ENV)}")
    values = {k: str(threads) for k in machine.THREAD_VARS}
    values.update(machine.MALLOC_ENV[malloc])
    keys = set(values) | {k for env in machine.MALLOC_ENV.values() for k in env}
    old = {k: os.environ.get(k) for k in keys}
    for k in keys:
        os.environ.pop(k, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def spawn(target, args, timeout, threads, malloc="cache"):
    """Run target(*args, conn) in a fresh spawned process; (result or None, status, error)."""
    ctx = multiprocessing.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(*args, send), daemon=True)
    with child_env(threads, malloc):
        proc.start()
    send.close()
    result = None
    try:
        if recv.poll(timeout):
            try:
                result = recv.recv()
            except EOFError:
                result = None
        else:
            _stop(proc)
            return None, "timeout", f"no result after {timeout:g} s; the run was killed"
        proc.join(30)
    finally:
        if proc.is_alive():
            _stop(proc)
        recv.close()
    if result is not None:
        return result, result.get("status", "ok"), result.get("error", "")
    code = proc.exitcode
    if code is not None and code < 0:
        sig = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        if -code == signal.SIGKILL:
            return None, "oom", f"child killed by {sig} (most likely the kernel's out-of-memory killer)"
        return None, "crashed", f"child killed by signal {sig}"
    return None, "crashed", f"child process exited with code {code} before reporting a result"


def _stop(proc):
    proc.terminate()
    proc.join(5)
    if proc.is_alive():
        proc.kill()
        proc.join(5)


def reference_losses_child(workload, size, device, n, conn):
    """Child entry: the reference trainer's first `n` losses (the equivalence gate's yardstick)."""
    try:
        w = workloads.get(workload)
        t = w.trainer("reference", size, device)
        conn.send({"status": "ok", "losses": [float(t.step(w.batch(i, size))) for i in range(n)]})
    except Exception as e:  # reported, not raised: the gate is then unavailable for this cell
        conn.send({"status": "error", "error": measure.classify(e)[1]})
    conn.close()


class Store:
    """The out directory: results.csv (one row per run), samples.csv, profile.csv, meta.json.

    A run's samples and profile rows are written first and its results row last, each file flushed and
    fsynced, so the results row marks the run done; --resume drops samples of runs without one.
    """

    def __init__(self, out, resume):
        self.out = Path(out)
        self.results = self.out / "results.csv"
        self.samples = self.out / "samples.csv"
        self.profile = self.out / "profile.csv"
        self.gate_file = self.out / "reference_losses.json"
        if self.results.exists() and not resume:
            raise UsageError(f"{self.results} already exists; pass --resume to continue it or choose "
                             "another --out")
        self.out.mkdir(parents=True, exist_ok=True)
        self.done = set()
        if resume and self.results.exists():
            rows = self._read_clean(self.results, RESULT_COLUMNS)
            self.done = {r["run_id"] for r in rows}
            self._read_clean(self.samples, SAMPLE_COLUMNS, keep=self.done)
            self._read_clean(self.profile, PROFILE_COLUMNS, keep=self.done)
        self.ref_losses = {}
        if resume and self.gate_file.exists():
            self.ref_losses = json.loads(self.gate_file.read_text())

    @staticmethod
    def _read_clean(path, columns, keep=None):
        """Rows of a CSV, minus a torn last line and (with `keep`) rows of runs that did not finish."""
        if not path.exists():
            return []
        with open(path, newline="") as f:
            text = f.read()
        torn = bool(text) and not text.endswith("\n")
        if torn:
            text = text[:text.rfind("\n") + 1]
        rows = list(csv.DictReader(text.splitlines()))
        if rows and list(rows[0].keys()) != list(columns):
            raise UsageError(f"{path} has other columns than this version writes; use a new --out")
        good = [r for r in rows if None not in r and (keep is None or r["run_id"] in keep)]
        if len(good) != len(rows) or torn or keep is not None:
            with open(path, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
                w.writeheader()
                w.writerows(good)
        return good

    @staticmethod
    def _append(path, columns, rows):
        new = not path.exists() or path.stat().st_size == 0
        with open(path, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
            if new:
                w.writeheader()
            w.writerows(rows)
            f.flush()
            os.fsync(f.fileno())

    def write_run(self, row, samples, sites):
        key = {k: row[k] for k in RUN_KEY + ("run_id",)}
        if samples:
            self._append(self.samples, SAMPLE_COLUMNS,
                         [dict(key, iteration=i, ms=f"{ms:.6f}") for i, ms in enumerate(samples)])
        if sites:
            self._append(self.profile, PROFILE_COLUMNS, [dict(key, **s) for s in sites])
        self._append(self.results, RESULT_COLUMNS, [row])
        self.done.add(row["run_id"])

    def save_gate(self):
        self.gate_file.write_text(json.dumps(self.ref_losses, indent=1))


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    return v


def make_row(run, device, result, status, error, meta, threads, wall_s, gate_note,
             malloc="cache"):
    engine, workload, size, repeat = run
    row = {c: "" for c in RESULT_COLUMNS}
    row.update(meta)
    row.update({k: _fmt(v) for k, v in (result or {}).items() if k in RESULT_COLUMNS})
    row.update(run_id=run_id(engine, workload, size, device, repeat), engine=engine, workload=workload,
               size=size, device=device, repeat=repeat, status=status, error=error, gate=gate_note,
               threads=threads, malloc=malloc, wall_s=f"{wall_s:.3f}",
               finished_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    if status != "ok":      # a failed or invalid run shows no time
        for c in ("median_ms", "p10_ms", "p90_ms", "mean_ms", "iters"):
            row[c] = ""
    return row


def default_out(device):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return str(machine.ROOT / "results" / f"{device}-{stamp}")


def _progress(quiet):
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)
    if quiet:
        return None
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())


def bench(opts):
    """Run the matrix described by `opts`; returns the out directory (a Path)."""
    cells, skipped = plan(opts)
    threads = opts.threads or os.cpu_count() or 1
    out = opts.out or default_out(opts.device)
    store = Store(out, opts.resume)
    host = machine.host_info(opts.device)
    meta = dict(host, machine_id=machine.machine_id(host["cpu_model"], host["cpu_cores"]))
    meta.pop("python_executable")
    runs = [r for r in order_runs(cells, opts.repeats, opts.seed)
            if run_id(r[0], r[1], r[2], opts.device, r[3]) not in store.done]
    info = {"options": dataclasses.asdict(opts), "threads": threads, "host": host,
            "iters_policy": measure.iteration_policy(task_defaults(opts)),
            "gate": {"iterations": measure.GATE_ITERS, "rtol": measure.GATE_RTOL},
            "skipped": [{"engine": e, "workload": w, "why": why} for e, w, why in skipped],
            "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    (store.out / "meta.json").write_text(json.dumps(info, indent=1, default=str))
    _link_latest(store.out)
    progress = _progress(opts.quiet)
    with progress or contextlib.nullcontext(), _sigterm_interrupts():
        bar = progress.add_task("runs", total=len(runs)) if progress else None
        for run in runs:
            engine, workload, size, repeat = run
            if progress:
                progress.update(bar, description=f"{engine} {workload}/{size} r{repeat}")
            row, samples, sites = one_run(run, opts, store, meta, threads)
            store.write_run(row, samples, sites)
            if progress:
                progress.advance(bar)
    info["finished_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    (store.out / "meta.json").write_text(json.dumps(info, indent=1, default=str))
    return store.out


@contextlib.contextmanager
def _sigterm_interrupts():
    """SIGTERM stops the matrix like Ctrl-C does: the run in flight is killed, finished rows stay."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:            # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def gate_losses(store, workload, size, device, opts, threads):
    """The reference trainer's first losses for this cell, computed once per out directory."""
    key = f"{workload}|{size}|{device}"
    if key not in store.ref_losses:
        res, status, error = spawn(reference_losses_child, (workload, size, device, measure.GATE_ITERS),
                                   opts.timeout, threads, opts.malloc)
        store.ref_losses[key] = res["losses"] if status == "ok" else f"unavailable: {error}"
        store.save_gate()
    return store.ref_losses[key]


def one_run(run, opts, store, meta, threads):
    engine, workload, size, repeat = run
    task = dict(task_defaults(opts), engine=engine, workload=workload, size=size, device=opts.device,
                repeat=repeat, ref_losses=None)
    if repeat >= opts.mem_repeats:
        task["mem_iters"] = 0
    gate_note = "self"
    if engine != "reference":
        ref = gate_losses(store, workload, size, opts.device, opts, threads)
        if isinstance(ref, str):
            gate_note = ref
        else:
            task["ref_losses"], gate_note = ref, "checked"
    t0 = time.perf_counter()
    result, status, error = spawn(measure.child_main, (task,), opts.timeout, threads, opts.malloc)
    wall = time.perf_counter() - t0
    if status == "invalid":
        gate_note = "failed"
    elif status == "ok" and gate_note == "checked":
        gate_note = "passed"
    if engine == "reference" and status == "ok" and result.get("losses_head"):
        key = f"{workload}|{size}|{opts.device}"
        if not isinstance(store.ref_losses.get(key), list):
            store.ref_losses[key] = result["losses_head"]
            store.save_gate()
    row = make_row(run, opts.device, result, status, error, meta, threads, wall, gate_note, opts.malloc)
    samples = (result or {}).get("samples_ms") if status == "ok" else None
    return row, samples, (result or {}).get("profile_sites")


def _link_latest(out):
    """results/latest points at the newest out directory (for `report` and `--resume` without --out)."""
    link = machine.ROOT / "results" / "latest"
    try:
        if out.resolve().parent != link.parent.resolve():
            return
        tmp = link.with_name(".latest.tmp")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(out.name)
        os.replace(tmp, link)
    except OSError:
        pass
