"""PyTorch names this engine does not have: reading one raises NotImplementedError (a RuntimeError, as
PyTorch's own refusals are) saying what to use instead; a name PyTorch lacks too is an AttributeError."""

_NO_KERNEL = "has no kernel in the shared set"
_RNN = "use nn.LSTM / nn.LSTMCell (the shared lstm kernel), or write the cell from nn.Linear and torch.tanh"
MISSING = {
    "nn.Conv1d": "is not supported; unsqueeze to (N, C, 1, L) and use nn.Conv2d with kernel_size=(1, k)",
    "nn.functional.conv1d": "is not supported; unsqueeze to 4-D and use F.conv2d with a (1, k) kernel",
    "nn.MaxPool1d": "is not supported; unsqueeze to 4-D and use nn.MaxPool2d((1, k))",
    "nn.functional.max_pool1d": "is not supported; unsqueeze to 4-D and use F.max_pool2d with (1, k)",
    "nn.GRU": f"is not supported; {_RNN}",
    "nn.GRUCell": f"is not supported; {_RNN}",
    "nn.RNN": f"is not supported; {_RNN}",
    "nn.RNNCell": f"is not supported; {_RNN}",
    "nn.LayerNorm": "is not supported (no layer-norm kernel); use nn.BatchNorm1d or nn.GroupNorm(1, C)",
    "nn.functional.layer_norm": "is not supported (no layer-norm kernel); use F.group_norm",
    "nn.InstanceNorm2d": "is not supported; use nn.GroupNorm(C, C) (one group per channel is instance norm "
                         "with affine parameters)",
    "nn.Upsample": "is not supported (no interpolation kernel)",
    "nn.functional.interpolate": "is not supported (no interpolation kernel)",
    "nn.MultiheadAttention": "is not supported; write attention from torch.bmm and F.softmax",
    "nn.Transformer": "is not supported; build it from nn.Linear, torch.bmm and F.softmax",
    "nn.TransformerEncoder": "is not supported; build it from nn.Linear, torch.bmm and F.softmax",
    "nn.TransformerEncoderLayer": "is not supported; build it from nn.Linear, torch.bmm and F.softmax",
    "nn.functional.scaled_dot_product_attention": "is not supported; use torch.bmm and F.softmax",
    "nn.PixelShuffle": "is not supported; use reshape and permute",
    "nn.ModuleDict": "is not supported; register the modules as attributes or in an nn.ModuleList",
    "nn.ParameterList": "is not supported; register nn.Parameter attributes",
    "nn.DataParallel": "is not supported (one device); call the module itself",
    "nn.parallel": "is not supported (one device); call the module itself",
    "optim.SparseAdam": "is not supported (no sparse gradients); use optim.Adam",
    "optim.ASGD": "is not supported by the shared optimizer kernels; use optim.SGD",
    "optim.Rprop": "is not supported by the shared optimizer kernels; use optim.Adam or optim.RMSprop",
    "optim.AdamW": "is not supported by the shared optimizer kernels; use optim.Adam (L2 weight_decay)",
    "distributed": "is not supported (one process, one device)",
    "multiprocessing": "is not supported; DataLoader(num_workers=...) gives the same batches in-process",
    "jit": "is not supported (the tape is the only execution mode); call the module directly",
    "onnx": "is not supported; save the state_dict with torch.save",
    "einsum": "is not supported; use matmul / bmm with permute and reshape",
}


def missing(prefix):
    """A module __getattr__: PyTorch's names this engine lacks raise NotImplementedError saying what to use;
    any other name is the AttributeError Python gives."""
    def __getattr__(name):
        key = f"{prefix}{name}"
        if key in MISSING:
            raise NotImplementedError(f"torch.{key} {MISSING[key]}")
        where = "torch" + ("." + prefix[:-1] if prefix else "")
        raise AttributeError(f"module '{where}' has no attribute '{name}'")
    return __getattr__
