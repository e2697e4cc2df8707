"""Shared test fixtures: the backends to run on (GPU cases skip with a reason when CuPy or a GPU is missing);
and a guard that no test leaves files in the repository's root (they belong in tmp_path)."""
import os

import pytest

from frameworks.kernels import BackendError, get_xp

GPU_SKIP_REASON = None
try:
    get_xp("gpu")
except BackendError as e:
    GPU_SKIP_REASON = f"GPU backend unavailable: {e}"

# what every GPU test carries: the `gpu` marker (`pytest -m gpu` selects them on a GPU box) and the skip
NEEDS_GPU = (pytest.mark.gpu, pytest.mark.skipif(GPU_SKIP_REASON is not None, reason=GPU_SKIP_REASON or ""))

DEVICE_PARAMS = [
    pytest.param("cpu", id="cpu"),
    pytest.param("gpu", id="gpu", marks=NEEDS_GPU),
]


@pytest.fixture(params=DEVICE_PARAMS)
def device(request):
    """Each device the test should run on: "cpu" always, "gpu" where CuPy sees a CUDA device."""
    return request.param


@pytest.fixture
def xp(device):
    return get_xp(device)


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# what a test run itself makes in the root (caches, the venv `make test` installs); nothing else may appear
RUN_ARTIFACTS = {".pytest_cache", ".benchmarks", ".hypothesis", "__pycache__", ".venv"}


def pytest_sessionstart(session):
    session.config._root_before = set(os.listdir(ROOT))


def pytest_sessionfinish(session, exitstatus):
    """A program run as a test in the working directory once wrote its checkpoints into the root and a
    commit picked them up: fail the run that leaves anything new there, naming it."""
    before = getattr(session.config, "_root_before", None)
    if before is None:
        return
    new = sorted(set(os.listdir(ROOT)) - before - RUN_ARTIFACTS)
    if new:
        tw = session.config.get_terminal_writer()
        tw.line()
        tw.line(f"tests left files in the repository root (write them under tmp_path): {', '.join(new)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
