"""Where a step's peak memory goes: the breakdown by part (params, grads, optimizer state, planned buffers,
saved activations, temporaries, bookkeeping) and the liveness lower bound of the workload's step.

How (harness/README.md, "Memory breakdown"): the trainer is built with a kernel hook installed, idle while
the memory pass measures its peak. The hook cuts a step into segments (each kernel call, and each gap
between two calls) and reads the meter's peak per segment. One step finds the segment where the step
peaks; the next step (same shapes, same allocations) stops at the start of that segment and takes stock:
- the trainer's own parts (`t.memory_parts()`: params, grads, optimizer, buffers), each allocation once;
- saved activations: arrays that forward kernels returned in `saved` and that are still alive, not
  already one of the trainer's parts;
- every array byte alive (CPU: tracemalloc's NumPy domain; GPU: the CuPy pool in use) and every other
  traced byte (bookkeeping: Python objects, tapes, graphs; the hook's own records left out);
- the segment's growth up to its peak (the running kernel's output and workspace).
temporaries = array bytes alive that no part claims + the growth. The parts then sum to the peak the
breakdown step reached; `check` compares that with the peak the memory pass measured in the plain steps.
"""
import os
import weakref

import numpy as np

from workloads._memory import flat_arrays, is_array  # noqa: F401  (one walker for engines and harness)

MIB = float(1 << 20)
ENGINE_PARTS = ("params", "optimizer", "grads", "buffers")   # claim order: a shared allocation counts once
PARTS = ENGINE_PARTS + ("saved", "temporaries", "bookkeeping")
TOLERANCE = 0.05
# ... or this many bytes, when more: the hook's own records and argument tuples alive at the peak, and
# CPython's free lists still filling in the first steps under tracing (a freed tuple or float kept for reuse
# stays traced), a few KiB between the measured steps and the later one taken apart, which in a cell whose
# whole peak is tens of KiB (fc-adam: up to +8 KiB seen) are more than 5% of it
SLACK = 32 << 10
# the result-row columns (MiB, except the two text ones)
COLUMNS = tuple(f"mem_{p}_mb" for p in PARTS) + ("mem_saved_fwd_mb", "mem_parts_sum_mb", "mem_peak_at",
                                                  "mem_parts_check", "live_bound_mb")
HERE = os.path.abspath(__file__)


# ------------------------------------------------------------------------------------------- arrays

def extent(a):
    """(address, bytes) of the allocation array `a` lives in (a view: its owner's)."""
    if hasattr(a, "__cuda_array_interface__"):
        mem = a.data.mem
        return (mem.ptr, mem.size) if mem is not None else (a.data.ptr, a.nbytes)
    o = a
    while type(getattr(o, "base", None)).__name__ == "ndarray":
        o = o.base
    return (o.__array_interface__["data"][0], o.nbytes)


def claim(parts, taken=None):
    """{part: bytes} of `parts` ({part: [arrays]}), each allocation counted once, in ENGINE_PARTS order,
    then "saved" (what an engine itself keeps for backward between steps, e.g. a Caffe layer's masks);
    `taken` (address -> part) is filled and may be pre-filled."""
    taken = {} if taken is None else taken
    out = {}
    for part in ENGINE_PARTS + ("saved",):
        n = 0
        for a in flat_arrays(parts.get(part, [])):
            addr, size = extent(a)
            if size and addr not in taken:
                taken[addr] = part
                n += size
        out[part] = n
    return out


# ------------------------------------------------------------------------------------------- meters

class CpuMeter:
    """tracemalloc (started by the caller): peak and current traced bytes, and the split of what is
    alive into NumPy array data (its own tracemalloc domain) and everything else."""

    def __init__(self):
        import tracemalloc
        self.tm = tracemalloc
        self.domain = np.lib.tracemalloc_domain

    def current(self):
        return self.tm.get_traced_memory()[0]

    def peak(self):
        return self.tm.get_traced_memory()[1]

    def reset(self):
        self.tm.reset_peak()

    def split(self):
        """(array bytes, other bytes) alive now; this module's own allocations left out."""
        snap = self.tm.take_snapshot()
        arrays = other = 0
        for tr in snap.traces:
            if tr.domain == self.domain:
                arrays += tr.size
            elif tr.traceback[0].filename != HERE:
                other += tr.size
        return arrays, other


class GpuMeter:
    """The CuPy pool's bytes in use, followed by harness.gpu.PeakHook (installed by the caller): every
    byte there is array data; host-side bookkeeping is not device memory (0 here)."""

    def __init__(self, hook):
        self.hook = hook

    def current(self):
        return self.hook.in_use

    def peak(self):
        return self.hook.peak

    def reset(self):
        self.hook.reset(self.hook.in_use)

    def split(self):
        return self.hook.in_use, 0


# ------------------------------------------------------------------------------------------- the probe

class Probe:
    """The kernel hook: segments a step (gap, call, gap, call, ..., gap; nested kernel calls belong to the
    outer call), finds the peak segment (`locate`), then takes stock at its start (`decompose`)."""
    # engines name their call sites only for a hook that reads them (kernels.call_sites_wanted()): this one
    # does not, so the step it takes apart runs the engine's plain path, the one whose peak was measured
    reads_call_sites = False

    def __init__(self, meter):
        self.meter = meter
        self.mode = "off"
        self.depth = 0
        self.seg = 0
        self.trainer = None
        self.labels = []          # per segment in locate: what ran ("forward conv2d", "gap")
        self.best = (-1, 0)       # (peak bytes, segment) in locate
        self.fwd_end = None       # segment of the first backward/update call: where forward ended
        self.target = None
        self.untraced = {}        # allocations no part is charged for (the batches)
        self.saved = []           # weakrefs to the arrays forward kernels saved, in decompose
        self.stock = None         # the breakdown at the target segment's start
        self.saved_fwd = None     # saved activations alive when forward ended
        self.growth = 0
        self.base = 0

    # --- step boundaries (called by the driver)
    def begin(self, mode, trainer):
        self.mode, self.trainer, self.seg = mode, trainer, 0
        self.saved = []
        self.meter.reset()
        if mode == "decompose" and self.target == 0:
            self._take_stock()

    def end(self):
        self._boundary(None)
        self.mode = "off"
        self.trainer = None

    # --- the hook
    def __call__(self, kernel, phase, fn, args, kwargs):
        if self.depth or self.mode == "off":
            return fn(*args, **kwargs)
        self._boundary(f"{phase} {kernel}")
        self.depth += 1
        try:
            out = fn(*args, **kwargs)
        finally:
            self.depth -= 1
        if self.mode == "decompose" and phase == "forward" and isinstance(out, tuple) and len(out) == 2:
            for a in flat_arrays(out[1]):
                self.saved.append(weakref.ref(a))
        self._boundary(None)
        return out

    def _boundary(self, starting):
        """The current segment ends; the next one (a call named `starting`, or a gap) begins."""
        peak = self.meter.peak()
        if self.mode == "locate":
            if peak > self.best[0]:
                self.best = (peak, self.seg)
            if starting is not None and self.fwd_end is None and not starting.startswith("forward"):
                self.fwd_end = self.seg + 1
            self.labels.append(starting or "gap")
        elif self.mode == "decompose" and self.seg == self.target:
            self.growth = max(0, peak - self.base)
        self.seg += 1
        if self.mode == "decompose":
            if self.seg == self.fwd_end:
                self.saved_fwd = self._saved_alive(self._claimed())[0]
            if self.seg == self.target:
                self._take_stock()
        self.meter.reset()

    def _claimed(self):
        taken = dict(self.untraced)
        parts = claim(self.trainer.memory_parts() if hasattr(self.trainer, "memory_parts") else {}, taken)
        return parts, taken

    def _saved_alive(self, claimed):
        parts, taken = claimed
        n = 0
        seen = set()
        for ref in self.saved:
            a = ref()
            if a is None:
                continue
            addr, size = extent(a)
            if addr not in taken and addr not in seen:
                seen.add(addr)
                n += size
        return n + parts.get("saved", 0), parts, seen

    def _take_stock(self):
        arrays, other = self.meter.split()
        saved, parts, _ = self._saved_alive(self._claimed())
        self.stock = dict(parts, saved=saved, arrays=arrays, bookkeeping=other)
        self.meter.reset()
        self.base = self.meter.current()

    def take_apart(self, trainer, batches, hook_bytes=0, arrays0=0):
        """Two steps of `trainer` (built with this probe installed, idle until now, and past its first step):
        batches[0] locates the segment where the step peaks, batches[1] takes stock at its start. `hook_bytes`
        (the kernel wrappers) and `arrays0` (array bytes alive before the trainer was built) are taken off
        what the meter counts. Returns {part: bytes, total, unclaimed_arrays, at, saved_fwd}."""
        self.untraced.update(batch_extents(batches))
        self.begin("locate", trainer)
        trainer.step(batches[0])
        self.end()
        self.target = self.best[1]
        n_segments = self.seg
        self.begin("decompose", trainer)
        trainer.step(batches[1])
        self.end()
        if self.seg != n_segments:
            raise RuntimeError(f"the breakdown step ran {self.seg} segments, the locating step {n_segments}: "
                               "the step is not the same from one iteration to the next")
        s = self.stock
        s["bookkeeping"] = max(0, s["bookkeeping"] - hook_bytes)
        s["arrays"] -= arrays0
        known = sum(s.get(p, 0) for p in ENGINE_PARTS) + s["saved"]
        out = {p: s.get(p, 0) for p in ENGINE_PARTS}
        out.update(saved=s["saved"], temporaries=s["arrays"] - known + self.growth,
                   bookkeeping=s["bookkeeping"])
        out["total"] = s["arrays"] + s["bookkeeping"] + self.growth
        out["unclaimed_arrays"] = s["arrays"] - known
        out["at"] = self.label(self.target)
        out["saved_fwd"] = self.saved_fwd if self.saved_fwd is not None else 0
        return out

    def label(self, seg):
        """What ran in segment `seg` of the located step: "backward conv2d", or "after forward relu" for the
        engine's own code between two kernels."""
        if seg % 2:
            return self.labels[seg - 1]
        return f"after {self.labels[seg - 2]}" if seg >= 2 else "before the first kernel"


def batch_extents(batches):
    """The batches' allocations: made before the step (the spec's cached arrays), so never in a peak; an
    engine that wraps them without a copy (torch.from_numpy, a Caffe data layer) is not charged for them."""
    return {extent(a)[0]: "batch" for a in flat_arrays(list(batches)) if a.nbytes}


def decompose(build, batches, meter, install_hook, remove_hook):
    """Build a fresh trainer with the probe installed and take its step apart (the GPU pass: its peak comes
    from the timed trainer). `batches`: three batches (warm-up, locate, decompose). Returns {part: bytes,
    total, at, saved_fwd}."""
    probe = Probe(meter)
    probe.untraced = batch_extents(batches)
    before = meter.current()
    install_hook(probe)
    hook_bytes = meter.current() - before     # the kernels' wrappers: alive all along, not the engine's
    # arrays alive before this trainer is built are not its own (on a GPU: whatever else the pool holds)
    arrays0 = meter.split()[0]
    try:
        trainer = build()
        trainer.step(batches[0])                 # first-use allocations: not the steady state
        return probe.take_apart(trainer, batches[1:], hook_bytes=hook_bytes, arrays0=arrays0)
    finally:
        remove_hook()


def check(parts, peak, tol=TOLERANCE, slack=SLACK):
    """'' when the parts add up to `peak` within `tol` (or `slack` bytes, when more), else one line saying
    how they do not."""
    if not peak:
        return "no peak measured"
    why = []
    allowed = max(tol * peak, slack)
    if parts["unclaimed_arrays"] < -allowed:
        why.append(f"the parts claim {-parts['unclaimed_arrays'] / MIB:.2f} MB more than the arrays alive "
                   "(an array counted in two parts, or one not traced)")
    off = parts["total"] / peak - 1
    if abs(parts["total"] - peak) > allowed:
        why.append(f"the parts sum to {parts['total'] / MIB:.2f} MB, {100 * off:+.1f}% of the "
                   f"{peak / MIB:.2f} MB peak")
    return "; ".join(why)


def columns(parts, peak, bound=None):
    """The result-row columns of a breakdown (MiB), with the check's verdict."""
    row = {f"mem_{p}_mb": parts[p] / MIB for p in PARTS}
    row["mem_saved_fwd_mb"] = parts["saved_fwd"] / MIB
    row["mem_parts_sum_mb"] = parts["total"] / MIB
    row["mem_peak_at"] = parts["at"]
    row["mem_parts_check"] = check(parts, peak) or "ok"
    if bound is not None:
        row["live_bound_mb"] = bound / MIB
    return row


# ------------------------------------------------------------------------------------------- liveness

class Recorder:
    """A kernel hook that records one step's kernel calls: the allocations each call reads and writes."""

    def __init__(self):
        self.on = False
        self.depth = 0
        self.calls = []      # (phase, reads, writes) of allocation keys
        self.size = {}       # allocation key -> bytes
        self.hold = []       # every array seen, so no address is reused while recording
        self.keep = set()    # what the optimizer updates in place (params, state): alive all step

    def keys(self, arrays):
        out = []
        for a in arrays:
            self.hold.append(a)
            k = extent(a)
            if k[1]:
                self.size[k] = k[1]
                out.append(k)
        return out

    def __call__(self, kernel, phase, fn, args, kwargs):
        if self.depth or not self.on:
            return fn(*args, **kwargs)
        self.depth += 1
        try:
            out = fn(*args, **kwargs)
        finally:
            self.depth -= 1
        ins = self.keys(flat_arrays(list(args[1:])))
        if phase == "update":
            grads = set(self.keys(flat_arrays(args[2:3])))
            self.keep.update(k for k in ins if k not in grads)
            self.calls.append((phase, ins, []))
        elif phase == "forward":
            y, saved = out if isinstance(out, tuple) and len(out) == 2 else (out, None)
            ys = self.keys(flat_arrays(y))
            extra = [k for k in self.keys(flat_arrays(saved)) if k not in ins and k not in ys]
            self.calls.append((phase, ins, ys + extra))
        else:
            self.calls.append((phase, ins, self.keys(flat_arrays(out))))
        return out


def liveness_bound(build, batches, install_hook, remove_hook):
    """The liveness lower bound of one step of the trainer `build()` makes (the reference's, for the
    table): every allocation its kernels read or write, its own buffer exactly while live, from the kernel
    that writes it to the last one that reads it (a forward kernel's `saved` keeps its inputs and extras
    alive until its backward reads them), parameters and optimizer state all step. The batch itself is
    left out (allocated before the step, like every engine's). Bytes."""
    from frameworks import plan
    rec = Recorder()
    install_hook(rec)
    try:
        trainer = build()
        trainer.step(batches[0])
        rec.on = True
        trainer.step(batches[1])
        rec.on = False
    finally:
        remove_hook()
    feeds = set(rec.keys(flat_arrays(batches[1])))
    steps = range(len(rec.calls))
    intervals = plan.liveness(steps, lambda i: rec.calls[i][1], lambda i: rec.calls[i][2], keep=rec.keep)
    intervals = {k: iv for k, iv in intervals.items() if k not in feeds}
    return plan.peak_live_bytes(intervals, rec.size.__getitem__)
