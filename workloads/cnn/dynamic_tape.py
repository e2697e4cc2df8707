"""cnn in PyTorch style: an nn.Sequential LeNet (Conv2d/ReLU/MaxPool2d x2, Flatten, Linear), CrossEntropyLoss,
optim.SGD."""
import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from workloads.cnn import spec
from workloads import _memory


class Trainer:
    memory_parts = _memory.tape  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        self.device = torch.device("cuda" if device == "gpu" else "cpu")
        self.model = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(784, 10),
        )
        p = {k: torch.from_numpy(v) for k, v in spec.init_params(size).items()}
        self.model.load_state_dict({"0.weight": p["c1w"], "0.bias": p["c1b"], "3.weight": p["c2w"],
                                    "3.bias": p["c2b"], "7.weight": p["lw"].t(), "7.bias": p["lb"]})
        self.model.to(self.device)
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=c["lr"])

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
        return {"c1w": sd["0.weight"].copy(), "c1b": sd["0.bias"].copy(), "c2w": sd["3.weight"].copy(),
                "c2b": sd["3.bias"].copy(), "lw": sd["7.weight"].T.copy(), "lb": sd["7.bias"].copy()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
