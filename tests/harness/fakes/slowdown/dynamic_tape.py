"""The slowdown fake as dynamic_tape (a second engine, so one can be slowed and the other not)."""
from tests.harness.fakes.slowdown import spec


def build(size="small", device="cpu"):
    return spec.Trainer("dynamic_tape")
