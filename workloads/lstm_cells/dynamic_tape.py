"""lstm-cells in PyTorch style: an nn.LSTMCell stepped in a Python loop over time (primitive ops per step).

The same recipe as lstm, so it reuses that module's training loop; only the model differs."""
import frameworks.dynamic_tape as torch
from frameworks.dynamic_tape import nn
from workloads.lstm import dynamic_tape as fused


class LanguageModel(nn.Module):
    def __init__(self, vocab, embed, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTMCell(embed, hidden)
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, tokens):                      # tokens (T, B)
        state = None
        outputs = []
        for x_t in self.embedding(tokens).unbind(0):
            state = self.lstm(x_t, state)
            outputs.append(state[0])
        return self.decoder(torch.cat(outputs))     # (T * B, V), time-major rows


# recipe name -> (state_dict key, stored transposed: the recipe's (in, out) vs torch's (out, in))
_KEYS = {"emb": ("embedding.weight", False), "wx": ("lstm.weight_ih", True), "wh": ("lstm.weight_hh", True),
         "b_ih": ("lstm.bias_ih", False), "b_hh": ("lstm.bias_hh", False), "wo": ("decoder.weight", True),
         "bo": ("decoder.bias", False)}


def build(size="small", device="cpu"):
    return fused.Trainer(size, device, LanguageModel, _KEYS)
