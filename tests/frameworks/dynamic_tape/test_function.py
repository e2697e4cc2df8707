"""autograd.Function: custom ops with ctx.save_for_backward, as the PyTorch tutorials teach them."""
import numpy as np
import pytest

import frameworks.dynamic_tape as torch
from frameworks.kernels.gradcheck import numerical_grad


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * x * x * ctx.scale, None


def test_custom_function_matches_finite_differences():
    a = np.random.RandomState(0).standard_normal((3, 2))
    x = torch.from_numpy(a).requires_grad_()
    y = Cube.apply(x, 2.0)
    assert y.grad_fn is not None and "Cube" in repr(y.grad_fn)
    (y * 0.3).tanh().sum().backward()

    def f():
        with torch.no_grad():
            return (Cube.apply(torch.from_numpy(a), 2.0) * 0.3).tanh().sum().item()
    np.testing.assert_allclose(x.grad.numpy(), numerical_grad(f, a), rtol=1e-6, atol=1e-8)


def test_needs_input_grad_and_no_record_without_grad():
    seen = {}

    class Probe(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["needs"] = ctx.needs_input_grad
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g

    a = torch.ones(2, requires_grad=True)
    Probe.apply(a, torch.ones(2)).sum().backward()
    assert seen["needs"] == (True, False)
    assert Probe.apply(torch.ones(2), torch.ones(2)).grad_fn is None


def test_wrong_number_of_gradients_is_reported():
    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(a, a).sum().backward()


def test_saved_tensors_are_freed_after_backward():
    x = torch.ones(2, requires_grad=True)
    y = Cube.apply(x, 1.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
