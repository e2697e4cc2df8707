"""Optimizer updates, in place, so every engine's training arithmetic is the same to the last bit."""
from .base import Update, register

# On the CPU an update runs over blocks of rows, so its temporaries (`lr * grad`, Adam's quotients) are a
# few hundred KiB that stay in cache instead of a full-size copy of the largest parameter, which would
# otherwise be the biggest transient of a step (32 MB on mlp-l2 big). Every element's arithmetic is the
# same, so the results are bitwise those of one whole-array pass. On a GPU one launch per update is
# cheaper than many and the memory pool recycles the temporary, so the arrays go whole.
BLOCK_ELEMS = 1 << 16


def blocks(xp, *arrays):
    """Row blocks of same-shaped arrays (views, so in-place updates land in the originals)."""
    a = arrays[0]
    if getattr(xp, "__name__", "") != "numpy" or a.ndim == 0 or a.size <= BLOCK_ELEMS:
        yield arrays
        return
    rows = max(1, BLOCK_ELEMS // (a.size // a.shape[0]))
    for s in range(0, a.shape[0], rows):
        yield tuple(x[s:s + rows] for x in arrays)


@register
class SGD(Update):
    """param -= lr * (grad + weight_decay * param)"""
    name = "sgd"

    @staticmethod
    def update(xp, param, grad, lr, weight_decay=0.0):
        for p, g in blocks(xp, param, grad):
            if weight_decay:
                g = g + weight_decay * p
            p -= lr * g


@register
class Momentum(Update):
    """velocity = momentum * velocity + grad; param -= lr * velocity (PyTorch's and TF1's form)."""
    name = "momentum"

    @staticmethod
    def update(xp, param, grad, velocity, lr, momentum=0.9, weight_decay=0.0):
        for p, g, v in blocks(xp, param, grad, velocity):
            if weight_decay:
                g = g + weight_decay * p
            v *= momentum
            v += g
            p -= lr * v


@register
class Adam(Update):
    """The textbook Adam with bias correction; `t` is the 1-based step number.

    m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; param -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
    """
    name = "adam"

    @staticmethod
    def update(xp, param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        c1, c2 = 1 - beta1 ** t, 1 - beta2 ** t
        for p, g, m_, v_ in blocks(xp, param, grad, m, v):
            if weight_decay:
                g = g + weight_decay * p
            m_ *= beta1
            m_ += (1 - beta1) * g
            v_ *= beta2
            v_ += (1 - beta2) * (g * g)
            p -= lr * (m_ / c1) / (xp.sqrt(v_ / c2) + eps)
