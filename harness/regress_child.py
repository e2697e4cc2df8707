"""The regression gate's child: one benchmark of one version of the code, timed in a fresh process.

Run by path (`python harness/regress_child.py TASK_JSON OUT_JSON`) from the tree under test, with the
version being measured (its own tree) first on PYTHONPATH: the measuring code here is the same for both
versions, the engines, kernels and workloads it imports are the version's. It imports nothing from
`harness`, which may not exist, or differ, in the other version.

`python harness/regress_child.py --serve` is the fork server of one version (asv's forkserver launch
method): it imports NumPy, the version's `workloads` registry and kernels, and the engine modules of the
benchmarks it will run (`--serve PRELOAD_JSON`: [[workload, engine], ...]), once, then forks a fresh
process per run, so a run does not pay for those imports (~0.2 s of CPU for NumPy, 0.1-0.17 s per
engine at load 8). Each run builds its trainer in the forked process; a module's import is the same
objects whether it happened in the server or in the run, and the step times only steps.
"""
import json
import math
import os
import sys
import time
import traceback

# run as a script, Python puts this file's folder first on sys.path; the version's tree must come first
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

BATCHES = 4            # the step cycles over the first few batches, all fetched before timing starts
CALIBRATION_CALLS = 2000
WARMUP_TOLERANCE = 1.2


class KernelTimer:
    """The kernel hook of the style-tax pass: calls and seconds inside kernels (nested calls counted once)."""
    # engines name their call sites only for a hook that reads them (kernels.call_sites_wanted): this one
    # does not, so the tax pass times the engine code a plain step runs, as /work/wt/cg/cg.sh does
    reads_call_sites = False

    def __init__(self):
        self.depth = 0
        self.calls = 0
        self.seconds = 0.0

    def __call__(self, kernel, phase, fn, args, kwargs):
        if self.depth:
            return fn(*args, **kwargs)
        self.depth = 1
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0
            self.calls += 1
            self.depth = 0

    def take(self):
        calls, seconds = self.calls, self.seconds
        self.calls, self.seconds = 0, 0.0
        return calls, seconds


def hook_cost_s(timer, kernels):
    """Seconds a hooked kernel call adds outside what the timer counts: a no-op through the wrapper
    install_hook puts on kernels (kernels.hooked; a copy of it in versions without one), minus the bare
    no-op, minus what was counted (best of 3)."""
    def noop():
        return None

    def copy_of_hooked(*args, **kwargs):
        return timer("calibration", "forward", noop, args, kwargs)
    hooked = getattr(kernels, "hooked", None)
    wrapped = hooked(timer, "calibration", "forward", noop) if hooked else copy_of_hooked
    best_bare = best_hooked = float("inf")
    counted = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(CALIBRATION_CALLS):
            noop()
        best_bare = min(best_bare, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for _ in range(CALIBRATION_CALLS):
            wrapped()
        hooked = time.perf_counter() - t0
        _, seconds = timer.take()
        if hooked < best_hooked:
            best_hooked, counted = hooked, seconds
    return max(0.0, (best_hooked - best_bare - counted) / CALIBRATION_CALLS)


def _median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def measure(task):
    clock = time.perf_counter
    import workloads
    from frameworks import kernels
    device, size = task["device"], task["size"]
    xp = kernels.get_xp(device)
    sync = (lambda: kernels.synchronize(xp)) if device == "gpu" else (lambda: None)
    w = workloads.get(task["workload"])
    batches = [w.batch(i, size) for i in range(BATCHES)]
    engine_module = f"{w.spec.__name__.rpartition('.')[0]}.{task['engine'].partition(':')[0]}"
    phases = {}                            # seconds of each part of the run (the gate's profile of its cost)
    out = {"status": "ok", "error": "",
           "workloads_from": os.path.dirname(os.path.abspath(workloads.__file__)),
           "kernels_from": os.path.dirname(os.path.abspath(kernels.__file__)),
           "preloaded": engine_module in sys.modules, "phase_s": phases}

    def step(trainer, i):
        batch = batches[i % BATCHES]
        t0 = time.perf_counter()
        loss = trainer.step(batch)
        sync()
        dt = time.perf_counter() - t0
        if not math.isfinite(loss):
            raise FloatingPointError(f"non-finite loss {loss} at iteration {i}")
        return dt

    t0 = clock()
    trainer = w.trainer(task["engine"], size, device)
    step(trainer, 0)                       # the first step builds caches and traces graphs: not timed
    t1 = clock()
    warm = [step(trainer, 1 + i) for i in range(task["warmup"])]
    t2 = clock()
    n = task.get("iters") or min(max(math.ceil(task["target_s"] / max(_median(warm or [1e-3]), 1e-7)),
                                     task["min_iters"]), task["max_iters"])
    start = 1 + task["warmup"]
    times = [step(trainer, start + i) for i in range(n)]
    phases.update(build_and_first_step=t1 - t0, warmup=t2 - t1, timed=clock() - t2)
    # warm-up the samples do not show: no warm-up step slower than the slowest timed step
    # (by more than a loaded machine's step-to-step swing: with 2 timed steps, a plain "slower than the
    # slowest" kept the warm-up in most lstm-cells runs, a sixth of their cost)
    out.update(iters=n, step_ms=1e3 * _median(times), warmup=task["warmup"],
               warmup_needed=bool(warm) and max(warm) > WARMUP_TOLERANCE * max(times))
    held = [trainer]                       # the tax pass may reuse it, and drops it before any fresh build
    del trainer
    if task.get("tax_iters"):
        t0 = clock()
        out.update(tax_pass(task, w, kernels, step, min(task["tax_iters"], n), held, start + n))
        phases["tax_pass"] = clock() - t0
    return out


def tax_pass(task, w, kernels, step, n_iters, held, i0):
    """Time inside kernels and engine overhead (step - kernels) in the same iterations, with the kernel
    hook installed. task["tax_reuse"]: True hooks the timed trainer (`held`'s one item, whose next step is
    number `i0`; it goes on from the next step that takes batch 0, as a fresh trainer starts, after one
    untimed hooked step); False builds a fresh trainer with the hook installed, as an engine that keeps
    the kernel methods it saw at build time needs; None (a benchmark's first run) does both and says
    whether the hooked timed trainer makes as many kernel calls a step as the fresh one ("tax_reuse_ok"),
    reporting the reused pass's numbers when it does. The fresh build and its first step are most of the
    pass's cost (graph engines on lstm-cells: ~1 s of a 2.5 s run at load 13), hence the reuse."""
    if task["device"] != "cpu":
        return {"tax_note": "step time only on a GPU: kernel time there needs CUDA events"}
    if not hasattr(kernels, "install_hook"):
        return {"tax_note": "this version's kernels have no install_hook: step time only"}
    reuse = task.get("tax_reuse", False)
    timer = KernelTimer()
    kernels.install_hook(timer)
    try:
        per_call = hook_cost_s(timer, kernels)

        def hooked_steps(tr, first):
            step(tr, first)                    # untimed: the first call through the hook's wrappers
            kern, over, calls = [], [], []
            for i in range(n_iters):
                timer.take()
                dt = step(tr, first + 1 + i)
                k, seconds = timer.take()
                kern.append(seconds)
                over.append(dt - k * per_call - seconds)
                calls.append(k)
            return {"kernel_ms": 1e3 * _median(kern), "overhead_ms": 1e3 * _median(over),
                    "kernel_calls": _median(calls), "hook_cost_us": 1e6 * per_call}
        trainer = held.pop()
        reused = hooked_steps(trainer, -(-i0 // BATCHES) * BATCHES) if reuse is not False else None
        del trainer
        if reuse is True:
            return reused
        fresh = hooked_steps(w.trainer(task["engine"], task["size"], task["device"]), 0)
    finally:
        kernels.remove_hook()
    if reuse is None:
        ok = reused["kernel_calls"] == fresh["kernel_calls"] > 0
        return dict(reused if ok else fresh, tax_reuse_ok=ok)
    return fresh


def one_line(exc):
    """The exception's last line plus the innermost place it was raised (file:line)."""
    line = traceback.format_exception_only(type(exc), exc)[-1].strip()
    tb = traceback.extract_tb(exc.__traceback__)
    if tb:
        line += f" (at {tb[-1].filename}:{tb[-1].lineno})"
    return line


def run(task, out_path):
    try:
        result = measure(task)
    except Exception as e:  # the parent reports it per benchmark and version; the gate goes on
        result = {"status": "error", "error": one_line(e)}
    with open(out_path, "w") as f:
        json.dump(result, f)


def preload(pairs):
    """Imports the version's `workloads`, kernels and the engine module of each (workload, engine) pair, as
    far as it can: a version without one fails in its runs, which say why."""
    try:
        import workloads
        from frameworks import kernels  # noqa: F401
    except Exception:
        return
    for name, engine in pairs:
        try:
            workloads.get(name).supports(engine)        # imports the engine's module for the workload
        except Exception:
            pass


def serve(requests=sys.stdin, replies=sys.stdout, pairs=()):
    """"ready" once NumPy and the engines of `pairs` are imported (preload); then one JSON line per run
    ({"task", "out", "err"}): fork, answer the child's pid at once (the gate kills it on a timeout), then
    its wait status when it ends. The child's stdout and stderr go to the "err" file."""
    import numpy  # noqa: F401  (what every run imports first)
    preload(pairs)
    replies.write("ready\n")
    replies.flush()
    for line in requests:
        req = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                fd = os.open(req["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                sys.stdin = open(os.devnull)
                run(req["task"], req["out"])
                code = 0
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        replies.write(f"{pid}\n")
        replies.flush()
        _, status = os.waitpid(pid, 0)
        replies.write(f"{status}\n")
        replies.flush()
    return 0


def main(argv):
    if argv[:1] == ["--serve"]:
        return serve(pairs=json.loads(argv[1]) if len(argv) > 1 else ())
    task_json, out_path = argv
    run(json.loads(task_json), out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
