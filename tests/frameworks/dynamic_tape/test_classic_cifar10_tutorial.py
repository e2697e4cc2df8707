"""The "Training a classifier" (CIFAR-10) tutorial, as written (2018-2019); only the import and the dataset
(small synthetic 3x32x32 images, learnable) are changed."""
import numpy as np

import frameworks.dynamic_tape as torch
import frameworks.dynamic_tape.nn as nn
import frameworks.dynamic_tape.nn.functional as F
import frameworks.dynamic_tape.optim as optim


class SyntheticCIFAR10(torch.utils.data.Dataset):
    """Stands in for torchvision.datasets.CIFAR10 + ToTensor/Normalize: class k tints one channel/region."""

    def __init__(self, n, seed):
        rs = np.random.RandomState(seed)
        self.labels = rs.randint(0, 10, n)
        self.images = rs.standard_normal((n, 3, 32, 32)).astype(np.float32) * 0.5
        for i, k in enumerate(self.labels):
            self.images[i, k % 3, 8 * (k // 3):8 * (k // 3) + 8, :] += 1.5

    def __getitem__(self, index):
        return torch.from_numpy(self.images[index]), int(self.labels[index])

    def __len__(self):
        return len(self.labels)


classes = ('plane', 'car', 'bird', 'cat',
           'deer', 'dog', 'frog', 'horse', 'ship', 'truck')


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


def test_cifar10_tutorial(tmp_path, capsys):
    torch.manual_seed(0)
    trainset = SyntheticCIFAR10(64, seed=0)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=4,
                                              shuffle=True, num_workers=2)
    testset = SyntheticCIFAR10(40, seed=1)
    testloader = torch.utils.data.DataLoader(testset, batch_size=4,
                                             shuffle=False, num_workers=2)
    net = Net()

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

    for epoch in range(6):  # loop over the dataset multiple times

        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            # get the inputs
            inputs, labels = data

            # zero the parameter gradients
            optimizer.zero_grad()

            # forward + backward + optimize
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()

            # print statistics
            running_loss += loss.item()
            if i % 8 == 7:    # print every 8 mini-batches
                print('[%d, %5d] loss: %.3f' %
                      (epoch + 1, i + 1, running_loss / 8))
                running_loss = 0.0

    print('Finished Training')

    PATH = str(tmp_path / 'cifar_net.pth')
    torch.save(net.state_dict(), PATH)

    dataiter = iter(testloader)
    images, labels = dataiter.next()
    print('GroundTruth: ', ' '.join('%5s' % classes[labels[j]] for j in range(4)))

    net = Net()
    net.load_state_dict(torch.load(PATH))
    outputs = net(images)
    _, predicted = torch.max(outputs, 1)

    print('Predicted: ', ' '.join('%5s' % classes[predicted[j]]
                                  for j in range(4)))

    correct = 0
    total = 0
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()

    print('Accuracy of the network on the 40 test images: %d %%' % (
        100 * correct / total))

    class_correct = list(0. for i in range(10))
    class_total = list(0. for i in range(10))
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs, 1)
            c = (predicted == labels).squeeze()
            for i in range(4):
                label = labels[i]
                class_correct[label] += c[i].item()
                class_total[label] += 1

    for i in range(10):
        if class_total[i]:
            print('Accuracy of %5s : %2d %%' % (
                classes[i], 100 * class_correct[i] / class_total[i]))

    out = capsys.readouterr().out
    assert out.count(" loss: ") == 12 and 'Finished Training' in out and 'Predicted: ' in out
    assert total == 40 and sum(class_total) == 40 and sum(class_correct) == correct
    assert correct > 40 // 10 + 4  # well above chance: it learned from the synthetic classes
    first = [float(line.split('loss: ')[1]) for line in out.splitlines() if ' loss: ' in line]
    assert first[-1] < first[0]
