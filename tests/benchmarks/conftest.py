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
    """Add what the shared kernels' speed depends on: the BLAS NumPy runs, the GPU timed (if any) and
    stylebench's machine id (pytest-benchmark saves py-cpuinfo's CPU fields itself, as machine_info["cpu"];
    `stylebench regress --saved` reads both back to refuse a baseline of another machine type)."""
    import numpy  # noqa: F401  (loads the BLAS so threadpoolctl can see it)
    gpu = machine.gpu_info()["gpu_name"] if os.environ.get(DEVICE_ENV, "cpu") == "gpu" else ""
    machine_info["stylebench"] = dict(machine.blas_info(), machine_id=machine.machine_id(gpu_name=gpu),
                                      gpu_name=gpu,
                                      git_commit=machine.git_commit(),
                                      threads={k: os.environ.get(k, "") for k in machine.THREAD_VARS})
