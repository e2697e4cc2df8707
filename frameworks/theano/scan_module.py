"""theano.scan: a loop over sequences with recurrent outputs (outputs_info, taps), non_sequences and n_steps.

At graph-building time `fn` is called once on symbolic step variables, as Theano does, which gives the
inner graph. When the function is lowered the number of steps is known (the sequences' lengths, or
n_steps), and scan unrolls: each step lowers the step-dependent part of the inner graph with that step's
slices and states, the rest (non_sequences, closures over shared variables) once. The outputs are the
steps' values stacked on a new first axis; T.grad differentiates through the unrolled steps."""
import collections

import numpy as np

import frameworks.static_graph as tf
from .graph import (TensorType, Variable, apply, as_tf, as_variable, is_static, static_shape)


def _seq_spec(s):
    if isinstance(s, dict):
        taps = list(s.get("taps", [0]) or [0])
        return as_variable(s["input"]), taps
    return as_variable(s), [0]


def _out_spec(o):
    if o is None:
        return None, []
    if isinstance(o, dict):
        init = o.get("initial")
        if init is None:
            return None, []
        taps = list(o.get("taps", [-1]))
        if any(t >= 0 for t in taps):
            raise ValueError(f"scan: the taps of an output must be negative, got {taps}")
        return as_variable(init), taps
    return as_variable(o), [-1]


def _inner(var_type, name):
    v = var_type(name)
    v.tag.scan_inner = True
    return v


def scan(fn, sequences=None, outputs_info=None, non_sequences=None, n_steps=None, truncate_gradient=-1,
         go_backwards=False, mode=None, name=None, profile=False, allow_gc=None, strict=False,
         return_list=False):
    """Loop `fn` over `sequences` (their first axis), feeding back the outputs named in `outputs_info`.
    Returns (outputs, updates): outputs one variable per output (a list when several), stacked over steps."""
    if truncate_gradient != -1:
        raise NotImplementedError("scan: truncate_gradient is not supported (the gradient runs through every step)")
    as_list = lambda x: [] if x is None else (list(x) if isinstance(x, (list, tuple)) else [x])  # noqa: E731
    seqs = [_seq_spec(s) for s in as_list(sequences)]
    outs = [_out_spec(o) for o in as_list(outputs_info)]
    nonseqs = [as_variable(v) if not isinstance(v, Variable) else v for v in as_list(non_sequences)]
    label = name or "scan"
    inner_args, seq_bind, out_bind = [], [], []
    for k, (s, taps) in enumerate(seqs):
        if s.ndim < 1:
            raise ValueError(f"{label}: sequence {k} ({s!r}) must have at least one dimension")
        for tap in taps:
            v = _inner(TensorType(s.dtype, s.broadcastable[1:]), f"{s}[t{tap:+d}]" if tap else f"{s}[t]")
            inner_args.append(v)
            seq_bind.append((k, tap, v))
    for k, (init, taps) in enumerate(outs):
        if init is None:
            continue
        state_type = init.type if taps == [-1] else TensorType(init.dtype, init.broadcastable[1:])
        for tap in taps:
            v = _inner(state_type, f"{label}_out{k}[t{tap}]")
            inner_args.append(v)
            out_bind.append((k, tap, v))
    result = fn(*(inner_args + nonseqs))
    updates = collections.OrderedDict()
    if isinstance(result, dict):
        updates, result = result, []
    elif isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
        result, updates = result
    if updates:
        raise NotImplementedError(f"{label}: updates returned by the step function (random streams inside scan) "
                                  "are not supported")
    inner_outs = [as_variable(r) for r in (result if isinstance(result, (list, tuple)) else [result])]
    if not outs:
        outs = [(None, [])] * len(inner_outs)
    if len(inner_outs) != len(outs):
        raise ValueError(f"{label}: the step function returned {len(inner_outs)} outputs but outputs_info has "
                         f"{len(outs)} entries. Please provide None as outputs_info for any output that does not "
                         "feed back into scan (i.e. it behaves like a map)")
    for k, ((init, taps), o) in enumerate(zip(outs, inner_outs)):
        if init is None:
            continue
        want = init.type if taps == [-1] else TensorType(init.dtype, init.broadcastable[1:])
        if o.dtype != want.dtype:
            raise ValueError(f"When compiling the inner function of scan the following error has been "
                             f"encountered: The initial state (`outputs_info` in scan nomenclature) of variable "
                             f"{init!r} (argument number {k}) has dtype {want.dtype}, while the result of the inner "
                             f"function (`fn`) has dtype {o.dtype}. This can happen if the inner function of scan "
                             f"results in an upcast or downcast.")
        if o.ndim != want.ndim:
            raise ValueError(f"{label}: output {k} of the step function has {o.ndim} dimensions but its initial "
                             f"state {init!r} has {want.ndim}")
    local = _step_dependent(inner_outs, set(inner_args))
    steps = None if n_steps is None else as_variable(n_steps)
    inputs = [s for s, _ in seqs] + [init for init, _ in outs if init is not None] + ([steps] if steps is not None else [])
    n_seq, n_init = len(seqs), sum(init is not None for init, _ in outs)

    def lower(L, *vals):
        seq_vals, init_vals = vals[:n_seq], vals[n_seq:n_seq + n_init]
        lengths = []
        for (s, taps), v in zip(seqs, seq_vals):
            lengths.append(static_shape(v, f"{label} sequence")[0] - (max(taps) - min(taps)))
        n = min(lengths) if lengths else None
        if steps is not None:
            n = int(vals[-1]) if n is None else min(n, int(vals[-1]))
        if n is None:
            raise ValueError(f"{label}: no sequences and no n_steps: the number of steps is unknown")
        if n < 1:
            raise ValueError(f"{label}: the number of steps must be at least 1, got {n}")
        slices = [_rows(v) for v in seq_vals]
        history, it = {}, iter(init_vals)
        for k, (init, taps) in enumerate(outs):
            if init is not None:
                v = next(it)
                history[k] = [v] if taps == [-1] else _rows(v)
        collected = [[] for _ in inner_outs]
        order = range(n - 1, -1, -1) if go_backwards else range(n)
        for t in order:
            bind = {}
            for k, tap, var in seq_bind:
                taps = seqs[k][1]
                bind[var] = slices[k][t - min(taps) + tap]
            for k, tap, var in out_bind:
                bind[var] = history[k][len(history[k]) + tap]
            step = L.child(bind, local)
            for k, o in enumerate(inner_outs):
                value = step(o)
                if k in history:
                    value = as_tf(value, o.dtype)
                    history[k].append(value)
                collected[k].append(value)
        stacked = tuple(_stack(c, o.dtype) for c, o in zip(collected, inner_outs))
        return stacked if len(stacked) > 1 else stacked[0]

    out_vars = apply("Scan", lower, inputs,
                     [TensorType(o.dtype, (False,) + o.broadcastable) for o in inner_outs],
                     static=(len(inputs) - 1,) if steps is not None else (), _closure=tuple(inner_outs))
    out_vars = out_vars if isinstance(out_vars, list) else [out_vars]
    if len(out_vars) == 1 and not return_list:
        return out_vars[0], collections.OrderedDict()
    return out_vars, collections.OrderedDict()


def _step_dependent(outputs, inner_args):
    """The variables of the inner graph that depend on a step variable (recomputed at every step)."""
    memo = {}

    def dep(v):
        if v in memo:
            return memo[v]
        memo[v] = False
        r = v in inner_args or (v.owner is not None and any([dep(i) for i in v.owner.inputs] +
                                                             [dep(i) for i in v.owner.attrs.get("_closure", ())]))
        memo[v] = r
        return r
    for o in outputs:
        dep(o)
    return {v for v, d in memo.items() if d}


def _rows(v):
    """The slices of a lowered value along its first axis."""
    if is_static(v):
        return list(np.asarray(v))
    n = static_shape(v, "scan")[0]
    return tf.unstack(v, num=n, axis=0) if n > 1 else [tf.reshape(v, list(static_shape(v)[1:]))]


def _stack(values, dtype):
    if all(is_static(v) for v in values):
        return np.stack([np.asarray(v, dtype=dtype) for v in values])
    return tf.stack([as_tf(v, dtype) for v in values], axis=0)



