"""pytorch/examples mnist/main.py (the 2018 SGD-momentum version and the 2019 Adadelta + StepLR version),
as written by its authors; only the import and the dataset (synthetic, learnable, small) are changed."""
from __future__ import print_function

import argparse

import numpy as np

import frameworks.dynamic_tape as torch
import frameworks.dynamic_tape.nn as nn
import frameworks.dynamic_tape.nn.functional as F
import frameworks.dynamic_tape.optim as optim
from frameworks.dynamic_tape.optim.lr_scheduler import StepLR


class SyntheticMNIST(torch.utils.data.Dataset):
    """Stands in for datasets.MNIST: 1x28x28 images, class k has a bright 6x6 patch at a place of its own."""

    def __init__(self, n, seed):
        rs = np.random.RandomState(seed)
        self.targets = rs.randint(0, 10, n)
        self.data = rs.standard_normal((n, 1, 28, 28)).astype(np.float32) * 0.3
        for i, k in enumerate(self.targets):
            r, c = divmod(int(k), 4)
            self.data[i, 0, 2 + 8 * r:8 + 8 * r, 2 + 6 * c:8 + 6 * c] += 2.0

    def __getitem__(self, index):
        return torch.from_numpy(self.data[index]), int(self.targets[index])

    def __len__(self):
        return len(self.targets)


# ---------------------------------------------------------------- the 2019 version (Adadelta + StepLR)

class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def test(args, model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))
    return test_loss, correct


test.__test__ = False  # the program's own test(), not a pytest test


def main(argv):
    # Training settings
    parser = argparse.ArgumentParser(description='PyTorch MNIST Example')
    parser.add_argument('--batch-size', type=int, default=64, metavar='N',
                        help='input batch size for training (default: 64)')
    parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N',
                        help='input batch size for testing (default: 1000)')
    parser.add_argument('--epochs', type=int, default=14, metavar='N',
                        help='number of epochs to train (default: 14)')
    parser.add_argument('--lr', type=float, default=1.0, metavar='LR',
                        help='learning rate (default: 1.0)')
    parser.add_argument('--gamma', type=float, default=0.7, metavar='M',
                        help='Learning rate step gamma (default: 0.7)')
    parser.add_argument('--no-cuda', action='store_true', default=False,
                        help='disables CUDA training')
    parser.add_argument('--seed', type=int, default=1, metavar='S',
                        help='random seed (default: 1)')
    parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                        help='how many batches to wait before logging training status')
    parser.add_argument('--save-model', action='store_true', default=False,
                        help='For Saving the current Model')
    args = parser.parse_args(argv)
    use_cuda = not args.no_cuda and torch.cuda.is_available()

    torch.manual_seed(args.seed)

    device = torch.device("cuda" if use_cuda else "cpu")

    kwargs = {'num_workers': 1, 'pin_memory': True} if use_cuda else {}
    train_loader = torch.utils.data.DataLoader(
        SyntheticMNIST(48, seed=0),
        batch_size=args.batch_size, shuffle=True, **kwargs)
    test_loader = torch.utils.data.DataLoader(
        SyntheticMNIST(32, seed=1),
        batch_size=args.test_batch_size, shuffle=True, **kwargs)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    results = [test(args, model, device, test_loader)]
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        results.append(test(args, model, device, test_loader))
        scheduler.step()

    if args.save_model:
        torch.save(model.state_dict(), "mnist_cnn.pt")
    return results, optimizer


def test_mnist_2019_adadelta_steplr(capsys):
    results, optimizer = main(['--batch-size', '16', '--test-batch-size', '16', '--epochs', '2',
                               '--log-interval', '1', '--no-cuda'])
    out = capsys.readouterr().out
    assert out.count('Train Epoch: ') == 6 and out.count('Test set: Average loss') == 3
    (loss0, _), (_, _), (loss2, correct2) = results
    assert loss2 < loss0 and correct2 >= 16  # learns the synthetic classes
    assert optimizer.param_groups[0]['lr'] == 1.0 * 0.7 * 0.7
    again, _ = main(['--batch-size', '16', '--test-batch-size', '16', '--epochs', '2', '--no-cuda'])
    assert again == results  # manual_seed fixes init, shuffling and dropout: the run repeats exactly


# ---------------------------------------------------------------- the 2018 version (SGD with momentum)

class Net2018(nn.Module):
    def __init__(self):
        super(Net2018, self).__init__()
        self.conv1 = nn.Conv2d(1, 20, 5, 1)
        self.conv2 = nn.Conv2d(20, 50, 5, 1)
        self.fc1 = nn.Linear(4*4*50, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(x, 2, 2)
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2, 2)
        x = x.view(-1, 4*4*50)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def test_mnist_2018_sgd_momentum(capsys):
    args = argparse.Namespace(log_interval=10)
    torch.manual_seed(1)
    device = torch.device("cpu")
    train_loader = torch.utils.data.DataLoader(SyntheticMNIST(48, seed=0), batch_size=16, shuffle=True,
                                               num_workers=2)
    test_loader = torch.utils.data.DataLoader(SyntheticMNIST(32, seed=1), batch_size=32, shuffle=True)
    model = Net2018().to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    before, _ = test(args, model, device, test_loader)
    for epoch in range(1, 3):
        train(args, model, device, train_loader, optimizer, epoch)
    after, correct = test(args, model, device, test_loader)
    assert after < before and 0 <= correct <= 32
    assert 'Train Epoch: 1 [0/48 (0%)]' in capsys.readouterr().out
