"""GPU measurement helpers: import without CuPy, count a pool's malloc/free correctly, show n/a not 0."""
import math

import pytest

from harness import gpu, report
from tests.conftest import GPU_SKIP_REASON


def test_peak_hook_tracks_in_use_bytes_and_their_peak():
    hook = gpu.PeakHook(in_use=100)
    hook.malloc_postprocess(device_id=0, size=50, mem_size=512, mem_ptr=1, pmem_id=0)
    hook.malloc_postprocess(device_id=0, size=900, mem_size=1024, mem_ptr=2, pmem_id=0)
    hook.free_postprocess(device_id=0, mem_size=512, mem_ptr=1, pmem_id=0)
    assert (hook.in_use, hook.peak) == (100 + 1024, 100 + 512 + 1024)
    hook.reset(hook.in_use)
    assert hook.peak == 1124


def test_unmeasured_columns_show_na_never_zero():
    assert report.na(math.nan, "{:.1f}") == "n/a"
    assert report.na(None, "{:.1f}") == "n/a"
    assert report.na(0.0, "{:.1f}") == "0.0"


def test_nvml_without_a_device_is_none_not_zero():
    if GPU_SKIP_REASON is None:
        pytest.skip("a GPU is present: NVML reports a real number here")
    assert gpu.nvml_used_bytes() is None


@pytest.mark.skipif(GPU_SKIP_REASON is not None, reason=GPU_SKIP_REASON or "")
def test_event_timer_times_device_work():
    import cupy
    timer = gpu.EventTimer()
    a = cupy.ones((512, 512), cupy.float32)
    timer.time(lambda: a @ a, (), {})
    (ms,) = timer.drain()
    assert ms >= 0.0
