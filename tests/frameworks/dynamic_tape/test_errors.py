"""Bad input gives one clear error naming the culprit."""
import pytest

import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from frameworks.kernels import BackendError, ShapeError, gpu_available


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"matmul.*\(2, 3\), \(4, 5\)"):
        torch.randn(2, 3) @ torch.randn(4, 5)


def test_linear_shape_mismatch_names_both_shapes():
    layer = nn.Linear(4, 3)
    with pytest.raises(ShapeError, match=r"matmul.*\(2, 5\), \(3, 4\)"):
        layer(torch.randn(2, 5))


def test_a_shape_mismatch_is_a_runtime_error_as_in_pytorch():
    # a PyTorch script guards shape problems with `except RuntimeError`
    with pytest.raises(RuntimeError, match=r"matmul.*\(2, 3\), \(4, 5\)"):
        torch.randn(2, 3).mm(torch.randn(4, 5))


def test_broadcast_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"add.*\(2, 3\), \(4,\)"):
        torch.ones(2, 3) + torch.ones(4)


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_backward_on_a_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.ones(1).sum().backward()


def test_numpy_on_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="detach"):
        torch.ones(1, requires_grad=True).numpy()


@pytest.mark.skipif(gpu_available(), reason="this machine has a GPU: the no-CuPy error cannot happen")
def test_cuda_without_cupy_is_one_clear_error():
    assert not torch.cuda.is_available()
    for ask in (lambda: torch.zeros(2, device="cuda"), lambda: torch.ones(2).cuda(),
                lambda: nn.Linear(2, 2).to("cuda"), lambda: torch.ones(2).to(torch.device("cuda"))):
        with pytest.raises(BackendError, match="gpu"):
            ask()


def test_unknown_device_and_bad_optimizer_arguments():
    with pytest.raises(RuntimeError, match="device type"):
        torch.device("tpu")
    with pytest.raises(ValueError, match="Invalid learning rate"):
        torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        torch.optim.Adam([])
