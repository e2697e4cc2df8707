"""The slowdown fake as the reference engine."""
from tests.harness.fakes.slowdown import spec


def build(size="small", device="cpu"):
    return spec.Trainer("reference")
