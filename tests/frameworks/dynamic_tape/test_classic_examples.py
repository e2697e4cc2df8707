"""pytorch/examples regression/main.py, time_sequence_prediction (LSTMCell + LBFGS) and vae/main.py, and the
60-minute blitz "Neural Networks" tutorial, as their authors wrote them: only the import changed,
synthetic data for the downloads, fewer steps, no plots or image files. The losses they introduce are
checked against NumPy and finite differences, LBFGS against a quadratic's closed-form minimum."""
from itertools import count

import numpy as np
import pytest

import frameworks.dynamic_tape as torch
import frameworks.dynamic_tape.nn as nn
import frameworks.dynamic_tape.nn.functional as F
import frameworks.dynamic_tape.optim as optim
from frameworks.dynamic_tape.autograd import gradcheck


def test_regression_example_learns_the_polynomial(capsys):
    # regression/main.py, verbatim but for the seed
    torch.manual_seed(0)
    POLY_DEGREE = 4
    W_target = torch.randn(POLY_DEGREE, 1) * 5
    b_target = torch.randn(1) * 5

    def make_features(x):
        """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
        x = x.unsqueeze(1)
        return torch.cat([x ** i for i in range(1, POLY_DEGREE+1)], 1)

    def f(x):
        """Approximated function."""
        return x.mm(W_target) + b_target.item()

    def poly_desc(W, b):
        """Creates a string description of a polynomial."""
        result = 'y = '
        for i, w in enumerate(W):
            result += '{:+.2f} x^{} '.format(w, i + 1)
        result += '{:+.2f}'.format(b[0])
        return result

    def get_batch(batch_size=32):
        """Builds a batch i.e. (x, f(x)) pair."""
        random = torch.randn(batch_size)
        x = make_features(random)
        y = f(x)
        return x, y

    fc = torch.nn.Linear(W_target.size(0), 1)
    for batch_idx in count(1):
        batch_x, batch_y = get_batch()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        if loss < 1e-3:
            break
        assert batch_idx < 5000, "the regression example did not converge"
    print('Loss: {:.6f} after {} batches'.format(loss, batch_idx))
    print('==> Learned function:\t' + poly_desc(fc.weight.view(-1), fc.bias))
    print('==> Actual function:\t' + poly_desc(W_target.view(-1), b_target))
    out = capsys.readouterr().out
    assert "==> Learned function:\ty = " in out
    np.testing.assert_allclose(fc.weight.detach().numpy().ravel(), W_target.numpy().ravel(), atol=0.1)


@pytest.mark.parametrize("beta", [1.0, 0.5])
def test_smooth_l1_l1_and_bce_equal_numpy_and_finite_differences(beta):
    rs = np.random.RandomState(0)
    x, y = rs.randn(5, 3) * 2, rs.randn(5, 3)
    d = np.abs(x - y)
    ref = np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    got = F.smooth_l1_loss(torch.from_numpy(x), torch.from_numpy(y), beta=beta, reduction="none")
    np.testing.assert_allclose(got.numpy(), ref, rtol=1e-12)
    assert nn.SmoothL1Loss(beta=beta)(torch.from_numpy(x), torch.from_numpy(y)).item() == pytest.approx(ref.mean())
    assert nn.L1Loss(reduction="sum")(torch.from_numpy(x), torch.from_numpy(y)).item() == pytest.approx(d.sum())
    p, t = 1 / (1 + np.exp(-x)), rs.uniform(0, 1, (5, 3))
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert nn.BCELoss()(torch.from_numpy(p), torch.from_numpy(t)).item() == pytest.approx(bce.mean())
    assert F.binary_cross_entropy(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0]), reduction="sum").item() \
        == pytest.approx(100.0)   # log(0) is clamped at -100, as PyTorch does
    a = torch.from_numpy(x + 0.01).requires_grad_()   # away from the |d| = beta kink
    b = torch.from_numpy(y)
    assert gradcheck(lambda u: F.smooth_l1_loss(u, b, beta=beta), (a,))
    q = torch.from_numpy(p).requires_grad_()
    assert gradcheck(lambda u: F.binary_cross_entropy(u, torch.from_numpy(t), reduction="sum"), (q,))
    with pytest.raises(ValueError, match=r"target size \(torch.Size\(\[3\]\)\) that is different to the input size \(torch.Size\(\[2\]\)\)"):
        F.l1_loss(torch.zeros(2), torch.zeros(3))


class Sequence(nn.Module):
    """time_sequence_prediction/train.py's model, verbatim."""
    def __init__(self):
        super(Sequence, self).__init__()
        self.lstm1 = nn.LSTMCell(1, 51)
        self.lstm2 = nn.LSTMCell(51, 51)
        self.linear = nn.Linear(51, 1)

    def forward(self, input, future = 0):
        outputs = []
        h_t = torch.zeros(input.size(0), 51, dtype=torch.double)
        c_t = torch.zeros(input.size(0), 51, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):# if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


def test_time_sequence_prediction_with_lbfgs(capsys):
    # generate_sine_wave.py (fewer, shorter waves), then train.py's loop without the plots
    np.random.seed(2)
    T, L, N = 20, 60, 8
    x = np.empty((N, L), 'int64')
    x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
    data = np.sin(x / 1.0 / T).astype('float64')
    np.random.seed(0)
    torch.manual_seed(0)
    input = torch.from_numpy(data[3:, :-1])
    target = torch.from_numpy(data[3:, 1:])
    test_input = torch.from_numpy(data[:3, :-1])
    test_target = torch.from_numpy(data[:3, 1:])
    seq = Sequence()
    seq.double()
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    losses = []
    for i in range(2):
        print('STEP: ', i)

        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print('loss:', loss.item())
            losses.append(loss.item())
            loss.backward()
            return loss
        optimizer.step(closure)
        with torch.no_grad():
            future = 20
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print('test loss:', loss.item())
            y = pred.detach().numpy()
    assert y.shape == (3, L - 1 + future) and y.dtype == np.float64
    assert len(losses) == 2 * 20   # max_iter=20 closure calls per step (max_eval=25 is not reached)
    assert losses[-1] < 0.2 * losses[0]
    assert optimizer.state[id(seq.lstm1.weight_ih)]["n_iter"] == 40


def test_lbfgs_reaches_a_quadratics_minimum():
    rs = np.random.RandomState(0)
    M = rs.randn(6, 6)
    A, b = M @ M.T + 6 * np.eye(6), rs.randn(6)
    w = nn.Parameter(torch.zeros(6, dtype=torch.double))
    opt = optim.LBFGS([w], lr=1, max_iter=50, history_size=10)
    At, bt = torch.from_numpy(A), torch.from_numpy(b)

    def closure():
        opt.zero_grad()
        loss = 0.5 * (w @ (At @ w)) - bt @ w
        loss.backward()
        return loss
    first = opt.step(closure)
    assert first.item() == 0.0
    # it stops once the loss changes by less than tolerance_change (1e-9), as PyTorch's does: the loss is
    # then within ~1e-9 of the minimum, the point within ~1e-5
    best = np.linalg.solve(A, b)
    np.testing.assert_allclose(w.detach().numpy(), best, atol=1e-4)
    assert closure().item() == pytest.approx(-0.5 * b @ best, abs=1e-8)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [w]}, {"params": [nn.Parameter(torch.zeros(1))]}])
    with pytest.raises(NotImplementedError, match="strong_wolfe"):
        optim.LBFGS([w], line_search_fn="strong_wolfe")


class VAE(nn.Module):
    """vae/main.py's model, verbatim."""
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5*logvar)
        eps = torch.randn_like(std)
        return mu + eps*std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def test_vae_example(capsys):
    torch.manual_seed(1)
    device = torch.device("cpu")
    rs = np.random.RandomState(0)
    protos = rs.uniform(0, 1, (4, 1, 28, 28)) > 0.6
    images = np.clip(protos[rs.randint(0, 4, 256)] + rs.uniform(0, 0.2, (256, 1, 28, 28)), 0, 1)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(images.astype(np.float32)),
                                             torch.zeros(256, dtype=torch.long))
    train_loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True)
    test_loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=False)
    model = VAE().to(device)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def loss_function(recon_x, x, mu, logvar):
        BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction='sum')
        KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return BCE + KLD

    def train(epoch):
        model.train()
        train_loss = 0
        for batch_idx, (data, _) in enumerate(train_loader):
            data = data.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
            if batch_idx % 2 == 0:
                print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                    epoch, batch_idx * len(data), len(train_loader.dataset),
                    100. * batch_idx / len(train_loader),
                    loss.item() / len(data)))
        print('====> Epoch: {} Average loss: {:.4f}'.format(epoch, train_loss / len(train_loader.dataset)))
        return train_loss / len(train_loader.dataset)

    def test(epoch):
        model.eval()
        test_loss = 0
        with torch.no_grad():
            for i, (data, _) in enumerate(test_loader):
                data = data.to(device)
                recon_batch, mu, logvar = model(data)
                test_loss += loss_function(recon_batch, data, mu, logvar).item()
                if i == 0:
                    n = min(data.size(0), 8)
                    comparison = torch.cat([data[:n], recon_batch.view(64, 1, 28, 28)[:n]])
                    assert tuple(comparison.shape) == (16, 1, 28, 28)
        test_loss /= len(test_loader.dataset)
        print('====> Test set loss: {:.4f}'.format(test_loss))
        return test_loss

    losses = []
    for epoch in range(1, 4):
        losses.append(train(epoch))
        test(epoch)
        with torch.no_grad():
            sample = torch.randn(64, 20).to(device)
            sample = model.decode(sample).cpu()
    assert tuple(sample.view(64, 1, 28, 28).shape) == (64, 1, 28, 28)
    assert losses[-1] < 0.8 * losses[0]
    # the loss of one batch, recomputed in NumPy from the model's outputs
    data = dataset[0:4][0]
    with torch.no_grad():
        recon, mu, logvar = model(data)
        got = loss_function(recon, data, mu, logvar).item()
    r, x_, m, lv = (t.numpy().astype(np.float64) for t in (recon, data.view(-1, 784), mu, logvar))
    ref = -(x_ * np.log(r) + (1 - x_) * np.log(1 - r)).sum() - 0.5 * (1 + lv - m ** 2 - np.exp(lv)).sum()
    assert got == pytest.approx(ref, rel=1e-4)


class Net(nn.Module):
    """The 60-minute blitz "Neural Networks" tutorial's net, verbatim."""

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 3x3 square convolution
        # kernel
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 6 * 6, 120)  # 6*6 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square you can only specify a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


def test_blitz_neural_networks_tutorial(capsys):
    torch.manual_seed(0)
    net = Net()
    print(net)
    params = list(net.parameters())
    print(len(params))
    print(params[0].size())  # conv1's .weight
    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    print(out)
    net.zero_grad()
    out.backward(torch.randn(1, 10))
    output = net(input)
    target = torch.randn(10)  # a dummy target, for example
    target = target.view(1, -1)  # make it the same shape as output
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    print(loss)
    print(loss.grad_fn)  # MSELoss
    print(loss.grad_fn.next_functions[0][0])  # Linear
    print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU
    net.zero_grad()     # zeroes the gradient buffers of all parameters
    print('conv1.bias.grad before backward')
    print(net.conv1.bias.grad)
    loss.backward()
    print('conv1.bias.grad after backward')
    print(net.conv1.bias.grad)
    learning_rate = 0.01
    before = [f.detach().clone() for f in net.parameters()]
    grads = [f.grad.detach().clone() for f in net.parameters()]
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    for b, g, f in zip(before, grads, net.parameters()):
        np.testing.assert_allclose(f.detach().numpy(), (b - learning_rate * g).numpy(), rtol=1e-6)
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    first = criterion(net(input), target).item()
    for _ in range(5):
        optimizer.zero_grad()   # zero the gradient buffers
        output = net(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()    # Does the update
    assert loss.item() < first
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ["Net(", "  (conv1): Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1))"]
    assert "\n10\ntorch.Size([6, 1, 3, 3])\n" in out
    assert "conv1.bias.grad before backward\nNone\n" in out


@pytest.mark.parametrize("sa,sb", [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((2, 3, 4), (4,)),
                                   ((4,), (2, 4, 3))])
def test_matmul_with_a_vector_has_torchs_shape_and_gradient(sa, sb):
    """w @ (A @ w), the quadratic above: a 1-D operand is a row or a column, its dimension removed again."""
    a = torch.randn(*sa, dtype=torch.double, requires_grad=True)
    b = torch.randn(*sb, dtype=torch.double, requires_grad=True)
    assert tuple((a @ b).shape) == np.matmul(a.detach().numpy(), b.detach().numpy()).shape
    assert gradcheck(lambda x, y: x @ y, (a, b))


def test_what_pytorch_has_and_this_engine_lacks_says_what_to_use():
    """The Transformer programs stop at the name, with a RuntimeError (NotImplementedError)
    naming the alternative; unknown names stay AttributeErrors."""
    with pytest.raises(NotImplementedError, match=r"torch\.nn\.functional\.scaled_dot_product_attention"):
        F.scaled_dot_product_attention
    with pytest.raises(NotImplementedError, match=r"torch\.optim\.Rprop .*optim\.Adam"):
        optim.Rprop
    with pytest.raises(NotImplementedError, match=r"torch\.nn\.MultiheadAttention .*torch\.bmm"):
        nn.MultiheadAttention
    assert issubclass(NotImplementedError, RuntimeError)
    with pytest.raises(AttributeError, match="module 'torch.nn' has no attribute 'NotAModule'"):
        nn.NotAModule
