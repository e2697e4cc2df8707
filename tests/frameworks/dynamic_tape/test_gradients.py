"""Every op through the tape against central finite differences, in float64."""
import numpy as np
import pytest

import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from frameworks.dynamic_tape.nn import functional as F
from frameworks.kernels.gradcheck import numerical_grad


def check_grad(fn, *inputs, seed=0, rtol=1e-5, atol=1e-7):
    """Backprop sum(fn(*inputs) * w) through the tape and compare every float input's .grad with central
    differences of the same expression (inputs share memory with the perturbed NumPy arrays)."""
    arrays = [np.ascontiguousarray(a) for a in inputs]
    tensors = [torch.from_numpy(a) for a in arrays]
    for t in tensors:
        if t.dtype.is_floating_point:
            t.requires_grad_()
    out = fn(*tensors)
    w = torch.from_numpy(np.random.RandomState(seed).standard_normal(tuple(out.shape)))
    (out * w).sum().backward()

    def objective():
        with torch.no_grad():
            return float((fn(*tensors) * w).sum().item())

    checked = 0
    for a, t in zip(arrays, tensors):
        if not t.requires_grad:
            continue
        num = numerical_grad(objective, a)
        assert t.grad is not None, "no gradient reached an input"
        np.testing.assert_allclose(t.grad.numpy(), num, rtol=rtol, atol=atol)
        checked += 1
    assert checked


def rnd(*shape, seed=1, low=None):
    a = np.random.RandomState(seed).standard_normal(shape)
    return np.abs(a) + low if low is not None else a


UNARY = {
    "neg": lambda x: -x,
    "pow3": lambda x: x ** 3,
    "square": lambda x: x.square(),
    "exp": lambda x: x.exp(),
    "relu": lambda x: x.relu(),
    "sigmoid": lambda x: x.sigmoid(),
    "tanh": lambda x: x.tanh(),
    "clamp": lambda x: x.clamp(min=-0.5, max=0.7),
    "sum_dim": lambda x: x.sum(1),
    "sum_keepdim": lambda x: x.sum(0, keepdim=True),
    "mean": lambda x: x.mean(),
    "mean_dim": lambda x: x.mean(dim=1),
    "view": lambda x: x.view(6, 2) * 2,
    "t": lambda x: x.t() * 1.5,
    "transpose": lambda x: x.transpose(0, 1),
    "permute": lambda x: x.permute(1, 0),
    "getitem": lambda x: x[1:, ::2],
    "flatten": lambda x: x.flatten(),
    "unsqueeze": lambda x: x.unsqueeze(0).squeeze(0),
    "split": lambda x: torch.cat([p * (i + 1) for i, p in enumerate(x.split(2, dim=1))], dim=1),
    "chunk": lambda x: x.chunk(2, 1)[1],
    "unbind": lambda x: x.unbind(0)[2] * 3,
    "rsub_scalar": lambda x: 1.0 - x,
    "rdiv_scalar": lambda x: 2.0 / (x * x + 1),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops(name):
    check_grad(UNARY[name], rnd(3, 4))


def test_log_and_sqrt_on_positive_inputs():
    check_grad(lambda x: x.log() + x.sqrt(), rnd(3, 4, low=0.5))


BINARY = {
    "add_broadcast": (lambda a, b: a + b, (3, 4), (4,)),
    "sub": (lambda a, b: a - b, (3, 4), (3, 4)),
    "mul_broadcast": (lambda a, b: a * b, (3, 4), (3, 1)),
    "div": (lambda a, b: a / (b * b + 1), (3, 4), (3, 4)),
    "matmul": (lambda a, b: a @ b, (3, 4), (4, 5)),
    "mm": (lambda a, b: a.mm(b), (2, 3), (3, 2)),
    "maximum": (lambda a, b: a.maximum(b), (3, 4), (3, 4)),
    "minimum": (lambda a, b: a.minimum(b), (3, 4), (3, 4)),
    "cat": (lambda a, b: torch.cat([a, b], dim=1), (3, 4), (3, 2)),
    "stack": (lambda a, b: torch.stack([a, b * 2]), (3, 4), (3, 4)),
    "linear": (lambda x, w: F.linear(x, w), (5, 4), (3, 4)),
    "mse_mean": (lambda a, b: F.mse_loss(a, b), (3, 4), (3, 4)),
    "mse_sum": (lambda a, b: nn.MSELoss(reduction="sum")(a, b), (3, 4), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops(name):
    fn, sa, sb = BINARY[name]
    check_grad(fn, rnd(*sa, seed=2), rnd(*sb, seed=3))


def test_linear_with_bias():
    check_grad(F.linear, rnd(5, 4), rnd(3, 4, seed=2), rnd(3, seed=3))


def test_conv2d_and_max_pool2d():
    check_grad(lambda x, w, b: F.max_pool2d(F.conv2d(x, w, b, padding=1), 2),
               rnd(2, 2, 6, 6), rnd(3, 2, 3, 3, seed=2), rnd(3, seed=3))


def test_embedding_and_integer_indexing():
    ids = np.array([[0, 2, 2], [1, 0, 3]])
    check_grad(lambda w, i: F.embedding(i, w), rnd(4, 3), ids)
    check_grad(lambda w, i: w[i], rnd(4, 3), np.array([3, 3, 1]))


def test_cross_entropy():
    check_grad(lambda x, y: F.cross_entropy(x, y), rnd(4, 5), np.array([0, 4, 2, 2]))


def test_fused_lstm_through_nn_lstm():
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4).double()
    params = [p.detach().numpy() for p in lstm.parameters()]

    def fn(x, *ps):
        out, h, c = F.lstm(x, torch.zeros(2, 4, dtype=torch.float64), torch.zeros(2, 4, dtype=torch.float64),
                             *ps)
        return out.sum(0) + h * c
    check_grad(fn, rnd(5, 2, 3), *params)


def test_lstm_cell_from_primitives():
    torch.manual_seed(0)
    cell = nn.LSTMCell(3, 4).double()

    def fn(x, h, c):
        for t in range(x.shape[0]):
            h, c = cell(x[t], (h, c))
        return h + c
    check_grad(fn, rnd(3, 2, 3), rnd(2, 4, seed=2), rnd(2, 4, seed=3))


def test_cast_passes_the_gradient_back_in_the_input_dtype():
    x = torch.ones(2, 3, dtype=torch.float64, requires_grad=True)
    (x.float() * 2).sum().backward()
    assert x.grad.dtype == torch.float64
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))


def test_module_parameters_get_their_gradients():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2), nn.Sigmoid()).double()
    x = torch.from_numpy(rnd(5, 4))
    model(x).sum().backward()

    def objective():
        with torch.no_grad():
            return float(model(x).sum().item())

    for name, p in model.named_parameters():
        a = p.detach().numpy()
        transposed = not a.flags.c_contiguous  # Linear weights are column-major: perturb via the C view
        num = numerical_grad(objective, a.T if transposed else a)
        got = p.grad.numpy()
        np.testing.assert_allclose(got.T if transposed else got, num, rtol=1e-5, atol=1e-7, err_msg=name)
