"""nn layers, losses, optimizers, schedulers, DataLoader and checkpoints as classic programs use them."""
import numpy as np
import pytest

import frameworks.dynamic_tape as torch
import frameworks.dynamic_tape.nn.functional as F
from frameworks.dynamic_tape import nn, optim
from frameworks.dynamic_tape.autograd import gradcheck
from frameworks.dynamic_tape.utils.data import DataLoader, TensorDataset


def d(*shape):
    return torch.randn(*shape, dtype=torch.double, requires_grad=True)


GAMMA = torch.tensor([0.5, 1.5, -1.0], dtype=torch.float64)
SOFT = F.softmax(torch.tensor(np.random.RandomState(0).standard_normal((3, 4))), 1)  # constant targets


@pytest.mark.parametrize("fn", [
    lambda a: F.log_softmax(a, dim=1), lambda a: F.softmax(a, 0),
    lambda a: F.nll_loss(F.log_softmax(a, 1), torch.tensor([1, -100, 3]), reduction="sum"),
    lambda a: F.nll_loss(a, torch.tensor([1, 0, 3]), weight=torch.tensor([1.0, 2.0, 0.5, 1.0]).double()),
    lambda a: F.cross_entropy(a, torch.tensor([1, 0, 3])),
    lambda a: F.cross_entropy(a, torch.tensor([1, 7, 3]), ignore_index=7),
    lambda a: F.cross_entropy(a, SOFT),
    lambda a: F.binary_cross_entropy_with_logits(a, (SOFT > 0.25).double()),
    lambda a: F.mse_loss(a, SOFT, reduction="sum"),
    lambda a: F.leaky_relu(a, 0.2), lambda a: F.elu(a * 1.0, inplace=True), lambda a: F.softplus(a, beta=2),
])
def test_losses_and_softmax_gradients(fn):
    torch.manual_seed(0)
    assert gradcheck(fn, (d(3, 4),))


def test_cross_entropy_equals_log_softmax_then_nll():
    x, t = torch.randn(5, 4), torch.tensor([0, 3, 1, 1, 2])
    np.testing.assert_allclose(F.cross_entropy(x, t).item(), F.nll_loss(F.log_softmax(x, 1), t).item(), 1e-6)
    ref = -np.log(np.exp(x.numpy()) / np.exp(x.numpy()).sum(1, keepdims=True))[np.arange(5), t.numpy()]
    np.testing.assert_allclose(F.cross_entropy(x, t, reduction="none").numpy(), ref, rtol=1e-5)


@pytest.mark.parametrize("fn", [
    lambda a: F.batch_norm(a, None, None, torch.ones(3).double(), torch.zeros(3).double(), training=True),
    lambda a: F.avg_pool2d(a, 2), lambda a: F.avg_pool2d(a, 3, 2, 1, count_include_pad=False),
    lambda a: F.adaptive_avg_pool2d(a, (1, 1)), lambda a: F.group_norm(a, 1, GAMMA, GAMMA * 0.5), lambda a: F.max_pool2d(a, 3, 2, padding=1, ceil_mode=True),
])
def test_normalisation_and_pooling_gradients(fn):
    torch.manual_seed(1)
    assert gradcheck(fn, (d(2, 3, 5, 5),))


def test_batch_norm_running_statistics_and_eval_mode():
    torch.manual_seed(0)
    bn = nn.BatchNorm2d(3)
    x = torch.randn(4, 3, 5, 5) * 2 + 1
    y = bn(x)
    a = x.numpy()
    mean, var = a.mean((0, 2, 3)), a.var((0, 2, 3))
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * a.var((0, 2, 3), ddof=1), rtol=1e-5)
    np.testing.assert_allclose(y.detach().numpy(), (a - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5),
                               rtol=1e-4, atol=1e-5)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    before = bn.running_mean.numpy().copy()
    y = bn(x)
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)
    rm, rv = bn.running_mean.numpy(), bn.running_var.numpy()
    np.testing.assert_allclose(y.detach().numpy(), (a - rm[:, None, None]) / np.sqrt(rv[:, None, None] + 1e-5), rtol=1e-5)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]


def test_dropout_scales_in_training_and_is_identity_in_eval():
    torch.manual_seed(0)
    drop = nn.Dropout(0.25)
    y = drop(torch.ones(1000)).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)} and 150 < (y == 0).sum() < 350
    drop.eval()
    assert drop(torch.ones(5)).tolist() == [1.0] * 5
    y = nn.Dropout2d(0.5)(torch.ones(4, 6, 3, 3)).numpy()
    assert (y.reshape(24, 9).std(1) == 0).all()  # whole channels


def test_module_registry_buffers_apply_and_state_dict_roundtrip(tmp_path):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(inplace=True))
            self.fc = nn.Linear(2, 3)
            self.register_buffer("steps", torch.zeros(1))

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["features.0.weight", "features.0.bias", "features.1.weight",
                                                      "features.1.bias", "fc.weight", "fc.bias"]
    assert "steps" in dict(net.named_buffers()) and "features.1.running_var" in net.state_dict()
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Sequential", "Conv2d", "BatchNorm2d", "ReLU",
                                                         "Linear"]
    net.apply(lambda m: nn.init.constant_(m.weight, 0.5) if isinstance(m, nn.Linear) else None)
    assert net.fc.weight.detach().numpy().tolist() == [[0.5, 0.5]] * 3
    net.features[1].running_mean.fill_(3.0)
    torch.save(net.state_dict(), tmp_path / "net.pt")
    other = Net()
    other.load_state_dict(torch.load(tmp_path / "net.pt"))
    assert other.features[1].running_mean.tolist() == [3.0, 3.0]


def _pytorch_rule(name, p, g, state, t, **h):
    """PyTorch's update rules, written out in NumPy float64 (torch/optim/_functional.py)."""
    if name == "sgd":
        dp = g + h["weight_decay"] * p
        if "buf" not in state:
            state["buf"] = dp.copy()
        else:
            state["buf"] = h["momentum"] * state["buf"] + (1 - h["dampening"]) * dp
        return p - h["lr"] * (dp + h["momentum"] * state["buf"] if h["nesterov"] else state["buf"])
    if name == "adadelta":
        v, u = state.get("v", 0 * p), state.get("u", 0 * p)
        v = h["rho"] * v + (1 - h["rho"]) * g * g
        delta = np.sqrt(u + h["eps"]) / np.sqrt(v + h["eps"]) * g
        state["u"], state["v"] = h["rho"] * u + (1 - h["rho"]) * delta * delta, v
        return p - h["lr"] * delta
    if name == "rmsprop":
        v = state["v"] = h["alpha"] * state.get("v", 0 * p) + (1 - h["alpha"]) * g * g
        return p - h["lr"] * g / (np.sqrt(v) + h["eps"])
    if name == "adagrad":
        s = state["s"] = state.get("s", 0 * p) + g * g
        return p - h["lr"] / (1 + (t - 1) * h["lr_decay"]) * g / (np.sqrt(s) + h["eps"])
    if name == "adam":
        m = state["m"] = 0.9 * state.get("m", 0 * p) + 0.1 * g
        v = state["v"] = 0.999 * state.get("v", 0 * p) + 0.001 * g * g
        return p - h["lr"] / (1 - 0.9 ** t) * m / (np.sqrt(v) / np.sqrt(1 - 0.999 ** t) + 1e-8)


@pytest.mark.parametrize("name, make, hyper", [
    ("sgd", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
     dict(lr=0.1, momentum=0.9, dampening=0, nesterov=True, weight_decay=0.01)),
    ("sgd", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.3),
     dict(lr=0.1, momentum=0.5, dampening=0.3, nesterov=False, weight_decay=0)),
    ("sgd", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=5e-4),
     dict(lr=0.1, momentum=0.9, dampening=0, nesterov=False, weight_decay=5e-4)),
    ("adadelta", lambda ps: optim.Adadelta(ps, lr=1.0), dict(lr=1.0, rho=0.9, eps=1e-6)),
    ("rmsprop", lambda ps: optim.RMSprop(ps, lr=0.01), dict(lr=0.01, alpha=0.99, eps=1e-8)),
    ("adagrad", lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01), dict(lr=0.1, lr_decay=0.01, eps=1e-10)),
    ("adam", lambda ps: optim.Adam(ps, lr=0.01), dict(lr=0.01)),
])
def test_optimizers_follow_pytorchs_rules(name, make, hyper):
    rs = np.random.RandomState(0)
    p0 = rs.standard_normal((3, 4))
    w = nn.Parameter(torch.tensor(p0, dtype=torch.float64))
    opt = make([w])
    ref, state = p0.copy(), {}
    for t in range(1, 5):
        g = rs.standard_normal((3, 4))
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        ref = _pytorch_rule(name, ref, g, state, t, **hyper)
        np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-10, atol=1e-12)


def test_lr_schedulers():
    w = nn.Parameter(torch.zeros(1))
    opt = optim.SGD([w], lr=1.0)
    step = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        step.step()
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]
    opt = optim.SGD([w], lr=1.0)
    multi = optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.1)
    seen = []
    for _ in range(4):
        seen.append(multi.get_last_lr()[0])
        multi.step()
    np.testing.assert_allclose(seen, [1.0, 0.1, 0.1, 0.01])
    opt = optim.SGD([w], lr=1.0)
    exp = optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    exp.step()
    exp.step()
    np.testing.assert_allclose(opt.param_groups[0]["lr"], 0.81)


def test_data_loader_num_workers_gives_the_same_batches():
    data = TensorDataset(torch.arange(10).float(), torch.arange(10))

    def epoch(workers):
        torch.manual_seed(3)
        return [b[1].tolist() for b in DataLoader(data, batch_size=3, shuffle=True, num_workers=workers,
                                                   drop_last=True)]
    a = epoch(0)
    flat = sum(a, [])
    assert a == epoch(2) and len(a) == 3 and len(set(flat)) == 9  # drop_last: 9 of 10, none twice
    assert flat != sorted(flat)  # shuffled


def test_clip_grad_norm_scales_to_the_limit():
    a, b = nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(1))
    a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])
    total = nn.utils.clip_grad_norm_([a, b], 1.0)
    np.testing.assert_allclose(total.item(), 5.0)
    np.testing.assert_allclose(np.sqrt((a.grad.numpy() ** 2).sum() + (b.grad.numpy() ** 2).sum()), 1.0, 1e-5)


def test_saving_a_whole_module_says_to_save_its_state_dict(tmp_path):
    with pytest.raises(TypeError, match="Save its state_dict\\(\\) instead"):
        torch.save(nn.Linear(2, 2), tmp_path / "m.pt")


@pytest.mark.parametrize("content, why", [
    (b"hello, this is text\n", "not a zip archive"),
    (b"\x80\x02}q\x00.", "looks like a pickle"),
    (b"", "it is empty"),
])
def test_load_of_a_foreign_file_names_it_and_the_problem(tmp_path, content, why):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=why) as e:
        torch.load(path)
    assert str(path) in str(e.value)


def test_load_of_a_truncated_checkpoint_names_it(tmp_path):
    path = tmp_path / "ckpt.pt"
    torch.save({"w": torch.randn(100, 100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match="truncated or corrupt") as e:
        torch.load(path)
    assert str(path) in str(e.value)


def test_cuda_streams_are_refused_with_what_to_do_instead():
    with pytest.raises(RuntimeError, match="CUDA streams and events are not supported.*synchronize"):
        torch.cuda.Stream()
    with pytest.raises(RuntimeError, match="CUDA streams"):
        torch.cuda.current_stream()


def test_cuda_manual_seed_is_the_one_generator():
    torch.manual_seed(5)
    a = torch.rand(3).tolist()
    torch.cuda.manual_seed_all(5)
    assert torch.rand(3).tolist() == a


def test_dropout_masks_come_from_the_kernels_philox_stream():
    from frameworks.kernels import random as philox
    torch.manual_seed(11)
    a = F.dropout(torch.ones(6, 5), 0.3).numpy()
    b = F.dropout(torch.ones(6, 5), 0.3).numpy()
    for counter, got in enumerate((a, b)):  # each call takes the next counter of Stream(seed)
        keep = philox.uniform(np, 11, counter, (6, 5)) >= 0.3
        np.testing.assert_array_equal(got, keep / np.float32(0.7))


def test_inplace_dropout_writes_into_its_input_and_keeps_the_gradient():
    x = torch.randn(4, 6, requires_grad=True)
    h = x * 1.0
    before = h._array
    torch.manual_seed(2)
    y = F.dropout(h, 0.5, inplace=True)
    assert y is h and h._array is before and h._version == 1
    y.sum().backward()
    torch.manual_seed(2)
    mask = F.dropout(torch.ones(4, 6), 0.5).numpy()
    np.testing.assert_array_equal(x.grad.numpy(), mask)
