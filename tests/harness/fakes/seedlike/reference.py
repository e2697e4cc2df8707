"""The seedlike fake as the reference engine."""
from tests.harness.fakes.seedlike import spec


def build(size="small", device="cpu"):
    return spec.Trainer(size)
