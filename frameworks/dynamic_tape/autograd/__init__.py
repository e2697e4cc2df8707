"""torch.autograd: Function (custom ops), backward() / grad(), grad mode, gradcheck, and the old Variable."""
from .._tape import _xp, enable_grad, is_grad_enabled, no_grad, run_backward, set_grad_enabled  # noqa: F401
from .._tensor import Tensor
from . import function  # noqa: F401
from .function import Function, FunctionCtx  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401


def _grads_for(tensors, grad_tensors):
    tensors = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    grad_tensors = (grad_tensors,) if isinstance(grad_tensors, Tensor) else tuple(grad_tensors)
    grads = []
    for t, g in zip(tensors, grad_tensors):
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            grads.append(_xp(t._array).ones_like(t._array))
        else:
            grads.append(g._array if isinstance(g, Tensor) else g)
    return tensors, grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Sum of d(tensors)/d(leaves), weighted by grad_tensors, into every leaf's .grad."""
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not supported")
    tensors, grads = _grads_for(tensors, grad_tensors)
    run_backward(tensors, grads, bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """d(outputs)/d(inputs) returned as a tuple, leaving every .grad as it was (torch.autograd.grad).

    NOTE: runs the same backward into the inputs' .grad fields, then puts the old values back.
    """
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not supported")
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    kept = [t.grad for t in inputs]
    retain = [t.retains_grad or t.grad_fn is None for t in inputs]
    for t in inputs:
        t.grad = None
        if t.grad_fn is not None and not t.retains_grad:
            t.retain_grad()
    try:
        outputs, grads = _grads_for(outputs, grad_outputs)
        run_backward(outputs, grads, bool(retain_graph))
        result = tuple(t.grad for t in inputs)
    finally:
        for t, g, r in zip(inputs, kept, retain):
            t.grad = g
            if not r:
                t.grad_fn.retained = [e for e in t.grad_fn.retained if e[1]() is not t] or None
    for i, g in enumerate(result):
        if g is None and not allow_unused:
            raise RuntimeError(f"One of the differentiated Tensors appears to not have been used in the graph. "
                               f"Set allow_unused=True if this is the desired behavior. (input {i})")
    return result


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """The pre-0.4 wrapper, kept as PyTorch keeps it: Variable(t, requires_grad=...) returns the tensor."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        t = data if isinstance(data, Tensor) else Tensor(data)
        if requires_grad:
            t.requires_grad_(True)
        return t
