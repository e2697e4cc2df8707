"""PyTorch names this engine does not have: reading one raises NotImplementedError (a RuntimeError, as
PyTorch's own refusals are) saying what to use instead; a name PyTorch lacks too is an AttributeError."""

_NO_KERNEL = "has no kernel in the shared set"
MISSING = {
    "nn.MultiheadAttention": "is not supported; write attention from torch.bmm and F.softmax",
    "nn.Transformer": "is not supported; build it from nn.Linear, torch.bmm and F.softmax",
    "nn.TransformerEncoder": "is not supported; build it from nn.Linear, torch.bmm and F.softmax",
    "nn.TransformerEncoderLayer": "is not supported; build it from nn.Linear, torch.bmm and F.softmax",
    "nn.functional.scaled_dot_product_attention": "is not supported; use torch.bmm and F.softmax",
    "nn.DataParallel": "is not supported (one device); call the module itself",
    "nn.parallel": "is not supported (one device); call the module itself",
    "optim.SparseAdam": "is not supported (no sparse gradients); use optim.Adam",
    "optim.ASGD": "is not supported by the shared optimizer kernels; use optim.SGD",
    "optim.Rprop": "is not supported by the shared optimizer kernels; use optim.Adam or optim.RMSprop",
    "distributed": "is not supported (one process, one device)",
    "multiprocessing": "is not supported; DataLoader(num_workers=...) gives the same batches in-process",
    "jit": "is not supported (the tape is the only execution mode); call the module directly",
    "onnx": "is not supported; save the state_dict with torch.save",
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
