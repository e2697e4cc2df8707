"""torch.autograd as a package: gradcheck (float64), grad(), Variable, Function imports as scripts write them."""
import numpy as np
import pytest

import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape.autograd import Function, Variable, gradcheck


def test_gradcheck_passes_on_a_correct_backward_and_fails_on_a_wrong_one():
    a = torch.randn(3, 4, dtype=torch.double, requires_grad=True)
    b = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    assert gradcheck(lambda x, y: (x.mm(y) * x.mm(y)).sum(0), (a, b), eps=1e-6, atol=1e-4)

    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * x * g  # wrong: should be 2x

    x = torch.randn(5, dtype=torch.double, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(WrongSquare.apply, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradcheck_warns_on_float32_inputs():
    x = torch.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda t: t * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)


def test_variable_is_the_old_alias():
    t = torch.ones(2)
    v = Variable(t, requires_grad=True)
    assert v is t and v.requires_grad and isinstance(torch.zeros(1), Variable)


def test_autograd_grad_returns_gradients_and_leaves_grad_fields_alone():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    g, = torch.autograd.grad(y, x)
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0, 6.0])
    assert x.grad is None


def test_autograd_backward_function():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    torch.autograd.backward([(x * 3).sum()])
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_save_writes_through_a_file_object(tmp_path):
    path = tmp_path / "t.npz"
    with open(path, "wb") as fh:
        torch.save({"w": torch.ones(2)}, fh)
    np.testing.assert_array_equal(torch.load(path)["w"].numpy(), [1.0, 1.0])
