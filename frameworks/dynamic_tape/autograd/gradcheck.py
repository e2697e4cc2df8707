"""torch.autograd.gradcheck: a function's backward against central finite differences (use float64)."""
import warnings

import numpy as np

from frameworks.kernels import to_numpy

from .._tape import no_grad
from .._tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ."""


def _outputs(func, inputs):
    out = func(*inputs)
    return out if isinstance(out, tuple) else (out,)


def _numerical(func, inputs, i, outs, eps):
    """Jacobian of every output w.r.t. input i, one column per element, by central differences."""
    x = inputs[i]._array
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise GradcheckError(f"gradcheck: input {i} must be contiguous (it is perturbed in place)")
    jac = [np.zeros((flat.size, o.numel()), np.float64) for o in outs]
    for k in range(flat.size):
        old = flat[k].item()
        flat[k] = old + eps
        with no_grad():
            up = [to_numpy(o._array).reshape(-1).astype(np.float64) for o in _outputs(func, inputs)]
        flat[k] = old - eps
        with no_grad():
            down = [to_numpy(o._array).reshape(-1).astype(np.float64) for o in _outputs(func, inputs)]
        flat[k] = old
        for j in range(len(outs)):
            jac[j][k] = (up[j] - down[j]) / (2 * eps)
    return jac


def _analytical(func, inputs, diff, outs):
    """Jacobians by backward(): one backward per output element, with a one-hot gradient."""
    jacs = {(i, j): np.zeros((inputs[i].numel(), o.numel()), np.float64)
            for i in diff for j, o in enumerate(outs)}
    for j, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for k in range(o.numel()):
            for i in diff:
                inputs[i].grad = None
            out = _outputs(func, inputs)[j]
            g = np.zeros(out._array.size, out._array.dtype)
            g[k] = 1
            out.backward(Tensor._wrap(g.reshape(out._array.shape)))
            for i in diff:
                if inputs[i].grad is not None:
                    jacs[(i, j)][:, k] = to_numpy(inputs[i].grad._array).reshape(-1)
    for i in diff:
        inputs[i].grad = None
    return jacs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **unused):
    """True when backward() of func(*inputs) matches finite differences for every input that requires grad.

    As torch.autograd.gradcheck: inputs should be float64 (a warning otherwise); a mismatch raises
    GradcheckError naming the output and input, with both Jacobians (or returns False).
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the "
                         "them have requires_grad=True.")
    for i in diff:
        if inputs[i].dtype.name != "float64":
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. This "
                          f"check will likely fail if all the inputs are not of double precision floating "
                          f"point.")
    outs = _outputs(func, inputs)
    analytical = _analytical(func, inputs, diff, outs)
    for i in diff:
        numerical = _numerical(func, inputs, i, outs, eps)
        for j in range(len(outs)):
            a, n = analytical[(i, j)], numerical[j]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(f"Jacobian mismatch for output {j} with respect to input {i},\n"
                                     f"numerical:{n}\nanalytical:{a}\n")
    return True


def gradgradcheck(func, inputs, *args, **kwargs):
    raise NotImplementedError("gradgradcheck needs create_graph=True (higher-order gradients), which this "
                              "engine does not support; use gradcheck")
