"""Where a step's peak memory goes: the breakdown by part (params, grads, optimizer state, planned buffers,
saved activations, temporaries, bookkeeping) and the liveness lower bound of the workload's step.

How (harness/README.md, "Memory breakdown"): the trainer is built with a kernel hook installed, idle while
the memory pass measures its peak. The hook cuts a step into segments (each kernel call, and each gap
between two calls); three more steps of the same shapes (same allocations) follow: `locate` finds the
segment where the step peaks and its growth there (the running kernel's output and workspace), `count`
counts the array bytes alive at its start (CPU: tracemalloc's NumPy domain; GPU: the CuPy pool in use),
and `decompose` marks the meter as it begins (from then on it tells what this step allocates) and takes
stock at the segment's start, each array told made in this step or held from before:
- the trainer's own parts (`t.memory_parts()`: params, optimizer, grads, buffers, saved), each allocation
  once;
- saved activations: arrays that forward kernels returned in `saved` in this step, still alive;
- temporaries: every other array this step's kernels returned, still alive, the arrays this step made
  outside the kernels that no part names, and the growth.
Arrays held from before the step that no part names are in no part: the parts then fall short of the
peak (an engine that does not report what it keeps, a step that leaks). Bookkeeping is, by its definition,
the traced bytes that are not array data at the peak: the measured peak minus the array bytes alive at it
(on a GPU the pool holds array data only: 0). `check` compares the parts' sum with the measured peak.
"""
import weakref

import numpy as np

from workloads._memory import flat_arrays, is_array  # noqa: F401  (one walker for engines and harness)

MIB = float(1 << 20)
ENGINE_PARTS = ("params", "optimizer", "grads", "buffers")   # claim order: a shared allocation counts once
PARTS = ENGINE_PARTS + ("saved", "temporaries", "bookkeeping")
TOLERANCE = 0.05
# the result-row columns (MiB, except the two text ones)
COLUMNS = tuple(f"mem_{p}_mb" for p in PARTS) + ("mem_saved_fwd_mb", "mem_parts_sum_mb", "mem_peak_at",
                                                  "mem_parts_check", "live_bound_mb")


# ------------------------------------------------------------------------------------------- arrays

def owner(a):
    """The array that owns the memory array `a` lives in (a view's base; a CuPy array: itself)."""
    if hasattr(a, "__cuda_array_interface__"):
        return a
    while type(getattr(a, "base", None)).__name__ == "ndarray":
        a = a.base
    return a


def extent(a):
    """(address, bytes) of the allocation array `a` lives in (a view: its owner's)."""
    if hasattr(a, "__cuda_array_interface__"):
        mem = a.data.mem
        return (mem.ptr, mem.size) if mem is not None else (a.data.ptr, a.nbytes)
    o = owner(a)
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
    """tracemalloc (started by the caller): peak and current traced bytes, and the array data alive (NumPy
    traces it in its own tracemalloc domain; every other traced byte is a Python object). `mark()` forgets
    every trace (tracemalloc.clear_traces), so from then on it sees only what is allocated after it."""
    objects = True      # what it counts beside array data: the bookkeeping part

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

    def arrays(self):
        """Bytes of array data alive now (after mark(): of those allocated since)."""
        only = [self.tm.DomainFilter(True, self.domain)]
        return sum(tr.size for tr in self.tm.take_snapshot().filter_traces(only).traces)

    def mark(self):
        self.tm.clear_traces()

    def made_since_mark(self, owner):
        """Whether array `owner` (owning its data) was made after mark(): its object is traced again (NumPy
        makes an array's object and its data in the same call)."""
        return self.tm.get_object_traceback(owner) is not None


class GpuMeter:
    """The CuPy pool's bytes in use, followed by harness.gpu.PeakHook (installed by the caller): every
    byte there is array data; host-side Python objects are not device memory (bookkeeping 0). After
    `mark()` the hook also keeps the allocations made since, by address."""
    objects = False

    def __init__(self, hook):
        self.hook = hook
        self.marked = False

    def current(self):
        return self.hook.in_use

    def peak(self):
        return self.hook.peak

    def reset(self):
        self.hook.reset(self.hook.in_use)

    def arrays(self):
        return sum(self.hook.since.values()) if self.marked else self.hook.in_use

    def mark(self):
        self.hook.mark()
        self.marked = True

    def made_since_mark(self, owner):
        return extent(owner)[0] in self.hook.since


# ------------------------------------------------------------------------------------------- the probe

class Probe:
    """The kernel hook: segments a step (gap, call, gap, call, ..., gap; nested kernel calls belong to the
    outer call). Three steps of the same shapes (so the same allocations): `locate` finds the segment
    where the step peaks and how much it grows in it; `count` counts the array bytes alive at its start;
    `decompose` marks the meter as it begins (from then on it tells what this step made) and takes stock
    at that segment's start: the parts found by identity, each told made in this step or held from before."""
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
        self.growths = []         # per segment in locate: its peak over the bytes traced at its start
        self.fwd_end = None       # segment of the first backward/update call: where forward ended
        self.target = None
        self.untraced = {}        # allocations no part is charged for (the batches)
        self.saved = []           # weakrefs to the arrays forward kernels saved, in decompose
        self.made = []            # weakrefs to every other array kernels returned, in decompose
        self.alive = None         # array bytes alive at the target segment's start (count)
        self.stock = None         # the breakdown at the target segment's start (decompose)
        self.saved_fwd = None     # saved activations alive when forward ended
        self.base = 0

    # --- step boundaries (called by the driver)
    def begin(self, mode, trainer):
        self.mode, self.trainer, self.seg = mode, trainer, 0
        self.saved, self.made = [], []
        if mode == "decompose":
            self.meter.mark()
        self.meter.reset()
        self.base = self.meter.current()
        if mode != "locate" and self.target == 0:
            self._at_target()

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
        self._boundary(None, phase, out)
        return out

    def _record(self, phase, out):
        """Weak references to what a kernel returned: a forward's `saved` apart, everything else a
        temporary of this step until someone holds it (a part claims it first)."""
        saved = None
        if phase == "forward" and isinstance(out, tuple) and len(out) == 2:
            out, saved = out
        self.saved.extend(weakref.ref(a) for a in flat_arrays(saved))
        self.made.extend(weakref.ref(a) for a in flat_arrays(out))

    def _boundary(self, starting, phase=None, out=None):
        """The current segment ends (a call that returned `out`, or a gap); the next one (a call named
        `starting`, or a gap) begins."""
        if self.mode == "locate":
            peak = self.meter.peak()
            if peak > self.best[0]:
                self.best = (peak, self.seg)
            self.growths.append(max(0, peak - self.base))
            if starting is not None and self.fwd_end is None and not starting.startswith("forward"):
                self.fwd_end = self.seg + 1
            self.labels.append(starting or "gap")
        elif self.mode == "decompose" and phase is not None:
            self._record(phase, out)
        self.seg += 1
        if self.mode == "decompose" and self.seg == self.fwd_end:
            self.saved_fwd = sum(self._take_stock()[p][0] for p in ("saved", "saved_kernels"))
        if self.mode != "locate" and self.seg == self.target:
            self._at_target()
        self.meter.reset()
        self.base = self.meter.current()

    def _at_target(self):
        if self.mode == "count":
            self.alive = self.meter.arrays()
        else:
            self.stock = self._take_stock()
            self.stock["made"] = self.meter.arrays()

    def _take_stock(self):
        """{part: (bytes made in this step, bytes held from before)} of what the parts name now, each
        allocation once: the trainer's (claim order), then what this step's forward kernels saved, then what
        its kernels returned."""
        taken = dict(self.untraced)
        parts = self.trainer.memory_parts() if hasattr(self.trainer, "memory_parts") else {}
        named = {p: flat_arrays(parts.get(p, [])) for p in ENGINE_PARTS + ("saved",)}
        named["saved_kernels"] = [a for a in (r() for r in self.saved) if a is not None]
        named["kernels"] = [a for a in (r() for r in self.made) if a is not None]
        out = {}
        for part, arrays in named.items():
            new = old = 0
            for a in arrays:
                addr, size = extent(a)
                if size and addr not in taken:
                    taken[addr] = part
                    if self.meter.made_since_mark(owner(a)):
                        new += size
                    else:
                        old += size
            out[part] = (new, old)
        return out

    def take_apart(self, trainer, batches, arrays0=0):
        """Three steps of `trainer` (built with this probe installed, idle until now, and past its first
        step) on batches[0:3]: locate, count, decompose. `arrays0` (array bytes alive before the trainer was
        built) is taken off what the meter counts. Returns the array parts {part: bytes}, `arrays` (array
        bytes alive at the peak), `unclaimed_arrays` (bytes alive that no part names: held from before the
        step, not reported; < 0: the parts name more than is alive), `objects` (whether the meter counts
        Python objects too), `at`, `saved_fwd`; `settle` adds bookkeeping and the sum once the peak is
        known. The meter is left marked (CPU: tracemalloc forgot the traces before the third step)."""
        self.untraced.update(batch_extents(batches))
        n_segments = None
        for mode, batch in zip(("locate", "count", "decompose"), batches):
            self.begin(mode, trainer)
            trainer.step(batch)
            self.end()
            if mode == "locate":
                self.target = self.best[1]
                n_segments = self.seg
            elif self.seg != n_segments:
                raise RuntimeError(f"the {mode} step ran {self.seg} segments, the locating step {n_segments}: "
                                   "the step is not the same from one iteration to the next")
        s = self.stock
        growth = self.growths[self.target]
        out = {p: sum(s[p]) for p in ENGINE_PARTS}
        out["saved"] = sum(s["saved"]) + sum(s["saved_kernels"])
        named_new = sum(v[0] for k, v in s.items() if k != "made")
        named_old = sum(v[1] for k, v in s.items() if k != "made")
        # arrays this step made that no part names: made outside the kernels (a zeros_like for gradients to
        # accumulate into, the result of `a + b` in the engine's own code): temporaries too
        outside = s["made"] - named_new
        out["temporaries"] = sum(s["kernels"]) + max(0, outside) + growth
        alive = self.alive - arrays0
        out["unclaimed_arrays"] = (alive - s["made"] - named_old) + min(0, outside)
        # the segment's growth (the running kernel's output and workspace) is array data, the few Python
        # objects the kernel makes meanwhile not told apart
        out["arrays"] = alive + growth
        out["objects"] = self.meter.objects
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
    from the timed trainer). `batches`: four batches (warm-up, locate, count, decompose). Returns
    take_apart's array parts."""
    probe = Probe(meter)
    probe.untraced = batch_extents(batches)
    install_hook(probe)
    # arrays alive before this trainer is built are not its own (on a GPU: whatever else the pool holds)
    arrays0 = meter.arrays()
    try:
        trainer = build()
        trainer.step(batches[0])                 # first-use allocations: not the steady state
        return probe.take_apart(trainer, batches[1:], arrays0=arrays0)
    finally:
        remove_hook()


def settle(parts, peak):
    """take_apart's array parts with the measured `peak` (bytes): bookkeeping, the traced bytes that are
    not array data at the peak (the peak minus the array bytes alive at it; 0 where the meter counts array
    data only, a GPU pool), and `total`, the parts' sum."""
    out = dict(parts)
    out["bookkeeping"] = max(0, peak - parts["arrays"]) if parts["objects"] and peak else 0
    out["total"] = sum(out[p] for p in PARTS)
    return out


def check(parts, peak, tol=TOLERANCE):
    """'' when the settled parts add up to `peak` within `tol`, else one line saying how they do not."""
    if not peak:
        return "no peak measured"
    why = []
    allowed = tol * peak
    if abs(parts["total"] - peak) > allowed:
        why.append(f"the parts sum to {parts['total'] / MIB:.2f} MB, {100 * (parts['total'] / peak - 1):+.1f}% "
                   f"of the {peak / MIB:.2f} MB peak")
    if parts["unclaimed_arrays"] > allowed:
        why.append(f"{parts['unclaimed_arrays'] / MIB:.2f} MB of arrays alive at the peak, held from before the "
                   "step, are in no part (the trainer keeps them but does not report them, or the step leaves "
                   "them behind each iteration)")
    if parts["unclaimed_arrays"] < -allowed:
        why.append(f"the parts claim {-parts['unclaimed_arrays'] / MIB:.2f} MB more than the arrays alive "
                   "(an array counted in two parts, or one not traced)")
    if parts.get("objects") and parts["arrays"] - peak > allowed:
        why.append(f"the arrays alive at the breakdown's peak ({parts['arrays'] / MIB:.2f} MB) exceed the "
                   "measured peak (the step holds more each iteration)")
    return "; ".join(why)


def columns(parts, peak, bound=None):
    """The result-row columns of a breakdown (MiB), with the check's verdict."""
    parts = settle(parts, peak)
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
