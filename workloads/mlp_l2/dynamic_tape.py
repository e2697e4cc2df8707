"""mlp-l2 in PyTorch style: the "PyTorch: nn" tutorial net, Linear(bias=False) -> ReLU -> Linear,
sum-of-squares loss, optim.SGD."""
import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from workloads.mlp_l2 import spec
from workloads import _memory


class Trainer:
    memory_parts = _memory.tape  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        self.device = torch.device("cuda" if device == "gpu" else "cpu")
        self.model = nn.Sequential(
            nn.Linear(c["D_in"], c["H"], bias=False),
            nn.ReLU(),
            nn.Linear(c["H"], c["D_out"], bias=False),
        )
        p = spec.init_params(size)  # the recipe's weights are (in, out); Linear keeps (out, in)
        self.model.load_state_dict({"0.weight": torch.from_numpy(p["w1"].T.copy()),
                                    "2.weight": torch.from_numpy(p["w2"].T.copy())})
        self.model.to(self.device)
        self.loss_fn = nn.MSELoss(reduction="sum")
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=c["lr"])

    def step(self, batch):
        x = torch.from_numpy(batch["x"]).to(self.device)
        y = torch.from_numpy(batch["y"]).to(self.device)
        y_pred = self.model(x)
        loss = self.loss_fn(y_pred, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def params(self):
        return {"w1": self.model[0].weight.detach().cpu().numpy().T.copy(),
                "w2": self.model[2].weight.detach().cpu().numpy().T.copy()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
