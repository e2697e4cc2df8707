"""What runs inside one fresh child process: build, time, gate, memory and (opt-in) kernel-time passes."""
import functools
import gc
import math
import os
import sys
import time
import traceback
import tracemalloc

import numpy as np

from frameworks import kernels
from harness import memparts

MIB = float(1 << 20)
GATE_ITERS = 3          # iterations whose losses must match the reference trainer's
GATE_RTOL = 1e-3        # looser than the equivalence tests' 1e-4: BLAS thread counts change the rounding
KERNELS_DIR = os.path.join("frameworks", "kernels") + os.sep


class Diverged(RuntimeError):
    """The loss became NaN or infinite."""


def iteration_policy(task):
    """Human-readable rule used to pick the timed iteration count (it goes into every row)."""
    if task.get("iters"):
        return f"fixed {task['iters']}"
    return f"auto: {task['target_s']:g} s per run, {task['min_iters']}..{task['max_iters']} iterations"


def auto_iters(task, est_s):
    if task.get("iters"):
        return int(task["iters"])
    n = math.ceil(task["target_s"] / max(est_s, 1e-7))
    return int(min(max(n, task["min_iters"]), task["max_iters"]))


def percentiles(samples):
    a = np.asarray(samples, dtype=np.float64)
    p10, p50, p90 = np.percentile(a, [10, 50, 90])
    return float(p50), float(p10), float(p90)


class Stepper:
    """Steps one trainer over the workload's batches, timing each step (device-synchronized)."""

    def __init__(self, workload, size, trainer, sync):
        self.w, self.size, self.t, self.sync = workload, size, trainer, sync
        self.i = 0

    def step(self):
        batch = self.w.batch(self.i, self.size)   # fetched outside the timed region
        t0 = time.perf_counter()
        loss = self.t.step(batch)
        self.sync()
        dt = time.perf_counter() - t0
        if not math.isfinite(loss):
            raise Diverged(f"non-finite loss {loss} at iteration {self.i}")
        self.i += 1
        return float(loss), dt


def gate(losses, ref_losses, rtol=GATE_RTOL):
    """None when the first losses match the reference's, else a one-line reason."""
    n = min(len(losses), len(ref_losses))
    for i in range(n):
        a, r = losses[i], ref_losses[i]
        if not abs(a - r) <= rtol * abs(r) + 1e-12:
            return f"loss at iteration {i} is {a:.7g}, reference trainer gives {r:.7g} (rtol {rtol:g})"
    return None


def timing_pass(task, w, sync, out):
    """Build time, first iteration alone, warm-up, then N timed iterations; fills `out`."""
    t0 = time.perf_counter()
    trainer = w.trainer(task["engine"], task["size"], task["device"])
    sync()
    out["build_s"] = time.perf_counter() - t0
    st = Stepper(w, task["size"], trainer, sync)
    losses = []
    loss, dt = st.step()
    losses.append(loss)
    out["first_iter_ms"] = dt * 1e3
    warm = []
    for _ in range(task["warmup"]):
        loss, dt = st.step()
        losses.append(loss)
        warm.append(dt)
    out["loss_first"] = losses[0]
    ref = task.get("ref_losses")
    if ref is not None and len(losses) >= min(GATE_ITERS, len(ref)):
        why = gate(losses, ref)
        if why:
            out.update(status="invalid", error=why, loss_last=losses[-1], losses_head=losses[:GATE_ITERS])
            return None
    n = auto_iters(task, float(np.median(warm)) if warm else out["first_iter_ms"] / 1e3)
    samples = []
    for _ in range(n):
        loss, dt = st.step()
        losses.append(loss)
        samples.append(dt * 1e3)
    out["losses_head"] = losses[:GATE_ITERS]
    if ref is not None:
        why = gate(losses, ref)
        if why:
            out.update(status="invalid", error=why, loss_last=losses[-1])
            return None
    out["loss_last"] = losses[-1]
    out["iters"] = n
    out["samples_ms"] = samples
    out["median_ms"], out["p10_ms"], out["p90_ms"] = percentiles(samples)
    out["mean_ms"] = float(np.mean(samples))
    return trainer


def without_pool(memory_pass):
    """A memory pass runs with the kernels' workspace pool off (kernels.workspace): every array is allocated
    when made and freed when dead, so peaks count arrays in use, as a framework's "allocated" figure does,
    not the pool's idle blocks (its "reserved"); a pool filled by the timing pass would also hand out memory
    tracemalloc never saw allocated."""
    @functools.wraps(memory_pass)
    def run(*args, **kwargs):
        old = kernels.workspace.use_pool(None)
        try:
            return memory_pass(*args, **kwargs)
        finally:
            kernels.workspace.use_pool(old)
    return run


@without_pool
def cpu_memory_pass(task, w, n_iters):
    """Fresh trainer built under tracemalloc: bytes held after build, the per-iteration peak of traced bytes
    (parameters, buffers, saved activations, temporaries and Python objects alive during the step), then
    that same trainer's peak taken apart (harness/memparts.py).

    Tracing starts right before the build, so both numbers count only what this trainer (and the engine
    for it) allocated: nothing an earlier trainer left in the process, alive or freed, is in either. The
    breakdown takes apart the trainer whose peak was measured, not another one built after it: what a
    build leaves in the process depends on its history (CPython's table of interned names grows by
    reallocation, charged whole to the build that crosses its size; a second trainer of hybrid lstm-cells
    was charged 1.2 MB for the same compile() that cost the first 0.25 MB), so two builds of one trainer
    need not hold the same bytes. The breakdown's kernel hook is therefore installed before the build (an
    engine binds its kernels when it builds or first runs) and stays idle, a pass-through, through the
    measured steps: its wrappers are made before tracing, and what it adds per call in flight (the
    argument tuple) is a few hundred bytes at the peak. The batches are fetched before tracing: never
    charged, as in every engine's step."""
    size = task["size"]
    batches = [w.batch(i, size) for i in range(n_iters + 4)]
    gc.collect()
    probe = memparts.Probe(memparts.CpuMeter())
    kernels.install_hook(probe)
    tracemalloc.start()
    try:
        trainer = w.trainer(task["engine"], size, task["device"])
        state = tracemalloc.get_traced_memory()[0]
        st = Stepper(w, size, trainer, lambda: None)
        st.step()          # lazy engines allocate caches on their first step: not a steady-state peak
        peaks = []
        for _ in range(n_iters):
            tracemalloc.reset_peak()
            st.step()
            peaks.append(tracemalloc.get_traced_memory()[1])
        probe.untraced = memparts.batch_extents(batches)
        parts = probe.take_apart(trainer, batches[n_iters + 1:])
    finally:
        tracemalloc.stop()
        kernels.remove_hook()
    peak = max(peaks)
    out = {"state_mem_mb": state / MIB, "peak_mem_mb": peak / MIB}
    out.update(memparts.columns(parts, peak, live_bound(task, w)))
    return out


def breakdown(task, w, meter):
    """memparts.decompose on a fresh trainer: where the step's peak bytes go (the GPU pass)."""
    batches = [w.batch(i, task["size"]) for i in range(4)]
    return memparts.decompose(lambda: w.trainer(task["engine"], task["size"], task["device"]), batches, meter,
                              kernels.install_hook, kernels.remove_hook)


def live_bound(task, w):
    """The liveness lower bound of the cell's step (bytes, or None when the reference cannot run it): the
    runner computes it once per cell and hands it over as task["live_bound"]; a task without one (a run
    started outside the runner) computes it here."""
    if "live_bound" in task:
        return task["live_bound"]
    ok, _ = w.supports("reference")
    if not ok:
        return None
    try:
        return reference_bound(w, task["size"], task["device"])
    except Exception:  # the reference failing here is the gate's business: the column is then empty
        return None


def reference_bound(w, size, device):
    """The liveness lower bound of workload `w`'s step, from the reference trainer's kernel calls."""
    batches = [w.batch(i, size) for i in range(2)]
    return memparts.liveness_bound(lambda: w.trainer("reference", size, device), batches,
                                   kernels.install_hook, kernels.remove_hook)


@without_pool
def gpu_memory_pass(task, w, timed, sync, n_iters):
    """The timed trainer's per-iteration peak on the device, then the breakdown on a fresh trainer.
    `timed`: a one-item list holding the timed trainer, emptied here: the only reference left, so the
    timed trainer's device arrays are freed before the breakdown builds its own (both alive at once
    would put the first one's bytes in the second one's peak, and may not fit)."""
    from harness import gpu
    batches = [w.batch(i, task["size"]) for i in range(n_iters)]
    out = gpu.memory_pass(timed.pop(), batches, sync)
    gc.collect()
    out.update(gpu_breakdown(task, w, sync, out["gpu_peak_mb"]))
    return out


def gpu_breakdown(task, w, sync, peak_mb):
    """The same breakdown on the device: the CuPy pool's bytes in use, followed by the peak hook."""
    import cupy

    from harness import gpu
    gc.collect()
    sync()
    hook = gpu.PeakHook(cupy.get_default_memory_pool().used_bytes())
    with hook:
        parts = breakdown(task, w, memparts.GpuMeter(hook))
        sync()
    return memparts.columns(parts, peak_mb * MIB if peak_mb else None, live_bound(task, w))


class KernelProfiler:
    """The kernel hook for the style-tax pass: time spent inside kernels, per step and per call site."""

    def __init__(self, device, breakdown):
        self.depth = 0
        self.breakdown = breakdown
        self.calls = []           # (label, kernel, phase, seconds or event index)
        self.events = None
        if device == "gpu":
            from harness.gpu import EventTimer
            self.events = EventTimer()

    @property
    def reads_call_sites(self):
        """Engines name call sites only for the labelled iterations (kernels.call_sites_wanted), so the
        timed ones carry no naming cost."""
        return self.breakdown

    def label(self):
        """Where the kernel was called: the first caller outside the kernels (module:function), plus the
        name the engine gave the call site through kernels.call_site, if it gave one."""
        f = sys._getframe(2)
        while f is not None and KERNELS_DIR in f.f_code.co_filename:
            f = f.f_back
        if f is None:
            return "?"
        code = f.f_code
        where = f"{f.f_globals.get('__name__') or os.path.basename(code.co_filename)}:" \
                f"{getattr(code, 'co_qualname', code.co_name)}"
        site = kernels.current_call_site()
        return f"{where} [{site}]" if site else where

    def __call__(self, kernel, phase, fn, args, kwargs):
        if self.depth:            # a kernel calling another kernel: counted once, by the outer call
            return fn(*args, **kwargs)
        label = self.label() if self.breakdown else ""
        self.depth += 1
        try:
            if self.events is not None:
                self.calls.append((label, kernel, phase, None))
                return self.events.time(fn, args, kwargs)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.calls.append((label, kernel, phase, time.perf_counter() - t0))
        finally:
            self.depth -= 1

    def drain(self):
        calls, self.calls = self.calls, []
        if self.events is not None:
            ms = self.events.drain()
            return [(lb, k, ph, m / 1e3) for (lb, k, ph, _), m in zip(calls, ms)]
        return calls


def hook_cost_s(prof, n=4000):
    """Seconds the hook adds to a step per kernel call, outside what it counts as kernel time.

    Calibrated in-process, as profilers calibrate themselves: a no-op called through the same wrapper
    install_hook puts on kernels, minus the same no-op called bare, minus what the hook counted as
    "kernel" time for it."""
    def noop():
        return None
    through_hook = kernels.hooked(prof, "calibration", "forward", noop)
    best_bare = best_hooked = float("inf")
    counted = 0.0
    for _ in range(3):                     # best of 3: the least-disturbed estimate
        t0 = time.perf_counter()
        for _ in range(n):
            noop()
        best_bare = min(best_bare, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for _ in range(n):
            through_hook()
        hooked = time.perf_counter() - t0
        calls = prof.drain()
        if hooked < best_hooked:
            best_hooked, counted = hooked, sum(c[3] for c in calls)
    return max(0.0, (best_hooked - best_bare - counted) / n)


def profile_pass(task, w, sync, n_iters, breakdown=True):
    """The style tax: a fresh trainer built with the kernel hook installed, and in the *same* iterations
    the whole step's time and the time inside kernels, so overhead = step - kernels per iteration (two
    separately timed passes would subtract one noise from another). The hook's own per-call cost is
    calibrated and taken off the step. Then, when `breakdown`, a few more iterations label every call
    site (walking the caller's frame is too slow to sit inside the timed iterations)."""
    prof = KernelProfiler(task["device"], breakdown=False)
    kernels.install_hook(prof)
    try:
        trainer = w.trainer(task["engine"], task["size"], task["device"])
        st = Stepper(w, task["size"], trainer, sync)
        st.step()
        prof.drain()
        # CUDA events time the device; the hook's host-side cost overlaps with it, so nothing to take off
        per_call = hook_cost_s(prof) if prof.events is None else 0.0
        steps, kern, over, ncalls = [], [], [], []
        for _ in range(n_iters):
            _, dt = st.step()
            calls = prof.drain()
            k = sum(c[3] for c in calls)
            step = dt - len(calls) * per_call
            steps.append(step * 1e3)
            kern.append(k * 1e3)
            over.append((step - k) * 1e3)
            ncalls.append(len(calls))
        sites = {}
        n_label = min(n_iters, 5) if breakdown else 0
        prof.breakdown = True
        for it in range(n_label):
            st.step()
            for label, kernel, phase, sec in prof.drain():
                rec = sites.setdefault((label, kernel, phase), [0, np.zeros(n_label)])
                rec[0] += 1
                rec[1][it] += sec * 1e3
    finally:
        kernels.remove_hook()
    # medians over iterations, like the step time elsewhere (a mean would let one preempted
    # iteration dominate)
    rows = [{"site": k[0], "kernel": k[1], "phase": k[2], "calls_per_iter": c / n_label,
             "ms_per_iter": float(np.median(ms))} for k, (c, ms) in sites.items()]
    rows.sort(key=lambda r: -r["ms_per_iter"])
    step_ms, kernel_ms, overhead_ms = (float(np.median(v)) for v in (steps, kern, over))
    return {"profiled_step_ms": step_ms, "kernel_ms": kernel_ms, "overhead_ms": overhead_ms,
            "overhead_pct": 100.0 * overhead_ms / step_ms if step_ms > 0 else float("nan"),
            "kernel_calls": float(np.median(ncalls)), "hook_cost_us": per_call * 1e6,
            "profile_sites": rows}


def classify(exc):
    """(status, one-line error naming the place) for an exception raised by a run."""
    name = type(exc).__name__
    status = "oom" if isinstance(exc, MemoryError) or "OutOfMemory" in name else "error"
    if isinstance(exc, Diverged):
        status = "diverged"
    line = traceback.format_exception_only(type(exc), exc)[-1].strip()
    tb = traceback.extract_tb(exc.__traceback__)
    if tb:
        f = tb[-1]
        line += f" (at {where(f.filename)}:{f.lineno})"
    return status, line


def where(filename):
    """A source file as rows may record it: relative to the repository, or the last two parts of a path
    outside it (an absolute local path says nothing on another machine)."""
    from harness import machine
    path = os.path.abspath(filename)
    root = str(machine.ROOT) + os.sep
    if path.startswith(root):
        return path[len(root):]
    return os.path.join(*path.split(os.sep)[-2:])


# the passes after the timing pass, in the order they run; each has <name>_status and <name>_error columns
LATER_PASSES = ("mem", "profile")


def run_passes(task):
    """Every pass for one (engine, workload, size, device, repeat), one result dict per pass as it ends,
    so a later pass failing (or killing the process) cannot take an earlier pass's measurements with it.

    The first dict is the timing pass's (with status/error, the run's verdict, and `passes`: the later
    passes that follow); each later pass's dict carries its own <pass>_status ("ok", the failure status,
    or "not run" when the timing pass failed) and <pass>_error."""
    import workloads
    from frameworks import kernels
    from harness import machine
    wanted = [p for p, on in (("mem", task["mem_iters"] > 0), ("profile", bool(task.get("profile")))) if on]
    head = {"status": "ok", "error": "", "warmup": task["warmup"], "iters_policy": iteration_policy(task),
            "passes": wanted}
    head.update(machine.blas_info())
    if task["device"] == "gpu":
        head.update(machine.gpu_info())
    for p in LATER_PASSES:
        if p not in wanted:
            head[f"{p}_status"] = "skipped"
    trainer = None
    try:
        w = workloads.get(task["workload"])
        xp = kernels.get_xp(task["device"])
        sync = (lambda: kernels.synchronize(xp)) if task["device"] == "gpu" else (lambda: None)
        trainer = timing_pass(task, w, sync, head)
    except Exception as e:  # every failure becomes a row; the matrix goes on
        head["status"], head["error"] = classify(e)
    head["time_status"] = head["status"]
    timed = trainer is not None
    yield head

    def attempt(name, measure_fn):
        if not timed:
            return {f"{name}_status": "not run", f"{name}_error": "the timing pass failed"}
        try:
            res = measure_fn()
        except Exception as e:  # this pass's failure is this pass's: the timing pass's numbers stay
            status, error = classify(e)
            return {f"{name}_status": status, f"{name}_error": error}
        return dict(res, **{f"{name}_status": "ok", f"{name}_error": ""})

    if "mem" in wanted:
        if task["device"] == "gpu":
            held, trainer = [trainer], None     # gpu_memory_pass lets go of it before its breakdown
            yield attempt("mem", lambda: gpu_memory_pass(task, w, held, sync, task["mem_iters"]))
        else:
            trainer = None      # the CPU pass builds its own under tracemalloc; free this one first
            yield attempt("mem", lambda: cpu_memory_pass(task, w, task["mem_iters"]))
    if "profile" in wanted:
        yield attempt("profile", lambda: profile_pass(task, w, sync,
                                                      max(1, min(head["iters"], task["profile_iters"]))))


def run_task(task):
    """Every pass for one run in this process, merged into one result dict."""
    out = {}
    for part in run_passes(task):
        out.update(part)
    return out


def child_main(task, conn):
    """Entry point of the spawned child: each pass's result goes back over the pipe as soon as it ends."""
    sent = False
    try:
        for part in run_passes(task):
            conn.send(part)
            sent = True
    except Exception as e:  # outside any pass (an import, the machine probe): still one clear row
        if sent:
            raise
        status, error = classify(e)
        conn.send({"status": status, "error": error, "time_status": status})
