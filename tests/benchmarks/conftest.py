"""pytest-benchmark settings for the step suite: the device, rounds, and this machine's id in the JSON."""
import os

import pytest

from harness import machine

DEVICE_ENV = "STYLEBENCH_DEVICE"
ROUNDS_ENV = "STYLEBENCH_BENCH_ROUNDS"


@pytest.fixture(scope="session")
def bench_device():
    """The device the suite times: $STYLEBENCH_DEVICE (cpu unless asked), skipped with a reason if absent."""
    from frameworks.kernels import BackendError, get_xp
    device = os.environ.get(DEVICE_ENV, "cpu")
    try:
        get_xp(device)
    except BackendError as e:
        pytest.skip(f"{DEVICE_ENV}={device}: {e}")
    return device


@pytest.fixture(scope="session")
def rounds():
    return int(os.environ.get(ROUNDS_ENV, "15"))


def pytest_benchmark_update_machine_info(config, machine_info):
    """Add what the shared kernels' speed depends on: the BLAS NumPy runs and stylebench's machine id."""
    import numpy  # noqa: F401  (loads the BLAS so threadpoolctl can see it)
    machine_info["stylebench"] = dict(machine.blas_info(), machine_id=machine.machine_id(),
                                      git_commit=machine.git_commit(),
                                      threads={k: os.environ.get(k, "") for k in machine.THREAD_VARS})
