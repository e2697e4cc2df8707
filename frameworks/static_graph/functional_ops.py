"""tf.map_fn, tf.scan, tf.foldl, tf.foldr (TF 1.x's functional_ops) as TF builds them: the elements
unstacked into TensorArrays, a tf.while_loop reading element i, and (map_fn, scan) each result written
into an output TensorArray that is stacked at the end; gradients are the loop's own."""
from . import nest as _nest
from .control_flow_ops import while_loop
from .graph import TensorShape, get_default_graph, int32
from .tensor_array_ops import TensorArray
from . import ops


def _check_fn(fn):
    if not callable(fn):
        raise TypeError("fn must be callable.")


def _unstacked(elems):
    """(TensorArrays of the flat elements, n as a tensor, n if static)."""
    flat = [ops.convert_to_tensor(e) for e in _nest.flatten(elems)]
    if not flat:
        raise ValueError(f"elems must be a Tensor or (possibly nested) sequence of tensors. Got {elems}")
    for e in flat:
        if e.shape.dims is not None and len(e.shape.dims) == 0:
            raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    n_static = flat[0].shape.dims[0] if flat[0].shape.dims else None
    n = ops.shape(flat[0])[0] if n_static is None else ops.constant(n_static, dtype=int32)
    tas = [TensorArray(e.dtype, size=n, element_shape=None if e.shape.dims is None else e.shape.dims[1:])
           .unstack(e) for e in flat]
    return tas, n, n_static


def _read(tas, i, structure):
    return _nest.pack_sequence_as(structure, [ta.read(i) for ta in tas])


def _stack(tas, n_static):
    out = []
    for ta in tas:
        v = ta.stack()
        if n_static is not None and v.shape.dims is not None:
            v.set_shape((n_static,) + tuple(v.shape.dims[1:]))
        out.append(v)
    return out


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None):
    """fn applied to each element of `elems` unpacked on dimension 0, the results stacked (TF 1.x)."""
    _check_fn(fn)
    with get_default_graph().name_scope(name or "map"):
        tas, n, n_static = _unstacked(elems)
        out_struct = elems if dtype is None else dtype
        dts = [ta.dtype for ta in tas] if dtype is None else _nest.flatten(dtype)
        accs = [TensorArray(d, size=n, infer_shape=infer_shape) for d in dts]
        structure = [None]

        def body(i, *accs):
            y = fn(_read(tas, i, elems))
            structure[0] = y
            try:
                _nest.assert_same_structure(out_struct, y, check_types=False)
            except (TypeError, ValueError) as e:
                raise ValueError(f"The two structures don't have the same nested structure. fn's result "
                                 f"and {'elems' if dtype is None else 'dtype'}: {e}") from None
            return [i + 1] + [a.write(i, t) for a, t in zip(accs, _nest.flatten(y))]
        res = while_loop(lambda i, *a: i < n, body, [ops.constant(0, dtype=int32)] + accs,
                         back_prop=back_prop, return_same_structure=True)
        return _nest.pack_sequence_as(structure[0], _stack(res[1:], n_static))


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """The successive `fn(acc, x)` over `elems` on dimension 0, stacked (TF 1.x's tf.scan)."""
    _check_fn(fn)
    with get_default_graph().name_scope(name or "scan"):
        tas, n, n_static = _unstacked(elems)

        def index(j):
            return n - 1 - j if reverse else j
        zero = ops.constant(0, dtype=int32)
        if initializer is None:   # the first element starts the accumulator and is the first output
            a0, start = _read(tas, index(zero), elems), 1
        else:
            a0, start = initializer, 0
        a_flat = [ops.convert_to_tensor(t) for t in _nest.flatten(a0)]
        k = len(a_flat)
        outs = [TensorArray(t.dtype, size=n, infer_shape=infer_shape) for t in a_flat]
        if start:
            outs = [o.write(index(zero), t) for o, t in zip(outs, a_flat)]

        def body(j, *vs):
            new = fn(_nest.pack_sequence_as(a0, list(vs[:k])), _read(tas, index(j), elems))
            new = [ops.convert_to_tensor(t) for t in _nest.flatten(new)]
            return [j + 1] + new + [o.write(index(j), t) for o, t in zip(vs[k:], new)]
        res = while_loop(lambda j, *v: j < n, body, [ops.constant(start, dtype=int32)] + a_flat + outs,
                         shape_invariants=[TensorShape(())] + [t.shape for t in a_flat] + [None] * k,
                         back_prop=back_prop, return_same_structure=True)
        return _nest.pack_sequence_as(a0, _stack(res[1 + k:], n_static))


def _fold(fn, elems, initializer, back_prop, name, reverse):
    _check_fn(fn)
    with get_default_graph().name_scope(name):
        tas, n, n_static = _unstacked(elems)

        def index(j):
            return n - 1 - j if reverse else j
        if initializer is None:
            a0, start = _read(tas, index(ops.constant(0, dtype=int32)), elems), 1
        else:
            a0, start = initializer, 0
        a_flat = [ops.convert_to_tensor(t) for t in _nest.flatten(a0)]

        def body(j, *accs):
            new = fn(_nest.pack_sequence_as(a0, list(accs)), _read(tas, index(j), elems))
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
