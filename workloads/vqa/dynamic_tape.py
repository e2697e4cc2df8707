"""vqa in PyTorch style: a CNN image encoder and an LSTM question encoder in one nn.Module, concatenated
into a classifier; CrossEntropyLoss, optim.SGD with momentum."""
import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from workloads.vqa import spec
from workloads import _memory


class VQANet(nn.Module):
    def __init__(self, flat, c):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(flat, c["F"])
        self.embedding = nn.Embedding(c["vocab"], c["E"])
        self.lstm = nn.LSTM(c["E"], c["H"])
        self.classifier = nn.Linear(c["F"] + c["H"], c["answers"])

    def forward(self, images, questions):          # questions (Q, B): time-major for nn.LSTM
        x = self.pool(self.conv1(images).relu())
        x = self.pool(self.conv2(x).relu())
        image = self.fc(x.flatten(1)).relu()
        _, (h_n, _) = self.lstm(self.embedding(questions))
        return self.classifier(torch.cat([image, h_n[-1]], dim=1))


# recipe name -> (state_dict key, stored transposed: the recipe's (in, out) vs torch's (out, in))
_KEYS = {"c1w": ("conv1.weight", False), "c1b": ("conv1.bias", False), "c2w": ("conv2.weight", False),
         "c2b": ("conv2.bias", False), "fw": ("fc.weight", True), "fb": ("fc.bias", False),
         "emb": ("embedding.weight", False), "wx": ("lstm.weight_ih_l0", True),
         "wh": ("lstm.weight_hh_l0", True), "b_ih": ("lstm.bias_ih_l0", False),
         "b_hh": ("lstm.bias_hh_l0", False), "ow": ("classifier.weight", True),
         "ob": ("classifier.bias", False)}


class Trainer:
    memory_parts = _memory.tape  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device):
        c = spec.SIZES[size]
        self.device = torch.device("cuda" if device == "gpu" else "cpu")
        self.model = VQANet(spec.flat_features(size), c)
        p = spec.init_params(size)
        self.model.load_state_dict({key: torch.from_numpy(p[k].T if t else p[k])
                                    for k, (key, t) in _KEYS.items()})
        self.model.to(self.device)
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=c["lr"], momentum=c["momentum"])

    def step(self, batch):
        images = torch.from_numpy(batch["images"]).to(self.device)
        questions = torch.from_numpy(batch["questions"]).to(self.device).t()
        answers = torch.from_numpy(batch["answers"]).to(self.device)
        loss = self.criterion(self.model(images, questions), answers)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def params(self):
        sd = self.model.state_dict()
        return {k: (sd[key].cpu().numpy().T if t else sd[key].cpu().numpy()).copy()
                for k, (key, t) in _KEYS.items()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
