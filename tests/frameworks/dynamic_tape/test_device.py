"""The same tape on each backend: a training step on `device` matches the CPU (GPU skips without CuPy)."""
import numpy as np

import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn


def _train(dev):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3)).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = torch.randn(8, 6).to(dev)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1]).to(dev)
    losses = []
    for _ in range(3):
        loss = nn.CrossEntropyLoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach().cpu().numpy() for p in model.parameters()]


def test_training_step_on_device_matches_cpu(device):
    dev = "cuda" if device == "gpu" else "cpu"
    got_losses, got_params = _train(dev)
    ref_losses, ref_params = _train("cpu")
    np.testing.assert_allclose(got_losses, ref_losses, rtol=1e-5)
    for g, r in zip(got_params, ref_params):
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-6)


def test_tensor_reports_its_device(device):
    dev = "cuda" if device == "gpu" else "cpu"
    t = torch.ones(2, device=dev, requires_grad=True)
    assert t.device == torch.device(dev) and t.device.type == dev
    (t * 2).sum().backward()
    assert t.grad.device == t.device
