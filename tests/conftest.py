"""Shared test fixtures: the backends to run on (GPU cases skip with a reason when CuPy or a GPU is missing)."""
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
