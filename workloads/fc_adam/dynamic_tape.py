"""fc-adam in PyTorch style: a 2-3-1 nn.Module, a hand-written clipped log loss, optim.Adam."""
import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from workloads.fc_adam import spec
from workloads import _memory


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 3, bias=False)
        self.fc2 = nn.Linear(3, 1, bias=False)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu()).relu()


class Trainer:
    memory_parts = _memory.tape  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        self.device = torch.device("cuda" if device == "gpu" else "cpu")
        self.model = Net()
        p = spec.init_params(size)  # (in, out) in the recipe, (out, in) in nn.Linear
        self.model.load_state_dict({"fc1.weight": torch.from_numpy(p["w1"].T.copy()),
                                    "fc2.weight": torch.from_numpy(p["w2"].T.copy())})
        self.model.to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=c["lr"], betas=(c["beta1"], c["beta2"]),
                                          eps=c["eps"])
        self.clip = spec.CLIP

    def step(self, batch):
        x = torch.from_numpy(batch["x"]).to(self.device)
        y = torch.from_numpy(batch["y"]).to(self.device)
        yhat = self.model(x)
        loss = -(y * yhat.clamp(*self.clip).log()).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def params(self):
        return {"w1": self.model.fc1.weight.detach().cpu().numpy().T.copy(),
                "w2": self.model.fc2.weight.detach().cpu().numpy().T.copy()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
