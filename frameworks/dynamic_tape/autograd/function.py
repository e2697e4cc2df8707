"""torch.autograd.Function: a custom differentiable op (static forward/backward with a ctx) on the tape."""
from .._tape import SECOND_BACKWARD, Node, _GradMode, _edge, _node_xp, _saved_versions, no_grad
from .._tensor import Tensor


class FunctionCtx:
    """What Function.forward stores for backward: save_for_backward / saved_tensors, plus any attribute."""

    def __init__(self):
        self.to_save = ()
        self.needs_input_grad = ()
        self.non_differentiable = ()
        self._freed = False

    def save_for_backward(self, *tensors):
        self.to_save = tensors

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(SECOND_BACKWARD)
        return self.to_save

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no gradient (indices, masks): they come back with requires_grad=False."""
        self.non_differentiable = tensors

    def mark_dirty(self, *tensors):
        """Inputs forward modified in place: their versions go up, as PyTorch's do."""
        for t in tensors:
            t._vc[0] += 1


class _FunctionKernel:
    """Adapts a Function subclass to the kernel contract so the tape runs it like any shared kernel."""

    def __init__(self, fn):
        self.fn = fn
        self.name = fn.__name__
        self.node_name = fn.__name__ + "Backward"

    def forward(self, xp, *arrays, ctx=None, args=None):
        raise AssertionError("Function forward runs through Function.apply")  # never called by the tape

    def backward(self, xp, ctx, gy, needs=None):
        gys = gy if isinstance(gy, tuple) else (gy,)
        # as PyTorch's materialize_grads: an output that got no gradient passes zeros of its shape
        gys = [xp.zeros(*meta) if g is None else g for g, meta in zip(gys, ctx._out_meta)]
        grads = self.fn.backward(ctx, *[Tensor._wrap(g) for g in gys])
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) > len(needs) and all(g is None for g in grads[len(needs):]):
            grads = grads[:len(needs)]  # trailing Nones for optional arguments are ignored, as in PyTorch
        if len(grads) != len(needs):
            raise RuntimeError(f"function {self.node_name} returned an incorrect number of gradients "
                               f"(expected {len(needs)}, got {len(grads)})")
        return tuple(g._array if isinstance(g, Tensor) else g for g in grads)


class Function:
    """A custom op: subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs); call .apply.

    forward runs on Tensors with grad recording off; backward returns one gradient (or None) per
    argument of forward.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom autograd.Function.")

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx()
        inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
        ctx.needs_input_grad = tuple(t is not None and t.requires_grad for t in inputs)
        with no_grad():
            out = cls.forward(ctx, *args)
        if not (_GradMode.enabled and any(ctx.needs_input_grad)):
            return out
        kernel = cls.__dict__.get("_tape_kernel") or _FunctionKernel(cls)
        cls._tape_kernel = kernel
        outs = out if isinstance(out, tuple) else (out,)
        ctx._out_meta = [(o._array.shape, o._array.dtype) if isinstance(o, Tensor) else ((), "float64")
                         for o in outs]
        node = Node(kernel, ctx, None, tuple(map(_edge, inputs)), _node_xp(inputs), n_out=len(outs))
        saved = [t for t in ctx.to_save if isinstance(t, Tensor)]
        node.versions = _saved_versions(tuple(t._array for t in saved), saved)
        frozen = {id(t) for t in ctx.non_differentiable}
        results = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor) or id(o) in frozen:
                results.append(o)
                continue
            t = Tensor._result(o._array, node)
            t._index = i
            results.append(t)
        return tuple(results) if isinstance(out, tuple) else results[0]
