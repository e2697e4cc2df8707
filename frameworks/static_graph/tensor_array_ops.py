"""tf.TensorArray (TF 1.x's tensor_array_ops): read, write, stack, unstack, gather, size, for while_loop.

The array is its `flow` tensor: the elements stacked on a new first axis (an unwritten array is a 0-d
placeholder value, allocated on its first write once the element shape is known). A write is a
TensorListSetItem op returning a new flow (a copy with row i replaced: O(size) per write, where TF writes
in place), a read is tf.gather of the flow, stack is the flow itself; so while_loop carries a TensorArray
as its flow tensor, and gradients are those of gather and of the write (the written row's gradient is the
flow gradient's row i; the rest flows to the array before the write).
"""
from .errors import InvalidArgumentError
from .graph import Tensor, TensorShape, as_dtype, get_default_graph, int32
from .gradients import RegisterGradient
from . import ops


def _set_item(flow, i, y, size, dynamic):
    op = ops.graph_op("TensorListSetItem", [flow, i, y, size], [(y.dtype, None), (int32, ())],
                      "TensorArrayWrite", dynamic=dynamic)
    return op.outputs[0]


@RegisterGradient("TensorListSetItem")
def _set_item_grad(op, grad, _):
    _, i, y, _ = op.inputs
    d_flow = ops.graph_op("TensorListSetItemGrad", [grad, i, op.outputs[1]], [(grad.dtype, None)],
                          "TensorArrayWriteGrad").outputs[0]
    return [d_flow, None, ops.gather(grad, i), None]


def _register():
    from .runtime import register_runner

    @register_runner("TensorListSetItem")
    def _set_item_runner(op, sess):
        xp, dynamic = sess.xp, op.attrs["dynamic"]

        def run(flow, i, y, size):
            i, size = int(i), int(size)
            rows = -1 if flow.ndim == 0 else flow.shape[0]   # -1: not allocated yet
            if i < 0 or (i >= max(rows, size) and not dynamic):
                raise InvalidArgumentError(None, op, f"Tried to write to index {i} but array is not "
                                           f"resizeable and size is: {size}")
            n = max(rows, size, i + 1)
            if rows < 0 or n > rows:   # allocate, or grow a dynamic_size array
                out = xp.zeros((n,) + tuple(y.shape), y.dtype)
                if rows > 0:
                    out[:rows] = flow
            else:
                out = flow.copy()
            out[i] = y
            return out, xp.asarray(rows, np_int32)
        return run

    @register_runner("TensorListSetItemGrad")
    def _set_item_grad_runner(op, sess):
        xp = sess.xp

        def run(grad, i, rows):
            rows = int(rows)
            if rows < 0:   # the array before its first write: a 0-d placeholder value
                return (xp.zeros((), grad.dtype),)
            out = grad[:rows].copy()
            if int(i) < rows:
                out[int(i)] = 0
            return (out,)
        return run

    @register_runner("TensorListLength")
    def _length_runner(op, sess):
        xp = sess.xp
        return lambda flow, size: (xp.asarray(flow.shape[0] if flow.ndim else int(size), np_int32),)


np_int32 = int32.np
_register()


class TensorArray:
    """TF 1.x's TensorArray: `write` and `unstack` return a new TensorArray (use the result, as in TF)."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None, tensor_array_name=None,
                 handle=None, flow=None, infer_shape=True, element_shape=None,
                 colocate_with_first_write_call=True, name=None):
        if size is None and flow is None:
            raise ValueError("Size must be provided if handle is not provided")
        self._dtype = as_dtype(dtype)
        self._size = ops.convert_to_tensor(size if size is not None else 0, dtype=int32)
        self._dynamic_size = bool(dynamic_size)
        self._element_shape = None if element_shape is None else TensorShape(element_shape).dims
        self._infer_shape = infer_shape
        if flow is None:
            with get_default_graph().name_scope(name or "TensorArray"):
                flow = ops.zeros((), dtype=self._dtype)
        self._flow = flow

    @property
    def dtype(self):
        return self._dtype

    @property
    def flow(self):
        return self._flow

    @property
    def handle(self):
        return self._flow

    @property
    def element_shape(self):
        return TensorShape(self._element_shape)

    def _with_flow(self, flow, element_shape=None):
        ta = TensorArray.__new__(TensorArray)
        ta.__dict__.update(self.__dict__)
        ta._flow = flow
        if element_shape is not None and self._infer_shape:
            ta._element_shape = tuple(element_shape)
        return ta

    def _check_dtype(self, value):
        value = ops.convert_to_tensor(value, dtype=self._dtype) if not isinstance(value, Tensor) else value
        if value.dtype != self._dtype:
            raise TypeError(f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype "
                            f"{value.dtype.name}")
        return value

    def _merge_shape(self, shape):
        if self._element_shape is not None and shape is not None and self._infer_shape \
                and not TensorShape(self._element_shape).is_compatible_with(shape):
            raise ValueError(f"Inconsistent shapes: saw {TensorShape(shape)} but expected "
                             f"{TensorShape(self._element_shape)} (and infer_shape=True)")
        return shape if shape is not None else self._element_shape

    def write(self, index, value, name=None):
        value = self._check_dtype(value)
        shape = self._merge_shape(value.shape.dims)
        flow = _set_item(self._flow, ops.convert_to_tensor(index, dtype=int32), value, self._size,
                         self._dynamic_size)
        return self._with_flow(flow, shape)

    def read(self, index, name=None):
        value = ops.gather(self._flow, ops.convert_to_tensor(index, dtype=int32), name=name)
        if self._element_shape is not None:
            value.set_shape(self._element_shape)
        return value

    def gather(self, indices, name=None):
        return ops.gather(self._flow, indices, name=name)

    def stack(self, name=None):
        value = ops.identity(self._flow, name=name or "TensorArrayStack")
        if self._element_shape is not None:
            value.set_shape((None,) + tuple(self._element_shape))
        return value

    def unstack(self, value, name=None):
        value = self._check_dtype(value)
        dims = value.shape.dims
        return self._with_flow(value, self._merge_shape(None if dims is None else dims[1:]))

    def size(self, name=None):
        if not self._dynamic_size:
            return self._size
        return ops.graph_op("TensorListLength", [self._flow, self._size], [(int32, ())],
                            name or "TensorArraySize").outputs[0]

    def close(self, name=None):
        return ops.no_op(name=name or "TensorArrayClose")


def to_flow(x):
    """A loop variable or cond result as a tensor: a TensorArray is its flow (TF's
    _convert_tensorarray_to_flow)."""
    return x.flow if isinstance(x, TensorArray) else x


def from_flow(like, t):
    """Inverse of to_flow, given the value the flow stands for."""
    return like._with_flow(t) if isinstance(like, TensorArray) else t
