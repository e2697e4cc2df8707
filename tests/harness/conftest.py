"""Harness fixtures: the misbehaving fake workload, registered here and in every spawned child."""
import pytest

import workloads

FAKE = "fake"
FAKE_PACKAGE = "tests.harness.fakes.misbehave"


def register_fake(monkeypatch, name, package):
    """Registers workload `name` in this process (undone afterwards) and, via the environment, in children."""
    monkeypatch.setitem(workloads._PACKAGES, name, package)
    monkeypatch.setenv(workloads.EXTRA_ENV, f"{name}={package}")
    return name


@pytest.fixture
def fake(monkeypatch):
    """The misbehaving fake, as workload "fake"."""
    return register_fake(monkeypatch, FAKE, FAKE_PACKAGE)
