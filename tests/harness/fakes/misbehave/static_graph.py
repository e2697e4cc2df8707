"""A deliberately wrong engine module for the fake: every loss is off by one (the gate must catch it)."""
from tests.harness.fakes.misbehave.reference import Trainer


def build(size="small", device="cpu"):
    return Trainer(size, offset=1.0)
