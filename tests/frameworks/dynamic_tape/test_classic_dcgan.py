"""pytorch/examples dcgan's Generator (ConvTranspose2d + BatchNorm2d + ReLU blocks) forward and backward, and
the AlexNet-era nn.LocalResponseNorm / F.local_response_norm, each against its NumPy definition."""
import numpy as np
import pytest

import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from frameworks.dynamic_tape.nn import functional as F
from tests.frameworks.dynamic_tape.test_gradients import check_grad, rnd

nz, ngf, nc = 8, 4, 3


class Generator(nn.Module):
    """dcgan/main.py's Generator, as published (ngpu dropped)."""

    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh()
        )

    def forward(self, input):
        return self.main(input)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


def test_dcgan_generator_forward_backward_and_a_step():
    torch.manual_seed(0)
    netG = Generator()
    netG.apply(weights_init)
    optimizerG = torch.optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    noise = torch.randn(4, nz, 1, 1)
    fake = netG(noise)
    assert tuple(fake.shape) == (4, nc, 64, 64)
    loss = (fake * fake).mean()
    netG.zero_grad()
    loss.backward()
    first = netG.main[0].weight
    assert first.grad is not None and tuple(first.grad.shape) == (nz, ngf * 8, 4, 4)
    before = first.detach().numpy().copy()
    optimizerG.step()
    assert not np.array_equal(before, first.detach().numpy())
    assert "ConvTranspose2d(8, 32, kernel_size=(4, 4), stride=(1, 1), bias=False)" in repr(netG)


def test_conv_transpose2d_gradients_and_output_size():
    check_grad(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
               rnd(2, 3, 3, 3), rnd(3, 2, 3, 3, seed=2), rnd(2, seed=3))
    m = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    x = torch.randn(1, 3, 4, 4)
    assert tuple(m(x).shape) == (1, 2, 7, 7)
    assert tuple(m(x, output_size=[8, 8]).shape) == (1, 2, 8, 8)
    with pytest.raises(ValueError, match="requested an output size of \\[9, 9\\]"):
        m(x, output_size=[9, 9])


def test_conv_transpose2d_is_conv2d_s_input_gradient():
    """F.conv_transpose2d(gy, w) == the gradient conv2d sends to its input, as PyTorch defines it."""
    x = torch.from_numpy(rnd(2, 2, 7, 7)).requires_grad_()
    w = torch.from_numpy(rnd(3, 2, 3, 3, seed=4))
    y = F.conv2d(x, w, stride=2, padding=1)
    gy = torch.from_numpy(rnd(*tuple(y.shape), seed=5))
    y.backward(gy)
    got = F.conv_transpose2d(gy, w, stride=2, padding=1)
    np.testing.assert_allclose(got.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-12)


def _lrn_numpy(x, size, alpha, beta, k):
    """PyTorch's own F.local_response_norm: avg_pool over x^2 padded by size // 2 before, (size - 1) // 2 after."""
    sq = np.pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    div = sum(sq[:, i:i + x.shape[1]] for i in range(size)) / size
    return x / (div * alpha + k) ** beta


@pytest.mark.parametrize("size", [2, 3, 5])
def test_local_response_norm_matches_pytorch_s_definition(size):
    x = rnd(2, 6, 3, 3) * 4
    m = nn.LocalResponseNorm(size, alpha=0.1, beta=0.75, k=2.0)
    np.testing.assert_allclose(m(torch.from_numpy(x)).numpy(), _lrn_numpy(x, size, 0.1, 0.75, 2.0), rtol=1e-12)
    check_grad(lambda t: F.local_response_norm(t, size, alpha=0.1, k=2.0), x)
    assert repr(m) == f"LocalResponseNorm({size}, alpha=0.1, beta=0.75, k=2.0)"


def test_local_response_norm_refuses_2d_input():
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality input \\(got 2 dimensions\\)"):
        F.local_response_norm(torch.randn(2, 3), 2)
