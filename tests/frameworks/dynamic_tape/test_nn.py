"""nn.Module registration and checkpoints, the optimizers against the shared kernels, and data loading."""
import numpy as np
import pytest

import frameworks.dynamic_tape as torch
from frameworks import kernels as K
from frameworks.dynamic_tape import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 3), nn.ReLU())
        self.scale = nn.Parameter(torch.ones(1))
        self.not_a_param = torch.zeros(3)

    def forward(self, x):
        return self.body(self.conv(x)) * self.scale


def test_parameters_are_registered_by_attribute_in_order():
    names = [n for n, _ in Net().named_parameters()]
    assert names == ["conv.weight", "conv.bias", "body.1.weight", "body.1.bias", "scale"]
    assert all(p.requires_grad for p in Net().parameters())
    assert [n for n, _ in Net().named_children()] == ["conv", "body"]


def test_zero_grad_train_eval_and_call():
    net = Net()
    net(torch.randn(2, 1, 4, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_state_dict_round_trip_through_save_and_load(tmp_path):
    torch.manual_seed(0)
    net = Net()
    path = tmp_path / "net.npz"
    torch.save(net.state_dict(), path)
    torch.manual_seed(1)
    other = Net()
    assert not np.allclose(other.conv.weight.detach().numpy(), net.conv.weight.detach().numpy())
    other.load_state_dict(torch.load(path))
    x = torch.randn(2, 1, 4, 4)
    np.testing.assert_array_equal(other(x).detach().numpy(), net(x).detach().numpy())
    for (n1, p1), (n2, p2) in zip(net.named_parameters(), other.named_parameters()):
        assert n1 == n2 and p1.shape == p2.shape
        np.testing.assert_array_equal(p1.detach().numpy(), p2.detach().numpy())


def test_checkpoint_is_a_plain_npz_without_pickle(tmp_path):
    path = tmp_path / "ckpt.npz"
    torch.save({"step": 3, "lr": 0.5, "names": ["a", "b"], "w": torch.ones(2)}, path)
    with np.load(path, allow_pickle=False) as z:
        assert "__layout__" in z.files
    back = torch.load(path)
    assert back["step"] == 3 and back["lr"] == 0.5 and back["names"] == ["a", "b"]
    np.testing.assert_array_equal(back["w"].numpy(), [1.0, 1.0])


def test_load_rejects_a_file_not_written_by_save(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, x=np.zeros(2))
    with pytest.raises(RuntimeError, match="not written by torch.save"):
        torch.load(path)


def test_load_state_dict_names_missing_unexpected_and_mismatched_keys():
    net = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"'):
        net.load_state_dict({"weight": torch.zeros(2, 3)})
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra"'):
        net.load_state_dict({"weight": torch.zeros(2, 3), "bias": torch.zeros(2), "extra": torch.zeros(1)})
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        net.load_state_dict({"weight": torch.zeros(3, 2), "bias": torch.zeros(2)})


def test_linear_layout_and_forward():
    lin = nn.Linear(4, 3)
    assert tuple(lin.weight.shape) == (3, 4) and tuple(lin.bias.shape) == (3,)
    x = torch.randn(5, 4)
    expect = x.numpy() @ lin.weight.detach().numpy().T + lin.bias.detach().numpy()
    np.testing.assert_allclose(lin(x).detach().numpy(), expect, rtol=1e-5)


def test_lstm_matches_lstm_cell_loop():
    torch.manual_seed(0)
    lstm, cell = nn.LSTM(3, 5), nn.LSTMCell(3, 5)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = torch.randn(4, 2, 3)
    out, (h_n, c_n) = lstm(x)
    state = None
    for t in range(4):
        state = cell(x[t], state)
        np.testing.assert_allclose(out[t].detach().numpy(), state[0].detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h_n[0].detach().numpy(), state[0].detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_n[0].detach().numpy(), state[1].detach().numpy(), rtol=1e-5, atol=1e-6)
    out_bf, _ = nn.LSTM(3, 5, batch_first=True)(x.transpose(0, 1))
    assert tuple(out_bf.shape) == (2, 4, 5)


def _one_step(opt_cls, **hyper):
    torch.manual_seed(0)
    w = nn.Parameter(torch.randn(3, 2))
    start = w.detach().numpy().copy()
    opt = opt_cls([w], **hyper)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    return start, w.detach().numpy()


def test_sgd_with_momentum_uses_the_shared_kernel_arithmetic():
    start, got = _one_step(torch.optim.SGD, lr=0.1, momentum=0.9)
    p, v = start.copy(), np.zeros_like(start)
    for _ in range(2):
        K.momentum.update(np, p, 2 * p, v, 0.1, momentum=0.9)
    np.testing.assert_array_equal(got, p)


def test_adam_uses_the_shared_kernel_arithmetic_and_round_trips_its_state():
    start, got = _one_step(torch.optim.Adam, lr=0.01)
    p, m, v = start.copy(), np.zeros_like(start), np.zeros_like(start)
    for t in (1, 2):
        K.adam.update(np, p, 2 * p, m, v, t, lr=0.01)
    np.testing.assert_array_equal(got, p)
    w = nn.Parameter(torch.ones(2))
    opt = torch.optim.Adam([w], lr=0.5)
    (w * 2).sum().backward()
    opt.step()
    sd = opt.state_dict()
    assert sd["state"][0]["step"] == 1 and sd["param_groups"][0]["params"] == [0]
    fresh = torch.optim.Adam([w], lr=0.1)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["lr"] == 0.5


def test_tensor_dataset_and_data_loader():
    x = torch.arange(10).float().view(10, 1)
    y = torch.arange(10)
    ds = torch.utils.data.TensorDataset(x, y)
    assert len(ds) == 10 and ds[3][1].item() == 3
    loader = torch.utils.data.DataLoader(ds, batch_size=4)
    sizes = [len(b[0]) for b in loader]
    assert sizes == [4, 4, 2] and len(loader) == 3
    assert len(list(torch.utils.data.DataLoader(ds, batch_size=4, drop_last=True))) == 2
    order = lambda seed: [int(v) for _, yb in torch.utils.data.DataLoader(  # noqa: E731
        ds, batch_size=3, shuffle=True, generator=torch.Generator().manual_seed(seed)) for v in yb.tolist()]
    assert order(0) == order(0) and order(0) != order(1) and sorted(order(0)) == list(range(10))
    for xb, yb in torch.utils.data.DataLoader(ds, batch_size=5, shuffle=True):
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy())


def test_data_loader_over_a_custom_dataset_collates_samples():
    class Squares(torch.utils.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return torch.tensor([float(i)]), i * i

    xb, yb = next(iter(torch.utils.data.DataLoader(Squares(), batch_size=3)))
    assert tuple(xb.shape) == (3, 1) and yb.tolist() == [0, 1, 4]
