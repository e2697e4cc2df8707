"""A torchvision-style ResNet (torchvision/models/resnet.py, 2019: BasicBlock, downsample Sequential,
BatchNorm2d, in-place ReLU, AdaptiveAvgPool2d, torch.flatten) trained with SGD momentum + weight decay and
MultiStepLR, then checkpointed and resumed as the "saving and loading a general checkpoint" recipe does.
Only the import and the data (small synthetic CIFAR-shaped batches) are changed."""
import numpy as np
import pytest

import frameworks.dynamic_tape as torch
import frameworks.dynamic_tape.nn as nn


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution with padding"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride,
                     padding=dilation, bias=False)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1,
                 base_width=64, dilation=1, norm_layer=None):
        super(BasicBlock, self).__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError('BasicBlock only supports groups=1 and base_width=64')
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        # Both self.conv1 and self.downsample layers downsample the input when stride != 1
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out += identity
        out = self.relu(out)

        return out


class ResNet(nn.Module):

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False,
                 groups=1, width_per_group=64, replace_stride_with_dilation=None,
                 norm_layer=None):
        super(ResNet, self).__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer

        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            # each element in the tuple indicates if we should replace
            # the 2x2 stride with a dilated convolution instead
            replace_stride_with_dilation = [False, False, False]
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3,
                               bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2,
                                       dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2,
                                       dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2,
                                       dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

        # Zero-initialize the last BN in each residual branch,
        # so that the residual branch starts with zeros, and each residual block behaves like an identity.
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, BasicBlock):
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )

        layers = []
        layers.append(block(self.inplanes, planes, stride, downsample, self.groups,
                            self.base_width, previous_dilation, norm_layer))
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation,
                                norm_layer=norm_layer))

        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.maxpool(x)

        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)

        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.fc(x)

        return x


def resnet10(num_classes=10):
    return ResNet(BasicBlock, [1, 1, 1, 1], num_classes=num_classes)


def batches(n, seed):
    rs = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        labels = rs.randint(0, 10, 8)
        images = rs.standard_normal((8, 3, 32, 32)).astype(np.float32)
        images[np.arange(8), labels % 3] += (labels // 3)[:, None, None] * 0.7
        out.append((torch.from_numpy(images), torch.from_numpy(labels)))
    return out


def train_epochs(model, optimizer, scheduler, data, epochs):
    criterion = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(epochs):
        model.train()
        for inputs, targets in data:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    return losses, loss


def make(seed=0):
    torch.manual_seed(seed)
    model = resnet10()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 3], gamma=0.1)
    return model, optimizer, scheduler


@pytest.fixture(scope="module")
def data():
    return batches(2, seed=0)


def test_resnet_trains_with_batch_norm_statistics_and_eval_mode(data):
    model, optimizer, scheduler = make()
    assert isinstance(model.layer2[0].downsample, nn.Sequential) and model.layer1[0].downsample is None
    assert 'layer2.0.downsample.1.running_var' in model.state_dict()
    losses, _ = train_epochs(model, optimizer, scheduler, data, 4)
    assert losses[-1] < losses[0]
    assert [round(g['lr'], 6) for g in optimizer.param_groups] == [0.001]  # two milestones passed
    bn = model.layer3[0].bn1
    assert bn.num_batches_tracked.item() == 8 and not np.allclose(bn.running_var.numpy(), 1.0)
    model.eval()
    with torch.no_grad():
        full = model(data[0][0])
        one = model(data[0][0][2:3])  # eval mode: running statistics, so a row does not see its batch
    np.testing.assert_allclose(one.numpy()[0], full.numpy()[2], rtol=1e-4, atol=1e-5)
    assert bn.num_batches_tracked.item() == 8


def test_checkpoint_resume_equals_uninterrupted_training(tmp_path, data):
    model, optimizer, scheduler = make()
    straight, _ = train_epochs(model, optimizer, scheduler, data, 4)

    model, optimizer, scheduler = make()
    first, loss = train_epochs(model, optimizer, scheduler, data, 2)
    PATH = tmp_path / "checkpoint.pt"
    torch.save({
        'epoch': 2,
        'model_state_dict': model.state_dict(),
        'optimizer_state_dict': optimizer.state_dict(),
        'scheduler_state_dict': scheduler.state_dict(),
        'loss': loss,
    }, PATH)
    del model, optimizer, scheduler

    model, optimizer, scheduler = make(seed=123)  # fresh objects, different initial weights
    checkpoint = torch.load(PATH)
    model.load_state_dict(checkpoint['model_state_dict'])
    optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
    scheduler.load_state_dict(checkpoint['scheduler_state_dict'])
    epoch = checkpoint['epoch']
    loss = checkpoint['loss']
    model.train()
    assert epoch == 2 and loss.item() == first[-1]
    rest, _ = train_epochs(model, optimizer, scheduler, data, 2)
    assert first + rest == straight  # bit for bit

    reference, optimizer2, _ = make()
    train_epochs(reference, optimizer2, torch.optim.lr_scheduler.MultiStepLR(optimizer2, [2, 3]), data, 4)
    for (name, a), (_, b) in zip(model.state_dict().items(), reference.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_saving_the_whole_model_is_refused_with_the_fix(tmp_path):
    with pytest.raises(TypeError, match=r"torch.save\(model.state_dict\(\), PATH\)"):
        torch.save(resnet10(), tmp_path / "model.pt")
