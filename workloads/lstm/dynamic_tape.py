"""lstm in PyTorch style: Embedding -> nn.LSTM (the fused kernel) -> Linear, CrossEntropyLoss, optim.SGD."""
import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from workloads.lstm import spec
from workloads import _memory


class LanguageModel(nn.Module):
    def __init__(self, vocab, embed, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden)          # time-major (T, B, E), as nn.LSTM defaults to
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, tokens):                      # tokens (T, B)
        output, _ = self.lstm(self.embedding(tokens))
        return self.decoder(output.reshape(-1, output.shape[2]))


# recipe name -> (state_dict key, stored transposed: the recipe's (in, out) vs torch's (out, in))
_KEYS = {"emb": ("embedding.weight", False), "wx": ("lstm.weight_ih_l0", True),
         "wh": ("lstm.weight_hh_l0", True), "b_ih": ("lstm.bias_ih_l0", False),
         "b_hh": ("lstm.bias_hh_l0", False), "wo": ("decoder.weight", True), "bo": ("decoder.bias", False)}


class Trainer:
    """Trains `model_cls` (lstm-cells passes its LSTMCell model and key table; the rest is the same)."""
    memory_parts = _memory.tape  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, size, device, model_cls=LanguageModel, keys=_KEYS):
        c = spec.SIZES[size]
        self.device = torch.device("cuda" if device == "gpu" else "cpu")
        self.model = model_cls(c["V"], c["E"], c["H"])
        self.keys = keys
        p = spec.init_params(size)
        self.model.load_state_dict({key: torch.from_numpy(p[k].T if t else p[k])
                                    for k, (key, t) in keys.items()})
        self.model.to(self.device)
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=c["lr"])

    def step(self, batch):
        inputs = torch.from_numpy(batch["inputs"]).to(self.device).t()
        targets = torch.from_numpy(batch["targets"]).to(self.device).t().reshape(-1)
        loss = self.criterion(self.model(inputs), targets)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def params(self):
        sd = self.model.state_dict()
        return {k: (sd[key].cpu().numpy().T if t else sd[key].cpu().numpy()).copy()
                for k, (key, t) in self.keys.items()}


def build(size="small", device="cpu"):
    return Trainer(size, device)
