"""What every reference trainer shares: parameters on the device, batches moved there, params() back."""
from frameworks.kernels import get_xp, to_numpy
from workloads import _memory


class FloorTrainer:
    """Base of the `reference` trainers: the bare kernels called by hand, no framework in between."""
    memory_parts = _memory.floor  # what it holds between steps, by kind (workloads/_memory.py)

    def __init__(self, spec, size, device):
        self.xp = get_xp(device)
        self.config = dict(spec.SIZES[size])
        self.p = {k: self.xp.asarray(v) for k, v in spec.init_params(size).items()}
        # the loss's gradient seed, made once (no kernel writes into the gy it is given)
        self.one = self.xp.ones((), dtype="float32")

    def feed(self, batch, *keys):
        """The batch's arrays on the device, in `keys` order."""
        return [self.xp.asarray(batch[k]) for k in keys]

    def params(self):
        """Current parameters as NumPy arrays (copies)."""
        return {k: to_numpy(v).copy() for k, v in self.p.items()}
