"""Harness fixtures: the misbehaving fake workload, registered here and in every spawned child."""
import pytest

import workloads

FAKE = "fake"
FAKE_PACKAGE = "tests.harness.fakes.misbehave"


@pytest.fixture
def fake(monkeypatch):
    """Registers workload "fake" in this process (undone afterwards) and, via the environment, in children."""
    monkeypatch.setitem(workloads._PACKAGES, FAKE, FAKE_PACKAGE)
    monkeypatch.setenv(workloads.EXTRA_ENV, f"{FAKE}={FAKE_PACKAGE}")
    return FAKE
