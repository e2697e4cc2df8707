"""Optimizer updates, in place, so every engine's training arithmetic is the same to the last bit."""
from .base import Update, register


@register
class SGD(Update):
    """param -= lr * (grad + weight_decay * param)"""
    name = "sgd"

    @staticmethod
    def update(xp, param, grad, lr, weight_decay=0.0):
        if weight_decay:
            grad = grad + weight_decay * param
        param -= lr * grad


@register
class Momentum(Update):
    """velocity = momentum * velocity + grad; param -= lr * velocity (PyTorch's and TF1's form)."""
    name = "momentum"

    @staticmethod
    def update(xp, param, grad, velocity, lr, momentum=0.9, weight_decay=0.0):
        if weight_decay:
            grad = grad + weight_decay * param
        velocity *= momentum
        velocity += grad
        param -= lr * velocity


@register
class Adam(Update):
    """The textbook Adam with bias correction; `t` is the 1-based step number.

    m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; param -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
    """
    name = "adam"

    @staticmethod
    def update(xp, param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        if weight_decay:
            grad = grad + weight_decay * param
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * (grad * grad)
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        param -= lr * m_hat / (xp.sqrt(v_hat) + eps)
