"""The GEMMs of one training step, alone: recorded from the step as it runs (every numpy.matmul call: the
shared kernels make all their products through xp.matmul, test_gemm_replay.py keeps it so), then replayed
on arrays of the same shapes, strides and dtypes that share memory as the step's did (one weight read by
every time step stays one array; a pool block reused by two products stays one block). The replay's time is
what the step's matrix products cost with this machine's BLAS, however the rest of the step is written: the
part of a floor that no layout of its elementwise work can remove (test_floor_vs_numpy.py times it against
the NumPy script).
"""
import numpy as np

# replayed buffers start at the recorded address modulo this (a page), so each operand keeps its alignment
_ALIGN = 4096


def _layout(a):
    """(shape, strides, dtype, address of element 0) of an operand (a scalar or list: the array NumPy makes
    of it)."""
    a = np.asarray(a)
    return a.shape, a.strides, a.dtype, a.__array_interface__["data"][0]


def _span(layout):
    """The bytes [low, high) that an operand of `layout` reads or writes."""
    shape, strides, dtype, address = layout
    if not all(shape):
        return address, address
    low = address + sum((n - 1) * s for n, s in zip(shape, strides) if s < 0)
    high = address + sum((n - 1) * s for n, s in zip(shape, strides) if s > 0) + dtype.itemsize
    return low, high


def record_gemms(step, *args):
    """Run step(*args) once and return the layouts (a, b, out or None) of the numpy.matmul calls it made,
    in order."""
    calls = []
    real = np.matmul

    def matmul(a, b, *rest, **kw):
        out = kw.get("out", rest[0] if rest else None)
        calls.append((_layout(a), _layout(b), None if out is None else _layout(out)))
        return real(a, b, *rest, **kw)

    np.matmul = matmul
    try:
        step(*args)
    finally:
        np.matmul = real
    return calls


def _memory(layouts, rs):
    """One buffer per run of overlapping recorded spans, filled with values like a step's (uniform in
    [-1, 1) as float32, finite read as any float type): a list of (low, high, buffer), the buffer standing
    for the recorded bytes [low, high) and starting at low's offset within a page."""
    spans = sorted(_span(la) for la in layouts)
    merged = []
    for low, high in spans:
        if merged and low < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    memory = []
    for low, high in merged:
        raw = np.empty(high - low + 2 * _ALIGN, np.uint8)
        shift = (low - raw.__array_interface__["data"][0]) % _ALIGN
        buf = raw[shift:shift + high - low]
        words = (len(buf) // 4) * 4
        buf[:words].view(np.float32)[...] = rs.uniform(-1, 1, words // 4)
        memory.append((low, high, buf))
    return memory


def _array(memory, layout):
    """The replay's array of `layout`, over the buffer that holds its recorded span."""
    shape, strides, dtype, address = layout
    low, high = _span(layout)
    for start, end, buf in memory:
        if start <= low and high <= end:
            return np.ndarray(shape, dtype, buf, address - start, strides)
    raise AssertionError(f"no replay buffer holds the operand at {address:#x}")


def replayer(calls, seed=0):
    """A function that makes `calls`' products again, in order, into the recorded output arrays (or new ones
    where the step made new ones); all arrays are made here, once."""
    layouts = [la for call in calls for la in call if la is not None]
    memory = _memory(layouts, np.random.RandomState(seed))
    ops = [(_array(memory, a), _array(memory, b), None if out is None else _array(memory, out))
           for a, b, out in calls]

    def replay(*_):
        matmul = np.matmul   # read per replay, as the step's kernels read xp.matmul
        for a, b, out in ops:
            if out is None:
                matmul(a, b)
            else:
                matmul(a, b, out=out)
        return 0.0
    return replay
