"""Graph algorithms the planning engines share (not a style): order, liveness, buffer reuse, arena packing.

Static graph, layer config and hybrid all compile a step into a flat schedule; this module decides the
order, when each value dies, and which values can share one buffer (or where each sits in one arena). It knows nothing of any engine:
nodes and values are any hashable objects, described by callables.
"""
from dataclasses import dataclass


class CycleError(ValueError):
    """The graph has a cycle, so no schedule exists; names a node on it."""


def toposort(roots, deps):
    """Every node reachable from `roots`, each after all of its `deps(node)`.

    Iterative (no recursion limit) and deterministic: the order follows `roots` and each `deps` list.
    """
    order, state = [], {}  # state: 1 = on the stack, 2 = done
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(deps(root)))]
        while stack:
            node, pending = stack[-1]
            for d in pending:
                s = state.get(d)
                if s is None:
                    state[d] = 1
                    stack.append((d, iter(deps(d))))
                    break
                if s == 1:
                    raise CycleError(f"the graph has a cycle through {d!r}")
            else:
                stack.pop()
                state[node] = 2
                order.append(node)
    return order


def eager_order(order, deps):
    """Reorder the topological `order` so each node runs as soon as its deps have run (ties keep `order`).

    A depth-first order finishes one branch before the next, so side outputs wait (e.g. every unrolled
    step's weight gradient until the whole backward is done); running each node once it is ready lets a
    running sum consume them as they come. Still a valid topological order of the same nodes.
    """
    import heapq
    pos = {n: i for i, n in enumerate(order)}
    waiting, users = {}, {}
    for n in order:
        ds = {d for d in deps(n) if d in pos}
        waiting[n] = len(ds)
        for d in ds:
            users.setdefault(d, []).append(n)
    ready = [(-1, pos[n], n) for n in order if waiting[n] == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        _, _, n = heapq.heappop(ready)
        out.append(n)
        for u in users.get(n, ()):
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, (len(out) - 1, pos[u], u))
    return out


@dataclass(frozen=True)
class Interval:
    """A value is live from the step that writes it to the last step that reads it (inclusive)."""
    start: int
    end: int


def liveness(steps, reads, writes, keep=()):
    """Live interval of every value in a schedule.

    steps: the schedule, in order; reads(step) / writes(step): the values a step reads / writes.
    keep: values that must outlive the schedule (fetched outputs, parameters): they end at len(steps).
    A value read but never written (a feed, a parameter) starts at -1: it exists before step 0.
    """
    start, end = {}, {}
    for i, step in enumerate(steps):
        for v in reads(step):
            start.setdefault(v, -1)
            end[v] = i
        for v in writes(step):
            start.setdefault(v, i)
            end.setdefault(v, i)  # written but never read: dies where it is born
    final = len(steps)
    for v in keep:
        if v in start:
            end[v] = final
    return {v: Interval(start[v], end[v]) for v in start}


def peak_live_bytes(intervals, nbytes):
    """The liveness lower bound: the most bytes ever live at one step, if every value had its own buffer
    exactly as long as it is live. `nbytes(value)` gives a value's size."""
    events = {}
    for v, iv in intervals.items():
        events[iv.start] = events.get(iv.start, 0) + nbytes(v)
        events[iv.end + 1] = events.get(iv.end + 1, 0) - nbytes(v)
    peak = live = 0
    for t in sorted(events):
        live += events[t]
        peak = max(peak, live)
    return peak


def assign_buffers(intervals, key, candidates=None):
    """Give each value a buffer id, reusing a buffer whose last value died strictly before this one starts.

    key(value): what a buffer must match to be shared (e.g. (shape, dtype)).
    candidates: the values that may share (default all); the rest get a buffer of their own.
    Returns (assignment: value -> buffer id, buffers: list of keys, one per buffer id). Greedy in order of
    start step, which is optimal for same-key intervals (interval-graph colouring).
    """
    pool = set(intervals) if candidates is None else set(candidates)
    order = sorted(intervals, key=lambda v: (intervals[v].start, intervals[v].end, repr(v)))
    free = {}      # key -> buffer ids whose value is dead
    busy = []      # (end, buffer id, key) of live buffers
    assignment, buffers = {}, []
    for v in order:
        iv = intervals[v]
        still = []
        for end, b, k in busy:
            if end < iv.start:
                free.setdefault(k, []).append(b)
            else:
                still.append((end, b, k))
        busy = still
        k = key(v)
        if v in pool and free.get(k):
            b = free[k].pop()
        else:
            b = len(buffers)
            buffers.append(k)
        assignment[v] = b
        if v in pool:
            busy.append((iv.end, b, k))
    return assignment, buffers


def assign_offsets(intervals, nbytes, align=64):
    """Pack values into one arena: a byte offset for each, such that values live at the same step never
    overlap (any shapes and dtypes may share bytes, unlike assign_buffers' same-key buffers). Greedy by
    size, the largest first, each at the lowest offset free for its whole interval (TFLite's arena
    planner's heuristic), so the arena stays close to the most bytes live at once.
    Returns (offsets: value -> byte offset, a multiple of `align`; arena size in bytes)."""
    order = sorted(intervals, key=lambda v: -nbytes(v))   # stable: ties keep the caller's order
    placed = []    # (start, end, offset, size)
    offsets, total = {}, 0
    for v in order:
        iv = intervals[v]
        size = -(-nbytes(v) // align) * align
        busy = sorted((o, s) for a, b, o, s in placed if a <= iv.end and iv.start <= b)
        off = 0
        for o, s in busy:
            if o - off >= size:
                break
            off = max(off, o + s)
        offsets[v] = off
        placed.append((iv.start, iv.end, off, size))
        total = max(total, off + size)
    return offsets, total
