"""tf.map_fn, tf.scan, tf.foldl, tf.foldr (TF 1.x's functional_ops) on tf.while_loop, as TF builds them.

Each iteration reads element i with tf.gather (TF unstacks into a TensorArray and reads it) and, for map_fn
and scan, writes its result into row i of an accumulator loop variable (TensorListSetItem: TF's
TensorArray write then stack), so gradients flow through the loop's own gradient.
"""
from . import nest as _nest
from .control_flow_ops import while_loop
from .graph import Tensor, TensorShape, get_default_graph, int32
from . import ops
from .gradients import RegisterGradient


def _set_item(acc, i, y, n):
    """acc with row i replaced by y; an accumulator not yet allocated (0-d) becomes zeros of (n, *y)."""
    return ops.graph_op("TensorListSetItem", [acc, i, y, n], [(y.dtype, None)], "TensorListSetItem").outputs[0]


@RegisterGradient("TensorListSetItem")
def _set_item_grad(op, grad):
    _, i, y, n = op.inputs
    return [_set_item(grad, i, ops.zeros_like(y), n), None, ops.gather(grad, i), None]


def _register():
    from .runtime import register_runner

    @register_runner("TensorListSetItem")
    def _set_item_runner(op, sess):
        xp = sess.xp

        def run(acc, i, y, n):
            out = xp.zeros((int(n),) + tuple(y.shape), y.dtype) if acc.ndim == 0 else acc.copy()
            out[int(i)] = y
            return (out,)
        return run


_register()


def _elems(elems):
    flat = [ops.convert_to_tensor(e) for e in _nest.flatten(elems)]
    if not flat:
        raise ValueError("elems must be a Tensor or (possibly nested) sequence of tensors. Got {}".format(elems))
    for e in flat:
        if e.shape.dims is not None and len(e.shape.dims) == 0:
            raise ValueError(f"Elements in elems must be 1+ dimensional Tensors, not scalars")
    n_static = flat[0].shape.dims[0] if flat[0].shape.dims else None
    n = ops.shape(flat[0])[0] if n_static is None else ops.constant(n_static, dtype=int32)
    return flat, n, n_static


def _check_fn(fn):
    if not callable(fn):
        raise TypeError("fn must be callable.")


def _read(flat, i, structure):
    return _nest.pack_sequence_as(structure, [ops.gather(e, i) for e in flat])


def _stacked(accs, results, n_static):
    for a, r in zip(accs, results):
        if r.shape.dims is not None:
            a.set_shape((n_static,) + tuple(r.shape.dims))
    return accs


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None):
    """fn applied to each element of `elems` unpacked on dimension 0, the results stacked (TF 1.x)."""
    _check_fn(fn)
    with get_default_graph().name_scope(name or "map"):
        flat, n, n_static = _elems(elems)
        out_struct = [None]

        def body(i, *accs):
            y = fn(_read(flat, i, elems))
            out_struct[0] = y
            ys = [ops.convert_to_tensor(t) for t in _nest.flatten(y)]
            if dtype is None and len(ys) != len(accs):
                raise ValueError("The two structures don't have the same number of elements. map_fn's fn "
                                 "returns a structure different from elems': pass dtype=")
            body.results = ys
            return [i + 1] + [_set_item(a, i, t, n) for a, t in zip(accs, ys)]
        n_out = len(_nest.flatten(dtype)) if dtype is not None else len(flat)
        dts = _nest.flatten(dtype) if dtype is not None else [e.dtype for e in flat]
        init = [ops.constant(0, dtype=int32)] + [ops.zeros((), dtype=d) for d in dts[:n_out]]
        inv = [TensorShape(())] + [TensorShape(None)] * n_out
        res = while_loop(lambda i, *a: i < n, body, init, shape_invariants=inv, back_prop=back_prop,
                         return_same_structure=True)
        accs = _stacked(list(res[1:]), body.results, n_static)
        return _nest.pack_sequence_as(out_struct[0], accs)


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """The successive `fn(acc, x)` over `elems` on dimension 0, stacked (TF 1.x's tf.scan)."""
    _check_fn(fn)
    with get_default_graph().name_scope(name or "scan"):
        flat, n, n_static = _elems(elems)
        def index(j):
            return n - 1 - j if reverse else j
        zero = ops.constant(0, dtype=int32)
        if initializer is None:   # the first element starts the accumulator and is the first output
            a0, start = _read(flat, index(zero), elems), 1
        else:
            a0, start = initializer, 0
        a_flat = [ops.convert_to_tensor(t) for t in _nest.flatten(a0)]
        k = len(a_flat)

        def body(j, *vs):
            accs, outs = list(vs[:k]), list(vs[k:])
            new = fn(_nest.pack_sequence_as(a0, accs), _read(flat, index(j), elems))
            new = [ops.convert_to_tensor(t) for t in _nest.flatten(new)]
            return [j + 1] + new + [_set_item(o, index(j), t, n) for o, t in zip(outs, new)]
        outs0 = [ops.zeros((), dtype=t.dtype) for t in a_flat]
        if start:   # the first output is the first element itself
            outs0 = [_set_item(o, index(zero), t, n) for o, t in zip(outs0, a_flat)]
        init = [ops.constant(start, dtype=int32)] + a_flat + outs0
        inv = [TensorShape(())] + [t.shape for t in a_flat] + [TensorShape(None)] * k
        res = while_loop(lambda j, *v: j < n, body, init, shape_invariants=inv, back_prop=back_prop,
                         return_same_structure=True)
        return _nest.pack_sequence_as(a0, _stacked(list(res[1 + k:]), a_flat, n_static))


def _fold(fn, elems, initializer, back_prop, name, reverse):
    _check_fn(fn)
    with get_default_graph().name_scope(name):
        flat, n, n_static = _elems(elems)
        if initializer is None:
            a0 = _read(flat, (n - 1) if reverse else ops.constant(0, dtype=int32), elems)
            start = 1
        else:
            a0, start = initializer, 0
        a_flat = [ops.convert_to_tensor(t) for t in _nest.flatten(a0)]

        def body(j, *accs):
            x = _read(flat, (n - 1 - j) if reverse else j, elems)
            new = fn(_nest.pack_sequence_as(a0, list(accs)), x)
            return [j + 1] + [ops.convert_to_tensor(t) for t in _nest.flatten(new)]
        res = while_loop(lambda j, *a: j < n, body, [ops.constant(start, dtype=int32)] + a_flat,
                         back_prop=back_prop, return_same_structure=True)
        return _nest.pack_sequence_as(a0, list(res[1:]))


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """fn(acc, x) folded over `elems` from the first element (TF 1.x's tf.foldl)."""
    return _fold(fn, elems, initializer, back_prop, name or "foldl", reverse=False)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """fn(acc, x) folded over `elems` from the last element (TF 1.x's tf.foldr)."""
    return _fold(fn, elems, initializer, back_prop, name or "foldr", reverse=True)
