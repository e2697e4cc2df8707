"""GPU-side measurement: a CuPy memory hook's per-iteration peak, the pool's held bytes, NVML's device-used
bytes, and CUDA-event timing. Imports cleanly without CuPy; everything here is used only on device "gpu"."""
MIB = float(1 << 20)


def _memory_hook_base():
    try:
        from cupy.cuda import memory_hook
        return memory_hook.MemoryHook
    except Exception:  # CuPy missing: the class below is never instantiated on the CPU
        return object


class PeakHook(_memory_hook_base()):
    """Tracks bytes handed out by the CuPy pool (malloc minus free) and their peak since `reset()`.

    The pool keeps no peak of its own, so the hook follows every malloc/free; hooks are thread-local,
    which is fine because a trainer steps on the thread that measures it.
    """
    name = "StylebenchPeakHook"

    def __init__(self, in_use=0):
        super().__init__()
        self.in_use = in_use
        self.peak = in_use
        self.since = None     # after mark(): address -> bytes of the allocations made since, still alive

    def reset(self, in_use):
        self.in_use = in_use
        self.peak = in_use

    def mark(self):
        """From now on, also follow which allocations are made (the memory breakdown's step)."""
        self.since = {}

    # CuPy calls these with keywords (device_id, size, mem_size, mem_ptr, pmem_id); mem_size is rounded
    def malloc_postprocess(self, **kw):
        self.in_use += kw["mem_size"]
        if self.in_use > self.peak:
            self.peak = self.in_use
        if self.since is not None:
            self.since[kw["mem_ptr"]] = kw["mem_size"]

    def free_postprocess(self, **kw):
        self.in_use -= kw["mem_size"]
        if self.since is not None:
            self.since.pop(kw["mem_ptr"], None)


def nvml_used_bytes():
    """Device memory in use as nvidia-smi shows it (context included), or None without NVML."""
    try:
        import cupy
        import pynvml
        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(cupy.cuda.Device().id)
        return int(pynvml.nvmlDeviceGetMemoryInfo(handle).used)
    except Exception:  # pynvml missing or NVML unusable: the column shows n/a
        return None


def memory_pass(trainer, batches, sync):
    """Step `trainer` over `batches` under the peak hook; returns the GPU memory columns in MiB."""
    import cupy
    pool = cupy.get_default_memory_pool()
    sync()
    hook = PeakHook(pool.used_bytes())
    peaks = []
    with hook:
        for b in batches:
            hook.reset(pool.used_bytes())
            trainer.step(b)
            sync()
            peaks.append(hook.peak)
    used = nvml_used_bytes()
    return {
        "gpu_peak_mb": max(peaks) / MIB if peaks else None,
        "gpu_pool_mb": pool.total_bytes() / MIB,
        "gpu_nvml_used_mb": used / MIB if used is not None else None,
    }


class EventTimer:
    """Times a call with CUDA events on the current stream; `total_ms()` synchronizes and sums them."""

    def __init__(self):
        import cupy
        self._cupy = cupy
        self.pairs = []

    def time(self, fn, args, kwargs):
        start, end = self._cupy.cuda.Event(), self._cupy.cuda.Event()
        start.record()
        try:
            return fn(*args, **kwargs)
        finally:
            end.record()
            self.pairs.append(end)
            self.pairs.append(start)

    def drain(self):
        """[(ms), ...] for each timed call since the last drain, in call order."""
        out = []
        it = iter(self.pairs)
        for end, start in zip(it, it):
            end.synchronize()
            out.append(self._cupy.cuda.get_elapsed_time(start, end))
        self.pairs.clear()
        return out
