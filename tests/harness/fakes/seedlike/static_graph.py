"""The seedlike fake as the static_graph engine."""
from tests.harness.fakes.seedlike import spec


def build(size="small", device="cpu"):
    return spec.Trainer(size)
