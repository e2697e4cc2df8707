"""resnet in PyTorch style: torchvision's BasicBlock shape (conv-BN-ReLU(inplace), `out += identity`, a
downsample Sequential), AdaptiveAvgPool2d, Dropout, Linear; CrossEntropyLoss, optim.SGD with momentum."""
import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from workloads.resnet import spec
from workloads import _memory


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet(nn.Module):
    def __init__(self, num_classes=10, dropout=0.1):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = BasicBlock(16, 16)
        self.layer2 = BasicBlock(16, 32, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(self.dropout(x))


# recipe conv name -> (module path of the conv, of its batch norm)
_CONVS = {"stem": ("conv1", "bn1"), "b1c1": ("layer1.conv1", "layer1.bn1"),
          "b1c2": ("layer1.conv2", "layer1.bn2"), "b2c1": ("layer2.conv1", "layer2.bn1"),
          "b2c2": ("layer2.conv2", "layer2.bn2"), "b2sc": ("layer2.downsample.0", "layer2.downsample.1")}


class Trainer:
    memory_parts = _memory.tape  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        self.device = torch.device("cuda" if device == "gpu" else "cpu")
        self.model = ResNet(dropout=c["dropout"])
        p = {k: torch.from_numpy(v) for k, v in spec.init_params(size).items()}
        state = {"fc.weight": p["lw"].t(), "fc.bias": p["lb"]}
        for name, (conv, bn) in _CONVS.items():
            state.update({f"{conv}.weight": p[name], f"{bn}.weight": p[f"{name}_bn_gamma"],
                          f"{bn}.bias": p[f"{name}_bn_beta"]})
        missing, _ = self.model.load_state_dict(state, strict=False)  # buffers keep their fresh 0 / 1
        assert all(k.endswith(("running_mean", "running_var", "num_batches_tracked")) for k in missing)
        self.model.to(self.device)
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=c["lr"], momentum=c["momentum"])
        torch.manual_seed(c["dropout_seed"])  # each dropout call then takes the next Philox counter

    def step(self, batch):
        x = torch.from_numpy(batch["x"]).to(self.device)
        labels = torch.from_numpy(batch["labels"]).to(self.device)
        loss = self.criterion(self.model(x), labels)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def params(self):
        sd = {k: v.cpu().numpy() for k, v in self.model.state_dict().items()}
        out = {"lw": sd["fc.weight"].T.copy(), "lb": sd["fc.bias"].copy()}
        for name, (conv, bn) in _CONVS.items():
            out.update({name: sd[f"{conv}.weight"].copy(), f"{name}_bn_gamma": sd[f"{bn}.weight"].copy(),
                        f"{name}_bn_beta": sd[f"{bn}.bias"].copy()})
        return out

    def buffers(self):
        """Running statistics under spec.BUFFER_NAMES (PyTorch's running_mean / running_var)."""
        sd = self.model.state_dict()
        out = {}
        for name, (_, bn) in _CONVS.items():
            out[f"{name}_bn_mean"] = sd[f"{bn}.running_mean"].cpu().numpy().copy()
            out[f"{name}_bn_var"] = sd[f"{bn}.running_var"].cpu().numpy().copy()
        return out


def build(size="small", device="cpu"):
    return Trainer(size, device)
