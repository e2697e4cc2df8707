"""nn.GRU / nn.RNN and their cells (PyTorch's gate math and parameter names, against NumPy and by finite
differences), nn.LayerNorm, nn.ModuleDict / ParameterList / ParameterDict, and optim.AdamW's decoupled decay."""
import numpy as np
import pytest

import frameworks.dynamic_tape as torch
import frameworks.dynamic_tape.nn.functional as F
from frameworks.dynamic_tape import nn, optim
from frameworks.dynamic_tape.autograd import gradcheck


def sig(x):
    return 1 / (1 + np.exp(-x))


def np_gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    H = h.shape[1]
    r, z = sig(gi[:, :H] + gh[:, :H]), sig(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    return (1 - z) * n + z * h


def np_rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, relu=False):
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    return np.maximum(pre, 0) if relu else np.tanh(pre)


def np_layers(m, x, step, **kw):
    """PyTorch's documented multi-layer, bidirectional recurrence over a (T, B, E) input."""
    dirs = 2 if m.bidirectional else 1
    finals = []
    for layer in range(m.num_layers):
        outs = []
        for d in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            p = {n: getattr(m, n + sfx).detach().numpy() for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
            h = np.zeros((x.shape[1], m.hidden_size))
            hs = [None] * x.shape[0]
            for t in (range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])):
                h = hs[t] = step(x[t], h, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"], **kw)
            outs.append(np.stack(hs))
            finals.append(h)
        x = np.concatenate(outs, 2)
    return x, np.stack(finals)


@pytest.mark.parametrize("cls,step,kw", [(nn.GRU, np_gru_step, {}), (nn.RNN, np_rnn_step, {}),
                                         (nn.RNN, np_rnn_step, {"nonlinearity": "relu"})])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_recurrent_layers_follow_pytorchs_equations(cls, step, kw, layers, bidirectional):
    torch.manual_seed(0)
    m = cls(4, 3, num_layers=layers, bidirectional=bidirectional, **kw).double()
    names = [n for n, _ in m.named_parameters()]
    assert names[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert ("weight_ih_l0_reverse" in names) == bidirectional
    g = 3 if cls is nn.GRU else 1
    assert tuple(m.weight_ih_l0.shape) == (g * 3, 4)
    x = np.random.default_rng(1).standard_normal((5, 2, 4))
    out, h_n = m(torch.tensor(x))
    want_out, want_h = np_layers(m, x, step, **({"relu": True} if kw else {}))
    np.testing.assert_allclose(out.detach().numpy(), want_out, rtol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), want_h, rtol=1e-12)
    assert tuple(h_n.shape) == (layers * (2 if bidirectional else 1), 2, 3)
    out_bf, _ = cls(4, 3, batch_first=True, **kw).double()(torch.tensor(x.transpose(1, 0, 2)))
    assert tuple(out_bf.shape) == (2, 5, 3)


@pytest.mark.parametrize("cls", [nn.GRU, nn.RNN])
def test_recurrent_gradients_by_finite_differences(cls):
    torch.manual_seed(0)
    m = cls(3, 2, num_layers=2).double()
    h0 = torch.randn(2, 2, 2, dtype=torch.double, requires_grad=True)
    x = torch.randn(4, 2, 3, dtype=torch.double, requires_grad=True)
    assert gradcheck(lambda a, b: m(a, b)[0], (x, h0))
    m.zero_grad()   # gradcheck's own backward passes reached the weights too
    loss = m(x, h0)[0].square().sum()
    loss.backward()
    for w in (m.weight_hh_l1, m.bias_ih_l0, m.weight_ih_l0):   # each weight's gradient, entry by entry
        arr = w.detach().numpy()
        for idx in [(0,) * arr.ndim, tuple(n - 1 for n in arr.shape)]:
            keep = arr[idx]
            arr[idx] = keep + 1e-6
            up = m(x, h0)[0].square().sum().item()
            arr[idx] = keep - 1e-6
            down = m(x, h0)[0].square().sum().item()
            arr[idx] = keep
            np.testing.assert_allclose(w.grad.numpy()[idx], (up - down) / 2e-6, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("cls,step", [(nn.GRUCell, np_gru_step), (nn.RNNCell, np_rnn_step)])
def test_cells_follow_pytorchs_equations(cls, step):
    torch.manual_seed(0)
    cell = cls(4, 3).double()
    x, h = np.random.default_rng(2).standard_normal((2, 4)), np.random.default_rng(3).standard_normal((2, 3))
    got = cell(torch.tensor(x), torch.tensor(h)).detach().numpy()
    p = [getattr(cell, n).detach().numpy() for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    np.testing.assert_allclose(got, step(x, h, *p), rtol=1e-12)
    assert tuple(cell(torch.tensor(x[0])).shape) == (3,)   # unbatched input, zero state
    hh = torch.tensor(h, requires_grad=True)
    assert gradcheck(lambda a: cell(a, hh), (torch.tensor(x, requires_grad=True),))
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNNCell(2, 2, nonlinearity="sigmoid")


def test_layer_norm_normalises_the_last_dimensions():
    x = np.random.default_rng(4).standard_normal((2, 3, 4))
    ln = nn.LayerNorm([3, 4]).double()
    assert [n for n, _ in ln.named_parameters()] == ["weight", "bias"]
    mu, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(ln(torch.tensor(x)).detach().numpy(), (x - mu) / np.sqrt(var + 1e-5), rtol=1e-12)
    w = torch.randn(4, dtype=torch.double, requires_grad=True)
    assert gradcheck(lambda a, w_: F.layer_norm(a, (4,), w_, None, 1e-5),
                     (torch.tensor(x, requires_grad=True), w))
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 5\]"):
        F.layer_norm(torch.tensor(x), (5,))


def test_module_dict_and_parameter_containers_register_their_members():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.Linear(3, 1)})
            self.scales = nn.ParameterList([nn.Parameter(torch.ones(2)) for _ in range(2)])
            self.extra = nn.ParameterDict({"shift": nn.Parameter(torch.zeros(1))})

        def forward(self, x):
            return self.heads["b"](self.heads["a"](x * self.scales[0] * self.scales[1])) + self.extra["shift"]

    net = Net()
    assert list(net.state_dict()) == ["heads.a.weight", "heads.a.bias", "heads.b.weight", "heads.b.bias",
                                      "scales.0", "scales.1", "extra.shift"]
    assert list(net.heads) == ["a", "b"] and "a" in net.heads and len(net.scales) == 2
    net(torch.ones(4, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.heads["c"] = nn.Linear(1, 1)
    net.scales.append(torch.ones(3))
    assert len(list(net.parameters())) == 10 and isinstance(net.scales[2], nn.Parameter)
    assert net.heads.pop("c") is not None and list(net.heads.keys()) == ["a", "b"]


def test_adamw_decays_the_weights_apart_from_the_gradient():
    w0, g = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.1, -0.2])
    p = nn.Parameter(torch.tensor(w0.copy()))
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    assert opt.defaults["weight_decay"] == 0.5 and optim.AdamW([nn.Parameter(torch.ones(1))]).defaults[
        "weight_decay"] == 1e-2
    w, m, v = w0.copy(), np.zeros(3), np.zeros(3)
    for t in (1, 2):
        p.grad = torch.tensor(g)
        opt.step()
        w *= 1 - 0.1 * 0.5
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        w -= 0.1 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-12)
