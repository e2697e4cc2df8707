"""Finite-difference gradient checking in float64: a public utility (as torch.autograd.gradcheck is), used by
the kernels' tests, every engine's tests and the engines' own gradcheck functions. Host-side NumPy only."""
import numpy as np


def numerical_grad(f, x, eps=1e-6):
    """Central differences of the scalar f() with respect to the NumPy array x (perturbed in place)."""
    g = np.zeros(x.shape, dtype=np.float64)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    assert np.shares_memory(flat, x), "x must be contiguous so it can be perturbed in place"
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = float(f())
        flat[i] = old - eps
        down = float(f())
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return g


def check_kernel(kernel, inputs, attrs=None, diff=None, rtol=1e-5, atol=1e-7, seed=1701):
    """Check kernel.backward against central differences of sum(forward(...) * w) for random weights w.

    inputs: NumPy float64 arrays (integer arrays are taken as non-differentiable);
    diff: indices of the inputs to check (default: every floating input but the kernel's state_inputs).
    Returns the analytic grads.
    """
    attrs = attrs or {}
    rs = np.random.RandomState(seed)
    y, saved = kernel.forward(np, *[a.copy() if isinstance(a, np.ndarray) else a for a in inputs], **attrs)
    outs = y if isinstance(y, tuple) else (y,)
    weights = tuple(rs.standard_normal(np.shape(o)) for o in outs)
    gy = weights if isinstance(y, tuple) else weights[0]
    grads = kernel.backward(np, saved, gy, **attrs)
    assert len(grads) == len(inputs), f"{kernel.name}: backward returned {len(grads)} grads for {len(inputs)} inputs"
    if diff is None:
        state = getattr(kernel, "state_inputs", ())   # running statistics: state, never differentiated
        diff = [i for i, a in enumerate(inputs)
                if isinstance(a, np.ndarray) and a.dtype.kind == "f" and i not in state]

    def objective():
        out, _ = kernel.forward(np, *[a.copy() if isinstance(a, np.ndarray) else a for a in inputs], **attrs)
        out = out if isinstance(out, tuple) else (out,)
        return sum(float((o * w).sum()) for o, w in zip(out, weights))

    for i in diff:
        num = numerical_grad(objective, inputs[i])
        assert grads[i] is not None, f"{kernel.name}: no gradient for input {i}"
        assert grads[i].shape == inputs[i].shape, (
            f"{kernel.name}: grad {i} has shape {grads[i].shape}, input has {inputs[i].shape}")
        np.testing.assert_allclose(grads[i], num, rtol=rtol, atol=atol,
                                   err_msg=f"{kernel.name}: input {i} gradient vs finite differences")
    return grads
