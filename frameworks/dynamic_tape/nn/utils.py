"""torch.nn.utils: gradient clipping by the global norm, and parameters as one vector."""
import math

from frameworks import kernels as K

from .._tape import _xp, no_grad


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale every .grad by max_norm / (total_norm + 1e-6) when the total norm exceeds max_norm (in place).

    Returns the total norm of the gradients (as one tensor), as torch.nn.utils.clip_grad_norm_.
    """
    from .._factories import tensor
    parameters = [parameters] if hasattr(parameters, "grad") else list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return tensor(0.0)
    norm_type = float(norm_type)
    if norm_type == 2.0 and not error_if_nonfinite:  # the shared kernel: PyTorch's max_norm / (norm + 1e-6)
        with no_grad():
            total = K.clip_by_global_norm(_xp(grads[0]._array), [g._array for g in grads], max_norm, eps=1e-6)
        for g in grads:
            g._vc[0] += 1
        return tensor(total, dtype=grads[0].dtype)
    if norm_type == math.inf:
        total = max(float(_xp(g._array).abs(g._array).max()) for g in grads)
    else:
        total = sum(float((_xp(g._array).abs(g._array).astype("float64") ** norm_type).sum())
                    for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           f"non-finite, so it cannot be clipped. To disable this error and scale the gradients "
                           f"by the non-finite norm anyway, set `error_if_nonfinite=False`")
    clip_coef = max_norm / (total + 1e-6)
    if clip_coef < 1:
        with no_grad():
            for g in grads:
                g.mul_(clip_coef)
    return tensor(total, dtype=grads[0].dtype)


def clip_grad_value_(parameters, clip_value):
    parameters = [parameters] if hasattr(parameters, "grad") else list(parameters)
    with no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    from .._tensor import cat
    return cat([p.reshape(-1) for p in parameters])
