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


class _FakeCuda:
    """Stands in for cupy.cuda: records the order of event records, synchronizes and timed calls."""

    def __init__(self, log):
        self.log = log
        fake = self

        class Event:
            def __init__(self):
                self.t = None

            def record(self):
                self.t = len(fake.log)
                fake.log.append("record")

            def synchronize(self):
                fake.log.append("sync")

        self.Event = Event

    def get_elapsed_time(self, start, end):
        self.log.append("elapsed")
        return float(end.t - start.t)   # "ms" = log entries between the two records


def test_event_timer_brackets_each_call_and_reads_in_call_order(monkeypatch):
    log = []
    timer = gpu.EventTimer.__new__(gpu.EventTimer)
    timer._cupy = type("cupy", (), {"cuda": _FakeCuda(log)})
    timer.pairs = []

    def work(n):
        log.extend(["work"] * n)
        return n

    assert timer.time(work, (3,), {}) == 3          # the call's own result comes back
    assert timer.time(work, (), {"n": 1}) == 1
    assert log == ["record", "work", "work", "work", "record", "record", "work", "record"]
    del log[:]
    # each pair spans exactly its call (start recorded before, end after), read after a synchronize on end
    assert timer.drain() == [4.0, 2.0]
    assert log == ["sync", "elapsed", "sync", "elapsed"]
    assert timer.drain() == []                       # drained pairs are not read twice


@pytest.mark.gpu
@pytest.mark.skipif(GPU_SKIP_REASON is not None, reason=GPU_SKIP_REASON or "")
def test_event_timer_times_device_work():
    import cupy
    timer = gpu.EventTimer()
    a = cupy.ones((2048, 2048), cupy.float32)
    y = timer.time(lambda: a @ a, (), {})
    (ms,) = timer.drain()
    assert float(y[0, 0]) == 2048.0
    assert ms > 0.0   # 17 GFLOP ran between the two events: a zero means the events did not bracket it
