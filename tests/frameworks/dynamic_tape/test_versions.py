"""Version counters: a tensor saved for backward and then modified in place makes backward() refuse."""
import numpy as np
import pytest

import frameworks.dynamic_tape as torch
import frameworks.dynamic_tape.nn.functional as F
from frameworks.dynamic_tape import nn

MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


def test_the_issue_probe_raises_pytorchs_error():
    x = torch.randn(3, 4, requires_grad=True)
    w = torch.randn(4, 2, requires_grad=True)
    l = x.mm(w).sum()
    with torch.no_grad():
        w.sub_(10.0)
    with pytest.raises(RuntimeError, match=MODIFIED) as e:
        l.backward()
    assert "[torch.FloatTensor [4, 2]]" in str(e.value) and "version 1; expected version 0" in str(e.value)


def test_a_modified_output_that_was_saved_raises():
    x = torch.randn(5, requires_grad=True)
    y = x.exp()  # exp saves its output
    with torch.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


def test_modifying_a_view_bumps_its_base():
    x = torch.randn(4, 3, requires_grad=True)
    w = torch.randn(3, 2, requires_grad=True)
    l = x.mm(w).sum()
    with torch.no_grad():
        w[0].fill_(1.0)  # a view of w: same storage, same version counter
    with pytest.raises(RuntimeError, match=MODIFIED):
        l.backward()


def test_data_writes_are_not_tracked_as_in_pytorch():
    # .data is the documented escape hatch: a separate version counter
    x = torch.randn(3, 4, requires_grad=True)
    w = torch.randn(4, 2, requires_grad=True)
    l = x.mm(w).sum()
    w.data.sub_(10.0)
    l.backward()
    assert x.grad is not None


def test_modifying_what_was_not_saved_is_fine():
    a = torch.randn(3, requires_grad=True)
    b = torch.randn(3)
    y = a + b  # add saves only shapes
    with torch.no_grad():
        b.add_(1.0)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.ones(3, np.float32))


def test_optimizer_step_bumps_parameter_versions():
    w = nn.Parameter(torch.randn(3, 2))
    loss = torch.randn(4, 3).mm(w).sum()
    opt = torch.optim.SGD([w], lr=0.1)
    w.grad = torch.ones(3, 2)
    opt.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_custom_function_saved_tensors_are_checked():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    x = torch.randn(3, requires_grad=True)
    h = x * 1.0
    y = Square.apply(h)
    with torch.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


@pytest.mark.parametrize("how", ["functional", "module", "method"])
def test_inplace_relu_is_in_place_with_correct_gradients(how):
    torch.manual_seed(0)
    x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(5, 5, dtype=torch.float64, requires_grad=True)
    h = x.mm(w)
    before = h._array
    if how == "functional":
        y = F.relu(h, inplace=True)
    elif how == "module":
        y = nn.ReLU(inplace=True)(h)
    else:
        y = h.relu_()
    assert y is h and h._array is before  # same tensor, same storage
    assert h.grad_fn.name() == "ReluBackward0"
    (y * y).sum().backward()
    ref_h = x.detach().numpy() @ w.detach().numpy()
    g_h = 2 * np.maximum(ref_h, 0)
    np.testing.assert_allclose(x.grad.numpy(), g_h @ w.detach().numpy().T, rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), x.detach().numpy().T @ g_h, rtol=1e-12)


def test_inplace_relu_on_a_saved_tensor_raises():
    x = torch.randn(4, requires_grad=True)
    h = x * 2.0
    y = h * h  # mul saves h
    h.relu_()
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.sum().backward()


def test_inplace_on_a_leaf_that_requires_grad_raises():
    x = torch.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu(x, inplace=True)


def test_recorded_inplace_add_keeps_the_old_value_a_kernel_saved():
    a = torch.randn(3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, dtype=torch.float64, requires_grad=True)
    h = a * 1.0
    old = h.detach().numpy().copy()
    h.mul_(b)  # mul saves self: it must be the value before the write
    h.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), old)
    np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy())


def test_version_counter_is_public_as_in_pytorch():
    x = torch.zeros(3)
    assert x._version == 0
    x.add_(1)
    x[0] = 5
    assert x._version == 2
