"""The matrix runner: plans (engine, workload, size, device, repeat) runs, spawns one fresh child per run,
turns every failure into a row, appends rows as runs end (so a kill loses nothing) and resumes."""
import contextlib
import csv
import ctypes
import dataclasses
import datetime
import importlib.util
import io
import json
import math
import multiprocessing
import multiprocessing.connection as mp_connection
import os
import random
import signal
import socket
import sys
import time
from pathlib import Path

try:
    import fcntl
except ImportError:          # not POSIX: results directories are not locked
    fcntl = None

import workloads
from harness import machine, measure, memparts

RESULT_COLUMNS = (
    "run_id", "engine", "workload", "size", "device", "repeat", "status", "error", "gate",
    "time_status", "mem_status", "mem_error", "profile_status", "profile_error",
    "warmup", "iters", "iters_policy", "build_s", "first_iter_ms", "median_ms", "p10_ms", "p90_ms",
    "mean_ms", "peak_mem_mb", "state_mem_mb", "gpu_peak_mb", "gpu_pool_mb", "gpu_nvml_used_mb",
    *memparts.COLUMNS,
    "kernel_ms", "overhead_ms", "overhead_pct", "kernel_calls", "profiled_step_ms", "hook_cost_us",
    "loss_first", "loss_last", "threads", "malloc", "wall_s",
    "finished_at", "host", "attempt", "machine_id", "cpu_model", "cpu_cores", "blas", "blas_version",
    "blas_threads", "blas_coretype", "openblas_coretype", "python", "numpy", "cupy", "gpu_name", "gpu_driver",
    "cuda_version", "platform", "git_commit", "stylebench",
)
RUN_KEY = ("engine", "workload", "size", "device", "repeat")
SAMPLE_COLUMNS = RUN_KEY + ("run_id", "iteration", "ms")
PROFILE_COLUMNS = RUN_KEY + ("run_id", "site", "kernel", "phase", "calls_per_iter", "ms_per_iter")
# unverified: timed, but the reference trainer could not run, so nothing checked the arithmetic
STATUSES = ("ok", "error", "timeout", "crashed", "oom", "diverged", "invalid", "unverified")
MEASURED = ("ok", "unverified")          # statuses whose times are kept
PASS_OK = ("ok", "skipped")              # a later pass's status that is not a failure

# the default matrix: every workload's small size, plus these
DEFAULT_EXTRA_SIZES = {"mlp-l2": ("big",)}
# options that decide what a results directory measures: --resume must not change any of them
PLAN_OPTIONS = ("engines", "workloads", "sizes", "device", "warmup", "iters", "target_s", "min_iters",
                "max_iters", "mem_iters", "mem_repeats", "repeats", "threads", "malloc", "timeout",
                "profile", "profile_iters", "seed", "quick")
LIST_OPTIONS = ("engines", "workloads", "sizes")


class UsageError(ValueError):
    """A bad command-line request (unknown name, bad device, no GPU): one message, exit code 2."""


class StoreError(OSError):
    """The results directory could not be written (disk full, removed): one message, exit code 1."""


@dataclasses.dataclass
class Options:
    engines: tuple = ()
    workloads: tuple = ()
    sizes: tuple = ()
    device: str = "cpu"
    warmup: int = 2
    iters: int = 0                # 0: chosen per run from the time budget below ("auto" on the CLI)
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
    executor: str = "local"       # local: one run at a time here; dask: see harness/dask_executor.py
    scheduler: str = ""           # dask: a scheduler's address; empty: a LocalCluster on this machine
    workers: int = 2              # dask LocalCluster: worker processes (one thread each)
    per_host: int = 1             # dask: runs at once per worker host (1 keeps timings undisturbed)

    def apply_quick(self):
        """--quick: one repeat of the small sizes, a short time budget (the CLI applies explicit values
        after this, so they win)."""
        self.quick = True
        self.repeats = 1
        self.warmup = min(self.warmup, 1)
        self.target_s, self.min_iters, self.max_iters, self.mem_iters = 0.05, 3, 20, 1

    def validate(self):
        """UsageError naming the first option out of range (the CLI checks each value as it parses;
        this also guards callers of bench() and the combinations)."""
        for name, low in INT_RANGES.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise UsageError(f"{flag(name)} must be an integer >= {low}, got {v!r}")
        for name in ("timeout", "target_s"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise UsageError(f"{flag(name)} must be a finite number of seconds > 0, got {v!r}")
        if self.min_iters > self.max_iters:
            how = " (--quick sets 3..20)" if self.quick else ""
            raise UsageError(f"--min-iters {self.min_iters} is above --max-iters {self.max_iters}{how}")
        if self.malloc not in machine.MALLOC_ENV:
            raise UsageError(f"unknown --malloc {self.malloc!r}; known: {', '.join(machine.MALLOC_ENV)}")
        for name in LIST_OPTIONS:
            raw = getattr(self, name)
            if isinstance(raw, str):
                raw = (raw,)
            if raw and not _split(raw):
                raise UsageError(f"{flag(name)} names nothing: {' '.join(map(repr, raw))}")
        if self.executor not in EXECUTORS:
            raise UsageError(f"unknown --executor {self.executor!r}; known: {', '.join(EXECUTORS)}")
        if self.executor == "dask" and importlib.util.find_spec("distributed") is None:
            from harness.dask_executor import EXTRA
            raise UsageError(EXTRA)
        if self.executor != "dask":
            for name in ("scheduler", "workers", "per_host"):
                if getattr(self, name) != getattr(Options, name):
                    raise UsageError(f"{flag(name)} applies to --executor dask only")


# the smallest value of each integer option (iters 0 = auto, only through the API)
INT_RANGES = {"warmup": 0, "iters": 0, "min_iters": 1, "max_iters": 1, "mem_iters": 0, "mem_repeats": 0,
              "repeats": 1, "threads": 0, "profile_iters": 1, "seed": 0, "workers": 1, "per_host": 1}
EXECUTORS = ("local", "dask")


def flag(name):
    """The command-line spelling of an Options field."""
    return "--" + name.replace("_", "-")


def task_defaults(opts):
    return {"warmup": opts.warmup, "iters": opts.iters, "target_s": opts.target_s,
            "min_iters": opts.min_iters, "max_iters": opts.max_iters, "mem_iters": opts.mem_iters,
            "profile": opts.profile, "profile_iters": opts.profile_iters}


def _split(values):
    """Names from "a,b c" style options, in order, each once."""
    if isinstance(values, str):
        values = (values,)
    out = []
    for v in values or ():
        for x in v.split(","):
            if x.strip() and x.strip() not in out:
                out.append(x.strip())
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


def _unknown(kind, given, known):
    bad = [x for x in given if x not in known]
    if bad:
        what = f"{kind} {bad[0]!r}" if len(bad) == 1 else f"{kind}s {', '.join(map(repr, bad))}"
        raise UsageError(f"unknown {what}; known {kind}s: {', '.join(known)}")


def plan(opts):
    """(cells, skipped): cells = [(engine, workload, size)], skipped = [(engine, workload, why)]."""
    check_device(opts.device)
    engines = _split(opts.engines) or workloads.engines()
    names = _split(opts.workloads) or workloads.names()
    sizes = _split(opts.sizes)
    _unknown("engine", engines, workloads.engines())
    _unknown("workload", names, workloads.names())
    specs = {n: workloads.get(n) for n in names}
    known = list(dict.fromkeys(z for w in specs.values() for z in w.sizes))
    bad = [s for s in sizes if s not in known]
    if bad:
        raise UsageError(f"unknown size{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad))} for "
                         f"workloads {', '.join(names)}; known sizes: {', '.join(known)}")
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


# ------------------------------------------------------------------------------------ child processes

PR_SET_PDEATHSIG = 1
DONE = {"pass": "done"}       # the child's last message: it finished, whatever each pass said


def _die_with_parent_signal():
    """Linux: SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):    # no libc prctl (an unusual libc): the group kill still applies
        pass


def _child_entry(target, args, conn, parent_pid):
    """First code of every spawned child: its own process group (so the runner can kill it together with
    anything it forks), death with the runner (a killed runner leaves nothing measuring), then the task."""
    try:
        os.setsid()
    except OSError:
        pass
    _die_with_parent_signal()
    # what the run forks dies with it too (fork resets the parent-death signal); the runner kills the
    # whole group after every run besides
    os.register_at_fork(after_in_child=_die_with_parent_signal)
    if os.getppid() != parent_pid:      # the runner died before the signal was armed
        os._exit(1)
    target(*args, conn)
    conn.send(DONE)
    conn.close()


def _kill_group(proc):
    """SIGKILL the child's process group (the child and whatever it forked), then the child itself in
    case it died or was stopped before it made its own group."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.exitcode is None:
        proc.kill()
    proc.join(10)


def spawn(target, args, timeout, threads, malloc="cache"):
    """Run target(*args, conn) in a fresh spawned process; (messages, status, error).

    `messages` are the dicts the child sent, in order; status is "ok" when it finished, else how it
    ended: timeout (killed after `timeout` seconds), crashed (died: exit code or signal), oom (SIGKILL the
    runner did not send). A child that exits is noticed at once even when something it forked keeps the
    pipe open; after every run its whole process group is killed, so nothing it started lives on."""
    ctx = multiprocessing.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_entry, args=(target, args, send, os.getpid()), daemon=True)
    with child_env(threads, malloc):
        proc.start()
    send.close()
    messages, finished, killed = [], False, False
    deadline = time.monotonic() + timeout
    # the child's end is seen on a pidfd (Linux), else by polling: not on the pipe or process sentinel,
    # which anything the child forked holds open as long as it lives
    try:
        exit_fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        exit_fd = None
    try:
        while not finished:
            left = deadline - time.monotonic()
            if left <= 0:
                killed = True
                _kill_group(proc)
                break
            waitables = [recv] if exit_fd is None else [recv, exit_fd]
            ready = mp_connection.wait(waitables, timeout=left if exit_fd is not None else min(left, 0.05))
            if recv in ready:
                try:
                    msg = recv.recv()
                except (EOFError, OSError):          # every writer is gone: the child is ending
                    proc.join(timeout=max(deadline - time.monotonic(), 0.1))
                    killed = proc.exitcode is None
                    break
                if msg == DONE:
                    finished = True
                else:
                    messages.append(msg)
                continue
            if exit_fd is None and proc.exitcode is None:
                continue
            if exit_fd is not None and exit_fd not in ready:
                continue
            # the child exited; kill what it forked (which may hold the pipe open), then read what it sent
            _kill_group(proc)
            while recv.poll(1):
                try:
                    msg = recv.recv()
                except (EOFError, OSError):
                    break
                finished = finished or msg == DONE
                if msg != DONE:
                    messages.append(msg)
            break
        if finished:
            proc.join(max(deadline - time.monotonic(), 5))
    finally:
        _kill_group(proc)           # leftovers of a finished run, or the run in flight on Ctrl-C
        recv.close()
        if exit_fd is not None:
            os.close(exit_fd)
    if finished:
        return messages, "ok", ""
    if killed:
        return messages, "timeout", f"no result after {timeout:g} s; the run was killed"
    code = proc.exitcode
    when = "before finishing" if messages else "before reporting a result"
    if code is not None and code < 0:
        sig = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        if -code == signal.SIGKILL:
            return messages, "oom", (f"child killed by {sig} {when} (most likely the kernel's "
                                     "out-of-memory killer)")
        return messages, "crashed", f"child killed by signal {sig} {when}"
    return messages, "crashed", f"child process exited with code {code} {when}"


def reference_child(workload, size, device, n, bound, conn):
    """Child entry: what a cell's runs compare with, from the reference trainer: its first `n` losses (the
    equivalence gate's yardstick; none when n is 0) and, with `bound`, the liveness lower bound of its step
    (the memory breakdown's column; it depends on the cell only, so it is computed once per cell)."""
    out = {}
    try:
        w = workloads.get(workload)
        if n:
            t = w.trainer("reference", size, device)
            out["losses"] = [float(t.step(w.batch(i, size))) for i in range(n)]
            t = None
    except Exception as e:  # reported, not raised: the gate is then unavailable for this cell
        out["losses"] = "unavailable: " + measure.classify(e)[1]
    if bound:
        try:
            out["live_bound"] = measure.reference_bound(workloads.get(workload), size, device)
        except Exception as e:  # the column is then empty; the runs go on
            out["live_bound"] = "unavailable: " + measure.classify(e)[1]
    conn.send(out)


# ------------------------------------------------------------------------------------ the out directory

def write_atomic(path, text):
    """Replace `path` with `text` as a whole: written to a temporary file beside it, fsynced, renamed
    (a kill or a full disk leaves the old file or the new one, never half of one)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):       # the rename itself durable too
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def check_out(out):
    """UsageError when `out` cannot be a results directory: a file, under a file, or not creatable."""
    p = Path(out)
    try:
        if p.exists() and not p.is_dir():
            raise UsageError(f"--out {out}: is a file, not a directory")
        above = p
        while not above.exists() and above != above.parent:
            above = above.parent
        if not above.is_dir():
            raise UsageError(f"--out {out}: {above} is a file, so no directory can be made under it")
    except OSError as e:
        raise UsageError(f"--out {out}: {e.strerror or e}") from None


def _csv_text(columns, rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


class Store:
    """The out directory: results.csv (one row per run), samples.csv, profile.csv, meta.json, and
    reference_losses.json; held under an exclusive lock (.lock) while open, so one writer at a time.

    A run's samples and profile rows are written first and its results row last, each file flushed and
    fsynced, so the results row marks the run done; --resume drops samples of runs without one. Files
    that are rewritten rather than appended are replaced whole (write_atomic).
    """

    def __init__(self, out, resume):
        self.out = Path(out)
        self.results = self.out / "results.csv"
        self.samples = self.out / "samples.csv"
        self.profile = self.out / "profile.csv"
        self.gate_file = self.out / "reference_losses.json"
        self.bound_file = self.out / "live_bounds.json"
        self.meta_file = self.out / "meta.json"
        self.warnings = []
        self.done = set()
        self._lock = None
        check_out(out)
        if self.results.exists() and not resume:
            raise UsageError(f"{self.results} already exists; pass --resume to continue it or choose "
                             "another --out")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.out / ".lock", "a+")
        except OSError as e:
            raise UsageError(f"--out {out}: cannot write there: {e.strerror or e}") from None
        try:
            self._take_lock()
            if resume and self.results.exists():
                rows = self._read_clean(self.results, RESULT_COLUMNS)
                self.done = {r["run_id"] for r in rows}
                self._read_clean(self.samples, SAMPLE_COLUMNS, keep=self.done)
                self._read_clean(self.profile, PROFILE_COLUMNS, keep=self.done)
            self.ref_losses = self._read_map(self.gate_file, _losses_or_why) if resume else {}
            self.live_bounds = self._read_map(self.bound_file, _bytes_or_why) if resume else {}
        except BaseException:
            self.close()
            raise

    def _take_lock(self):
        if fcntl is None:        # not POSIX: no lock, as before
            return
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.seek(0)
            pid = (self._lock.read().split() or ["?"])[0]
            raise UsageError(f"{self.out} is being written by another `stylebench bench` (pid {pid}); wait "
                             "for it to finish or choose another --out") from None
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(f"{os.getpid()}\n")
        self._lock.flush()

    def close(self):
        if self._lock is not None:
            self._lock.close()         # closing the file releases the flock
            self._lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def writing(self, what):
        """An OSError while writing `what` (a full disk...) becomes one StoreError saying what is kept."""
        try:
            yield
        except OSError as e:
            if isinstance(e, StoreError):
                raise
            why = e.strerror or str(e)
            raise StoreError(f"cannot write {what}: {why}; the {len(self.done)} runs finished before it "
                             "are saved (`stylebench bench --resume --out DIR` continues)") from None

    def _read_map(self, path, valid):
        """A cell -> value JSON map this store wrote (reference losses, liveness bounds); an unreadable one
        is a warning and computed again."""
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text())
            if not isinstance(data, dict) or not all(valid(v) for v in data.values()):
                raise ValueError(f"not a map of cell -> {valid.__doc__}")
        except (ValueError, UnicodeDecodeError) as e:
            self.warnings.append(f"{path.name} in {self.out} is unreadable ({str(e)[:80]}), torn by an "
                                 f"interrupted older run?; the {valid.__doc__} are computed again")
            return {}
        return data

    def read_meta(self):
        return read_meta(self.out)

    def write_meta(self, info):
        with self.writing(self.meta_file):
            write_atomic(self.meta_file, json.dumps(info, indent=1, default=str))

    def _read_clean(self, path, columns, keep=None):
        """Rows of a CSV, minus a torn last line and (with `keep`) rows of runs that did not finish."""
        if not path.exists():
            return []
        try:
            with open(path, newline="") as f:
                text = f.read()
        except UnicodeDecodeError:
            raise UsageError(f"{path} is not a text CSV (binary?); use a new --out") from None
        if "\0" in text:
            raise UsageError(f"{path} holds NUL bytes (not a CSV this harness wrote); use a new --out")
        torn = bool(text) and not text.endswith("\n")
        if torn:
            text = text[:text.rfind("\n") + 1]
        rows = list(csv.DictReader(text.splitlines()))
        header = text.split("\n", 1)[0].split(",") if text else []
        if text and header != list(columns):
            raise UsageError(f"{path} has other columns than this version writes; use a new --out")
        good = [r for r in rows if None not in r and None not in r.values()
                and (keep is None or r["run_id"] in keep)]
        if len(good) != len(rows) or torn or keep is not None:
            with self.writing(path):
                write_atomic(path, _csv_text(columns, good))
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
            with self.writing(self.samples):
                self._append(self.samples, SAMPLE_COLUMNS,
                             [dict(key, iteration=i, ms=f"{ms:.6f}") for i, ms in enumerate(samples)])
        if sites:
            with self.writing(self.profile):
                self._append(self.profile, PROFILE_COLUMNS, [dict(key, **s) for s in sites])
        with self.writing(self.results):
            self._append(self.results, RESULT_COLUMNS, [row])
        self.done.add(row["run_id"])

    def save_gate(self):
        with self.writing(self.gate_file):
            write_atomic(self.gate_file, json.dumps(self.ref_losses, indent=1))

    def save_reference(self, key, got):
        """Record what a reference child computed for cell `key` (reference_child's dict)."""
        if "losses" in got:
            self.ref_losses[key] = got["losses"]
            self.save_gate()
        if "live_bound" in got:
            self.live_bounds[key] = got["live_bound"]
            with self.writing(self.bound_file):
                write_atomic(self.bound_file, json.dumps(self.live_bounds, indent=1))


def _losses_or_why(v):
    """reference losses"""
    return isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, (int, float)) for x in v))


def _bytes_or_why(v):
    """liveness bounds"""
    return isinstance(v, (str, int, float))


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
               threads=threads, malloc=malloc, wall_s=f"{wall_s:.3f}", attempt=row["attempt"] or 1,
               finished_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    for c in ("error", "gate", "mem_error", "profile_error"):
        row[c] = scrub(row[c])
    if status not in MEASURED:      # a failed or invalid run shows no time
        for c in ("median_ms", "p10_ms", "p90_ms", "mean_ms", "iters"):
            row[c] = ""
    return row


def default_out(prefix):
    """A new folder results/<prefix>-<local time> for one command's output (bench: <device>-<time>; the
    seed table and the frontier name theirs)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return str(machine.ROOT / "results" / f"{prefix}-{stamp}")


def _progress(quiet):
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)
    if quiet:
        return None
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())


def recorded_options(opts):
    """The options that decide what a directory measures, as meta.json records them."""
    rec = {k: getattr(opts, k) for k in PLAN_OPTIONS}
    for k in LIST_OPTIONS:
        rec[k] = list(_split(rec[k]))
    return rec


def option_differences(recorded, opts):
    """'--iters 50 (recorded: 5)' for each plan option of `opts` that differs from meta.json's."""
    now = recorded_options(opts)

    def show(k, v):
        if k in LIST_OPTIONS:
            return ",".join(v) if v else "(default)"
        if isinstance(v, bool):
            return "on" if v else "off"
        return "auto" if k == "iters" and v == 0 else f"{v:g}" if isinstance(v, float) else str(v)
    diffs = []
    for k in PLAN_OPTIONS:
        a, b = recorded.get(k), now[k]
        same = a == b or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                          and not isinstance(a, bool) and float(a) == float(b))
        if not same:
            diffs.append(f"{flag(k)} {show(k, b)} (recorded: {show(k, a)})")
    return diffs


def options_from_meta(meta, **extra):
    """Options that continue the plan meta.json records (for `--resume` given no other option)."""
    rec = dict(meta["options"])
    for k in LIST_OPTIONS:
        rec[k] = tuple(rec.get(k) or ())
    known = {f.name for f in dataclasses.fields(Options)}
    return Options(**{k: v for k, v in rec.items() if k in known}, **extra)


def read_meta(out):
    """meta.json of a results directory as bench() wrote it; None when there is none yet; UsageError when
    it cannot say which plan the directory holds."""
    path = Path(out) / "meta.json"
    if not path.exists():
        return None
    try:
        meta = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise UsageError(f"{path} is unreadable ({str(e)[:80]}): cannot tell which plan to resume; start "
                         "a new --out") from None
    if not isinstance(meta, dict) or "plan" not in meta or "options" not in meta:
        raise UsageError(f"{path} records no plan (written by an older stylebench): cannot tell which "
                         "runs to resume; start a new --out")
    return meta


def scrub(text):
    """A message as a row may record it: no absolute local path (the repository's prefix is dropped,
    the home directory becomes ~)."""
    if not isinstance(text, str):
        return text
    text = text.replace(str(machine.ROOT) + os.sep, "").replace(str(machine.ROOT), ".")
    home = os.path.expanduser("~")
    return text.replace(home + os.sep, "~" + os.sep) if len(home) > 1 else text


def bench(opts):
    """Run the matrix described by `opts`; returns the out directory (a Path)."""
    opts.validate()
    check_device(opts.device)
    out = opts.out or default_out(opts.device)
    check_out(out)
    planned = None if opts.resume else plan(opts)
    with Store(out, opts.resume) as store:
        for w in store.warnings:
            print(f"stylebench bench: warning: {w}", file=sys.stderr)
        meta_before = store.read_meta() if opts.resume else None
        if meta_before is not None:
            diffs = option_differences(meta_before["options"], opts)
            if diffs:
                raise UsageError(f"--resume: {store.meta_file} records another plan; these options differ: "
                                 f"{'; '.join(diffs)} (resume with no options, or choose another --out)")
            info = meta_before
            all_runs = [tuple(r) for r in info["plan"]["runs"]]
        else:
            if opts.resume:
                what = "has results but" if store.done else "has"
                raise UsageError(f"--resume: {store.out} {what} no meta.json: no recorded plan to continue "
                                 f"({'start a new --out' if store.done else 'run without --resume'})")
            cells, skipped = planned
            all_runs = order_runs(cells, opts.repeats, opts.seed)
            info = {"options": recorded_options(opts),
                    "plan": {"cells": [list(c) for c in cells], "runs": [list(r) for r in all_runs]},
                    "iters_policy": measure.iteration_policy(task_defaults(opts)),
                    "gate": {"iterations": measure.GATE_ITERS, "rtol": measure.GATE_RTOL},
                    "skipped": [{"engine": e, "workload": w, "why": why} for e, w, why in skipped]}
        threads = opts.threads or os.cpu_count() or 1
        host, meta = host_meta(opts.device)
        info.update(threads=threads, host=host, executor=opts.executor,
                    started_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
        info.pop("finished_at", None)
        store.write_meta(info)
        _link_latest(store.out)
        runs = [r for r in all_runs if run_id(r[0], r[1], r[2], opts.device, r[3]) not in store.done]
        progress = _progress(opts.quiet)
        with progress or contextlib.nullcontext(), _sigterm_interrupts():
            bar = progress.add_task("runs", total=len(runs)) if progress else None
            if opts.executor == "dask":
                from harness import dask_executor
                dask_executor.execute(runs, opts, store, progress, bar)
            else:
                for run in runs:
                    engine, workload, size, repeat = run
                    if progress:
                        progress.update(bar, description=f"{engine} {workload}/{size} r{repeat}")
                    row, samples, sites = one_run(run, opts, store, meta, threads)
                    store.write_run(row, samples, sites)
                    if progress:
                        progress.advance(bar)
        info["finished_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        store.write_meta(info)
    return store.out


def verdict(out):
    """(planned, not_ok): how many runs meta.json plans, and 'run_id: status' for each that is not ok
    (a failed or unverified run, a failed memory or style-tax pass, or a run with no row)."""
    meta = read_meta(out) or {"plan": {"runs": []}, "options": {"device": "cpu"}}
    device = meta["options"].get("device", "cpu")
    planned = [run_id(e, w, s, device, r) for e, w, s, r in meta["plan"]["runs"]]
    rows = {}
    path = Path(out) / "results.csv"
    if path.exists():
        with open(path, newline="") as f:
            rows = {r["run_id"]: r for r in csv.DictReader(f)}
    bad = []
    for rid in planned:
        r = rows.get(rid)
        if r is None:
            bad.append(f"{rid}: no row")
        elif r["status"] != "ok":
            bad.append(f"{rid}: {r['status']}")
        else:
            for p in measure.LATER_PASSES:
                if r.get(f"{p}_status", "ok") not in PASS_OK:
                    bad.append(f"{rid}: {p} pass {r[f'{p}_status']}")
    return len(planned), bad


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


def cell_reference(store, workload, size, opts, threads, gate, bound):
    """(losses, bound) of a cell: the reference trainer's first losses (with `gate`) and the liveness bound
    of its step (with `bound`), each computed once per out directory, what is missing in one child."""
    key = gate_key(workload, size, opts.device)
    gate, bound = gate and key not in store.ref_losses, bound and key not in store.live_bounds
    if gate or bound:
        store.save_reference(key, reference_cell(workload, size, opts.device, opts, threads, gate, bound))
    return store.ref_losses.get(key), store.live_bounds.get(key)


def wants_memory(opts, repeat):
    """Whether this repeat of a cell runs the memory pass (and so needs the cell's liveness bound)."""
    return opts.mem_iters > 0 and repeat < opts.mem_repeats


def merge_passes(messages, end_status, end_error):
    """One result dict from the child's per-pass messages and how it ended. A pass that did not report
    failed the way the child ended; passes after it did not run; earlier passes keep their numbers."""
    result = {}
    for m in messages:
        result.update(m)
    if "time_status" not in result:
        status = end_status if end_status != "ok" else "crashed"
        error = end_error or "the child finished without reporting its timing pass"
        result.update(status=status, error=error, time_status=status)
        for p in measure.LATER_PASSES:
            result.update({f"{p}_status": "not run", f"{p}_error": "the timing pass failed"})
        return result
    blamed = end_status == "ok"
    for p in result.get("passes", ()):
        if f"{p}_status" in result:
            continue
        if not blamed:
            result.update({f"{p}_status": end_status, f"{p}_error": end_error})
            blamed = True
        else:
            result.update({f"{p}_status": "not run", f"{p}_error": "an earlier pass ended the run"})
    return result


def host_meta(device):
    """(host, meta): this machine as meta.json records it, and the machine columns of its rows."""
    host = machine.host_info(device)
    host.pop("python_executable", None)     # an absolute local path: nothing another machine can use
    meta = dict(host, host=socket.gethostname(),
                machine_id=machine.machine_id(host["cpu_model"], host["cpu_cores"]))
    return host, meta


def gate_key(workload, size, device):
    return f"{workload}|{size}|{device}"


def reference_cell(workload, size, device, opts, threads, gate=True, bound=False):
    """From a fresh child: {"losses": the reference trainer's first losses} (with `gate`) and
    {"live_bound": bytes} (with `bound`), each "unavailable: why" when it cannot be had."""
    msgs, status, error = spawn(reference_child, (workload, size, device, measure.GATE_ITERS if gate else 0,
                                                  bound), opts.timeout, threads, opts.malloc)
    got = msgs[0] if msgs and status == "ok" else {}
    wanted = [k for k, on in (("losses", gate), ("live_bound", bound)) if on]
    return {k: got.get(k, f"unavailable: {error or 'the reference child sent nothing'}") for k in wanted}


def one_run(run, opts, store, meta, threads):
    engine, workload, size, repeat = run
    ref, bound = cell_reference(store, workload, size, opts, threads, engine != "reference",
                                wants_memory(opts, repeat))
    row, samples, sites, head = execute_run(run, opts, None if engine == "reference" else ref, meta, threads,
                                            bound)
    record_reference_head(store, run, opts.device, head)
    return row, samples, sites


def record_reference_head(store, run, device, head):
    """A reference run's first losses become its cell's gate when none was computed yet."""
    key = gate_key(run[1], run[2], device)
    if head and not isinstance(store.ref_losses.get(key), list):
        store.ref_losses[key] = head
        store.save_gate()


def execute_run(run, opts, ref, meta, threads, bound=None):
    """One run in a fresh child, here: (row, samples, profile sites, reference losses head). `ref` is the
    cell's gate (None for the reference engine itself), `bound` its liveness bound (bytes, or why not);
    every executor calls this."""
    engine, workload, size, repeat = run
    task = dict(task_defaults(opts), engine=engine, workload=workload, size=size, device=opts.device,
                repeat=repeat, ref_losses=None)
    if wants_memory(opts, repeat):
        task["live_bound"] = bound if isinstance(bound, (int, float)) else None
    else:
        task["mem_iters"] = 0
    gate_note = "self"
    if engine != "reference":
        if isinstance(ref, str):
            gate_note = ref
        else:
            task["ref_losses"], gate_note = ref, "checked"
    t0 = time.perf_counter()
    messages, end_status, end_error = spawn(measure.child_main, (task,), opts.timeout, threads, opts.malloc)
    wall = time.perf_counter() - t0
    result = merge_passes(messages, end_status, end_error)
    status, error = result["status"], result["error"]
    if status == "invalid":
        gate_note = "failed"
    elif status == "ok" and gate_note == "checked":
        gate_note = "passed"
    elif status == "ok" and gate_note != "self":
        status = "unverified"
        error = f"timed, but not checked: the reference trainer could not run ({gate_note})"
    head = result.get("losses_head") if engine == "reference" and status == "ok" else None
    row = make_row(run, opts.device, result, status, error, meta, threads, wall, gate_note, opts.malloc)
    samples = result.get("samples_ms") if status in MEASURED else None
    return row, samples, result.get("profile_sites"), head


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
